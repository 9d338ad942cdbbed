"""The pages under Streamlit's AppTest: what is shown equals what the views say."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nq57 import db
from tests.conftest import DEMO_TODAY
from nq57.vnformat import vn_number, vn_percent

AS_OF = date(2026, 3, 31)




def choose_as_of(at: AppTest, as_of: date) -> AppTest:
    at.date_input(key="as_of_input").set_value(as_of).run()
    assert not at.exception
    return at


def summary(demo_db_path, as_of):
    with db.connect(demo_db_path) as con:
        return db.query_view(con, "province_summary", as_of=as_of).iloc[0]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_figures_equal_the_views(app, demo_db_path):
    choose_as_of(app, AS_OF)
    expected = summary(demo_db_path, AS_OF)
    shown = metrics(app)
    assert shown["Đơn vị cấp xã"] == "95"
    assert shown["Nhiệm vụ hoàn thành / đến hạn"] == f"{vn_number(expected['tasks_done'])} / {vn_number(expected['tasks_due'])}"
    assert shown["Chỉ tiêu đạt hoặc đúng tiến độ"] == f"{vn_number(expected['kpis_on_track'])} / {vn_number(expected['kpis_evaluated'])}"
    assert shown["Cảnh báo đỏ"] == vn_number(expected["red_flag_count"])
    assert shown["Báo cáo đúng hạn"] == vn_percent(expected["timeliness_rate"])
    assert "31/03/2026" in app.caption[0].value


def test_changing_the_as_of_date_changes_the_figures(app, demo_db_path):
    choose_as_of(app, date(2025, 9, 30))
    early = metrics(app)
    choose_as_of(app, DEMO_TODAY)
    late = metrics(app)
    assert early["Nhiệm vụ hoàn thành / đến hạn"] != late["Nhiệm vụ hoàn thành / đến hạn"]
    expected = summary(demo_db_path, date(2025, 9, 30))
    assert early["Cảnh báo đỏ"] == vn_number(expected["red_flag_count"])


def test_as_of_is_kept_in_the_url(app):
    choose_as_of(app, AS_OF)
    assert app.query_params["as_of"] == ["2026-03-31"] or app.query_params["as_of"] == "2026-03-31"


def test_demo_banner_on_every_page(app):
    assert any("Dữ liệu minh họa" in w.value for w in app.warning)
    app.switch_page("pages/data_export.py").run()
    assert not app.exception
    assert any("Dữ liệu minh họa" in w.value for w in app.warning)


def test_charts_draw_grades_and_rules(app):
    charts = app.get("plotly_chart")
    assert len(charts) == 4  # grades, rules, trend, unit tiles
    specs = " ".join(json.dumps(json.loads(chart.proto.spec), ensure_ascii=False) for chart in charts)
    # the rule labels are wrapped between words to leave a phone's bars room: read them unwrapped
    lines = specs.replace("<br>", " ")
    assert "Quy tắc 4: Chưa nộp báo cáo " in lines and "A (≥ 90 điểm)" in specs
    # the rule's own words keep their comma; only the counts are written 1.234
    assert "Quy tắc 1: Quá hạn, chưa hoàn thành " in lines


def test_export_page_offers_the_contract_views(app):
    app.switch_page("pages/data_export.py").run()
    assert not app.exception
    assert app.title[0].value == "Xuất dữ liệu"
    options = app.selectbox[0].options
    assert any("red_flags" in o for o in options) and any("unit_scorecard" in o for o in options)


def test_export_page_shows_vietnamese_headers_and_formats(app):
    from nq57 import labels

    app.switch_page("pages/data_export.py").run()
    assert not app.exception
    table = app.dataframe[0]
    columns = list(table.value.columns)
    assert columns[:3] == ["Mã đơn vị", "Đơn vị", "Loại đơn vị"], columns  # the kind by its label, not "ward"
    kinds = {x.label for x in labels.of("unit_kind").values()}
    assert "Mã loại đơn vị" not in columns and set(table.value["Loại đơn vị"]) <= kinds, set(table.value["Loại đơn vị"])
    assert "Tỷ lệ hoàn thành nhiệm vụ" in columns and "Hạng" in columns and "Xếp loại" in columns
    assert not {"unit_id", "completion_rate", "rank"} & set(columns), columns
    # a rate reads 75% (not 0.75) and a date 31/12/2025, whatever the browser's language
    config = json.loads(table.proto.columns)
    assert config["Tỷ lệ hoàn thành nhiệm vụ"]["type_config"]["format"] == "percent"
    assert config["Tính đến ngày"]["type_config"]["format"] == "DD/MM/YYYY"
    assert config["Điểm"]["type_config"]["format"] == "localized"


def test_every_exported_column_has_one_vietnamese_header(fixture_db):
    """The export page and its Excel file name every column of every view and table in Vietnamese
    (data/seed/column_labels.csv), never the same header twice in one table."""
    from nq57 import exports

    for name in exports.EXPORTABLE:
        columns = [d[0] for d in fixture_db.execute(f"select * from {name} limit 0").description]
        headers = exports.vietnamese_headers(name, columns)
        untranslated = [c for c, h in headers.items() if h == c]
        assert not untranslated, f"{name}: no Vietnamese header for {untranslated}"
        assert len(set(headers.values())) == len(columns), f"{name}: one header for two columns"



def test_a_unit_without_kpis_reads_a_dash_in_the_league_table_not_a_blank(app, demo_db_path):
    """A progress bar draws nothing for a missing rate: 91 of 95 communes hold no KPI targets in
    the demo, and their column read as blanks. That rate is a number column, which prints the
    page's "—"; the rates every unit has keep their bars."""
    grid = app.dataframe[0]
    config = json.loads(grid.proto.columns)
    with db.connect(demo_db_path) as con:
        league = db.query_view(con, "league_table", DEMO_TODAY)
    assert league["kpi_on_track_rate"].isna().any() and league["completion_rate"].notna().all()
    assert config["kpi_on_track_rate"]["type_config"]["type"] == "number" and grid.placeholder == "—"
    assert config["completion_rate"]["type_config"]["type"] == "progress"
