"""`annot evaluate` as a job: what to score (files, or the configured systems), scoring, the gate, the files written.

`plan_evaluation` turns the command line's options and the evaluation config
into a `Plan`; `run_plan` scores and writes. Neither prints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..cluster import DEFAULT_TIMEOUT
from ..columns import Columns, Vocab, Vocabs, from_documents, read_files_columns
from ..comparison.gate import GateSettings, parse_thresholds, run_gate
from ..comparison.paired import side_by_side
from ..corpus.ledger import Entry, Policy, check_policy, columns_digest, held_out_splits, read_ledger, record, standing
from ..corpus.ledger import now as ledger_now
from ..corpus.splits import SPLITS, GoldColumns, checked_gold_file, gold_columns, read_gold, split_covered, split_ids
from ..documents import Document, read_documents, text_sha256, write_documents
from ..errors import AnnotError, raise_if_problems
from ..files import display_path, output_lock, sha256_file, staged_folder
from ..formats.convert import refuse_other_format
from ..parallel import LOCAL, Execution, release_memory, workers
from ..project import EVALUATION_CONFIG, REPORTS, SCHEMA, project_path
from ..reporting.build import build_report
from ..reporting.model import GoldInfo, HeldOut, HumanCeiling, Report, SchemaInfo, SideBySide, SystemInfo, Verdict
from ..reporting.write import write_comparison, write_report
from ..schema import Schema, load_schema, schema_from_names
from ..scoring import scorer
from ..scoring.execution import Cluster
from ..scoring.scorer import Names, ScoringSettings, pairing
from .config import EvalConfig, SystemConfig, load_eval_config
from .stored import human_ceiling, stored_tokens

IN_MEMORY = "(in memory)"  # how a report names gold given as documents in memory (the Python API)


def vocabs_of(schema: Schema | None) -> Vocabs:
    """The label, type and role codes of an evaluation, starting with the schema's (None: from the data)."""
    if schema is None:
        return Vocabs()
    return Vocabs(labels=Vocab(schema.entities), types=Vocab(schema.events), roles=Vocab(schema.roles))


@dataclass(frozen=True, kw_only=True)
class Scoring:
    """How a system is scored and reported, besides its predictions: the schema (None: the labels, event types
    and roles of the data), the settings, where the counting runs, the human ceiling, the meta key to group
    documents by, and how the report names its gold."""

    schema: Schema | None = None
    settings: ScoringSettings = ScoringSettings()
    execution: Execution = LOCAL
    cluster: Cluster | None = None
    human: HumanCeiling | None = None
    group_by: str | None = None
    gold_label: str | None = None


def score_system(gold: GoldColumns, pred: Columns, system: SystemInfo, how: Scoring) -> Report:
    """Score `pred` against `gold` (columns with the same vocabs) and build the report (no gate, nothing written).

    Refuses gold the schema does not fit and predictions that do not match the gold's documents.
    """
    schema = how.schema if how.schema is not None else columns_schema(gold.columns, pred)
    check_gold(gold, schema)
    refuse_split_forgotten(gold, pred)
    order, ignored = pairing(gold.columns.ids, gold.columns.sha256, pred.ids, pred.sha256, gold.other_ids)
    ev = scorer.score(
        gold.columns,
        pred.take(np.array(order, dtype=np.int64)),
        gold.texts,
        names=Names(labels=list(schema.entities), event_types=list(schema.events), roles=schema.roles),
        settings=how.settings,
        ignored=ignored,
        execution=how.execution,
        cluster=how.cluster,
        tokens=stored_tokens(gold.path.parent) if gold.path is not None else None,
    )
    meta = gold.columns.meta or []
    group_by = how.group_by
    return build_report(
        ev,
        gold=gold_info(gold, how.gold_label),
        system=system,
        schema=SchemaInfo(name=schema.name, version=schema.version),
        human=how.human,
        groups=None
        if group_by is None
        else (
            group_by,
            {d: str(m[group_by]) for d, m in zip(gold.columns.ids, meta) if m.get(group_by) is not None},
        ),
    )


def refuse_split_forgotten(gold: GoldColumns, pred: Columns) -> None:
    """Refuse, naming --split, predictions made for exactly one split of the gold's corpus and scored against the
    whole corpus (the gold documents they lack are the other splits')."""
    if gold.path is None or gold.split is not None:
        return
    name = split_covered(gold.path, gold.columns.ids, pred.ids)
    if name is None:
        return
    lacking = sorted(set(gold.columns.ids) - set(pred.ids))
    raise AnnotError(
        f"{display_path(gold.path)}: the predictions cover exactly split {name!r} of the corpus; the "
        f"{len(lacking)} gold documents without a prediction are the other splits' ({', '.join(lacking[:3])}, ...)",
        f"Score that split only: add --split {name} (in Python: annot.evaluate(..., split={name!r})).",
    )


def check_systems(cfg: EvalConfig, where: Path | None = None) -> None:
    """Check that every configured system can run (models, label maps, event rules, prediction files) before
    any of them predicts; every problem at once."""
    from ..systems.pipeline import model_problem

    problems = []
    for s in cfg.systems:
        if s.kind == "file":
            assert s.path is not None
            if not s.path.is_file():
                problems.append(f"systems.{s.name}.path: {display_path(s.path)}: prediction file not found")
            else:
                refuse_other_format(s.path, f"systems.{s.name}.path: predictions")
            continue
        problem = model_problem(s.model)
        if problem is not None:
            trained = Path(s.model).parent.name if Path(s.model).name == "model-best" else None
            fix = f" (train it: annot train --name {trained})" if trained else ""
            problems.append(f"systems.{s.name}.model: {problem}{fix}")
        for key, path in (("label_map", s.label_map), ("events", s.events)):
            if path is not None and not path.is_file():
                problems.append(f"systems.{s.name}.{key}: {display_path(path)}: file not found")
    raise_if_problems(
        problems,
        f"{display_path(where) if where else 'the evaluation config'}: the configured systems cannot all run; "
        "nothing was predicted",
        "Install the pipeline packages (pip install -e '.[model]'), train the models named, or fix the paths "
        "(relative to the config's folder).",
    )


def columns_schema(*sides: Columns) -> Schema:
    """The schema of the labels, event types and roles used in `sides` (no role constraints)."""
    labels: set[str] = set()
    roles: dict[str, set[str]] = {}
    for c in sides:
        v = c.vocabs
        labels.update(v.labels.names[i] for i in np.unique(c.ent_label))
        for t in np.unique(c.ev_type):
            roles.setdefault(v.types.names[t], set())
        width = len(v.roles.names) + 1
        for cell in np.unique(c.ev_type[c.arg_event] * width + c.arg_role):
            roles[v.types.names[cell // width]].add(v.roles.names[cell % width])
    return schema_from_names(labels, roles)


def check_gold(gold: GoldColumns, schema: Schema) -> None:
    """Refuse gold that cannot be scored as it is: no document, labels, types or roles the schema does not know
    (they would vanish from per-label and macro scores), or mentions the schema's `[mentions]` declaration does
    not allow (overlapping ones in a flat schema, fragments where none are declared)."""
    where = (IN_MEMORY if gold.path is None else display_path(gold.path)) + (
        f" (split {gold.split})" if gold.split else ""
    )
    c = gold.columns
    if not len(c):
        raise AnnotError(
            f"{where}: no gold document to score", "Give a gold file with documents (and a split that has some)."
        )
    v = c.vocabs
    unknown: dict[str, list[str]] = {}

    def note(what: str, docs: np.ndarray) -> None:
        unknown[what] = [c.ids[d] for d in docs]

    for code in np.unique(c.ent_label):
        if v.labels.names[code] not in schema.entities:
            note(f"entity label {v.labels.names[code]!r}", c.ent_doc[c.ent_label == code])
    for code in np.unique(c.ev_type):
        if v.types.names[code] not in schema.events:
            note(f"event type {v.types.names[code]!r}", c.ev_doc[c.ev_type == code])
    if len(c.arg_event):
        arg_type = c.ev_type[c.arg_event]
        # What fills each role: an entity label, or (nested events) past the labels, an event type.
        n_lab = len(v.labels.names)
        is_ev = c.arg_ref >= 0
        ent_label = c.ent_label[np.where(is_ev, 0, c.arg_entity)] if len(c.ent_doc) else np.zeros(len(is_ev), int)
        arg_label = np.where(is_ev, n_lab + c.ev_type[np.where(is_ev, c.arg_ref, 0)], ent_label)
        fillers = [*v.labels.names, *v.types.names]
        arg_doc = c.ev_doc[c.arg_event]
        n_roles, n_labels = len(v.roles.names) + 1, len(fillers) + 1
        cells = np.unique((arg_type * n_roles + c.arg_role) * n_labels + arg_label)
        for t, r, lab in zip(cells // (n_roles * n_labels), cells // n_labels % n_roles, cells % n_labels):
            etype, role, label = v.types.names[t], v.roles.names[r], fillers[lab]
            if etype not in schema.events:
                continue
            docs = arg_doc[(arg_type == t) & (c.arg_role == r) & (arg_label == lab)]
            known = schema.entities if lab < n_lab else schema.events
            if role not in schema.events[etype].roles:
                unknown.setdefault(f"role {role!r} of {etype}", []).extend(c.ids[d] for d in docs)
            elif label in known and label not in schema.events[etype].roles[role]:
                note(f"a{'n event' if lab >= n_lab else ''} {label} as {role} of {etype}", docs)
    problems = [
        f"{what}: not in schema {schema.name} ({len(ids)} time(s), e.g. in {', '.join(sorted(set(ids))[:3])})"
        for what, ids in sorted(unknown.items())
    ]
    if not schema.nested:
        problems += overlapping_mentions(gold, schema)
    if not schema.discontinuous and (c.ent_frag != 0).any():
        rows = np.flatnonzero(c.ent_frag != 0)
        problems.append(
            f"{len(rows)} discontinuous mention(s) (fragments), e.g. in {', '.join(sorted({c.ids[d] for d in c.ent_doc[rows]})[:3])}: "
            f"schema {schema.name} declares none ([mentions] discontinuous = false)"
        )
    raise_if_problems(
        problems,
        f"{where}: the gold does not fit the schema",
        "Add what is missing to the schema (--schema), relabel the gold (annot convert --label-map), or score "
        "without a schema from outside a project (labels from the data); a schema whose [mentions] are flat "
        "refuses overlapping gold mentions (declare nested = true, or discontinuous = true, if the corpus has them).",
    )


def overlapping_mentions(gold: GoldColumns, schema: Schema | None = None) -> list[str]:
    """One line per pair of neighbouring gold mentions that overlap (share a character), with their text."""
    c = gold.columns
    order = np.lexsort((c.ent_label, c.ent_end, c.ent_start, c.ent_doc))
    if len(order) < 2:
        return []
    x, y = order[:-1], order[1:]
    hit = (c.ent_doc[x] == c.ent_doc[y]) & (c.ent_start[y] < c.ent_end[x])
    if (c.ent_frag != 0).any():  # a fragment's gap may hold another mention: compare characters
        for k in np.flatnonzero(hit & ((c.ent_frag[x] != 0) | (c.ent_frag[y] != 0))).tolist():
            a, b = c.entity_pieces(int(x[k])), c.entity_pieces(int(y[k]))
            hit[k] = any(s < f and r < e for s, e in a for r, f in b)
    if not hit.any():
        return []
    docs = sorted({int(d) for d in c.ent_doc[x[hit]]})
    text_of = dict(zip(docs, gold.texts(docs)))
    names = c.vocabs.labels.names
    out = []
    for a, b in zip(x[hit], y[hit]):
        text = text_of[int(c.ent_doc[a])]
        xs, xe, ys, ye = (int(v) for v in (c.ent_start[a], c.ent_end[a], c.ent_start[b], c.ent_end[b]))
        out.append(
            f"{c.ids[c.ent_doc[a]]}: {names[c.ent_label[a]]} “{text[xs:xe]}” at {xs}-{xe} overlaps "
            f"{names[c.ent_label[b]]} “{text[ys:ye]}” at {ys}-{ye}"
            + (f" (schema {schema.name} declares mentions flat: [mentions] nested = false)" if schema else "")
        )
    return out


def gold_info(gold: GoldColumns, label: str | None = None) -> GoldInfo:
    """What a report says about its gold: file, SHA-256 of the file (or of the documents in memory), split, size."""
    c = gold.columns
    if gold.sha256:
        sha = gold.sha256
    elif gold.path is not None and gold.path.is_file():
        sha = sha256_file(gold.path)
    else:  # gold given in memory: a digest of its document ids and texts
        sha = text_sha256("\n".join(f"{d}\t{h}" for d, h in sorted(zip(c.ids, c.sha256))))
    path = IN_MEMORY if gold.path is None else display_path(gold.path)
    return GoldInfo(path=path, sha256=sha, documents=len(c), split=gold.split, label=label)


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


def _models(metas: Sequence[Any]) -> str | None:
    versions = sorted({str(m.get("model")) for m in metas if m.get("model")})
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
    max_errors: int | None = None
    workers: int | None = None
    scheduler: str | None = None  # a Dask scheduler's address (already merged with DASK_SCHEDULER_ADDRESS)
    scheduler_timeout: float | None = None
    thresholds: Sequence[str] = ()
    baseline: Path | None = None
    max_drop: float | None = None
    min_support: int | None = None
    significant_only: bool = False
    alpha: float | None = None
    no_gate: bool = False
    group_by: str | None = None
    held_out_policy: Policy | None = None  # None: the config's [held_out] policy (default warn)
    source_format: str | None = None  # the format of --gold and --pred when not annot's JSONL ("textee", ...)


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
    config_path: Path | None = None
    group_by: str | None = None
    execution: Execution = LOCAL
    scheduler: str | None = None  # count on this Dask cluster
    scheduler_timeout: float = DEFAULT_TIMEOUT
    held_out_policy: Policy = Policy.WARN  # what scoring a held-out split does beyond recording it
    source_format: str | None = None  # --gold and --pred in another format than annot's JSONL


def plan_evaluation(o: Options) -> Plan:
    """Merge the options, the evaluation config and the defaults into one plan (options win)."""
    if (o.gold is None) != (o.pred is None):
        raise AnnotError("give both --gold and --pred, or neither (to evaluate the configured systems)")
    if o.source_format is not None and o.gold is None:
        raise AnnotError("--from is the format of --gold and --pred", "Give --gold and --pred, or drop --from.")
    if o.source_format is not None and o.split is not None:
        raise AnnotError(
            "--split names a split of a corpus's splits.json; with --from, give the split's own file",
            "Drop --split (a TextEE benchmark's split is its file: split1/test.json).",
        )
    if o.baseline is None and (o.max_drop is not None or o.significant_only):
        raise AnnotError("--max-drop and --significant-only need --baseline")
    if o.scheduler is None and o.scheduler_timeout is not None:
        raise AnnotError(
            "--scheduler-timeout is for a run on a Dask cluster",
            "Give the scheduler's address with --scheduler (or DASK_SCHEDULER_ADDRESS), or leave it out.",
        )
    thresholds = parse_thresholds(o.thresholds)
    config_path = o.config or project_path(EVALUATION_CONFIG)
    cfg = load_eval_config(config_path) if (o.gold is None or config_path.exists()) else None
    settings = cfg.settings if cfg else ScoringSettings()
    if o.bootstrap is not None:
        settings = dataclasses.replace(settings, bootstrap_samples=o.bootstrap)
    if o.seed is not None:
        settings = dataclasses.replace(settings, seed=o.seed)
    if o.max_errors is not None:
        settings = dataclasses.replace(settings, max_errors=o.max_errors)
    execution = Execution(workers=workers(o.workers))
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
            execution=execution,
            scheduler=o.scheduler,
            scheduler_timeout=o.scheduler_timeout or DEFAULT_TIMEOUT,
            held_out_policy=o.held_out_policy or (cfg.held_out_policy if cfg else Policy.WARN),
            source_format=o.source_format,
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
        config_path=config_path,
        group_by=o.group_by or cfg.group_by,
        execution=execution,
        scheduler=o.scheduler,
        scheduler_timeout=o.scheduler_timeout or DEFAULT_TIMEOUT,
        held_out_policy=o.held_out_policy or cfg.held_out_policy,
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
    warnings: list[str] = dataclasses.field(default_factory=list)  # the held-out ledger's, under policy warn

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)


def _gated(report: Report, gate: GateSettings | None) -> Report:
    return report if gate is None else dataclasses.replace(report, gate=run_gate(report, gate))


@contextlib.contextmanager
def _cluster(plan: Plan) -> Iterator[Cluster | None]:
    """The plan's Dask cluster as a way to count chunks of documents (None: count here).

    About four chunks per worker thread, so that a slow worker holds up little; each goes to a worker as
    columns of numbers (no text), and its counts and errors come back to be merged here.
    """
    if plan.scheduler is None:
        yield None
        return
    from ..cluster import connect, map_partitions

    with connect(plan.scheduler, plan.scheduler_timeout) as client:
        threads = sum(client.nthreads().values())
        pieces = plan.execution.cluster_pieces_per_thread * max(1, threads)
        yield Cluster(run=lambda fn, chunks: map_partitions(client, fn, chunks), pieces=pieces)


Progress = Callable[[str], None]


def run_plan(plan: Plan, progress: Progress | None = None) -> Outcome:
    """Score what the plan names, run the gate, write every report.

    Everything is scored first; then each report folder is written in a staging folder and all are swapped in
    together (a run that fails leaves the previous reports as they were). A second run into the same output at
    the same time is refused. `progress` is told, in a line, what a long run is doing (each system predicting).
    """
    if plan.pred is not None and plan.source_format in (None, "jsonl"):  # named before anything is read
        refuse_other_format(plan.gold, "gold")
        refuse_other_format(plan.pred, "predictions", text_from=plan.gold)
    elif plan.config is not None:  # every configured system can run, checked before any predicts
        check_systems(plan.config, plan.config_path)
    with _cluster(plan) as cluster:  # connected first: a missing scheduler fails before any file is read
        return _run_plan(plan, cluster, progress or (lambda line: None))


def _read_other_format(plan: Plan, vocabs: Vocabs) -> tuple[GoldColumns, Columns]:
    """Gold and predictions in another format than annot's JSONL (`annot convert`'s readers), as columns."""
    from ..formats.convert import read_corpus

    assert plan.pred is not None
    gold_docs = read_corpus(plan.gold, plan.source_format)
    pred_docs = read_corpus(plan.pred, plan.source_format)
    keys = (plan.group_by,) if plan.group_by else ()
    digest = sha256_file(plan.gold) if plan.gold.is_file() else ""
    gold = GoldColumns.from_documents(gold_docs, vocabs, keys, plan.gold, None, frozenset(), digest)
    return gold, from_documents(pred_docs, vocabs, ("system", "model"))


def _run_plan(plan: Plan, cluster: Cluster | None, progress: Progress) -> Outcome:
    if plan.pred is not None:
        schema = None if plan.schema is None else load_schema(plan.schema)
        vocabs = vocabs_of(schema)
        if plan.source_format is not None and plan.source_format != "jsonl":
            gold, preds = _read_other_format(plan, vocabs)
        else:
            digest = checked_gold_file(plan.gold)
            every, preds = read_files_columns(
                [(plan.gold, (plan.group_by,) if plan.group_by else ()), (plan.pred, ("system", "model"))],
                vocabs,
                plan.execution,
            )
            release_memory()  # the decoder's garbage: the columns are what stays
            gold = gold_columns(plan.gold, plan.split, every, digest)
        metas = preds.meta or []
        systems = sorted({str(m["system"]) for m in metas if m.get("system")})
        info = SystemInfo(name=", ".join(systems) or plan.pred.stem, predictions=str(plan.pred), model=_models(metas))
        human = human_ceiling(gold, schema or columns_schema(gold.columns, preds), plan.settings)
        how = Scoring(
            schema=schema,
            settings=plan.settings,
            execution=plan.execution,
            cluster=cluster,
            human=human,
            group_by=plan.group_by,
        )
        report = _gated(score_system(gold, preds, info, how), plan.gate)
        pending = held_out_scorings(gold, preds, report, None)
        report, cautions = _held_out(report, pending, plan.held_out_policy)
        with output_lock(plan.output.parent, plan.output.name), staged_folder(plan.output) as staging:
            write_report(report, staging)
        _record(pending)
        return Outcome(
            results=[SystemResult(name=info.name, report=report, paths=_paths(plan.output))], warnings=cautions
        )
    gold_docs = read_gold(plan.gold, plan.split)
    cfg = plan.config
    assert cfg is not None and plan.schema is not None
    schema = load_schema(plan.schema)
    scored: list[tuple[SystemConfig, Report, list[Document]]] = []
    gold_label = display_path(plan.gold) + (f" (split {plan.split})" if plan.split else "")
    vocabs = vocabs_of(schema)
    gold = GoldColumns.of(gold_docs, vocabs, (plan.group_by,) if plan.group_by else ())
    how = Scoring(
        schema=schema,
        settings=plan.settings,
        execution=plan.execution,
        cluster=cluster,
        human=human_ceiling(gold, schema, plan.settings),
        group_by=plan.group_by,
        gold_label=gold_label,
    )
    warnings: list[str] = []
    every_pending: list[tuple[Path, Entry]] = []
    for i, system in enumerate(cfg.systems, 1):
        doing = "reading its predictions" if system.kind == "file" else "predicting"
        progress(f"[{i}/{len(cfg.systems)}] {system.name}: {doing} ({len(gold_docs.documents)} documents) and scoring")
        docs = system_predictions(system, gold_docs.documents, schema)
        info = SystemInfo(
            name=system.name,
            kind=system.kind,
            model=(display_path(system.model) if "/" in system.model else system.model) or None,
            version=_models([p.meta for p in docs]) if system.model else None,
        )
        gate = None if plan.gate is None else plan.gate.for_system(system.name, cfg.root)
        pred = from_documents(docs, vocabs)
        report = _gated(score_system(gold, pred, info, how), gate)
        pending = held_out_scorings(gold, pred, report, system_digest(system, _models([p.meta for p in docs])))
        report, notes = _held_out(report, pending, plan.held_out_policy)
        warnings += notes
        every_pending += pending
        scored.append((system, report, docs))
    table = side_by_side({s.name: r for s, r, _ in scored}) if len(scored) > 1 else None
    with output_lock(plan.output, "reports"), contextlib.ExitStack() as stack:
        for system, report, docs in scored:
            staging = stack.enter_context(staged_folder(plan.output / system.name))
            if system.kind == "spacy":
                write_documents(staging / "predictions.jsonl", docs)
            write_report(report, staging)
        comparison_paths = [] if table is None else write_comparison(table, plan.output)
    _record(every_pending)
    results = [SystemResult(name=s.name, report=r, paths=_paths(plan.output / s.name)) for s, r, _ in scored]
    return Outcome(results=results, comparison=table, comparison_paths=comparison_paths, warnings=warnings)


# ------------------------------------------------------------- held out


def held_out_scorings(
    gold: GoldColumns, pred: Columns, report: Report, system_sha256: str | None
) -> list[tuple[Path, Entry]]:
    """The ledger entries of a scoring: one per held-out split of the gold's corpus whose documents were scored
    (`system_sha256` None: the system is known only by its predictions, a file)."""
    if gold.path is None:
        return []
    corpus = gold.path.parent
    held = held_out_splits(corpus)
    if not held:
        return []
    g, index_p = gold.columns, {d: i for i, d in enumerate(pred.ids)}
    index_g = {d: i for i, d in enumerate(g.ids)}
    micro = report.events.micro
    figures = {
        "documents_scored": float(len(g)),
        "entities.micro.strict.f1": report.entities.micro["strict"].f1,
        "events.micro.trigger_classification.f1": micro["trigger_classification"].f1,
        "events.micro.argument_classification.f1": micro["argument_classification"].f1,
    }
    if report.groups is not None:  # the figures by group (--group-by) are figures of record too
        for value, gs in report.groups.values.items():
            at = f"groups.{report.groups.key}.{value}"
            figures[f"{at}.documents"] = float(gs.documents)
            figures[f"{at}.entities.strict.f1"] = gs.entities["strict"].f1
            figures[f"{at}.events.trigger_classification.f1"] = gs.events["trigger_classification"].f1
            figures[f"{at}.events.argument_classification.f1"] = gs.events["argument_classification"].f1
    out = []
    for split in held:
        rows = [index_g[i] for i in split_ids(corpus / SPLITS, split, gold.path, None) if i in index_g]
        if not rows:
            continue
        predicted = columns_digest(pred, [index_p[g.ids[r]] for r in rows if g.ids[r] in index_p])
        entry = Entry(
            scored_at=ledger_now(),
            split=split,
            gold_sha256=columns_digest(g, rows),
            documents=len(rows),
            system=report.meta.system.name,
            system_sha256=system_sha256 or predicted,
            predictions_sha256=predicted,
            annot_version=report.meta.annot_version,
            figures=figures,
        )
        out.append((corpus, entry))
    return out


def _held_out(report: Report, pending: list[tuple[Path, Entry]], policy: Policy) -> tuple[Report, list[str]]:
    """The report with what the ledger says of its held-out split, and the policy's warnings; under policy
    refuse, an AnnotError before anything is written."""
    if not pending:
        return report, []
    notes: list[str] = []
    for corpus, entry in pending:
        notes += check_policy(read_ledger(corpus), entry, policy)
    if notes and policy == Policy.REFUSE:
        raise AnnotError(
            "the held-out split's policy refuses this scoring; nothing was written",
            "Score the development split while the system changes (--split dev); a held-out figure comes from a "
            "system frozen before its first score there (docs/guides/held-out.md).",
            notes,
        )
    corpus, entry = pending[0]
    st = standing(read_ledger(corpus), entry, policy)
    held = HeldOut(documents=entry.documents, **dataclasses.asdict(st))  # the ledger's standing, as reported
    return dataclasses.replace(report, meta=dataclasses.replace(report.meta, held_out=held)), notes


def _record(pending: list[tuple[Path, Entry]]) -> None:
    for corpus, entry in pending:
        record(corpus, entry)


# The code that turns a pipeline's output into predictions: part of what a configured system is.
_SYSTEM_CODE = ("extractor.py", "labelmap.py", "predict.py", "pipeline.py")
MODEL_FOLDER = "(a model folder)"  # what stands for a model folder's path in a system's digest


def system_digest(system: SystemConfig, version: str | None) -> str | None:
    """A digest of what makes a configured system: its kind and model (a package by its name; a model folder by
    what is in it, never by where it lies: its record of how it was trained and its training config), the
    pipeline's name and version as it reports them (`version`, as predictions' meta.model gives it), its label
    map and event rules, and annot's code that applies them. The same on every checkout and machine. None for a
    prediction file (known by its predictions only)."""
    import hashlib

    if system.kind == "file":
        return None
    h = hashlib.sha256()
    model = Path(system.model)
    folder = model.is_dir() and (model / "meta.json").is_file()
    h.update(json.dumps([system.kind, MODEL_FOLDER if folder else system.model, version or ""]).encode())
    if folder:
        meta = json.loads((model / "meta.json").read_text(encoding="utf-8"))
        h.update(json.dumps(meta.get("annot", {}), sort_keys=True).encode())
        if (model / "config.cfg").is_file():
            h.update(_without_paths((model / "config.cfg").read_text(encoding="utf-8")).encode())
    for path in (system.label_map, system.events):
        if path is not None:
            h.update(Path(path).read_bytes())
    code = Path(__file__).resolve().parent.parent / "systems"
    for name in _SYSTEM_CODE:
        h.update((code / name).read_bytes())
    return h.hexdigest()


def _without_paths(config: str) -> str:
    """A spaCy training config less its [paths] section (where the training data lay when it was trained: the
    data itself is in the model's record).

    >>> _without_paths('[paths]\\ntrain = "/tmp/x/train.spacy"\\n\\n[system]\\nseed = 0\\n')
    '[system]\\nseed = 0\\n'
    """
    out, skip = [], False
    for line in config.splitlines(keepends=True):
        if line.startswith("["):
            skip = line.strip() == "[paths]"
        if not skip:
            out.append(line)
    return "".join(out)


def _paths(folder: Path) -> list[Path]:
    return [folder / "report.json", folder / "report.md", folder / "report.html"]


# --------------------------------------------------------------------- CI


def run_verdict(outcome: Outcome) -> Verdict:
    """The run's one verdict: every system's gate, the failed ones with the largest shortfall first."""
    from ..reporting.ci import verdict

    return verdict([(r.name, r.report, display_path(r.paths[0])) for r in outcome.results])


def write_ci_files(
    v: Verdict,
    outcome: Outcome,
    *,
    junit: Path | None = None,
    summary: Path | None = None,
    step_summary: str | None = None,
) -> list[str]:
    """Write what CI systems read: the JUnit XML and the Markdown summary where asked (atomically), and the
    summary appended to `step_summary` (GitHub's $GITHUB_STEP_SUMMARY file). Returns a line per file."""
    from ..files import atomic_write_text
    from ..reporting.ci import junit_xml
    from ..reporting.ci import step_summary as summary_text

    text = summary_text(v, [r.report for r in outcome.results], outcome.comparison)
    done = []
    if junit is not None:
        atomic_write_text(Path(junit), junit_xml(v))
        done.append(f"wrote {junit} (JUnit XML)")
    if summary is not None:
        atomic_write_text(Path(summary), text)
        done.append(f"wrote {summary} (Markdown summary)")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as f:
            f.write(text)
        done.append("summary appended to $GITHUB_STEP_SUMMARY")
    return done
