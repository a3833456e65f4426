"""Label Studio export (JSON) -> gold documents, checking every region and relation.

Label Studio stores whatever the browser sends (unknown labels, spans past the
end of the text, relations to missing regions, roles not in the config): every
check is done here, and all problems are reported at once, naming the task, the
annotation and the field. Nothing is written unless the whole export is valid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..documents import Argument, Document, Entity, Event, canonical, text_sha256, write_documents
from ..errors import AnnotError, raise_if_problems
from ..schema import Schema
from .config import ENTITY_CONTROL, TRIGGER_CONTROL


class OffsetMode(StrEnum):
    """Units of the offsets in an export: detected, Unicode code points, or UTF-16 code units."""

    AUTO = "auto"
    CODEPOINTS = "codepoints"
    UTF16 = "utf16"


class Pick(StrEnum):
    """Which annotation of a task with several becomes gold: refuse (only), the ground truth, the latest."""

    ONLY = "only"
    GROUND_TRUTH = "ground-truth"
    LATEST = "latest"


@dataclass
class ImportSummary:
    """What an import did, for the terminal and for the corpus manifest."""

    tasks: int = 0
    documents: int = 0
    entities: int = 0
    events: int = 0
    arguments: int = 0
    skipped_cancelled: int = 0
    skipped_unannotated: list[str] = field(default_factory=list)
    utf16_converted: int = 0
    reversed_relations: int = 0


def _squash(s: str) -> str:
    return " ".join(s.split())


def utf16_to_codepoints(text: str, offset: int) -> int | None:
    """Code point index for a UTF-16 code unit offset, or None if it falls inside a surrogate pair.

    >>> utf16_to_codepoints("😀 NATO", 3)
    2
    """
    units = 0
    for i, ch in enumerate(text):
        if units == offset:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > offset:
            return None
    return len(text) if units == offset else None


def _resolve_offsets(text: str, start: Any, end: Any, shown: Any, mode: OffsetMode) -> tuple[int, int, bool] | str:
    """(start, end, converted) in code points, or a description of what is wrong."""
    if isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int) or not isinstance(end, int):
        return f"value.start/value.end must be integers, got {start!r}/{end!r}"
    candidates: list[tuple[int, int, bool]] = []
    if mode in ("auto", "codepoints"):
        candidates.append((start, end, False))
    if mode in ("auto", "utf16") and any(ord(c) > 0xFFFF for c in text):
        s, e = utf16_to_codepoints(text, start), utf16_to_codepoints(text, end)
        if s is not None and e is not None:
            candidates.append((s, e, True))
    elif mode == "utf16":
        candidates.append((start, end, False))
    last = ""
    for s, e, converted in candidates:
        if not 0 <= s < e <= len(text):
            last = f"offsets start={start} end={end} are outside 0 <= start < end <= {len(text)} (text length)"
            continue
        if isinstance(shown, str) and _squash(shown) != _squash(text[s:e]):
            last = f"value.text {shown!r} differs from the task text at [{start}, {end}): {text[s:e]!r}"
            continue
        return s, e, converted
    return last or "offsets could not be resolved"


def _pick_annotation(
    task_id: Any, annotations: list[dict[str, Any]], pick: Pick, problems: list[str]
) -> dict[str, Any] | None:
    if len(annotations) == 1:
        return annotations[0]
    ids = [a.get("id") for a in annotations]
    if pick == "ground-truth":
        gt = [a for a in annotations if a.get("ground_truth")]
        if len(gt) == 1:
            return gt[0]
        problems.append(f"task {task_id}: {len(gt)} of its annotations {ids} are marked ground truth, need exactly one")
        return None
    if pick == "latest":
        return max(annotations, key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""), a.get("id") or 0))
    problems.append(
        f"task {task_id}: {len(annotations)} completed annotations {ids}; choose one with "
        "--pick ground-truth (the one marked ground truth in Label Studio) or --pick latest"
    )
    return None


def annotation_to_document(
    task: dict[str, Any],
    annotation: dict[str, Any],
    schema: Schema,
    problems: list[str],
    summary: ImportSummary,
    offsets: OffsetMode = OffsetMode.AUTO,
) -> Document | None:
    """One Label Studio annotation of one task -> a document; problems are appended."""
    task_id = task.get("id")
    ann_id = annotation.get("id")
    where = f"task {task_id}, annotation {ann_id}"
    n_before = len(problems)
    data = task.get("data")
    if not isinstance(data, dict):
        problems.append(f"task {task_id}: 'data' must be an object")
        return None
    text, doc_id, sha = data.get("text"), data.get("doc_id"), data.get("sha256")
    if not isinstance(text, str):
        problems.append(f"task {task_id}: data.text must be a string")
        return None
    if not isinstance(doc_id, str) or not doc_id:
        problems.append(
            f"task {task_id}: data.doc_id is missing; make tasks with `annot export` so that each "
            "carries its document id and text SHA-256"
        )
    if sha is not None and sha != text_sha256(text):
        problems.append(f"task {task_id}: data.sha256 does not match data.text: the text was edited after export")
    result = annotation.get("result")
    if not isinstance(result, list):
        problems.append(f"{where}: 'result' must be a list")
        return None

    entities: dict[str, Entity] = {}
    triggers: dict[str, tuple[str, int, int]] = {}
    relations: list[tuple[int, dict[str, Any]]] = []
    rejected: set[Any] = set()  # regions already reported: their relations are not reported again
    for i, region in enumerate(result):
        w = f"{where}, result[{i}]"
        if not isinstance(region, dict):
            problems.append(f"{w}: expected an object")
            continue
        rtype = region.get("type")
        if rtype == "relation":
            relations.append((i, region))
            continue
        rid = region.get("id")
        rejected.add(rid)
        if isinstance(rid, str) and rid:
            w = f"{where}, region {rid!r}"
        else:
            problems.append(f"{w}: region has no 'id'")
            continue
        if rid in entities or rid in triggers:
            problems.append(f"{w}: region id used twice in this annotation")
            continue
        control = region.get("from_name")
        if rtype != "labels" or control not in (ENTITY_CONTROL, TRIGGER_CONTROL):
            problems.append(
                f"{w}: from_name {control!r} with type {rtype!r} is not a control of annot's labeling "
                f"config (expected type 'labels' from '{ENTITY_CONTROL}' or '{TRIGGER_CONTROL}'); "
                "create the project with `annot schema config`"
            )
            continue
        value = region.get("value")
        if not isinstance(value, dict):
            problems.append(f"{w}: 'value' must be an object")
            continue
        labels = value.get("labels")
        if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
            problems.append(f"{w}: value.labels must hold exactly one label, got {labels!r}")
            continue
        label = labels[0]
        known = schema.entities if control == ENTITY_CONTROL else schema.events
        if label not in known:
            problems.append(
                f"{w}: label {label!r} is not a{'n entity' if control == ENTITY_CONTROL else 'n event'} "
                f"type of schema {schema.name} (known: {', '.join(known)})"
            )
            continue
        got = _resolve_offsets(text, value.get("start"), value.get("end"), value.get("text"), offsets)
        if isinstance(got, str):
            problems.append(f"{w} ({label}): {got}")
            continue
        start, end, converted = got
        summary.utf16_converted += converted
        rejected.discard(rid)
        if control == ENTITY_CONTROL:
            entities[rid] = Entity(start, end, label, rid)
        else:
            triggers[rid] = (label, start, end)

    # Entity mentions never overlap (docs/guideline.md, section 3).
    ordered = sorted(entities.values())
    for x, y in zip(ordered, ordered[1:]):
        if y.start < x.end:
            what = "the same span twice" if (x.start, x.end) == (y.start, y.end) else "overlapping spans"
            problems.append(
                f"{where}: regions {x.id!r} ({x.label} {text[x.start : x.end]!r} [{x.start}, {x.end})) and "
                f"{y.id!r} ({y.label} {text[y.start : y.end]!r} [{y.start}, {y.end})) are {what}; "
                "entity mentions must not overlap"
            )

    args: dict[str, list[Argument]] = {rid: [] for rid in triggers}
    seen_rel: set[tuple[str, str, str]] = set()
    for i, rel in relations:
        w = f"{where}, relation result[{i}] ({rel.get('from_id')!r} -> {rel.get('to_id')!r})"
        a, b = rel.get("from_id"), rel.get("to_id")
        if a in rejected or b in rejected:
            continue
        missing = [x for x in (a, b) if x not in entities and x not in triggers]
        if missing:
            problems += [f"{w}: region {x!r} does not exist in this annotation" for x in missing]
            continue
        if a in entities and b in triggers:
            a, b = b, a  # annotators may draw the relation from the argument to the trigger
            summary.reversed_relations += 1
        if not (a in triggers and b in entities):
            problems.append(f"{w}: a relation must link an event trigger and an entity mention")
            continue
        roles = rel.get("labels")
        if not roles:
            problems.append(f"{w}: relation has no role; open the relation in Label Studio and pick its role")
            continue
        if not isinstance(roles, list) or len(roles) != 1:
            problems.append(f"{w}: relation must have exactly one role, got {roles!r}")
            continue
        role = roles[0]
        ev_type = triggers[a][0]
        why = schema.role_problem(ev_type, role, entities[b].label)
        if why:
            problems.append(f"{w}: {why}")
            continue
        if (a, b, role) in seen_rel:
            problems.append(f"{w}: the same argument ({role}) is linked twice")
            continue
        seen_rel.add((a, b, role))
        args[a].append(Argument(role, b))

    if len(problems) > n_before:
        return None
    events = [Event(rid, t, s, e, tuple(args[rid])) for rid, (t, s, e) in triggers.items()]
    meta = dict(data.get("meta") or {}) if isinstance(data.get("meta"), dict) else {}
    completed_by = annotation.get("completed_by")
    if isinstance(completed_by, dict):  # expanded export: keep only the id, never the e-mail
        completed_by = completed_by.get("id")
    meta["annotation"] = {"annotator": completed_by, "id": ann_id, "task": task_id}
    doc = Document(str(doc_id), text, tuple(entities.values()), tuple(events), meta)
    summary.entities += len(entities)
    summary.events += len(events)
    summary.arguments += sum(len(x) for x in args.values())
    return canonical(doc)


def documents_from_export(
    tasks: Any, schema: Schema, *, where: str = "export", pick: Pick = Pick.ONLY, offsets: OffsetMode = OffsetMode.AUTO
) -> tuple[list[Document], ImportSummary]:
    """Check a whole Label Studio JSON export and return its gold documents; raise listing all problems."""
    summary = ImportSummary()
    problems: list[str] = []
    if not isinstance(tasks, list):
        raise AnnotError(
            f"{where}: a Label Studio JSON export is a list of tasks, got {type(tasks).__name__}",
            "Export with the 'JSON' format (not JSON_MIN, which drops relations and region ids).",
        )
    docs: list[Document] = []
    seen: dict[str, Any] = {}
    for k, task in enumerate(tasks):
        if not isinstance(task, dict):
            problems.append(f"{where}: item {k} is not a task object")
            continue
        summary.tasks += 1
        task_id = task.get("id", f"#{k}")
        annotations = task.get("annotations") or []
        if not isinstance(annotations, list):
            problems.append(f"task {task_id}: 'annotations' must be a list")
            continue
        done = []
        for ann in annotations:
            if not isinstance(ann, dict):
                problems.append(f"task {task_id}: an annotation is not an object")
            elif ann.get("was_cancelled"):
                summary.skipped_cancelled += 1
            else:
                done.append(ann)
        if not done:
            data: dict[str, Any] = task["data"] if isinstance(task.get("data"), dict) else {}
            summary.skipped_unannotated.append(str(data.get("doc_id", task_id)))
            continue
        ann = _pick_annotation(task_id, done, pick, problems)
        if ann is None:
            continue
        doc = annotation_to_document(task, ann, schema, problems, summary, offsets)
        if doc is None:
            continue
        if doc.id in seen:
            problems.append(f"task {task_id}: document id {doc.id!r} is also the id of task {seen[doc.id]}")
            continue
        seen[doc.id] = task_id
        docs.append(doc)
    raise_if_problems(
        problems,
        f"{where}: the export has invalid annotations; nothing was written",
        "Fix them in Label Studio (open the task, correct the region or relation, update), export again, "
        "and re-run `annot import`.",
    )
    summary.documents = len(docs)
    return docs, summary


def load_export(path: Path) -> Any:
    """Read a Label Studio JSON export file."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnnotError(f"{path}: no such file", "Export the project from Label Studio as JSON first.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AnnotError(
            f"{path}: not a JSON file ({exc})", "Export the project from Label Studio with the 'JSON' format."
        ) from None


def import_export(
    path: Path, output: Path, schema: Schema, *, pick: Pick = Pick.ONLY, offsets: OffsetMode = OffsetMode.AUTO
) -> ImportSummary:
    """`annot import`: check the export at `path` and write its documents to `output` (JSONL)."""
    docs, summary = documents_from_export(load_export(path), schema, where=str(path), pick=pick, offsets=offsets)
    if not docs:
        raise AnnotError(
            f"{path}: no completed annotation in {summary.tasks} task(s) "
            f"({summary.skipped_cancelled} cancelled, {len(summary.skipped_unannotated)} unannotated); nothing was written",
            "Annotate and submit tasks in Label Studio, then export again.",
        )
    write_documents(output, docs)
    return summary
