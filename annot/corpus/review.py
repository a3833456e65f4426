"""Where the gold is most likely wrong: items every voter contradicts, and the record of the changes a reviewer made.

**Voters** are the configured systems (their predictions on the gold's texts) and, where a corpus keeps them,
second annotators (annotators/<name>/). A voter votes on a layer it outputs: entity mentions, or events
(triggers and arguments). The items compared are adjudication's (`adjudication.items`): a mention is its span and
label, a trigger its span and event type, an argument its trigger, filler and role.

A gold item is **contradicted** when no voter of its layer has it (and, for an argument, every voter has its
trigger and its filler: otherwise the missing trigger or mention is the candidate); an item is **missing from the
gold** when every voter of its layer has it and the gold has not (an argument only when the gold has both its
ends). At least `min_voters` voters must vote on the layer of the document (default 2: one system alone against
the gold is its error rate, not evidence). Contradicted and missing items whose spans overlap make one
**candidate** (a relabel shows as the gold's item and the voters' one), of a kind:

- ``label``: the same spans, other labels or types;
- ``boundary``: overlapping spans;
- ``missing``: the voters' items only (the gold has nothing there);
- ``unsupported``: the gold's items only (no voter has them, nor any one alternative);
- ``argument``: an argument the gold has and no voter has, or every voter has and the gold has not.

**Confidence**, the order of the list: the number of voters against the gold (more first), then whether the voters
all propose the same alternative in that place (``unanimous``), then the kind (label, boundary, argument, missing,
unsupported), then the mean score the voters give their items, when they give scores.

A reviewer decides each listed item, keep or drop (the review project of `annot corpus review-gold --push`); the
decisions become **corrections** (``corrections.json`` beside the corpus): per document, every change (removed,
added) and every item kept as it was, with its reason (the candidate's kind and voters) and who decided when. `annot
corpus build` applies them after adjudication.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..documents import Argument, Document, Entity, Event, canonical, document_from_dict, document_to_dict
from ..errors import AnnotError
from ..files import atomic_write_text
from ..schema import Schema
from .adjudication import DROP, KEEP, Item, describe, digest, items

CORRECTIONS = "corrections.json"
KINDS = ("label", "boundary", "argument", "missing", "unsupported")
ENTITIES, EVENTS = "entities", "events"


@dataclass(frozen=True)
class Voter:
    """A system's output, or a second annotator's work, on (some of) the gold's documents; `layers`: what it
    outputs (entities, events)."""

    name: str
    documents: Mapping[str, Document]
    layers: frozenset[str]


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """One place where every voter contradicts the gold: the gold's items there and the voters' items."""

    document: str
    layer: str
    kind: str
    gold: tuple[Item, ...]  # the gold's items no voter has
    proposed: tuple[Item, ...]  # the items every voter has, the gold not
    voters: tuple[str, ...]  # every voter of the layer on this document
    unanimous: bool  # the voters have exactly `proposed` there, nothing else
    score: float | None = None  # the mean score voters give `proposed`, when they give any

    def rank_key(self) -> tuple[Any, ...]:
        start = min(i[1] for i in (*self.gold, *self.proposed))
        return (
            -len(self.voters),
            not self.unanimous,
            KINDS.index(self.kind),
            -(self.score or 0.0),
            self.document,
            start,
        )

    def describe(self, text: str) -> str:
        gold = "; ".join(describe(i, text) for i in self.gold) or "nothing"
        proposed = "; ".join(describe(i, text) for i in self.proposed) or "nothing"
        return (
            f"{self.kind}: the gold has {gold}, {len(self.voters)} voter(s) ({', '.join(self.voters)}) have {proposed}"
        )


def _layer(item: Item) -> str:
    return ENTITIES if item[0] == "entity" else EVENTS


def _span(item: Item) -> tuple[int, int]:
    return (int(item[1]), int(item[2]))


def _scores(doc: Document) -> dict[Item, float]:
    """The score a voter gives each of its entity and trigger items, when it gives one."""
    out: dict[Item, float] = {}
    for e in doc.entities:
        if e.score is not None:
            out["entity", e.start, e.end, e.label] = e.score
    for ev in doc.events:
        if ev.score is not None:
            out["trigger", ev.start, ev.end, ev.type] = ev.score
    return out


def document_candidates(gold: Document, voters: Sequence[Voter], min_voters: int = 2) -> list[Candidate]:
    """The candidates of one gold document (unordered)."""
    out: list[Candidate] = []
    gold_items = items(gold)
    for layer in (ENTITIES, EVENTS):
        mine = [v for v in voters if layer in v.layers and gold.id in v.documents]
        if len(mine) < max(1, min_voters):
            continue
        names = tuple(v.name for v in mine)
        theirs = {v.name: items(v.documents[gold.id]) for v in mine}
        g = {i for i in gold_items if _layer(i) == layer}
        every = set.intersection(*(set(s) for s in theirs.values()))
        contradicted = {i for i in g if all(i not in s for s in theirs.values())}
        missing = {i for i in every if _layer(i) == layer and i not in g}

        def ends(item: Item) -> tuple[Item, Item]:
            _, ts, te, t, es, ee, lab, _role = item
            return ("trigger", ts, te, t), ("entity", es, ee, lab)

        args = [i for i in contradicted if i[0] == "argument" and all(set(ends(i)) <= s for s in theirs.values())]
        args += [i for i in missing if i[0] == "argument" and set(ends(i)) <= gold_items]
        spans = [i for i in (contradicted | missing) if i[0] != "argument"]
        scores: dict[Item, list[float]] = {}
        for v in mine:
            for item, s in _scores(v.documents[gold.id]).items():
                scores.setdefault(item, []).append(s)
        for group in _overlapping(spans):
            in_gold = tuple(sorted(i for i in group if i in g))
            proposed = tuple(sorted(i for i in group if i not in g))
            if in_gold and proposed:
                kind = "label" if {_span(i) for i in in_gold} == {_span(i) for i in proposed} else "boundary"
            else:
                kind = "missing" if proposed else "unsupported"
            region = [_span(i) for i in group]
            unanimous = all(
                {i for i in s if i[0] != "argument" and _layer(i) == layer and _touches(_span(i), region)}
                == set(proposed)
                for s in theirs.values()
            )
            given = [x for i in proposed for x in scores.get(i, [])]
            out.append(
                Candidate(
                    document=gold.id,
                    layer=layer,
                    kind=kind,
                    gold=in_gold,
                    proposed=proposed,
                    voters=names,
                    unanimous=unanimous,
                    score=sum(given) / len(given) if given else None,
                )
            )
        for a in sorted(args):
            out.append(
                Candidate(
                    document=gold.id,
                    layer=layer,
                    kind="argument",
                    gold=(a,) if a in g else (),
                    proposed=() if a in g else (a,),
                    voters=names,
                    unanimous=True,
                )
            )
    return out


def _touches(span: tuple[int, int], region: Sequence[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in region)


def _overlapping(spans: Sequence[Item]) -> list[list[Item]]:
    """The items grouped by overlapping spans (connected components), in text order."""
    ordered = sorted(spans, key=lambda i: (_span(i), str(i)))
    groups: list[list[Item]] = []
    end = -1
    for item in ordered:
        s, e = _span(item)
        if groups and s < end:
            groups[-1].append(item)
            end = max(end, e)
        else:
            groups.append([item])
            end = e
    return groups


def find_candidates(gold: Sequence[Document], voters: Sequence[Voter], min_voters: int = 2) -> list[Candidate]:
    """Every candidate of the gold documents, most confident first (the module's order)."""
    found = [c for d in gold for c in document_candidates(d, voters, min_voters)]
    return sorted(found, key=Candidate.rank_key)


# ------------------------------------------------------------------ the review's decisions


@dataclass(frozen=True, kw_only=True)
class Change:
    """What the review did with one listed item: removed from the gold, added to it, kept as the gold has it,
    or rejected (the voters' item not added); and why the item was listed."""

    item: str
    change: str  # "removed", "added", "kept", "rejected", "removed with its mention" / "... with its trigger"
    reason: str
    number: int = 0  # its number in the review task


@dataclass(frozen=True, kw_only=True)
class Correction:
    """The record of one document's gold review: the gold it was made on (`base`: the digest of the document as
    the corpus's sources and adjudication give it), every change and item kept, who decided when, the gold after."""

    document: str
    sha256: str
    base: str
    by: tuple[str, ...]
    decided_at: str
    changes: tuple[Change, ...]
    gold: Document

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "base": self.base,
            "by": list(self.by),
            "decided_at": self.decided_at,
            "changes": [
                {"item": c.item, "change": c.change, "reason": c.reason} | ({"number": c.number} if c.number else {})
                for c in self.changes
            ],
            "gold": {k: v for k, v in document_to_dict(self.gold).items() if k != "meta"},
        }


def apply_decisions(
    gold: Document,
    listed: Sequence[tuple[Item, str]],
    decisions: Mapping[int, str],
    problems: list[str],
    schema: Schema | None = None,
) -> tuple[Document, list[Change]] | None:
    """The gold document after the reviewer's keep / drop decision on each listed item (numbered from 1, with the
    reason it was listed), and every change; None (and `problems` say why) when a decision is missing, or an
    added argument's trigger or mention is not in the gold after the review.

    The arguments of a removed mention go with it, unless a mention with the same span is added (a relabelled
    mention): they move to it where `schema` lets its type fill their role. Every such consequence is a change
    of its own."""
    where = f"document {gold.id!r}"
    undecided = [n for n in range(1, len(listed) + 1) if n not in decisions]
    if undecided:
        problems.append(f"{where}: item(s) {', '.join(f'#{n}' for n in undecided)} undecided (tick keep or drop)")
        return None
    have = items(gold)
    drop = {item for n, (item, _) in enumerate(listed, 1) if decisions[n] == DROP and item in have}
    add = sorted({item for n, (item, _) in enumerate(listed, 1) if decisions[n] == KEEP and item not in have})
    outcome = {(True, KEEP): "kept", (True, DROP): "removed", (False, KEEP): "added", (False, DROP): "rejected"}
    changes = [
        Change(item=describe(item, gold.text), change=outcome[item in have, decisions[n]], reason=why, number=n)
        for n, (item, why) in enumerate(listed, 1)
    ]
    ents = [e for e in gold.entities if ("entity", e.start, e.end, e.label) not in drop]
    added = [Entity(i[1], i[2], i[3], f"R{n}") for n, i in enumerate((i for i in add if i[0] == "entity"), 1)]
    ents += added
    same_span = {(e.start, e.end): e for e in added}
    by_id = gold.entity_by_id()
    remap = {
        e.id: same_span[e.start, e.end]
        for e in gold.entities
        if ("entity", e.start, e.end, e.label) in drop and (e.start, e.end) in same_span
    }
    kept_ids = {e.id for e in ents}

    def argument(ev: Event, e: Entity, role: str) -> Item:
        return ("argument", ev.start, ev.end, ev.type, e.start, e.end, e.label, role)

    out_events = []
    for ev in gold.events:
        removed = ("trigger", ev.start, ev.end, ev.type) in drop
        args = []
        for a in ev.arguments:
            e = by_id.get(a.entity)
            if e is None or a.entity in kept_ids:  # an event filler, or a mention that stays
                if e is None or argument(ev, e, a.role) not in drop:
                    if not removed:
                        args.append(a)
                    elif e is not None:
                        changes.append(
                            Change(
                                item=describe(argument(ev, e, a.role), gold.text),
                                change="removed with its trigger",
                                reason="its event word was removed",
                            )
                        )
                continue
            moved = remap.get(a.entity)
            fits = moved is not None and (schema is None or schema.role_problem(ev.type, a.role, moved.label) is None)
            if moved is not None and fits and not removed:
                args.append(replace(a, entity=moved.id))
                changes.append(
                    Change(
                        item=describe(argument(ev, e, a.role), gold.text),
                        change="moved to the relabelled mention",
                        reason=f"its mention became {moved.label}",
                    )
                )
            else:
                changes.append(
                    Change(
                        item=describe(argument(ev, e, a.role), gold.text),
                        change="removed with its mention",
                        reason="its mention was removed"
                        + (f" (a {moved.label} cannot fill {a.role})" if moved else ""),
                    )
                )
        if not removed:
            out_events.append(replace(ev, arguments=tuple(args)))
    out_events += [Event(f"R{n}", i[3], i[1], i[2]) for n, i in enumerate((i for i in add if i[0] == "trigger"), 1)]
    orphans = []
    for item in (i for i in add if i[0] == "argument"):
        _, ts, te, t, es, ee, lab, role = item
        ev_at = [k for k, ev in enumerate(out_events) if (ev.start, ev.end, ev.type) == (ts, te, t)]
        ent_at = [e.id for e in ents if (e.start, e.end, e.label) == (es, ee, lab)]
        if not ev_at or not ent_at:
            orphans.append(describe(item, gold.text))
            continue
        ev = out_events[ev_at[0]]
        out_events[ev_at[0]] = replace(ev, arguments=(*ev.arguments, Argument(role, ent_at[0])))
    if orphans:
        problems.append(f"{where}: kept argument(s) whose event word or mention is not kept: {'; '.join(orphans)}")
        return None
    return canonical(Document(gold.id, gold.text, tuple(ents), tuple(out_events))), changes


def now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def write_corrections(path: Path, corrections: Mapping[str, Correction]) -> None:
    """The corrections record beside the corpus: every reviewed document, sorted, stable."""
    data = {
        "note": "Made by `annot corpus review-gold --reviewed`; applied by `annot corpus build` after adjudication. "
        "Review again rather than editing it.",
        "documents": {d: c.to_dict() for d, c in sorted(corrections.items())},
    }
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def read_corrections(path: Path) -> dict[str, Correction]:
    """The corrections of a record file (empty when there is none)."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        out = {}
        for doc_id, d in data["documents"].items():
            problems: list[str] = []
            gold = document_from_dict({"id": doc_id, **d["gold"], "meta": {}}, f"{path}: {doc_id}", problems)
            if problems or gold is None:
                raise ValueError(problems[0] if problems else "no gold")
            out[doc_id] = Correction(
                document=doc_id,
                sha256=str(d["sha256"]),
                base=str(d["base"]),
                by=tuple(str(x) for x in d["by"]),
                decided_at=str(d["decided_at"]),
                changes=tuple(
                    Change(item=c["item"], change=c["change"], reason=c["reason"], number=int(c.get("number", 0)))
                    for c in d["changes"]
                ),
                gold=gold,
            )
        return out
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AnnotError(
            f"{path}: not a corrections record ({exc})", "Restore it from version control; it is made by reviews."
        ) from None


def corrected(
    docs: Sequence[Document], corrections: Mapping[str, Correction], where: str
) -> tuple[list[Document], list[str]]:
    """The gold documents with their corrections applied, and the problems: a correction whose document is gone,
    or whose base is not the document any more (its annotations changed since the review: review it again)."""
    problems = []
    out = []
    by_id = {d.id: d for d in docs}
    for doc_id in sorted(set(corrections) - set(by_id)):
        problems.append(f"{doc_id}: in {where}, but the corpus has no such document")
    for d in docs:
        c = corrections.get(d.id)
        if c is None:
            out.append(d)
            continue
        if digest(d) != c.base or d.sha256 != c.sha256:
            problems.append(
                f"{d.id}: its annotations changed since the gold review recorded in {where} (review it again)"
            )
            out.append(d)
            continue
        meta = dict(d.meta)
        annotation = dict(meta.get("annotation") or {})
        annotation["gold_review"] = {
            "by": list(c.by),
            "changes": sum(1 for x in c.changes if x.change not in ("kept", "rejected")),
        }
        meta["annotation"] = annotation
        out.append(Document(d.id, d.text, c.gold.entities, c.gold.events, meta))
    return out, problems
