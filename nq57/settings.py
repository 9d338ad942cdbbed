"""The settings table's keys, their defaults and Vietnamese descriptions, and how to read one.

Defaults live here once: `init` writes them (never over a stored value) and a reader falls back to
them, so a database made by older code reads the same as a new one.
"""
from __future__ import annotations

import duckdb

from nq57 import value_rules

# Defaults for the settings table; an existing value is never overwritten by init.
DEFAULT_SETTINGS = {
    "report_deadline_day": ("15", "Hạn nộp báo cáo: ngày thứ N của tháng sau (đơn vị báo cáo quý: tháng cuối quý)"),
    "first_period": ("2025-07-01", "Kỳ báo cáo đầu tiên (chính quyền 2 cấp từ 01/7/2025)"),
    "behind_schedule_min_expected": ("10", "Chỉ xét quy tắc 2 khi lộ trình đã yêu cầu từ N% trở lên"),
    "behind_schedule_ratio": ("0.5", "Quy tắc 2: thực tế dưới tỷ lệ này của mức lộ trình là cảnh báo đỏ (0.5 = 50%)"),
    "request_answer_days": ("30", "Quy tắc 5: kiến nghị chưa được trả lời quá N ngày là cảnh báo đỏ"),
    "grade_a_min_score": ("90", "Điểm tối thiểu xếp loại A"),
    "grade_b_min_score": ("80", "Điểm tối thiểu xếp loại B"),
    "grade_c_min_score": ("70", "Điểm tối thiểu xếp loại C"),
    "grade_d_min_score": ("50", "Điểm tối thiểu xếp loại D (dưới mức này: E)"),
    "weight_completion": ("0.4", "Trọng số tỷ lệ hoàn thành nhiệm vụ"),
    "weight_kpi": ("0.3", "Trọng số tỷ lệ chỉ tiêu đúng tiến độ"),
    "weight_timeliness": ("0.2", "Trọng số báo cáo đúng hạn"),
    "weight_flags": ("0.1", "Trọng số không có cảnh báo đỏ"),
    "session_hours": ("8", "Phiên đăng nhập trên web kéo dài N giờ (qua tải lại trang, dấu trang, thẻ mới)"),
    "read_requires_sign_in": ("false", "Xem bảng điều hành có cần đăng nhập không (true/false)"),
    "max_evidence_mb": ("10", "Dung lượng tối đa của một tệp minh chứng (MB)"),
    "max_unzipped_mb": ("150", "Dung lượng tối đa khi giải nén một tệp Excel tải lên (MB; chặn tệp 'zip bomb')"),
    "max_sheet_rows": ("200000", "Số dòng tối đa của một trang trong tệp Excel tải lên (tệp năm toàn tỉnh: 136.800 dòng)"),
    "reader_memory_mb": ("2048", "Bộ nhớ tối đa (MB) của tiến trình riêng đọc một tệp Excel tải lên"),
    "reader_timeout_seconds": ("60", "Thời gian tối đa (giây) để đọc một tệp Excel tải lên"),
    value_rules.MAX_TEXT_CHARS_SETTING: (str(value_rules.DEFAULT_MAX_TEXT_CHARS),
                                         "Số ký tự tối đa của một ô văn bản trong tệp nhập (minh chứng, khó khăn, "
                                         "kiến nghị, ghi chú, nội dung kế hoạch)"),
}


def setting(con: duckdb.DuckDBPyConnection, key: str) -> str:
    """A setting's stored value, or its default from DEFAULT_SETTINGS (one place for both)."""
    rows = con.execute("select value from settings where key = ?", [key]).fetchall()
    return rows[0][0] if rows and rows[0][0] is not None else DEFAULT_SETTINGS[key][0]


def number_setting(con: duckdb.DuckDBPyConnection, key: str) -> float:
    """A numeric setting; a value that is not a positive number falls back to the default."""
    try:
        value = float(setting(con, key))
    except ValueError:
        value = float("nan")
    return value if value > 0 else float(DEFAULT_SETTINGS[key][0])
