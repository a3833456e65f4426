"""Metrics recomputed from per-document counts, and paired tests between two systems on the same gold.

The paired test is approximate randomisation (Noreen 1989; Yeh 2000): for
each document, the two systems' counts are swapped with probability 1/2, the
metric is recomputed on the swapped totals, and the p-value is the share of
resamples whose absolute difference is at least the observed one, (k + 1) /
(R + 1). It is two-sided and needs both reports to be made on the same gold
documents (ids and text SHA-256).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import AnnotError
from ..limits import MAX_PAIRED_SAMPLES, MAX_SEED, bounded
from ..project import DEFAULT_SEED
from ..reporting.model import Cell, Comparison, PairedComparison, Report, SideBySide, SystemRow
from ..reporting.paths import SIDE_BY_SIDE, MetricPath, parse_metric
from ..scoring.counts import CountKey, ZeroDivision, macro_arrays, metric_from_sums
from ..scoring.table import CountTable
from ..scoring.vocabulary import EVENT_LEVELS, SCHEMES


def _values(
    table: CountTable,
    mp: MetricPath,
    zero_division: str = ZeroDivision.NULL,
    mask: np.ndarray | None = None,
    other: CountTable | None = None,
) -> np.ndarray:
    """The metric on the (optionally swapped) totals; `mask` (R x n) picks `other`'s documents where true."""

    def totals(key: CountKey) -> np.ndarray:
        mine = table.matrix(key)
        if mask is None or other is None:
            return mine.sum(axis=0)
        return mask @ other.matrix(key) + (1 - mask) @ mine

    if mp.group == "macro":
        labels = sorted(
            set(table.names("entities", mp.level)) | (set(other.names("entities", mp.level)) if other else set())
        )
        vals = [
            metric_from_sums("entities", totals(CountKey("entities", lab, mp.level)), mp.metric, "null")
            for lab in labels
        ]
        return macro_arrays(vals, zero_division)
    key = mp.count_key
    return metric_from_sums(key.counts_section, totals(key), mp.metric, zero_division)


def metric_value(table: CountTable, path: str, zero_division: str = ZeroDivision.NULL) -> float | None:
    """A metric recomputed from per-document counts (None when undefined)."""
    v = float(_values(table, parse_metric(path), zero_division))
    return None if np.isnan(v) else v


def same_gold(a: CountTable, b: CountTable, names: tuple[str, str] = ("A", "B")) -> None:
    """Refuse a paired comparison of reports made on different gold documents."""
    if sorted(zip(a.ids, a.sha256)) == sorted(zip(b.ids, b.sha256)):
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


def _aligned(a: CountTable, b: CountTable) -> tuple[CountTable, CountTable]:
    """Both tables with their documents in id order (the order the paired test resamples in)."""
    ids = sorted(a.ids)
    return a.select(ids), b.select(ids)


def paired_test(
    a: CountTable,
    b: CountTable,
    path: str,
    samples: int = 10000,
    seed: int = DEFAULT_SEED,
    zero_division: str = ZeroDivision.NULL,
) -> Comparison:
    """Approximate randomisation test of B - A on one metric (tables on the same documents)."""
    bounded("paired resamples (--samples)", samples, 1, MAX_PAIRED_SAMPLES)
    bounded("seed (--seed)", seed, 0, MAX_SEED)
    mp = parse_metric(path)
    a, b = _aligned(a, b)
    va, vb = float(_values(a, mp, zero_division)), float(_values(b, mp, zero_division))
    if np.isnan(va) or np.isnan(vb):
        return Comparison(
            metric=path, a=None if np.isnan(va) else va, b=None if np.isnan(vb) else vb, delta=None, p_value=None
        )
    delta = vb - va
    rng = np.random.default_rng(seed)
    hits = 0
    # Resamples in chunks of about two million swap flags (the same random stream as one big draw), so that
    # memory stays flat for a corpus of any size.
    chunk = max(1, min(samples, 2_000_000 // max(len(a.ids), 1)))
    for done in range(0, samples, chunk):
        k = min(chunk, samples - done)
        mask = (rng.random((k, len(a.ids))) < 0.5).astype(float)
        sa = _values(a, mp, zero_division, mask, b)  # A with some documents swapped for B's
        sb = _values(b, mp, zero_division, mask, a)
        hits += int(np.sum(np.abs(np.nan_to_num(sb - sa)) >= abs(delta) - 1e-12))
    return Comparison(metric=path, a=va, b=vb, delta=delta, p_value=(hits + 1) / (samples + 1))


def default_metrics(report: Report) -> list[str]:
    """The metrics compared when none are named: micro F1 of every scheme and level, per-label strict F1, macro."""
    out = [f"entities.micro.{s}.f1" for s in SCHEMES] + ["entities.macro.strict.f1"]
    out += [f"entities.per_label.{lab}.strict.f1" for lab in report.entities.per_label]
    out += [f"events.micro.{lvl}.f1" for lvl in EVENT_LEVELS]
    return out


def compare_reports(
    a: Report, b: Report, metrics: Sequence[str] | None = None, samples: int = 10000, seed: int = DEFAULT_SEED
) -> list[Comparison]:
    """Paired comparison of two reports on the same gold, one row per metric."""
    same_gold(a.per_document, b.per_document)
    zd = a.zero_division
    return [paired_test(a.per_document, b.per_document, m, samples, seed, zd) for m in (metrics or default_metrics(a))]


METHOD = "approximate randomisation, paired over documents, against the reference (first) system"


def _layer_predicted(report: Report, path: str) -> bool:
    """Whether the system predicted anything of the layer `path` scores (entities, or events) in any document."""
    if parse_metric(path).section == "entities":
        return report.entities.micro["strict"].actual > 0
    return report.events.micro["trigger_identification"].predicted > 0


def _interval(report: Report, path: str) -> tuple[float | None, float | None]:
    """The bootstrap interval of the metric in `report`, where the report has one (micro and per-label scores)."""
    mp = parse_metric(path)
    record = mp.score(report)
    ci = getattr(record, "ci", None)
    ends = None if ci is None else getattr(ci, mp.metric, None)
    return (ends[0], ends[1]) if ends else (None, None)


def side_by_side(
    reports: dict[str, Report],
    metrics: Sequence[str] = SIDE_BY_SIDE,
    samples: int = 10000,
    seed: int = DEFAULT_SEED,
    *,
    intervals: bool = True,
    sources: dict[str, str] | None = None,
) -> SideBySide:
    """Several systems on the same gold: each metric per system, and a paired test of each against the first.

    Each cell carries the system's interval from its report (unless `intervals` is false: reports restricted to
    a split after the fact have no interval of the split) and says when the system predicted nothing of the
    metric's layer.
    """
    names = list(reports)
    if not names:
        raise AnnotError("no system to compare")
    ref = names[0]
    tables = {n: r.per_document for n, r in reports.items()}
    for n in names[1:]:
        same_gold(tables[ref], tables[n], (ref, n))
    rows = []
    for n in names:
        zd = reports[n].zero_division
        cells = {}
        for m in metrics:
            low, high = _interval(reports[n], m) if intervals else (None, None)
            absent = not _layer_predicted(reports[n], m)
            if n == ref:
                value = metric_value(tables[n], m, zd)
                cells[m] = Cell(value=value, delta=None, p_value=None, low=low, high=high, not_predicted=absent)
            else:
                c = paired_test(tables[ref], tables[n], m, samples, seed, zd)
                cells[m] = Cell(value=c.b, delta=c.delta, p_value=c.p_value, low=low, high=high, not_predicted=absent)
        rows.append(SystemRow(system=n, metrics=cells))
    return SideBySide(
        reference=ref,
        method=METHOD,
        samples=samples,
        seed=seed,
        metrics=tuple(metrics),
        systems=tuple(rows),
        gold=reports[ref].meta.gold,
        sources=dict(sources or {}),
    )


def restrict_to_split(report: Report, split: str, gold: Path, name: str) -> Report:
    """`report` with its per-document counts restricted to the documents of `split` (splits.json beside `gold`)."""
    import dataclasses

    from ..corpus.splits import SPLITS, split_ids

    table = report.per_document
    ids = split_ids(Path(gold).parent / SPLITS, split, Path(gold), None)
    missing = sorted(set(ids) - set(table.ids))
    if missing:
        raise AnnotError(
            f"{name}: {len(missing)} document(s) of split {split!r} were not scored, e.g. {', '.join(missing[:5])}",
            "Compare reports made on that split, or on the whole corpus.",
        )
    return dataclasses.replace(report, per_document=table.select(ids))


def compare_files(
    path_a: Path,
    path_b: Path,
    metrics: Sequence[str] | None = None,
    samples: int = 10000,
    seed: int = DEFAULT_SEED,
    output: Path | None = None,
    split: str | None = None,
    gold: Path | None = None,
) -> tuple[PairedComparison, str, str]:
    """`annot compare`: two report.json files compared; the comparison also written to `output` when given.

    With `split`, only the documents of that split count (read from the splits.json beside `gold`, by default
    the gold file report A names). Returns the comparison and the two systems' names.
    """
    from ..files import atomic_write_text
    from ..reporting.model import load_report

    a, b = load_report(path_a), load_report(path_b)
    if split is not None:
        gold_path = Path(gold) if gold is not None else Path(a.meta.gold.path)
        if not gold_path.is_file():
            raise AnnotError(
                f"{gold_path}: the gold file of {path_a} is not here, so split {split!r} cannot be looked up",
                "Give the gold file with --gold (its splits.json is read).",
            )
        a = restrict_to_split(a, split, gold_path, str(path_a))
        b = restrict_to_split(b, split, gold_path, str(path_b))
    result = PairedComparison(
        a=str(path_a),
        b=str(path_b),
        method="approximate randomisation",
        samples=samples,
        seed=seed,
        metrics=tuple(compare_reports(a, b, metrics, samples, seed)),
    )
    if output is not None:
        atomic_write_text(output, result.to_json())
    return result, a.system_name or "A", b.system_name or "B"


def _names(paths: Sequence[Path], reports: Sequence[Report]) -> list[str]:
    """A name per report: its system's name; the report's folder added where two share one."""
    names = [r.system_name or p.parent.name for p, r in zip(paths, reports)]
    if len(set(names)) < len(names):
        names = [f"{n} ({p.parent.name})" if names.count(n) > 1 else n for n, p in zip(names, paths)]
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} #{seen[n]}")
    return out


def compare_paths(
    paths: Sequence[Path | str],
    metrics: Sequence[str] | None = None,
    samples: int = 10000,
    seed: int = DEFAULT_SEED,
    split: str | None = None,
    gold: Path | None = None,
) -> SideBySide:
    """`annot compare`: two or more reports (report.json files or report folders) on the same gold, the first
    the reference; every metric (default: micro F1s, macro, per label, event levels) with paired tests.

    With `split`, only the documents of that split count (splits.json beside `gold`, by default the gold file
    the first report names).
    """
    from ..reporting.model import load_report, report_file

    if len(paths) < 2:
        raise AnnotError(
            f"compare needs two or more reports, got {len(paths)}",
            "Give report folders or report.json files: annot compare reports/a reports/b [reports/c ...]",
        )
    files = [report_file(p) for p in paths]
    reports = [load_report(f) for f in files]
    if split is not None:
        gold_path = Path(gold) if gold is not None else Path(reports[0].meta.gold.path)
        if not gold_path.is_file():
            raise AnnotError(
                f"{gold_path}: the gold file of {files[0]} is not here, so split {split!r} cannot be looked up",
                "Give the gold file with --gold (its splits.json is read).",
            )
        reports = [restrict_to_split(r, split, gold_path, str(f)) for r, f in zip(reports, files)]
    names = _names(files, reports)
    return side_by_side(
        dict(zip(names, reports)),
        tuple(metrics or default_metrics(reports[0])),
        samples,
        seed,
        intervals=split is None,
        sources={n: str(f) for n, f in zip(names, files)},
    )
