"""The README documents every command of the real command tree, the two commands, the corpus table and the exit codes."""

from __future__ import annotations

import re

import pytest

from annot.cli import EXIT_BAD, EXIT_GATE, EXIT_OK
from annot.corpus.stats import corpus_stats, stats_markdown

from support import ROOT, commands

README = (ROOT / "README.md").read_text(encoding="utf-8")


COMMANDS = commands()


def test_docs_the_command_tree_is_not_empty():
    assert len(COMMANDS) >= 14 and "evaluate" in COMMANDS and "ls push" in COMMANDS


@pytest.mark.parametrize("cmd", COMMANDS)
def test_docs_every_command_is_in_the_readme_table(cmd):
    assert f"| `annot {cmd}` |" in README, f"annot {cmd} is not documented in README.md's command table"


@pytest.mark.parametrize("cmd", COMMANDS)
def test_docs_every_command_has_an_example_in_the_readme(cmd):
    assert re.search(rf"^\s*(\$ )?annot {re.escape(cmd)}\b", README, re.M), f"no example of `annot {cmd}` in README.md"


def test_docs_two_commands_and_ci():
    assert "bash scripts/evaluate.sh" in README and "bash scripts/test.sh" in README
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_docs_corpus_table_is_what_the_command_prints():
    assert stats_markdown(corpus_stats(ROOT / "gold" / "news")) in README


def test_docs_exit_code_table_matches_the_code():
    import importlib.util

    spec = importlib.util.spec_from_file_location("readme_figures", ROOT / "scripts" / "readme_figures.py")
    assert spec and spec.loader
    figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figures)
    section = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", section, re.M))
    assert set(rows) == {str(EXIT_OK), str(EXIT_GATE), str(EXIT_BAD), str(figures.EXIT_FIGURES)}
    assert "success" in rows[str(EXIT_OK)]
    assert "gate" in rows[str(EXIT_GATE)]
    assert "bad" in rows[str(EXIT_BAD)]
    assert "README figures out of date" in rows[str(figures.EXIT_FIGURES)]
    assert "readme_figures.py --check || exit 3" in (ROOT / "scripts" / "evaluate.sh").read_text(encoding="utf-8")


def test_docs_readme_figures_out_of_date_is_exit_3_never_1(tmp_path):
    """The main job's figures check has its own exit code: 3 ("README figures out of date"), never 1, which
    means a regression."""
    import shutil
    import subprocess
    import sys

    shutil.copytree(ROOT / "reports", tmp_path / "reports", ignore=shutil.ignore_patterns("*.html", "agreement"))
    cmp = tmp_path / "reports" / "comparison.json"
    cmp.write_text(cmp.read_text(encoding="utf-8").replace('"seed": 13', '"seed": 14', 1), encoding="utf-8")
    script = ROOT / "scripts" / "readme_figures.py"
    r = subprocess.run(
        [sys.executable, script, "--check", "--reports", tmp_path / "reports"], capture_output=True, text=True
    )
    assert r.returncode == 3 and "README figures out of date (exit 3)" in r.stderr


@pytest.mark.parametrize("index", [0, 1])
def test_docs_python_example_runs(tmp_path, monkeypatch, index: int):
    """The README's Python examples (the API and the notebook one), run as a reader would paste them (in a copy of
    the project's folders)."""
    blocks = [b.split("```", 1)[0] for b in README.split("```python\n")[1:]]
    assert len(blocks) == 2
    for name in ("gold", "configs", "reports"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    scope: dict[str, object] = {}
    exec(compile(blocks[index], "README.md", "exec"), scope)
    if index == 0:
        assert (tmp_path / "report.json").is_file()
    else:  # a per-label DataFrame, a row per label of the schema, and the comparison as a table
        df = scope["report"].to_dataframe("per_label", "strict")  # type: ignore[attr-defined]
        assert len(df) == 8 and 0.4 < df["recall"].mean() < 0.6
        assert list(scope["table"].columns) == ["ner-trained", "spacy-sm"]  # type: ignore[attr-defined]


def test_docs_every_test_the_bad_input_table_names_exists():
    """Each row of 'Bad input and faults' names tests; each must be a test function of the suite."""
    section = README.split("## Bad input and faults", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "`test_" in line]
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
            assert name in defined, f"README names {name}, which is no test"


def test_docs_the_figures_of_the_bundled_systems_are_the_reports():
    """README.md's table of the three systems is what reports/comparison.json says (scripts/readme_figures.py)."""
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "readme_figures.py"), "--check"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr


def test_docs_the_readme_defines_exactly_the_schemes_and_levels_of_the_vocabulary():
    """One definition of each scheme and level (annot/scoring/vocabulary.py): the README's tables name exactly
    those, and each level's row is its definition."""
    from annot.scoring.vocabulary import LEVEL_DEFINITIONS, SCHEMES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    schemes = re.search(r"\| scheme \| correct \| incorrect \| partial \|\n\|[-|]+\|\n((?:\|.*\|\n)+)", readme)
    assert schemes and [row.split("|")[1].strip() for row in schemes.group(1).splitlines()] == list(SCHEMES)
    for level, definition in LEVEL_DEFINITIONS.items():
        assert f"| {level} | {definition} |" in readme
