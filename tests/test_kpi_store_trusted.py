"""A read that found every unit's stored latest values holding (nq57/kpi_store.trusted) plans the
views without their paths from the facts — the 13 million report values nationally are not even in
the plan — and still gives exactly what the facts give; any write not yet stored turns it off."""
from __future__ import annotations

import re
from datetime import date, datetime

import duckdb
import pytest

from nq57 import db, demo, kpi_store, reports
from tests.conftest import DEMO_TODAY
from tests.test_kpi_store import a_report, a_unit_and_kpi, demo_copy, store_differences  # noqa: F401 (fixture)

# The contract views a leader's pages compute when no stored answer serves the date.
PAGE_VIEWS = ["red_flags", "unit_scorecard"]


def holds(con, day: date) -> bool:
    db.set_as_of(con, day)
    return con.execute("select holds from kpi_stores_hold").fetchone()[0]


def tables_planned(con, view: str, trusting: bool) -> set[str]:
    """The tables the plan of `select * from view` scans (their names without the schema)."""
    if trusting:
        with kpi_store.trusted(con, view):
            return tables_planned(con, view, trusting=False)
    plan = "\n".join(row[1] for row in con.execute(f"explain (format json) select * from {view}").fetchall())
    return {name.rsplit(".", 1)[-1] for name in re.findall(r'"Table": "([^"]+)"', plan)}


def rows(con, view: str, trusting: bool) -> list:
    if trusting:
        with kpi_store.trusted(con, view):
            return con.execute(f"select * from {view} order by all").fetchall()
    return con.execute(f"select * from {view} order by all").fetchall()


def test_when_every_store_holds_the_plan_reads_no_report_value_and_the_rows_are_the_same(demo_copy):
    with db.connect(demo_copy) as con:
        kpi_store.refresh(con)
        assert holds(con, DEMO_TODAY)
        for view in PAGE_VIEWS:
            # the untrusted plan keeps the paths over every value in force and the catalogue's
            # targets (hashed to check the stored ones), the trusted one drops them
            assert {"kpi_values", "targets"} <= tables_planned(con, view, trusting=False)
            assert not {"kpi_values", "targets"} & tables_planned(con, view, trusting=True)
            assert rows(con, view, trusting=True) == rows(con, view, trusting=False)
        assert con.execute("select getvariable('stores_hold')").fetchone()[0] is None  # nothing leaks


def test_a_write_not_yet_stored_turns_the_trust_off_until_the_refresh(demo_copy):
    with db.connect(demo_copy) as con:
        kpi_store.refresh(con)
        unit, kpi = a_unit_and_kpi(con)
        reports.record_batch(con, a_report(unit, kpi, date(2026, 11, 1), 777.0, datetime(2026, 11, 20, 9)))
        assert not holds(con, DEMO_TODAY)
        # the new value shows on the pages at once, from the facts
        assert "kpi_values" in tables_planned(con, "red_flags", trusting=True)
        db.set_as_of(con, DEMO_TODAY)
        with kpi_store.trusted(con, "kpi_unit_latest_values"):
            assert con.execute("select actual_value from kpi_unit_latest_values where unit_id = ? and kpi_id = ?",
                               [unit, kpi]).fetchall() == [(777.0,)]
        kpi_store.refresh(con)
        # stored now: trusted on the day, not on a day before the unit's last change
        assert holds(con, DEMO_TODAY) and not holds(con, date(2026, 11, 19))
        assert store_differences(con, [DEMO_TODAY, date(2026, 11, 19)]) == []


def test_removed_reports_whose_rows_are_still_stored_turn_the_trust_off(demo_copy):
    with db.connect(demo_copy) as con:
        kpi_store.refresh(con)
        assert demo.clear(con) > 0
        # every demo unit's stored rows outlive its reports until the refresh removes them
        assert not holds(con, DEMO_TODAY)
        assert store_differences(con, [DEMO_TODAY]) == []
        kpi_store.refresh(con)
        assert holds(con, DEMO_TODAY)
        assert con.execute("select count(*) from kpi_store_values").fetchone()[0] == 0


def test_a_write_committed_during_a_trusted_read_is_not_mixed_into_it(demo_copy):
    with db.connect(demo_copy) as con:
        kpi_store.refresh(con)
        unit, kpi = a_unit_and_kpi(con)
        db.set_as_of(con, DEMO_TODAY)
        before = con.execute("select actual_value from kpi_unit_latest_values where unit_id = ? and kpi_id = ?",
                             [unit, kpi]).fetchall()
        writer = con.cursor()  # another connection to the same database, as another session's
        with kpi_store.trusted(con, "kpi_unit_latest_values"):
            reports.record_batch(writer, a_report(unit, kpi, date(2026, 11, 1), 777.0, datetime(2026, 11, 20, 9)))
            # the read holds the data it checked: neither the new batch nor its value
            assert con.execute("select count(*) from report_batches where unit_id = ? and period = ?",
                               [unit, date(2026, 11, 1)]).fetchone()[0] == 0
            assert con.execute("select actual_value from kpi_unit_latest_values where unit_id = ? and kpi_id = ?",
                               [unit, kpi]).fetchall() == before
        writer.close()
        # the next read checks again and computes the unit from its facts
        assert not holds(con, DEMO_TODAY)
        assert con.execute("select actual_value from kpi_unit_latest_values where unit_id = ? and kpi_id = ?",
                           [unit, kpi]).fetchall() == [(777.0,)]


def test_a_trusted_read_that_fails_inside_a_write_leaves_no_trust_behind_for_the_refresh(demo_copy):
    with db.connect(demo_copy) as con:
        kpi_store.refresh(con)
        unit, kpi = a_unit_and_kpi(con)
        db.set_as_of(con, DEMO_TODAY)
        # a statement fails in a trusted read inside a caller's transaction: DuckDB then refuses
        # every statement, the reset of the trust too, until the caller rolls back
        with pytest.raises(duckdb.Error):
            with db.transaction(con):
                with kpi_store.trusted(con, "kpi_unit_latest_values"):
                    con.execute("select error('một lỗi giữa chừng')")
        reports.record_batch(con, a_report(unit, kpi, date(2026, 11, 1), 777.0, datetime(2026, 11, 20, 9)))
        # the refresh computes the changed unit from its facts, not from the trust left over
        assert kpi_store.refresh(con) == 1
        db.set_as_of(con, DEMO_TODAY)
        assert con.execute("select actual_value from kpi_unit_latest_values where unit_id = ? and kpi_id = ?",
                           [unit, kpi]).fetchall() == [(777.0,)]
        assert store_differences(con, [DEMO_TODAY]) == []
