"""docs/reference/cli.md, made from the command tree itself: every command, argument and option with its
placeholder, default and help, as `annot COMMAND --help` shows them.

    python scripts/cli_reference.py --write   # rewrite docs/reference/cli.md
    python scripts/cli_reference.py --check   # exit 1 and a diff when the page is not what the code says

The test suite runs --check (tests/test_docs.py), so the page cannot drift from the code.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "reference" / "cli.md"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _default(param: Any) -> str:
    if getattr(param, "is_flag", False):
        return "off" if not param.default else "on"
    value = param.default
    if value is None or value == () or value == []:
        return ""
    value = getattr(value, "value", value)
    return f"`{value}`"


def _metavar(param: Any) -> str:
    """The placeholder `--help` shows (annot gives every parameter one in words: PATH, N, SPLIT ...)."""
    word = param.metavar or (param.name or "VALUE").upper()
    return word + ("..." if getattr(param, "nargs", 1) != 1 and param.param_type_name == "argument" else "")


def _command(path: tuple[str, ...], cmd: Any, ctx: Any) -> list[str]:
    import click

    name = " ".join(path)
    help_text = inspect.cleandoc(cmd.help or "")
    lines = [f"## `annot {name}`", ""]
    if help_text:
        first, _, rest = help_text.partition("\n\n")
        lines += [_cell(first), ""]
        if rest.strip():
            lines += ["```text", rest.strip(), "```", ""]
    sub = click.Context(cmd, info_name=name, parent=ctx)
    params = [p for p in cmd.get_params(sub) if p.name != "help"]
    usage = " ".join(
        ["[OPTIONS]"]
        + [_metavar(p) if p.required else f"[{_metavar(p)}]" for p in params if p.param_type_name == "argument"]
    )
    lines += [f"Usage: `annot {name} {usage}`", ""]
    args = [p for p in params if p.param_type_name == "argument"]
    opts = [p for p in params if p.param_type_name == "option"]
    if args:
        lines += ["| argument | help |", "|---|---|"]
        for p in args:
            lines.append(f"| `{_metavar(p)}` | {_cell(getattr(p, 'help', '') or '')} |")
        lines.append("")
    if opts:
        lines += ["| option | default | help |", "|---|---|---|"]
        for p in opts:
            names = ", ".join(p.opts + p.secondary_opts)
            shown = names if p.is_flag else f"{names} {_metavar(p)}"
            required = " (required)" if p.required else ""
            lines.append(f"| `{shown}` | {_default(p)} | {_cell(p.help or '')}{required} |")
        lines.append("")
    return lines


def page() -> str:
    """The CLI reference as Markdown."""
    import click
    import typer

    from annot.cli import app

    root = typer.main.get_command(app)
    ctx = click.Context(root, info_name="annot")
    out = [
        "# CLI reference",
        "",
        "Made from the command tree by `python scripts/cli_reference.py --write` (a test checks that it is current):",
        "every command with its arguments, options, placeholders and defaults, as `annot COMMAND --help` shows",
        "them. [Commands at a glance](commands.md) says what each is for, with an example.",
        "",
    ]

    def walk(cmd: Any, path: tuple[str, ...], parent: Any) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            here = click.Context(cmd, info_name=" ".join(path) or "annot", parent=parent)
            for name in sorted(subs):
                walk(subs[name], (*path, name), here)
        else:
            out.extend(_command(path, cmd, parent))

    walk(root, (), ctx)
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true")
    action.add_argument("--write", action="store_true")
    args = parser.parse_args()
    want = page()
    if args.write:
        PAGE.write_text(want, encoding="utf-8")
        return 0
    have = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
    if have == want:
        return 0
    sys.stderr.writelines(difflib.unified_diff(have.splitlines(True), want.splitlines(True), str(PAGE), "the code"))
    print("docs/reference/cli.md is out of date: python scripts/cli_reference.py --write", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
