"""The layout keeps its design: no import cycle inside nq57/, no file too long to read, and the
core never imports Streamlit (pages/ and components/ do; benchmarks/pages.py times them)."""
from __future__ import annotations

import ast
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CORE = PROJECT / "nq57"
MAX_LINES = 400
# Cycles still to break, each with the work that breaks it (none left: the view order that db and
# snapshots both need lives in nq57/views.py).
KNOWN_CYCLES: set[frozenset[str]] = set()


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, modules: set[str]) -> set[str]:
    """The nq57 modules a file imports, at the top or inside a function (an import cycle hidden
    in a function is still a cycle). `from nq57 import db` names the module nq57.db."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {module for module in found if module in modules and module != name}


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in CORE.rglob("*.py")}
    return {name: imported(path, set(files)) for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected set of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_function_level_imports():
    graph = import_graph()
    assert cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    assert "nq57.pack" in graph["nq57.cli"]              # imported inside run_pack
    assert "nq57.workbook.common" in graph["nq57.plan_import"]


def test_no_import_cycle_in_the_core():
    found = [cycle for cycle in cycles(import_graph()) if frozenset(cycle) not in KNOWN_CYCLES]
    assert not found, "import cycles: " + "; ".join(" ↔ ".join(cycle) for cycle in found)


def test_no_python_file_over_400_lines():
    too_long = {str(path.relative_to(PROJECT)): lines
                for folder in ("nq57", "components", "pages")
                for path in sorted((PROJECT / folder).rglob("*.py"))
                if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not too_long, f"over {MAX_LINES} lines, split along their jobs: {too_long}"


def test_the_core_never_imports_streamlit():
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(PROJECT)}:{node.lineno}" for name in names
                          if name.split(".")[0] == "streamlit"]
    assert not offenders, "the core imports Streamlit: " + ", ".join(offenders)


def test_every_table_on_a_page_is_drawn_through_page_style():
    """Streamlit writes "None" in an empty cell of st.dataframe; components/page_style.dataframe
    writes the Vietnamese dash instead, so no page calls st.dataframe itself."""
    direct = [f"{path.relative_to(PROJECT)}:{number}"
              for folder in ("components", "pages") for path in sorted((PROJECT / folder).rglob("*.py"))
              if path.name != "page_style.py"
              for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
              if ".dataframe(" in line and "page_style.dataframe(" not in line]
    assert not direct, "st.dataframe called directly (an empty cell reads 'None'): " + ", ".join(direct)


def test_a_moment_is_formatted_in_one_place():
    """The tables' "dd/mm/yyyy hh:mm" was written out on four pages (an empty one read "" on some,
    "—" on others); nq57/vnformat.vn_datetime says it once."""
    written = [f"{path.relative_to(PROJECT)}:{number}"
               for folder in ("components", "pages") for path in sorted((PROJECT / folder).rglob("*.py"))
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if "%d/%m/%Y %H:%M" in line]
    assert not written, "a date and time formatted by hand: " + ", ".join(written)


def test_lower_is_better_is_decided_by_the_view():
    """kpi_progress decides which KPIs are met by staying under their target (is_lower_better); a
    chart and the KPI page read it again from `direction`, missing a "≤" comparator on a rising KPI."""
    read_again = [f"{path.relative_to(PROJECT)}:{number}"
                  for folder in ("components", "pages") for path in sorted((PROJECT / folder).rglob("*.py"))
                  for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                  if '"direction"' in line or "'direction'" in line]
    assert not read_again, "a KPI's direction read outside the views: " + ", ".join(read_again)
