"""One source of truth (issue #11): every place that shows a total counts the same rows.

The red-flag rules are decided once, per row (breaks_rule_1..4 in task_progress, kpi_progress
and reporting_compliance, breaks_rule_5 in requests); red_flags lists those rows and the scorecard, flags_by_rule and
province_summary count them. Scope: red flags cover every accountable unit but the province
itself (communes/wards and departments); the scorecard is one row per commune/ward, so its sums
differ from the totals by the rows whose is_commune_level is false, and only by those.
"""
from __future__ import annotations

from datetime import date

import pytest

from nq57 import db

AS_OF_DATES = ["2025-12-31", "2026-06-30", "2026-11-25"]


def one(con, sql):
    return con.execute(sql).fetchall()[0]


@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_red_flag_totals_agree_everywhere(demo_db_path, as_of):
    with db.connect(demo_db_path, read_only=True) as con:
        db.set_as_of(con, as_of)
        listed, communes = one(con, "select count(*), count(*) filter (where is_commune_level) from red_flags")
        by_rule, by_rule_communes = one(con, "select sum(flag_count), sum(commune_flag_count) from flags_by_rule")
        summary, summary_communes = one(con, "select red_flag_count, commune_red_flag_count from province_summary")
        scorecard, *per_rule = one(con, "select sum(red_flag_count), sum(flags_rule_1), sum(flags_rule_2), "
                                        "sum(flags_rule_3), sum(flags_rule_4), sum(flags_rule_5) from unit_scorecard")
        from_rows = one(con, """
            select
                (select count(*) filter (where breaks_rule_1) + count(*) filter (where breaks_rule_2)
                        + count(*) filter (where breaks_rule_3) from task_progress)
              + (select count(*) filter (where breaks_rule_1) + count(*) filter (where breaks_rule_2)
                        + count(*) filter (where breaks_rule_3) from kpi_progress)
              + (select count(*) filter (where breaks_rule_4) from reporting_compliance)
              + (select count(*) filter (where breaks_rule_5) from requests)""")[0]
        by_rule_rows = con.execute("select rule, flag_count, commune_flag_count from flags_by_rule order by rule").fetchall()
        listed_by_rule = dict(con.execute(
            "select rule, count(*) filter (where is_commune_level) from red_flags group by rule").fetchall())
    assert listed > 0
    assert listed == by_rule == summary == from_rows
    assert communes == by_rule_communes == summary_communes == scorecard
    assert sum(per_rule) == scorecard
    assert [r[2] for r in by_rule_rows] == [int(v) for v in per_rule]
    assert [r[2] for r in by_rule_rows] == [listed_by_rule.get(rule, 0) for rule in (1, 2, 3, 4, 5)]


@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_task_and_kpi_totals_agree_with_their_rows(demo_db_path, as_of):
    with db.connect(demo_db_path, read_only=True) as con:
        db.set_as_of(con, as_of)
        summary = one(con, "select tasks_due, tasks_done, tasks_overdue, kpis_evaluated, kpis_on_track, "
                           "periods_due, periods_on_time from province_summary")
        scorecard = one(con, "select sum(tasks_due), sum(tasks_done), sum(tasks_overdue), sum(kpis_evaluated), "
                             "sum(kpis_on_track), sum(periods_due), sum(periods_on_time) from unit_scorecard")
        tasks = one(con, "select count(*) filter (where is_due), count(*) filter (where is_due and is_done), "
                         "count(*) filter (where is_overdue) from task_progress where is_commune_level")
        kpis = one(con, "select count(*) filter (where comparator is not null), "
                        "count(*) filter (where comparator is not null and is_on_track) "
                        "from kpi_progress where is_commune_level")
        periods = one(con, "select count(*) filter (where is_due), count(*) filter (where is_due and is_on_time) "
                           "from reporting_compliance")
    assert [int(v) for v in summary] == [int(v) for v in scorecard] == [*tasks, *kpis, *periods]


def test_the_threshold_of_rule_2_is_one_setting(fixture_db):
    """behind_schedule_ratio moves rule 2 and the sentence that explains it."""
    from datetime import date

    from nq57.reports import Batch, TaskUpdate, record_batch
    from tests.conftest import at

    con = fixture_db
    record_batch(con, Batch(unit_id="phuong-a", period=date(2025, 10, 1), uploaded_by="test",
                            uploaded_at=at("2025-11-05 09:00"), kpi_values=[],
                            task_updates=[TaskUpdate("p-a:1", "dang_thuc_hien", percent_complete=30)]))
    db.set_as_of(con, "2025-11-20")  # the schedule expects 77,6%: 30% is below half, above 30%

    def rule_2():
        return con.execute("select breaks_rule_2 from task_progress where task_id = 'p-a:1'").fetchall()[0][0]

    assert rule_2()
    assert "dưới 50% mức 77,6%" in con.execute("select reason from red_flags where rule = 2").fetchall()[0][0]
    con.execute("update settings set value = '0.45' where key = 'behind_schedule_ratio'")
    assert "dưới 45% mức 77,6%" in con.execute("select reason from red_flags where rule = 2").fetchall()[0][0]
    con.execute("update settings set value = '0.3' where key = 'behind_schedule_ratio'")
    assert not rule_2()
    assert con.execute("select count(*) from red_flags where rule = 2").fetchall()[0][0] == 0


# (view, label column, labels domain, code column): every *_label a view shows
LABELLED = [
    ("task_progress", "status_label", "task_status", "status"),
    ("task_progress", "evidence_label", "evidence_state", "evidence_state"),
    ("kpi_progress", "status_label", "kpi_status", "status"),
    ("reporting_compliance", "status_label", "report_status", "status"),
    ("red_flags", "rule_label", "rule", "rule"),
    ("flags_by_rule", "rule_label", "rule", "rule"),
    ("batch_history", "state_label", "batch_state", "state"),
]


def test_every_label_a_view_shows_comes_from_the_labels_table(demo_db_path, tmp_path):
    import shutil

    copy = tmp_path / "labels.duckdb"
    shutil.copy(demo_db_path, copy)
    with db.connect(copy) as con:
        db.set_as_of(con, "2026-06-30")
        before = db.query_view(con, "red_flags", as_of="2026-06-30")
        con.execute("update labels set label = label || ' [' || code || ']'")
        for view, label, domain, code in LABELLED:
            shown, wrong = one(con, f"""
                select count(*), count(*) filter (where v.{label} is distinct from l.label)
                from {view} v left join labels l on l.domain = '{domain}' and l.code = v.{code}::varchar""")
            assert shown > 0, view
            assert wrong == 0, f"{view}.{label}: {wrong} rows do not follow the labels table"
        renamed = one(con, "select label from labels where domain = 'kpi_status' and code = 'cham'")[0]
        assert renamed == "Chậm [cham]"
        # the stored snapshot is not read once a label changed (labels are in data_fingerprint)
        after = db.query_view(con, "red_flags", as_of="2026-06-30")
        assert len(after) == len(before)
        assert set(after["rule_label"]) == {f"{text} [{rule}]" for text, rule in
                                            set(zip(before["rule_label"], before["rule"]))}


def test_the_palette_reads_the_labels_seed():
    from nq57 import labels, palette

    seed = labels.read_seed()
    assert palette.RULE_COLOURS == {int(x.code): x.colour for x in seed if x.domain == "rule"}
    assert list(palette.GRADE_COLOURS) == ["A", "B", "C", "D", "E"]
    for x in seed:
        if x.domain in ("task_status", "kpi_status"):
            assert palette.STATUS_STYLE[x.label] == (x.colour, x.symbol, x.marker)
            assert palette.style(x.domain, x.code) == (x.colour, x.symbol, x.marker)


def test_the_grade_bands_follow_the_grade_settings(demo_db_path, tmp_path):
    """Moving grade A's floor regrades the units and rewords every caption that names a band."""
    import shutil

    from nq57.pack.data import load_pack_data
    from nq57.pack.pdf import _grade_note

    copy = tmp_path / "grades.duckdb"
    shutil.copy(demo_db_path, copy)
    with db.connect(copy) as con:
        bands = db.query_view(con, "grade_bands", order_by="grade_order")
        assert list(bands["grade_label"]) == ["A (≥ 90 điểm)", "B (80–89)", "C (70–79)", "D (50–69)", "E (< 50)"]
        con.execute("update settings set value = '85' where key = 'grade_a_min_score'")
        con.execute("update settings set value = '40' where key = 'grade_d_min_score'")
        bands = db.query_view(con, "grade_bands", order_by="grade_order")
        assert list(bands["band_label"]) == ["≥ 85", "80–84", "70–79", "40–69", "< 40"]
        scores = db.query_view(con, "unit_scorecard", as_of="2026-06-30")
        assert set(scores.loc[scores["score"] >= 85, "grade"]) <= {"A"}
        assert set(scores.loc[(scores["score"] >= 40) & (scores["score"] < 50), "grade"]) <= {"D"}
        pack = load_pack_data(con, date(2026, 6, 30))
    assert _grade_note(pack.grade_bands) == "Xếp loại A ≥ 85, B 80–84, C 70–79, D 40–69, E < 40."
