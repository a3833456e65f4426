"""`annot evaluate` as a job: what to score (files, or the configured systems), scoring, the gate, the files written.

`plan_evaluation` turns the command line's options and the evaluation config
into a `Plan`; `run_plan` scores and writes. Neither prints.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..comparison.gate import GateSettings, parse_thresholds, run_gate
from ..comparison.paired import side_by_side
from ..corpus.splits import GoldSet, read_gold
from ..documents import Document, read_documents, text_sha256, write_documents
from ..errors import AnnotError, raise_if_problems
from ..files import display_path, output_lock, sha256_file, staged_folder
from ..project import EVALUATION_CONFIG, REPORTS, SCHEMA, project_path
from ..reporting.model import GoldInfo, HumanCeiling, Report, SchemaInfo, SideBySide, SystemInfo, build_report
from ..reporting.write import write_comparison, write_report
from ..schema import Schema, data_schema, load_schema
from ..scoring.evaluate import ScoringSettings, evaluate
from .config import EvalConfig, SystemConfig, load_eval_config


def score(
    gold: GoldSet,
    pred: Sequence[Document],
    schema: Schema,
    settings: ScoringSettings,
    system: SystemInfo,
    gold_label: str | None = None,
    human: HumanCeiling | None = None,
    group_by: str | None = None,
) -> Report:
    """Score `pred` against `gold` and build the report (no gate, nothing written)."""
    check_gold(gold, schema)
    ev = evaluate(
        gold.documents,
        pred,
        labels=list(schema.entities),
        event_types=list(schema.events),
        roles=schema.roles,
        settings=settings,
        other_gold=gold.other_ids,
    )
    return build_report(
        ev,
        gold=gold_info(gold, gold_label),
        system=system,
        schema=SchemaInfo(name=schema.name, version=schema.version),
        human=human,
        groups=None
        if group_by is None
        else (group_by, {d.id: str(d.meta[group_by]) for d in gold.documents if d.meta.get(group_by) is not None}),
    )


def check_gold(gold: GoldSet, schema: Schema) -> None:
    """Refuse gold that cannot be scored as it is: no document, labels, types or roles the schema does not know
    (they would vanish from per-label and macro scores), or overlapping entity mentions."""
    where = display_path(gold.path) + (f" (split {gold.split})" if gold.split else "")
    if not gold.documents:
        raise AnnotError(
            f"{where}: no gold document to score", "Give a gold file with documents (and a split that has some)."
        )
    unknown: dict[str, list[str]] = {}

    def note(what: str, doc_id: str) -> None:
        unknown.setdefault(what, []).append(doc_id)

    overlaps = []
    for d in gold.documents:
        for e in d.entities:
            if e.label not in schema.entities:
                note(f"entity label {e.label!r}", d.id)
        ents = d.entity_by_id()
        for ev in d.events:
            if ev.type not in schema.events:
                note(f"event type {ev.type!r}", d.id)
                continue
            for a in ev.arguments:
                if a.role not in schema.events[ev.type].roles:
                    note(f"role {a.role!r} of {ev.type}", d.id)
                elif (
                    ents[a.entity].label in schema.entities
                    and ents[a.entity].label not in schema.events[ev.type].roles[a.role]
                ):
                    note(f"a {ents[a.entity].label} as {a.role} of {ev.type}", d.id)
        ordered = sorted(d.entities)
        overlaps += [
            f"{d.id}: {x.label} “{d.text[x.start : x.end]}” at {x.start}-{x.end} overlaps {y.label} “{d.text[y.start : y.end]}” "
            f"at {y.start}-{y.end}"
            for x, y in zip(ordered, ordered[1:])
            if y.start < x.end
        ]
    problems = [
        f"{what}: not in schema {schema.name} ({len(ids)} time(s), e.g. in {', '.join(sorted(set(ids))[:3])})"
        for what, ids in sorted(unknown.items())
    ]
    problems += overlaps
    raise_if_problems(
        problems,
        f"{where}: the gold does not fit the schema",
        "Add what is missing to the schema (--schema), relabel the gold (annot convert --label-map), or score "
        "without a schema from outside a project (labels from the data); gold mentions must not overlap.",
    )


def human_ceiling(gold: GoldSet, schema: Schema, settings: ScoringSettings) -> HumanCeiling | None:
    """The agreement of the gold's annotators on the scored documents that two or more annotated, when the
    corpus keeps their annotations (an annotators/ folder beside the gold); None otherwise."""
    from ..corpus.annotations import ANNOTATORS, by_annotator, read_annotations
    from ..reporting.agreement import span_agreement
    from ..scoring.agreement import agreement

    corpus = gold.path.parent
    if not (corpus / ANNOTATORS).is_dir():
        return None
    scored = {d.id for d in gold.documents}
    annotated, _ = read_annotations([corpus], schema)
    groups = by_annotator([a for a in annotated if a.document.id in scored])
    pairs, pooled, _ = agreement(
        groups, labels=list(schema.entities), event_types=list(schema.events), roles=schema.roles, settings=settings
    )
    if pooled is None:
        return None
    spans = span_agreement(pooled, SchemaInfo(name=schema.name, version=schema.version))
    shared = sorted({d for p in pairs for d in p.documents})
    return HumanCeiling(
        documents=len(shared),
        annotators=tuple(sorted({w for p in pairs for w in (p.a, p.b)})),
        pairs=len(pairs),
        entities=spans.entities,
        events=spans.events,
    )


def gold_info(gold: GoldSet, label: str | None = None) -> GoldInfo:
    """What a report says about its gold: file, SHA-256 of the file (or of the documents in memory), split, size."""
    if gold.sha256:
        sha = gold.sha256
    elif gold.path.is_file():
        sha = sha256_file(gold.path)
    else:  # gold given in memory: a digest of its document ids and texts
        sha = text_sha256("\n".join(f"{d.id}\t{d.sha256}" for d in sorted(gold.documents, key=lambda d: d.id)))
    return GoldInfo(
        path=display_path(gold.path), sha256=sha, documents=len(gold.documents), split=gold.split, label=label
    )


def system_predictions(system: SystemConfig, gold_docs: list[Document], schema: Schema) -> list[Document]:
    """The predictions of a configured system on the gold documents' texts."""
    if system.kind == "file":
        assert system.path is not None
        return read_documents(system.path)
    from ..systems.pipeline import build_pipeline
    from ..systems.predict import predict_documents

    assert system.label_map is not None
    nlp, lmap = build_pipeline(system.model, system.label_map, schema, system.events)
    return predict_documents(nlp, gold_docs, lmap, system.name, system.batch_size, system.n_process)


def _models(preds: Sequence[Document]) -> str | None:
    versions = sorted({str(p.meta.get("model")) for p in preds if p.meta.get("model")})
    return ", ".join(versions) or None


# ------------------------------------------------------------------- plan


@dataclass(frozen=True, kw_only=True)
class Options:
    """What the user asked on the command line (None: not given)."""

    gold: Path | None = None
    pred: Path | None = None
    output: Path | None = None
    config: Path | None = None
    schema: Path | None = None
    split: str | None = None
    bootstrap: int | None = None
    seed: int | None = None
    thresholds: Sequence[str] = ()
    baseline: Path | None = None
    max_drop: float | None = None
    min_support: int | None = None
    significant_only: bool = False
    alpha: float | None = None
    no_gate: bool = False
    group_by: str | None = None


@dataclass(frozen=True, kw_only=True)
class Plan:
    """One evaluation to run: the prediction file against the gold, or every configured system."""

    schema: Path | None  # None: no schema, labels from the data
    settings: ScoringSettings
    gate: GateSettings | None
    gold: Path
    split: str | None
    output: Path
    pred: Path | None = None  # the file form
    config: EvalConfig | None = None  # the configured form
    group_by: str | None = None


def plan_evaluation(o: Options) -> Plan:
    """Merge the options, the evaluation config and the defaults into one plan (options win)."""
    if (o.gold is None) != (o.pred is None):
        raise AnnotError("give both --gold and --pred, or neither (to evaluate the configured systems)")
    if o.baseline is None and (o.max_drop is not None or o.significant_only):
        raise AnnotError("--max-drop and --significant-only need --baseline")
    thresholds = parse_thresholds(o.thresholds)
    config_path = o.config or project_path(EVALUATION_CONFIG)
    cfg = load_eval_config(config_path) if (o.gold is None or config_path.exists()) else None
    settings = cfg.settings if cfg else ScoringSettings()
    if o.bootstrap is not None:
        settings = dataclasses.replace(settings, bootstrap_samples=o.bootstrap)
    if o.seed is not None:
        settings = dataclasses.replace(settings, seed=o.seed)
    schema: Path | None = o.schema or (cfg.schema if cfg else project_path(SCHEMA))
    if o.gold is not None and o.schema is None and cfg is None and schema is not None and not schema.exists():
        schema = None  # no project here: labels, event types and roles come from the data
    overrides = {
        "thresholds": thresholds,
        "baseline": None if o.baseline is None else str(o.baseline),
        "max_drop": o.max_drop,
        "min_support": o.min_support,
        "significant_only": o.significant_only,
        "alpha": o.alpha,
    }
    if o.gold is not None:
        gate = None if o.no_gate else GateSettings().merged(**overrides)  # type: ignore[arg-type]
        return Plan(
            schema=schema,
            settings=settings,
            gate=gate if gate and gate.active else None,
            gold=o.gold,
            split=o.split,
            output=o.output or project_path(REPORTS) / o.pred.stem,  # type: ignore[union-attr]
            pred=o.pred,
            group_by=o.group_by or (cfg.group_by if cfg else None),
        )
    assert cfg is not None
    gate = None if o.no_gate else cfg.gate.merged(**overrides)  # type: ignore[arg-type]
    return Plan(
        schema=schema,
        settings=settings,
        gate=gate if gate and gate.active else None,
        gold=cfg.gold,
        split=o.split or cfg.split,
        output=o.output or cfg.output,
        config=cfg,
        group_by=o.group_by or cfg.group_by,
    )


# -------------------------------------------------------------------- run


@dataclass(frozen=True, kw_only=True)
class SystemResult:
    name: str
    report: Report
    paths: list[Path]

    @property
    def passed(self) -> bool:
        return self.report.gate is None or self.report.gate.passed


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What a plan produced: one result per system, and the side-by-side table when there were several."""

    results: list[SystemResult]
    comparison: SideBySide | None = None
    comparison_paths: list[Path] = dataclasses.field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)


def _gated(report: Report, gate: GateSettings | None) -> Report:
    return report if gate is None else dataclasses.replace(report, gate=run_gate(report, gate))


def run_plan(plan: Plan) -> Outcome:
    """Score what the plan names, run the gate, write every report.

    Everything is scored first; then each report folder is written in a staging folder and all are swapped in
    together (a run that fails leaves the previous reports as they were). A second run into the same output at
    the same time is refused.
    """
    gold = read_gold(plan.gold, plan.split)
    if plan.pred is not None:
        preds = read_documents(plan.pred)
        schema = data_schema(gold.documents, preds) if plan.schema is None else load_schema(plan.schema)
        systems = sorted({str(p.meta.get("system")) for p in preds if p.meta.get("system")})
        info = SystemInfo(name=", ".join(systems) or plan.pred.stem, predictions=str(plan.pred), model=_models(preds))
        human = human_ceiling(gold, schema, plan.settings)
        report = _gated(score(gold, preds, schema, plan.settings, info, human=human, group_by=plan.group_by), plan.gate)
        with output_lock(plan.output.parent, plan.output.name), staged_folder(plan.output) as staging:
            write_report(report, staging)
        return Outcome(results=[SystemResult(name=info.name, report=report, paths=_paths(plan.output))])
    cfg = plan.config
    assert cfg is not None and plan.schema is not None
    schema = load_schema(plan.schema)
    scored: list[tuple[SystemConfig, Report, list[Document]]] = []
    gold_label = display_path(plan.gold) + (f" (split {plan.split})" if plan.split else "")
    human = human_ceiling(gold, schema, plan.settings)
    for system in cfg.systems:
        preds = system_predictions(system, gold.documents, schema)
        info = SystemInfo(
            name=system.name,
            kind=system.kind,
            model=(display_path(system.model) if "/" in system.model else system.model) or None,
            version=_models(preds) if system.model else None,
        )
        gate = None if plan.gate is None else plan.gate.for_system(system.name, cfg.root)
        report = _gated(score(gold, preds, schema, plan.settings, info, gold_label, human, plan.group_by), gate)
        scored.append((system, report, preds))
    table = side_by_side({s.name: r for s, r, _ in scored}) if len(scored) > 1 else None
    with output_lock(plan.output, "reports"), contextlib.ExitStack() as stack:
        for system, report, preds in scored:
            staging = stack.enter_context(staged_folder(plan.output / system.name))
            if system.kind == "spacy":
                write_documents(staging / "predictions.jsonl", preds)
            write_report(report, staging)
        comparison_paths = [] if table is None else write_comparison(table, plan.output)
    results = [SystemResult(name=s.name, report=r, paths=_paths(plan.output / s.name)) for s, r, _ in scored]
    return Outcome(results=results, comparison=table, comparison_paths=comparison_paths)


def _paths(folder: Path) -> list[Path]:
    return [folder / "report.json", folder / "report.md", folder / "report.html"]
