"""Annotators' work: `annot agreement` (annotators against each other) and `annot adjudicate` (several -> gold)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from ..project import DEFAULT_SEED
from .app import app
from .schema import SchemaOpt, load

InputsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Label Studio exports (every annotator's work), per-annotator JSONL or markup files or folders, "
        "or a corpus folder (its sources/ and annotators/)."
    ),
]


@app.command("agreement")
def agreement_cmd(
    inputs: InputsArg,
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for agreement.json, .md and .html.")],
    schema: SchemaOpt = None,
    bootstrap: Annotated[int, typer.Option("--bootstrap", min=0, help="Bootstrap resamples for intervals.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = DEFAULT_SEED,
) -> None:
    """How far annotators agree, with the matcher of `annot evaluate`: F1 per scheme, level, label, type and role
    (pairwise and pooled, with intervals), Cohen's kappa and Krippendorff's alpha on tokens, where they disagree.

    Example: annot agreement export.json -o reports/agreement
    """
    from ..jobs.annotation import agreement_files
    from ..reporting.markdown import fmt
    from ..scoring.scorer import ScoringSettings

    report, paths = agreement_files(
        inputs, output, load(schema), ScoringSettings(bootstrap_samples=bootstrap, seed=seed)
    )
    o = report.overall
    if o is None:
        typer.echo(f"{len(report.meta.annotators)} annotator(s), but no document annotated by two: nothing to compare")
    else:
        e, v = o.spans.entities.micro, o.spans.events.micro
        typer.echo(
            f"{len(report.meta.annotators)} annotators, {o.pairs} pair(s), {o.documents} shared document(s): "
            f"entities strict F1 {fmt(e['strict'].f1)}, type F1 {fmt(e['type'].f1)}, "
            f"trigger classification F1 {fmt(v['trigger_classification'].f1)}, "
            f"argument classification F1 {fmt(v['argument_classification'].f1)}; "
            f"alpha entities {fmt(o.alpha.entities)}, triggers {fmt(o.alpha.events)}"
        )
    typer.echo("wrote " + ", ".join(str(p) for p in paths))


@app.command("adjudicate")
def adjudicate_cmd(
    inputs: InputsArg,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Also write the adjudicated gold documents (JSONL).")
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option("--record", help="The record of decisions (default: adjudication.json in the corpus folder)."),
    ] = None,
    reviewed: Annotated[
        Path | None, typer.Option("--reviewed", help="The review project's export: the reviewer's annotations win.")
    ] = None,
    push: Annotated[
        bool, typer.Option("--push", help="Push the documents with conflicts to a review project in Label Studio.")
    ] = False,
    title: Annotated[str, typer.Option("--title", help="Title of the review project.")] = "annot review",
    schema: SchemaOpt = None,
) -> None:
    """Turn several annotations into gold by the documented rule (ground truth, reviewed, agreed) and keep the
    record; conflicts are left out of the gold and listed until a reviewer resolves them.

    Example: annot adjudicate gold/news --push --title "news review"   (then: --reviewed review-export.json)
    """
    from ..errors import AnnotError
    from ..jobs.annotation import adjudicate, review_tasks

    if record is None and output is None and not (len(inputs) == 1 and inputs[0].is_dir()):
        raise AnnotError(
            "give --record RECORD.json (and -o GOLD.jsonl), or a corpus folder", "See annot adjudicate --help."
        )
    sch = load(schema)
    result = adjudicate(inputs, sch, record=record, output=output, reviewed=reviewed)
    kinds: dict[str, int] = {}
    for d in result.decisions:
        kinds[d.decision] = kinds.get(d.decision, 0) + 1
    typer.echo(
        f"{len(result.decisions)} document(s) with several annotations: "
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        + f"; {len(result.conflicts)} with unresolved conflicts "
        f"({sum(len(d.conflicts) for d in result.conflicts)} item(s) left out of the gold)"
    )
    for d in result.conflicts[:10]:
        typer.echo(f"  {d.document}: {len(d.conflicts)} conflict(s), e.g. {d.conflicts[0].item}")
    if result.review_problems:
        typer.echo(
            f"{len(result.review_problems)} reviewed document(s) stay undecided; open them in the review project:"
        )
        for problem in result.review_problems:
            typer.echo(f"  - {problem}")
    if result.record is not None:
        typer.echo(f"wrote {result.record}" + (f" and {result.gold}" if result.gold else ""))
    if push:
        if not result.conflicts:
            typer.echo("nothing to review: no conflict")
            return
        from ..corpus.annotations import read_annotations
        from ..labelstudio.client import ProjectSettings, guideline_html, push_tasks, server_from_env
        from ..project import GUIDELINE, project_path

        annotated, _ = read_annotations(inputs, sch)
        tasks = review_tasks(annotated, result.decisions)
        guide = project_path(GUIDELINE)
        settings = ProjectSettings(overlap=1, instructions_html=guideline_html(guide) if guide.exists() else None)
        r = push_tasks(server_from_env(), tasks, sch, title=title, settings=settings, review=True)
        again = " ".join(shlex.quote(str(p)) for p in inputs)
        if record is not None:
            again += f" --record {shlex.quote(str(record))}"
        if output is not None:
            again += f" -o {shlex.quote(str(output))}"
        typer.echo(
            f"review project {r.project.id}: {len(r.new)} new, {len(r.unchanged)} unchanged; each task lists its "
            "conflicts with who said what, to keep or drop one by one. When the reviewer is done: "
            f"annot ls pull {r.project.id} -o review.json && annot adjudicate {again} --reviewed review.json"
        )
