"""The README documents every command, the two set-up commands, and the corpus table as the command prints it."""

from __future__ import annotations

import typer.main

from annot.cli import app
from annot.corpus.stats import corpus_stats, stats_markdown

from support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(typer_app, prefix=()):
    group = typer.main.get_command(typer_app)
    out = []

    def walk(cmd, path):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, (*path, name))
        else:
            out.append(" ".join(path))

    walk(group, prefix)
    return out


def test_docs_every_command_is_in_the_readme_table():
    cmds = _commands(app)
    assert len(cmds) >= 12
    for cmd in cmds:
        assert f"| `annot {cmd}` |" in README, f"annot {cmd} is not documented in README.md"


def test_docs_two_commands_and_ci():
    assert "bash scripts/evaluate.sh" in README and "bash scripts/test.sh" in README
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_docs_corpus_table_is_what_the_command_prints():
    assert stats_markdown(corpus_stats(ROOT / "gold" / "news")) in README


def test_docs_exit_codes_documented():
    for code in ("| 0 |", "| 1 |", "| 2 |"):
        assert code in README
