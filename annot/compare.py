"""Metrics named by their report.json path, recomputed from per-document counts; paired tests between reports.

A metric path is the path of the value in report.json, for instance
``entities.micro.strict.f1``, ``entities.per_label.PER.strict.recall``,
``entities.macro.type.f1``, ``events.micro.trigger_classification.f1``,
``events.per_type.Movement.Deploy.argument_classification.f1`` or
``events.per_role.Agent.argument_classification.precision``.

The paired test is approximate randomisation (Noreen 1989; Yeh 2000): for
each document, the two systems' counts are swapped with probability 1/2, the
metric is recomputed on the swapped totals, and the p-value is the share of
resamples whose absolute difference is at least the observed one, (k + 1) /
(R + 1). It is two-sided and needs both reports to be made on the same gold
documents (ids and text SHA-256).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import AnnotError
from .matching import EVENT_LEVELS, SCHEMES
from .metrics import prf_arrays

METRICS = ("precision", "recall", "f1")


@dataclass(frozen=True)
class MetricPath:
    """A parsed metric path: section (entities/events), group, name (label, type, role or None), level, metric."""

    text: str
    section: str
    group: str
    name: str | None
    level: str
    metric: str

    def count_key(self) -> str:
        """The per-document counts key that this metric is computed from."""
        if self.section == "entities":
            return f"entities/{self.level}" if self.name is None else f"entities/{self.name}/{self.level}"
        if self.group == "per_role":
            return f"roles/{self.name}/{self.level}"
        return f"events/{self.level}" if self.name is None else f"events/{self.name}/{self.level}"

    def lookup(self, report: dict[str, Any]) -> dict[str, Any] | None:
        """The dict of report.json holding this metric (with its counts), or None if absent."""
        node = report.get(self.section, {}).get(self.group, {})
        if self.name is not None:
            node = node.get(self.name, {})
        node = node.get(self.level)
        return node if isinstance(node, dict) else None


def parse_metric(path: str) -> MetricPath:
    """Parse a metric path; a clear error for anything else.

    >>> parse_metric("events.per_type.Movement.Deploy.trigger_classification.f1").name
    'Movement.Deploy'
    """
    parts = path.split(".")
    bad = AnnotError(
        f"metric {path!r} is not a report.json metric path",
        "Use e.g. entities.micro.strict.f1, entities.per_label.PER.strict.recall, entities.macro.type.f1, "
        "events.micro.trigger_classification.f1, events.per_type.Movement.Deploy.argument_classification.f1, "
        "events.per_role.Agent.argument_classification.f1.",
    )
    if len(parts) < 4 or parts[-1] not in METRICS:
        raise bad
    section, group, level, metric = parts[0], parts[1], parts[-2], parts[-1]
    middle = ".".join(parts[2:-2]) or None
    levels = SCHEMES if section == "entities" else EVENT_LEVELS
    if level not in levels:
        raise bad
    ok = {
        ("entities", "micro"): False,
        ("entities", "macro"): False,
        ("entities", "per_label"): True,
        ("events", "micro"): False,
        ("events", "per_type"): True,
        ("events", "per_role"): True,
    }
    needs_name = ok.get((section, group))
    if needs_name is None or needs_name != (middle is not None):
        raise bad
    return MetricPath(path, section, group, middle, level, metric)


# ----------------------------------------------------------- vectorised PRF


def _metric_from_sums(sums: np.ndarray, section: str, metric: str) -> np.ndarray:
    """Metric from summed count vectors (last axis: the counts)."""
    if section == "entities":
        c, i, p, m, s = (sums[..., k] for k in range(5))
        return prf_arrays(c + 0.5 * p, c + i + p + s, c + i + p + m, metric)
    matched, predicted, gold = (sums[..., k] for k in range(3))
    return prf_arrays(matched, predicted, gold, metric)


@dataclass(frozen=True)
class DocCounts:
    """Per-document counts of one report: document ids, their text SHA-256 and count vectors by key."""

    ids: list[str]
    sha256: list[str]
    rows: list[dict[str, list[int]]]

    def matrix(self, key: str) -> np.ndarray:
        width = 5 if key.startswith("entities/") else 3
        out = np.zeros((len(self.ids), width))
        for i, row in enumerate(self.rows):
            if key in row:
                out[i] = row[key]
        return out

    def labels(self, scheme: str) -> list[str]:
        found = {k.split("/")[1] for row in self.rows for k in row if k.startswith("entities/") and k.count("/") == 2}
        return sorted(lab for lab in found if any(f"entities/{lab}/{scheme}" in row for row in self.rows))


def doc_counts(report: dict[str, Any], where: str = "report") -> DocCounts:
    per_doc = report.get("per_document")
    if not isinstance(per_doc, dict):
        raise AnnotError(
            f"{where}: has no per_document counts", "Re-run `annot evaluate` with this version of annot to get them."
        )
    ids = sorted(per_doc)
    return DocCounts(ids, [per_doc[i]["sha256"] for i in ids], [per_doc[i]["counts"] for i in ids])


def _values(
    dc: DocCounts, mp: MetricPath, mask: np.ndarray | None = None, other: DocCounts | None = None
) -> np.ndarray:
    """The metric on the (optionally swapped) totals; `mask` (R x n) picks `other`'s documents where true."""

    def totals(key: str) -> np.ndarray:
        mine = dc.matrix(key)
        if mask is None or other is None:
            return mine.sum(axis=0)
        theirs = other.matrix(key)
        return mask @ theirs + (1 - mask) @ mine

    if mp.group == "macro":
        labels = sorted(set(dc.labels(mp.level)) | (set(other.labels(mp.level)) if other else set()))
        vals = [_metric_from_sums(totals(f"entities/{lab}/{mp.level}"), "entities", mp.metric) for lab in labels]
        if not vals:
            return np.array(np.nan)
        stacked = np.stack(vals)
        with np.errstate(invalid="ignore"):
            return np.nanmean(stacked, axis=0) if not np.all(np.isnan(stacked)) else stacked[0]
    return _metric_from_sums(totals(mp.count_key()), mp.section, mp.metric)


def metric_value(report: dict[str, Any], path: str) -> float | None:
    """A metric recomputed from the report's per-document counts (None when undefined)."""
    v = float(_values(doc_counts(report), parse_metric(path)))
    return None if np.isnan(v) else v


@dataclass(frozen=True)
class Comparison:
    metric: str
    a: float | None
    b: float | None
    delta: float | None
    p_value: float | None


def same_gold(a: DocCounts, b: DocCounts, names: tuple[str, str] = ("A", "B")) -> None:
    """Refuse a paired comparison of reports made on different gold documents."""
    if a.ids == b.ids and a.sha256 == b.sha256:
        return
    only_a = sorted(set(a.ids) - set(b.ids))
    only_b = sorted(set(b.ids) - set(a.ids))
    sha_a, sha_b = dict(zip(a.ids, a.sha256)), dict(zip(b.ids, b.sha256))
    changed = sorted(i for i in set(a.ids) & set(b.ids) if sha_a[i] != sha_b[i])
    problems = []
    if only_a:
        problems.append(f"documents only in {names[0]}: {', '.join(only_a[:10])}")
    if only_b:
        problems.append(f"documents only in {names[1]}: {', '.join(only_b[:10])}")
    if changed:
        problems.append(f"documents whose text differs: {', '.join(changed[:10])}")
    raise AnnotError(
        f"{names[0]} and {names[1]} were not made on the same gold documents",
        "Evaluate both systems on the same gold file and split.",
        problems,
    )


def paired_test(a: DocCounts, b: DocCounts, path: str, samples: int = 10000, seed: int = 13) -> Comparison:
    """Approximate randomisation test of B - A on one metric."""
    mp = parse_metric(path)
    va, vb = float(_values(a, mp)), float(_values(b, mp))
    if np.isnan(va) or np.isnan(vb):
        return Comparison(path, None if np.isnan(va) else va, None if np.isnan(vb) else vb, None, None)
    delta = vb - va
    rng = np.random.default_rng(seed)
    mask = (rng.random((samples, len(a.ids))) < 0.5).astype(float)
    sa = _values(a, mp, mask, b)  # A with some documents swapped for B's
    sb = _values(b, mp, mask, a)
    diffs = np.abs(np.nan_to_num(sb - sa))
    hits = int(np.sum(diffs >= abs(delta) - 1e-12))
    return Comparison(path, va, vb, delta, (hits + 1) / (samples + 1))


def default_metrics(report: dict[str, Any]) -> list[str]:
    """The metrics compared when none are named: micro F1 of every scheme and level, per-label strict F1, macro."""
    out = [f"entities.micro.{s}.f1" for s in SCHEMES] + ["entities.macro.strict.f1"]
    out += [f"entities.per_label.{lab}.strict.f1" for lab in report.get("entities", {}).get("per_label", {})]
    out += [f"events.micro.{lvl}.f1" for lvl in EVENT_LEVELS]
    return out


def compare_reports(
    a: dict[str, Any], b: dict[str, Any], metrics: list[str] | None = None, samples: int = 10000, seed: int = 13
) -> list[Comparison]:
    """Paired comparison of two reports on the same gold, one row per metric."""
    da, db = doc_counts(a, "report A"), doc_counts(b, "report B")
    same_gold(da, db)
    return [paired_test(da, db, m, samples, seed) for m in (metrics or default_metrics(a))]


SIDE_BY_SIDE = (
    "entities.micro.strict.f1",
    "entities.micro.partial.f1",
    "entities.micro.type.f1",
    "entities.macro.strict.f1",
    "events.micro.trigger_classification.f1",
    "events.micro.argument_classification.f1",
)


def side_by_side(
    reports: dict[str, dict[str, Any]], metrics: tuple[str, ...] = SIDE_BY_SIDE, samples: int = 10000, seed: int = 13
) -> dict[str, Any]:
    """Several systems on the same gold: each metric per system, and a paired test of each against the first."""
    names = list(reports)
    if not names:
        raise AnnotError("no system to compare")
    ref = names[0]
    counts = {n: doc_counts(r, f"report of {n}") for n, r in reports.items()}
    for n in names[1:]:
        same_gold(counts[ref], counts[n], (ref, n))
    rows = []
    for n in names:
        row: dict[str, Any] = {"system": n, "metrics": {}}
        for m in metrics:
            if n == ref:
                v = metric_value(reports[n], m)
                row["metrics"][m] = {"value": v, "delta": None, "p_value": None}
            else:
                c = paired_test(counts[ref], counts[n], m, samples, seed)
                row["metrics"][m] = {"value": c.b, "delta": c.delta, "p_value": c.p_value}
        rows.append(row)
    return {
        "reference": ref,
        "method": "approximate randomisation, paired over documents, against the reference (first) system",
        "samples": samples,
        "seed": seed,
        "metrics": list(metrics),
        "systems": rows,
    }
