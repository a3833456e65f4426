"""`annot evaluate` (score, report, gate) and `annot compare` (two reports, paired tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..formats.convert import Format
from ..project import DEFAULT_SEED
from .app import EXIT_GATE, SchedulerOpt, SchedulerTimeoutOpt, app, print_rich


@app.command("evaluate")
def evaluate_cmd(
    gold: Annotated[Path | None, typer.Option("--gold", help="Gold documents (JSONL, or --from's format).")] = None,
    pred: Annotated[
        Path | None, typer.Option("--pred", help="Predicted documents (JSONL), same ids and texts as the gold.")
    ] = None,
    from_: Annotated[
        Format | None,
        typer.Option(
            "--from",
            help="The format of --gold and --pred when not annot's JSONL (textee, oneie, dygiepp, brat, conll, "
            "spacy), read as annot convert reads it; any problem stops the run.",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Report folder (report.json, report.md, report.html).")
    ] = None,
    split: Annotated[
        str | None, typer.Option("--split", help="Score only this split of the gold corpus (splits.json beside it).")
    ] = None,
    group_by: Annotated[
        str | None,
        typer.Option("--group-by", help="Also score per value of this document meta key (e.g. style)."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Evaluation config (default: configs/evaluation.toml), used when --gold/--pred are not given.",
        ),
    ] = None,
    schema: Annotated[
        Path | None, typer.Option("--schema", help="The annotation schema (default: the config's).")
    ] = None,
    bootstrap: Annotated[
        int | None, typer.Option("--bootstrap", min=0, help="Bootstrap resamples for intervals (0: none).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the bootstrap.")] = None,
    max_errors: Annotated[
        int | None,
        typer.Option("--max-errors", min=0, help="Errors listed per category (default 1000); the rest are counted."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Processes for large inputs (default: ANNOT_WORKERS, else every CPU); same result."
        ),
    ] = None,
    scheduler: SchedulerOpt = None,
    scheduler_timeout: SchedulerTimeoutOpt = None,
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
    no_gate: Annotated[
        bool, typer.Option("--no-gate", help="No gate: ignore the config's [gate] table and the gate options.")
    ] = False,
) -> None:
    """Score predictions against gold, write report.json, .md and .html, and gate on thresholds / a baseline.

    Two forms:

      annot evaluate --gold gold.jsonl --pred pred.jsonl -o reports/run1 --threshold entities.micro.strict.f1=0.6

      annot evaluate          (every system of configs/evaluation.toml on the bundled gold, its [gate])

    On a Dask cluster (the documents are counted in chunks by its workers; the same report):

      annot evaluate --gold gold.jsonl --pred pred.jsonl -o reports/big --scheduler tcp://10.0.0.5:8786

    A benchmark split and a system's output in TextEE's format (or OneIE's, DyGIE++'s, brat ...):

      annot evaluate --from textee --gold ace05-en/split1/test.json --pred system-test.json -o reports/system

    Exit codes: 0 ok (gate passed), 1 gate failed, 2 bad input or usage.
    """
    from ..cluster import scheduler_address
    from ..jobs.evaluate import Options, plan_evaluation, run_plan
    from ..reporting.terminal import side_by_side_table, summary_table

    plan = plan_evaluation(
        Options(
            gold=gold,
            pred=pred,
            output=output,
            config=config,
            schema=schema,
            split=split,
            bootstrap=bootstrap,
            seed=seed,
            max_errors=max_errors,
            workers=workers,
            scheduler=scheduler_address(scheduler),
            scheduler_timeout=scheduler_timeout,
            thresholds=threshold or (),
            baseline=baseline,
            max_drop=max_drop,
            min_support=min_support,
            significant_only=significant_only,
            alpha=alpha,
            no_gate=no_gate,
            group_by=group_by,
            source_format=from_.value if from_ else None,
        )
    )
    if plan.schema is None:
        typer.echo(
            "no schema (no --schema, no configs/schema.toml here or above, no ANNOT_PROJECT): the labels, event types "
            "and roles are those found in the gold and the predictions",
            err=True,
        )
    outcome = run_plan(plan)
    single = plan.pred is not None
    for r in outcome.results:
        g = r.report.meta.gold
        title = f"{r.name} on {g.path}" + (f", split {g.split}" if g.split else "") + f" ({g.documents} documents)"
        print_rich(summary_table(r.report, title))
        typer.echo("wrote " + ", ".join(str(p) for p in r.paths))
        _verdict(r.report.gate, "" if single else r.name)
    if outcome.comparison is not None:
        print_rich(side_by_side_table(outcome.comparison), width=160)
        typer.echo("wrote " + ", ".join(str(p) for p in outcome.comparison_paths))
    if not outcome.passed:
        raise typer.Exit(EXIT_GATE)


def _verdict(gate, name: str) -> None:  # type: ignore[no-untyped-def]
    """Print the gate's verdict and its failed checks."""
    if gate is None:
        return
    who = f"{name}: " if name else ""
    if gate.passed:
        typer.secho(f"{who}gate PASSED ({len(gate.gated)} checks)", fg="green")
        return
    typer.secho(f"{who}gate FAILED: {len(gate.failed)} of {len(gate.gated)} checks", fg="red", err=True)
    for c in gate.failed:
        typer.echo(f"  FAIL {c.description}", err=True)


@app.command("compare")
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
    seed: Annotated[int, typer.Option("--seed", help="Seed of the test.")] = DEFAULT_SEED,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Also write the comparison as JSON.")] = None,
    split: Annotated[
        str | None,
        typer.Option("--split", help="Compare on the documents of this split only (splits.json of the gold)."),
    ] = None,
    gold: Annotated[
        Path | None,
        typer.Option("--gold", help="With --split: the gold file whose splits.json to read (default: A's)."),
    ] = None,
) -> None:
    """Compare two reports on the same gold: each metric, its difference and a paired p-value.

    Example: annot compare reports/spacy-sm/report.json reports/ner-trained/report.json --split test
    """
    from ..comparison.paired import compare_files
    from ..reporting.terminal import comparison_table

    result, name_a, name_b = compare_files(report_a, report_b, metric, samples, seed, output, split, gold)
    print_rich(comparison_table(result.metrics, name_a, name_b, samples, seed), width=140)
