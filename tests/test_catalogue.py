"""The seed catalogue against the plans themselves: counts, wording, parsed deadlines."""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from nq57 import catalogue, db
from nq57.catalogue import build_catalogue, resolve_office


@pytest.fixture(scope="module")
def seeds():
    return build_catalogue()


@pytest.fixture()
def loaded(tmp_path):
    con = duckdb.connect(str(tmp_path / "seed.duckdb"))
    db.create_schema(con)
    catalogue.load_catalogue(con)
    yield con
    con.close()


def tasks_of(seeds, plan_id):
    return seeds.tasks[seeds.tasks["plan_id"] == plan_id]


def targets_of(seeds, plan_id, horizon=None):
    frame = seeds.targets[seeds.targets["plan_id"] == plan_id]
    return frame if horizon is None else frame[frame["horizon"] == horizon]


def test_95_communes_and_wards(seeds):
    units = seeds.units
    assert (units["kind"] == "ward").sum() == 23
    assert (units["kind"] == "commune").sum() == 72
    assert units["unit_id"].is_unique
    names = set(units["name"])
    assert {"xã Phước An", "xã Nha Bích", "phường Bình Long", "phường Tam Phước", "xã Lộc Thạnh", "xã Lộc Thành"} <= names


def test_nha_bich_54_tasks_30_targets_for_2030_and_12_for_2045(seeds):
    assert len(tasks_of(seeds, "nha-bich-nq57")) == 54
    assert tasks_of(seeds, "nha-bich-nq57")["group_no"].nunique() == 8
    rows_2030 = targets_of(seeds, "nha-bich-nq57", 2030)
    rows_2045 = targets_of(seeds, "nha-bich-nq57", 2045)
    assert rows_2030["item_no"].nunique() == 30 and len(rows_2030) == 30
    assert rows_2045["item_no"].nunique() == 12 and len(rows_2045) == 12
    rank = rows_2030[rows_2030["item_no"] == "1"].iloc[0]
    assert (rank["comparator"], rank["target_value"], rank["raw_text"]) == ("rank<=", 25, "Tốp 25 của tỉnh")
    qualitative = rows_2045[rows_2045["item_no"] == "1"].iloc[0]
    assert pd.isna(qualitative["comparator"]) and "Nha Bích có bước phát triển" in qualitative["item_text"]


def test_province_plan_27_tasks_and_task_1_done_with_its_two_documents(seeds, loaded):
    tasks = tasks_of(seeds, "dn-ubnd-2025h2")
    assert len(tasks) == 27
    assert set(tasks["deadline_kind"]) == {"date"}
    assert tasks.set_index("task_no").loc["27", "content"].startswith("Xây dựng các dự án, nhiệm vụ")
    update = loaded.execute(
        "select u.status, u.evidence_ref, b.source from task_updates u join report_batches b using (batch_id) "
        "where u.task_id = 'dn-ubnd-2025h2:1'"
    ).fetchall()
    assert len(update) == 1
    status, evidence, source = update[0]
    assert status == "hoan_thanh" and source == "seed"
    assert "1393/SokHCN-CN ngày 04/6/2025" in evidence and "1544/SokHCN-CN ngày 12/6/2025" in evidence
    done = db.query_view(loaded, "task_progress", as_of="2025-07-01", filters={"task_id": "dn-ubnd-2025h2:1"})
    assert list(done["status_label"]) == ["Hoàn thành"]


def test_tam_phuoc_14_tasks_and_its_numeric_targets(seeds):
    tasks = tasks_of(seeds, "tam-phuoc-kh92")
    assert len(tasks) == 14
    assert tasks.groupby("group_no").size().to_dict() == {"1": 4, "2": 6, "3": 4}
    targets = targets_of(seeds, "tam-phuoc-kh92")
    # the five numeric targets of group 2, and the 100% of tasks 1.02 and 1.03 (issue #14)
    assert sorted(zip(targets["comparator"], targets["target_value"])) == [
        ("=", 100.0), ("=", 100.0), (">", 70.0), (">", 90.0), (">", 90.0), (">", 95.0), (">", 95.0)]
    # the plan states no date for them: a labelled assumption, not a fact
    assert set(targets["assumption_id"]) == {"khong-ghi-moc"}


def test_phuoc_an_appendix_and_key_tasks_kept_apart(seeds):
    tasks = tasks_of(seeds, "phuoc-an-tb07")
    assert (~tasks["is_key_task"]).sum() == 9 and tasks["is_key_task"].sum() == 8
    assert tasks[~tasks["is_key_task"]]["group_no"].nunique() == 5


def test_binh_long_targets_are_under_binh_long_plan(seeds):
    """Section I is written for the ward ("trên địa bàn phường"): Bình Long's own targets. The
    province steering committee holds them only as a labelled assumption (issue #14)."""
    own = targets_of(seeds, "binh-long-bcd02")
    assert set(own["unit_id"]) == {"phuong-binh-long"} and own["assumption_id"].isna().sum() == 12
    online = own[own["kpi_id"] == "dvc-toan-trinh"].set_index("horizon")
    assert online.loc[2025, "target_value"] == 80 and online.loc[2025, "due_date"] == date(2025, 12, 31)
    assert online.loc[2030, "target_value"] == 100 and online.loc[2030, "due_date"] == date(2030, 12, 31)
    teams = own[own["kpi_id"] == "to-cnscd-ky-nang-so"].set_index("horizon")
    assert teams.loc[2025, "comparator"] == ">=" and teams.loc[2025, "target_value"] == 60  # its "Có ≥" kept
    section_ii = own[own["assumption_id"] == "khong-ghi-moc"]
    assert set(section_ii["kpi_id"]) == {"nhiem-vu-dung-han", "cbcc-khai-thac-vneid", "ho-so-gan-ma-dinh-danh"}
    assumed = targets_of(seeds, "dn-bcd-02")
    assert set(assumed["unit_id"]) == {"dong-nai"} and set(assumed["assumption_id"]) == {"binh-long-la-bcd-tinh"}
    assert len(assumed) == 12 and not set(assumed["kpi_id"]) & set(section_ii["kpi_id"])


def test_one_kpi_shared_by_three_plans(seeds):
    """The share of end-to-end online public services is one KPI across the seeds."""
    targets = seeds.targets[seeds.targets["kpi_id"] == "dvc-toan-trinh"]
    tasks = seeds.tasks
    assert {"nha-bich-nq57", "binh-long-bcd02"} <= set(targets["plan_id"])
    assert tasks[(tasks["plan_id"] == "tam-phuoc-kh92") & tasks["content"].str.contains("DVC toàn trình")].shape[0] == 1


def test_every_seed_deadline_is_understood(seeds):
    unknown = seeds.tasks[seeds.tasks["deadline_kind"] == "unknown"]
    assert unknown.empty, unknown[["task_id", "deadline_text"]]
    by_text = seeds.tasks.drop_duplicates("deadline_text").set_index("deadline_text")
    assert by_text.loc["Qúy IV, 2025", "due_date"] == date(2025, 12, 31)
    assert by_text.loc["Khi Trung ương, tỉnh có hướng dẫn", "deadline_kind"] == "conditional"
    assert by_text.loc["Năm 2026 và các năm tiếp theo", "start_date"] == date(2026, 1, 1)


def test_original_wording_is_kept(seeds):
    contents = " ".join(seeds.tasks["content"])
    assert "lịp thời" in contents  # a typo of the plan, kept
    assert "năm 20230" in contents


def test_every_lead_unit_resolves_to_a_known_office(seeds):
    known = set(seeds.aliases["office_code"])
    for codes in seeds.tasks["lead_units"]:
        assert codes and set(codes) <= known


@pytest.mark.parametrize("spelling, office", [
    ("Phòng VH-XH", "phong-vhxh"),
    ("Phòng Văn hóa – Xã hội", "phong-vhxh"),
    ("phong van hoa - xa hoi", "phong-vhxh"),
    ("Trung tâm PVHCC", "ttpvhcc"),
    ("Trung tâm Phục vụ hành chính công", "ttpvhcc"),
    ("VP HĐND-UBND", "vp-hdnd-ubnd"),
    ("Văn phòng HĐND và UBND xã", "vp-hdnd-ubnd"),
    ("Sở Khoa học và Công nghệ", "so-khcn"),
])
def test_office_abbreviations_resolve_to_one_office(loaded, spelling, office):
    assert resolve_office(loaded, spelling) == office


def test_province_plan_tasks_for_localities_fall_to_every_commune(loaded):
    count = loaded.execute(
        "select count(distinct unit_id) from task_units tu join units u using (unit_id) "
        "where task_id = 'dn-ubnd-2025h2:16' and u.kind in ('ward', 'commune')"
    ).fetchone()[0]
    assert count == 95
    leads = {row[0] for row in loaded.execute(
        "select unit_id from task_units where task_id = 'dn-ubnd-2025h2:1'").fetchall()}
    assert leads == {"dong-nai/so-khcn"}


def test_init_twice_changes_nothing(loaded):
    def counts():
        return [loaded.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("units", "plans", "tasks", "task_units", "kpis", "targets", "report_batches", "task_updates")]
    before = counts()
    db.create_schema(loaded)
    catalogue.load_catalogue(loaded)
    assert counts() == before
