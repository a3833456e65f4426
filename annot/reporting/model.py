"""The typed report: frozen records from an Evaluation to report.json and back.

report.json is the contract (README, "Report format"): keys are only ever
added. The records below are written to JSON by `Report.to_json()` (sorted
keys, floats rounded to 6 digits) and read back by `Report.from_json()`, which
validates the types. Values in memory are not rounded; the gate compares them.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from .. import __version__
from ..errors import AnnotError
from ..scoring.analysis import ErrorItem
from ..scoring.bootstrap import Interval
from ..scoring.counts import (
    CountKey,
    EntityCounts,
    EventCounts,
    ZeroDivision,
    macro,
)
from ..scoring.evaluate import ROLE_LEVELS, Evaluation
from ..scoring.matching import EVENT_LEVELS, SCHEMES
from ..scoring.table import CountTable

DIGITS = 6  # stable float digits in report.json

# Fields left out of report.json when they hold None (or, for `empty`, an empty value).
_OMIT_NONE = {"omit": "none"}
_OMIT_EMPTY = {"omit": "empty"}


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
    ci: Interval | None = field(default=None, metadata=_OMIT_NONE)

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
    ci: Interval | None = field(default=None, metadata=_OMIT_NONE)

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
    detail: str = field(default="", metadata=_OMIT_EMPTY)

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
    errors_left_out: dict[str, int] = field(default_factory=dict, metadata=_OMIT_EMPTY)


@dataclass(frozen=True, kw_only=True)
class EventResults:
    micro: dict[str, EventScore]
    per_type: dict[str, dict[str, EventScore]] = field(default_factory=dict)
    per_role: dict[str, dict[str, EventScore]] = field(default_factory=dict)
    errors: tuple[ErrorRecord, ...] = ()
    role_confusion: Confusion = field(default_factory=dict)
    errors_left_out: dict[str, int] = field(default_factory=dict, metadata=_OMIT_EMPTY)


# -------------------------------------------------------------------- meta


@dataclass(frozen=True, kw_only=True)
class GoldInfo:
    """The gold scored: its file (or an in-memory digest), split and number of documents."""

    path: str
    sha256: str
    documents: int
    split: str | None = None
    label: str | None = field(default=None, metadata=_OMIT_NONE)


@dataclass(frozen=True, kw_only=True)
class SystemInfo:
    """The system scored: its name and, where known, its kind, model, model version and prediction file."""

    name: str
    kind: str | None = field(default=None, metadata=_OMIT_NONE)
    model: str | None = field(default=None, metadata=_OMIT_NONE)
    version: str | None = field(default=None, metadata=_OMIT_NONE)
    predictions: str | None = field(default=None, metadata=_OMIT_NONE)


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
    documents: int | None = field(default=None, metadata=_OMIT_NONE)  # set when counted on a sample


@dataclass(frozen=True, kw_only=True)
class Definitions:
    """The definitions behind the numbers, stated in every report."""

    schemes: dict[str, str]
    per_label: str
    macro: str
    zero_division: str
    ci: str


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
    alignment: AlignmentInfo | None = field(default=None, metadata=_OMIT_NONE)
    versions: dict[str, str] = field(default_factory=dict, metadata=_OMIT_EMPTY)


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
    p_value: float | None = field(default=None, metadata=_OMIT_NONE)

    def to_dict(self) -> dict[str, Any]:
        out = _builtins_of_fields(self, skip={"threshold", "baseline", "drop"})
        if self.kind == "threshold":
            out["threshold"] = _round(self.threshold)
        else:
            out["baseline"] = _round(self.baseline)
            out["drop"] = _round(self.drop)
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
        return [c for c in self.checks if not c.passed]

    @property
    def gated(self) -> list[GateCheck]:
        return [c for c in self.checks if c.gated]


# ------------------------------------------------------------------ report


@dataclass(frozen=True, kw_only=True)
class Report:
    """One system scored on one gold set: report.json as records."""

    meta: Meta
    entities: EntityResults
    events: EventResults
    per_document: CountTable = field(compare=False)
    gate: GateResult | None = field(default=None, metadata=_OMIT_NONE)
    human: HumanCeiling | None = field(default=None, metadata=_OMIT_NONE)
    groups: GroupScores | None = field(default=None, metadata=_OMIT_NONE)

    def to_dict(self, per_document: bool = True) -> dict[str, Any]:
        """report.json as plain data: floats rounded to 6 digits, optional keys left out (and the per-document
        counts, the bulk of a large report, when `per_document` is false)."""
        return _builtins(self) if per_document else _builtins_of_fields(self, skip={"per_document"})

    def to_json(self) -> str:
        """report.json's text: sorted keys, two-space indent, non-ASCII kept; the per-document counts one line
        per count key (a corpus of 100,000 documents stays a file of a few lines per key)."""
        return "".join(self.json_chunks())

    def json_chunks(self) -> Iterator[str]:
        """`to_json()` in pieces, the per-document counts a key at a time: what `write_report` streams to disk."""
        body = _builtins_of_fields(self, skip={"per_document"})
        text = dumps_sorted(body)
        assert text.endswith("\n}") and all(k < "per_document" for k in body)
        yield text[:-2] + ',\n  "per_document": '
        yield from per_document_chunks(self.per_document, 2)
        yield "\n}\n"

    @classmethod
    def from_json(cls, text: str | bytes, where: str = "report.json") -> Report:
        """Read report.json back into records; a clear error for anything that is not one."""
        try:
            return msgspec.json.decode(text, type=cls, dec_hook=_dec_hook)
        except msgspec.ValidationError as exc:
            raise AnnotError(
                f"{where}: not a report.json made by annot evaluate ({exc})",
                "Give a report.json written by `annot evaluate`.",
            ) from None
        except msgspec.DecodeError as exc:
            raise AnnotError(f"{where}: not JSON ({exc})", "Give a report.json written by `annot evaluate`.") from None
        except RecursionError:
            raise AnnotError(
                f"{where}: JSON nested too deeply to read (not a report.json)",
                "Give a report.json written by `annot evaluate`.",
            ) from None

    @property
    def system_name(self) -> str:
        return self.meta.system.name

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
        return json.dumps(_builtins(self, None), indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True, kw_only=True)
class Cell:
    value: float | None
    delta: float | None
    p_value: float | None


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

    def to_json(self) -> str:
        """comparison.json: values unrounded, keys sorted."""
        return json.dumps(_builtins(self, None), indent=2, sort_keys=True) + "\n"


def load_report(path: Path | str, what: str = "report") -> Report:
    """A report.json file read back into a Report."""
    path = Path(path)
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


# --------------------------------------------------------------- building

SCHEME_DEFINITIONS: dict[str, str] = {
    "strict": "correct: same start, end and label; incorrect: overlapping otherwise",
    "exact": "correct: same start and end; incorrect: overlapping with other boundaries",
    "partial": "correct: same start and end; partial (half credit): overlapping with other boundaries",
    "type": "correct: overlapping with the same label; incorrect: overlapping with another label",
}


def definitions(settings: Settings) -> Definitions:
    """The definitions stated in a report made with `settings`."""
    zero = settings.zero_division == ZeroDivision.ZERO
    return Definitions(
        schemes=dict(SCHEME_DEFINITIONS),
        per_label="predictions are compared with gold mentions of the same label only: a type confusion "
        "is missed under the gold label and spurious under the predicted label",
        macro="mean over labels with gold or predicted mentions; an undefined value (zero denominator) "
        + ("counts as 0" if zero else "is left out"),
        zero_division=(
            "zero: precision with no prediction, recall with no gold, and F1 with neither are 0.0"
            if zero
            else "null: precision with no prediction, recall with no gold are null, never 1.0; "
            "F1 is 0 if only one of them is defined"
        ),
        ci=f"percentile bootstrap over documents, {settings.bootstrap_samples} resamples, "
        f"seed {settings.seed}, confidence {settings.confidence}",
    )


VERSIONED = ("spacy", "thinc", "numpy", "scipy", "scikit-learn", "msgspec", "krippendorff", "label-studio-sdk")


def versions() -> dict[str, str]:
    """The versions of Python and the libraries a report's numbers depend on, for reproducing them."""
    import platform
    from importlib import metadata

    out = {"annot": __version__, "python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def now() -> str:
    """The report timestamp: UTC, seconds."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def build_report(
    ev: Evaluation,
    *,
    gold: GoldInfo,
    system: SystemInfo,
    schema: SchemaInfo,
    created_at: str | None = None,
    human: HumanCeiling | None = None,
    groups: tuple[str, dict[str, str]] | None = None,
) -> Report:
    """The report of an evaluation: totals, scores, macro averages, errors and the per-document counts."""
    zd = ev.settings.zero_division
    table = ev.table
    settings = Settings(
        bootstrap_samples=ev.settings.bootstrap_samples,
        confidence=ev.settings.confidence,
        event_levels=EVENT_LEVELS,
        schemes=SCHEMES,
        seed=ev.settings.seed,
        zero_division=str(zd),
        max_errors=ev.settings.max_errors,
    )
    per_label_counts = {
        lab: {s: table.entity_total(CountKey("entities", lab, s)) for s in SCHEMES} for lab in ev.labels
    }
    supported = [
        lab for lab in ev.labels if per_label_counts[lab]["strict"].possible or per_label_counts[lab]["strict"].actual
    ]
    macro_scores: dict[str, MacroScore] = {}
    for s in SCHEMES:
        p, r, f = macro((per_label_counts[lab][s].scores("null") for lab in supported), zd)
        macro_scores[s] = MacroScore(precision=p, recall=r, f1=f, labels=len(supported))

    def escore(key: CountKey) -> EntityScore:
        return EntityScore.of(table.entity_total(key), zd, ev.intervals.get(key))

    def vscore(key: CountKey) -> EventScore:
        return EventScore.of(table.event_total(key), zd, ev.intervals.get(key))

    entities = EntityResults(
        micro={s: escore(CountKey("entities", None, s)) for s in SCHEMES},
        macro=macro_scores,
        per_label={lab: {s: escore(CountKey("entities", lab, s)) for s in SCHEMES} for lab in ev.labels},
        unsupported_labels=tuple(lab for lab in ev.labels if lab not in supported),
        errors=tuple(ErrorRecord.of(e) for e in ev.errors),
        confusion=confusion_dict(ev.confusion),
        errors_left_out=dict(sorted(ev.errors_left_out.items())),
    )
    events = EventResults(
        micro={lvl: vscore(CountKey("events", None, lvl)) for lvl in EVENT_LEVELS},
        per_type={t: {lvl: vscore(CountKey("events", t, lvl)) for lvl in EVENT_LEVELS} for t in ev.event_types},
        per_role={r: {lvl: vscore(CountKey("roles", r, lvl)) for lvl in ROLE_LEVELS} for r in ev.roles},
        errors=tuple(ErrorRecord.of(e) for e in ev.event_errors),
        role_confusion=confusion_dict(ev.role_confusion),
        errors_left_out=dict(sorted(ev.event_errors_left_out.items())),
    )
    al = ev.alignment
    meta = Meta(
        versions=versions(),
        annot_version=__version__,
        created_at=created_at or now(),
        gold=gold,
        schema=schema,
        system=system,
        settings=settings,
        definitions=definitions(settings),
        ignored_prediction_documents=ev.ignored_prediction_documents,
        alignment=AlignmentInfo(
            tokenizer=al.tokenizer,
            gold_unaligned=al.gold_unaligned,
            predicted_unaligned=al.predicted_unaligned,
            predicted_unaligned_examples=tuple(
                UnalignedSpan(document=e.doc_id, start=e.pred[0], end=e.pred[1], label=e.pred[2], text=e.pred_text)
                for e in al.predicted_unaligned_examples
                if e.pred is not None
            ),
            documents=al.documents,
        ),
    )
    return Report(
        meta=meta,
        entities=entities,
        events=events,
        per_document=table,
        human=human,
        groups=None if groups is None else group_scores(table, groups[0], groups[1], zd),
    )


def group_scores(table: CountTable, key: str, group_of: dict[str, str], zero_division: str) -> GroupScores:
    """Micro scores per group; `group_of` maps document ids to their group ("(none)" when a document has none)."""
    members: dict[str, list[str]] = {}
    for doc_id in table.ids:
        members.setdefault(group_of.get(doc_id, "(none)"), []).append(doc_id)
    values = {}
    for name, ids in sorted(members.items()):
        sub = table.select(ids)
        values[name] = GroupScore(
            documents=len(ids),
            entities={
                s: EntityScore.of(sub.entity_total(CountKey("entities", None, s)), zero_division) for s in SCHEMES
            },
            events={
                lvl: EventScore.of(sub.event_total(CountKey("events", None, lvl)), zero_division)
                for lvl in EVENT_LEVELS
            },
        )
    return GroupScores(key=key, values=values)


def confusion_dict(c: Counter[tuple[str, str]]) -> Confusion:
    """{gold: {predicted: count}}, with the rows / columns "(missed)" and "(spurious)"."""
    out: Confusion = {}
    for (g, p), n in sorted(c.items()):
        out.setdefault(g, {})[p] = n
    return out


# ---------------------------------------------------------- serialisation


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, DIGITS)


def _builtins_of_fields(
    obj: Any, skip: frozenset[str] | set[str] = frozenset(), digits: int | None = DIGITS
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(obj):
        if f.name in skip:
            continue
        value = getattr(obj, f.name)
        omit = f.metadata.get("omit")
        if (omit == "none" and value is None) or (omit == "empty" and not value):
            continue
        out[f.name] = _builtins(value, digits)
    return out


def _builtins(value: Any, digits: int | None = DIGITS) -> Any:
    """Records as plain JSON data; floats rounded to `digits` (None: as they are)."""
    if isinstance(value, float):
        return value if digits is None else round(value, digits)
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, CountTable):
        return per_document_dict(value)
    if hasattr(value, "to_dict") and not isinstance(value, Report):
        return value.to_dict()
    if is_dataclass(value):
        return _builtins_of_fields(value, digits=digits)
    if isinstance(value, Mapping):
        return {str(k): _builtins(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_builtins(v, digits) for v in value]
    raise TypeError(f"cannot write {type(value).__name__} to report.json")


def _plain_floats(obj: Any) -> bool:
    """Whether every float in `obj` is one that msgspec and json write alike: finite, and zero or of a size
    that Python writes without an exponent (1e-4 <= |x| < 1e16). Outside that range the two differ both ways
    (msgspec 0.00005, json 5e-05; msgspec 1e16, json 1e+16), and json writes NaN where msgspec writes null."""
    if isinstance(obj, float):
        return obj == 0.0 or (1e-4 <= abs(obj) < 1e16)  # False for NaN and the infinities too
    if isinstance(obj, dict):
        return all(_plain_floats(v) for v in obj.values())
    if isinstance(obj, list | tuple):
        return all(_plain_floats(v) for v in obj)
    return True


def dumps_sorted(obj: Any) -> str:
    """`json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True)`, by msgspec when that gives the same text.

    msgspec is several times faster and writes every float in the plain range exactly as json does (the
    shortest text that reads back to the same float); a value with any other float is written by json itself,
    so the bytes never depend on which of the two wrote them.

    >>> dumps_sorted({"b": 5e-05, "a": 0.25}) == json.dumps({"b": 5e-05, "a": 0.25}, indent=2, sort_keys=True)
    True
    """
    if not _plain_floats(obj):
        return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True)
    try:
        raw = msgspec.json.encode(obj, order="sorted")
    except (OverflowError, msgspec.EncodeError):  # an integer beyond 64 bits: json writes it
        return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True)
    return msgspec.json.format(raw, indent=2).decode("utf-8")


def _per_document_order(table: CountTable) -> tuple[list[int], list[CountKey]]:
    return sorted(range(len(table.ids)), key=table.ids.__getitem__), sorted(table.keys, key=str)


def per_document_dict(table: CountTable) -> dict[str, Any]:
    """report.json's ``per_document``: document ids (sorted), the SHA-256 of their texts, and for each count key
    with a non-zero count the vector of every document, in the order of the ids."""
    rows, keys = _per_document_order(table)
    return {
        "counts": {str(k): table.matrix(k)[rows].tolist() for k in keys},
        "ids": [table.ids[i] for i in rows],
        "sha256": [table.sha256[i] for i in rows],
    }


def per_document_json(table: CountTable, indent: int) -> str:
    """`per_document_dict` as JSON text at `indent`, each key's vectors on one line."""
    return "".join(per_document_chunks(table, indent))


def per_document_chunks(table: CountTable, indent: int) -> Iterator[str]:
    """`per_document_json` a key at a time."""
    rows, keys = _per_document_order(table)
    pad, inner = " " * (indent + 2), " " * (indent + 4)
    yield "{\n" + f'{pad}"counts": ' + ("{\n" if keys else "{}")
    for i, k in enumerate(keys):
        yield f"{inner}{json.dumps(str(k))}: {_vectors_json(table.matrix(k)[rows])}" + (
            ",\n" if i < len(keys) - 1 else "\n"
        )
    if keys:
        yield pad + "}"
    ids = json.dumps([table.ids[i] for i in rows], ensure_ascii=False)
    sha = json.dumps([table.sha256[i] for i in rows])
    yield f',\n{pad}"ids": {ids},\n{pad}"sha256": {sha}\n' + " " * indent + "}"


def _vectors_json(m: np.ndarray) -> str:
    """A (documents x width) integer matrix as a JSON list of lists, without spaces: "[[1,0,2],[0,0,1]]".

    Made by looking each number's text up in tables (with the bracket that opens or closes a vector attached)
    and joining them once, not number by number.
    """
    n, width = m.shape
    if not m.size:
        return "[" + ",".join("[]" for _ in range(n)) + "]"
    lo, hi = int(m.min()), int(m.max())
    if lo < 0 or hi > 1_000_000:
        return msgspec.json.encode(m.astype(np.int64).tolist()).decode()
    plain = np.array([str(v) for v in range(hi + 1)], dtype=object)
    tokens = np.empty((n, width), dtype=object)
    if width == 1:
        tokens[:, 0] = np.array([f"[{v}]" for v in range(hi + 1)], dtype=object)[m[:, 0]]
    else:
        tokens[:, 0] = np.array([f"[{v}" for v in range(hi + 1)], dtype=object)[m[:, 0]]
        tokens[:, 1:-1] = plain[m[:, 1:-1]]
        tokens[:, -1] = np.array([f"{v}]" for v in range(hi + 1)], dtype=object)[m[:, -1]]
    return "[" + ",".join(tokens.ravel().tolist()) + "]"


class _PerDocument(msgspec.Struct):
    sha256: str
    counts: dict[str, list[int]]


class _PerDocumentColumns(msgspec.Struct):
    counts: dict[str, list[list[int]]]
    ids: list[str]
    sha256: list[str]


def _dec_hook(type_: type, obj: Any) -> Any:
    if type_ is CountTable and isinstance(obj, dict) and isinstance(obj.get("ids"), list):
        cols = msgspec.convert(obj, _PerDocumentColumns)
        n = len(cols.ids)
        if len(cols.sha256) != n or len(set(cols.ids)) != n:
            raise ValueError("per_document: ids and sha256 must be lists of the same length, ids unique")
        keys = sorted((CountKey.parse(k) for k in cols.counts), key=CountKey.sort_key)
        blocks = []
        for key in keys:
            wrong = ValueError(f"per_document: counts of {key} must hold {n} vectors of {key.width}")
            try:
                m = np.array(cols.counts[str(key)], dtype=np.int64).reshape(-1, key.width)
            except ValueError:
                raise wrong from None
            if m.shape != (n, key.width):
                raise wrong
            blocks.append(m)
        data = np.hstack(blocks) if blocks else np.zeros((n, 0), dtype=np.int64)
        return CountTable(cols.ids, cols.sha256, keys, data)
    if type_ is CountTable:  # the layout of annot 0.1: {id: {sha256, counts: {key: vector}}}
        docs = msgspec.convert(obj, dict[str, _PerDocument])
        ids = sorted(docs)
        return CountTable.from_rows(
            ids,
            [docs[i].sha256 for i in ids],
            [{CountKey.parse(k): v for k, v in docs[i].counts.items()} for i in ids],
        )
    raise NotImplementedError(f"cannot read {type_}")
