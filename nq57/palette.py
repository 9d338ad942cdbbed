"""Colours and symbols shared by the charts and the exported pack: the colour-blind-safe
Okabe–Ito palette, always paired with a letter, a symbol or a word."""

# Grade and status colours; the letter or the label is always printed too.
GRADE_COLOURS = {"A": "#009E73", "B": "#56B4E9", "C": "#F0E442", "D": "#E69F00", "E": "#D55E00"}
RULE_COLOURS = {1: "#D55E00", 2: "#E69F00", 3: "#CC79A7", 4: "#0072B2"}

# Status of a task or KPI: colour, a symbol printed beside the label, and a marker shape, so the
# status reads without colour (projector, colour-blind readers, black-and-white print).
STATUS_STYLE = {
    "Đạt": ("#009E73", "✔", "circle"),
    "Hoàn thành": ("#009E73", "✔", "circle"),
    "Đúng tiến độ": ("#0072B2", "●", "circle-open"),
    "Đang thực hiện": ("#0072B2", "●", "circle-open"),
    "Chậm": ("#E69F00", "▲", "triangle-up"),
    "Cảnh báo đỏ": ("#D55E00", "✖", "x"),
    "Chờ hoàn thiện": ("#CC79A7", "◐", "diamond"),
    "Chưa báo cáo": ("#999999", "○", "circle-open"),
    "Chưa thực hiện": ("#999999", "○", "circle-open"),
    "Chưa có số liệu": ("#999999", "○", "circle-open"),
    "Chờ hướng dẫn": ("#56B4E9", "…", "square-open"),
    "Định tính": ("#999999", "◇", "diamond-open"),
}
