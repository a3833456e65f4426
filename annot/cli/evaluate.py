"""`annot evaluate` (score, report, gate) and `annot compare` (two reports, paired tests)."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import AnnotError
from ..formats.convert import Format
from ..project import DEFAULT_SEED
from .app import EXIT_GATE, SchedulerOpt, SchedulerTimeoutOpt, app, console_width, print_rich, say


class HeldOutPolicy(StrEnum):
    RECORD = "record"
    WARN = "warn"
    REFUSE = "refuse"


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


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
    junit_xml: Annotated[
        Path | None,
        typer.Option(
            "--junit-xml", help="Also write the gate as JUnit XML: a test case per check, failures first (for CI)."
        ),
    ] = None,
    summary: Annotated[
        Path | None,
        typer.Option(
            "--summary",
            help="Also write the run's Markdown summary (verdict, scores, failed checks) here; under GitHub Actions "
            "it is appended to $GITHUB_STEP_SUMMARY anyway.",
        ),
    ] = None,
    held_out_policy: Annotated[
        HeldOutPolicy | None,
        typer.Option(
            "--held-out-policy",
            help="A held-out split (splits.json's held_out) is scored: record it in the corpus's ledger; warn, too, "
            "when the system changed since its first score there or is scored again; refuse those (exit 2). "
            "Default: the config's [held_out] policy, else warn.",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            help="text: tables and the verdict line; json: only the verdict as JSON on standard output (the "
            "verdict line goes to standard error).",
        ),
    ] = OutputFormat.TEXT,
) -> None:
    """Score predictions against gold, write report.json, .md and .html, and gate on thresholds / a baseline.

    Two forms:

      annot evaluate --gold gold.jsonl --pred pred.jsonl -o reports/run1 --threshold entities.micro.strict.f1=0.6

      annot evaluate          (every system of configs/evaluation.toml on the bundled gold, its [gate])

    For CI (JUnit XML, a JSON verdict; under GitHub Actions the step summary and ::error:: lines come by
    themselves):

      annot evaluate --junit-xml reports/junit.xml --format json

    On a Dask cluster (the documents are counted in chunks by its workers; the same report):

      annot evaluate --gold gold.jsonl --pred pred.jsonl -o reports/big --scheduler tcp://10.0.0.5:8786

    A benchmark split and a system's output in TextEE's format (or OneIE's, DyGIE++'s, brat ...):

      annot evaluate --from textee --gold ace05-en/split1/test.json --pred system-test.json -o reports/system

    The last line is the verdict: which systems failed and why, the largest drop first.
    Exit codes: 0 ok (gate passed), 1 gate failed (a regression), 2 bad input or usage.
    """
    from ..cluster import scheduler_address
    from ..corpus.ledger import Policy
    from ..jobs.evaluate import Options, plan_evaluation, run_plan, run_verdict, write_ci_files

    as_json = output_format == OutputFormat.JSON
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
            held_out_policy=Policy(held_out_policy) if held_out_policy else None,
            source_format=from_.value if from_ else None,
        )
    )
    for note in plan.config.notes if plan.config else ():
        say(f"Note: {note}", fg="yellow", err=True)
    if plan.schema is None:
        typer.echo(
            "no schema (no --schema, no configs/schema.toml here or above, no ANNOT_PROJECT): the labels, event types "
            "and roles are those found in the gold and the predictions",
            err=True,
        )
    outcome = run_plan(plan, progress=lambda line: typer.echo(line, err=True))
    for warning in outcome.warnings:
        say(f"warning: {warning}", fg="yellow", err=True)
    verdict = run_verdict(outcome)
    if not as_json:
        _show(outcome, single=plan.pred is not None)
    step = os.environ.get("GITHUB_STEP_SUMMARY") or None
    for line in write_ci_files(verdict, outcome, junit=junit_xml, summary=summary, step_summary=step):
        typer.echo(line, err=as_json)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        from ..reporting.ci import github_annotations

        for line in github_annotations(verdict):
            typer.echo(line, err=as_json)
    if as_json:
        typer.echo(verdict.to_json(), nl=False)
    say(verdict.line, fg="green" if verdict.passed else "red", bold=True, err=as_json)
    if not verdict.passed:
        raise typer.Exit(EXIT_GATE)


def _show(outcome, single: bool) -> None:  # type: ignore[no-untyped-def]
    """The tables of a run, each system's gate, and the systems compared, at the terminal's width."""
    from ..reporting.terminal import comparison_table, notes, summary_table, worst_table

    width = console_width()
    for r in outcome.results:
        g = r.report.meta.gold
        title = f"{r.name} on {g.path}" + (f", split {g.split}" if g.split else "") + f" ({g.documents} documents)"
        print_rich(summary_table(r.report, title, width))
        worst = worst_table(r.report)
        if worst is not None:
            print_rich(worst)
        for line in notes(r.report):
            typer.echo(line)
        typer.echo("wrote " + ", ".join(str(p) for p in r.paths))
        _gate_lines(r.report.gate, "" if single else r.name)
    if outcome.comparison is not None:
        print_rich(comparison_table(outcome.comparison, width))
        typer.echo("wrote " + ", ".join(str(p) for p in outcome.comparison_paths))


FAILED_SHOWN = 10  # failed checks listed in the terminal per system; every one is in the reports


def _gate_lines(gate, name: str) -> None:  # type: ignore[no-untyped-def]
    """A system's gate: its verdict and its failed checks, the largest shortfall first."""
    if gate is None:
        return
    who = f"{name}: " if name else ""
    if gate.passed:
        say(f"{who}gate PASSED ({len(gate.gated)} checks)", fg="green")
        return
    failed = gate.failed
    say(f"{who}gate FAILED: {len(failed)} of {len(gate.gated)} checks, the largest drop first", fg="red")
    for c in failed[:FAILED_SHOWN]:
        typer.echo(f"  FAIL {c.description}")
    if len(failed) > FAILED_SHOWN:
        typer.echo(f"  ... and {len(failed) - FAILED_SHOWN} more failed checks (report.md, report.html: Gate checks)")


@app.command("compare")
def compare_cmd(
    reports: Annotated[
        list[Path],
        typer.Argument(
            metavar="REPORT",
            help="Two or more report folders (annot evaluate -o) or report.json files on the same gold; the first "
            "is the reference.",
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FOLDER",
            help="Write comparison.json, comparison.md and comparison.html into this folder (created if missing).",
        ),
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric", help="Metric path(s) to compare (default: micro F1s, macro, per label, event levels)."
        ),
    ] = None,
    samples: Annotated[int, typer.Option("--samples", min=100, help="Approximate-randomisation resamples.")] = 10000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the test.")] = DEFAULT_SEED,
    split: Annotated[
        str | None,
        typer.Option("--split", help="Compare on the documents of this split only (splits.json of the gold)."),
    ] = None,
    gold: Annotated[
        Path | None,
        typer.Option("--gold", help="With --split: the gold file whose splits.json to read (default: the first's)."),
    ] = None,
) -> None:
    """Compare reports on the same gold: each metric per system, its difference to the first and a paired p-value.

    Example: annot compare reports/spacy-sm reports/spacy-sm-events reports/ner-trained -o reports/cmp

    On one split of reports made on the whole corpus: annot compare runs/a runs/b --split test -o cmp/

    (Deprecated: with two reports, -o FILE.json writes the paired comparison as before; use -o FOLDER.)
    """
    from ..comparison.paired import compare_files, compare_paths
    from ..reporting.terminal import comparison_table, paired_table
    from ..reporting.write import write_comparison_folder

    if output is not None and output.suffix.lower() == ".json" and not output.is_dir():
        if len(reports) != 2:
            raise AnnotError(
                f"-o {output}: a .json file is the deprecated two-report form; {len(reports)} reports were given",
                "Give a folder: -o FOLDER writes comparison.json, comparison.md and comparison.html.",
            )
        say(
            f"Deprecated: -o {output} (a .json file) writes the two-report JSON of annot 0.2; give a folder (-o "
            "FOLDER) for comparison.json, comparison.md and comparison.html.",
            fg="yellow",
            err=True,
        )
        result, name_a, name_b = compare_files(reports[0], reports[1], metric, samples, seed, output, split, gold)
        print_rich(paired_table(result.metrics, name_a, name_b, samples, seed))
        return
    table = compare_paths(reports, metric, samples, seed, split, gold)
    print_rich(comparison_table(table, console_width()))
    if output is not None:
        typer.echo("wrote " + ", ".join(str(p) for p in write_comparison_folder(table, output)))
