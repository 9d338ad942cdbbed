"""Tests for nq57.textparse against the spellings found in the five seed plans."""

import dataclasses
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest

# Allow running pytest from any directory without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nq57.textparse import (  # noqa: E402
    Deadline,
    Target,
    fold_diacritics,
    normalize_text,
    parse_deadline,
    parse_target,
    parse_vn_number,
)

D = date


# ---------------------------------------------------------------------------
# Careless-typing variants
# ---------------------------------------------------------------------------

def _upper(s):
    return s.upper()


def _folded(s):
    return fold_diacritics(s)


def _nfd(s):
    return unicodedata.normalize("NFD", s)


def _spaces(s):
    # Doubled, non-breaking and line-break whitespace where there was a space.
    return "  " + s.replace(" ", " \u00a0 \n") + " \t"


def _trailing_dot(s):
    return s + "."


VARIANTS = [_upper, _folded, _nfd, _spaces, _trailing_dot]
VARIANT_IDS = ["upper", "folded", "nfd", "spaces", "dot"]


# ---------------------------------------------------------------------------
# Deadlines
# ---------------------------------------------------------------------------

# (text, kind, due_date, precision, recurrence, start_date, note)
# Spellings exactly as extracted in the seeds, PDF line breaks included.
SEED_DEADLINES = [
    # 003 (province plan): dates
    ("15/06/2025", "date", D(2025, 6, 15), "day", None, None, None),
    ("30/06/2025", "date", D(2025, 6, 30), "day", None, None, None),
    ("30/09/2025", "date", D(2025, 9, 30), "day", None, None, None),
    ("31/12/2025", "date", D(2025, 12, 31), "day", None, None, None),
    # 000 (Phước An) appendix cells
    ("Tháng\n11/2025", "date", D(2025, 11, 30), "month", None, None, None),
    ("Tháng\n9/2025", "date", D(2025, 9, 30), "month", None, None, None),
    ("Quý\nIV/2025", "date", D(2025, 12, 31), "quarter", None, None, None),
    ("Thường\nxuyên", "recurring", None, None, "continuous", None, None),
    # 000 prose "Thời gian hoàn thành: …"
    ("Thực hiện thường xuyên, hàng ngày.", "recurring", None, None, "daily", None, None),
    ("Thực hiện thường xuyên.", "recurring", None, None, "continuous", None, None),
    ("Theo chỉ đạo, hướng dẫn của các bộ, ngành Trung \n\nương và của tỉnh.",
     "conditional", None, None, None, None, None),
    ("Quý IV/2025 (theo lộ trình hướng dẫn của tỉnh).", "date", D(2025, 12, 31), "quarter", None, None,
     "theo lộ trình hướng dẫn của tỉnh"),
    ("Quý IV/2025 (theo tiến độ thực hiện tại các nhiệm \n\nvụ được giao trong các văn bản chỉ đạo nêu trên).",
     "date", D(2025, 12, 31), "quarter", None, None,
     "theo tiến độ thực hiện tại các nhiệm vụ được giao trong các văn bản chỉ đạo nêu trên"),
    ("Quý IV/2025 (theo lộ trình hướng dẫn của các cơ \n\nquan Trung ương và của tỉnh).",
     "date", D(2025, 12, 31), "quarter", None, None,
     "theo lộ trình hướng dẫn của các cơ quan Trung ương và của tỉnh"),
    ("Quý IV/2025 (theo lộ trình các nhiệm vụ được giao).", "date", D(2025, 12, 31), "quarter", None, None,
     "theo lộ trình các nhiệm vụ được giao"),
    # 001 (Nha Bích) appendix II cells
    ("Năm 2025", "date", D(2025, 12, 31), "year", None, None, None),
    ("Năm 2025 \nvà các năm \ntiếp theo", "recurring", None, None, "yearly", D(2025, 1, 1), None),
    ("Năm 2026 \nvà các năm \ntiếp theo", "recurring", None, None, "yearly", D(2026, 1, 1), None),
    ("Năm 2025, \ncác năm tiếp \ntheo", "recurring", None, None, "yearly", D(2025, 1, 1), None),
    ("Thường \nxuyên", "recurring", None, None, "continuous", None, None),
    ("Khi Trung \nương, tỉnh \ncó hướng \ndẫn", "conditional", None, None, None, None, None),
    ("Quý IV, \n2025", "date", D(2025, 12, 31), "quarter", None, None, None),
    ("Qúy IV, \n2025", "date", D(2025, 12, 31), "quarter", None, None, None),
    # 004 (Tam Phước) appendix cells
    ("Thường xuyên", "recurring", None, None, "continuous", None, None),
    ("Triển khai \ntheo hướng \ndẫn của cấp \ntrên", "conditional", None, None, None, None, None),
    ("Hoàn thành \ntrong quý \nIII/2025", "date", D(2025, 9, 30), "quarter", None, None, None),
    ("Hoàn thành \ntrong năm \n2025", "date", D(2025, 12, 31), "year", None, None, None),
    ("Định kỳ hàng \nquý", "recurring", None, None, "quarterly", None, None),
    # 002 (Bình Long) dated objectives, and 003's reporting rule
    ("trước ngày 01/01/2026", "date", D(2025, 12, 31), "day", None, None, None),
    # A date that already closes a period keeps its day (see _before in the module).
    ("trước ngày 31/12/2030", "date", D(2030, 12, 31), "day", None, None, None),
    ("trước ngày 15 hàng tháng", "recurring", None, None, "monthly", None, None),
]

# The same spellings on one line, as the brief and DOMAIN.md write them.
CLEAN_DEADLINES = [
    ("Tháng 11/2025", "date", D(2025, 11, 30), "month", None, None, None),
    ("Tháng 9/2025", "date", D(2025, 9, 30), "month", None, None, None),
    ("Quý IV/2025", "date", D(2025, 12, 31), "quarter", None, None, None),
    ("Quý IV, 2025", "date", D(2025, 12, 31), "quarter", None, None, None),
    ("Qúy IV, 2025", "date", D(2025, 12, 31), "quarter", None, None, None),
    ("Hoàn thành trong quý III/2025", "date", D(2025, 9, 30), "quarter", None, None, None),
    ("Hoàn thành trong năm 2025", "date", D(2025, 12, 31), "year", None, None, None),
    ("Năm 2025 và các năm tiếp theo", "recurring", None, None, "yearly", D(2025, 1, 1), None),
    ("Năm 2025, các năm tiếp theo", "recurring", None, None, "yearly", D(2025, 1, 1), None),
    ("Năm 2026 và các năm tiếp theo", "recurring", None, None, "yearly", D(2026, 1, 1), None),
    ("Thực hiện thường xuyên", "recurring", None, None, "continuous", None, None),
    ("Thực hiện thường xuyên, hàng ngày", "recurring", None, None, "daily", None, None),
    ("Định kỳ hàng quý", "recurring", None, None, "quarterly", None, None),
    ("Khi Trung ương, tỉnh có hướng dẫn", "conditional", None, None, None, None, None),
    ("Theo chỉ đạo, hướng dẫn của các bộ, ngành Trung ương và của tỉnh.",
     "conditional", None, None, None, None, None),
    ("Triển khai theo hướng dẫn của cấp trên", "conditional", None, None, None, None, None),
    ("Quý IV/2025 (theo lộ trình hướng dẫn của tỉnh)", "date", D(2025, 12, 31), "quarter", None, None,
     "theo lộ trình hướng dẫn của tỉnh"),
    ("Quý IV/2025 (theo tiến độ thực hiện tại các nhiệm vụ được giao trong các văn bản chỉ đạo nêu trên)",
     "date", D(2025, 12, 31), "quarter", None, None,
     "theo tiến độ thực hiện tại các nhiệm vụ được giao trong các văn bản chỉ đạo nêu trên"),
    ("Quý IV/2025 (theo lộ trình hướng dẫn của các cơ quan Trung ương và của tỉnh)",
     "date", D(2025, 12, 31), "quarter", None, None,
     "theo lộ trình hướng dẫn của các cơ quan Trung ương và của tỉnh"),
]

# Other spellings the brief requires.
OTHER_DEADLINES = [
    ("30/9/2025", "date", D(2025, 9, 30), "day", None, None, None),
    ("15-06-2025", "date", D(2025, 6, 15), "day", None, None, None),
    ("15.06.2025", "date", D(2025, 6, 15), "day", None, None, None),
    ("ngày 15/6/2025", "date", D(2025, 6, 15), "day", None, None, None),
    ("ngày 15 tháng 6 năm 2025", "date", D(2025, 6, 15), "day", None, None, None),
    ("Hoàn thành trước ngày 01/03/2024", "date", D(2024, 2, 29), "day", None, None, None),
    ("trước ngày 15/06/2025", "date", D(2025, 6, 14), "day", None, None, None),
    ("Thời gian hoàn thành: Quý IV/2025", "date", D(2025, 12, 31), "quarter", None, None, None),
    ("tháng 11 năm 2025", "date", D(2025, 11, 30), "month", None, None, None),
    ("Tháng 2/2024", "date", D(2024, 2, 29), "month", None, None, None),
    ("11/2025", "date", D(2025, 11, 30), "month", None, None, None),
    ("Quý 4/2025", "date", D(2025, 12, 31), "quarter", None, None, None),
    ("quý IV năm 2025", "date", D(2025, 12, 31), "quarter", None, None, None),
    ("Quý I/2026", "date", D(2026, 3, 31), "quarter", None, None, None),
    ("Quý II - 2026", "date", D(2026, 6, 30), "quarter", None, None, None),
    ("quy iv/2025", "date", D(2025, 12, 31), "quarter", None, None, None),
    ("Quy IV/2025", "date", D(2025, 12, 31), "quarter", None, None, None),
    ("thang 11/2025", "date", D(2025, 11, 30), "month", None, None, None),
    ("trong năm 2025", "date", D(2025, 12, 31), "year", None, None, None),
    ("Thuong xuyen", "recurring", None, None, "continuous", None, None),
    ("hàng tháng", "recurring", None, None, "monthly", None, None),
    ("hằng năm", "recurring", None, None, "yearly", None, None),
    ("hàng năm", "recurring", None, None, "yearly", None, None),
    ("Định kỳ hàng tháng", "recurring", None, None, "monthly", None, None),
    ("Năm 2025, 2026 và các năm tiếp theo", "recurring", None, None, "yearly", D(2025, 1, 1), None),
    ("Khi có yêu cầu", "conditional", None, None, None, None, None),
    ("Theo hướng dẫn của tỉnh", "conditional", None, None, None, None, None),
]

ALL_DEADLINES = SEED_DEADLINES + CLEAN_DEADLINES + OTHER_DEADLINES


def _deadline_key(d):
    return (d.kind, d.due_date, d.precision, d.recurrence, d.start_date)


@pytest.mark.parametrize("text,kind,due,precision,recurrence,start,note", ALL_DEADLINES,
                         ids=[repr(c[0]) for c in ALL_DEADLINES])
def test_deadline(text, kind, due, precision, recurrence, start, note):
    d = parse_deadline(text)
    assert _deadline_key(d) == (kind, due, precision, recurrence, start)
    assert d.note == note
    assert d.raw == text


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("text,kind,due,precision,recurrence,start,note", ALL_DEADLINES,
                         ids=[repr(c[0]) for c in ALL_DEADLINES])
def test_deadline_careless_variants(text, kind, due, precision, recurrence, start, note, variant):
    typed = variant(text)
    d = parse_deadline(typed)
    assert _deadline_key(d) == (kind, due, precision, recurrence, start)
    if note is None:
        assert d.note is None
    else:
        assert fold_diacritics(d.note) == fold_diacritics(note)
    assert d.raw == typed


UNKNOWN_DEADLINES = [
    "",
    "   ",
    "sớm",
    "20230",
    "Quý V/2025",
    "13/2025",
    "Tháng 13/2025",
    "31/02/2025",
    "32/12/2025",
    "15/06/20230",
    "Năm 20230",
    "Quý IV/20230",
    "Quý IV",
    "Năm 2025 - 2030",
    "6 tháng cuối năm 2025",
    "hàng tuần",
    "Định kỳ",
    "trước ngày 15 của tháng cuối Quý",
    "(theo lộ trình hướng dẫn của tỉnh)",
]


@pytest.mark.parametrize("text", UNKNOWN_DEADLINES)
def test_deadline_unknown_keeps_raw(text):
    d = parse_deadline(text)
    assert d.kind == "unknown"
    assert d.due_date is None and d.start_date is None
    assert d.recurrence is None and d.precision is None
    assert d.raw == text


def test_deadline_to_json():
    d = parse_deadline("Quý IV/2025 (theo lộ trình hướng dẫn của tỉnh)")
    assert d.to_json() == {
        "kind": "date",
        "due_date": "2025-12-31",
        "start_date": None,
        "recurrence": None,
        "precision": "quarter",
        "note": "theo lộ trình hướng dẫn của tỉnh",
        "raw": "Quý IV/2025 (theo lộ trình hướng dẫn của tỉnh)",
    }
    r = parse_deadline("Năm 2026 và các năm tiếp theo").to_json()
    assert r["kind"] == "recurring" and r["start_date"] == "2026-01-01" and r["due_date"] is None
    assert r["recurrence"] == "yearly"


def test_deadline_is_frozen():
    d = parse_deadline("Năm 2025")
    assert isinstance(d, Deadline)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.kind = "unknown"


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------

# (text, [(comparator, value, unit, per_year, due_date, horizon), ...])
NHA_BICH_RESULTS = [
    # Appendix I, "Kết quả" column, as extracted
    ("Tốp 25 của \ntỉnh", [("rank<=", 25, "thứ bậc", False, None, None)]),
    ("Tốp 20 của \ntỉnh", [("rank<=", 20, "thứ bậc", False, None, None)]),
    ("≥  20%", [(">=", 20, "%", False, None, None)]),
    ("≥  50%", [(">=", 50, "%", False, None, None)]),
    ("≥  60%", [(">=", 60, "%", False, None, None)]),
    ("≥  2", [(">=", 2, None, False, None, None)]),
    ("≥1", [(">=", 1, None, False, None, None)]),
    ("≥10%", [(">=", 10, "%", False, None, None)]),
    ("≥ 20%", [(">=", 20, "%", False, None, None)]),
    ("≥ 2", [(">=", 2, None, False, None, None)]),
    ("≥ 2%", [(">=", 2, "%", False, None, None)]),
    ("≥ 60%", [(">=", 60, "%", False, None, None)]),
    ("≥ 80%", [(">=", 80, "%", False, None, None)]),
    ("≥ 90%", [(">=", 90, "%", False, None, None)]),
    ("100%", [("=", 100, "%", False, None, None)]),
    ("100%.", [("=", 100, "%", False, None, None)]),
    ("≥ 80%.", [(">=", 80, "%", False, None, None)]),
    ("≥ 90%.", [(">=", 90, "%", False, None, None)]),
    ("≥ 25%.", [(">=", 25, "%", False, None, None)]),
    ("≥ 3%.", [(">=", 3, "%", False, None, None)]),
    ("≥ 30 người", [(">=", 30, "người", False, None, None)]),
    ("≥ 20 người", [(">=", 20, "người", False, None, None)]),
    ("≥ 15", [(">=", 15, None, False, None, None)]),
    # Appendix II task texts carrying a number
    ("Phấn đấu bố trí tỷ lệ phù hợp cán bộ chuyên môn, kinh \nnghiệm về khoa học kỹ thuật trong đội ngũ "
     "lãnh đạo hướng \ntới tối thiểu 25%", [(">=", 25, "%", False, None, None)]),
    # "năm 20230" is a typo for 2030: the target is kept, undated, never guessed.
    ("Tỷ lệ chi ngân sách của xã cho phát triển khoa học, công nghệ, \nđổi mới sáng tạo, chuyển đổi số "
     "đến năm 20230 đạt ≥ 2%/năm", [(">=", 2, "%", True, None, None)]),
    ("Thực hiện số hóa quy trình nghiệp vụ nội bộ, hồ sơ tài liệu, \nkết quả giải quyết TTHC; tái sử dụng "
     "100% dữ liệu đã số \nhóa", [("=", 100, "%", False, None, None)]),
]

BINH_LONG_RESULTS = [
    ("- Có ≥ 70% thủ tục hành chính được tiếp nhận, giải quyết phi địa giới hành chính \n\ngiữa Trung ương "
     "và địa phương, giữa các cấp chính quyền trước ngày 01/01/2026. ",
     [(">=", 70, "%", False, D(2025, 12, 31), 2025)]),
    ("- Có 100% thủ tục hành chính liên quan đến đào tạo, nghiên cứu, sản xuất, kinh \n\ndoanh được thực "
     "hiện trực tuyến trước ngày 01/01/2026. ",
     [("=", 100, "%", False, D(2025, 12, 31), 2025)]),
    ("- Hoàn thành số hóa hồ sơ, kết quả giải quyết thủ tục hành chính; tái sử dụng \n\n100% dữ liệu đã "
     "số hóa để cắt giảm tối đa thủ tục hành chính và chi phí tuân thủ cho \n\nngười dân, doanh nghiệp "
     "trước ngày 01/01/2026. ",
     [("=", 100, "%", False, D(2025, 12, 31), 2025)]),
    ("- Có ≥ 80% dịch vụ công trực tuyến toàn trình trên tổng số thủ tục hành chính \n\nđủ điều kiện "
     "trước ngày 01/01/2026, tiến tới 100% trước ngày 31/12/2030. ",
     [(">=", 80, "%", False, D(2025, 12, 31), 2025), (">=", 100, "%", False, D(2030, 12, 31), 2030)]),
    ("- Có ≥ 70% hồ sơ thủ tục hành chính xử lý trực tuyến trước ngày 01/01/2026. ",
     [(">=", 70, "%", False, D(2025, 12, 31), 2025)]),
    ("- Có ≥ 60% người dân trên địa bàn phường có tài khoản định danh điện tử \n\n(VNeID) trước ngày "
     "01/01/2026.  ",
     [(">=", 60, "%", False, D(2025, 12, 31), 2025)]),
    # The "≥" of the list head carries over to "60% thành viên".
    ("- Có ≥ 80% cán bộ, công chức phường, 60% thành viên Tổ công nghệ số cộng \n\nđồng được bồi dưỡng "
     "kỹ năng số căn bản trước ngày 01/01/2026, tiến tới 100% trước \n\nngày 31/12/2026. ",
     [(">=", 80, "%", False, D(2025, 12, 31), 2025), (">=", 60, "%", False, D(2025, 12, 31), 2025),
      (">=", 100, "%", False, D(2026, 12, 31), 2026)]),
    ("hoàn thành 100% nhiệm vụ \n\nđúng hạn, chất lượng, thực chất theo chỉ tiêu giao.",
     [("=", 100, "%", False, None, None)]),
    ("- Đảm bảo 100% cán bộ khai thác dữ liệu từ VNeID, CSDL dân cư để thực hiện",
     [("=", 100, "%", False, None, None)]),
    ("- Tỷ lệ hoàn thành thấp hơn 50% so với lộ trình thời gian. ",
     [("<", 50, "%", False, None, None)]),
]

TAM_PHUOC_RESULTS = [
    ("Thúc đẩy giao dịch \nkhông dùng tiền mặt \n(Tỷ lệ >90%).", [(">", 90, "%", False, None, None)]),
    ("Tăng tỷ lệ dân số từ \n15 tuổi trở lên có tài \nkhoản giao dịch \nngân hàng (>95%)",
     [(">", 95, "%", False, None, None)]),
    ("Tăng tỷ lệ dân số \ntrưởng thành có chữ \nký số/chữ ký điện tử \ncá nhân (>70%)",
     [(">", 70, "%", False, None, None)]),
    ("Tỷ lệ người dân có \nhồ sơ sức khỏe điện \ntử (>95%) và tiếp \ncận khám bệnh từ xa \n(>90%).",
     [(">", 95, "%", False, None, None), (">", 90, "%", False, None, None)]),
    ("Đảm bảo 100% việc tiếp \nnhận và giải quyết \nTTHC liên thông, không \nphụ thuộc địa giới hành "
     "\nchính giữa các cấp chính \nquyền khi có yêu cầù.", [("=", 100, "%", False, None, None)]),
    ("Đảm bảo 100% cán bộ, \ncông chức sử dụng hệ \nthống quản lý văn bản, \nhồ sơ công việc điện tử",
     [("=", 100, "%", False, None, None)]),
]

PROVINCE_RESULTS = [
    ("Cập nhật bổ sung dịch vụ công trực tuyến toàn trình hàng tháng cho đến khi cung cấp đủ 100% thủ tục "
     "hành chính đủ điều kiện thực hiện dịch vụ công trực tuyến toàn trình",
     [("=", 100, "%", False, None, None)]),
]

# Brief and DOMAIN.md spellings.
OTHER_TARGETS = [
    ("≥  20%", [(">=", 20, "%", False, None, None)]),
    (">= 20 %", [(">=", 20, "%", False, None, None)]),
    ("Tốp 25 của tỉnh", [("rank<=", 25, "thứ bậc", False, None, None)]),
    ("Top 25", [("rank<=", 25, "thứ bậc", False, None, None)]),
    ("tốp 20 của tỉnh", [("rank<=", 20, "thứ bậc", False, None, None)]),
    ("Top 25 cua tinh", [("rank<=", 25, "thứ bậc", False, None, None)]),
    (">90%", [(">", 90, "%", False, None, None)]),
    ("(Tỷ lệ >90%)", [(">", 90, "%", False, None, None)]),
    ("(>95%)", [(">", 95, "%", False, None, None)]),
    ("(>95%) và tiếp cận khám bệnh từ xa (>90%)",
     [(">", 95, "%", False, None, None), (">", 90, "%", False, None, None)]),
    ("≥ 2%/năm", [(">=", 2, "%", True, None, None)]),
    ("≥ 2% / năm", [(">=", 2, "%", True, None, None)]),
    ("≤ 5%", [("<=", 5, "%", False, None, None)]),
    ("<= 5", [("<=", 5, None, False, None, None)]),
    ("< 3", [("<", 3, None, False, None, None)]),
    ("= 100%", [("=", 100, "%", False, None, None)]),
    ("tối thiểu 25%", [(">=", 25, "%", False, None, None)]),
    ("ít nhất 30 người", [(">=", 30, "người", False, None, None)]),
    ("trên 90%", [(">", 90, "%", False, None, None)]),
    ("dưới 5%", [("<", 5, "%", False, None, None)]),
    ("không quá 10%", [("<=", 10, "%", False, None, None)]),
    ("tối đa 3 DN", [("<=", 3, "DN", False, None, None)]),
    ("≥ 1 DN", [(">=", 1, "DN", False, None, None)]),
    ("2,5%", [("=", 2.5, "%", False, None, None)]),
    ("1.000 người", [("=", 1000, "người", False, None, None)]),
    ("≥ 1.234,5 người", [(">=", 1234.5, "người", False, None, None)]),
    ("đến năm 2030 đạt ≥ 2%/năm", [(">=", 2, "%", True, D(2030, 12, 31), 2030)]),
    ("Quy mô kinh tế số ≥ 50% đến năm 2045", [(">=", 50, "%", False, D(2045, 12, 31), 2045)]),
    ("Có ≥ 80% cán bộ được bồi dưỡng trước ngày 01/01/2026, tiến tới 100% trước ngày 31/12/2026",
     [(">=", 80, "%", False, D(2025, 12, 31), 2025), (">=", 100, "%", False, D(2026, 12, 31), 2026)]),
]

# Texts whose numbers are dates, ages, document numbers or speeds: no target.
NO_TARGETS = [
    "",
    "   ",
    "Nha Bích có bước phát triển mạnh mẽ, vứng chắc về khoa học, công nghệ, đổi mới \n\nsáng tạo và "
    "chuyển đổi số ",
    "Tỷ lệ người sử dụng cuối có khả năng truy cập băng thông rộng cố định với tốc độ \ntrên 01 Gb/s",
    "Dân số từ 15 tuổi trở lên có tài khoản giao dịch tại ngân hàng hoặc các tổ chức được \nphép khác ",
    "Số người thực hiện công tác nghiên cứu khoa học, phát triển công nghệ, đổi mới \nsáng tạo trên 01 vạn dân",
    "Triển khai hạ tầng Internet băng thông rộng tốc độ cao từ 1 \nGbps trở lên cho người sử dụng cuối ",
    "Xây dựng kế hoạch thực hiện Nghị quyết 57-NQ/TW và \nNghị quyết 71-NQ/TW ",
    "Nghị quyết 57",
    "Tỷ lệ phủ sóng 5G trên địa bàn",
    "Kế hoạch triển khai các nhiệm vụ thực hiện Nghị quyết số \n45-NQ/TW ngày 24/11/2023 của ban chấp hành",
    "kinh doanh năm 2025, 2026 và các năm tiếp theo",
    "chiến lược thu hút, trọng dụng nhân tài phục vụ khoa học, công nghệ, đổi mới sáng tạo và chuyển "
    "đổi số đến năm 2030, tầm nhìn 2050.",
    "theo mô hình liên kết 3 nhà",
    "Phát triển kinh tế ban đêm (theo mục 8, số thứ tự 147 của Phụ lục II kèm theo Chương trình hành động "
    "tại Nghị quyết số 71/NQ-CP ngày 01/4/2025 của Chính phủ",
    "trong tháng 6 và 06 tháng cuối năm 2025",
    "Xây dựng Kế hoạch \nchi tiết triển khai Kế \nhoạch 92/KH-\nUBND của tỉnh.",
    "Thực hiện theo Nghị định số 118/2025/NĐ-CP",
]

ALL_TARGETS = NHA_BICH_RESULTS + BINH_LONG_RESULTS + TAM_PHUOC_RESULTS + PROVINCE_RESULTS + OTHER_TARGETS


def _target_keys(targets):
    return [(t.comparator, t.value, t.unit, t.per_year, t.due_date, t.horizon) for t in targets]


@pytest.mark.parametrize("text,expected", ALL_TARGETS, ids=[repr(c[0][:60]) for c in ALL_TARGETS])
def test_target(text, expected):
    targets = parse_target(text)
    assert _target_keys(targets) == [(c, float(v), u, p, d, h) for c, v, u, p, d, h in expected]
    for t in targets:
        assert isinstance(t, Target) and isinstance(t.value, float)
        # The fragment is cut from the cell and holds the number it was read from.
        assert t.raw and t.raw in " ".join(text.split())


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("text,expected", ALL_TARGETS, ids=[repr(c[0][:60]) for c in ALL_TARGETS])
def test_target_careless_variants(text, expected, variant):
    assert _target_keys(parse_target(variant(text))) == [
        (c, float(v), u, p, d, h) for c, v, u, p, d, h in expected
    ]


@pytest.mark.parametrize("text", NO_TARGETS, ids=[repr(t[:60]) for t in NO_TARGETS])
def test_no_target(text):
    assert parse_target(text) == []


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("text", NO_TARGETS, ids=[repr(t[:60]) for t in NO_TARGETS])
def test_no_target_careless_variants(text, variant):
    assert parse_target(variant(text)) == []


def test_target_to_json():
    targets = parse_target("Có ≥ 80% dịch vụ công trước ngày 01/01/2026, tiến tới 100% trước ngày 31/12/2030.")
    assert [t.to_json() for t in targets] == [
        {"comparator": ">=", "value": 80.0, "unit": "%", "per_year": False,
         "due_date": "2025-12-31", "horizon": 2025, "raw": "≥ 80%"},
        {"comparator": ">=", "value": 100.0, "unit": "%", "per_year": False,
         "due_date": "2030-12-31", "horizon": 2030, "raw": "100%"},
    ]
    rank = parse_target("Tốp 25 của tỉnh")[0].to_json()
    assert rank == {"comparator": "rank<=", "value": 25.0, "unit": "thứ bậc", "per_year": False,
                    "due_date": None, "horizon": None, "raw": "Tốp 25"}


def test_target_is_frozen():
    t = parse_target("≥ 20%")[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.value = 30.0


def test_target_in_other_sentence_does_not_borrow_date():
    # The date belongs to the second sentence only.
    targets = parse_target("Có ≥ 70% hồ sơ xử lý trực tuyến. Có 100% TTHC trực tuyến trước ngày 01/01/2026.")
    assert _target_keys(targets) == [
        (">=", 70.0, "%", False, None, None),
        ("=", 100.0, "%", False, D(2025, 12, 31), 2025),
    ]


# ---------------------------------------------------------------------------
# Numbers and normalisation
# ---------------------------------------------------------------------------

VN_NUMBERS = [
    ("1.234,5", 1234.5),
    ("2,5", 2.5),
    ("1.000", 1000.0),
    ("80%", 80.0),
    ("12.5", 12.5),
    ("abc", None),
    ("", None),
    ("   ", None),
    ("%", None),
    (None, None),
    ("100", 100.0),
    (" 20 % ", 20.0),
    ("1.000.000", 1000000.0),
    ("1.000.000,25", 1000000.25),
    ("0,5", 0.5),
    ("1 000", 1000.0),
    ("1\u00a0000", 1000.0),
    ("1,234.5", 1234.5),
    ("-3", -3.0),
    ("+2,5%", 2.5),
    ("2025", 2025.0),
    ("≥ 20", None),
    ("1.2.3", None),
    ("12,5,6", None),
    ("20 người", None),
]


@pytest.mark.parametrize("text,expected", VN_NUMBERS)
def test_parse_vn_number(text, expected):
    assert parse_vn_number(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("  Qúy  IV,\n2025 ", "quý iv, 2025"),
    ("Phòng Văn hóa – Xã hội", "phòng văn hóa - xã hội"),
    ("Phòng Văn hóa — Xã hội", "phòng văn hóa - xã hội"),
    (unicodedata.normalize("NFD", "Thường xuyên"), "thường xuyên"),
    ("Năm\u00a02025\tvà\r\ncác năm", "năm 2025 và các năm"),
    ("Thường\u200bxuyên", "thườngxuyên"),
    ("", ""),
])
def test_normalize_text(text, expected):
    assert normalize_text(text) == expected
    assert unicodedata.is_normalized("NFC", normalize_text(text))


@pytest.mark.parametrize("text,expected", [
    ("Định kỳ hàng quý", "dinh ky hang quy"),
    ("Đồng Nai", "dong nai"),
    ("THƯỜNG XUYÊN", "thuong xuyen"),
    ("Qúy IV, 2025", "quy iv, 2025"),
    (unicodedata.normalize("NFD", "Hoàn thành trong năm 2025"), "hoan thanh trong nam 2025"),
    ("Tốp 25 của tỉnh ≥ 20%", "top 25 cua tinh ≥ 20%"),
])
def test_fold_diacritics(text, expected):
    assert fold_diacritics(text) == expected
