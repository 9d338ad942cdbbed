"""Cảnh báo đỏ: every red flag with the sentence that says why, filtered by rule, unit, lead
office and task group, and downloadable as Excel for the meeting."""
import io

import streamlit as st

from components import chart_title, charts, data, drill, filters, page_style
from nq57.vnformat import vn_date, vn_number
from nq57 import exports

as_of = filters.current_as_of()
red = data.label("kpi_status", "canh_bao_do")
by_rule = data.view("flags_by_rule", as_of)
st.title(red)
st.caption(f"Tính đến ngày {vn_date(as_of)}. Quy tắc: "
           + "; ".join(f"({int(r.rule)}) {r.rule_label}" for r in by_rule.itertuples()) + ".")

flags = data.view("red_flags", as_of)
if flags.empty:
    st.success(f"Không có {red.lower()} nào tính đến {vn_date(as_of)}.", icon=":material/check_circle:")
    st.stop()

# the plan each flag belongs to by its name (plan_labels), so that the link reads ?flag_plans=KH+xã+Nha+Bích
flags["plan_label"] = flags["plan_id"].map(data.plan_labels())
top, bottom = st.columns(2), st.columns(3)
rules = top[0].multiselect("Quy tắc", sorted(flags["rule_label"].unique()), key=drill.RULE_FILTER, placeholder="Tất cả",
                          bind="query-params")
units = top[1].multiselect("Đơn vị", sorted(flags["unit_name"].unique()), key="flag_units", placeholder="Tất cả",
                          bind="query-params")
leads = bottom[0].multiselect("Đơn vị chủ trì", sorted(flags["lead_office"].dropna().unique()), key="flag_leads", placeholder="Tất cả",
                             bind="query-params")
groups = bottom[1].multiselect("Nhóm nhiệm vụ", sorted(flags["task_group"].dropna().unique()), key="flag_groups", placeholder="Tất cả",
                             bind="query-params")
plans = bottom[2].multiselect("Kế hoạch", sorted(flags["plan_label"].dropna().unique()), key="flag_plans",
                              placeholder="Tất cả", bind="query-params")
shown = flags[filters.matches(flags, "rule_label", rules) & filters.matches(flags, "unit_name", units)
              & filters.matches(flags, "lead_office", leads) & filters.matches(flags, "task_group", groups)
              & filters.matches(flags, "plan_label", plans)]

# a click on a rule filters the list by it
chart_title.plot(st, charts.flags_by_rule(by_rule), width="stretch", theme=None, key="rule_chart", selection_mode="points",
                on_select=lambda: drill.filter_by_rule("rule_chart"), alt=f"Số {red.lower()} theo quy tắc")
st.subheader(f"{vn_number(len(shown))} cảnh báo · {vn_number(shown['unit_id'].nunique())} đơn vị")
# a whole order, so the first rows drawn are the same on every run
table = shown.sort_values(["rule", "unit_name", "due_date", "item_type", "item_id"])[
    ["unit_name", "reason", "rule_label", "item_name", "lead_office"]]
if len(table) > data.TABLE_ROWS:
    st.caption(f"Bảng hiện {vn_number(data.TABLE_ROWS)} cảnh báo đầu tiên (theo quy tắc, rồi tên đơn vị) trong "
               f"{vn_number(len(table))}: lọc theo quy tắc, đơn vị, đơn vị chủ trì… hoặc tải Excel để xem đủ.")
# the why next to the unit, whole (wrapped rows), so a phone shows it before any sideways scroll
# (its sentence starts with what the rule says); the rule, the item and its lead office after it
shown_rows = table.head(data.TABLE_ROWS)
shown_rows = shown_rows.assign(item_name=shown_rows["item_name"].map(page_style.wrapped_cell))  # a task's content ends in "…"
page_style.dataframe(shown_rows, hide_index=True, width="stretch", row_height=page_style.WRAPPED_ROW_HEIGHT,
                     height=page_style.wrapped_table_height(len(table)), column_config={
    "unit_name": st.column_config.TextColumn("Đơn vị", width=150),
    "reason": st.column_config.TextColumn("Vì sao đỏ", width=page_style.WRAPPED_COLUMN_PX),
    "rule_label": st.column_config.TextColumn("Quy tắc", width=130),
    "item_name": st.column_config.TextColumn("Nội dung", width=page_style.WRAPPED_COLUMN_PX), "lead_office": "Chủ trì",
})


def flags_workbook() -> bytes:
    """Built when the button is pressed, not on every rerun: a national list runs to tens of
    thousands of rows."""
    excel = io.BytesIO()
    exports.to_xlsx({red: exports.flatten_lists(shown.drop(columns="plan_label"))}, excel)
    return excel.getvalue()


st.download_button("Tải Excel", flags_workbook, file_name=f"canh_bao_do_{as_of:%Y-%m-%d}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:")
