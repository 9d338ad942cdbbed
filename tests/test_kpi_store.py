"""The stored latest KPI values, task updates and verdicts (nq57/kpi_store.py): a page reading a date
after a unit's last change gets them from stored rows, and never anything the facts would not
give — whether the store was refreshed after the last write or not."""
from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta

import pytest

from nq57 import db, kpi_store, reports
from tests.conftest import DEMO_TODAY


# The views that read the store themselves (their SQL names the stored tables), and the contract
# views built on them (which see the store only through these four).
STORE_LEAVES = ["kpi_unit_latest_values", "task_latest_updates", "evidence_status", "effective_targets"]
STORE_READERS = [*STORE_LEAVES, "task_progress", "kpi_progress"]


def store_differences(con, days: list[date], views: list[str] = STORE_READERS) -> list[str]:
    """Each view that reads the store as the pages get it (store where it holds, and with the paths
    from the facts pruned when every unit's hold: kpi_store.trusted) against the same view computed
    from the facts alone (the store's hashes and fingerprint removed in a transaction rolled back
    after). One check and one transaction a day: each read costs its planning, not its rows."""
    found = []
    for day in days:
        db.set_as_of(con, day)
        with kpi_store.trusted(con):
            with_store = {view: con.execute(f"select * from {view} order by all").fetchall() for view in views}
        con.execute("begin transaction")
        try:
            con.execute("delete from kpi_store_units")
            con.execute("delete from target_store_state")
            from_facts = {view: con.execute(f"select * from {view} order by all").fetchall() for view in views}
        finally:
            con.execute("rollback")
        found += [f"{day} {view}: {len(set(with_store[view]) ^ set(from_facts[view]))} rows differ from the facts"
                  for view in views if with_store[view] != from_facts[view]]
    db.set_as_of(con, None)
    return found


def fresh_units(con, day: date) -> set[str]:
    db.set_as_of(con, day)
    units = {unit for (unit,) in con.execute("select unit_id from kpi_store_fresh_units").fetchall()}
    db.set_as_of(con, None)
    return units


@pytest.fixture()
def demo_copy(demo_db_path, tmp_path):
    """The province demo (real catalogue, demo reports), copied so a test may write."""
    path = tmp_path / "store.duckdb"
    shutil.copy(demo_db_path, path)
    return path


def a_unit_and_kpi(con) -> tuple[str, str]:
    """A commune with reports, and a level KPI (its latest value is the value reported) it reports."""
    return con.execute(
        "select v.unit_id, v.kpi_id from kpi_values v join kpis k using (kpi_id) "
        "where k.kind = 'level' and not k.is_ratio and v.value is not null order by all limit 1").fetchall()[0]


def a_report(unit: str, kpi: str, period: date, value: float, at: datetime) -> reports.Batch:
    return reports.Batch(unit_id=unit, period=period, uploaded_by="kiem-thu", uploaded_at=at, source="upload",
                         kpi_values=[reports.KpiValue(kpi_id=kpi, value=value)])


def latest_value(con, unit: str, kpi: str, day: date):
    db.set_as_of(con, day)
    found = con.execute("select actual_value from kpi_unit_latest_values where unit_id = ? and kpi_id = ?",
                        [unit, kpi]).fetchall()
    db.set_as_of(con, None)
    return found


def test_after_a_refresh_every_reporting_unit_is_read_from_the_store_and_gives_the_facts(demo_copy):
    with db.connect(demo_copy) as con:
        kpi_store.refresh(con)
        reporting = {unit for (unit,) in con.execute("select distinct unit_id from report_batches").fetchall()}
        assert reporting and fresh_units(con, DEMO_TODAY) == reporting
        assert kpi_store.stale_units(con) == []
        assert store_differences(con, [DEMO_TODAY, date(2026, 6, 30), date(2025, 12, 31)]) == []


def test_a_write_not_yet_refreshed_is_read_from_the_facts_and_a_refresh_stores_only_that_unit(demo_copy):
    with db.connect(demo_copy) as con:
        kpi_store.refresh(con)
        unit, kpi = a_unit_and_kpi(con)
        before = con.execute("select * from kpi_store_values where unit_id <> ? order by all", [unit]).fetchall()
        batch_id = reports.record_batch(con, a_report(unit, kpi, date(2026, 11, 1), 777.0, datetime(2026, 11, 20, 9)))
        # stale: the unit's new report shows at once, from its facts
        assert unit not in fresh_units(con, DEMO_TODAY)
        assert latest_value(con, unit, kpi, DEMO_TODAY) == [(777.0,)]
        assert store_differences(con, [DEMO_TODAY]) == []
        assert kpi_store.stale_units(con) == [unit]
        assert kpi_store.refresh(con) == 1
        assert unit in fresh_units(con, DEMO_TODAY)
        assert latest_value(con, unit, kpi, DEMO_TODAY) == [(777.0,)]
        assert con.execute("select * from kpi_store_values where unit_id <> ? order by all", [unit]).fetchall() == before
        # a day before that report: the unit changed after it, so the store is not used for it
        assert unit not in fresh_units(con, date(2026, 11, 19))
        assert latest_value(con, unit, kpi, date(2026, 11, 19)) != [(777.0,)]
        assert store_differences(con, [DEMO_TODAY, date(2026, 11, 19)]) == []
        # rolled back after the as-of day: that day still sees the report (from the facts), a later one not
        reports.roll_back_batch(con, batch_id, by="kiem-thu", at=datetime(2026, 11, 28, 9))
        kpi_store.refresh(con)
        assert unit not in fresh_units(con, DEMO_TODAY) and unit in fresh_units(con, date(2026, 11, 30))
        assert latest_value(con, unit, kpi, DEMO_TODAY) == [(777.0,)]
        assert latest_value(con, unit, kpi, date(2026, 11, 30)) != [(777.0,)]
        assert store_differences(con, [DEMO_TODAY, date(2026, 11, 30)]) == []


def test_a_changed_kpi_definition_makes_every_stored_row_unusable_until_refreshed(demo_copy):
    with db.connect(demo_copy) as con:
        kpi_store.refresh(con)
        con.execute("update kpis set is_ratio = not is_ratio where kpi_id = (select min(kpi_id) from kpis)")
        assert fresh_units(con, DEMO_TODAY) == set()
        assert store_differences(con, [DEMO_TODAY]) == []
        assert kpi_store.refresh(con) > 0 and fresh_units(con, DEMO_TODAY)


def verdict(con, unit: str, day: date) -> tuple[int, str, str]:
    """A KPI item of the unit's batch in force on that day, judged insufficient at noon that day."""
    db.set_as_of(con, day)
    batch_id, kpi = con.execute(
        "select batch_id, kpi_id from kpi_unit_latest_values where unit_id = ? and batch_id is not null "
        "order by kpi_id limit 1", [unit]).fetchall()[0]
    db.set_as_of(con, None)
    con.execute("insert into evidence_reviews (batch_id, unit_id, item_type, item_id, decision, comment, "
                "reviewed_by, reviewed_at) values (?, ?, 'kpi', ?, 'insufficient', 'thiếu ảnh', 'kiem-thu', ?)",
                [batch_id, unit, kpi, datetime.combine(day, datetime.min.time()).replace(hour=12)])
    return batch_id, unit, kpi


def decision_of(con, item: tuple[int, str, str], day: date):
    db.set_as_of(con, day)
    found = con.execute("select decision from evidence_status where batch_id = ? and unit_id = ? "
                        "and item_type = 'kpi' and item_id = ?", list(item)).fetchall()
    db.set_as_of(con, None)
    return found


def test_a_verdict_shows_at_once_and_a_refresh_stores_it_for_the_days_after_it_only(demo_copy):
    with db.connect(demo_copy) as con:
        kpi_store.refresh(con)
        unit, _kpi = a_unit_and_kpi(con)
        stored_tasks = con.execute("select count(*) from task_store_latest where unit_id = ?", [unit]).fetchall()
        assert stored_tasks[0][0] > 0  # the unit's latest task updates are stored beside its values
        item = verdict(con, unit, DEMO_TODAY)
        # not refreshed yet: the unit's verdicts are computed from the facts, the new one included
        assert unit not in fresh_units(con, DEMO_TODAY)
        assert decision_of(con, item, DEMO_TODAY) == [("insufficient",)]
        assert kpi_store.stale_units(con) == [unit]
        assert kpi_store.refresh(con) == 1
        assert unit in fresh_units(con, DEMO_TODAY)
        assert decision_of(con, item, DEMO_TODAY) == [("insufficient",)]
        # the day before the verdict: the unit changed after it, so its stored rows are not used
        day_before = DEMO_TODAY - timedelta(days=1)
        assert unit not in fresh_units(con, day_before)
        assert decision_of(con, item, day_before) != [("insufficient",)]
        assert store_differences(con, [DEMO_TODAY, day_before]) == []


def test_the_stored_targets_are_read_while_the_catalogue_is_unchanged_and_not_after_a_change(demo_copy):
    with db.connect(demo_copy) as con:
        kpi_store.refresh(con)
        assert con.execute("select is_fresh from target_store_fresh").fetchone()[0]
        assert con.execute("select count(*) from effective_target_facts").fetchone()[0] == 0  # not computed
        assert store_differences(con, [DEMO_TODAY]) == []
        target_id, before = con.execute("select target_id, target_value from targets where target_value is not null "
                                        "order by target_id limit 1").fetchall()[0]
        con.execute("update targets set target_value = target_value + 1 where target_id = ?", [target_id])
        # the catalogue changed: every target is computed from it again, the new value at once
        assert not con.execute("select is_fresh from target_store_fresh").fetchone()[0]
        assert con.execute("select target_value from effective_targets where target_id = ? and via_plan_id is null",
                           [target_id]).fetchall() == [(before + 1,)]
        assert kpi_store.refresh_targets(con) is True
        assert con.execute("select target_value from effective_targets where target_id = ? and via_plan_id is null",
                           [target_id]).fetchall() == [(before + 1,)]
        assert store_differences(con, [DEMO_TODAY]) == []


def test_new_views_forget_every_stored_row(demo_copy):
    with db.connect(demo_copy) as con:
        kpi_store.refresh(con)
        db.create_schema(con)  # what a code upgrade does: a changed rule must not meet old rows
        assert fresh_units(con, DEMO_TODAY) == set()
        assert not con.execute("select is_fresh from target_store_fresh").fetchone()[0]
        assert kpi_store.refresh(con) > 0 and fresh_units(con, DEMO_TODAY)


def test_a_database_whose_stored_tables_had_keys_opens_without_them_and_refills(demo_copy):
    """Older versions kept a primary key on the per-unit caches, and DuckDB wrote its index out
    at every import's checkpoint. An upgrade drops those tables (a cache), creates them keyless,
    and the next refresh stores the same rows the facts give."""
    with db.connect(demo_copy) as con:
        kpi_store.refresh(con)
        con.execute("create or replace table kpi_store_values as select * from kpi_store_values")
        con.execute("alter table kpi_store_values add primary key (unit_id, kpi_id)")
        con.execute("delete from settings where key = 'schema_fingerprint'")
    with db.connect(demo_copy) as con:
        assert db.migrate_if_needed(con)
        keyed = con.execute("select table_name from duckdb_constraints() where constraint_type = 'PRIMARY KEY' "
                            "and table_name in (select unnest(?::varchar[]))", [list(kpi_store.UNKEYED)]).fetchall()
        assert keyed == []
        assert fresh_units(con, DEMO_TODAY) == set()  # nothing read from the emptied caches
        assert kpi_store.refresh(con) > 0 and fresh_units(con, DEMO_TODAY)
        assert store_differences(con, [DEMO_TODAY]) == []
