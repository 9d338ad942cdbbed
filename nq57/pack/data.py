"""The figures of a meeting pack, read in one short connection.

Every number comes from the contract views (`unit_scorecard`, `red_flags`, `kpi_progress`,
`flags_by_rule`, `requests`, `requests_by_office`) through `db.query_view`; the rest of the package only arranges, formats and
draws them, so the connection can close before any drawing starts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

import duckdb
import pandas as pd

from nq57 import dates, db, labels
from nq57.textparse import fold_diacritics

Progress = Callable[[float, str], None]

TITLE = "Báo cáo tiến độ thực hiện Nghị quyết 57-NQ/TW"
PROVINCE = "tỉnh Đồng Nai"
DEMO_LABEL = "Dữ liệu minh họa"
DEMO_DETAIL = "Gói họp có chứa số liệu báo cáo minh họa, không phải số liệu thật."
# the red-flag word of the labels table (the flags sheet, headings), never retyped here
RED_FLAG = labels.of("kpi_status")["canh_bao_do"].label
DEMO_NOTICE = f"{DEMO_LABEL}: {DEMO_DETAIL[0].lower()}{DEMO_DETAIL[1:]}"

@dataclass
class PackData:
    as_of: date
    generated_at: datetime
    has_demo: bool
    scorecard: pd.DataFrame   # every commune/ward, by rank
    league: pd.DataFrame      # league_table (rank change since the last month end), by rank
    flags: pd.DataFrame       # every row of red_flags
    kpis: pd.DataFrame        # kpi_progress, current horizon, communes/wards
    rule_labels: dict[int, str]  # flags_by_rule: every rule and its label, even with no flag
    # grade_bands: each grade's score band, worded from the settings unit_scorecard grades by
    grade_bands: pd.DataFrame
    kind_labels: dict[str, str] | None = None  # unit_kind code -> label, from the labels table
    requests: pd.DataFrame | None = None         # the open rows of the requests view, longest waiting first
    request_offices: pd.DataFrame | None = None  # requests_by_office: open requests per office they wait on


def no_progress(fraction: float, message: str) -> None:
    """The progress callback when the caller gives none."""


def _name_key(name: object) -> str:
    """Alphabetical order for Vietnamese names: diacritics folded (Đăk Ơ sorts under D)."""
    return fold_diacritics(str(name or "")).casefold()


def pack_file_names(as_of: date) -> tuple[str, str]:
    stem = f"goi_hop_{as_of.isoformat()}"
    return f"{stem}.xlsx", f"{stem}.pdf"


def load_pack_data(con: duckdb.DuckDBPyConnection, as_of: date) -> PackData:
    scorecard = db.query_view(con, "unit_scorecard", as_of=as_of, order_by="rank")
    scorecard = scorecard.sort_values(["rank", "unit_name"], kind="stable").reset_index(drop=True)
    # the league sheet is the view the pages draw, rank change against the last month end
    league = db.query_view(con, "league_table", as_of=as_of, previous=dates.month_ends_before(as_of, 1)[0])
    league = league.sort_values(["rank", "unit_name"], kind="stable").reset_index(drop=True)
    flags = db.query_view(con, "red_flags", as_of=as_of)
    flags = (flags.assign(_name_key=flags["unit_name"].map(_name_key))
             .sort_values(["_name_key", "unit_name", "rule", "due_date", "item_name"], kind="stable", na_position="last")
             .drop(columns="_name_key"))
    kpis = db.query_view(con, "kpi_progress", as_of=as_of, filters={"is_current_horizon": True})
    kpis = kpis[kpis["unit_id"].isin(scorecard["unit_id"])]
    kpis = kpis.sort_values(["unit_id", "kpi_name", "horizon"], kind="stable")
    rules = db.query_view(con, "flags_by_rule", as_of=as_of)
    rule_labels = {int(rule): str(label) for rule, label in zip(rules["rule"], rules["rule_label"])}
    requests = db.query_view(con, "requests", as_of=as_of, filters={"is_open": True})
    requests = requests.sort_values(["days_waiting", "request_id"], ascending=[False, True], na_position="last")
    request_offices = db.query_view(con, "requests_by_office", as_of=as_of).sort_values(
        ["unanswered_count", "overdue_count", "office_name"], ascending=[False, False, True], kind="stable")
    has_demo = bool(con.execute("select exists(select 1 from report_batches where is_demo)").fetchone()[0])
    return PackData(as_of=as_of, generated_at=datetime.now(), has_demo=has_demo,
                    scorecard=scorecard, league=league, flags=flags.reset_index(drop=True),
                    kpis=kpis.reset_index(drop=True), rule_labels=rule_labels,
                    kind_labels={code: x.label for code, x in labels.of("unit_kind", labels.load(con)).items()},
                    grade_bands=db.query_view(con, "grade_bands", order_by="grade_order"),
                    requests=requests.reset_index(drop=True), request_offices=request_offices)
