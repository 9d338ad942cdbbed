"""The overview's and meeting mode's grid of units and the KPI page's ranking: every unit of a
province; at national size the first and the last ranked (3.321 tiles or bars took the browser
half a minute and could not be read)."""
from __future__ import annotations

import re

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


def test_a_distribution_of_whole_numbers_centres_its_bars_with_room_at_both_ends():
    """The first bar sat on the axis: whole values are centred in their bins, and the axis leaves
    a bar's width beyond the smallest and the largest value (and the target)."""
    rows = kpi_rows(95)
    figure = charts.distribution(rows, "actual_value", "Phân bố", target=200)
    size, start = figure.data[0].xbins.size, figure.data[0].xbins.start
    assert start == rows["actual_value"].min() - size / 2
    low, high = figure.layout.xaxis.range
    assert low < start and high > 200


# Plotly writes 12345,7 for %{x:.1f} and 3321 for a bare %{customdata[2]} holding a number
# (checked in chromium), where a reader expects 12.345,7: a format with "," groups the thousands.
def ungrouped_hover_numbers(figure) -> list[str]:
    """Hover fields of a figure that print a number without grouping its thousands."""
    found = []
    for trace in figure.data:
        template = getattr(trace, "hovertemplate", None) or ""
        for field in re.findall(r"%\{([^}]*)\}", template):
            name, _, number_format = field.partition(":")
            if "|" in field or name in ("x", "y") and not number_format:
                continue  # a date, or the axis's own format (thousands grouped by vietnamese_layout)
            column = re.fullmatch(r"customdata\[(\d+)\]", name)
            first = trace.customdata[0][int(column.group(1))] if column and trace.customdata is not None else 0
            is_number = isinstance(first, (int, float)) and not isinstance(first, bool)
            if is_number and "," not in number_format:
                found.append(f"%{{{field}}}")
    return found


def test_the_countrys_numbers_are_written_the_vietnamese_way():
    """At national size counts pass a thousand: 1.354 đơn vị, hạng 3.321, 12.345,6 — never 1354."""
    bands = pd.DataFrame({"grade": list("ABCDE"), "grade_label": list("ABCDE")})
    summary = pd.Series({"grade_a": 0, "grade_b": 234, "grade_c": 1354, "grade_d": 1119, "grade_e": 614})
    grades = charts.grade_distribution(summary, bands)
    assert "1.354 đơn vị" in grades.data[0].text
    bars = charts.compliance_bar(pd.Series({"dung_han": 2500}), {"dung_han": "Đúng hạn"})
    assert bars.data[0].text == ("2.500 đơn vị",)
    ranking = charts.ranking_bar(kpi_rows(95).assign(actual_value=12345.6), "actual_value", "Xếp hạng", target=1500)
    assert ranking.data[0].text[0].startswith("12.345,6")
    assert ranking.layout.annotations[0].text == "Mục tiêu 1.500"
    tiles = charts.unit_tile_grid(scorecard(3321))
    flags = charts.flags_by_rule(pd.DataFrame({"rule": [1], "rule_label": ["Quá hạn"], "flag_count": [6648],
                                               "units_flagged": [2611]}))
    assert "6.648 cảnh báo · 2.611 đơn vị" in flags.data[0].y[0]
    for figure in (grades, bars, ranking, tiles, flags):
        assert ungrouped_hover_numbers(figure) == []


def test_a_unit_name_keeps_its_dots_on_its_tile():
    """The tile's score was made Vietnamese by turning every '.' of the text into ',', the name's too."""
    named = scorecard(95).assign(unit_name=lambda f: f["unit_name"].where(f["rank"] != 1, "phường Tp. Biên Hòa"),
                                 score=lambda f: f["score"].where(f["rank"] != 1, 78.4))
    first = charts.unit_tile_grid(named).data[0].text[0]
    assert first.startswith("Tp. Biên Hòa") and first.endswith("· 78,4"), first


def test_a_tile_never_rounds_its_score_past_its_grade():
    """Cẩm Mỹ read "B · 90" and Bù Đăng "C · 80": 89,6 and 79,7 rounded onto the next grade's floor."""
    near = scorecard(95).assign(score=lambda f: f["score"].where(f["rank"] > 2, [89.6, 79.7] + [0] * 93),
                                grade=lambda f: f["grade"].where(f["rank"] > 2, ["B", "C"] + [""] * 93))
    first, second = charts.unit_tile_grid(near).data[0].text[:2]
    assert first.endswith("<b>B</b> · 89,6") and second.endswith("<b>C</b> · 79,7"), (first, second)


def test_tiles_fill_the_width_in_their_grades_colour():
    """Square markers are a fixed 62 px: on a projector's 1920 px the grid was mostly gaps around
    10 px text. Tiles are rectangles in the axes' units (they grow with the chart), one per unit in
    its grade's colour, and meeting mode prints their text larger."""
    from nq57.palette import GRADE_COLOURS

    units = scorecard(95)
    figure = charts.unit_tile_grid(units)
    tiles = figure.layout.shapes
    assert len(tiles) == 95 and all(t.xref in (None, "x") and t.x1 - t.x0 > 0.9 for t in tiles)
    columns = figure.layout.xaxis.range[1] - figure.layout.xaxis.range[0]
    assert sum(t.x1 - t.x0 for t in tiles[:12]) / columns > 0.9  # a row of tiles spans the width
    assert [t.fillcolor for t in tiles] == [GRADE_COLOURS[g] for g in units.sort_values("rank")["grade"]]
    # meeting mode's larger text: tests/test_compare.py::test_the_tiles_slide_prints_names_for_the_back_of_the_room


def test_the_trends_latest_values_are_printed_apart():
    """75,5 % and 70,1 % were both printed above their points, one on the other."""
    close_pair = charts.latest_label_positions({"completion_rate": 75.5, "kpi_on_track_rate": 35.5, "timeliness_rate": 70.1})
    assert close_pair == {"completion_rate": "top center", "timeliness_rate": "bottom center",
                          "kpi_on_track_rate": "bottom center"}
    all_near = charts.latest_label_positions({"a": 72.0, "b": 70.0, "c": 68.0})
    assert all_near == {"a": "top center", "b": "middle left", "c": "bottom center"}


def test_an_as_of_early_in_a_month_has_its_own_tick_only():
    """At 06/12/2026 the trend's last points are 30/11 and 06/12: '11/2026' and '12/2026' overlapped;
    then '12/2026' alone read as December's end and November looked missing: the day is written."""
    from datetime import date

    days = [date(2026, 9, 30), date(2026, 10, 31), date(2026, 11, 30), date(2026, 12, 6)]
    trend = pd.DataFrame({"as_of": days, "completion_rate": 0.7, "kpi_on_track_rate": 0.4, "timeliness_rate": 0.6})
    axis = charts.trend_lines(trend).layout.xaxis
    assert list(axis.ticktext) == ["09/2026", "10/2026", "06/12/2026"]  # the day, not a month's end
    at_month_end = charts.trend_lines(trend.assign(as_of=[*days[:3], date(2026, 12, 31)])).layout.xaxis
    assert list(at_month_end.ticktext) == ["09/2026", "10/2026", "11/2026", "12/2026"]


def test_a_rank_is_a_point_not_a_bar_running_past_its_targets():
    """38th against targets of 25th and 20th was drawn as a bar from 0 to 38, reading as past both."""
    rows = pd.DataFrame({
        "kpi_id": ["xep-hang"] * 2, "kpi_name": ["Xếp hạng chuyển đổi số"] * 2, "is_lower_better": [True] * 2,
        "horizon": [2030, 2045], "actual_value": [38.0, 38.0], "expected_value": [37.0, 39.6],
        "target_value": [25.0, 20.0], "target_text": ["Tốp 25", "Tốp 20"], "status_label": ["Chậm", "Đúng tiến độ"],
    })
    actual = charts.kpi_bullets(rows, "Xếp hạng").data[0]
    assert actual.type == "scatter" and list(actual.x) == [38.0] and "Chậm" in actual.text[0]
    # named by its chart's title, the KPI is not named again beside the axis; in a shared chart
    # (the % KPIs, even one) it is
    assert charts.kpi_bullets(rows, "Xếp hạng", named_by_title=True).layout.yaxis.showticklabels is False
    assert charts.kpi_bullets(rows, "Chỉ tiêu tỷ lệ (%)").layout.yaxis.showticklabels is not False
    rising = charts.kpi_bullets(rows.assign(is_lower_better=False), "Tỷ lệ").data[0]
    assert rising.type == "bar"


def test_a_tasks_name_on_the_timeline_is_two_short_lines_cut_at_a_word():
    """48 characters on one line took most of a phone's width and ended mid-word ("cán b…")."""
    content = "Triển khai thực hiện chữ ký số cho toàn bộ cán bộ, công chức, viên chức của xã"
    tasks = pd.DataFrame({"task_no": ["41", "5"], "content": [content, "Xây dựng kế hoạch"],
                          "due_date": pd.to_datetime(["2026-01-01", "2026-03-31"]), "status_label": ["Hoàn thành"] * 2,
                          "deadline_text": ["Quý I/2026"] * 2, "percent_complete": [100.0, 100.0]})
    names = list(charts.task_timeline(tasks, pd.Timestamp("2026-12-07")).data[0].y)
    assert names[0].split("<br>") == ["41. Triển khai thực hiện chữ", "ký số cho toàn bộ cán bộ, …"], names
    assert names[1] == "5. Xây dựng kế hoạch"
    words = set(content.replace(",", "").split())
    assert all(w.strip(",") in words | {"41.", "…"} for line in names[0].split("<br>") for w in line.split())


def test_heatmap_headers_tell_kpis_apart_in_two_lines():
    """Cut at one line, two KPIs read "Tỷ lệ thủ tục hành chính …" and "… (12)"."""
    from components.heatmap_chart import progress_heatmap

    names = {"tthc-tiep-nhan": "Tỷ lệ thủ tục hành chính được tiếp nhận, giải quyết phi địa giới hành chính",
             "tthc-lien-quan": "Tỷ lệ thủ tục hành chính liên quan đến đào tạo, nghiên cứu được số hóa"}
    cells = pd.DataFrame({"unit_id": ["xa-a"] * 2, "unit_name": ["xã A"] * 2, "kpi_id": list(names),
                          "actual_value": [50.0, 60.0], "expected_value": [55.0, 55.0], "target_text": ["≥ 80%"] * 2,
                          "status": ["cham", "dung_tien_do"], "status_label": ["Chậm", "Đúng tiến độ"]})
    headers = list(progress_heatmap(cells, ["xã A"], list(names), names).data[0].x)
    assert headers[0].split("<br>")[1].startswith("tiếp nhận") and headers[1].split("<br>")[1].startswith("quan đến đào tạo")
    assert all(len(h.split("<br>")) <= 2 and "(" not in h for h in headers), headers
