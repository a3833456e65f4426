"""Several annotations of a document -> one gold document, by a documented rule, with a record of every decision.

The rule, in order:

1. **ground truth**: an annotation marked ground truth in Label Studio wins
   (two marked for one document are a conflict to resolve);
2. **reviewed**: a reviewer's annotation from the review project made by
   `annot adjudicate --push` and imported with `--reviewed` replaces the rest;
3. **agreed**: otherwise, what every annotator of the document annotated alike
   is gold: an entity mention (same span and label), a trigger (same span and
   event type), an argument (same trigger, same mention, same role, and both
   ends agreed). Everything else is a conflict: left out of the gold and
   listed until a reviewer resolves it.

The record (``adjudication.json`` beside the corpus) keeps, per document, the
decision, the rule, by whom, when, the conflicts, a digest of every annotator's
input and the gold document decided. A rebuild reuses a decision as long as the
inputs have not changed; a changed input makes it stale, and the corpus says so.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..documents import Argument, Document, Entity, Event, canonical, document_from_dict, document_to_dict
from ..errors import AnnotError
from ..files import atomic_write_text
from ..labelstudio.importer import Annotated

RECORD = "adjudication.json"
RULE = (
    "1. ground truth: an annotation marked ground truth in Label Studio wins",
    "2. reviewed: a reviewer's annotation in the review project (annot adjudicate --push, then --reviewed) wins",
    "3. agreed: what every annotator of the document annotated alike is gold (mentions: span and label; triggers: "
    "span and type; arguments: trigger, mention and role, both ends agreed); the rest are conflicts, left out and "
    "listed until reviewed",
)

Item = tuple[Any, ...]


def digest(doc: Document) -> str:
    """A digest of what an annotation says (text, mentions, events), not of its ids or meta."""
    c = canonical(doc)
    body = json.dumps(
        {k: v for k, v in document_to_dict(c).items() if k in ("text", "entities", "events")}, sort_keys=True
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def items(doc: Document) -> set[Item]:
    """What one annotation says, as comparable items."""
    out: set[Item] = {("entity", e.start, e.end, e.label) for e in doc.entities}
    ents = doc.entity_by_id()
    for ev in doc.events:
        out.add(("trigger", ev.start, ev.end, ev.type))
        for a in ev.arguments:
            e = ents[a.entity]
            out.add(("argument", ev.start, ev.end, ev.type, e.start, e.end, e.label, a.role))
    return out


def describe(item: Item, text: str) -> str:
    """An item as a person reads it."""
    if item[0] == "argument":
        _, ts, te, t, es, ee, lab, role = item
        return f"{role} of {t} “{text[ts:te]}”: {lab} “{text[es:ee]}” at {es}-{ee}"
    kind, s, e, label = item
    return f"{label} “{text[s:e]}” at {s}-{e}" + (" (trigger)" if kind == "trigger" else "")


def from_items(doc_id: str, text: str, agreed: set[Item], meta: dict[str, Any]) -> Document:
    """A document made of agreed items (an argument only when its trigger and mention are agreed)."""
    ents = sorted(i for i in agreed if i[0] == "entity")
    ent_ids = {(s, e, lab): f"T{n}" for n, (_, s, e, lab) in enumerate(ents, 1)}
    events = []
    for n, (_, s, e, t) in enumerate(sorted(i for i in agreed if i[0] == "trigger"), 1):
        args = tuple(
            Argument(role, ent_ids[(es, ee, lab)])
            for (_, ts, te, tt, es, ee, lab, role) in sorted(i for i in agreed if i[0] == "argument")
            if (ts, te, tt) == (s, e, t) and (es, ee, lab) in ent_ids
        )
        events.append(Event(f"E{n}", t, s, e, args))
    entities = tuple(Entity(s, e, lab, ent_ids[(s, e, lab)]) for (_, s, e, lab) in ents)
    return canonical(Document(doc_id, text, entities, tuple(events), meta))


@dataclass(frozen=True, kw_only=True)
class Conflict:
    item: str
    annotators: dict[str, bool]


@dataclass(frozen=True, kw_only=True)
class Decision:
    """What was decided for one document, by which rule, by whom, when."""

    document: str
    sha256: str
    inputs: dict[str, str]  # annotator -> digest of the annotation decided on
    decision: str  # "ground truth", "reviewed", "agreed"
    by: tuple[str, ...]
    decided_at: str
    conflicts: tuple[Conflict, ...] = ()
    gold: Document | None = field(default=None, compare=False)

    @property
    def resolved(self) -> bool:
        return self.decision != "agreed" or not self.conflicts

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "inputs": dict(sorted(self.inputs.items())),
            "decision": self.decision,
            "by": list(self.by),
            "decided_at": self.decided_at,
            "resolved": self.resolved,
            "conflicts": [{"item": c.item, "annotators": dict(sorted(c.annotators.items()))} for c in self.conflicts],
            "gold": None
            if self.gold is None
            else {k: v for k, v in document_to_dict(self.gold).items() if k != "meta"},
        }


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def decide(
    annotations: Sequence[Annotated],
    reviewed: dict[str, Annotated] | None = None,
    previous: dict[str, Decision] | None = None,
) -> list[Decision]:
    """A decision for every document with two or more annotations (or a review), by the rule above.

    A previous decision whose inputs are unchanged is kept as it was (with its date and author).
    """
    reviewed = reviewed or {}
    previous = previous or {}
    by_doc: dict[str, list[Annotated]] = {}
    for a in annotations:
        by_doc.setdefault(a.document.id, []).append(a)
    out = []
    for doc_id in sorted(set(by_doc) | set(reviewed)):
        group = sorted(by_doc.get(doc_id, []), key=lambda a: a.annotator)
        if len(group) < 2 and doc_id not in reviewed:
            continue
        text = group[0].document.text if group else reviewed[doc_id].document.text
        if any(a.document.text != text for a in group):
            raise AnnotError(
                f"document {doc_id!r}: annotators saw different texts",
                "Annotations of one document must be made on the same text (annot export gives each its SHA-256).",
            )
        inputs = {a.annotator: digest(a.document) for a in group}
        sha = group[0].document.sha256 if group else reviewed[doc_id].document.sha256
        old = previous.get(doc_id)
        if doc_id in reviewed:
            r = reviewed[doc_id]
            out.append(
                Decision(
                    document=doc_id,
                    sha256=sha,
                    inputs=inputs,
                    decision="reviewed",
                    by=(r.annotator,),
                    decided_at=_now(),
                    gold=canonical(Document(doc_id, text, r.document.entities, r.document.events)),
                )
            )
            continue
        if (
            old is not None
            and old.inputs == inputs
            and old.sha256 == sha
            and old.decision in ("reviewed", "ground truth")
        ):
            out.append(old)  # unchanged inputs: the decision stands
            continue
        truth = [a for a in group if a.ground_truth]
        if len(truth) == 1:
            t = truth[0]
            out.append(
                Decision(
                    document=doc_id,
                    sha256=sha,
                    inputs=inputs,
                    decision="ground truth",
                    by=(t.annotator,),
                    decided_at=_now(),
                    gold=canonical(Document(doc_id, text, t.document.entities, t.document.events)),
                )
            )
            continue
        sets = {a.annotator: items(a.document) for a in group}
        agreed = set.intersection(*sets.values())
        union = set.union(*sets.values())
        conflicts = tuple(
            Conflict(item=describe(i, text), annotators={w: i in s for w, s in sets.items()})
            for i in sorted(union - agreed, key=lambda i: (i[1], i[2], str(i)))
        )
        if len(truth) > 1:
            conflicts += (
                Conflict(
                    item="several annotations are marked ground truth",
                    annotators={a.annotator: a.ground_truth for a in group},
                ),
            )
        same = old is not None and old.inputs == inputs and old.decision == "agreed"
        out.append(
            Decision(
                document=doc_id,
                sha256=sha,
                inputs=inputs,
                decision="agreed",
                by=tuple(sets),
                decided_at=old.decided_at if same and old is not None else _now(),
                conflicts=conflicts,
                gold=from_items(doc_id, text, agreed, {}),
            )
        )
    return out


# ------------------------------------------------------------------ record


def write_record(path: Path, decisions: Sequence[Decision]) -> None:
    """The record beside the corpus: the rule and every decision, sorted, stable."""
    data = {
        "note": "Made by `annot adjudicate`; read by `annot corpus build`. Edit the annotations, not this file.",
        "rule": list(RULE),
        "documents": {d.document: d.to_dict() for d in sorted(decisions, key=lambda d: d.document)},
    }
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def read_record(path: Path) -> dict[str, Decision]:
    """The decisions of a record file (empty when there is none)."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        out = {}
        for doc_id, d in data["documents"].items():
            gold = None
            if d.get("gold") is not None:
                problems: list[str] = []
                gold = document_from_dict({**d["gold"], "meta": {}}, f"{path}: {doc_id}", problems)
                if problems:
                    raise ValueError(problems[0])
            out[doc_id] = Decision(
                document=doc_id,
                sha256=d["sha256"],
                inputs=dict(d["inputs"]),
                decision=d["decision"],
                by=tuple(d["by"]),
                decided_at=d["decided_at"],
                conflicts=tuple(Conflict(item=c["item"], annotators=dict(c["annotators"])) for c in d["conflicts"]),
                gold=gold,
            )
        return out
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AnnotError(
            f"{path}: not an adjudication record ({exc})",
            "Re-make it: annot adjudicate CORPUS (decisions are re-derived).",
        ) from None


def stale(decisions: dict[str, Decision], annotations: Sequence[Annotated]) -> list[str]:
    """Documents whose recorded decision was made on other inputs than today's."""
    now: dict[str, dict[str, str]] = {}
    for a in annotations:
        now.setdefault(a.document.id, {})[a.annotator] = digest(a.document)
    return sorted(
        f"{doc_id}: decided on {', '.join(sorted(d.inputs))}, the annotations are now {', '.join(sorted(now.get(doc_id, {})))}"
        if set(d.inputs) != set(now.get(doc_id, {}))
        else f"{doc_id}: an annotation changed since it was decided"
        for doc_id, d in decisions.items()
        if now.get(doc_id, {}) != d.inputs
    )
