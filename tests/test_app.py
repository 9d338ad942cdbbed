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
    assert "Quy tắc 4: Chưa nộp báo cáo<br>" in specs and "A (≥ 90 điểm)" in specs
    # the rule's own words keep their comma; only the counts are written 1.234
    assert "Quy tắc 1: Quá hạn, chưa hoàn thành<br>" in specs


def test_export_page_offers_the_contract_views(app):
    app.switch_page("pages/data_export.py").run()
    assert not app.exception
    assert app.title[0].value == "Xuất dữ liệu"
    options = app.selectbox[0].options
    assert any("red_flags" in o for o in options) and any("unit_scorecard" in o for o in options)
