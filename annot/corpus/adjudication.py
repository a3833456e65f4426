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
    """One item some annotators have and others have not: its number in the document (what a reviewer decides
    by), what it is, who has it, and the reviewer's decision ("keep" or "drop") once there is one."""

    item: str
    annotators: dict[str, bool]
    id: int = 0
    decision: str | None = None


KEEP, DROP = "keep", "drop"


@dataclass(frozen=True, kw_only=True)
class Review:
    """What a reviewer decided on one document in a review project made by `annot adjudicate --push`: the
    conflicts the task listed (by description, in order) and the choices ticked, per conflict number."""

    listed: tuple[str, ...]
    choices: dict[int, frozenset[str]]
    annotator: str = ""  # the reviewer's Label Studio id
    regions: bool = True  # whether the reviewer's annotation has regions (else: the review decided by choices only)


def conflicts_of(group: Sequence[Annotated]) -> tuple[set[Item], list[tuple[Item, dict[str, bool]]]]:
    """What every annotator of a document has alike, and every other item with who has it, in a stable order
    (the order of the conflict numbers)."""
    sets = {a.annotator: items(a.document) for a in group}
    agreed = set.intersection(*sets.values())
    union = set.union(*sets.values())
    ordered = sorted(union - agreed, key=lambda i: (i[1], i[2], str(i)))
    return agreed, [(i, {w: i in s for w, s in sets.items()}) for i in ordered]


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
            "conflicts": [
                {"item": c.item, "annotators": dict(sorted(c.annotators.items()))}
                | ({"id": c.id} if c.id else {})
                | ({"decision": c.decision} if c.decision else {})
                for c in self.conflicts
            ],
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
    reviews: dict[str, Review] | None = None,
    problems: list[str] | None = None,
) -> list[Decision]:
    """A decision for every document with two or more annotations (or a review), by the rule above.

    A reviewed document whose review project listed its conflicts (`reviews`) is decided only when the reviewer
    decided every conflict, keep or drop; otherwise it stays undecided, and `problems` names what is missing.
    A previous decision whose inputs are unchanged is kept as it was (with its date and author).
    """
    reviewed = reviewed or {}
    previous = previous or {}
    reviews = reviews or {}
    problems = problems if problems is not None else []
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
        if doc_id in reviewed and doc_id in reviews:
            out.append(_reviewed(doc_id, text, sha, inputs, group, reviewed[doc_id], reviews[doc_id], problems))
            continue
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
        agreed, listed = conflicts_of(group)
        conflicts = tuple(
            Conflict(item=describe(i, text), annotators=who, id=n) for n, (i, who) in enumerate(listed, 1)
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
                by=tuple(a.annotator for a in group),
                decided_at=old.decided_at if same and old is not None else _now(),
                conflicts=conflicts,
                gold=from_items(doc_id, text, agreed, {}),
            )
        )
    return out


def _reviewed(
    doc_id: str,
    text: str,
    sha: str,
    inputs: dict[str, str],
    group: Sequence[Annotated],
    reviewer: Annotated,
    review: Review,
    problems: list[str],
) -> Decision:
    """The decision of a document reviewed conflict by conflict: the reviewer's regions (the agreed part as they
    left or corrected it) with every conflict kept or dropped as they decided. Undecided, doubly decided or
    impossible decisions leave the document undecided (the agreed part is its gold meanwhile), named in
    `problems`."""
    agreed, listed = conflicts_of(group)
    descriptions = tuple(describe(i, text) for i, _ in listed)
    where = f"document {doc_id!r}"
    if descriptions != review.listed:
        problems.append(
            f"{where}: its conflicts changed since the review project was made (an annotation was edited): the "
            "review is not applied; push the review again (annot adjudicate --push)"
        )
        return _undecided(doc_id, sha, inputs, group, text, agreed, listed, {})
    decided: dict[int, str] = {}
    undecided, both = [], []
    for n in range(1, len(listed) + 1):
        got = review.choices.get(n, frozenset())
        if len(got) == 1:
            decided[n] = next(iter(got))
        elif got:
            both.append(n)
        else:
            undecided.append(n)
    base = items(reviewer.document)
    kept = {i for n, (i, _) in enumerate(listed, 1) if decided.get(n) == KEEP}
    clash = [n for n, (i, _) in enumerate(listed, 1) if decided.get(n) == DROP and i in base]
    gold = base | kept
    present = {(i[1], i[2], i[3]) for i in gold if i[0] in ("entity", "trigger")}
    orphans = [
        n
        for n, (i, _) in enumerate(listed, 1)
        if decided.get(n) == KEEP
        and i[0] == "argument"
        and ((i[1], i[2], i[3]) not in present or (i[4], i[5], i[6]) not in present)
    ]
    wrong = []
    if undecided:
        wrong.append(f"conflict(s) {_numbers(undecided)} undecided (tick keep or drop)")
    if both:
        wrong.append(f"conflict(s) {_numbers(both)} both kept and dropped (keep one of the two)")
    if clash:
        wrong.append(f"conflict(s) {_numbers(clash)} dropped, but the review annotation still has them")
    if orphans:
        wrong.append(f"conflict(s) {_numbers(orphans)} keep an argument whose event word or participant is not kept")
    if wrong:
        problems.append(f"{where}: " + "; ".join(wrong) + "; the document stays undecided")
        return _undecided(doc_id, sha, inputs, group, text, agreed, listed, decided)
    return Decision(
        document=doc_id,
        sha256=sha,
        inputs=inputs,
        decision="reviewed",
        by=(reviewer.annotator,),
        decided_at=_now(),
        conflicts=tuple(
            Conflict(item=describe(i, text), annotators=who, id=n, decision=decided[n])
            for n, (i, who) in enumerate(listed, 1)
        ),
        gold=from_items(doc_id, text, gold, {}),
    )


def _undecided(
    doc_id: str,
    sha: str,
    inputs: dict[str, str],
    group: Sequence[Annotated],
    text: str,
    agreed: set[Item],
    listed: list[tuple[Item, dict[str, bool]]],
    decided: dict[int, str],
) -> Decision:
    return Decision(
        document=doc_id,
        sha256=sha,
        inputs=inputs,
        decision="agreed",
        by=tuple(a.annotator for a in group),
        decided_at=_now(),
        conflicts=tuple(
            Conflict(item=describe(i, text), annotators=who, id=n, decision=decided.get(n))
            for n, (i, who) in enumerate(listed, 1)
        ),
        gold=from_items(doc_id, text, agreed, {}),
    )


def _numbers(ns: Sequence[int]) -> str:
    return ", ".join(f"#{n}" for n in ns)


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
                conflicts=tuple(
                    Conflict(
                        item=c["item"],
                        annotators=dict(c["annotators"]),
                        id=int(c.get("id", 0)),
                        decision=c.get("decision"),
                    )
                    for c in d["conflicts"]
                ),
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
