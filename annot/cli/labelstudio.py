"""Label Studio commands: `annot export`, `annot import`, `annot author`, `annot ls push|pull`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..labelstudio.importer import OffsetMode
from ..project import project_path
from .app import app, group
from .schema import SchemaOpt, load, load_if_any


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
        str,
        typer.Option(
            "--pick",
            metavar="RULE",
            help="When a task has several annotations: only (refuse), annotator:ID[,ID...] (that annotator's, the "
            "first listed who did it), ground-truth (the one marked with `annot ls ground-truth`), latest.",
        ),
    ] = "only",
    annotator: Annotated[
        str | None,
        typer.Option(
            "--annotator", metavar="ID", help="Only this annotator's annotations (a Label Studio account id)."
        ),
    ] = None,
    offsets: Annotated[
        OffsetMode, typer.Option("--offsets", help="Offset units in the export: auto, codepoints, utf16.")
    ] = OffsetMode.AUTO,
) -> None:
    """Check a Label Studio export and write its annotations as gold documents.

    Example: annot import export.json -o gold.jsonl --pick annotator:3
    """
    from ..labelstudio.importer import PickRule, import_export

    rule = PickRule.parse(pick)
    s = import_export(export, output, load(schema), pick=rule, offsets=offsets, annotator=annotator)
    for line in import_lines(s, output):
        typer.echo(line)


def import_lines(s, output: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """The import summary for people: what was written, and everything that was not, named."""

    def named(items: list[str], limit: int = 10) -> str:
        shown = "; ".join(items[:limit])
        return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")

    lines = [
        f"wrote {s.documents} document(s) to {output}: {s.entities} entity mentions, {s.events} events, "
        f"{s.arguments} arguments, from {len(s.annotators)} annotator(s)"
        + (f"; converted {s.utf16_converted} UTF-16 offset pair(s)" if s.utf16_converted else "")
        + (f"; trimmed whitespace at the edges of {s.trimmed} span(s)" if s.trimmed else "")
        + (f"; turned {s.reversed_relations} argument->trigger relation(s) around" if s.reversed_relations else "")
    ]
    for what, items in (
        ("skipped (cancelled) annotation(s)", s.cancelled),
        ("empty submission(s), not imported", s.empty),
        ("draft(s), not imported (submit them in Label Studio)", s.drafts),
        ("annotation(s) left out by --pick", s.dropped),
    ):
        if items:
            lines.append(f"{len(items)} {what}: {named(items)}")
    if s.skipped_unannotated:
        lines.append(f"{len(s.skipped_unannotated)} task(s) with no annotation yet: {named(s.skipped_unannotated)}")
    for version, st in sorted(s.predictions.items()):
        rate = "–" if st.rate is None else f"{100 * st.rate:.1f} %"
        lines.append(
            f"pre-annotations of {version}: {st.accepted} of {st.predicted} region(s) accepted unchanged ({rate})"
        )
    lines += [f"warning: {w}" for w in s.warnings]
    return lines


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
    "ls",
    "Push tasks to, pull exports from and follow projects on a Label Studio server "
    "(LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY, or the local `annot studio` server).",
)


class QueueOrder(StrEnum):
    FILE = "file"
    DISAGREEMENT = "disagreement"


TimeoutOpt = Annotated[float, typer.Option("--timeout", min=1.0, help="Seconds to wait for each answer of the server.")]


@ls_app.command("push")
def ls_push(
    tasks: Annotated[Path, typer.Argument(help="A tasks file made by `annot export`.")],
    title: Annotated[
        str, typer.Option("--title", help="The project: found by this title, or created with it.")
    ] = "annot",
    project: Annotated[int | None, typer.Option("--project", help="The project: this id (instead of --title).")] = None,
    overlap: Annotated[
        int | None,
        typer.Option("--overlap", min=1, max=20, help="Annotators per task (default: as the project has it)."),
    ] = None,
    instructions: Annotated[
        Path | None,
        typer.Option(
            "--instructions", help="Markdown shown to annotators before labeling (default: docs/guideline.md)."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a labeling config that is not annot's (when nothing would break).")
    ] = False,
    schema: SchemaOpt = None,
    timeout: TimeoutOpt = 60.0,
    order: Annotated[
        QueueOrder,
        typer.Option(
            "--order",
            help="The order of the new tasks in the labeling stream: file (as in the tasks file) or disagreement "
            "(most disagreed first: the configured systems, or --pred files, predict them; the ordering is written "
            "beside the tasks file as TASKS.order.json, and the project's sampling set to Sequential).",
        ),
    ] = QueueOrder.FILE,
    systems: Annotated[
        list[str] | None,
        typer.Option("--system", help="With --order disagreement: this configured system (repeat; default: all)."),
    ] = None,
    preds: Annotated[
        list[Path] | None,
        typer.Option(
            "--pred",
            help="With --order disagreement: a prediction file covering the new documents, instead of running "
            "the configured systems (repeat, two at least).",
        ),
    ] = None,
    eval_config: Annotated[
        Path | None, typer.Option("--config", help="Evaluation config (default: configs/evaluation.toml).")
    ] = None,
) -> None:
    """Bring a project in sync with a tasks file: new documents added, the rest left as they are.

    Documents are known by their id and text SHA-256: pushing the same file again adds nothing; a changed text
    is refused. The project's labeling config follows the schema; its settings follow the options. With --order
    disagreement the new documents come in the labeling stream where the systems disagree most first.

    Example: annot ls push tasks.json --title "KFOR batch 1" --overlap 2 --order disagreement
    """
    from ..errors import AnnotError
    from ..labelstudio.client import SEQUENTIAL, ProjectSettings, guideline_html, push_tasks_file, server_from_env
    from ..project import GUIDELINE

    if order is QueueOrder.FILE and (systems or preds or eval_config):
        raise AnnotError("--system, --pred and --config choose what orders the queue", "Add --order disagreement.")
    server = server_from_env(timeout=timeout)
    guide = instructions or project_path(GUIDELINE)
    sch = load(schema)
    settings = ProjectSettings(
        overlap=overlap,
        instructions_html=guideline_html(guide) if guide.exists() else None,
        sampling=SEQUENTIAL if order is QueueOrder.DISAGREEMENT else None,
    )
    ordering = None
    if order is QueueOrder.DISAGREEMENT:
        from ..jobs.queue import disagreement_push_order, order_path

        ordering = disagreement_push_order(tasks, sch, systems=systems or (), preds=preds or (), config=eval_config)
    r = push_tasks_file(
        server, tasks, sch, title=title, project=project, settings=settings, force=force, order=ordering
    )
    how = "created" if r.created else "found"
    config = {
        "current": "",
        "updated": "; labeling config updated to the schema",
        "forced": "; labeling config replaced",
    }
    typer.echo(
        f"project {r.project.id} ({how}): {len(r.new)} new, {len(r.unchanged)} unchanged; {r.project.tasks} task(s) "
        f"in all, {r.project.overlap} annotator(s) per task{config[r.config]} ({server.url}/projects/{r.project.id}/data)"
    )
    if r.foreign_tasks:
        typer.echo(f"note: {r.foreign_tasks} task(s) of the project were not made by `annot export` (no doc_id)")
    if order is QueueOrder.DISAGREEMENT:
        typer.echo(
            f"queue: {len(r.new)} new document(s) most disagreed first"
            + (f" ({', '.join(r.new[:3])}{' ...' if len(r.new) > 3 else ''})" if r.new else "")
            + f"; sampling Sequential; ordering and scores in {order_path(tasks)}"
        )


@ls_app.command("pull")
def ls_pull(
    project: Annotated[int, typer.Argument(help="The project id.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the JSON export.")],
    timeout: TimeoutOpt = 60.0,
    deadline: Annotated[
        float, typer.Option("--deadline", min=1.0, help="Seconds the whole download may take.")
    ] = 600.0,
    schema: SchemaOpt = None,
) -> None:
    """Download a project's tasks with every annotator's work (no e-mail kept), ready for `annot import`.

    Example: annot ls pull 3 -o export.json && annot import export.json -o gold.jsonl
    """
    from ..labelstudio.client import pull_export, server_from_env

    st = pull_export(server_from_env(timeout=timeout, deadline=deadline), project, output, load_if_any(schema))
    typer.echo(f"wrote {st.tasks} task(s) to {output} (readable only by you: it holds annotators' work)")
    for line in _status_lines(st):
        typer.echo(line)


@ls_app.command("projects")
def ls_projects(timeout: TimeoutOpt = 60.0) -> None:
    """List the projects the API key can see: id, title, tasks and the overlap (annotators per task).

    Example: annot ls projects
    """
    from ..labelstudio.client import Session, list_projects, server_from_env

    projects = list_projects(Session(server_from_env(timeout=timeout)))
    if not projects:
        typer.echo("no project on this server yet (annot ls push creates one)")
    for p in projects:
        typer.echo(f"{p.id:>6}  {p.title}  ({p.tasks} task(s), overlap {p.overlap})")


@ls_app.command("status")
def ls_status(
    project: Annotated[int, typer.Argument(help="The project id.")],
    schema: SchemaOpt = None,
    timeout: TimeoutOpt = 60.0,
) -> None:
    """Tasks, completed annotations and drafts per annotator, tasks still short of their overlap, and every
    completed annotation that `annot import` would refuse (a role the event type forbids ...), to fix now.

    Example: annot ls status 3
    """
    from ..labelstudio.client import project_status, server_from_env

    for line in _status_lines(project_status(server_from_env(timeout=timeout), project, load_if_any(schema))):
        typer.echo(line)


@ls_app.command("ground-truth")
def ls_ground_truth(
    project: Annotated[int, typer.Argument(help="The project id.")],
    annotator: Annotated[
        str, typer.Option("--annotator", metavar="ID", help="The annotator whose annotations are the ground truth.")
    ],
    documents: Annotated[
        list[str] | None,
        typer.Option("--document", metavar="ID", help="Only this document (repeat the option); default: every task."),
    ] = None,
    timeout: TimeoutOpt = 60.0,
) -> None:
    """Mark an annotator's annotations as ground truth in Label Studio (the open-source editor has no control for
    it), so that `annot import --pick ground-truth` takes them; the task's other annotations are unmarked.

    Example: annot ls ground-truth 3 --annotator 2 && annot ls pull 3 -o export.json && annot import export.json -o gold.jsonl --pick ground-truth
    """
    from ..labelstudio.client import mark_ground_truth, server_from_env

    r = mark_ground_truth(server_from_env(timeout=timeout), project, annotator, set(documents) if documents else None)
    typer.echo(
        f"project {project}: annotator {annotator}'s annotation is now the ground truth of {len(r.marked)} task(s)"
        + (f"; {r.unmarked} other annotation(s) unmarked" if r.unmarked else "")
    )
    if r.missing:
        typer.echo(
            f"{len(r.missing)} document(s) without a completed annotation by {annotator}: "
            + ", ".join(r.missing[:10])
            + (" ..." if len(r.missing) > 10 else "")
        )


def _status_lines(st) -> list[str]:  # type: ignore[no-untyped-def]
    per = ", ".join(f"annotator {a}: {n}" for a, n in st.completed.items()) or "none"
    drafts = ", ".join(f"annotator {a}: {n}" for a, n in st.drafts_by.items())
    lines = [
        f"project {st.project} {st.title!r}: {st.tasks} task(s), {st.overlap} annotator(s) per task; "
        f"completed annotations: {per}; {st.cancelled} skipped, {st.drafts} draft(s)"
        + (f" ({drafts})" if drafts else "")
        + f"; {st.finished} task(s) done, {st.short} short of {st.overlap} annotation(s)"
    ]
    if st.problems:
        lines.append(f"{len(st.problems)} problem(s) `annot import` would refuse; open the task and fix:")
        lines += [f"  - {p}" for p in st.problems]
    return lines
