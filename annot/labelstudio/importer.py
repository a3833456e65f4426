"""Label Studio export (JSON) -> gold documents, checking every region and relation.

Label Studio stores whatever the browser sends (unknown labels, spans past the
end of the text, relations to missing regions, roles not in the config): every
check is done here, and all problems are reported at once. Each problem names
the task and its document, the annotator, the span's text and position, and
what to do about that problem. Nothing is written unless the whole export is
valid.

Rules (docs/guides/annotation-team.md, "annot import checks"):

- whitespace at the edges of a span is trimmed (Label Studio's word selection
  often takes the following space) and counted; a span of only whitespace is
  refused;
- offsets are Unicode code points; offsets in UTF-16 code units (astral
  characters such as emoji before the span) are detected from ``value.text``
  and converted; where a task has astral characters and no region carries
  ``value.text`` to tell, the task is refused unless ``--offsets`` says which;
- a task without ``sha256`` is imported with a warning naming it, unless the
  corpus already knows its document with another text (then refused); a task
  without ``sha256`` whose text holds HTML character references (``&amp;``) is
  refused: the text was escaped by some tool on its way;
- cancelled (skipped) and empty submissions and drafts are counted and named,
  never imported; annotations a ``--pick`` leaves out are counted and named;
- regions a model pre-annotated and the annotator accepted unchanged
  (``origin: prediction``) are marked in the document's meta, and the summary
  gives the acceptance rate per ``model_version``.

An export file is read a task at a time (`iter_export`), each task parsed by
the json module as ``json.loads`` would parse it; only the documents are kept.
What depends only on a task's text (its astral characters, the UTF-16 to code
point index, its SHA-256) is computed once per task, never per region.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..documents import (
    Argument,
    Document,
    Entity,
    Event,
    canonical,
    event_cycles,
    id_problem,
    text_sha256,
    write_documents,
)
from ..errors import AnnotError, raise_if_problems
from ..files import refuse_overwriting
from ..jsonstream import CHUNK, NotPlain, stream_list
from ..schema import Schema
from .config import ENTITY_CONTROL, LABEL_CONTROL, TRIGGER_CONTROL


class OffsetMode(StrEnum):
    """Units of the offsets in an export: detected, Unicode code points, or UTF-16 code units."""

    AUTO = "auto"
    CODEPOINTS = "codepoints"
    UTF16 = "utf16"


class Pick(StrEnum):
    """Which annotation of a task with several becomes gold: refuse (only), the ground truth, the latest, or that
    of named annotators (in order of preference)."""

    ONLY = "only"
    GROUND_TRUTH = "ground-truth"
    LATEST = "latest"
    ANNOTATOR = "annotator"


@dataclass(frozen=True)
class PickRule:
    """A `--pick` as given: the rule, and for `annotator:ID[,ID...]` the annotators in order of preference."""

    rule: Pick = Pick.ONLY
    annotators: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str | Pick) -> PickRule:
        """`only`, `ground-truth`, `latest` or `annotator:ID[,ID...]` (Label Studio account ids).

        >>> PickRule.parse("annotator:12,7")
        PickRule(rule=<Pick.ANNOTATOR: 'annotator'>, annotators=('12', '7'))
        """
        name, _, ids = str(text).partition(":")
        try:
            rule = Pick(name)
        except ValueError:
            rule = None
        who = tuple(x.strip() for x in ids.split(",") if x.strip())
        if rule is None or (rule == Pick.ANNOTATOR) != bool(who) or (ids and rule != Pick.ANNOTATOR):
            raise AnnotError(
                f"--pick {text!r}: not a rule",
                "Give only, ground-truth, latest, or annotator:ID[,ID...] (ids from `annot studio user list` or "
                "`annot ls status`; the first of them who annotated a task wins).",
            )
        return cls(rule, who)

    def __str__(self) -> str:
        return f"annotator:{','.join(self.annotators)}" if self.rule == Pick.ANNOTATOR else str(self.rule)


_HTML_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,7}|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});")


@dataclass
class ModelVersionStats:
    """Regions a model pre-annotated, and how many annotators accepted unchanged."""

    predicted: int = 0
    accepted: int = 0

    @property
    def rate(self) -> float | None:
        return self.accepted / self.predicted if self.predicted else None


@dataclass
class ImportSummary:
    """What an import did, for the terminal and for the corpus manifest."""

    tasks: int = 0
    documents: int = 0
    entities: int = 0
    events: int = 0
    arguments: int = 0
    cancelled: list[str] = field(default_factory=list)  # "task 8 (doc x), annotator 3"
    empty: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # annotations a --pick left out
    skipped_unannotated: list[str] = field(default_factory=list)  # document ids
    warnings: list[str] = field(default_factory=list)
    utf16_converted: int = 0
    reversed_relations: int = 0
    trimmed: int = 0
    annotators: set[Any] = field(default_factory=set)
    predictions: dict[str, ModelVersionStats] = field(default_factory=dict)


def _squash(s: str) -> str:
    return " ".join(s.split())


def utf16_to_codepoints(text: str, offset: int) -> int | None:
    """Code point index for a UTF-16 code unit offset, or None if it falls inside a surrogate pair.

    >>> utf16_to_codepoints("😀 NATO", 3)
    2
    """
    return _TaskText(text).from_utf16(offset)


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # two UTF-16 code units each (a surrogate pair)


class _TaskText:
    """What depends only on a task's text, computed once per task: where its astral characters are.

    A task's regions are converted from UTF-16 by a search in the UTF-16 offsets of its astral characters,
    never by walking the text again.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        # The UTF-16 offset of each astral character: its code point index plus one per astral character before it.
        self.astral_units = [m.start() + k for k, m in enumerate(_ASTRAL.finditer(text))]
        self.astral = bool(self.astral_units)
        self.units = len(text) + len(self.astral_units)  # the text's length in UTF-16 code units

    def from_utf16(self, offset: int) -> int | None:
        """The code point index at a UTF-16 offset; None inside a surrogate pair or outside the text."""
        if not 0 <= offset <= self.units:
            return None
        before = bisect_left(self.astral_units, offset)  # astral characters that start before `offset`
        if before and self.astral_units[before - 1] == offset - 1:
            return None  # between the two halves of a surrogate pair
        return offset - before


def _describe(text: str, start: Any, end: Any, label: str = "") -> str:
    """A span as a person finds it: label, its text in quotes, its position."""
    where = f"{start}-{end}"
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        shown = text[start:end]
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return f"{label + ' ' if label else ''}“{shown}” at {where}"
    return f"{label + ' ' if label else ''}span at {where}"


def _resolve_offsets(
    tt: _TaskText, start: Any, end: Any, shown: Any, mode: OffsetMode
) -> tuple[int, int, bool] | tuple[str, str]:
    """(start, end, converted) in code points, or (problem, fix)."""
    text = tt.text
    if isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int) or not isinstance(end, int):
        return (
            f"value.start/value.end must be integers, got {start!r}/{end!r}",
            "Delete the region in Label Studio and draw it again.",
        )
    last: tuple[str, str] | None = ("offsets could not be resolved", "Delete the region and draw it again.")
    # Code points first (UTF-16 units are not tried on a text without astral characters, where both are the same);
    # then UTF-16, when asked for, or in auto where value.text tells the two apart.
    if mode != OffsetMode.UTF16 or not tt.astral:
        last = _span_problem(text, start, end, shown, start, end)
        if last is None:
            return start, end, False
    if tt.astral and (mode == OffsetMode.UTF16 or (mode == OffsetMode.AUTO and isinstance(shown, str))):
        s, e = tt.from_utf16(start), tt.from_utf16(end)
        if s is not None and e is not None:
            last = _span_problem(text, s, e, shown, start, end)
            if last is None:
                return s, e, True
    assert last is not None
    return last


def _span_problem(text: str, s: int, e: int, shown: Any, start: int, end: int) -> tuple[str, str] | None:
    """Why `text[s:e]` cannot be the region drawn at `start`-`end` showing `shown`, as (problem, fix); or None."""
    if not 0 <= s < e <= len(text):
        return (
            f"offsets start={start} end={end} are outside 0 <= start < end <= {len(text)} (text length)",
            "Delete the region in Label Studio and draw it again; if the export was edited, export again.",
        )
    if isinstance(shown, str) and shown != text[s:e] and _squash(shown) != _squash(text[s:e]):
        return (
            f"value.text {shown!r} differs from the task text at [{start}, {end}): {text[s:e]!r}",
            "The task text was changed after the region was drawn: check the task, draw the region again.",
        )
    return None


class _RegionName:
    """How problems name a region: the annotation, the region's label, text and position, its id.

    Made into text only when a problem is reported (an f-string calls ``__format__``).
    """

    __slots__ = ("where", "text", "value", "label", "rid")

    def __init__(self, where: str, text: str, value: dict[str, Any], label: str, rid: str) -> None:
        self.where, self.text, self.value, self.label, self.rid = where, text, value, label, rid

    def __format__(self, spec: str) -> str:
        desc = _describe(self.text, self.value.get("start"), self.value.get("end"), self.label)
        return f"{self.where}: {desc} (region {self.rid})"


class _RelationName:
    """How problems name a relation: the annotation, the regions it links, its place in the result."""

    __slots__ = ("where", "text", "spans", "a", "b", "i")

    def __init__(self, where: str, text: str, spans: dict[Any, tuple[int, int, str]], a: Any, b: Any, i: int) -> None:
        self.where, self.text, self.spans, self.a, self.b, self.i = where, text, spans, a, b, i

    def _region(self, rid: Any) -> str:
        return _describe(self.text, *self.spans[rid]) if rid in self.spans else repr(rid)

    def __format__(self, spec: str) -> str:
        return f"{self.where}: relation {self._region(self.a)} -> {self._region(self.b)} (result[{self.i}])"


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span without whitespace at its edges; None if it is all whitespace."""
    s, e = start, end
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return (s, e) if s < e else None


def _annotator(annotation: dict[str, Any]) -> Any:
    """The annotator's id (an expanded export gives an object with an e-mail: keep only the id); "?" for anything
    that is not an id (the annotation's check names it)."""
    who = annotation.get("completed_by")
    who = who.get("id") if isinstance(who, dict) else who
    return who if isinstance(who, int | str) and not isinstance(who, bool) else "?"


def _model_version(annotation: dict[str, Any], task: dict[str, Any]) -> str | None:
    """The model version of the prediction an annotation started from, if any."""
    pred = annotation.get("prediction")
    if isinstance(pred, dict) and pred.get("model_version"):
        return str(pred["model_version"])
    preds = [p for p in _listed(task, "predictions") if isinstance(p, dict)]
    parent = annotation.get("parent_prediction")
    for p in preds:
        if parent is not None and p.get("id") == parent and p.get("model_version"):
            return str(p["model_version"])
    versions = {str(p.get("model_version")) for p in preds if p.get("model_version")}
    return versions.pop() if len(versions) == 1 else None


def _predicted_regions(task: dict[str, Any], version: str | None) -> int:
    """The labelled regions of the task's prediction of `version`."""
    for p in _listed(task, "predictions"):
        if isinstance(p, dict) and (version is None or str(p.get("model_version")) == version):
            return sum(1 for r in _listed(p, "result") if isinstance(r, dict) and r.get("type") == "labels")
    return 0


def _listed(obj: dict[str, Any], key: str) -> list[Any]:
    """A list field of an export's object, or none when it holds something else (the field's own check names it
    where it matters)."""
    value = obj.get(key)
    return value if isinstance(value, list) else []


@dataclass
class _Regions:
    """What the labelled regions of one annotation gave: entities and triggers by region id, relations to read,
    regions refused (their relations are not reported again), spans by region id (for messages), and the
    regions accepted unchanged from a prediction."""

    entities: dict[str, Entity] = field(default_factory=dict)
    # a region with several entity types (nested schemas): its other mentions, by region id
    more: dict[str, list[Entity]] = field(default_factory=dict)
    triggers: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # type, start, end
    relations: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (index in result, relation)
    rejected: set[Any] = field(default_factory=set)
    spans: dict[Any, tuple[int, int, str]] = field(default_factory=dict)
    accepted: list[dict[str, Any]] = field(default_factory=list)


def annotation_to_document(
    task: dict[str, Any],
    annotation: dict[str, Any],
    schema: Schema,
    problems: list[str],
    summary: ImportSummary,
    offsets: OffsetMode = OffsetMode.AUTO,
    tt: _TaskText | None = None,
) -> Document | None:
    """One Label Studio annotation of one task -> a document; problems are appended."""
    task_id = task.get("id")
    ann_id = annotation.get("id")
    data = task.get("data")
    if not isinstance(data, dict):
        problems.append(f"task {task_id}: 'data' must be an object. Make tasks with `annot export`.")
        return None
    text, doc_id = data.get("text"), data.get("doc_id")
    if not isinstance(text, str):
        problems.append(f"task {task_id}: data.text must be a string. Make tasks with `annot export`.")
        return None
    tt = tt or _TaskText(text)
    who = _annotator(annotation)
    head = f"task {task_id}" + (f" (doc {doc_id})" if isinstance(doc_id, str) and doc_id else "")
    where = f"{head}, annotator {who}, annotation {ann_id}"
    n_before = len(problems)
    if who == "?" and annotation.get("completed_by") is not None:
        problems.append(
            f"{where}: 'completed_by' must be an account id (or an object with one), got "
            f"{annotation.get('completed_by')!r}. Export with the 'JSON' format."
        )
        return None
    result = annotation.get("result")
    if not isinstance(result, list):
        problems.append(f"{where}: 'result' must be a list. Export with the 'JSON' format.")
        return None
    if offsets == OffsetMode.AUTO and tt.astral and not _offsets_decidable(result):
        problems.append(
            f"{where}: the text has characters outside the Basic Multilingual Plane (emoji) and no region "
            "carries value.text, so code point and UTF-16 offsets cannot be told apart. "
            "Re-run with --offsets codepoints (Label Studio 1.23 and later) or --offsets utf16."
        )
        return None
    version = _model_version(annotation, task)
    regions = _read_regions(result, where, tt, schema, offsets, version, summary, problems)
    _check_overlaps(regions, where, text, problems, schema.nested)
    args = _read_relations(regions, where, text, schema, summary, problems)
    if len(problems) > n_before:
        return None
    events = [Event(rid, t, s, e, tuple(args[rid])) for rid, (t, s, e) in regions.triggers.items()]
    cycles = event_cycles(events)
    if cycles:
        problems += [f"{where}: {c}. Delete one of the relations that close the circle." for c in cycles]
        return None
    if version is not None or regions.accepted:
        stats = summary.predictions.setdefault(version or "(unknown)", ModelVersionStats())
        stats.predicted += _predicted_regions(task, version)
        stats.accepted += len(regions.accepted)
    meta = dict(data.get("meta") or {}) if isinstance(data.get("meta"), dict) else {}
    meta["annotation"] = {"annotator": who, "id": ann_id, "task": task_id}
    if annotation.get("ground_truth"):
        meta["annotation"]["ground_truth"] = True
    if regions.accepted:
        meta["annotation"]["accepted_predictions"] = sorted(
            regions.accepted, key=lambda r: (r["start"], r["end"], r["label"])
        )
    summary.annotators.add(who)
    entities = tuple(_all_entities(regions))
    doc = Document(str(doc_id), text, entities, tuple(events), meta)
    summary.entities += len(entities)
    summary.events += len(events)
    summary.arguments += sum(len(x) for x in args.values())
    return canonical(doc)


def _all_entities(regions: _Regions) -> list[Entity]:
    """Every entity mention of the regions: one per region, and the others of regions with several types."""
    return [m for rid, e in regions.entities.items() for m in (e, *regions.more.get(rid, ()))]


def _offsets_decidable(result: list[Any]) -> bool:
    """Whether the labelled regions tell code point offsets from UTF-16 ones: some region carries value.text."""
    labelled = [r for r in result if isinstance(r, dict) and r.get("type") == "labels"]
    return not labelled or any(isinstance((r.get("value") or {}).get("text"), str) for r in labelled)


def _read_regions(
    result: list[Any],
    where: str,
    tt: _TaskText,
    schema: Schema,
    offsets: OffsetMode,
    version: str | None,
    summary: ImportSummary,
    problems: list[str],
) -> _Regions:
    """Every labelled region checked (id, control, one label of the schema, offsets against the text) and
    sorted into entities and triggers; relations kept for `_read_relations`."""
    text = tt.text
    out = _Regions()
    for i, region in enumerate(result):
        if not isinstance(region, dict):
            problems.append(f"{where}, result[{i}]: expected an object. Export with the 'JSON' format.")
            continue
        rtype = region.get("type")
        if rtype == "relation":
            out.relations.append((i, region))
            continue
        rid = region.get("id")
        if isinstance(rid, str):
            out.rejected.add(rid)
        raw_value = region.get("value")
        value: dict[str, Any] = raw_value if isinstance(raw_value, dict) else {}
        labels = value.get("labels")
        label = labels[0] if isinstance(labels, list) and len(labels) == 1 and isinstance(labels[0], str) else ""
        extra: list[str] = []  # a nested schema's region may carry several entity types: one mention each
        if schema.nested and isinstance(labels, list) and len(labels) > 1:
            names = [x for x in labels if isinstance(x, str) and x in schema.entities]
            if len(set(names)) == len(labels):
                label, extra = names[0], names[1:]
        if not isinstance(rid, str) or not rid:
            desc = _describe(text, value.get("start"), value.get("end"), label)
            problems.append(f"{where}: {desc}: the region has no id. Export with the 'JSON' format (not JSON_MIN).")
            continue
        # How problems name the region (made only for a problem: most regions have none).
        w = _RegionName(where, text, value, label, rid)
        if rid in out.entities or rid in out.triggers:
            problems.append(f"{w}: the region id is used twice in this annotation. Export the project again.")
            continue
        control = region.get("from_name")
        if rtype != "labels" or control not in (LABEL_CONTROL, ENTITY_CONTROL, TRIGGER_CONTROL):
            problems.append(
                f"{w}: from_name {control!r} with type {rtype!r} is not a control of annot's labeling config. "
                "Make the project with `annot ls push` (or the config of `annot schema config`)."
            )
            continue
        if not value:
            problems.append(f"{w}: 'value' must be an object. Export with the 'JSON' format.")
            continue
        if not label:
            problems.append(
                f"{w}: the region must have exactly one label, got {labels!r}. "
                + (
                    "In a schema whose mentions nest, a region may carry several entity types (each once), never an "
                    "event type beside them. "
                    if schema.nested
                    else ""
                )
                + "Open the task, select the region and keep one label."
            )
            continue
        kind = _kind(control, label, schema)
        known = schema.entities if kind == "entity" else schema.events
        if not kind or label not in known:
            what = (
                "an entity type or an event type"
                if not kind
                else f"an {'entity' if kind == 'entity' else 'event'} type"
            )
            problems.append(
                f"{w}: label {label!r} is not {what} of schema {schema.name} "
                f"(known: {', '.join(known if kind else [*schema.entities, *schema.events])}). "
                "Update the project's labeling config (`annot ls push` updates it) and relabel the region."
            )
            continue
        got = _resolve_offsets(tt, value.get("start"), value.get("end"), value.get("text"), offsets)
        if len(got) == 2:
            problems.append(f"{w}: {got[0]}. {got[1]}")
            continue
        start, end, converted = got  # type: ignore[misc]
        trimmed = _trim(text, start, end)
        if trimmed is None:
            problems.append(f"{w}: the span is only whitespace. Delete the region in Label Studio.")
            continue
        if trimmed != (start, end):
            summary.trimmed += 1
            start, end = trimmed
        summary.utf16_converted += converted
        out.rejected.discard(rid)
        out.spans[rid] = (start, end, label)
        if kind == "entity":
            out.entities[rid] = Entity(start, end, label, rid)
            if extra:
                out.more[rid] = [Entity(start, end, x, f"{rid}#{k}") for k, x in enumerate(extra, 2)]
        else:
            out.triggers[rid] = (label, start, end)
        if region.get("origin") == "prediction":
            out.accepted.append({"start": start, "end": end, "label": label, "model_version": version})
    return out


def _kind(control: str, label: str, schema: Schema) -> str:
    """ "entity" or "trigger": by the control (separate controls) or by the label (one control); "" if neither."""
    if control == LABEL_CONTROL:
        return "entity" if label in schema.entities else "trigger" if label in schema.events else ""
    return "entity" if control == ENTITY_CONTROL else "trigger"


def _check_overlaps(regions: _Regions, where: str, text: str, problems: list[str], nested: bool = False) -> None:
    """Entity mentions never overlap (docs/guideline.md, section 3), unless the schema says they may nest; even
    then, one span never carries one type twice."""
    ordered = sorted(_all_entities(regions), key=lambda m: (m.start, m.end, m.label, m.id))
    for x, y in zip(ordered, ordered[1:]):
        if nested and (x.start, x.end, x.label) == (y.start, y.end, y.label):
            problems.append(
                f"{where}: {_describe(text, x.start, x.end, x.label)} is marked twice (regions {x.id}, {y.id}). "
                "Delete one of them."
            )
        elif not nested and y.start < x.end:
            what = "the same span twice" if (x.start, x.end) == (y.start, y.end) else "overlapping spans"
            problems.append(
                f"{where}: {_describe(text, *regions.spans[x.id])} and {_describe(text, *regions.spans[y.id])} "
                f"are {what} (regions {x.id}, {y.id}). "
                "Entity mentions must not overlap: delete one of them, or keep the longer name (guideline, section 3)."
            )


def _read_relations(
    regions: _Regions, where: str, text: str, schema: Schema, summary: ImportSummary, problems: list[str]
) -> dict[str, list[Argument]]:
    """The arguments of each trigger from the relations: one role of the schema, allowed for the event type and
    the entity's type, each argument once; a relation drawn from the argument to the trigger is turned round."""
    entities, triggers = regions.entities, regions.triggers
    args: dict[str, list[Argument]] = {rid: [] for rid in triggers}
    seen: set[tuple[str, str, str]] = set()
    events_fill = schema.events_fill_roles
    for i, rel in regions.relations:
        a, b = rel.get("from_id"), rel.get("to_id")
        if not isinstance(a, str) or not isinstance(b, str):
            problems.append(
                f"{where}, result[{i}]: a relation's from_id and to_id must be region ids (strings), got "
                f"{a!r} and {b!r}. Export with the 'JSON' format."
            )
            continue
        if a in regions.rejected or b in regions.rejected:
            continue
        wr = _RelationName(where, text, regions.spans, a, b, i)
        missing = [x for x in (a, b) if x not in entities and x not in triggers]
        if missing:
            problems += [
                f"{wr}: region {x!r} does not exist in this annotation. Delete the relation and draw it again."
                for x in missing
            ]
            continue
        if a in entities and b in triggers:
            a, b = b, a  # annotators may draw the relation from the argument to the trigger
            summary.reversed_relations += 1
        nested_event = a in triggers and b in triggers and events_fill
        if not (a in triggers and (b in entities or nested_event)):
            problems.append(
                f"{wr}: a relation must link an event word (trigger) and a name, date or number"
                + (" (or, where the schema lets events fill roles, two event words)" if events_fill else "")
                + ". Delete it; link the event word to each participant."
            )
            continue
        roles = rel.get("labels")
        if not roles:
            problems.append(
                f"{wr}: the relation has no role. Open the Relations tab in Label Studio and pick its role."
            )
            continue
        if not isinstance(roles, list) or len(roles) != 1 or not isinstance(roles[0], str) or not roles[0]:
            problems.append(
                f"{wr}: a relation must have exactly one role, got {roles!r}. Keep one in the Relations tab."
            )
            continue
        role = roles[0]
        if nested_event:  # an event filling a role of another (BioNLP-style nested events)
            pair = _event_in_event(regions, a, b, role, rel.get("direction"), schema)
            if isinstance(pair, str):
                problems.append(f"{wr}: {pair}. Pick an allowed role in the Relations tab, or delete the relation.")
                continue
            if pair != (a, b):
                summary.reversed_relations += 1
            a, b = pair
            if (a, b, role) in seen:
                problems.append(f"{wr}: the same argument ({role}) is linked twice. Delete one of the two relations.")
                continue
            seen.add((a, b, role))
            args[a].append(Argument(role, "", None, b))
            continue
        mentions = [entities[b], *regions.more.get(b, ())]
        fits = [m for m in mentions if not schema.role_problem(triggers[a][0], role, m.label)]
        if not fits:
            why = schema.role_problem(triggers[a][0], role, entities[b].label)
            problems.append(f"{wr}: {why}. Pick an allowed role in the Relations tab, or delete the relation.")
            continue
        if len(fits) > 1:
            problems.append(
                f"{wr}: the region carries {', '.join(m.label for m in fits)}, and each may be the {role}: link a "
                "region with one of them (mark the other type on a region of its own)."
            )
            continue
        b = fits[0].id
        if (a, b, role) in seen:
            problems.append(f"{wr}: the same argument ({role}) is linked twice. Delete one of the two relations.")
            continue
        seen.add((a, b, role))
        args[a].append(Argument(role, b))
    return args


def _event_in_event(
    regions: _Regions, a: str, b: str, role: str, direction: Any, schema: Schema
) -> tuple[str, str] | str:
    """(the event whose role is filled, the event filling it) for a relation between two triggers, or why neither
    way is allowed. The relation's direction decides when the schema allows both ways ("left": drawn from the
    filler); otherwise the one way the schema allows, as for a relation drawn from an entity to a trigger."""
    ways = [(b, a), (a, b)] if direction == "left" else [(a, b), (b, a)]
    fits = [(x, y) for x, y in ways if not schema.role_problem(regions.triggers[x][0], role, regions.triggers[y][0])]
    if fits:
        return fits[0]
    return str(schema.role_problem(regions.triggers[ways[0][0]][0], role, regions.triggers[ways[0][1]][0]))


def _pick(head: str, annotations: list[dict[str, Any]], pick: PickRule, problems: list[str], summary: ImportSummary):  # type: ignore[no-untyped-def]
    """The annotation that becomes gold; the others are named in the summary as dropped."""
    if len(annotations) == 1 and pick.rule != Pick.ANNOTATOR:
        return annotations[0]
    ids = [a.get("id") for a in annotations]
    chosen = None
    if pick.rule == Pick.GROUND_TRUTH:
        gt = [a for a in annotations if a.get("ground_truth")]
        if len(gt) != 1:
            problems.append(
                f"{head}: {len(gt)} of its {len(annotations)} annotations {ids} are marked ground truth, need exactly "
                "one. Mark it with `annot ls ground-truth PROJECT --annotator ID`, pick by annotator "
                "(--pick annotator:ID), or use `annot adjudicate`."
            )
            return None
        chosen = gt[0]
    elif pick.rule == Pick.ANNOTATOR:
        by = {str(_annotator(a)): a for a in annotations}
        chosen = next((by[w] for w in pick.annotators if w in by), None)
        if chosen is None:
            problems.append(
                f"{head}: none of annotator(s) {', '.join(pick.annotators)} annotated it (its annotations are by "
                f"{', '.join(sorted(by))}); add one of those to --pick annotator:..., or use `annot adjudicate`"
            )
            return None
    elif pick.rule == Pick.LATEST:
        chosen = max(
            annotations, key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""), str(a.get("id") or ""))
        )
    else:
        who = ", ".join(f"{a.get('id')} by annotator {_annotator(a)}" for a in annotations)
        problems.append(
            f"{head}: {len(annotations)} completed annotations ({who}); choose what becomes gold: "
            "--pick annotator:ID (that annotator's), --pick ground-truth (the one marked ground truth: "
            "`annot ls ground-truth`), --pick latest, or `annot adjudicate` to keep what annotators agree on"
        )
        return None
    for a in annotations:
        if a is not chosen:
            summary.dropped.append(
                f"{head}: annotation {a.get('id')} by annotator {_annotator(a)} "
                f"(kept {chosen.get('id')} by annotator {_annotator(chosen)}, --pick {pick})"
            )
    return chosen


def _completed(
    task: dict[str, Any], head: str, problems: list[str], summary: ImportSummary, annotator: str | None = None
) -> list[dict[str, Any]]:
    """The task's completed, non-empty annotations (of `annotator` only, when given); cancelled, empty ones and
    drafts are counted and named."""
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        problems.append(f"{head}: 'annotations' must be a list. Export with the 'JSON' format.")
        return []
    done = []
    for ann in annotations:
        if not isinstance(ann, dict):
            problems.append(f"{head}: an annotation is not an object. Export with the 'JSON' format.")
        elif annotator is not None and str(_annotator(ann)) != annotator:
            continue
        elif ann.get("was_cancelled"):
            summary.cancelled.append(f"{head}, annotator {_annotator(ann)}")
        elif not ann.get("result"):
            summary.empty.append(f"{head}, annotator {_annotator(ann)}")
        else:
            done.append(ann)
    drafts = task.get("drafts") or []
    if not isinstance(drafts, list):
        problems.append(f"{head}: 'drafts' must be a list. Export with the 'JSON' format.")
        drafts = []
    for draft in drafts:
        if isinstance(draft, dict) and (annotator is None or str(draft.get("user")) == annotator):
            who = draft.get("user")
            who = "?" if not isinstance(who, int) else who  # drafts name the user by e-mail: never kept
            summary.drafts.append(f"{head}, draft {draft.get('id')}" + (f" by annotator {who}" if who != "?" else ""))
    return done


def documents_from_export(
    tasks: Iterable[Any],
    schema: Schema,
    *,
    where: str = "export",
    pick: PickRule | Pick = Pick.ONLY,
    offsets: OffsetMode = OffsetMode.AUTO,
    known: dict[str, str] | None = None,
    annotator: str | None = None,
) -> tuple[list[Document], ImportSummary]:
    """Check a whole Label Studio JSON export and return its gold documents; raise listing all problems.

    `known` maps document ids the corpus already has to their text SHA-256: a task without SHA-256 whose
    document is known with another text is refused. With `annotator` (a Label Studio account id), only that
    annotator's annotations are read: one annotator's documents, the tasks they did not do listed as such.
    """
    rule = pick if isinstance(pick, PickRule) else PickRule(pick)
    summary = ImportSummary()
    problems: list[str] = []
    docs: list[Document] = []
    seen: dict[str, Any] = {}
    for k, task in enumerate(_tasks(tasks, where)):
        if not isinstance(task, dict):
            problems.append(f"{where}: item {k} is not a task object")
            continue
        summary.tasks += 1
        done = _completed(task, _head(task, k), problems, summary, annotator)
        if not done:
            summary.skipped_unannotated.append(str(task_data(task).get("doc_id", task.get("id", f"#{k}"))))
            continue
        head, tt = _check_task(task, k, problems, summary, known or {})
        if tt is None:
            continue
        ann = _pick(head, done, rule, problems, summary)
        if ann is None:
            continue
        doc = annotation_to_document(task, ann, schema, problems, summary, offsets, tt)
        if doc is None:
            continue
        if doc.id in seen:
            problems.append(
                f"{head}: document id {doc.id!r} is also the id of task {seen[doc.id]}. "
                "Each document must be one task: delete the duplicate task in Label Studio."
            )
            continue
        seen[doc.id] = task.get("id")
        docs.append(doc)
    raise_if_problems(
        problems,
        f"{where}: the export has invalid annotations; nothing was written",
        "Each line says what to fix. Correct the tasks in Label Studio (open the task, fix the region or relation, "
        "update), export again, and re-run `annot import`.",
    )
    summary.documents = len(docs)
    return docs, summary


def task_data(task: dict[str, Any]) -> dict[str, Any]:
    """The task's `data` object (empty when it has none)."""
    data = task.get("data")
    return data if isinstance(data, dict) else {}


def _head(task: dict[str, Any], k: int) -> str:
    """How messages name a task: its id and its document."""
    doc_id = task_data(task).get("doc_id")
    return f"task {task.get('id', f'#{k}')}" + (f" (doc {doc_id})" if isinstance(doc_id, str) and doc_id else "")


@dataclass(frozen=True)
class Annotated:
    """One annotator's annotation of one document."""

    annotator: str
    document: Document
    ground_truth: bool = False
    independent: bool = False  # from a corpus's annotators/ folder: a second annotation, not the corpus's own


def annotations_from_export(
    tasks: Iterable[Any],
    schema: Schema,
    *,
    where: str = "export",
    offsets: OffsetMode = OffsetMode.AUTO,
) -> tuple[list[Annotated], ImportSummary]:
    """Every annotator's completed annotation of every task (for agreement and adjudication), all checked.

    Annotators are named by their id as text; one annotator with two annotations of one document is refused.
    """
    summary = ImportSummary()
    problems: list[str] = []
    out: list[Annotated] = []
    seen: dict[tuple[str, str], Any] = {}
    for k, task in enumerate(_tasks(tasks, where)):
        if not isinstance(task, dict):
            problems.append(f"{where}: item {k} is not a task object")
            continue
        summary.tasks += 1
        done = _completed(task, _head(task, k), problems, summary)
        if not done:
            summary.skipped_unannotated.append(str(task_data(task).get("doc_id", task.get("id", f"#{k}"))))
            continue
        head, tt = _check_task(task, k, problems, summary, {})
        if tt is None:
            continue
        for ann in done:
            doc = annotation_to_document(task, ann, schema, problems, summary, offsets, tt)
            if doc is None:
                continue
            who = str(_annotator(ann))
            if (who, doc.id) in seen:
                problems.append(
                    f"{head}: annotator {who} has two completed annotations of document {doc.id!r} "
                    f"({seen[who, doc.id]} and {ann.get('id')}). Delete one in Label Studio."
                )
                continue
            seen[who, doc.id] = ann.get("id")
            out.append(Annotated(who, doc, bool(ann.get("ground_truth"))))
    raise_if_problems(
        problems,
        f"{where}: the export has invalid annotations",
        "Each line says what to fix. Correct the tasks in Label Studio, export again.",
    )
    summary.documents = len({a.document.id for a in out})
    return out, summary


def _check_task(
    task: dict[str, Any], k: int, problems: list[str], summary: ImportSummary, known: dict[str, str]
) -> tuple[str, _TaskText | None]:
    """The task's name for messages and its text, checked (None when the task cannot be imported)."""
    task_id = task.get("id", f"#{k}")
    data = task.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        problems.append(f"task {task_id}: data.text must be a string. Make tasks with `annot export`.")
        return f"task {task_id}", None
    text, doc_id, sha = data["text"], data.get("doc_id"), data.get("sha256")
    head = _head(task, k)
    ok = True
    if not isinstance(doc_id, str) or not doc_id:
        problems.append(
            f"{head}: data.doc_id is missing; make tasks with `annot export` so that each "
            "carries its document id and text SHA-256"
        )
        ok = False
    elif why := id_problem(doc_id, "data.doc_id"):
        problems.append(f"{head}: {why}. Make tasks with `annot export`.")
        ok = False
    digest = text_sha256(text)
    if sha is not None and sha != digest:
        problems.append(
            f"{head}: data.sha256 does not match data.text: the text was edited after export. "
            "Offsets drawn on the edited text cannot be trusted: export the article again and re-annotate."
        )
        ok = False
    elif sha is None and ok:
        if doc_id in known and known[doc_id] != digest:
            problems.append(
                f"{head}: has no data.sha256, and the corpus knows document {doc_id!r} with another text. "
                "Make tasks with `annot export`; never edit a task's text in Label Studio."
            )
            ok = False
        elif _HTML_ENTITY.search(text):
            found = sorted(set(_HTML_ENTITY.findall(text)))
            problems.append(
                f"{head}: has no data.sha256 and its text holds HTML character references ({', '.join(found[:5])}): "
                "a tool escaped the text on its way. Make tasks from the original articles with `annot export`."
            )
            ok = False
        else:
            summary.warnings.append(
                f"{head}: no data.sha256 (not made by `annot export`): imported, but an edit of its text in "
                "Label Studio could not be detected"
            )
    return head, (_TaskText(text) if ok else None)


def _tasks(tasks: Iterable[Any], where: str) -> Iterator[Any]:
    if isinstance(tasks, dict) or not isinstance(tasks, Iterable) or isinstance(tasks, str | bytes):
        raise AnnotError(
            f"{where}: a Label Studio JSON export is a list of tasks, got {type(tasks).__name__}",
            "Export with the 'JSON' format (not JSON_MIN, which drops relations and region ids).",
        )
    yield from tasks


def iter_export(path: Path, chunk: int = CHUNK) -> Iterator[Any]:
    """The tasks of a Label Studio JSON export file, read one at a time: the file is never held whole.

    Exactly what `load_export` gives, task by task, and the same errors: each task is parsed by the json
    module, as `json.loads` parses it (numbers, strings, duplicate keys). A file that is not a plain JSON
    list (not JSON, not UTF-8, a byte order mark, nested too deeply, not a list) is read whole by
    `load_export`, which names what is wrong; the tasks already given are not given again. A file that
    does not end with ']' is read whole at once (so is a pipe, which can be read only once).
    """
    path = Path(path)
    given = 0
    try:
        for task in stream_list(path, chunk):
            yield task
            given += 1
        return
    except (NotPlain, OSError, ValueError, RecursionError):
        pass  # read whole below, out of this handler: the window read so far is freed first
    yield from load_export(path)[given:]


def load_export(path: Path) -> list[Any]:
    """Read a Label Studio JSON export file whole (`iter_export` reads it one task at a time)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnnotError(f"{path}: no such file", "Export the project from Label Studio as JSON first.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AnnotError(
            f"{path}: not a JSON file ({exc})", "Export the project from Label Studio with the 'JSON' format."
        ) from None
    except RecursionError:
        raise AnnotError(
            f"{path}: JSON nested too deeply to read (not a Label Studio export)",
            "Export the project from Label Studio with the 'JSON' format.",
        ) from None
    if not isinstance(data, list):
        raise AnnotError(
            f"{path}: a Label Studio JSON export is a list of tasks, got {type(data).__name__}",
            "Export with the 'JSON' format (not JSON_MIN, which drops relations and region ids).",
        )
    return data


def import_export(
    path: Path,
    output: Path,
    schema: Schema,
    *,
    pick: PickRule | Pick = Pick.ONLY,
    offsets: OffsetMode = OffsetMode.AUTO,
    chunk: int = CHUNK,
    annotator: str | None = None,
) -> ImportSummary:
    """`annot import`: check the export at `path` (read `chunk` characters at a time at least) and write its
    documents to `output` (JSONL); with `annotator`, that annotator's documents only."""
    refuse_overwriting(output, path)
    docs, summary = documents_from_export(
        iter_export(path, chunk), schema, where=str(path), pick=pick, offsets=offsets, annotator=annotator
    )
    if not docs:
        raise AnnotError(
            f"{path}: no completed annotation in {summary.tasks} task(s) "
            f"({len(summary.cancelled)} cancelled, {len(summary.empty)} empty, {len(summary.drafts)} draft(s), "
            f"{len(summary.skipped_unannotated)} unannotated); nothing was written",
            "Annotate and submit tasks in Label Studio, then export again.",
        )
    write_documents(output, docs)
    return summary
