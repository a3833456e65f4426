"""Counting in one pass over whole arrays: every scheme, label, event level, type and role of every document.

The definitions are those of `reference.py` (which scores one document at a
time and stays the reference; `tests/scoring/test_engine.py` proves this
module equal to it); this module computes the same counts for all documents
at once. Where it runs (one process, forked workers, a Dask cluster) is
`execution.py`'s business; here everything is a function of its inputs:

- entities: each side sorted by (document, start); the gold mentions that a
  prediction overlaps are found by two binary searches (gold mentions of a
  document do not overlap each other, so they form one run), which gives
  every overlapping pair of the corpus in one pass. In a connected component
  of the overlap graph where every mention overlaps at most one mention of
  the other side (nearly all of them), the one-to-one maximum-weight matching
  is simply its pair, and all four schemes, per label too, are read off those
  pairs at once. The few crowded components (a prediction over two gold
  mentions, two predictions over one) go through `match_entities`, the exact
  assignment of the reference, one component at a time.
- events: each level is a multiset intersection of keys (offsets, type, role,
  trigger); all documents' keys are sorted together once per level and the
  matched count of a run of equal keys is min(gold, predicted).
- error analysis: the strict scheme's pairs give the entity error categories
  for all documents at once; event errors (a greedy, order-dependent
  categorisation) run per document, only where gold and predicted events
  differ.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..columns import Columns
from ..documents import Entity
from ..parallel import LOCAL, Execution, fork_map
from .analysis import event_error_records
from .counts import CountKey
from .reference import EntityMatch, match_entities, same_boundaries
from .table import CountTable
from .vocabulary import EVENT_LEVELS, MISSED, ROLE_LEVELS, SCHEMES, SPURIOUS

_TI, _TC, _AI, _AC, _AIA, _ACA = range(6)
COUNT = np.int32  # per-document counts: a document never has 2**31 mentions, and a corpus table stays half the size


@dataclass(frozen=True, kw_only=True)
class EntityErrorRows:
    """Entity errors of the strict scheme as arrays, one row per error, in report order."""

    doc: np.ndarray
    category: np.ndarray  # index into vocabulary.ENTITY_ERROR_CATEGORIES
    gold: np.ndarray  # (n, 3): start, end, label code; -1 where there is none
    pred: np.ndarray


@dataclass(frozen=True, kw_only=True)
class EventErrorRow:
    """One event error without its text (contexts are made for the errors a report keeps)."""

    doc: int
    category: str
    gold: tuple[int, int, str] | None
    pred: tuple[int, int, str] | None
    detail: tuple[object, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Scores:
    """Every count of an evaluation, per document, with the error rows and confusions."""

    table: CountTable
    entity_errors: EntityErrorRows
    event_errors: list[EventErrorRow]  # the first `limit` of each category
    event_error_counts: Counter[str]  # per category, listed or not
    confusion: Counter[tuple[str, str]]
    role_confusion: Counter[tuple[str, str]]
    crowded_components: int  # groups of mentions matched by the exact assignment, one at a time
    nested_gold: bool = False  # some gold mentions of a document overlap each other


# ------------------------------------------------------------------ helpers


def _group_sum(group: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    out = np.bincount(group, weights=weights, minlength=n)
    return out.astype(np.int64) if weights is not None else out


def _packed(keys: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Key columns (non-negative) combined into as few int64 columns as keep their lexicographic order: a column
    joins the one before while the product of their ranges stays below 2**62."""
    out: list[np.ndarray] = []
    span = 0
    for k in keys:
        size = int(k.max(initial=0)) + 1
        if out and span * size < 2**62:
            out[-1] = out[-1] * size + k
            span *= size
        else:
            out.append(k.astype(np.int64))
            span = size
    return out


def _runs(keys: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The order that sorts rows by `keys` (first key first) and, in that order, the run id of each row."""
    keys = _packed(keys)
    if len(keys) == 1:
        order = np.argsort(keys[0], kind="stable")
        s = keys[0][order]
        return order, np.cumsum(np.r_[True, s[1:] != s[:-1]]) - 1 if len(s) else order
    order = np.lexsort(tuple(keys[::-1]))
    if not len(order):
        return order, order
    change = np.zeros(len(order), dtype=bool)
    change[0] = True
    for k in keys:
        s = k[order]
        change[1:] |= s[1:] != s[:-1]
    return order, np.cumsum(change) - 1


def multiset_matches(
    gold: Sequence[np.ndarray], pred: Sequence[np.ndarray], groups: Sequence[tuple[np.ndarray, np.ndarray, int]]
) -> list[np.ndarray]:
    """Matched items per group: the size of the multiset intersection of gold and predicted keys.

    `gold` / `pred` are key columns; each of `groups` is (gold group, predicted group, number of groups), a
    function of the key. Returns one array of matched counts per group kind.
    """
    n_g = len(gold[0]) if gold else 0
    keys = [np.concatenate((g, p)) for g, p in zip(gold, pred)]
    if not len(keys[0]):
        return [np.zeros(n, dtype=np.int64) for _, _, n in groups]
    order, run = _runs(keys)
    is_gold = order < n_g
    n_runs = int(run[-1]) + 1
    g_count = np.bincount(run, weights=is_gold, minlength=n_runs)
    p_count = np.bincount(run, weights=~is_gold, minlength=n_runs)
    matched = np.minimum(g_count, p_count)
    starts = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])
    out = []
    for g_group, p_group, n in groups:
        group = np.concatenate((g_group, p_group))[order][starts]
        out.append(_group_sum(group, n, matched))
    return out


# ----------------------------------------------------------------- entities


def _sorted_rows(c: Columns) -> np.ndarray:
    """Entity rows by (document, start, end); one sort key when the three fit in 63 bits."""
    scale = int(c.lengths.max(initial=0)) + 1
    if len(c) * scale * scale < 2**62:
        return np.argsort((c.ent_doc * scale + c.ent_start) * scale + c.ent_end, kind="stable")
    return np.lexsort((c.ent_end, c.ent_start, c.ent_doc))


def _overlapping_gold(c: Columns, order: np.ndarray, scale: int) -> np.ndarray:
    """Documents whose gold mentions overlap each other (flags per document)."""
    bad = np.zeros(len(c), dtype=bool)
    if len(order) < 2:
        return bad
    doc = c.ent_doc[order]
    start = doc * scale + c.ent_start[order]
    end = np.maximum.accumulate(doc * scale + c.ent_end[order])
    hit = start[1:] < end[:-1]
    bad[doc[1:][hit]] = True
    return bad


def _pairs(g: Columns, p: Columns) -> tuple[np.ndarray, np.ndarray, bool]:
    """Every overlapping (gold row, predicted row) of the same document, sorted by gold row then predicted row,
    and whether the gold mentions of some document overlap each other (by their extents).

    Gold mentions of a document that do not overlap each other are sorted by start and end alike, so those a
    prediction overlaps are one run, found by two binary searches; documents whose gold mentions overlap each
    other are paired by comparing all their mentions.
    """
    scale = int(max(g.lengths.max(initial=0), p.lengths.max(initial=0))) + 1
    g_order = _sorted_rows(g)
    dense = _overlapping_gold(g, g_order, scale)
    g_rows = g_order[~dense[g.ent_doc[g_order]]]
    p_rows = _sorted_rows(p)
    p_rows = p_rows[~dense[p.ent_doc[p_rows]]]
    g_start = g.ent_doc[g_rows] * scale + g.ent_start[g_rows]
    g_end = g.ent_doc[g_rows] * scale + g.ent_end[g_rows]
    p_base = p.ent_doc[p_rows] * scale
    lo = np.searchsorted(g_end, p_base + p.ent_start[p_rows], side="right")
    hi = np.searchsorted(g_start, p_base + p.ent_end[p_rows], side="left")
    degree = np.maximum(hi - lo, 0)
    pi = np.repeat(np.arange(len(p_rows)), degree)
    offset = np.arange(len(pi)) - np.repeat(np.cumsum(degree) - degree, degree)
    gi_all, pi_all = [g_rows[np.repeat(lo, degree) + offset]], [p_rows[pi]]
    for d in np.flatnonzero(dense):
        gr, pr = np.flatnonzero(g.ent_doc == d), np.flatnonzero(p.ent_doc == d)
        hit = (g.ent_start[gr][:, None] < p.ent_end[pr][None, :]) & (p.ent_start[pr][None, :] < g.ent_end[gr][:, None])
        a, b = np.nonzero(hit)
        gi_all.append(gr[a])
        pi_all.append(pr[b])
    gi, pi = np.concatenate(gi_all), np.concatenate(pi_all)
    gi, pi = _fragments_overlap(g, p, gi, pi)
    order = np.lexsort((pi, gi))
    return gi[order], pi[order], bool(dense.any())


def _entity(c: Columns, row: int) -> Entity:
    """Entity `row` as a record (the reference's matching takes records)."""
    frag = c.entity_pieces(row) if c.ent_frag[row] else ()
    return Entity(int(c.ent_start[row]), int(c.ent_end[row]), c.vocabs.labels.names[c.ent_label[row]], fragments=frag)


def _fragments_overlap(g: Columns, p: Columns, gi: np.ndarray, pi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs whose extents overlap, less those where a discontinuous mention's fragments share no character
    with the other mention (the gaps are not the mention's)."""
    if not (g.ent_frag.any() or p.ent_frag.any()):
        return gi, pi
    check = np.flatnonzero((g.ent_frag[gi] != 0) | (p.ent_frag[pi] != 0))
    keep = np.ones(len(gi), dtype=bool)
    for k in check.tolist():
        a, b = g.entity_pieces(int(gi[k])), p.entity_pieces(int(pi[k]))
        keep[k] = any(s < f and r < e for s, e in a for r, f in b)
    return gi[keep], pi[keep]


def components(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """The connected component of each of `n` nodes of the undirected graph with edges (u[i], v[i]), named by
    its smallest node (so components come in the order of their first node, as scipy's `connected_components`
    numbers them). Label propagation with pointer jumping: a few vectorised passes for the small components of
    an overlap graph, and no scipy.sparse import."""
    comp: np.ndarray = np.arange(n, dtype=np.int64)
    while True:
        low = np.minimum(comp[u], comp[v])
        nxt = comp.copy()
        np.minimum.at(nxt, u, low)
        np.minimum.at(nxt, v, low)
        nxt = nxt[nxt]
        if np.array_equal(nxt, comp):
            return comp
        comp = nxt


def _crowded(gi: np.ndarray, pi: np.ndarray, n_g: int, n_p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which pairs, gold and predicted mentions lie in a connected component of the overlap graph where some
    mention overlaps several on the other side (flags), and the component of each mention (gold, then pred)."""
    g_deg = np.bincount(gi, minlength=n_g)
    p_deg = np.bincount(pi, minlength=n_p)
    if not len(gi) or (g_deg.max(initial=0) <= 1 and p_deg.max(initial=0) <= 1):
        return np.zeros(len(gi), dtype=bool), np.zeros(n_g + n_p, dtype=bool), np.zeros(0, dtype=np.int64)
    n = n_g + n_p
    comp = components(gi, n_g + pi, n)
    busy = np.zeros(n, dtype=bool)
    busy[comp[:n_g][g_deg > 1]] = True
    busy[comp[n_g:][p_deg > 1]] = True
    node = busy[comp]
    return node[gi], node, comp


def _entity_counts(g: Columns, p: Columns, n_labels: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """Micro (docs, 4, 5) and per-label (docs, labels, 4, 5) counts, and the pieces the error analysis needs.

    Pairs in components where every mention overlaps at most one mention are all paired (that is the
    maximum-weight assignment there) and counted on arrays; crowded components go through `match_entities`.
    """
    n = len(g)
    n_g, n_p = len(g.ent_doc), len(p.ent_doc)
    gi_all, pi_all, nested = _pairs(g, p)
    crowded_pair, crowded_node, comp = _crowded(gi_all, pi_all, n_g, n_p)
    gi, pi = gi_all[~crowded_pair], pi_all[~crowded_pair]
    g_free = ~crowded_node[:n_g]
    p_free = ~crowded_node[n_g:]
    doc = g.ent_doc[gi]
    same_bounds = (g.ent_start[gi] == p.ent_start[pi]) & (g.ent_end[gi] == p.ent_end[pi])
    if g.ent_frag.any() or p.ent_frag.any():
        same_bounds &= g.ent_frag[gi] == p.ent_frag[pi]
    same_label = g.ent_label[gi] == p.ent_label[pi]
    paired_g = np.zeros(n_g, dtype=bool)
    paired_g[gi] = True
    paired_p = np.zeros(n_p, dtype=bool)
    paired_p[pi] = True
    missed_rows = np.flatnonzero(g_free & ~paired_g)
    spurious_rows = np.flatnonzero(p_free & ~paired_p)
    n_missed = np.bincount(g.ent_doc[missed_rows], minlength=n)
    n_spurious = np.bincount(p.ent_doc[spurious_rows], minlength=n)
    micro = np.zeros((n, 4, 5), dtype=COUNT)
    outcomes = {  # scheme -> (correct, incorrect, partial) flags per pair
        "strict": (same_bounds & same_label, ~(same_bounds & same_label), None),
        "exact": (same_bounds, ~same_bounds, None),
        "partial": (same_bounds, None, ~same_bounds),
        "type": (same_label, ~same_label, None),
    }
    for s, scheme in enumerate(SCHEMES):
        for k, flags in enumerate(outcomes[scheme]):
            if flags is not None:
                micro[:, s, k] = np.bincount(doc[flags], minlength=n)
        micro[:, s, 3] = n_missed
        micro[:, s, 4] = n_spurious
    # Per label: pairs of the same label only; the other mentions of the label are missed / spurious there.
    size = n * n_labels
    cell = doc * n_labels + g.ent_label[gi]
    g_cells = _group_sum((g.ent_doc * n_labels + g.ent_label)[g_free], size)
    p_cells = _group_sum((p.ent_doc * n_labels + p.ent_label)[p_free], size)
    paired = _group_sum(cell[same_label], size)
    exact_same = _group_sum(cell[same_label & same_bounds], size)
    per_label = np.zeros((size, 4, 5), dtype=COUNT)
    for s, scheme in enumerate(SCHEMES):
        if scheme == "type":
            per_label[:, s, 0] = paired
        else:
            per_label[:, s, 0] = exact_same
            per_label[:, s, 2 if scheme == "partial" else 1] = paired - exact_same
        per_label[:, s, 3] = g_cells - paired
        per_label[:, s, 4] = p_cells - paired
    pieces = {
        "gi": gi,
        "pi": pi,
        "same_bounds": same_bounds,
        "same_label": same_label,
        "missed": missed_rows,
        "spurious": spurious_rows,
        "comp": comp,
        "crowded": crowded_node,
        "nested": nested,
    }
    return micro, per_label.reshape(n, n_labels, 4, 5), pieces


def _crowded_components(
    g: Columns, p: Columns, pieces: dict, micro: np.ndarray, per_label: np.ndarray
) -> tuple[list[tuple[Any, ...]], Counter[tuple[str, str]]]:
    """Score the crowded components one at a time with `match_entities` (added to `micro` / `per_label`);
    their strict errors as (category, tie, gold, pred) rows and their type-scheme confusion."""
    crowded, comp = pieces["crowded"], pieces["comp"]
    rows: list[tuple[Any, ...]] = []
    confusion: Counter[tuple[str, str]] = Counter()
    if not crowded.any():
        return rows, confusion
    n_g = len(g.ent_doc)
    nodes = np.flatnonzero(crowded)
    nodes = nodes[np.argsort(comp[nodes], kind="stable")]
    groups = np.split(nodes, np.flatnonzero(np.diff(comp[nodes])) + 1)
    codes = g.vocabs.labels.codes
    big = len(g.ent_doc) + len(p.ent_doc) + 1
    for group in groups:
        g_rows = group[group < n_g]
        p_rows = group[group >= n_g] - n_g
        d = int(g.ent_doc[g_rows[0]])
        gold = [_entity(g, int(r)) for r in g_rows]
        pred = [_entity(p, int(r)) for r in p_rows]
        # exact and partial weigh pairs alike (so they pair alike); strict is exact where one label is used
        # throughout, as it always is per label; type is computed on its own.
        single = len({e.label for e in gold} | {e.label for e in pred}) == 1
        m_exact = match_entities(gold, pred, "exact")
        m_strict = m_exact if single else match_entities(gold, pred, "strict")
        m_type = match_entities(gold, pred, "type")
        vectors = _scheme_vectors(m_strict, m_exact, m_type)
        micro[d] += vectors
        for a, b, outcome in m_strict.pairs:
            if outcome != "correct":
                ga, pb = gold[a], pred[b]
                cat = 0 if same_boundaries(ga, pb) else (1 if ga.label == pb.label else 2)
                rows.append((d, cat, int(g_rows[a]), (ga.start, ga.end, ga.label), (pb.start, pb.end, pb.label)))
        rows += [
            (d, 3, big + int(g_rows[a]), (gold[a].start, gold[a].end, gold[a].label), None) for a in m_strict.missed
        ]
        rows += [
            (d, 4, 2 * big + int(p_rows[b]), None, (pred[b].start, pred[b].end, pred[b].label))
            for b in m_strict.spurious
        ]
        for a, b, _ in m_type.pairs:
            confusion[gold[a].label, pred[b].label] += 1
        confusion.update((gold[a].label, MISSED) for a in m_type.missed)
        confusion.update((SPURIOUS, pred[b].label) for b in m_type.spurious)
        if single:
            per_label[d, codes[(gold or pred)[0].label]] += vectors
            continue
        for label in sorted({e.label for e in gold} | {e.label for e in pred}):
            gl = [e for e in gold if e.label == label]
            pl = [e for e in pred if e.label == label]
            m_exact = match_entities(gl, pl, "exact")
            per_label[d, codes[label]] += _scheme_vectors(m_exact, m_exact, match_entities(gl, pl, "type"))
    return rows, confusion


def _scheme_vectors(strict: EntityMatch, exact: EntityMatch, type_: EntityMatch) -> np.ndarray:
    """The (4, 5) counts of the schemes from three matchings (partial pairs as exact does)."""
    c, i, _, m, s = exact.counts().vector()
    by_scheme = {"strict": strict.counts().vector(), "exact": (c, i, 0, m, s), "partial": (c, 0, i, m, s)}
    by_scheme["type"] = type_.counts().vector()
    return np.array([by_scheme[scheme] for scheme in SCHEMES], dtype=np.int64)


def _entity_errors(g: Columns, p: Columns, pieces: dict, crowded_rows: list, rank: np.ndarray) -> EntityErrorRows:
    """The strict scheme's errors of every document as rows, in report order: document rank, then position, then
    as `analysis.entity_errors` lists ties (pairs by gold mention, then missed, then spurious)."""
    gi, pi = pieces["gi"], pieces["pi"]
    same_bounds, same_label = pieces["same_bounds"], pieces["same_label"]
    missed, spurious = pieces["missed"], pieces["spurious"]
    wrong = ~(same_bounds & same_label)
    wgi, wpi = gi[wrong], pi[wrong]
    cat_pairs = np.where(same_bounds[wrong], 0, np.where(same_label[wrong], 1, 2))

    def triple(c: Columns, rows: np.ndarray) -> np.ndarray:
        return np.stack((c.ent_start[rows], c.ent_end[rows], c.ent_label[rows]), axis=1).reshape(-1, 3)

    big = len(g.ent_doc) + len(p.ent_doc) + 1
    codes = g.vocabs.labels.codes

    def coded(t: tuple | None) -> tuple[int, int, int]:
        return (-1, -1, -1) if t is None else (t[0], t[1], codes[t[2]])

    doc = np.concatenate((g.ent_doc[wgi], g.ent_doc[missed], p.ent_doc[spurious], [r[0] for r in crowded_rows]))
    cat = np.concatenate((cat_pairs, np.full(len(missed), 3), np.full(len(spurious), 4), [r[1] for r in crowded_rows]))
    tie = np.concatenate((wgi, big + missed, 2 * big + spurious, [r[2] for r in crowded_rows]))
    none_g, none_p = np.full((len(spurious), 3), -1), np.full((len(missed), 3), -1)
    extra_g = np.array([coded(r[3]) for r in crowded_rows], dtype=np.int64).reshape(-1, 3)
    extra_p = np.array([coded(r[4]) for r in crowded_rows], dtype=np.int64).reshape(-1, 3)
    gold = np.concatenate((triple(g, wgi), triple(g, missed), none_g, extra_g)).astype(np.int64)
    pred = np.concatenate((triple(p, wpi), none_p, triple(p, spurious), extra_p)).astype(np.int64)
    doc, cat, tie = doc.astype(np.int64), cat.astype(np.int64), tie.astype(np.int64)
    has_gold = gold[:, 0] >= 0
    pos = np.where(has_gold, gold[:, 0], pred[:, 0])
    pos_end = np.where(has_gold, gold[:, 1], pred[:, 1])
    order = np.lexsort((tie, pos_end, pos, rank[doc] if len(doc) else doc))
    return EntityErrorRows(doc=doc[order], category=cat[order], gold=gold[order], pred=pred[order])


def _confusion(g: Columns, p: Columns, pieces: dict) -> Counter[tuple[str, str]]:
    """The type scheme's (gold label, predicted label) counts outside crowded components."""
    names = g.vocabs.labels.names
    n_lab = len(names)
    gi, pi = pieces["gi"], pieces["pi"]
    out: Counter[tuple[str, str]] = Counter()
    cells = np.bincount(g.ent_label[gi] * n_lab + p.ent_label[pi], minlength=n_lab * n_lab)
    for c in np.flatnonzero(cells):
        out[names[c // n_lab], names[c % n_lab]] = int(cells[c])
    missed = np.bincount(g.ent_label[pieces["missed"]], minlength=n_lab)
    spurious = np.bincount(p.ent_label[pieces["spurious"]], minlength=n_lab)
    for c in np.flatnonzero(missed):
        out[names[c], MISSED] = int(missed[c])
    for c in np.flatnonzero(spurious):
        out[SPURIOUS, names[c]] = int(spurious[c])
    return out


# ------------------------------------------------------------------- events


def _event_counts(g: Columns, p: Columns, n_types: int, n_roles: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Micro (docs, 6, 3), per type (docs, types, 6, 3) and per role (docs, roles, 2, 3) counts."""
    n = len(g)
    micro = np.zeros((n, 6, 3), dtype=COUNT)
    per_type = np.zeros((n * n_types, 6, 3), dtype=COUNT)
    per_role = np.zeros((n * n_roles, 2, 3), dtype=COUNT)
    # Offsets are paired into one number (start * scale + end) and document and type into another, so that
    # each level sorts on at most four keys.
    scale = int(max(g.lengths.max(initial=0), p.lengths.max(initial=0))) + 1
    g_cell = g.ev_doc * n_types + g.ev_type
    p_cell = p.ev_doc * n_types + p.ev_type
    g_trig, p_trig = g.ev_start * scale + g.ev_end, p.ev_start * scale + p.ev_end
    # Triggers.
    (ti,) = multiset_matches([g.ev_doc, g_trig], [p.ev_doc, p_trig], [(g.ev_doc, p.ev_doc, n)])
    micro[:, _TI] = np.stack((ti, np.bincount(p.ev_doc, minlength=n), np.bincount(g.ev_doc, minlength=n)), axis=1)
    size_t = n * n_types
    (tc,) = multiset_matches([g_cell, g_trig], [p_cell, p_trig], [(g_cell, p_cell, size_t)])
    trig = np.stack((tc, _group_sum(p_cell, size_t), _group_sum(g_cell, size_t)), axis=1)
    per_type[:, _TI] = trig
    per_type[:, _TC] = trig
    # Arguments: (document and type, argument offsets[, role]), anchored ones with the trigger offsets too.

    # What fills a role beyond its offsets: 0 a contiguous mention, the fragments' code of a discontinuous one,
    # or (nested events) past those, the event type of the event whose trigger fills it.
    n_frag = len(g.vocabs.fragments)

    def arg_keys(c: Columns, cell: np.ndarray, trig: np.ndarray) -> dict[str, np.ndarray]:
        ev, ent, ref = c.arg_event, c.arg_entity, c.arg_ref
        keys = {"cell": cell[ev], "trigger": trig[ev], "role": c.arg_role, "doc": c.ev_doc[ev]}
        is_ev = ref >= 0
        if not is_ev.any():  # no event fills a role (nearly always): entity rows only, no temporaries
            keys["span"] = c.ent_start[ent] * scale + c.ent_end[ent]
            keys["filler"] = c.ent_frag[ent] if c.ent_frag.any() else np.zeros(len(ev), dtype=np.int8)
            return keys
        e, r = np.where(is_ev, 0, ent), np.where(is_ev, ref, 0)  # rows that exist, for the side not taken
        if not len(c.ent_doc):
            e_span = e_fill = np.zeros(len(ev), dtype=np.int64)
        else:
            e_span, e_fill = c.ent_start[e] * scale + c.ent_end[e], c.ent_frag[e]
        keys["span"] = np.where(is_ev, trig[r], e_span)
        keys["filler"] = np.where(is_ev, n_frag + c.ev_type[r], e_fill)
        return keys

    ga, pa = arg_keys(g, g_cell, g_trig), arg_keys(p, p_cell, p_trig)
    g_tcell, p_tcell = ga["cell"], pa["cell"]
    g_rcell = ga["doc"] * n_roles + ga["role"]
    p_rcell = pa["doc"] * n_roles + pa["role"]
    size_r = n * n_roles
    arg_pred_t, arg_gold_t = _group_sum(p_tcell, size_t), _group_sum(g_tcell, size_t)
    arg_pred_r, arg_gold_r = _group_sum(p_rcell, size_r), _group_sum(g_rcell, size_r)
    levels = {
        _AI: ("cell", "span", "filler"),
        _AC: ("cell", "span", "filler", "role"),
        _AIA: ("cell", "trigger", "span", "filler"),
        _ACA: ("cell", "trigger", "span", "filler", "role"),
    }
    for level, names in levels.items():
        groups = [(g_tcell, p_tcell, size_t)]
        with_role = "role" in names
        if with_role:
            groups.append((g_rcell, p_rcell, size_r))
        matched = multiset_matches([ga[k] for k in names], [pa[k] for k in names], groups)
        per_type[:, level] = np.stack((matched[0], arg_pred_t, arg_gold_t), axis=1)
        if with_role:
            per_role[:, 0 if level == _AC else 1] = np.stack((matched[1], arg_pred_r, arg_gold_r), axis=1)
    by_type = per_type.reshape(n, n_types, 6, 3)
    micro[:, 1:] = by_type[:, :, 1:].sum(axis=1)
    return micro, by_type, per_role.reshape(n, n_roles, 2, 3)


def _event_tuples(c: Columns, lo: int, hi: int) -> list[tuple[Any, ...]]:
    """Events `lo`..`hi` as (start, end, type, ((role, arg start, arg end), ...)), in row order (arguments are
    grouped by event)."""
    types, roles, frags = c.vocabs.types.names, c.vocabs.roles.names, c.vocabs.fragments.names
    a_lo, a_hi = np.searchsorted(c.arg_event, [lo, hi])

    def filler(ent: int, ref: int) -> tuple[int, int, str]:
        if ref >= 0:
            return int(c.ev_start[ref]), int(c.ev_end[ref]), f"event {types[c.ev_type[ref]]}"
        key = frags[c.ent_frag[ent]]
        return int(c.ent_start[ent]), int(c.ent_end[ent]), f"fragments {key}" if key else ""

    args = [
        (roles[r], *filler(e, x))
        for r, e, x in zip(
            c.arg_role[a_lo:a_hi].tolist(), c.arg_entity[a_lo:a_hi].tolist(), c.arg_ref[a_lo:a_hi].tolist()
        )
    ]
    at = (np.searchsorted(c.arg_event, np.arange(lo, hi + 1)) - a_lo).tolist()
    return [
        (s, e, types[t], tuple(args[at[i] : at[i + 1]]))
        for i, (s, e, t) in enumerate(
            zip(c.ev_start[lo:hi].tolist(), c.ev_end[lo:hi].tolist(), c.ev_type[lo:hi].tolist())
        )
    ]


def _event_errors(
    g: Columns, p: Columns, execution: Execution = LOCAL, limit: int | None = None
) -> tuple[list[EventErrorRow], Counter[str], Counter[tuple[str, str]]]:
    """The first `limit` event errors of each category (all when None) in document order, the number of errors
    of each category, and the role confusion.

    The categorisation is greedy and goes document by document; large inputs (from `execution.parallel_events`
    events) are cut into ranges of documents scored by `execution.workers` processes (each keeps its first
    `limit` of each category) and joined in order.
    """
    n = len(g)
    g_at = np.searchsorted(g.ev_doc, np.arange(n + 1)).tolist()
    p_at = np.searchsorted(p.ev_doc, np.arange(n + 1)).tolist()

    def run(docs: range) -> tuple[list[EventErrorRow], Counter[str], Counter[tuple[str, str]]]:
        g_events = _event_tuples(g, g_at[docs.start], g_at[docs.stop])
        p_events = _event_tuples(p, p_at[docs.start], p_at[docs.stop])
        g0, p0 = g_at[docs.start], p_at[docs.start]
        rows: list[EventErrorRow] = []
        counts: Counter[str] = Counter()
        confusion: Counter[tuple[str, str]] = Counter()
        for d in docs:
            gold = g_events[g_at[d] - g0 : g_at[d + 1] - g0]
            pred = p_events[p_at[d] - p0 : p_at[d + 1] - p0]
            if gold == pred:
                confusion.update((a[0], a[0]) for ev in gold for a in ev[3])
                continue
            found, conf = event_error_records(gold, pred)
            confusion.update(conf)
            for c, gt, pt, x in found:
                counts[c] += 1
                if limit is None or counts[c] <= limit:
                    rows.append(EventErrorRow(doc=d, category=c, gold=gt, pred=pt, detail=x))
        return rows, counts, confusion

    n_workers = execution.workers
    pieces = n_workers if len(g.ev_doc) + len(p.ev_doc) > execution.parallel_events else 1
    bounds = bounds_of(n, pieces)
    parts = fork_map(run, [range(lo, hi) for lo, hi in zip(bounds, bounds[1:])], n_workers)
    rows: list[EventErrorRow] = []
    listed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    for part_rows, part_counts, part_confusion in parts:
        for r in part_rows:
            if limit is None or listed[r.category] < limit:
                rows.append(r)
                listed[r.category] += 1
        total.update(part_counts)
        confusion.update(part_confusion)
    return rows, total, confusion


# -------------------------------------------------------------------- table


def score_columns(
    g: Columns, p: Columns, rank: np.ndarray | None = None, execution: Execution = LOCAL, limit: int | None = None
) -> Scores:
    """Every count of `g` against `p` (the same documents in the same order, sharing vocabs).

    The workers of `execution` share the per-document Python work of large inputs; the result does not depend
    on it. Event errors are kept up to `limit` per category (all when None); entity errors are all kept, as
    arrays.
    """
    n = len(g)
    rank = np.arange(n) if rank is None else rank
    labels, types, roles = g.vocabs.labels.names, g.vocabs.types.names, g.vocabs.roles.names
    ent_micro, ent_label, pieces = _entity_counts(g, p, len(labels))
    crowded_rows, crowded_conf = _crowded_components(g, p, pieces, ent_micro, ent_label)
    ev_micro, ev_type, ev_role = _event_counts(g, p, len(types), len(roles))
    blocks: dict[CountKey, np.ndarray] = {}
    for s, scheme in enumerate(SCHEMES):
        blocks[CountKey("entities", None, scheme)] = ent_micro[:, s]
        for li, lab in enumerate(labels):
            blocks[CountKey("entities", lab, scheme)] = ent_label[:, li, s]
    for k, lvl in enumerate(EVENT_LEVELS):
        blocks[CountKey("events", None, lvl)] = ev_micro[:, k]
        for ti, t in enumerate(types):
            blocks[CountKey("events", t, lvl)] = ev_type[:, ti, k]
    for k, role_level in enumerate(ROLE_LEVELS):
        for ri, r in enumerate(roles):
            blocks[CountKey("roles", r, role_level)] = ev_role[:, ri, k]
    keys = sorted((k for k, m in blocks.items() if m.any()), key=CountKey.sort_key)
    data = np.hstack([blocks[k] for k in keys]) if keys else np.zeros((n, 0), dtype=COUNT)
    del blocks, ent_micro, ent_label, ev_micro, ev_type, ev_role
    table = CountTable(g.ids, g.sha256, keys, np.ascontiguousarray(data, dtype=COUNT))
    ev_rows, ev_counts, role_confusion = _event_errors(g, p, execution, limit)
    return Scores(
        table=table,
        entity_errors=_entity_errors(g, p, pieces, crowded_rows, rank),
        event_errors=ev_rows,
        event_error_counts=ev_counts,
        confusion=_confusion(g, p, pieces) + crowded_conf,
        role_confusion=role_confusion,
        crowded_components=len({int(c) for c in pieces["comp"][pieces["crowded"]]}) if len(pieces["comp"]) else 0,
        nested_gold=pieces["nested"],
    )


# ------------------------------------------------------------------- chunks


def score_chunk(chunk: tuple[Columns, Columns], limit: int | None = None) -> Scores:
    """`score_columns` of one chunk of documents (gold, predictions), in one process: a task for a worker."""
    g, p = chunk
    return score_columns(g, p, limit=limit)


def bounds_of(n: int, pieces: int) -> list[int]:
    """Where `pieces` runs of consecutive documents, as even as can be, start (and the last ends) among `n`.

    >>> bounds_of(10, 3)
    [0, 3, 6, 10]
    """
    return [n * i // pieces for i in range(pieces + 1)]


def chunks(g: Columns, p: Columns, pieces: int) -> list[tuple[Columns, Columns]]:
    """`g` and `p` cut into `pieces` runs of consecutive documents (the same documents on both sides)."""
    bounds = bounds_of(len(g), pieces)
    return [(g.take(np.arange(lo, hi)), p.take(np.arange(lo, hi))) for lo, hi in zip(bounds, bounds[1:])]


def merge(
    parts: Sequence[Scores], sizes: Sequence[int], ids: list[str], sha256: list[str], limit: int | None
) -> Scores:
    """The scores of consecutive chunks of documents (`sizes` documents each) as those of all of them at once:
    the same table, error rows in the same order, the same confusions."""
    keys = sorted({k for part in parts for k in part.table.keys}, key=CountKey.sort_key)
    width = {k: k.width for k in keys}
    at: dict[CountKey, int] = {}
    col = 0
    for k in keys:
        at[k] = col
        col += width[k]
    data = np.zeros((sum(sizes), col), dtype=COUNT)
    starts = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    for part, lo, n in zip(parts, starts, sizes):
        for k in part.table.keys:
            data[lo : lo + n, at[k] : at[k] + width[k]] = part.table.matrix(k)
    ent = [part.entity_errors for part in parts]
    rows: list[EventErrorRow] = []
    listed: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    role_confusion: Counter[tuple[str, str]] = Counter()
    for part, lo in zip(parts, starts):
        for r in part.event_errors:
            if limit is None or listed[r.category] < limit:
                rows.append(
                    EventErrorRow(doc=int(r.doc + lo), category=r.category, gold=r.gold, pred=r.pred, detail=r.detail)
                )
                listed[r.category] += 1
        counts.update(part.event_error_counts)
        confusion.update(part.confusion)
        role_confusion.update(part.role_confusion)
    return Scores(
        table=CountTable(ids, sha256, keys, data),
        entity_errors=EntityErrorRows(
            doc=np.concatenate([e.doc + lo for e, lo in zip(ent, starts)]).astype(np.int64),
            category=np.concatenate([e.category for e in ent]),
            gold=np.concatenate([e.gold for e in ent]).reshape(-1, 3),
            pred=np.concatenate([e.pred for e in ent]).reshape(-1, 3),
        ),
        event_errors=rows,
        event_error_counts=counts,
        confusion=confusion,
        role_confusion=role_confusion,
        crowded_components=sum(part.crowded_components for part in parts),
        nested_gold=any(part.nested_gold for part in parts),
    )
