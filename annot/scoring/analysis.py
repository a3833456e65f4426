"""Error analysis: every false positive and false negative with its category, and confusion matrices.

Entity errors come from the strict scheme's one-to-one matching (matching.py).
Event errors are categorised per document, in this order of precedence:

- triggers: a predicted trigger with the same offsets as a gold one is paired
  with it (``wrong type`` when the types differ); a gold trigger left unpaired
  is ``trigger boundary`` when a leftover predicted trigger overlaps it, else
  ``missed trigger``; leftover predicted triggers are ``spurious trigger``;
- arguments of gold events: correct when a predicted argument has the same
  trigger offsets, event type, argument offsets and role; otherwise, looking
  at still unused predicted arguments, ``wrong role`` (same trigger, same
  argument offsets), ``argument boundary`` (same trigger, overlapping
  argument), ``wrong trigger`` (same event type and argument offsets, attached
  to another trigger), else ``missed argument``; predicted arguments never
  used are ``spurious argument``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..documents import Document
from .matching import EntityMatch

MISSED = "(missed)"
SPURIOUS = "(spurious)"


@dataclass(frozen=True)
class ErrorItem:
    """One error; the context marks the gold span (or the spurious one) with ⟦ ⟧."""

    doc_id: str
    category: str
    gold: tuple[int, int, str] | None
    pred: tuple[int, int, str] | None
    context: str
    gold_text: str = ""
    pred_text: str = ""
    detail: str = ""


def context(text: str, start: int, end: int, width: int = 60) -> str:
    """The text around [start, end) on one line, the span in ⟦ ⟧.

    >>> context("NATO sent troops to Kosovo.", 20, 26, 10)
    '…troops to ⟦Kosovo⟧.'
    """
    left = max(0, start - width)
    right = min(len(text), end + width)
    s = (
        ("…" if left else "")
        + text[left:start]
        + "⟦"
        + text[start:end]
        + "⟧"
        + text[end:right]
        + ("…" if right < len(text) else "")
    )
    return " ".join(s.split())


def entity_errors(gold: Document, pred: Document, m: EntityMatch) -> list[ErrorItem]:
    """Every strict-scheme error of one document, with its category."""
    out = []
    for gi, pi, outcome in m.pairs:
        if outcome == "correct":
            continue
        g, p = gold.entities[gi], pred.entities[pi]
        if (g.start, g.end) == (p.start, p.end):
            cat = "wrong type"
        elif g.label == p.label:
            cat = "wrong boundary"
        else:
            cat = "wrong boundary and type"
        out.append(
            ErrorItem(
                gold.id,
                cat,
                (g.start, g.end, g.label),
                (p.start, p.end, p.label),
                context(gold.text, g.start, g.end),
                gold.text[g.start : g.end],
                gold.text[p.start : p.end],
            )
        )
    for gi in m.missed:
        g = gold.entities[gi]
        out.append(
            ErrorItem(
                gold.id,
                "missed",
                (g.start, g.end, g.label),
                None,
                context(gold.text, g.start, g.end),
                gold.text[g.start : g.end],
            )
        )
    for pi in m.spurious:
        p = pred.entities[pi]
        out.append(
            ErrorItem(
                gold.id,
                "spurious",
                None,
                (p.start, p.end, p.label),
                context(gold.text, p.start, p.end),
                "",
                gold.text[p.start : p.end],
            )
        )
    return sorted(out, key=lambda e: (e.doc_id, (e.gold or e.pred or (0, 0, ""))[:2]))


def entity_confusion(gold: Document, pred: Document, m: EntityMatch) -> Counter[tuple[str, str]]:
    """(gold label, predicted label) counts over the type scheme's pairs, with missed and spurious."""
    c: Counter[tuple[str, str]] = Counter()
    for gi, pi, _ in m.pairs:
        c[gold.entities[gi].label, pred.entities[pi].label] += 1
    for gi in m.missed:
        c[gold.entities[gi].label, MISSED] += 1
    for pi in m.spurious:
        c[SPURIOUS, pred.entities[pi].label] += 1
    return c


# (event index, trigger start, trigger end, event type, arg start, arg end, role)
_Arg = tuple[int, int, int, str, int, int, str]


def _args(doc: Document) -> list[_Arg]:
    ents = doc.entity_by_id()
    return [
        (i, ev.start, ev.end, ev.type, ents[a.entity].start, ents[a.entity].end, a.role)
        for i, ev in enumerate(doc.events)
        for a in ev.arguments
    ]


def event_errors(gold: Document, pred: Document) -> tuple[list[ErrorItem], Counter[tuple[str, str]]]:
    """Categorised event errors of one document, and the role confusion (gold role, predicted role)."""
    out: list[ErrorItem] = []
    text = gold.text
    # Triggers.
    free_pred = list(range(len(pred.events)))
    for gev in gold.events:
        same = [j for j in free_pred if (pred.events[j].start, pred.events[j].end) == (gev.start, gev.end)]
        same.sort(key=lambda j: pred.events[j].type != gev.type)
        if same:
            j = same[0]
            free_pred.remove(j)
            if pred.events[j].type != gev.type:
                out.append(
                    _ev_err(gold, "wrong type", gev.start, gev.end, gev.type, (gev.start, gev.end, pred.events[j].type))
                )
            continue
        over = [j for j in free_pred if pred.events[j].start < gev.end and gev.start < pred.events[j].end]
        if over:
            j = over[0]
            free_pred.remove(j)
            p = pred.events[j]
            out.append(_ev_err(gold, "trigger boundary", gev.start, gev.end, gev.type, (p.start, p.end, p.type)))
        else:
            out.append(_ev_err(gold, "missed trigger", gev.start, gev.end, gev.type, None))
    for j in free_pred:
        p = pred.events[j]
        out.append(
            ErrorItem(
                gold.id,
                "spurious trigger",
                None,
                (p.start, p.end, p.type),
                context(text, p.start, p.end),
                "",
                text[p.start : p.end],
            )
        )
    # Arguments.
    confusion: Counter[tuple[str, str]] = Counter()
    unused = _args(pred)
    for _, ts, te, et, a_s, a_e, role in _args(gold):
        key = (ts, te, et, a_s, a_e)
        exact = next((x for x in unused if x[1:6] == key and x[6] == role), None)
        if exact is not None:
            unused.remove(exact)
            confusion[role, role] += 1
            continue
        for cat in ("wrong role", "argument boundary", "wrong trigger"):
            hit = next((x for x in unused if _near_miss(cat, x, key)), None)
            if hit is not None:
                unused.remove(hit)
                if cat == "wrong role":
                    confusion[role, hit[6]] += 1
                else:
                    confusion[role, MISSED] += 1
                detail = f"{et} “{text[ts:te]}”, role {role}; predicted role {hit[6]}"
                if cat == "argument boundary":
                    detail += f" on “{text[hit[4] : hit[5]]}”"
                if cat == "wrong trigger":
                    detail += f" attached to “{text[hit[1] : hit[2]]}”"
                out.append(_arg_err(gold, cat, a_s, a_e, role, (hit[4], hit[5], hit[6]), detail))
                break
        else:
            confusion[role, MISSED] += 1
            out.append(_arg_err(gold, "missed argument", a_s, a_e, role, None, f"{et} “{text[ts:te]}”, role {role}"))  # noqa: E501
    for _, ts, te, et, a_s, a_e, role in unused:
        confusion[SPURIOUS, role] += 1
        out.append(
            ErrorItem(
                gold.id,
                "spurious argument",
                None,
                (a_s, a_e, role),
                context(text, a_s, a_e),
                "",
                text[a_s:a_e],
                f"{et} “{text[ts:te]}”, role {role}",
            )
        )
    return out, confusion


def _near_miss(category: str, pred: _Arg, key: tuple[int, int, str, int, int]) -> bool:
    """Whether predicted argument `pred` is a near miss of kind `category` for the gold argument `key`."""
    ts, te, et, a_s, a_e = key
    if category == "wrong role":
        return pred[1:6] == key
    if category == "argument boundary":
        return pred[1:4] == (ts, te, et) and pred[4] < a_e and a_s < pred[5]
    return pred[3:6] == (et, a_s, a_e)  # wrong trigger


def _ev_err(doc: Document, cat: str, s: int, e: int, gold_type: str, pred: tuple[int, int, str] | None) -> ErrorItem:
    return ErrorItem(
        doc.id,
        cat,
        (s, e, gold_type),
        pred,
        context(doc.text, s, e),
        doc.text[s:e],
        "" if pred is None else doc.text[pred[0] : pred[1]],
    )


def _arg_err(
    doc: Document, cat: str, s: int, e: int, role: str, pred: tuple[int, int, str] | None, detail: str
) -> ErrorItem:
    return ErrorItem(
        doc.id,
        cat,
        (s, e, role),
        pred,
        context(doc.text, s, e),
        doc.text[s:e],
        "" if pred is None else doc.text[pred[0] : pred[1]],
        detail,
    )
