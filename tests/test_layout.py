"""The package's house: one subpackage per stage, imports pointing down the data flow, no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from support import ROOT

PACKAGE = ROOT / "annot"
# Lower layers never import higher ones. Modules at the top of the package (errors, files, ...) are the base.
LAYERS = {
    "base": 0,
    "labelstudio": 1,
    "corpus": 2,
    "systems": 3,
    "scoring": 3,
    "reporting": 4,
    "formats": 4,
    "comparison": 5,
    "jobs": 6,
    "api": 7,
    "cli": 8,
    "__init__": 9,
    "__main__": 9,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 2:
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 2 and parts[1] in ("api", "__init__", "__main__"):
        return parts[1]
    if len(parts) >= 3 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()):
        return parts[1]
    return "base"


def _imports(path: Path) -> set[str]:
    """annot modules imported by the file (relative imports resolved), at any depth (lazy ones too)."""
    module = _module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("annot"):
                names = [f"{target}.{a.name}" for a in node.names]
                out.update(n if _is_module(n) else target for n in names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("annot"))
    return out


def _is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    return (ROOT / rel).with_suffix(".py").is_file() or (ROOT / rel / "__init__.py").is_file()


FILES = sorted(PACKAGE.rglob("*.py"))


def test_layout_one_subpackage_per_stage():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert packages == {
        "labelstudio",
        "corpus",
        "systems",
        "scoring",
        "reporting",
        "formats",
        "comparison",
        "jobs",
        "cli",
    }


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_layout_imports_point_down_the_data_flow(path: Path):
    here = _layer(_module_name(path))
    for target in _imports(path):
        there = _layer(target)
        if target == "annot" and here in ("__init__", "__main__"):
            continue
        assert LAYERS[there] <= LAYERS[here] or here == there, f"{path.name} ({here}) imports {target} ({there})"


def test_layout_no_import_cycle():
    graph = {_module_name(p): {t for t in _imports(p) if t != "annot"} for p in FILES}
    seen: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state = seen.get(node)
        if state == 1:
            cycle = stack[stack.index(node) :] + [node]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if state == 2:
            return
        seen[node] = 1
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, [*stack, node])
        seen[node] = 2

    for node in sorted(graph):
        visit(node, [])


# Inside a stage, modules by role: the definition before the machinery that computes it, records before what
# builds and writes them. A module imports only modules of a lower rank in its own package.
ROLES = {
    "scoring": {
        "vocabulary": 0,  # names and definitions
        "assignment": 0,  # the pairing solver (scipy's algorithm, no scipy import)
        "counts": 1,
        "table": 2,
        "analysis": 1,
        "reference": 3,  # the executable definition
        "bootstrap": 3,
        "engine": 4,  # the same counts over columns
        "execution": 5,  # where the engine runs
        "scorer": 6,  # the scoring entry
        "agreement": 7,
        "disagreement": 4,  # systems against each other on a document: the labeling queue's order
    },
    "reporting": {
        "codec": 0,
        "templates": 0,
        "model": 1,  # the records
        "paths": 2,
        "build": 2,
        "markdown": 2,
        "terminal": 3,
        "html": 3,
        "ci": 3,  # what CI systems read: the verdict, JUnit XML, the step summary, annotations
        "agreement": 4,
        "write": 5,
    },
}


@pytest.mark.parametrize("package", sorted(ROLES))
def test_layout_modules_of_a_stage_import_by_role(package: str):
    ranks = ROLES[package]
    files = sorted((PACKAGE / package).glob("*.py"))
    names = {p.stem for p in files} - {"__init__"}
    assert names == set(ranks), f"annot/{package}: give each module a rank in ROLES"
    for path in files:
        if path.stem == "__init__":
            continue
        for target in _imports(path):
            parts = target.split(".")
            if len(parts) == 3 and parts[1] == package:
                assert ranks[parts[2]] < ranks[path.stem], f"{package}/{path.stem} imports {parts[2]}"
