"""The documentation cannot rot: the README's two commands and quickstarts, the site's pages against the code
(every command, the exit codes, the corpus table, the figures, the metric definitions, the fault table's tests,
the generated CLI reference), its examples run, and `mkdocs build --strict`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from annot.cli import EXIT_BAD, EXIT_GATE, EXIT_OK
from annot.corpus.stats import corpus_stats, stats_markdown

from support import ROOT, commands

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
PAGES = {str(p.relative_to(DOCS)): p.read_text(encoding="utf-8") for p in sorted(DOCS.rglob("*.md"))}


def page(name: str) -> str:
    return PAGES[name]


def section(text: str, title: str) -> str:
    return text.split(title, 1)[1].split("\n## ", 1)[0]


COMMANDS = commands()


def test_docs_the_command_tree_is_not_empty():
    assert len(COMMANDS) >= 14 and "evaluate" in COMMANDS and "ls push" in COMMANDS


@pytest.mark.parametrize("cmd", COMMANDS)
def test_docs_every_command_is_in_the_commands_table(cmd):
    assert f"| `annot {cmd}` |" in page("reference/commands.md"), f"annot {cmd} is not in docs/reference/commands.md"


@pytest.mark.parametrize("cmd", COMMANDS)
def test_docs_every_command_has_an_example(cmd):
    everything = README + "\n".join(PAGES.values())
    assert re.search(rf"^\s*(\$ )?annot {re.escape(cmd)}\b", everything, re.M), f"no example of `annot {cmd}`"


def test_docs_the_readme_is_short_with_the_two_commands_and_links_that_resolve():
    assert len(README.splitlines()) <= 200
    assert "bash scripts/evaluate.sh" in README and "bash scripts/test.sh" in README
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for quickstart in ("an annotation team", "a researcher scoring a system", "a CI job"):
        assert f"## Quickstart: {quickstart}" in README
    links = re.findall(r"\]\(((?:docs/|CHANGELOG)[^)#]*)", README)
    assert len(links) >= 10
    for link in links:
        assert (ROOT / link).is_file(), f"README links to {link}, which is not there"


def test_docs_corpus_table_is_what_the_command_prints():
    assert stats_markdown(corpus_stats(ROOT / "gold" / "news")) in page("corpus.md")


def _doc_figures():  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("doc_figures", ROOT / "scripts" / "doc_figures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_exit_code_table_matches_the_code():
    rows = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", page("reference/exit-codes.md"), re.M))
    figures = _doc_figures()
    assert set(rows) == {str(EXIT_OK), str(EXIT_GATE), str(EXIT_BAD), str(figures.EXIT_FIGURES)}
    assert "success" in rows[str(EXIT_OK)]
    assert "gate" in rows[str(EXIT_GATE)]
    assert "bad" in rows[str(EXIT_BAD)]
    assert "documented figures out of date" in rows[str(figures.EXIT_FIGURES)]
    assert "doc_figures.py --check || exit 3" in (ROOT / "scripts" / "evaluate.sh").read_text(encoding="utf-8")


def test_docs_figures_out_of_date_is_exit_3_never_1(tmp_path):
    """The main job's figures check has its own exit code: 3 ("documented figures out of date"), never 1, which
    means a regression."""
    import shutil

    shutil.copytree(ROOT / "reports", tmp_path / "reports", ignore=shutil.ignore_patterns("*.html", "agreement"))
    cmp = tmp_path / "reports" / "comparison.json"
    cmp.write_text(cmp.read_text(encoding="utf-8").replace('"seed": 13', '"seed": 14', 1), encoding="utf-8")
    script = ROOT / "scripts" / "doc_figures.py"
    r = subprocess.run(
        [sys.executable, script, "--check", "--reports", tmp_path / "reports"], capture_output=True, text=True
    )
    assert r.returncode == 3 and "documented figures out of date (exit 3)" in r.stderr


def _python_blocks(text: str) -> list[str]:
    return [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]


@pytest.mark.parametrize(("where", "index"), [("guides/python-api.md", 0), ("guides/python-api.md", 1), ("README", 0)])
def test_docs_python_examples_run(tmp_path, monkeypatch, where: str, index: int):
    """The Python examples of the API guide and the README, run as a reader would paste them (in a copy of the
    project's folders)."""
    blocks = _python_blocks(README if where == "README" else page(where))
    assert len(blocks) == (1 if where == "README" else 2)
    for name in ("gold", "configs", "reports"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    scope: dict[str, object] = {}
    exec(compile(blocks[index], where, "exec"), scope)
    if where == "README":
        assert scope["report"].entities.micro["strict"].f1 == 1.0  # type: ignore[attr-defined]
    elif index == 0:
        assert (tmp_path / "report.json").is_file()
    else:  # a per-label DataFrame, a row per label of the schema, and the comparison as a table
        df = scope["report"].to_dataframe("per_label", "strict")  # type: ignore[attr-defined]
        assert len(df) == 8 and 0.4 < df["recall"].mean() < 0.6
        assert list(scope["table"].columns) == ["ner-trained", "spacy-sm"]  # type: ignore[attr-defined]


def test_docs_every_test_the_bad_input_table_names_exists():
    """Each row of the robustness page names tests; each must be a test function of the suite."""
    rows = [line for line in page("robustness.md").splitlines() if line.startswith("| ") and "`test_" in line]
    assert len(rows) >= 25
    defined = {
        m.group(1)
        for path in (ROOT / "tests").rglob("test_*.py")
        for m in re.finditer(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M)
    }
    for row in rows:
        named = re.findall(r"`(test_\w+)`", row.rsplit("|", 2)[1])
        assert named, row
        for name in named:
            assert name in defined, f"docs/robustness.md names {name}, which is no test"


def test_docs_the_figures_of_the_bundled_systems_are_the_reports():
    """docs/corpus.md's tables of the three systems are what reports/ say (scripts/doc_figures.py)."""
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "doc_figures.py"), "--check"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr


def test_docs_the_cli_reference_is_the_command_tree():
    """docs/reference/cli.md is generated from the Typer app (scripts/cli_reference.py): never hand-copied."""
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "cli_reference.py"), "--check"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    for cmd in COMMANDS:
        assert f"## `annot {cmd}`" in page("reference/cli.md")
    assert not re.search(r"<(int|str|float|list)", page("reference/cli.md")), "a Python type as a placeholder"


def test_docs_the_metric_definitions_are_exactly_the_vocabulary():
    """One definition of each scheme and level (annot/scoring/vocabulary.py): the metrics page names exactly
    those, and each level's row is its definition."""
    from annot.scoring.vocabulary import LEVEL_DEFINITIONS, SCHEMES

    metrics = page("reference/metrics.md")
    schemes = re.search(r"\| scheme \| correct \| incorrect \| partial \|\n\|[-|]+\|\n((?:\|.*\|\n)+)", metrics)
    assert schemes and [row.split("|")[1].strip() for row in schemes.group(1).splitlines()] == list(SCHEMES)
    for level, definition in LEVEL_DEFINITIONS.items():
        assert f"| {level} | {definition} |" in metrics


def test_docs_every_page_is_in_the_site_and_it_builds_strictly(tmp_path: Path):
    """`mkdocs build --strict`: a broken link, a missing anchor or a page left out of the nav fails."""
    import yaml  # comes with mkdocs

    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]

    def files(node: object) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, list):
            return [f for n in node for f in files(n)]
        if isinstance(node, dict):
            return [f for v in node.values() for f in files(v)]
        return []

    assert sorted(files(nav)) == sorted(PAGES)
    r = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent)},
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "site" / "index.html").is_file() and (tmp_path / "site" / "changelog" / "index.html").is_file()


def test_docs_the_changelog_has_every_version():
    from annot import __version__

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## (\d+\.\d+\.\d+) - \d{4}-\d{2}-\d{2}$", changelog, re.M)
    assert versions[0] == __version__ and versions[-1] == "0.1.0"
    assert "### Migration" in changelog and "per_document" in changelog


RUNS = "<!-- test: runs -->"


def _runnable() -> list[tuple[str, str]]:
    """The shell examples of the site marked to run here (`<!-- test: runs -->` before the block)."""
    return [
        (name, m.group(1))
        for name, text in PAGES.items()
        for m in re.finditer(re.escape(RUNS) + r"\n```bash\n(.*?)```", text, re.S)
    ]


def test_docs_the_runnable_examples_are_marked():
    assert len(_runnable()) >= 4  # the researchers', held-out, schema and CoNLL blocks at least


@pytest.mark.parametrize(("where", "script"), _runnable(), ids=[f"{n}:{i}" for i, (n, _) in enumerate(_runnable())])
def test_docs_shell_examples_run(tmp_path: Path, where: str, script: str):
    """Each marked shell example runs as a reader pastes it, line by line (`bash -e`), in a copy of the project:
    every command exits 0."""
    import os
    import shutil

    for name in ("configs", "gold", "docs"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "reports", tmp_path / "reports", ignore=shutil.ignore_patterns("*.html"))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}", "COLUMNS": "100"}
    r = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert r.returncode == 0, f"{where}:\n{script}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"


def test_docs_the_worked_example_is_what_annot_computes():
    """The metrics page's worked example: annot.evaluate on that sentence gives every row of its tables."""
    import annot

    text = "NATO troops from Poland entered Kosovo on Monday."
    gold = annot.Document(
        "ex",
        text,
        (annot.Entity(0, 4, "ORG", "T1"), annot.Entity(17, 23, "GPE", "T2"), annot.Entity(32, 38, "GPE", "T3"),
         annot.Entity(42, 48, "DATE", "T4")),
        (annot.Event("E1", "Movement.Deploy", 24, 31, (annot.Argument("Agent", "T1"),
         annot.Argument("Destination", "T3"), annot.Argument("Time", "T4"))),),
    )  # fmt: skip
    pred = annot.Document(
        "ex",
        text,
        (annot.Entity(0, 11, "ORG", "T1"), annot.Entity(17, 23, "GPE", "T2"), annot.Entity(32, 38, "LOC", "T3")),
        (annot.Event("E1", "Movement.Deploy", 24, 31, (annot.Argument("Agent", "T1"),
         annot.Argument("Destination", "T3"))),),
    )  # fmt: skip
    report = annot.evaluate([gold], [pred], schema=ROOT / "configs" / "schema.toml", bootstrap_samples=0)
    metrics = page("reference/metrics.md")
    for scheme, e in report.entities.micro.items():
        row = (
            f"| {scheme} | {e.correct} | {e.incorrect} | {e.partial} | {e.missed} | {e.spurious} | "
            f"{e.precision:.3f} | {e.recall:.3f} | {e.f1:.3f} |"
        )
        assert row in metrics, row
    for level in ("trigger_classification", "argument_classification"):
        v = report.events.micro[level]
        assert f"| {level} | {v.matched} | {v.predicted} | {v.gold} | {v.f1:.3f} |" in metrics
