"""Error analysis: every false positive and false negative with its category, and confusion matrices.

Entity errors come from the strict scheme's one-to-one matching (`reference.py`
defines them per document, `engine.py` finds them for a corpus at once). Event
errors are categorised per document, by `event_error_records` below, in this
order of precedence (the category names are in `vocabulary.py`):

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
from collections.abc import Sequence
from dataclasses import dataclass

from .vocabulary import MISSED, SPURIOUS


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


# An event as the error analysis sees it: (trigger start, trigger end, type, ((role, arg start, arg end, filler),
# ...)); the filler says what fills the role beyond its offsets ("" an entity mention, "fragments ..." a
# discontinuous one, "event TYPE" an event: `reference.argument_filler`).
EventTuple = tuple[int, int, str, tuple[tuple[str, int, int, str], ...]]
# (event index, trigger start, trigger end, event type, arg start, arg end, filler, role)
_Arg = tuple[int, int, int, str, int, int, str, str]
# What an argument error's detail says: (event type, trigger start, trigger end, role, predicted role, what the
# prediction did ("on" another span, "attached to" another trigger) and where); rendered with the text later.
Detail = tuple[object, ...]
ErrorRecordTuple = tuple[str, tuple[int, int, str] | None, tuple[int, int, str] | None, Detail]


def event_error_item(
    doc_id: str,
    text: str,
    category: str,
    gold: tuple[int, int, str] | None,
    pred: tuple[int, int, str] | None,
    detail: Detail,
) -> ErrorItem:
    """The error of a record, with its context and texts taken from the document's `text`."""
    span = gold or pred
    assert span is not None
    return ErrorItem(
        doc_id,
        category,
        gold,
        pred,
        context(text, span[0], span[1]),
        "" if gold is None else text[gold[0] : gold[1]],
        "" if pred is None else text[pred[0] : pred[1]],
        render_detail(text, detail),
    )


def render_detail(text: str, detail: Detail) -> str:
    """The detail line of an argument error (empty for trigger errors)."""
    if not detail:
        return ""
    et, ts, te, role, predicted_role, how, where = detail
    out = f"{et} “{text[ts:te]}”, role {role}"  # type: ignore[index]
    if predicted_role is not None:
        out += f"; predicted role {predicted_role}"
    if how is not None:
        out += f" {how} “{text[where[0] : where[1]]}”"  # type: ignore[index]
    return out


def event_error_records(
    gold: list[EventTuple], pred: list[EventTuple]
) -> tuple[list[ErrorRecordTuple], Counter[tuple[str, str]]]:
    """Categorised event errors of one document (without text), and the role confusion.

    The rules of the module docstring, applied in gold order; "the first" candidate is always the first in the
    prediction's order (indexes by key find it without scanning every prediction).
    """
    out: list[ErrorRecordTuple] = []
    # Triggers.
    used_t = [False] * len(pred)
    by_offsets: dict[tuple[int, int], list[int]] = {}
    for j, (ps, pe, _, _) in enumerate(pred):
        by_offsets.setdefault((ps, pe), []).append(j)
    for gs, ge, gt, _ in gold:
        same = [j for j in by_offsets.get((gs, ge), ()) if not used_t[j]]
        if same:
            j = next((k for k in same if pred[k][2] == gt), same[0])
            used_t[j] = True
            if pred[j][2] != gt:
                out.append(("wrong type", (gs, ge, gt), (gs, ge, pred[j][2]), ()))
            continue
        j = next((k for k in range(len(pred)) if not used_t[k] and pred[k][0] < ge and gs < pred[k][1]), -1)
        if j >= 0:
            used_t[j] = True
            out.append(("trigger boundary", (gs, ge, gt), (pred[j][0], pred[j][1], pred[j][2]), ()))
        else:
            out.append(("missed trigger", (gs, ge, gt), None, ()))
    for j, (ps, pe, pt, _) in enumerate(pred):
        if not used_t[j]:
            out.append(("spurious trigger", None, (ps, pe, pt), ()))
    # Arguments.
    confusion: Counter[tuple[str, str]] = Counter()
    p_args = _args(pred)
    used = [False] * len(p_args)
    exact_of: dict[tuple[object, ...], list[int]] = {}
    span_of: dict[tuple[object, ...], list[int]] = {}
    trigger_of: dict[tuple[object, ...], list[int]] = {}
    attached_of: dict[tuple[object, ...], list[int]] = {}
    for k, x in enumerate(p_args):
        exact_of.setdefault(x[1:8], []).append(k)
        span_of.setdefault(x[1:7], []).append(k)
        trigger_of.setdefault(x[1:4], []).append(k)
        attached_of.setdefault(x[3:7], []).append(k)

    def first(candidates: Sequence[int], within: tuple[int, int] | None = None) -> int:
        """The first candidate not used yet (whose argument overlaps `within` when given), or -1."""
        for k in candidates:
            if not used[k] and (within is None or (p_args[k][4] < within[1] and within[0] < p_args[k][5])):
                return k
        return -1

    for _, ts, te, et, a_s, a_e, filler, role in _args(gold):
        k = first(exact_of.get((ts, te, et, a_s, a_e, filler, role), ()))
        if k >= 0:
            used[k] = True
            confusion[role, role] += 1
            continue
        cat, how, k = "wrong role", None, first(span_of.get((ts, te, et, a_s, a_e, filler), ()))
        if k < 0:
            cat, how = "argument boundary", "on"
            k = first(trigger_of.get((ts, te, et), ()), (a_s, a_e))
        if k < 0:
            cat, how, k = "wrong trigger", "attached to", first(attached_of.get((et, a_s, a_e, filler), ()))
        if k < 0:
            confusion[role, MISSED] += 1
            out.append(("missed argument", (a_s, a_e, role), None, (et, ts, te, role, None, None, None)))
            continue
        used[k] = True
        hit = p_args[k]
        where = None if how is None else ((hit[4], hit[5]) if how == "on" else (hit[1], hit[2]))
        confusion[role, hit[7] if cat == "wrong role" else MISSED] += 1
        out.append((cat, (a_s, a_e, role), (hit[4], hit[5], hit[7]), (et, ts, te, role, hit[7], how, where)))
    for k, (_, ts, te, et, a_s, a_e, _, role) in enumerate(p_args):
        if not used[k]:
            confusion[SPURIOUS, role] += 1
            out.append(("spurious argument", None, (a_s, a_e, role), (et, ts, te, role, None, None, None)))
    return out, confusion


def _args(events: list[EventTuple]) -> list[_Arg]:
    return [
        (i, ts, te, et, a_s, a_e, filler, role)
        for i, (ts, te, et, args) in enumerate(events)
        for role, a_s, a_e, filler in args
    ]
