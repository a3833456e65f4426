"""The root of the command line: the Typer app, its command groups, and the one error handler.

Exit codes: 0 ok, 1 quality gate failed, 2 bad usage, config or data; 130 interrupted (Ctrl-C); 141 the
output was closed early (`annot ... | head`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from typer._click.core import Context  # the click that typer vendors
from typer._click.exceptions import ClickException
from typer.core import TyperGroup

from .. import __version__
from ..errors import AnnotError

EXIT_OK, EXIT_GATE, EXIT_BAD = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
EXIT_PIPE = 141  # 128 + SIGPIPE, as shells report a writer whose reader went away


SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="Run on the Dask cluster of this scheduler (tcp://HOST:PORT); the output is the same as on this "
        "machine. Default: DASK_SCHEDULER_ADDRESS, else this machine. Needs the cluster extra "
        "(pip install -e '.[cluster]').",
    ),
]
SchedulerTimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--scheduler-timeout",
        min=0.1,
        metavar="SECONDS",
        help="How long to wait for the Dask scheduler to answer and for its first worker (default: 10).",
    ),
]


def fail(exc: AnnotError) -> None:
    """Print an AnnotError for people: 'Error: ...', one line per problem, and the hint, on stderr."""
    if os.environ.get("NO_COLOR"):
        typer.echo(f"Error: {exc}", err=True)
    else:
        typer.secho(f"Error: {exc}", err=True, fg="red")
    if exc.hint:
        typer.echo(f"Hint: {exc.hint}", err=True)


# Placeholders in help, in words: by option name first, then by the value's type.
METAVARS = {
    "--seed": "N",
    "--threshold": "METRIC=VALUE",
    "--metric": "METRIC",
    "--model": "MODEL",
    "--base-model": "MODEL",
    "--system": "SYSTEM",
    "--split": "SPLIT",
    "--dev-split": "SPLIT",
    "--group-by": "KEY",
    "--scheduler": "ADDRESS",
    "--scheduler-timeout": "SECONDS",
    "--timeout": "SECONDS",
    "--deadline": "SECONDS",
    "--max-drop": "DROP",
    "--alpha": "ALPHA",
    "--project": "PROJECT",
    "--port": "PORT",
}
TYPE_METAVARS = {"path": "PATH", "int": "N", "float": "NUMBER"}


def _words_for_placeholders(command: Any) -> None:
    """Give every option and argument of the command tree a placeholder in words (PATH, N, SPLIT, ...) where
    typer would show a Python type (<list[str]>, <int range>) or a name in braces ({report_a})."""
    for sub in getattr(command, "commands", {}).values():
        _words_for_placeholders(sub)
    for param in getattr(command, "params", []):
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            continue
        desc = getattr(param, "type_descriptor", None)
        if param.param_type_name == "argument":
            word = param.metavar or (param.name or "ARG").upper()
            many = "..." if param.nargs != 1 else ""
            shown = word + many if param.required else f"[{word}{many}]"
            param.metavar = word
            param._usage_display_name = lambda shown=shown: shown  # type: ignore[method-assign]
            param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]
            continue
        if param.metavar is not None:
            continue
        if desc is not None and desc.is_choice:
            param.metavar = "[" + "|".join(str(getattr(c, "value", c)) for c in desc.choices or ()) + "]"
            continue
        long = max(param.opts, key=len)
        kind = param.bare_type().removeprefix("list[").removesuffix("]") if hasattr(param, "bare_type") else "str"
        if desc is not None and desc.is_path:
            kind = "path"
        param.metavar = METAVARS.get(long) or (
            long.lstrip("-").upper().replace("-", "_") if kind == "str" else TYPE_METAVARS.get(kind, "VALUE")
        )


class AnnotGroup(TyperGroup):
    """The root command group: every error of a command becomes a message and exit code 2.

    Exit code 1 is kept for a failed gate: a file-system problem, an input nested too deep for the parser or a
    bug must never read as "the model got worse" in CI. ANNOT_DEBUG=1 shows the traceback of an unexpected error.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _words_for_placeholders(self)

    def invoke(self, ctx: Context) -> Any:
        from ..files import os_error

        try:
            return super().invoke(ctx)
        except AnnotError as exc:
            fail(exc)
        except BrokenPipeError:
            # The reader of our output went away (`annot ... | head`): not an error of annot. Nothing more may
            # reach the closed pipe, not even at exit.
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(EXIT_PIPE) from None
        except KeyboardInterrupt:
            typer.echo("\nInterrupted: nothing was written (outputs are written whole or not at all).", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except OSError as exc:
            fail(os_error(exc))
        except RecursionError:
            fail(
                AnnotError(
                    "an input is nested too deeply to read",
                    "Check the JSON files given: nesting that deep is not data annot reads.",
                )
            )
        except (ClickException, typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("ANNOT_DEBUG"):
                raise
            name = type(exc).__name__
            fail(
                AnnotError(
                    f"unexpected error ({name}): {str(exc).splitlines()[0] if str(exc) else ''}",
                    "This is a bug in annot: please report it with the command; ANNOT_DEBUG=1 shows the traceback.",
                )
            )
        raise typer.Exit(EXIT_BAD)


app = typer.Typer(
    name="annot",
    cls=AnnotGroup,
    help="Annotation and evaluation toolkit for information extraction from news.\n\n"
    "Example: annot evaluate --gold gold/news/documents.jsonl --pred preds.jsonl -o reports/run1",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # never print locals: they may hold an API key
    add_completion=True,  # annot --install-completion (bash, zsh, fish, PowerShell)
    rich_markup_mode=None,
)


def group(name: str, help: str) -> typer.Typer:
    """A command group (`annot NAME ...`) under the root."""
    sub = typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(sub, name=name)
    return sub


def _version(value: bool) -> None:
    if value:
        typer.echo(f"annot {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """annot: annotate news in Label Studio, build a gold corpus, score extraction models."""


def progress(total: int, label: str) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """A progress bar on a terminal; nothing in CI or when output is piped."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None, lambda: None
    from rich.progress import Progress

    bar = Progress(transient=True)
    bar.start()
    task = bar.add_task(label, total=total)
    return (lambda n: bar.advance(task, n)), bar.stop


def progress_to(label: str) -> tuple[Callable[[int, int, str], None] | None, Callable[[], None]]:
    """A progress bar on a terminal, set to (done, of total, with a line of text); nothing in CI or when piped."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None, lambda: None
    from rich.progress import Progress

    bar = Progress(transient=True)
    bar.start()
    task = bar.add_task(label, total=None)

    def update(done: int, total: int, text: str) -> None:
        bar.update(task, completed=done, total=total or None, description=f"{label}: {text}")

    return update, bar.stop


def console_width() -> int:
    """The width of the terminal (COLUMNS when set; 80 when the output is not a terminal, as in CI logs)."""
    from rich.console import Console

    return Console().width


def print_rich(renderable: Any, width: int | None = None) -> None:
    """A rich table (or other renderable) on standard output, at the terminal's width (NO_COLOR honoured)."""
    from rich.console import Console

    Console(width=width).print(renderable)


def no_color() -> bool:
    """Whether colour is off: NO_COLOR set to anything but an empty string (https://no-color.org)."""
    return bool(os.environ.get("NO_COLOR"))


def say(text: str, fg: str | None = None, err: bool = False, bold: bool = False) -> None:
    """A line of output, in colour unless NO_COLOR is set (and never when the output is not a terminal)."""
    if no_color():
        typer.echo(text, err=err)
    else:
        typer.secho(text, fg=fg, bold=bold, err=err)
