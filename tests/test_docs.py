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
    section = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", section, re.M))
    assert set(rows) == {str(EXIT_OK), str(EXIT_GATE), str(EXIT_BAD)}
    assert "success" in rows[str(EXIT_OK)]
    assert "gate" in rows[str(EXIT_GATE)]
    assert "bad" in rows[str(EXIT_BAD)]


def test_docs_python_example_runs(tmp_path, monkeypatch):
    """The README's Python example, run as a reader would paste it (in a copy of the project's folders)."""
    block = README.split("```python\n", 1)[1].split("```", 1)[0]
    for name in ("gold", "configs"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "report.json").is_file()


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
