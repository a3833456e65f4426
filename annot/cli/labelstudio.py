"""Label Studio commands: `annot export`, `annot import`, `annot author`, `annot ls push|pull`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..labelstudio.importer import OffsetMode, Pick
from ..project import LABELING_CONFIG, project_path
from .app import app, group
from .schema import SchemaOpt, load


@app.command("export")
def export_cmd(
    articles: Annotated[
        list[Path], typer.Argument(help=".txt files, folders of them, or JSONL files with id, text, meta.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The Label Studio tasks file to write (JSON).")],
    predictions: Annotated[
        Path | None, typer.Option("--predictions", help="Pre-annotate with this prediction file (document format).")
    ] = None,
    model_version: Annotated[
        str, typer.Option("--model-version", help="model_version shown in Label Studio for the pre-annotations.")
    ] = "",
) -> None:
    """Turn articles into Label Studio tasks (text normalised: NFC, LF line endings).

    Example: annot export articles/ -o tasks.json
    """
    from ..labelstudio.tasks import export_tasks

    n = export_tasks(articles, output, predictions, model_version)
    typer.echo(f"wrote {n} task(s) to {output}")


@app.command("import")
def import_cmd(
    export: Annotated[Path, typer.Argument(help="A Label Studio export file (JSON format).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The gold documents file to write (JSONL).")],
    schema: SchemaOpt = None,
    pick: Annotated[
        Pick, typer.Option("--pick", help="When a task has several annotations: only (refuse), ground-truth, latest.")
    ] = Pick.ONLY,
    offsets: Annotated[
        OffsetMode, typer.Option("--offsets", help="Offset units in the export: auto, codepoints, utf16.")
    ] = OffsetMode.AUTO,
) -> None:
    """Check a Label Studio export and write its annotations as gold documents.

    Example: annot import export.json -o gold/news/documents.jsonl
    """
    from ..labelstudio.importer import import_export

    s = import_export(export, output, load(schema), pick=pick, offsets=offsets)
    typer.echo(
        f"wrote {s.documents} document(s) to {output}: {s.entities} entity mentions, {s.events} events, "
        f"{s.arguments} arguments; skipped {s.skipped_cancelled} cancelled annotation(s) and "
        f"{len(s.skipped_unannotated)} unannotated task(s)"
        + (f"; converted {s.utf16_converted} UTF-16 offset pair(s)" if s.utf16_converted else "")
        + (f"; turned {s.reversed_relations} argument->trigger relation(s) around" if s.reversed_relations else "")
    )


@app.command("author")
def author_cmd(
    files: Annotated[list[Path], typer.Argument(help="Markup files (docs/authoring.md).")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="The Label Studio export file to write.")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Only check the files (markup and every import check).")
    ] = False,
    schema: SchemaOpt = None,
) -> None:
    """Turn annotated markup files into a Label Studio export (then `annot import` it).

    Example: annot author gold/news/sources/*.ann.txt -o gold/news/export.json
    """
    from ..errors import AnnotError
    from ..labelstudio.authoring import check_markup, write_authored_export

    if check:
        typer.echo(check_markup(files, load(schema)))
        return
    if output is None:
        raise AnnotError("give -o EXPORT.json, or --check")
    n = write_authored_export(files, load(schema), output)
    typer.echo(f"wrote {n} task(s) to {output}")


ls_app = group(
    "ls", "Push tasks to and pull exports from a Label Studio server (LABEL_STUDIO_URL, LABEL_STUDIO_API_KEY)."
)


@ls_app.command("push")
def ls_push(
    tasks: Annotated[Path, typer.Argument(help="A tasks file made by `annot export`.")],
    title: Annotated[str, typer.Option("--title", help="Title of the new project.")] = "annot",
    project: Annotated[
        int | None, typer.Option("--project", help="Add to this existing project instead of creating one.")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--label-config", help="The labeling config for a new project (default: configs/labeling_config.xml)."
        ),
    ] = None,
) -> None:
    """Create a Label Studio project with annot's labeling config and import the tasks.

    Example: LABEL_STUDIO_URL=http://127.0.0.1:8080 LABEL_STUDIO_API_KEY=... annot ls push tasks.json --title "KFOR batch 1"
    """
    from ..labelstudio.client import push_tasks_file, server_from_env

    server = server_from_env()
    pid, n = push_tasks_file(server, tasks, title, config or project_path(LABELING_CONFIG), project)
    typer.echo(f"project {pid}: imported {n} task(s) ({server.url}/projects/{pid}/data)")


@ls_app.command("pull")
def ls_pull(
    project: Annotated[int, typer.Argument(help="The project id.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the JSON export.")],
) -> None:
    """Download a project's JSON export (all tasks), ready for `annot import`.

    Example: annot ls pull 3 -o export.json && annot import export.json -o gold.jsonl
    """
    from ..labelstudio.client import pull_export, server_from_env

    n = pull_export(server_from_env(), project, output)
    typer.echo(f"wrote {n} task(s) to {output}")
