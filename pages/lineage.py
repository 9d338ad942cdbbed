"""Chuỗi kế hoạch: the chain of directives from Resolution 57 down to each commune's plan, one KPI's
targets from the highest level that sets it down to every unit, and the catalogue checks."""
import pandas as pd
import streamlit as st

from components import chart_title, charts, data, filters, lineage, page_style
from components.safe_text import md_escape
from nq57.vnformat import vn_date, vn_number

as_of = filters.current_as_of()
st.title("Chuỗi kế hoạch từ Nghị quyết 57 đến xã, phường")
chain = data.view("plan_lineage", as_of)
nodes = lineage.node_table(chain)
plans = nodes[nodes["is_plan"]]
st.caption(f"Tính đến ngày {vn_date(as_of)} · {vn_number(len(nodes))} văn bản, trong đó "
           f"{vn_number(len(plans))} kế hoạch có nhiệm vụ, chỉ tiêu theo dõi. Ô vuông xanh: kế hoạch; xám: văn bản căn cứ.")
chart_title.plot(st, lineage.tree_figure(chain), width="stretch", theme=None,
                alt="Cây văn bản từ Nghị quyết 57-NQ/TW đến kế hoạch của từng xã, phường")

parents = (chain.dropna(subset=["parent_id"]).merge(nodes[["node_id", "node_label"]].rename(
    columns={"node_id": "parent_id", "node_label": "parent_label"}), on="parent_id")
    .groupby("node_id")["parent_label"].agg(", ".join))
def percent(value) -> str:
    return "—" if pd.isna(value) else f"{vn_number(100 * value)}%"


table = nodes.assign(
    parents=nodes["node_id"].map(parents).fillna("—"),
    issued=[vn_date(d) if pd.notna(d) else "—" for d in nodes["issued_on"]],
    tasks=[vn_number(n) if n else "—" for n in nodes["tasks_total"]],
    targets=[vn_number(n) if n else "—" for n in nodes["targets_total"]],
    completion=nodes["completion_rate"].map(percent), on_track=nodes["kpi_on_track_rate"].map(percent),
)
page_style.dataframe(table[["level_label", "node_label", "issuer_name", "issued", "parents", "tasks", "completion",
                    "targets", "on_track"]], hide_index=True, width="stretch", column_config={
    "level_label": "Cấp", "node_label": "Văn bản", "issuer_name": "Cơ quan ban hành", "issued": "Ngày ban hành",
    "parents": "Triển khai văn bản", "tasks": "Nhiệm vụ", "completion": "Tỷ lệ hoàn thành", "targets": "Mục tiêu",
    "on_track": data.tile("kpi_on_track_rate"),
})

st.subheader("Mục tiêu theo tầng")
cascade = data.view("target_cascade", as_of, columns=["kpi_id", "kpi_name"])
names = cascade.drop_duplicates("kpi_id").set_index("kpi_id")["kpi_name"].sort_values()
if names.empty:
    st.info("Chưa có chỉ tiêu nào có mục tiêu.")
else:
    wanted = st.query_params.get("kpi")
    kpi_id = st.selectbox("Chỉ tiêu", list(names.index), format_func=names.get, key="cascade_kpi",
                          index=list(names.index).index(wanted) if wanted in names.index else 0)
    rows = data.view("target_cascade", as_of, kpi_id=kpi_id).sort_values(
        ["horizon", "source_level_order", "unit_id"])
    shown = rows.assign(
        actual=rows["actual_value"].map(lambda v: vn_number(v, 1)),
        state=[charts.status_text(label, "kpi_status", code) for label, code in zip(rows["status_label"], rows["status"])])
    page_style.dataframe(shown[["horizon", "source_level_label", "unit_name", "target_label", "actual", "state",
                        "target_source_label"]], hide_index=True, width="stretch", column_config={
        "horizon": st.column_config.NumberColumn("Mốc", format="%d"), "source_level_label": "Cấp đặt mục tiêu",
        "unit_name": "Đơn vị", "target_label": "Mục tiêu", "actual": "Thực tế", "state": "Tình trạng",
        "target_source_label": st.column_config.TextColumn("Nguồn mục tiêu", width="large"),
    })

st.subheader("Kiểm tra danh mục")
found = data.view("catalogue_findings")
if found.empty:
    st.success("Danh mục không có phát hiện nào.", icon=":material/check_circle:")
else:
    st.caption(f"{vn_number(len(found))} phát hiện; cùng danh sách với lệnh `python -m nq57 check-catalogue`.")
    page_style.dataframe(found[["severity_label", "check_label", "doc_label", "message"]], hide_index=True, width="stretch",
                         column_config={"severity_label": "Mức", "check_label": "Kiểm tra", "doc_label": "Kế hoạch",
                                        "message": st.column_config.TextColumn("Phát hiện", width="large")})
    for line in found.loc[found["severity"] == "error", "message"]:
        st.error(md_escape(line))
