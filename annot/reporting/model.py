"""The typed report: frozen records of report.json, and reading a report file back.

report.json is the contract (docs/reference/report-format.md): keys are only ever
added. The records are built from an Evaluation by `build.py`, written to JSON
and read back by `codec.py` (`Report.to_json()`, `Report.from_json()`: sorted
keys, floats rounded to 6 digits; reading validates every type). Values in
memory are not rounded; the gate compares them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AnnotError
from ..scoring.analysis import ErrorItem
from ..scoring.bootstrap import Interval
from ..scoring.counts import EntityCounts, EventCounts
from ..scoring.table import CountTable
from .codec import (
    OMIT_EMPTY,
    OMIT_NONE,
    builtins_of_fields,
    decode,
    dumps_sorted,
    per_document_chunks,
    round_float,
    to_builtins,
)

# ------------------------------------------------------------------ scores


@dataclass(frozen=True, kw_only=True)
class EntityScore:
    """Counts of one entity scheme, their P/R/F1 and, when bootstrapped, the interval of each."""

    correct: int
    incorrect: int
    partial: int
    missed: int
    spurious: int
    possible: int
    actual: int
    precision: float | None
    recall: float | None
    f1: float | None
    ci: Interval | None = field(default=None, metadata=OMIT_NONE)

    @classmethod
    def of(cls, c: EntityCounts, zero_division: str, ci: Interval | None = None) -> EntityScore:
        p, r, f = c.scores(zero_division)
        return cls(
            correct=c.correct,
            incorrect=c.incorrect,
            partial=c.partial,
            missed=c.missed,
            spurious=c.spurious,
            possible=c.possible,
            actual=c.actual,
            precision=p,
            recall=r,
            f1=f,
            ci=ci,
        )

    @property
    def support(self) -> int:
        return self.possible


@dataclass(frozen=True, kw_only=True)
class EventScore:
    """Matched, predicted and gold items of one event level, and their P/R/F1."""

    matched: int
    predicted: int
    gold: int
    precision: float | None
    recall: float | None
    f1: float | None
    ci: Interval | None = field(default=None, metadata=OMIT_NONE)

    @classmethod
    def of(cls, c: EventCounts, zero_division: str, ci: Interval | None = None) -> EventScore:
        p, r, f = c.scores(zero_division)
        return cls(matched=c.matched, predicted=c.predicted, gold=c.gold, precision=p, recall=r, f1=f, ci=ci)

    @property
    def support(self) -> int:
        return self.gold


@dataclass(frozen=True, kw_only=True)
class MacroScore:
    """The mean of per-label scores over `labels` labels."""

    precision: float | None
    recall: float | None
    f1: float | None
    labels: int


@dataclass(frozen=True, kw_only=True)
class Span:
    start: int
    end: int
    label: str
    text: str


@dataclass(frozen=True, kw_only=True)
class ErrorRecord:
    """One error with its category; `context` marks the span in ⟦ ⟧."""

    category: str
    context: str
    document: str
    gold: Span | None
    predicted: Span | None
    detail: str = field(default="", metadata=OMIT_EMPTY)

    @classmethod
    def of(cls, e: ErrorItem) -> ErrorRecord:
        return cls(
            category=e.category,
            context=e.context,
            document=e.doc_id,
            gold=None if e.gold is None else Span(start=e.gold[0], end=e.gold[1], label=e.gold[2], text=e.gold_text),
            predicted=None
            if e.pred is None
            else Span(start=e.pred[0], end=e.pred[1], label=e.pred[2], text=e.pred_text),
            detail=e.detail,
        )


Confusion = dict[str, dict[str, int]]


@dataclass(frozen=True, kw_only=True)
class EntityResults:
    micro: dict[str, EntityScore]
    macro: dict[str, MacroScore]
    per_label: dict[str, dict[str, EntityScore]]
    unsupported_labels: tuple[str, ...] = ()
    errors: tuple[ErrorRecord, ...] = ()
    confusion: Confusion = field(default_factory=dict)
    # errors not listed, per category (beyond meta.settings.max_errors); absent when every error is listed
    errors_left_out: dict[str, int] = field(default_factory=dict, metadata=OMIT_EMPTY)


@dataclass(frozen=True, kw_only=True)
class EventResults:
    micro: dict[str, EventScore]
    per_type: dict[str, dict[str, EventScore]] = field(default_factory=dict)
    per_role: dict[str, dict[str, EventScore]] = field(default_factory=dict)
    errors: tuple[ErrorRecord, ...] = ()
    role_confusion: Confusion = field(default_factory=dict)
    errors_left_out: dict[str, int] = field(default_factory=dict, metadata=OMIT_EMPTY)


# -------------------------------------------------------------------- meta


@dataclass(frozen=True, kw_only=True)
class GoldInfo:
    """The gold scored: its file (or an in-memory digest), split and number of documents."""

    path: str
    sha256: str
    documents: int
    split: str | None = None
    label: str | None = field(default=None, metadata=OMIT_NONE)


@dataclass(frozen=True, kw_only=True)
class SystemInfo:
    """The system scored: its name and, where known, its kind, model, model version and prediction file."""

    name: str
    kind: str | None = field(default=None, metadata=OMIT_NONE)
    model: str | None = field(default=None, metadata=OMIT_NONE)
    version: str | None = field(default=None, metadata=OMIT_NONE)
    predictions: str | None = field(default=None, metadata=OMIT_NONE)


@dataclass(frozen=True, kw_only=True)
class SchemaInfo:
    name: str
    version: str


@dataclass(frozen=True, kw_only=True)
class Settings:
    bootstrap_samples: int
    confidence: float
    event_levels: tuple[str, ...]
    schemes: tuple[str, ...]
    seed: int
    zero_division: str
    max_errors: int = 1000


@dataclass(frozen=True, kw_only=True)
class UnalignedSpan:
    document: str
    start: int
    end: int
    label: str
    text: str


@dataclass(frozen=True, kw_only=True)
class AlignmentInfo:
    tokenizer: str
    gold_unaligned: int
    predicted_unaligned: int
    predicted_unaligned_examples: tuple[UnalignedSpan, ...] = ()
    documents: int | None = field(default=None, metadata=OMIT_NONE)  # set when counted on a sample


@dataclass(frozen=True, kw_only=True)
class Definitions:
    """The definitions behind the numbers, stated in every report."""

    schemes: dict[str, str]
    per_label: str
    macro: str
    zero_division: str
    ci: str
    # The rules beyond flat mentions and events that the data makes apply (nested, fragments, event_arguments).
    extensions: dict[str, str] = field(default_factory=dict, metadata=OMIT_EMPTY)


@dataclass(frozen=True, kw_only=True)
class Meta:
    annot_version: str
    created_at: str
    gold: GoldInfo
    schema: SchemaInfo
    system: SystemInfo
    settings: Settings
    definitions: Definitions
    ignored_prediction_documents: tuple[str, ...] = ()
    alignment: AlignmentInfo | None = field(default=None, metadata=OMIT_NONE)
    versions: dict[str, str] = field(default_factory=dict, metadata=OMIT_EMPTY)
    held_out: HeldOut | None = field(default=None, metadata=OMIT_NONE)  # when held-out documents were scored


@dataclass(frozen=True, kw_only=True)
class HeldOut:
    """What the corpus's ledger says of the held-out split this report scores (docs/guides/held-out.md):
    distinct scorings of the split since its first, this system's, and whether the system changed after its
    first score there (then its figure is no longer a held-out figure)."""

    split: str
    documents: int  # held-out documents among those scored
    scorings: int
    first_scored: str | None
    system_scorings: int
    system_first_scored: str | None
    system_changed: bool
    policy: str


# ------------------------------------------------------------------ groups


@dataclass(frozen=True, kw_only=True)
class GroupScore:
    """The micro scores of the documents of one group (one value of a meta key, such as a style)."""

    documents: int
    entities: dict[str, EntityScore]
    events: dict[str, EventScore]


@dataclass(frozen=True, kw_only=True)
class GroupScores:
    """Scores per value of a document meta key (`--group-by style`): where a system does well and where not."""

    key: str
    values: dict[str, GroupScore]


# ------------------------------------------------------------ human ceiling


@dataclass(frozen=True, kw_only=True)
class HumanCeiling:
    """How far the annotators of the gold agree with each other, on the scored documents they share.

    The same matcher and counts as a system's scores (pooled over every pair of annotators), so that a model's
    F1 reads against the humans' F1 per scheme, level, label, type and role.
    """

    documents: int
    annotators: tuple[str, ...]
    pairs: int
    entities: EntityResults
    events: EventResults


# -------------------------------------------------------------------- gate


@dataclass(frozen=True, kw_only=True)
class GateCheck:
    """One check of the gate. `threshold` is set for threshold checks, `baseline` and `drop` for baseline ones."""

    kind: str
    metric: str
    value: float | None
    support: int | None
    gated: bool
    passed: bool
    description: str
    threshold: float | None = None
    baseline: float | None = None
    drop: float | None = None
    p_value: float | None = field(default=None, metadata=OMIT_NONE)

    @property
    def shortfall(self) -> float:
        """How far the metric fell short of what the check asked (0 for a check that passed): the drop from the
        baseline, or the distance below the threshold. Failed checks are listed largest first everywhere."""
        if self.passed:
            return 0.0
        if self.kind == "baseline":
            return self.drop or 0.0
        return (self.threshold or 0.0) - (self.value or 0.0)

    @property
    def summary(self) -> str:
        """The check in a few words, for a verdict line: what was measured against what.

        >>> GateCheck(kind="baseline", metric="m", value=0.5, baseline=0.9, drop=0.4, support=3, gated=True,
        ...           passed=False, description="").summary
        'm dropped 0.400 (0.900 -> 0.500)'
        """
        v = "undefined" if self.value is None else f"{self.value:.3f}"
        if self.kind == "baseline":
            b = "undefined" if self.baseline is None else f"{self.baseline:.3f}"
            if self.drop is None:
                return f"{self.metric} = {v} (baseline {b})"
            return f"{self.metric} dropped {self.drop:.3f} ({b} -> {v})"
        t = "?" if self.threshold is None else f"{self.threshold:.3f}"
        return f"{self.metric} = {v} < threshold {t}" if not self.passed else f"{self.metric} = {v} >= {t}"

    def to_dict(self) -> dict[str, Any]:
        out = builtins_of_fields(self, skip={"threshold", "baseline", "drop"})
        if self.kind == "threshold":
            out["threshold"] = round_float(self.threshold)
        else:
            out["baseline"] = round_float(self.baseline)
            out["drop"] = round_float(self.drop)
        return out


@dataclass(frozen=True, kw_only=True)
class GateSettingsInfo:
    baseline: str | None
    alpha: float
    max_drop: float
    min_support: int
    significant_only: bool


@dataclass(frozen=True, kw_only=True)
class GateResult:
    """The verdict and every check; `passed` is true when every check passed."""

    passed: bool
    checks: tuple[GateCheck, ...]
    settings: GateSettingsInfo

    @property
    def failed(self) -> list[GateCheck]:
        """The checks that failed, the largest shortfall (drop from the baseline, distance below the threshold)
        first; report.json keeps the checks in the order they were made."""
        return sorted((c for c in self.checks if not c.passed), key=lambda c: -c.shortfall)

    @property
    def ordered(self) -> list[GateCheck]:
        """Every check: the failed ones first, largest shortfall first, then the rest in their order."""
        return self.failed + [c for c in self.checks if c.passed]

    @property
    def gated(self) -> list[GateCheck]:
        return [c for c in self.checks if c.gated]


# ----------------------------------------------------------------- verdict


@dataclass(frozen=True, kw_only=True)
class SystemVerdict:
    """One system's outcome of a run: whether it was gated and passed, its failed checks (largest shortfall
    first), its headline scores (micro F1 of every scheme and level, macro strict F1) and its report file."""

    system: str
    gated: bool
    passed: bool
    checks: int  # gated checks
    failed: tuple[GateCheck, ...]
    scores: dict[str, float | None]
    report: str | None = None
    ignored_predictions: int = 0
    all_checks: tuple[GateCheck, ...] = ()  # every check, in the order made (not in the JSON verdict)

    @property
    def shortfall(self) -> float:
        return max((c.shortfall for c in self.failed), default=0.0)


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """The outcome of one `annot evaluate` run, for people (`line`, its last line) and for CI (`--format json`,
    JUnit XML, the step summary): passed unless a system failed its gate; exit code 0 or 1."""

    passed: bool
    line: str
    systems: tuple[SystemVerdict, ...]

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    @property
    def failed_systems(self) -> list[SystemVerdict]:
        """The systems that failed their gate, the one with the largest shortfall first."""
        return sorted((s for s in self.systems if not s.passed), key=lambda s: -s.shortfall)

    def to_json(self) -> str:
        """The verdict as JSON (`annot evaluate --format json`): keys sorted, floats of 6 digits."""
        body = {
            "passed": self.passed,
            "exit_code": self.exit_code,
            "verdict": self.line,
            "failed_systems": [s.system for s in self.failed_systems],
            "systems": [builtins_of_fields(s, skip={"all_checks"}) for s in self.systems],
        }
        return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------ report


@dataclass(frozen=True, kw_only=True)
class Report:
    """One system scored on one gold set: report.json as records."""

    meta: Meta
    entities: EntityResults
    events: EventResults
    per_document: CountTable = field(compare=False)
    gate: GateResult | None = field(default=None, metadata=OMIT_NONE)
    human: HumanCeiling | None = field(default=None, metadata=OMIT_NONE)
    groups: GroupScores | None = field(default=None, metadata=OMIT_NONE)

    def to_dict(self, per_document: bool = True) -> dict[str, Any]:
        """report.json as plain data: floats rounded to 6 digits, optional keys left out (and the per-document
        counts, the bulk of a large report, when `per_document` is false)."""
        return builtins_of_fields(self, skip=set() if per_document else {"per_document"})

    def to_json(self) -> str:
        """report.json's text: sorted keys, two-space indent, non-ASCII kept; the per-document counts one line
        per count key (a corpus of 100,000 documents stays a file of a few lines per key)."""
        return "".join(self.json_chunks())

    def json_chunks(self) -> Iterator[str]:
        """`to_json()` in pieces, the per-document counts a key at a time: what `write_report` streams to disk."""
        body = builtins_of_fields(self, skip={"per_document"})
        text = dumps_sorted(body)
        assert text.endswith("\n}") and all(k < "per_document" for k in body)
        yield text[:-2] + ',\n  "per_document": '
        yield from per_document_chunks(self.per_document, 2)
        yield "\n}\n"

    @classmethod
    def from_json(cls, text: str | bytes, where: str = "report.json") -> Report:
        """Read report.json back into records; a clear error for anything that is not one."""
        return decode(text, cls, where)

    @property
    def system_name(self) -> str:
        return self.meta.system.name

    def rows(self, table: str = "per_label", level: str | None = None) -> list[ScoreRow]:
        """A table of the report as plain records: `table` is "per_label", "per_type", "per_role" or "micro"
        (every scheme and level); `level` keeps one scheme or level ("strict", "trigger_classification", ...).

        >>> import annot
        >>> d = [annot.Document("d1", "NATO met.", (annot.Entity(0, 4, "ORG"),))]
        >>> [(r.name, r.level, r.f1) for r in annot.evaluate(d, d, bootstrap_samples=0).rows(level="strict")]
        [('ORG', 'strict', 1.0)]
        """
        if table not in TABLES:
            raise AnnotError(f"no table {table!r} in a report", f"Tables: {', '.join(TABLES)}.")
        h = self.human
        out: list[ScoreRow] = []
        if table == "micro":
            for section, micro, hmicro in (
                ("entities", self.entities.micro, h.entities.micro if h else {}),
                ("events", self.events.micro, h.events.micro if h else {}),
            ):
                out += [_score_row(section, "micro", lvl, s, hmicro.get(lvl)) for lvl, s in micro.items()]
        else:
            section = "entities" if table == "per_label" else "events"
            tables: dict[str, Any] = {
                "per_label": self.entities.per_label,
                "per_type": self.events.per_type,
                "per_role": self.events.per_role,
            }
            named: dict[str, Any] = tables[table]
            hnamed: dict[str, Any] = {}
            if h is not None:
                htables: dict[str, Any] = {
                    "per_label": h.entities.per_label,
                    "per_type": h.events.per_type,
                    "per_role": h.events.per_role,
                }
                hnamed = htables[table]
            for name, levels in named.items():
                hl = hnamed.get(name, {})
                out += [_score_row(section, name, lvl, s, hl.get(lvl)) for lvl, s in levels.items()]
        if level is not None:
            out = [r for r in out if r.level == level]
            if not out and (named_levels := {r.level for r in self.rows(table)}):
                raise AnnotError(
                    f"no level {level!r} in table {table!r}", f"Levels there: {', '.join(sorted(named_levels))}."
                )
        return out

    def to_dataframe(self, table: str = "per_label", level: str | None = None) -> Any:
        """`rows(table, level)` as a pandas DataFrame, one row per name and level (needs pandas:
        pip install 'annot[pandas]')."""
        return _dataframe(self.rows(table, level))

    @property
    def zero_division(self) -> str:
        return self.meta.settings.zero_division


# -------------------------------------------------------------- comparison


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """One metric of A and B, the difference B - A and its paired p-value (None where undefined)."""

    metric: str
    a: float | None
    b: float | None
    delta: float | None
    p_value: float | None


@dataclass(frozen=True, kw_only=True)
class PairedComparison:
    """Two reports compared metric by metric (`annot compare`)."""

    a: str
    b: str
    method: str
    samples: int
    seed: int
    metrics: tuple[Comparison, ...]

    def to_json(self) -> str:
        """The comparison as JSON (`annot compare -o`): values unrounded, keys sorted."""
        return json.dumps(to_builtins(self, None), indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True, kw_only=True)
class Cell:
    """One system's value of one metric; against the reference, the difference and its paired p-value; the
    system's own interval (from its report's bootstrap) where it has one. `not_predicted`: the system predicted
    nothing of this layer (no entity, or no event, in any document), so the value scores no output of it."""

    value: float | None
    delta: float | None
    p_value: float | None
    low: float | None = field(default=None, metadata=OMIT_NONE)
    high: float | None = field(default=None, metadata=OMIT_NONE)
    not_predicted: bool = field(default=False, metadata=OMIT_EMPTY)


@dataclass(frozen=True, kw_only=True)
class SystemRow:
    system: str
    metrics: dict[str, Cell]


@dataclass(frozen=True, kw_only=True)
class SideBySide:
    """Several systems on the same gold: each metric per system, paired tests against the first (reference)."""

    reference: str
    method: str
    samples: int
    seed: int
    metrics: tuple[str, ...]
    systems: tuple[SystemRow, ...]
    gold: GoldInfo | None = field(default=None, metadata=OMIT_NONE)  # the reference's gold (the same for all)
    sources: dict[str, str] = field(default_factory=dict, metadata=OMIT_EMPTY)  # system -> its report.json

    def to_json(self) -> str:
        """comparison.json: values unrounded, keys sorted."""
        return json.dumps(to_builtins(self, None), indent=2, sort_keys=True) + "\n"

    def row(self, system: str) -> SystemRow:
        return next(r for r in self.systems if r.system == system)

    def rows(self) -> list[ComparisonRow]:
        """The comparison as plain records, one per system and metric (what `to_dataframe` tabulates)."""
        return [
            ComparisonRow(
                system=row.system,
                metric=m,
                value=c.value,
                delta=c.delta,
                p_value=c.p_value,
                low=c.low,
                high=c.high,
                not_predicted=c.not_predicted,
            )
            for row in self.systems
            for m in self.metrics
            for c in (row.metrics[m],)
        ]

    def to_dataframe(self) -> Any:
        """`rows()` as a pandas DataFrame (needs pandas: pip install 'annot[pandas]')."""
        return _dataframe(self.rows())


@dataclass(frozen=True, kw_only=True)
class ComparisonRow:
    """One system's value of one metric in a comparison, flat (a row of `SideBySide.to_dataframe()`)."""

    system: str
    metric: str
    value: float | None
    delta: float | None
    p_value: float | None
    low: float | None
    high: float | None
    not_predicted: bool


# ------------------------------------------------------------------ tables


TABLES = ("micro", "per_label", "per_type", "per_role")


@dataclass(frozen=True, kw_only=True)
class ScoreRow:
    """One row of a report's tables, flat (`Report.rows`, `Report.to_dataframe`): a label, event type or role
    (`name`; "micro" for the micro average) under one entity scheme or event level.

    `gold` is the support (entities: possible; events: gold items), `correct` the matched ones (entities:
    correct; events: matched), `low` / `high` the F1 interval when bootstrapped, `humans_f1` the annotators'
    F1 on the same item when the corpus keeps second annotations.
    """

    section: str
    name: str
    level: str
    precision: float | None
    recall: float | None
    f1: float | None
    gold: int
    predicted: int
    correct: int
    low: float | None
    high: float | None
    humans_f1: float | None


def _score_row(section: str, name: str, level: str, s: EntityScore | EventScore, human: Any) -> ScoreRow:
    if isinstance(s, EntityScore):
        gold, predicted, correct = s.possible, s.actual, s.correct
    else:
        gold, predicted, correct = s.gold, s.predicted, s.matched
    ends = None if s.ci is None else s.ci.f1
    return ScoreRow(
        section=section,
        name=name,
        level=level,
        precision=s.precision,
        recall=s.recall,
        f1=s.f1,
        gold=gold,
        predicted=predicted,
        correct=correct,
        low=ends[0] if ends else None,
        high=ends[1] if ends else None,
        humans_f1=None if human is None else human.f1,
    )


def _dataframe(rows: list[Any]) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise AnnotError(
            "pandas is not installed",
            "Install it with annot's pandas extra (pip install -e '.[pandas]'), or use the plain records of rows().",
        ) from None
    from dataclasses import asdict

    return pd.DataFrame([asdict(r) for r in rows])


def report_file(path: Path | str) -> Path:
    """The report.json of `path`: the file itself, or the report.json in a report folder."""
    path = Path(path)
    if not path.is_dir():
        return path
    if (path / "report.json").is_file():
        return path / "report.json"
    inside = sorted(p.parent.name for p in path.glob("*/report.json"))
    raise AnnotError(
        f"{path}: a folder with no report.json",
        f"Give report folders (those of annot evaluate -o), e.g. {', '.join(str(path / n) for n in inside[:4])}"
        if inside
        else "Give a report folder (annot evaluate -o FOLDER writes report.json there) or a report.json file.",
    )


def load_report(path: Path | str, what: str = "report") -> Report:
    """A report.json file (or the report.json of a report folder) read back into a Report."""
    path = report_file(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AnnotError(
            f"{path}: {what} not found",
            "Commit a report.json of the accepted run as the baseline."
            if what == "baseline report"
            else "Check the path.",
        ) from None
    return Report.from_json(raw, str(path))
