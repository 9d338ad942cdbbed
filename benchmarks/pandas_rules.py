"""The views' rules as a quick pandas script, for comparison with DuckDB (`bench --views`)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from nq57 import db


def quiet(con) -> None:
    con.execute("set enable_progress_bar = false")


def pandas_rules(path: Path, as_of: date) -> dict[str, int]:
    """The same rules as a quick pandas script: read the tables, then overdue tasks, KPIs below 50%
    of a linear schedule, missing reports and a scorecard per unit."""
    import pandas as pd

    with db.connect(path, read_only=True) as con:
        quiet(con)
        read = lambda sql: con.execute(sql).df()
        units = read("select unit_id, kind, report_cycle from units where is_commune_level(kind)")
        batches = read("select batch_id, unit_id, period, uploaded_at, rolled_back_at from report_batches")
        values = read("select batch_id, unit_id, kpi_id, period, value, numerator, denominator from kpi_values")
        updates = read("select batch_id, unit_id, task_id, period, status, percent_complete from task_updates")
        tasks = read("select task_id, deadline_kind, due_date from tasks")
        assigned = read("select task_id, unit_id from task_units")
        targets = read("select unit_id, kpi_id, horizon, comparator, target_value, due_date from targets "
                       "where comparator is not null")
        deadline_day = int(con.execute("select value from settings where key = 'report_deadline_day'").fetchall()[0][0])
        first_period = pd.Timestamp(con.execute("select value from settings where key = 'first_period'").fetchall()[0][0])
    today = pd.Timestamp(as_of)
    end = today + pd.Timedelta(days=1)
    visible = batches[(batches.uploaded_at < end) & (batches.rolled_back_at.isna() | (batches.rolled_back_at >= end))]
    current = visible.sort_values(["uploaded_at", "batch_id"]).drop_duplicates(["unit_id", "period"], keep="last")

    # KPIs: latest and first value in force, nearest target ahead, linear schedule, ratio < 0.5
    vals = values.merge(current[["batch_id"]], on="batch_id")
    vals["value"] = vals["value"].fillna(100.0 * vals["numerator"] / vals["denominator"].where(vals["denominator"] > 0))
    vals = vals.dropna(subset=["value"]).sort_values("period")
    latest = vals.drop_duplicates(["unit_id", "kpi_id"], keep="last")[["unit_id", "kpi_id", "value"]]
    first = vals.drop_duplicates(["unit_id", "kpi_id"], keep="first")[["unit_id", "kpi_id", "value", "period"]]
    kpi = latest.merge(first, on=["unit_id", "kpi_id"], suffixes=("", "_base"))
    own = targets[targets.unit_id != "dong-nai"]
    province = targets[targets.unit_id == "dong-nai"].drop(columns="unit_id").merge(units[["unit_id"]], how="cross")
    province = province.merge(own[["unit_id", "kpi_id", "horizon"]], on=["unit_id", "kpi_id", "horizon"],
                              how="left", indicator=True)
    effective = pd.concat([own, province[province["_merge"] == "left_only"].drop(columns="_merge")])
    ahead = effective[effective.due_date >= today].sort_values("due_date").drop_duplicates(["unit_id", "kpi_id"])
    kpi = kpi.merge(ahead, on=["unit_id", "kpi_id"])
    base_end = kpi["period"] + pd.offsets.MonthEnd(0)
    span = (kpi["due_date"] - base_end).dt.days.clip(lower=1)
    elapsed = (today - base_end).dt.days.clip(lower=0)
    expected = kpi["value_base"] + (kpi["target_value"] - kpi["value_base"]) * elapsed / span
    lower_better = kpi["comparator"].isin(["<", "<=", "rank<="])
    kpi["ratio"] = (expected / kpi["value"]).where(lower_better, kpi["value"] / expected)
    kpi["on_track"] = kpi["ratio"] >= 1
    kpi_flags = kpi[kpi["ratio"] < 0.5]

    # tasks: latest update in force; dated tasks past due and not done are overdue
    upd = updates.merge(current[["batch_id"]], on="batch_id").sort_values("period")
    last = upd.drop_duplicates(["unit_id", "task_id"], keep="last")[["unit_id", "task_id", "status"]]
    task = assigned.merge(tasks, on="task_id").merge(last, on=["unit_id", "task_id"], how="left")
    dated = task[task.deadline_kind == "date"]
    due = dated[dated.due_date <= today]
    overdue = dated[(dated.due_date < today) & (dated.status != "hoan_thanh")]

    # reports: every month from the first period whose deadline has passed, without a batch
    months = pd.date_range(first_period, today, freq="MS")
    owed = units.merge(pd.DataFrame({"period": months}), how="cross")
    owed["deadline"] = owed["period"] + pd.DateOffset(months=1) + pd.Timedelta(days=deadline_day - 1)
    owed = owed[owed.deadline < today]
    received = visible.drop_duplicates(["unit_id", "period"])[["unit_id", "period"]].assign(received=True)
    owed = owed.merge(received, on=["unit_id", "period"], how="left")
    missing = owed[owed.received.isna()]

    # scorecard
    count = lambda frame, name: frame.groupby("unit_id").size().rename(name)
    card = units.set_index("unit_id").join([
        count(due, "tasks_due"), count(due[due.status == "hoan_thanh"], "tasks_done"), count(overdue, "overdue"),
        count(kpi, "kpis"), count(kpi[kpi.on_track], "on_track"), count(owed, "periods_due"),
        count(owed[owed.received.notna()], "received"), count(kpi_flags, "kpi_flags"), count(missing, "missing"),
    ]).fillna(0)
    card["score"] = 100 * (0.4 * card.tasks_done / card.tasks_due.where(card.tasks_due > 0)
                           + 0.3 * card.on_track / card.kpis.where(card.kpis > 0)
                           + 0.2 * card.received / card.periods_due.where(card.periods_due > 0)).fillna(0)
    card["rank"] = card["score"].rank(ascending=False, method="min")
    return {"flags": len(overdue) + len(kpi_flags) + len(missing), "units": len(card)}
