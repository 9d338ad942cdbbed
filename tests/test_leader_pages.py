"""Leaders' pages under AppTest: figures equal the views, the as-of date and the chosen unit
or KPI change what is shown."""
from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

import pytest
from streamlit.testing.v1 import AppTest

from components import compare_views, page_style
from nq57 import db
from nq57.vnformat import vn_number, vn_percent
from tests.conftest import APP_PATH as APP
from tests.conftest import DEMO_TODAY


def go(at: AppTest, page: str, as_of: date = DEMO_TODAY, **params) -> AppTest:
    at.date_input(key="as_of_input").set_value(as_of).run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def open_tab(at: AppTest, label: str) -> AppTest:
    """A click on one of the unit profile's tabs: only the open tab is drawn, so this reruns."""
    at.session_state["profile_tab"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def view(demo_db_path, name, as_of, **filters):
    with db.connect(demo_db_path) as con:
        return db.query_view(con, name, as_of=as_of, filters=filters or None)


def metrics(at):
    return {m.label: m.value for m in at.metric}


class _TableReader(HTMLParser):
    """The headers and cells of the unit profile's HTML tables (components/unit_profile.whole_table)."""

    def __init__(self):
        super().__init__()
        self.headers, self.rows, self._cell = [], [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr" and self.headers:
            self.rows.append([])
        if tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            (self.headers if tag == "th" else self.rows[-1]).append("".join(self._cell))
            self._cell = None

    def handle_data(self, text):
        if self._cell is not None:
            self._cell.append(text)


def whole_tables(at) -> list[pd.DataFrame]:
    """Every wrapping table on the page as a frame of its texts, headed as the reader sees it."""
    tables = []
    for element in at.get("html"):
        if "nq57-table" in element.proto.body:
            reader = _TableReader()
            reader.feed(element.proto.body)
            tables.append(pd.DataFrame(reader.rows, columns=reader.headers))
    return tables


def chart_text(at) -> str:
    """The charts' text and their titles (headings above the charts, components/chart_title.py)."""
    from components.chart_title import TITLE_CLASS

    titles = [m.value for m in at.markdown if TITLE_CLASS in m.value]
    return " ".join(titles + [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart")])


def test_unit_profile_shows_the_units_scorecard(app, demo_db_path):
    go(app, "pages/unit_profile.py", unit="xa-nha-bich")
    card = view(demo_db_path, "unit_scorecard", DEMO_TODAY, unit_id="xa-nha-bich").iloc[0]
    shown = metrics(app)
    assert app.title[0].value == "Hồ sơ xã Nha Bích"
    assert shown["Thứ hạng"] == f"{card['rank']} / 95"
    assert shown["Hoàn thành nhiệm vụ"] == vn_percent(card["completion_rate"])
    assert shown["Cảnh báo đỏ"] == vn_number(card["red_flag_count"])
    tasks = view(demo_db_path, "task_progress", DEMO_TODAY, unit_id="xa-nha-bich")
    assert app.caption[1].value == f"{len(tasks)} / {len(tasks)} nhiệm vụ"


def test_choosing_another_unit_shows_that_unit(app, demo_db_path):
    go(app, "pages/unit_profile.py", unit="xa-nha-bich")
    app.selectbox(key="unit_input").set_value("phuong-tam-phuoc").run()
    assert app.title[0].value == "Hồ sơ phường Tam Phước"
    card = view(demo_db_path, "unit_scorecard", DEMO_TODAY, unit_id="phuong-tam-phuoc").iloc[0]
    assert metrics(app)["Thứ hạng"] == f"{card['rank']} / 95"
    assert app.query_params["unit"] in (["phuong-tam-phuoc"], "phuong-tam-phuoc")


def test_unit_profile_follows_the_as_of_date(app, demo_db_path):
    go(app, "pages/unit_profile.py", as_of=date(2025, 10, 31), unit="xa-phuoc-an")
    early = view(demo_db_path, "unit_scorecard", date(2025, 10, 31), unit_id="xa-phuoc-an").iloc[0]
    assert metrics(app)["Cảnh báo đỏ"] == vn_number(early["red_flag_count"])
    assert "31/10/2025" in app.caption[0].value


def test_unit_profile_kpi_bullets_carry_status_text(app):
    go(app, "pages/unit_profile.py", unit="xa-nha-bich")
    open_tab(app, "Chỉ tiêu")
    text = chart_text(app)
    assert "Chỉ tiêu tỷ lệ (%)" in text and "Theo lộ trình" in text and "Mục tiêu" in text


def test_kpi_page_province_roll_up_equals_the_view(app, demo_db_path):
    go(app, "pages/kpi_view.py", kpi="dvc-toan-trinh")
    province = view(demo_db_path, "kpi_progress", DEMO_TODAY, unit_id="dong-nai", kpi_id="dvc-toan-trinh")
    row = province.sort_values("due_date").iloc[0]
    assert metrics(app)["Giá trị toàn tỉnh"] == f"{vn_number(row['actual_value'], 1)}%"
    rows = view(demo_db_path, "kpi_progress", DEMO_TODAY, kpi_id="dvc-toan-trinh")
    rows = rows[rows["unit_kind"].isin(["ward", "commune"]) & rows["is_current_horizon"]]
    assert metrics(app)["Đơn vị có mục tiêu"] == vn_number(len(rows))
    assert metrics(app)["Đã báo cáo"] == vn_number(rows["actual_value"].notna().sum())
    # the trajectory's targets read as the kpi_target_labels view words them, never '>= 80'
    text = chart_text(app)
    assert "≥" in text and ">=" not in text


def test_an_as_of_before_any_report_is_due_says_so_instead_of_ranking(app):
    go(app, "pages/overview.py", as_of=date(2025, 6, 30))
    assert any("chưa có kỳ báo cáo nào đến hạn" in i.value for i in app.info)
    assert not app.get("plotly_chart")  # no grades, trend or tiles of units that could not yet report
    go(app, "pages/overview.py", as_of=date(2025, 12, 31))
    assert not any("chưa có kỳ báo cáo nào đến hạn" in i.value for i in app.info) and app.get("plotly_chart")


def test_kpi_page_opens_on_a_kpi_without_a_numeric_target(app, demo_db_path):
    """Nha Bích's "phát triển mạnh mẽ …" has no comparator: whether lower is better was null
    there, and the KPI page failed on it instead of saying no unit has reported it."""
    qualitative = "phat-trien-khcn-dmst-cds"
    rows = view(demo_db_path, "kpi_progress", DEMO_TODAY)
    held = rows[rows["kpi_id"] == qualitative]
    assert len(held) and held["comparator"].isna().all() and (held["is_lower_better"] == False).all()  # noqa: E712
    go(app, "pages/kpi_view.py", kpi=qualitative)
    assert app.selectbox(key="kpi_input").value == qualitative


def test_kpi_page_opens_on_the_kpi_most_units_have(app, demo_db_path):
    go(app, "pages/kpi_view.py")
    rows = view(demo_db_path, "kpi_progress", DEMO_TODAY)
    rows = rows[rows["unit_kind"].isin(["ward", "commune"]) & rows["is_current_horizon"]]
    held = rows.groupby("kpi_id")["unit_id"].nunique()
    assert held[app.selectbox(key="kpi_input").value] == held.max()
    # its red units' plans tie no task to it: a sentence says so, not an empty table (Streamlit's "empty")
    assert all(len(table.value) for table in app.dataframe)
    assert any("chưa gắn nhiệm vụ nào" in i.value for i in app.info)
    histogram = next(json.loads(c.proto.spec)["data"][0] for c in app.get("plotly_chart")
                     if json.loads(c.proto.spec)["data"][0]["type"] == "histogram")
    values = rows[rows["kpi_id"] == app.selectbox(key="kpi_input").value]["actual_value"].dropna()
    if (values == values.round()).all():  # whole numbers are binned in whole steps
        assert histogram["xbins"]["size"] >= 1


def test_red_flags_page_lists_every_flag_and_filters_by_rule(app, demo_db_path):
    go(app, "pages/red_flags.py", as_of=date(2025, 12, 31))
    flags = view(demo_db_path, "red_flags", date(2025, 12, 31))
    assert app.subheader[0].value.startswith(f"{vn_number(len(flags))} cảnh báo")
    app.multiselect(key="flag_rules").select("Chưa nộp báo cáo").run()
    assert app.subheader[0].value.startswith(f"{vn_number((flags['rule'] == 4).sum())} cảnh báo")
    shown = app.dataframe[0].value
    assert set(shown["rule_label"]) == {"Chưa nộp báo cáo"}
    assert shown["reason"].str.startswith("Chưa nhận báo cáo kỳ").all()
    # the why right after the unit (in view on a phone), in rows tall enough for the grid to wrap
    # it (it was cut at 1440 px); a KPI's empty lead office reads "—", not Streamlit's "None"
    assert list(shown.columns[:2]) == ["unit_name", "reason"]
    grid = app.dataframe[0].proto
    assert grid.row_height > 64 and grid.placeholder == "—"


def test_a_long_task_in_the_red_flags_list_ends_in_an_ellipsis_not_mid_line(app, demo_db_path):
    """The grid cut a task's content (up to 1.136 characters) after four lines with no sign of
    the rest: a long one is shortened at a word and ends in "…"; the Excel keeps it whole."""
    go(app, "pages/red_flags.py", as_of=DEMO_TODAY)
    flags = view(demo_db_path, "red_flags", DEMO_TODAY)
    shown = app.dataframe[0].value
    long_names = set(flags.loc[flags["item_name"].str.len() > page_style.WRAPPED_CELL_CHARS, "item_name"])
    assert long_names, "the demo has long task contents"
    assert shown["item_name"].str.len().max() <= page_style.WRAPPED_CELL_CHARS
    cut = shown[shown["item_name"].str.endswith(" …")]
    assert len(cut) and all(any(whole.startswith(name[:-2]) for whole in long_names) for name in cut["item_name"])
    assert not set(shown["item_name"]) & long_names


def test_empty_state_names_what_is_missing(tmp_path, monkeypatch):
    """Before any report, a page says what is missing instead of drawing empty axes."""
    from nq57 import catalogue
    path = tmp_path / "empty.duckdb"
    with db.connect(path) as con:
        db.create_schema(con)
        catalogue.load_catalogue(con)
    monkeypatch.setenv("NQ57_DB", str(path))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    go(at, "pages/kpi_view.py", kpi="dvc-toan-trinh")
    assert any("Chưa có đơn vị nào báo cáo" in i.value for i in at.info)


@pytest.mark.parametrize("page, params", [
    ("pages/overview.py", {}), ("pages/unit_profile.py", {"unit": "xa-nha-bich"}),
    ("pages/kpi_view.py", {"kpi": "dvc-toan-trinh"}), ("pages/red_flags.py", {}),
    ("pages/compare.py", {"compare_tab": compare_views.TABS[1]}), ("pages/compare.py", {"compare_tab": compare_views.TABS[2]}),
    ("pages/lineage.py", {}),
])
def test_every_chart_is_drawn_for_a_projector(app, page, params):
    """What the browser receives: white background, large type, Vietnamese number separators."""
    go(app, page, **params)
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    assert specs
    for spec in specs:
        layout = spec["layout"]
        assert layout["separators"] == ",."
        assert layout["font"]["size"] >= 16
        assert layout["template"]["layout"]["plot_bgcolor"] == "white"
        # thousands written 30.000, never "30k"
        axes = [v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))]
        assert axes and all(a.get("exponentformat") == "none" and a.get("separatethousands") for a in axes)


def red_kpi_task_rows(demo_db_path, unit_id=None, kpi_id=None):
    """The (task_no, lagging) pairs the views give for the red KPIs of a unit or of a KPI."""
    filters = {k: v for k, v in {"unit_id": unit_id, "kpi_id": kpi_id}.items() if v}
    red = view(demo_db_path, "kpi_progress", DEMO_TODAY, status="canh_bao_do", is_current_horizon=True, **filters)
    tasks = view(demo_db_path, "kpi_tasks", DEMO_TODAY, **filters)
    tasks = tasks.merge(red[["unit_id", "kpi_id"]].drop_duplicates(), on=["unit_id", "kpi_id"])
    return sorted(zip(tasks["task_no"], tasks["is_lagging"].map({True: "Đang chậm", False: ""})))


def shown_task_rows(at):
    tables = [t.value for t in at.dataframe if "Nhiệm vụ chậm" in t.value.columns or "lag" in t.value.columns]
    assert len(tables) == 1, [list(t.value.columns) for t in at.dataframe]
    table = tables[0]
    return sorted(zip(table["task_no"], table["lag"]))


def test_unit_profile_shows_the_tasks_behind_its_red_kpis(app, demo_db_path):
    """Issue #14: a leader sees, for a red KPI, the tasks that move it and which are lagging."""
    expected = red_kpi_task_rows(demo_db_path, unit_id="phuong-tam-phuoc")
    assert expected, "the demo gives Tam Phước a red KPI with tasks tied to it"
    go(app, "pages/unit_profile.py", unit="phuong-tam-phuoc")
    open_tab(app, "Chỉ tiêu")
    assert shown_task_rows(app) == expected


def test_kpi_page_shows_the_tasks_behind_the_units_where_it_is_red(app, demo_db_path):
    red = view(demo_db_path, "kpi_progress", DEMO_TODAY, status="canh_bao_do", is_current_horizon=True,
               unit_id="phuong-tam-phuoc")
    kpi_id = sorted(set(red["kpi_id"]) & set(view(demo_db_path, "kpi_tasks", DEMO_TODAY)["kpi_id"]))[0]
    go(app, "pages/kpi_view.py", kpi=kpi_id)
    assert shown_task_rows(app) == red_kpi_task_rows(demo_db_path, kpi_id=kpi_id)


def test_lineage_page_draws_every_document_of_the_chain(app, demo_db_path):
    go(app, "pages/lineage.py")
    chain = view(demo_db_path, "plan_lineage", DEMO_TODAY)
    text = chart_text(app)
    for label in set(chain["node_label"]):
        assert label in text
    findings = view(demo_db_path, "catalogue_findings", None)
    shown = [t.value for t in app.dataframe if "message" in t.value.columns]
    assert len(shown) == 1 and sorted(shown[0]["message"]) == sorted(findings["message"])
    # each finding names its plan as the pages do ("KH xã Phước An"), never by an internal id
    plan_ids = set(view(demo_db_path, "plan_lineage", DEMO_TODAY)["plan_id"].dropna())
    assert shown[0]["doc_label"].str.startswith("KH ").all() and not set(shown[0]["doc_label"]) & plan_ids


def test_unit_profile_names_plans_and_shows_every_sentence_whole(app, demo_db_path):
    go(app, "pages/unit_profile.py", unit="xa-nha-bich", as_of=date(2026, 3, 31))

    def tables() -> dict:
        assert not [d for d in app.dataframe if {"Vì sao đỏ", "Nhiệm vụ", "Nguồn mục tiêu"} & set(d.value.columns)]
        return {tuple(t.columns): t for t in whole_tables(app)}

    tasks = next(v for k, v in tables().items() if "Kế hoạch" in k and "Nhiệm vụ" in k)
    assert "KH xã Nha Bích" in set(tasks["Kế hoạch"]), set(tasks["Kế hoạch"])
    assert not set(tasks["Kế hoạch"]) & {"nha-bich-nq57", "dn-ubnd-2025h2"}
    # a table that wraps (HTML), not a canvas that cuts: each reason as long as the view says
    open_tab(app, "Cảnh báo đỏ")
    flags = next(v for k, v in tables().items() if "Vì sao đỏ" in k)
    reasons = view(demo_db_path, "red_flags", date(2026, 3, 31), unit_id="xa-nha-bich")["reason"]
    assert sorted(flags["Vì sao đỏ"]) == sorted(reasons)
    open_tab(app, "Chỉ tiêu")
    kpis = next(v for k, v in tables().items() if "Nguồn mục tiêu" in k)
    assert all("nha-bich-nq57" not in text for text in kpis["Nguồn mục tiêu"])


def test_unit_profile_draws_only_the_open_tab(app, demo_db_path):
    """Issue #12: the hidden tabs' charts and tables cost the browser seconds; a tab is drawn
    when it is opened, with the same figures."""
    go(app, "pages/unit_profile.py", unit="xa-nha-bich")
    assert "Chỉ tiêu tỷ lệ (%)" not in chart_text(app)  # the KPI tab's bullets are not sent
    assert not [t for t in whole_tables(app) if "Vì sao đỏ" in t.columns]
    tasks = view(demo_db_path, "task_progress", DEMO_TODAY, unit_id="xa-nha-bich")
    assert app.caption[1].value == f"{len(tasks)} / {len(tasks)} nhiệm vụ"
    open_tab(app, "Chỉ tiêu")
    assert "Chỉ tiêu tỷ lệ (%)" in chart_text(app)
    assert not [c for c in app.caption if c.value.endswith(" nhiệm vụ")]  # the tasks tab is not drawn now
    assert metrics(app)["Thứ hạng"]  # the scorecard above the tabs stays


def test_unit_profile_before_its_first_report_is_due_says_so_instead_of_a_grade(app):
    go(app, "pages/unit_profile.py", unit="xa-nha-bich", as_of=date(2025, 6, 30))
    assert "Thứ hạng" not in metrics(app) and "Xếp loại · điểm" not in metrics(app)
    assert any("chưa đến hạn nộp báo cáo kỳ nào" in i.value and "chưa được chấm điểm" in i.value for i in app.info)
    go(app, "pages/unit_profile.py", unit="xa-nha-bich", as_of=date(2025, 8, 31))  # the first one was due 15/08
    assert "Thứ hạng" in metrics(app)


def test_a_long_red_flag_list_draws_its_first_rows_and_says_so(app, demo_db_path, monkeypatch):
    """Nationally 35.000 flags took the browser 3 s to draw: the table shows the first
    data.TABLE_ROWS (by rule, then unit) and says how to see the rest; the count stays whole."""
    from components import data

    flags = view(demo_db_path, "red_flags", date(2025, 12, 31))
    monkeypatch.setattr(data, "TABLE_ROWS", 10)
    go(app, "pages/red_flags.py", as_of=date(2025, 12, 31))
    assert len(flags) > 10
    assert app.subheader[0].value.startswith(f"{vn_number(len(flags))} cảnh báo")
    shown = app.dataframe[0].value
    assert len(shown) == 10
    first = flags.sort_values(["rule", "unit_name", "due_date", "item_type", "item_id"]).head(10)
    assert list(shown["reason"]) == list(first["reason"])
    assert any(f"Bảng hiện 10 cảnh báo đầu tiên" in c.value and vn_number(len(flags)) in c.value for c in app.caption)
