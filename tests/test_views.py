"""The contract views on a tiny fixture database: given rows, expected rows, one case per rule
and per edge (no report yet, recurring, conditional, rank KPI, inherited target, superseded
value, rollback, evidence review, province roll-up)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from nq57 import db
from nq57.reports import Batch, KpiValue, TaskUpdate, record_batch, record_review, roll_back_batch
from tests.conftest import at


def rows(con, view, as_of, **filters):
    return db.query_view(con, view, as_of=as_of, filters=filters or None)


def one(con, view, as_of, **filters):
    frame = rows(con, view, as_of, **filters)
    assert len(frame) == 1, frame
    return frame.iloc[0]


def report(con, unit_id, period, uploaded, kpis=(), tasks=()):
    return record_batch(con, Batch(unit_id=unit_id, period=date.fromisoformat(period), uploaded_by="test",
                                   uploaded_at=at(uploaded), kpi_values=list(kpis), task_updates=list(tasks)))


def flags(con, as_of, **filters):
    return rows(con, "red_flags", as_of, **filters)


# --- tasks -----------------------------------------------------------------------------------

def test_no_report_yet_is_neither_done_nor_flagged_before_its_deadline(fixture_db):
    task = one(fixture_db, "task_progress", "2025-08-01", task_id="p-a:1")
    assert task["status_label"] == "Chưa báo cáo"
    assert not task["is_overdue"] and not task["is_due"] and not task["is_behind_schedule"]
    assert task["expected_percent"] == pytest.approx(16.9, abs=0.1)
    assert flags(fixture_db, "2025-08-01", item_id="p-a:1").empty


def test_rule_1_past_deadline_and_not_done(fixture_db):
    flag = one(fixture_db, "red_flags", "2025-10-05", item_id="p-a:4")
    assert flag["rule"] == 1
    assert "hạn 30/09/2025" in flag["reason"] and "chưa có báo cáo tiến độ" in flag["reason"]
    assert flag["unit_name"] == "phường An"


def test_rule_2_below_half_of_the_schedule(fixture_db):
    report(fixture_db, "phuong-a", "2025-10-01", "2025-11-05 09:00",
           tasks=[TaskUpdate("p-a:1", "dang_thuc_hien", percent_complete=10)])
    task = one(fixture_db, "task_progress", "2025-11-20", task_id="p-a:1")
    assert task["expected_percent"] == pytest.approx(77.6, abs=0.1)
    assert task["is_behind_schedule"] and not task["is_overdue"]
    flag = one(fixture_db, "red_flags", "2025-11-20", item_id="p-a:1")
    assert flag["rule"] == 2
    assert "mới đạt 10%" in flag["reason"] and "77,6%" in flag["reason"]


def test_progress_at_half_the_schedule_is_not_flagged(fixture_db):
    report(fixture_db, "phuong-a", "2025-10-01", "2025-11-05 09:00",
           tasks=[TaskUpdate("p-a:1", "dang_thuc_hien", percent_complete=40)])
    assert flags(fixture_db, "2025-11-20", item_id="p-a:1").empty


def test_done_with_evidence_awaiting_review_counts_as_done(fixture_db):
    report(fixture_db, "phuong-a", "2025-09-01", "2025-10-05 09:00",
           tasks=[TaskUpdate("p-a:4", "hoan_thanh", 100, evidence_ref="Báo cáo số 12/BC-UBND ngày 29/9/2025")])
    task = one(fixture_db, "task_progress", "2025-10-06", task_id="p-a:4")
    assert task["status_label"] == "Hoàn thành" and task["evidence_label"] == "Chờ thẩm định"
    assert task["is_done"] and not task["is_overdue"]


def test_done_without_evidence_is_pending_completion(fixture_db):
    report(fixture_db, "phuong-a", "2025-09-01", "2025-10-05 09:00", tasks=[TaskUpdate("p-a:4", "hoan_thanh", 100)])
    task = one(fixture_db, "task_progress", "2025-10-06", task_id="p-a:4")
    assert task["status_label"] == "Chờ hoàn thiện" and task["evidence_label"] == "Thiếu minh chứng"
    assert not task["is_done"] and task["is_overdue"]


def test_invalid_evidence_moves_a_done_task_to_pending_completion(fixture_db):
    batch = report(fixture_db, "phuong-a", "2025-09-01", "2025-09-25 09:00",
                   tasks=[TaskUpdate("p-a:4", "hoan_thanh", 100, evidence_ref="Ảnh chụp")])
    assert one(fixture_db, "task_progress", "2025-10-06", task_id="p-a:4")["is_done"]
    record_review(fixture_db, batch, "phuong-a", "task", "p-a:4", "invalid", "reviewer", reviewed_at=at("2025-10-02 10:00"))
    task = one(fixture_db, "task_progress", "2025-10-06", task_id="p-a:4")
    assert task["status"] == "cho_hoan_thien" and not task["is_done"]
    flag = one(fixture_db, "red_flags", "2025-10-06", item_id="p-a:4")
    assert flag["rule"] == 1 and "Chờ hoàn thiện" in flag["reason"]
    # before the review the task was done: the as-of date sees the review only once it happened
    assert one(fixture_db, "task_progress", "2025-10-01", task_id="p-a:4")["is_done"]


def test_rule_3_evidence_judged_insufficient(fixture_db):
    batch = report(fixture_db, "phuong-a", "2025-09-01", "2025-09-25 09:00",
                   tasks=[TaskUpdate("p-a:4", "hoan_thanh", 100, evidence_ref="Ảnh chụp mờ")])
    record_review(fixture_db, batch, "phuong-a", "task", "p-a:4", "insufficient", "reviewer",
                  comment="thiếu trang ký", reviewed_at=at("2025-09-28 10:00"))
    rules = set(flags(fixture_db, "2025-10-06", item_id="p-a:4")["rule"])
    assert 3 in rules
    reason = flags(fixture_db, "2025-10-06", item_id="p-a:4", rule=3).iloc[0]["reason"]
    assert "Ảnh chụp mờ" in reason and "thiếu trang ký" in reason


def test_recurring_task_is_judged_on_the_last_period_due(fixture_db):
    # as of 20/09/2025 the last period due is 08/2025 (deadline 15/09)
    task = one(fixture_db, "task_progress", "2025-09-20", task_id="p-a:2")
    assert task["deadline_kind"] == "recurring" and task["judged_period"] == pd.Timestamp("2025-08-01")
    assert task["is_due"] and task["is_overdue"]
    flag = one(fixture_db, "red_flags", "2025-09-20", item_id="p-a:2")
    assert flag["rule"] == 1 and "kỳ 08/2025" in flag["reason"]

    report(fixture_db, "phuong-a", "2025-08-01", "2025-09-10 09:00", tasks=[TaskUpdate("p-a:2", "dang_thuc_hien")])
    task = one(fixture_db, "task_progress", "2025-09-20", task_id="p-a:2")
    assert task["is_done"] and not task["is_overdue"]
    assert flags(fixture_db, "2025-09-20", item_id="p-a:2").empty


def test_conditional_task_waits_for_guidance_and_is_never_overdue(fixture_db):
    task = one(fixture_db, "task_progress", "2030-01-01", task_id="p-a:3")
    assert task["status_label"] == "Chờ hướng dẫn"
    assert not task["is_due"] and not task["is_overdue"]
    assert flags(fixture_db, "2030-01-01", item_id="p-a:3").empty


# --- KPIs ------------------------------------------------------------------------------------

def test_province_targets_are_inherited_unless_the_unit_has_its_own(fixture_db):
    targets = rows(fixture_db, "kpi_progress", "2025-08-01", kpi_id="dvc")
    by_unit = {(r.unit_id, r.horizon): r for r in targets.itertuples()}
    assert by_unit[("xa-b", 2025)].target_source == "own" and by_unit[("xa-b", 2025)].target_value == 50
    assert by_unit[("xa-b", 2030)].target_source == "province"
    assert by_unit[("xa-c", 2025)].target_source == "province" and by_unit[("xa-c", 2025)].target_value == 80
    assert "02-KH/BCĐ" in by_unit[("xa-c", 2025)].target_source_label
    assert by_unit[("phuong-a", 2025)].status_label == "Chưa có số liệu"
    # the department is not a commune: no inherited commune targets
    assert "dong-nai/so-x" not in set(targets["unit_id"])


def test_a_commune_whose_plan_implements_nothing_at_province_level_inherits_nothing(fixture_db):
    """Targets follow lineage, never the unit's kind (issue #14): xã Cát's plan implementing
    only a central document leaves it without the province's targets."""
    fixture_db.execute("insert into documents values ('tw-57', '57-NQ/TW', date '2024-12-22', 'Bộ Chính trị', "
                       "null, 'tw_dang', 'Nghị quyết 57', [])")
    fixture_db.execute("update plans set implements = ['57-NQ/TW'] where plan_id = 'p-c'")
    targets = rows(fixture_db, "kpi_progress", "2025-08-01", kpi_id="dvc")
    assert "xa-c" not in set(targets["unit_id"])
    assert {"phuong-a", "xa-b"} <= set(targets["unit_id"])  # their plans still implement 02-KH/BCĐ
    fixture_db.execute("update plans set implements = [] where plan_id = 'p-c'")
    assert "xa-c" not in set(rows(fixture_db, "kpi_progress", "2025-08-01", kpi_id="dvc")["unit_id"])


def test_rank_kpi_lower_is_better(fixture_db):
    report(fixture_db, "phuong-a", "2025-07-01", "2025-08-05 09:00", kpis=[KpiValue("xh", 30)])
    kpi = one(fixture_db, "kpi_progress", "2025-08-20", unit_id="phuong-a", kpi_id="xh")
    assert not kpi["is_met"] and kpi["status_label"] == "Chậm"
    assert kpi["progress_ratio"] < 1
    # the charts draw it as a point and rank units ascending by what the view decided
    assert kpi["is_lower_better"]
    assert not one(fixture_db, "kpi_progress", "2025-08-20", unit_id="phuong-a", kpi_id="dvc", horizon=2025)["is_lower_better"]
    report(fixture_db, "phuong-a", "2025-08-01", "2025-09-05 09:00",
           kpis=[KpiValue("xh", 20, evidence_ref="Quyết định công bố xếp hạng")])
    kpi = one(fixture_db, "kpi_progress", "2025-09-20", unit_id="phuong-a", kpi_id="xh")
    assert kpi["is_met"] and kpi["status_label"] == "Đạt"


def test_kpi_rule_1_and_2(fixture_db):
    report(fixture_db, "xa-c", "2025-07-01", "2025-09-10 09:00", kpis=[KpiValue("dvc", numerator=20, denominator=100)])
    report(fixture_db, "xa-c", "2025-10-01", "2025-12-10 09:00", kpis=[KpiValue("dvc", numerator=25, denominator=100)])
    # 25% against a schedule that expects about 67% by 20/12/2025: rule 2 on the 2025 target
    kpi = one(fixture_db, "kpi_progress", "2025-12-20", unit_id="xa-c", kpi_id="dvc", horizon=2025)
    assert kpi["status_label"] == "Cảnh báo đỏ" and kpi["flag_rule"] == 2
    flag = flags(fixture_db, "2025-12-20", unit_id="xa-c", item_type="kpi")
    assert list(flag["rule"]) == [2]
    assert "25%" in flag.iloc[0]["reason"] and "≥ 80%" in flag.iloc[0]["reason"]
    # after 31/12/2025 the 2025 target is overdue: rule 1 with the numbers in the sentence
    flag = flags(fixture_db, "2026-01-05", unit_id="xa-c", item_type="kpi", rule=1)
    assert len(flag) == 1
    assert "Quá hạn 31/12/2025" in flag.iloc[0]["reason"] and "thực tế 25%" in flag.iloc[0]["reason"]


def test_a_later_upload_supersedes_and_a_rollback_restores(fixture_db):
    report(fixture_db, "xa-b", "2025-07-01", "2025-08-05 09:00",
           kpis=[KpiValue("dvc", numerator=30, denominator=100, evidence_ref="BC 1")])
    second = report(fixture_db, "xa-b", "2025-07-01", "2025-08-10 09:00",
                    kpis=[KpiValue("dvc", numerator=60, denominator=100, evidence_ref="BC 2")])

    def actual(as_of):
        return one(fixture_db, "kpi_progress", as_of, unit_id="xa-b", kpi_id="dvc", horizon=2025)["actual_value"]

    assert actual("2025-08-07") == pytest.approx(30)
    assert actual("2025-08-20") == pytest.approx(60)
    assert one(fixture_db, "kpi_progress", "2025-08-20", unit_id="xa-b", kpi_id="dvc", horizon=2025)["status_label"] == "Đạt"
    roll_back_batch(fixture_db, second, by="secretariat", at=at("2025-08-15 08:00"))
    assert actual("2025-08-20") == pytest.approx(30)
    assert actual("2025-08-12") == pytest.approx(60)  # history: what was in force then
    assert fixture_db.execute("select count(*) from kpi_values").fetchone()[0] == 2  # nothing deleted


def test_province_roll_up_adds_numerators_and_denominators(fixture_db):
    report(fixture_db, "phuong-a", "2025-07-01", "2025-08-05 09:00", kpis=[KpiValue("dvc", numerator=40, denominator=100)])
    report(fixture_db, "xa-b", "2025-07-01", "2025-08-05 09:00", kpis=[KpiValue("dvc", numerator=60, denominator=200)])
    province = one(fixture_db, "kpi_progress", "2025-08-20", unit_id="dong-nai", kpi_id="dvc", horizon=2025)
    assert province["numerator"] == 100 and province["denominator"] == 300
    assert province["actual_value"] == pytest.approx(100 / 3)  # not the average of 40% and 30%


# --- reporting -------------------------------------------------------------------------------

def test_rule_4_missing_report_and_quarterly_deadline(fixture_db):
    missing = one(fixture_db, "red_flags", "2025-08-20", unit_id="xa-b", rule=4)
    assert missing["reason"] == "Chưa nhận báo cáo kỳ 07/2025 (hạn 15/08/2025)."
    # quarterly units report by the 15th of the quarter's last month
    assert flags(fixture_db, "2025-08-20", unit_id="xa-c", rule=4).empty
    quarterly = one(fixture_db, "red_flags", "2025-09-20", unit_id="xa-c", rule=4)
    assert quarterly["reason"] == "Chưa nhận báo cáo kỳ Quý III/2025 (hạn 15/09/2025)."


def test_reporting_compliance_on_time_late_missing(fixture_db):
    report(fixture_db, "phuong-a", "2025-07-01", "2025-08-15 16:00")
    report(fixture_db, "xa-b", "2025-07-01", "2025-08-16 08:00")
    status = rows(fixture_db, "reporting_compliance", "2025-08-20", period=date(2025, 7, 1)).set_index("unit_id")
    assert status.loc["phuong-a", "status_label"] == "Đúng hạn"
    assert status.loc["xa-b", "status_label"] == "Trễ hạn"
    assert status.loc["xa-c", "status_label"] == "Chưa đến hạn"
    assert one(fixture_db, "reporting_compliance", "2025-08-10", unit_id="xa-b", period=date(2025, 7, 1))["status_label"] == "Chưa đến hạn"


def test_report_deadline_day_is_one_setting(fixture_db):
    fixture_db.execute("update settings set value = '20' where key = 'report_deadline_day'")
    assert flags(fixture_db, "2025-08-18", unit_id="xa-b", rule=4).empty
    assert "hạn 20/08/2025" in one(fixture_db, "red_flags", "2025-08-21", unit_id="xa-b", rule=4)["reason"]


# --- scorecard -------------------------------------------------------------------------------

def test_scorecard_ranks_communes_and_grades_by_score(fixture_db):
    report(fixture_db, "phuong-a", "2025-07-01", "2025-08-10 09:00",
           kpis=[KpiValue("dvc", numerator=90, denominator=100, evidence_ref="BC")],
           tasks=[TaskUpdate("p-a:2", "dang_thuc_hien")])
    card = rows(fixture_db, "unit_scorecard", "2025-08-20").set_index("unit_id")
    assert set(card.index) == {"phuong-a", "xa-b", "xa-c"}  # communes and wards only
    assert card.loc["phuong-a", "rank"] == 1
    assert card.loc["phuong-a", "timeliness_rate"] == 1.0 and card.loc["xa-b", "timeliness_rate"] == 0.0
    for unit in card.itertuples():
        expected = "A" if unit.score >= 90 else "B" if unit.score >= 80 else "C" if unit.score >= 70 else "D" if unit.score >= 50 else "E"
        assert unit.grade == expected


def test_scorecard_weights_come_from_settings(fixture_db):
    before = one(fixture_db, "unit_scorecard", "2025-08-20", unit_id="xa-b")["score"]
    fixture_db.execute("update settings set value = '0' where key = 'weight_timeliness'")
    after = one(fixture_db, "unit_scorecard", "2025-08-20", unit_id="xa-b")["score"]
    assert before != after


def test_an_attached_evidence_file_counts_as_evidence(fixture_db):
    batch = report(fixture_db, "phuong-a", "2025-09-01", "2025-09-25 09:00", tasks=[TaskUpdate("p-a:4", "hoan_thanh", 100)])
    assert one(fixture_db, "task_progress", "2025-10-06", task_id="p-a:4")["evidence_label"] == "Thiếu minh chứng"
    fixture_db.execute(
        "insert into evidence_files (sha256, size, mime_type, original_name, stored_path, uploaded_by, uploaded_at, "
        "batch_id, unit_id, item_type, item_id) values ('ab', 10, 'application/pdf', 'bien_ban.pdf', 'ab/ab.pdf', "
        "'test', timestamp '2025-09-26 10:00', ?, 'phuong-a', 'task', 'p-a:4')", [batch])
    task = one(fixture_db, "task_progress", "2025-10-06", task_id="p-a:4")
    assert task["evidence_label"] == "Chờ thẩm định" and task["is_done"]
    assert task["evidence_ref"] == "Tệp: bien_ban.pdf"
    # before the file was attached, the task was still missing its evidence
    assert one(fixture_db, "task_progress", "2025-09-25", task_id="p-a:4")["evidence_label"] == "Thiếu minh chứng"


# --- how pages receive the rows ----------------------------------------------------------------

def test_rows_read_through_arrow_are_those_duckdb_gives(demo_db_path):
    """query_view reads through Arrow for speed; every table and view must come out with the
    values and column types of DuckDB's own .df() (dates, nullable numbers, lists, decimals,
    all-empty text), for full results and for empty ones."""
    with db.connect(demo_db_path, read_only=True) as con:
        db.set_as_of(con, "2026-03-31")
        names = [row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' order by 1").fetchall()]
        assert {"red_flags", "unit_scorecard", "kpi_progress", "kpi_values", "snapshot_red_flags"} <= set(names)
        for name in names:
            # computed once into a temporary table of the same column types, then read both ways
            con.execute(f'create or replace temp table rows_read as select * from "{name}" order by all limit 5000')
            for sql in ["select * from rows_read", "select * from rows_read where false"]:
                pd.testing.assert_frame_equal(db.fetch_frame(con, sql), con.execute(sql).df(), obj=f"{name}: {sql}")
        mixed = "select ?::int as n, ?::decimal(9, 2) as d, ?::boolean as b, ?::date as day, ?::varchar as t"
        pd.testing.assert_frame_equal(db.fetch_frame(con, mixed, [None, 1.5, None, "2026-03-31", None]),
                                      con.execute(mixed, [None, 1.5, None, "2026-03-31", None]).df())


def test_a_red_kpi_names_the_lagging_tasks_that_move_it(fixture_db):
    """Issue #14: "chỉ tiêu đỏ, 1 nhiệm vụ liên quan đang chậm" — the task tied to the KPI
    (task_kpis) is overdue, so the KPI's reason names it; a task on time is not named."""
    fixture_db.execute("insert into task_kpis values ('p-a:4', 'dvc', 'rà soát TTHC'), ('p-a:3', 'dvc', null)")
    report(fixture_db, "phuong-a", "2025-10-01", "2025-11-05 09:00", kpis=[KpiValue("dvc", numerator=20, denominator=100)])
    flag = flags(fixture_db, "2026-01-05", unit_id="phuong-a", item_type="kpi", rule=1)
    assert len(flag) == 1
    assert flag.iloc[0]["reason"].endswith("Chỉ tiêu đỏ, 1 nhiệm vụ liên quan đang chậm (4).")
    tasks = rows(fixture_db, "kpi_tasks", "2026-01-05", unit_id="phuong-a", kpi_id="dvc").set_index("task_no")
    assert bool(tasks.loc["4", "is_lagging"]) and not bool(tasks.loc["3", "is_lagging"])  # 3 waits for guidance
    assert tasks.loc["4", "lag_label"] == "Đang chậm" and pd.isna(tasks.loc["3", "lag_label"])
    # once the task is done with evidence, the KPI's reason no longer names it
    report(fixture_db, "phuong-a", "2025-12-01", "2026-01-02 09:00",
           tasks=[TaskUpdate("p-a:4", "hoan_thanh", 100, evidence_ref="Báo cáo rà soát số 5")])
    flag = flags(fixture_db, "2026-01-05", unit_id="phuong-a", item_type="kpi", rule=1)
    assert "nhiệm vụ liên quan" not in flag.iloc[0]["reason"]


def test_a_unit_the_plans_capitalise_is_written_in_lower_case_in_a_reason(fixture_db):
    # the plans head the column "Đơn vị tính" and write "Người" there; a sentence says "3 người"
    fixture_db.execute("insert into kpis (kpi_id, name, unit_of_measure, direction, kind, is_ratio) values "
                       "('nckh', 'Số cán bộ nghiên cứu khoa học', 'Người', 'higher', 'level', false), "
                       "('dn', 'Số doanh nghiệp công nghệ số', 'DN', 'higher', 'level', false)")
    fixture_db.execute("insert into targets (plan_id, unit_id, kpi_id, horizon, comparator, target_value, target_unit, "
                       "due_date, raw_text) values "
                       "('p-a', 'phuong-a', 'nckh', 2025, '>=', 10, 'Người', date '2025-12-31', '≥ 10'), "
                       "('p-a', 'phuong-a', 'dn', 2025, '>=', 5, 'DN', date '2025-12-31', '≥ 5')")
    report(fixture_db, "phuong-a", "2025-12-01", "2025-12-20 09:00", kpis=[KpiValue("nckh", 3), KpiValue("dn", 2)])
    people = one(fixture_db, "red_flags", "2026-01-10", item_id="nckh")["reason"]
    assert "thực tế 3 người so với mục tiêu ≥ 10 người" in people and "Người" not in people
    firms = one(fixture_db, "red_flags", "2026-01-10", item_id="dn")["reason"]
    assert "thực tế 2 DN so với mục tiêu ≥ 5 DN" in firms  # an abbreviation stays as written


def test_a_kpi_behind_schedule_names_the_schedules_level_with_its_unit(fixture_db):
    # xa-b's DVC target is ≥ 50% by 31/12/2025; 5% on 20/11/2025 is far below the schedule
    report(fixture_db, "xa-b", "2025-10-01", "2025-11-05 09:00", kpis=[KpiValue("dvc", numerator=5, denominator=100)])
    flag = one(fixture_db, "red_flags", "2025-11-20", item_id="dvc")
    assert flag["rule"] == 2
    reason = flag["reason"]
    assert reason.startswith("Chậm tiến độ: thực tế 5%, mới bằng ") and "% mức cần có theo lộ trình (" in reason
    expected = reason.split("lộ trình (")[1].split(")")[0]
    assert expected.endswith("%"), reason  # the level in the KPI's unit, not a bare number beside a rate
