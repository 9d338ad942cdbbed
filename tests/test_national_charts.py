"""The overview's and meeting mode's grid of units and the KPI page's ranking: every unit of a
province; at national size the first and the last ranked (3.321 tiles or bars took the browser
half a minute and could not be read)."""
from __future__ import annotations

import pandas as pd

from components import charts


def scorecard(count: int) -> pd.DataFrame:
    return pd.DataFrame({
        "unit_id": [f"xa-{n}" for n in range(1, count + 1)],
        "unit_name": [f"xã Số {n}" for n in range(1, count + 1)],
        "rank": range(1, count + 1),
        "score": [100 - 90 * n / count for n in range(1, count + 1)],
        "grade": ["A" if n <= count / 2 else "E" for n in range(1, count + 1)],
    })


def test_a_province_shows_every_unit_in_rank_order():
    figure = charts.unit_tile_grid(scorecard(95))
    ranks = [row[2] for row in figure.data[0].customdata]
    assert ranks == list(range(1, 96))
    assert figure.layout.title.text.startswith("95 xã, phường theo thứ hạng")


def test_the_country_shows_the_first_and_the_last_and_says_so():
    figure = charts.unit_tile_grid(scorecard(3321))
    ranks = [row[2] for row in figure.data[0].customdata]
    half = charts.TILE_LIMIT // 2
    assert ranks == list(range(1, half + 1)) + list(range(3321 - half + 1, 3322))
    rows = list(figure.data[0].y)
    assert rows[half] == rows[half - 1] + 2  # a blank row between the first and the last
    assert f"{half} xã, phường đứng đầu và {half} đứng cuối trong 3.321" in figure.layout.title.text


def kpi_rows(count: int) -> pd.DataFrame:
    return pd.DataFrame({
        "unit_id": [f"xa-{n}" for n in range(1, count + 1)],
        "unit_name": [f"xã Số {n}" for n in range(1, count + 1)],
        "actual_value": [float(n) for n in range(1, count + 1)],
        "status_label": ["Đạt"] * count,
    })


def test_a_kpi_ranking_draws_every_unit_of_a_province():
    figure = charts.ranking_bar(kpi_rows(95), "actual_value", "Xếp hạng")
    assert list(figure.data[0].x) == [float(n) for n in range(95, 0, -1)]
    assert figure.layout.title.text == "Xếp hạng"


def test_a_national_kpi_ranking_draws_the_first_and_the_last_and_says_so():
    figure = charts.ranking_bar(kpi_rows(3321), "actual_value", "Xếp hạng", lower_is_better=True)
    half = charts.BAR_LIMIT // 2
    assert list(figure.data[0].x) == [float(n) for n in range(1, half + 1)] + [float(n) for n in range(3321 - half + 1, 3322)]
    assert figure.layout.title.text == f"Xếp hạng: {half} đơn vị đầu và {half} đơn vị cuối trong 3.321"
    assert figure.layout.height < 120 + 22 * (charts.BAR_LIMIT + 1)


def test_a_distribution_of_few_units_counts_them_in_whole_units():
    """Four units holding a KPI: the count axis reads 0, 1, 2 …, never 0,2 of a unit."""
    few = charts.distribution(kpi_rows(4), "actual_value", "Phân bố")
    assert few.layout.yaxis.dtick == 1
    assert charts.distribution(kpi_rows(95), "actual_value", "Phân bố").layout.yaxis.dtick is None
