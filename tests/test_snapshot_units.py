"""Stored answers maintained per unit (nq57/snapshot_units.py): after every commit, supersession,
rollback, review and request event, the stored rows are brought up to date for the units that
changed only, and a reader can never tell them from the views computed from the facts."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from nq57 import catalogue, db, reports, snapshot_units, snapshots
from tests.test_kpi_store import STORE_LEAVES, store_differences
from tests.conftest import DEMO_TODAY, FIXTURE_SQL

# A past month end and today: commits are dated before and between them (two dates, so 50
# writes with a check of every stored view after each stay within a CI budget).
DAYS = [date(2026, 10, 31), DEMO_TODAY]
OPERATIONS = 50
# The stored latest KPI values are checked on these days too: between writes, so some units are
# read from the store on a day and others from their facts.
STORE_DAYS = [*DAYS, date(2026, 10, 15), date(2026, 11, 10)]
# The five-unit catalogue of the view tests and a second province with two communes and a
# department of its own, so the roll-ups and the ranking span more than one province; the second
# province and its department hold targets and tasks, so their stored rows show whether a commune's
# commit leaves them right (only dong-nai rolls other units up). Small, so 50 writes stay quick.
SECOND_PROVINCE_SQL = """
insert into units (unit_id, name, kind, parent_id, office_code, report_cycle, sort_order) values
    ('tinh-01', 'tỉnh Thử nghiệm 01', 'province', null, null, 'monthly', 10001),
    ('tinh-01/so-y', 'Sở Thử nghiệm Y', 'department', 'tinh-01', 'so-y', 'monthly', 10002),
    ('tinh-01/xa-0001', 'xã Thử nghiệm 0001', 'commune', 'tinh-01', null, 'monthly', 20001),
    ('tinh-01/phuong-0002', 'phường Thử nghiệm 0002', 'ward', 'tinh-01', null, 'monthly', 20002);
insert into task_units
select task_id, u.unit_id, null from task_units t,
    (values ('tinh-01/xa-0001'), ('tinh-01/phuong-0002'), ('tinh-01'), ('tinh-01/so-y')) u(unit_id)
where t.unit_id = 'phuong-a';
insert into targets (plan_id, unit_id, kpi_id, horizon, comparator, target_value, target_unit, due_date, raw_text)
select plan_id, 'tinh-01', kpi_id, horizon, comparator, target_value, target_unit, due_date, raw_text
from targets where unit_id = 'dong-nai';
"""
UNITS = ["phuong-a", "xa-b", "xa-c", "dong-nai/so-x", "tinh-01/xa-0001", "tinh-01/phuong-0002", "tinh-01",
         "tinh-01/so-y"]


@pytest.fixture()
def multi_province(tmp_path):
    path = tmp_path / "multi.duckdb"
    with db.connect(path) as con:
        db.create_schema(con)
        con.execute(FIXTURE_SQL)
        con.execute(SECOND_PROVINCE_SQL)
        db.refresh_snapshots(con, DAYS)
    return path


def stored_rows(view: str, snapshot_id: int) -> str:
    return (f"(select * exclude (snapshot_id, snapshot_row) from {snapshots.table_name(view)} "
            f"where snapshot_id = {int(snapshot_id)})")


def differences(con, day: date, cached: bool = True) -> list[str]:
    """Every stored view of the day against the live view, row for row (and the league order).
    cached: each live view is computed once, from the facts, in dependency order into a temporary
    table named like it (the views above it read that table instead of recomputing it: the same
    rows, one pass each); uncached, every view is computed from the facts on its own."""
    db.set_as_of(con, day)
    snapshot_id = snapshots.find(con)
    if snapshot_id is None:
        return [f"{day}: no valid snapshot"]
    live = snapshots.build_order() if cached else []
    try:
        for view in live:
            con.execute(f"create or replace temp table {view} as select * from main.{view}")
        return _compare(con, day, snapshot_id)
    finally:
        for view in reversed(live):
            con.execute(f"drop table if exists temp.{view}")


def _compare(con, day: date, snapshot_id: int) -> list[str]:
    found = []
    for view in snapshots.SNAPSHOT_VIEWS:
        stored = stored_rows(view, snapshot_id)
        missing, extra = con.execute(
            f"select (select count(*) from ((from {view}) except all (from {stored}))), "
            f"(select count(*) from ((from {stored}) except all (from {view})))").fetchall()[0]
        if missing or extra:
            found.append(f"{view} at {day}: {missing} rows missing, {extra} extra")
    live_order = con.execute("select unit_id from unit_scorecard").fetchall()
    stored_order = con.execute(f"select unit_id from {snapshots.table_name('unit_scorecard')} "
                               "where snapshot_id = ? order by snapshot_row", [snapshot_id]).fetchall()
    if live_order != stored_order:
        found.append(f"unit_scorecard at {day}: the ranking order differs")
    return found


class RandomWrites:
    """Commits, supersessions, rollbacks, reviews and requests' events by a seeded generator,
    dated across DAYS."""

    def __init__(self, con, seed: int):
        self.con, self.rng = con, random.Random(seed)
        self.kpis = con.execute("select kpi_id, is_ratio from kpis order by kpi_id").fetchall()

    def moment(self) -> datetime:
        start = datetime(2026, 9, 20)
        return start + timedelta(minutes=self.rng.randrange(int((datetime(2026, 11, 25, 18) - start).total_seconds() // 60)))

    def batches(self, unit: str | None = None) -> list[tuple[int, str, date]]:
        return self.con.execute(
            "select batch_id, unit_id, period from report_batches where rolled_back_at is null "
            "and unit_id in (select unnest(?::varchar[])) order by batch_id", [[unit] if unit else UNITS]
        ).fetchall()

    def commit(self, unit: str, period: date) -> str:
        tasks = [t for (t,) in self.con.execute("select task_id from task_units where unit_id = ? order by task_id",
                                                [unit]).fetchall()]
        batch = reports.Batch(
            unit_id=unit, period=period, uploaded_by="kiem-thu", uploaded_at=self.moment(), file_name="bao-cao.xlsx",
            kpi_values=[self.kpi_value(kpi, is_ratio) for kpi, is_ratio in self.kpis if self.rng.random() < 0.8],
            task_updates=[reports.TaskUpdate(t, status=self.rng.choice(sorted(reports.TASK_STATUSES)),
                                             percent_complete=self.rng.choice([10, 45, 80, 100]),
                                             evidence_ref=self.rng.choice([None, "BC 2/2026"]),
                                             difficulties=self.rng.choice([None, None, "Thiếu cán bộ chuyên trách"]),
                                             requests=self.rng.choice([None, "Đề nghị bổ sung kinh phí",
                                                                       "Đề nghị hướng dẫn thủ tục"]))
                          for t in self.rng.sample(tasks, min(2, len(tasks)))])
        reports.record_batch(self.con, batch)
        return f"commit {unit} {period:%m/%Y}"

    def kpi_value(self, kpi: str, is_ratio: bool) -> reports.KpiValue:
        """A ratio as numerator and denominator (the province adds them up), else a value."""
        evidence = self.rng.choice([None, "QĐ 1/2026"])
        if is_ratio and self.rng.random() < 0.7:
            return reports.KpiValue(kpi, numerator=self.rng.randint(0, 60), denominator=self.rng.randint(60, 90),
                                    evidence_ref=evidence)
        return reports.KpiValue(kpi, value=round(self.rng.uniform(1, 120), 1), evidence_ref=evidence)

    def request_event(self) -> str | None:
        """An assignment, answer, closing or reopening of a request raised by a report (rule 5:
        one unanswered more than 30 days by an as-of date is a red flag of the unit that raised it)."""
        items = self.con.execute("select request_id, unit_id, raised_at from request_items order by request_id").fetchall()
        if not items:
            return None
        request_id, unit, raised_at = self.rng.choice(items)
        action = self.rng.choice(["assign", "answer", "close", "reopen"])
        at = min(raised_at + timedelta(days=self.rng.randint(0, 50), minutes=self.rng.randint(1, 600)),
                 datetime(2026, 11, 25, 18))
        self.con.execute(
            "insert into request_events (request_id, action, office_id, body, acted_by, acted_at) values (?, ?, ?, ?, ?, ?)",
            [request_id, action, "dong-nai/so-x" if action == "assign" else None,
             "Đã trả lời" if action == "answer" else None, "thu-ky", at])
        return f"request {request_id} ({unit}): {action}"

    def step(self) -> str:
        kind = self.rng.choice(["commit", "commit", "supersede", "rollback", "review", "review", "request"])
        if kind == "request" and (done := self.request_event()):
            return done
        existing = self.batches()
        if kind == "supersede" and existing:
            _, unit, period = self.rng.choice(existing)
            return "supersede: " + self.commit(unit, period)
        if kind == "rollback" and existing:
            batch_id, unit, _ = self.rng.choice(existing)
            reports.roll_back_batch(self.con, batch_id, by="kiem-thu", at=self.moment())
            return f"rollback {batch_id} ({unit})"
        if kind == "review" and existing:
            # a verdict on evidence of a batch in force (the newest of its unit and period) is one a view shows
            in_force = list({(unit, period): batch_id for batch_id, unit, period in existing}.values())
            items = self.con.execute(
                "select batch_id, unit_id, 'kpi', kpi_id from kpi_values where batch_id in (select unnest(?::integer[])) "
                "and evidence_ref is not null union all select batch_id, unit_id, 'task', task_id from task_updates "
                "where batch_id in (select unnest(?::integer[])) and evidence_ref is not null order by all",
                [in_force] * 2).fetchall()
            if not items:
                return self.commit(self.rng.choice(UNITS), date(2026, 10, 1))
            batch_id, unit, item_type, item = self.rng.choice(items)
            decision = self.rng.choice(sorted(reports.REVIEW_DECISIONS) + ["insufficient"])  # rule 3 more often
            reports.record_review(self.con, batch_id, unit, item_type, item, decision, reviewed_by="tham-dinh",
                                  reviewed_at=self.moment())
            return f"review {item_type} {item} of {batch_id}: {decision}"
        return self.commit(self.rng.choice(UNITS), date(2026, self.rng.choice([8, 9, 10]), 1))


def test_fifty_random_writes_keep_every_stored_view_equal_to_the_live_view(multi_province, monkeypatch):
    rebuilt = []
    build = snapshots.build
    monkeypatch.setattr(snapshots, "build", lambda con: rebuilt.append(snapshots.as_of_date(con)) or build(con))
    with db.connect(multi_province) as con:
        for day in DAYS:
            assert differences(con, day) == []
        writes, flagged = RandomWrites(con, seed=57), set()
        for number in range(OPERATIONS):
            done = writes.step()
            # before the refresh the changed unit is read from its facts, after it from the store:
            # the latest values are the same either way. The views that read the store themselves
            # are compared; the ones above them are the same SQL over the same rows, and the
            # snapshots' comparison below computes them all from the facts anyway.
            assert store_differences(con, STORE_DAYS, STORE_LEAVES) == [], f"after write {number + 1}: {done}"
            db.refresh_snapshots(con, DAYS)
            assert store_differences(con, STORE_DAYS, STORE_LEAVES) == [], f"after write {number + 1}: {done}"
            for day in DAYS:
                assert differences(con, day) == [], f"after write {number + 1}: {done}"
            flagged |= {rule for (rule,) in con.execute("select distinct rule from snapshot_red_flags").fetchall()}
        # the writes reached every kind of stored row: each red-flag rule, requests' rule 5 too
        assert flagged == {1, 2, 3, 4, 5}
        # and once more with every view computed from the facts on its own, not on the cached ones
        for day in DAYS:
            assert differences(con, day, cached=False) == []
        # every write was absorbed unit by unit: no stored date was rebuilt whole
        assert rebuilt == []
        assert con.execute("select count(*) from duckdb_tables() where temporary").fetchall()[0][0] == 0
        assert con.execute("select count(*) from duckdb_views() where temporary and not internal").fetchall()[0][0] == 0


def test_a_commit_recomputes_only_its_unit_and_leaves_the_others_rows_untouched(multi_province):
    """Only the committing commune's rows and the province roll-up's are written again; every
    other unit's stored rows (the other province's, the departments') keep their place."""
    untouched = ("phuong-a", catalogue.PROVINCE_ID)

    def kept_rows(con, snapshot_id):
        return {view: sorted(con.execute(
            f"select unit_id, snapshot_row from {snapshots.table_name(view)} where snapshot_id = ? "
            "and unit_id not in (select unnest(?::varchar[]))", [snapshot_id, list(untouched)]).fetchall())
            for view in snapshots.PER_UNIT_VIEWS}

    with db.connect(multi_province) as con:
        db.set_as_of(con, DEMO_TODAY)
        snapshot_id = snapshots.find(con)
        before = kept_rows(con, snapshot_id)
        assert {unit for rows in before.values() for unit, _row in rows} >= {"xa-b", "tinh-01", "tinh-01/so-y",
                                                                              "tinh-01/xa-0001"}
        RandomWrites(con, seed=1).commit("phuong-a", date(2026, 10, 1))
        assert snapshot_units.stale_units(con, snapshot_id) == ["phuong-a"]
        db.refresh_snapshots(con, [DEMO_TODAY])
        db.set_as_of(con, DEMO_TODAY)
        assert snapshots.find(con) == snapshot_id  # updated in place, not rebuilt
        assert kept_rows(con, snapshot_id) == before
        assert differences(con, DEMO_TODAY) == []


def test_a_catalogue_change_rebuilds_the_snapshot_whole(multi_province):
    with db.connect(multi_province) as con:
        db.set_as_of(con, DEMO_TODAY)
        snapshot_id = snapshots.find(con)
        con.execute("update settings set value = '0.5' where key = 'weight_completion'")
        assert snapshot_units.stale_units(con, snapshot_id) is None
        db.refresh_snapshots(con, [DEMO_TODAY])
        db.set_as_of(con, DEMO_TODAY)
        assert snapshots.find(con) not in (None, snapshot_id)
        assert differences(con, DEMO_TODAY) == []
