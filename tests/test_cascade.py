"""Plans as a cascade (issue #14): lineage resolved by document number, targets inherited by lineage
with their source, the catalogue checks, and the tasks behind a red KPI — on the seed catalogue."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from nq57 import catalogue, db
from tests.test_cli import nq57


@pytest.fixture()
def seed_path(tmp_path) -> Path:
    path = tmp_path / "seed.duckdb"
    con = duckdb.connect(str(path))
    db.create_schema(con)
    catalogue.load_catalogue(con)
    con.close()
    return path


@pytest.fixture()
def seed(seed_path):
    con = duckdb.connect(str(seed_path))
    yield con
    con.close()


def targets_of(con, unit_id: str, kpi_id: str | None = None):
    frame = db.query_view(con, "effective_targets", filters={"unit_id": unit_id})
    return frame if kpi_id is None else frame[frame["kpi_id"] == kpi_id]


def test_the_tree_holds_every_directive_the_five_seeds_cite(seed):
    chain = db.query_view(seed, "plan_lineage", as_of="2025-12-31")
    numbers = set(chain["doc_number"].dropna())
    assert {"57-NQ/TW", "71/NQ-CP", "469-KH/TU", "92/KH-UBND", "480-KH/TU", "02-KH/BCĐTW", "06-TB/BCĐTW",
            "07-TB/CQTTBCĐ", "02-KH/BCĐ", "10-KH/ĐU", "47/KH-UBND", "5074/VPCP-KGVX"} <= numbers
    parents = chain.groupby("node_id")["parent_id"].apply(lambda p: set(p.dropna()))
    assert parents["tw-57"] == set()  # the top
    assert parents["nha-bich-nq57"] == {"tw-57", "cp-71", "tu-469", "ubnd-92", "nha-bich-du-10"}  # all five
    assert parents["tam-phuoc-kh92"] == {"ubnd-92", "tu-469"}
    assert parents["binh-long-bcd02"] == {"dn-bcd-02"}  # not itself: "Số 02 -KH/BCĐ" is its own number
    assert parents["phuoc-an-tb07"] == {"dn-bcd-02", "cqtt-07"}  # the province's 02-KH/BCĐ, not Bình Long's
    nodes = chain.drop_duplicates("node_id").set_index("node_id")
    assert nodes.loc["binh-long-bcd02", "doc_number"] == "02-KH/BCĐ"
    assert nodes.loc["tw-57", "depth"] == 0 and nodes.loc["nha-bich-nq57", "depth"] == 3  # via 92 → 71 → 57
    assert nodes.loc["nha-bich-nq57", "tasks_total"] == 54 and nodes.loc["nha-bich-nq57", "targets_total"] == 42
    assert nodes.loc["tu-469", "level_label"] == "Tỉnh ủy"


def test_tam_phuoc_own_100_percent_wins_over_the_inherited_one(seed):
    own = targets_of(seed, "phuong-tam-phuoc", "tthc-phi-dia-gioi")
    assert list(zip(own["target_source"], own["target_value"], own["horizon"])) == [("own", 100.0, 2025)]
    # even where its plan also implements 02-KH/BCĐ (whose assumed target is ≥ 70%), its own target wins
    seed.execute("update plans set implements = list_append(implements, '02-KH/BCĐ') where plan_id = 'tam-phuoc-kh92'")
    own = targets_of(seed, "phuong-tam-phuoc", "tthc-phi-dia-gioi")
    assert list(zip(own["target_source"], own["target_value"])) == [("own", 100.0)]
    assert "giả định" in own.iloc[0]["target_source_label"]  # the plan states no date: said where the source is
    inherited = targets_of(seed, "phuong-tam-phuoc", "vneid")
    assert list(inherited["target_source"]) == ["assumption"] and list(inherited["target_value"]) == [60.0]


def test_binh_long_targets_are_binh_long_own_and_the_province_holds_them_by_a_labelled_assumption(seed):
    binh_long = targets_of(seed, "phuong-binh-long")
    assert set(binh_long["plan_id"]) == {"binh-long-bcd02"} and set(binh_long["target_source"]) == {"own"}
    phuoc_an = targets_of(seed, "xa-phuoc-an")  # its plan implements 02-KH/BCĐ
    assert set(phuoc_an["target_source"]) == {"assumption"} and set(phuoc_an["plan_id"]) == {"dn-bcd-02"}
    label = phuoc_an.iloc[0]["target_source_label"]
    assert label.startswith("Giả định") and "Bình Long" in label and "02-KH/BCĐ" in label
    kpis = db.query_view(seed, "kpi_progress", as_of="2025-12-31", filters={"unit_id": "xa-phuoc-an"})
    assert set(kpis["target_source"]) == {"assumption"}


def test_a_unit_inherits_only_by_lineage(seed):
    # Nha Bích's plan implements province documents that set no targets: only its own
    assert set(targets_of(seed, "xa-nha-bich")["target_source"]) == {"own"}
    # a commune without a plan in the catalogue is held to nothing
    assert targets_of(seed, "xa-tan-an").empty


def test_target_cascade_answers_for_one_kpi_from_the_top_level_down(seed):
    cascade = db.query_view(seed, "target_cascade", as_of="2025-12-31", filters={"kpi_id": "tthc-phi-dia-gioi"})
    by_unit = cascade[cascade["horizon"] == 2025].set_index("unit_id")
    assert set(by_unit.index) == {"dong-nai", "xa-phuoc-an", "phuong-binh-long", "phuong-tam-phuoc"}
    assert by_unit.loc["xa-phuoc-an", "source_level"] == "bcd_tinh" and by_unit.loc["xa-phuoc-an", "is_top_level"]
    assert by_unit.loc["phuong-tam-phuoc", "target_label"] == "100%" and not by_unit.loc["phuong-tam-phuoc", "is_top_level"]
    assert by_unit.loc["xa-phuoc-an", "target_label"] == "≥ 70%"
    assert set(cascade.loc[cascade["horizon"] == 2030, "unit_id"]) == {"xa-nha-bich"}


def test_check_catalogue_reports_the_early_deadlines_and_a_backwards_path(seed_path):
    result = nq57("check-catalogue", db=seed_path)
    assert result.returncode == 0, result.stderr  # warnings only
    lines = result.stdout.splitlines()
    early = [line for line in lines if "trước" in line and "PL7" in line]
    assert len(early) == 1 and "phuoc-an-tb07" in early[0] and "20/11/2025" in early[0]
    assert any("tam-phuoc-kh92" in line and "3.01" in line and "23/10/2025" in line for line in lines)
    assert not any("đi lùi" in line for line in lines)
    assert not any("PL7: Nhiệm vụ PL7" in line for line in lines)  # the item said once
    # Phước An sets ≥ 80% by 2030 for re-using digitised data, after 100% by 2025 inherited: backwards
    con = duckdb.connect(str(seed_path))
    con.execute("insert into targets (plan_id, unit_id, kpi_id, horizon, comparator, target_value, target_unit, "
                "due_date, raw_text) values ('phuoc-an-tb07', 'xa-phuoc-an', 'tai-su-dung-du-lieu', 2030, '>=', 80, "
                "'%', date '2030-12-31', '≥ 80%')")
    con.close()
    backwards = [line for line in nq57("check-catalogue", db=seed_path).stdout.splitlines() if "đi lùi" in line]
    assert len(backwards) == 1
    assert "xã Phước An" in backwards[0] and "100% năm 2025" in backwards[0] and "≥ 80% năm 2030" in backwards[0]


def test_check_catalogue_warns_of_a_number_that_matches_nothing_and_fails_on_a_cycle(seed_path):
    con = duckdb.connect(str(seed_path))
    con.execute("update plans set implements = list_append(implements, '999/KH-UBND') where plan_id = 'tam-phuoc-kh92'")
    con.close()
    result = nq57("check-catalogue", db=seed_path)
    assert result.returncode == 0
    assert any("999/KH-UBND" in line and "không khớp" in line for line in result.stdout.splitlines())
    con = duckdb.connect(str(seed_path))
    con.execute("update documents set implements = ['71/NQ-CP'] where doc_id = 'tw-57'")  # 57 ↔ 71
    con.close()
    result = nq57("check-catalogue", db=seed_path)
    assert result.returncode == 1
    assert any(line.startswith("Lỗi") and "57-NQ/TW" in line for line in result.stdout.splitlines())


def test_seeded_task_kpis_follow_the_plan_text(seed):
    links = set(map(tuple, seed.execute("select task_id, kpi_id from task_kpis").fetchall()))
    assert {("tam-phuoc-kh92:1.02", "tthc-phi-dia-gioi"), ("tam-phuoc-kh92:1.03", "cbcc-su-dung-qlvb"),
            ("nha-bich-nq57:36", "dvc-toan-trinh"), ("nha-bich-nq57:44", "tthc-phi-dia-gioi")} <= links
    tasks = {row[0] for row in seed.execute("select task_id from tasks").fetchall()}
    kpis = {row[0] for row in seed.execute("select kpi_id from kpis").fetchall()}
    assert all(task in tasks and kpi in kpis for task, kpi in links)
