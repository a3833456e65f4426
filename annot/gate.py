"""The CI quality gate: thresholds and a baseline report in, a verdict and its checks out.

Checks:

- **threshold**: the metric is at least the threshold. A ``*`` in place of a
  label, event type or role stands for every one in the report.
- **baseline**: the metric dropped by at most ``max_drop`` from the baseline
  report (made on the same gold). With ``significant_only``, a larger drop
  fails only when a paired approximate-randomisation test gives p < alpha.

A label, type or role with less gold support than ``min_support`` cannot fail
the gate: its check is reported as not gated. An undefined value (no
prediction, no gold) fails a threshold it is held to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .compare import DocCounts, default_metrics, doc_counts, paired_test, parse_metric, same_gold
from .documents import display_path
from .errors import AnnotError, raise_if_problems

EPS = 1e-9


@dataclass(frozen=True)
class GateConfig:
    thresholds: dict[str, float] = field(default_factory=dict)
    baseline: Path | None = None
    max_drop: float | None = None  # None: not set (0.0)
    min_support: int | None = None  # None: not set (0)
    significant_only: bool = False
    alpha: float | None = None  # None: not set (0.05)
    samples: int = 10000
    seed: int = 13

    @property
    def drop(self) -> float:
        return 0.0 if self.max_drop is None else self.max_drop

    @property
    def support(self) -> int:
        return 0 if self.min_support is None else self.min_support

    @property
    def level(self) -> float:
        return 0.05 if self.alpha is None else self.alpha

    @property
    def active(self) -> bool:
        return bool(self.thresholds) or self.baseline is not None


def parse_thresholds(items: list[str]) -> dict[str, float]:
    """``PATH=VALUE`` strings from the command line -> {path: value}; every bad one reported."""
    out: dict[str, float] = {}
    problems = []
    for item in items:
        path, sep, value = item.partition("=")
        try:
            v = float(value)
        except ValueError:
            v = float("nan")
        if not sep or not 0.0 <= v <= 1.0:
            problems.append(
                f"--threshold {item!r}: expected METRIC=VALUE with VALUE between 0 and 1, e.g. entities.micro.strict.f1=0.6"
            )
            continue
        try:
            parse_metric(path.replace("*", "X"))
        except AnnotError as exc:
            problems.append(exc.message)
            continue
        out[path] = v
    raise_if_problems(
        problems, "invalid thresholds", "Metric paths are the paths of values in report.json (README, 'CI gate')."
    )
    return out


def _expand(path: str, report: dict[str, Any]) -> list[str]:
    if "*" not in path:
        return [path]
    mp = parse_metric(path.replace("*", "X"))
    names = report.get(mp.section, {}).get(mp.group, {})
    return [path.replace("*", name) for name in sorted(names)]


def _support(report: dict[str, Any], path: str) -> int | None:
    mp = parse_metric(path)
    node = mp.lookup(report)
    if node is None or mp.group in ("micro", "macro"):
        return None
    return int(node.get("possible", node.get("gold", 0)))


def _value(report: dict[str, Any], path: str) -> float | None:
    mp = parse_metric(path)
    node = mp.lookup(report)
    if node is None:
        raise AnnotError(f"metric {path!r} is not in the report", "Check the label, event type or role name.")
    v = node.get(mp.metric)
    return None if v is None else float(v)


def _fmt(v: float | None) -> str:
    return "undefined" if v is None else f"{v:.4f}"


def run_gate(report: dict[str, Any], cfg: GateConfig) -> dict[str, Any]:
    """Every check of the gate on `report`; returns the report's `gate` section."""
    checks: list[dict[str, Any]] = []
    for pattern, threshold in sorted(cfg.thresholds.items()):
        for path in _expand(pattern, report):
            value, support = _value(report, path), _support(report, path)
            check: dict[str, Any] = {
                "kind": "threshold",
                "metric": path,
                "value": value,
                "threshold": threshold,
                "support": support,
            }
            if support is not None and support < cfg.support:
                check.update(
                    passed=True,
                    gated=False,
                    description=f"{path} = {_fmt(value)}: not gated, support {support} < min_support {cfg.support}",
                )
            else:
                ok = value is not None and value >= threshold - EPS
                check.update(
                    passed=ok,
                    gated=True,
                    description=f"{path} = {_fmt(value)} {'>=' if ok else '<'} threshold {threshold:.4f}"
                    + ("" if ok or value is None else f" (short by {threshold - value:.4f})"),
                )
            checks.append(check)
    if cfg.baseline is not None:
        checks += _baseline_checks(report, cfg)
    return {
        "passed": all(c["passed"] for c in checks),
        "checks": checks,
        "settings": {
            "baseline": None if cfg.baseline is None else display_path(cfg.baseline),
            "alpha": cfg.level,
            "max_drop": cfg.drop,
            "min_support": cfg.support,
            "significant_only": cfg.significant_only,
        },
    }


def load_baseline(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnnotError(
            f"{path}: baseline report not found", "Commit a report.json of the accepted run as the baseline."
        ) from None
    except json.JSONDecodeError as exc:
        raise AnnotError(f"{path}: not a report.json ({exc.msg})") from None
    if not isinstance(data, dict) or "entities" not in data:
        raise AnnotError(f"{path}: not a report.json made by annot evaluate")
    return data


def _baseline_checks(report: dict[str, Any], cfg: GateConfig) -> list[dict[str, Any]]:
    assert cfg.baseline is not None
    base = load_baseline(cfg.baseline)
    cur_counts: DocCounts | None = None
    base_counts: DocCounts | None = None
    if "per_document" in base and "per_document" in report:
        cur_counts, base_counts = doc_counts(report, "report"), doc_counts(base, str(cfg.baseline))
        same_gold(base_counts, cur_counts, (f"baseline {cfg.baseline}", "this run"))
    elif base.get("meta", {}).get("gold", {}).get("sha256") != report.get("meta", {}).get("gold", {}).get("sha256"):
        raise AnnotError(
            f"baseline {cfg.baseline} was made on other gold (SHA-256 differs)",
            "Re-make the baseline on the same gold file.",
        )
    elif cfg.significant_only:
        raise AnnotError(
            f"baseline {cfg.baseline} has no per_document counts, needed by --significant-only",
            "Re-make the baseline with this version of annot.",
        )
    metrics = sorted(set(default_metrics(report)) | {p for pat in cfg.thresholds for p in _expand(pat, report)})
    checks = []
    for path in metrics:
        try:
            b = _value(base, path)
        except AnnotError:
            continue  # a label the baseline did not have: nothing to compare with
        v, support = _value(report, path), _support(report, path)
        check: dict[str, Any] = {"kind": "baseline", "metric": path, "value": v, "baseline": b, "support": support}
        drop = None if v is None or b is None else b - v
        check["drop"] = drop
        if support is not None and support < cfg.support:
            check.update(
                passed=True,
                gated=False,
                description=f"{path}: not gated, support {support} < min_support {cfg.support}",
            )
        elif drop is None:
            ok = b is None
            check.update(
                passed=ok,
                gated=True,
                description=f"{path} = {_fmt(v)}, baseline {_fmt(b)}" + ("" if ok else ": became undefined"),
            )
        elif drop <= cfg.drop + EPS:
            check.update(
                passed=True,
                gated=True,
                description=f"{path} = {v:.4f}, baseline {b:.4f} (change {-drop + 0.0:+.4f}, tolerated drop {cfg.drop:.4f})",
            )
        elif cfg.significant_only and cur_counts is not None and base_counts is not None:
            p = paired_test(base_counts, cur_counts, path, cfg.samples, cfg.seed).p_value
            check["p_value"] = p
            ok = p is None or p >= cfg.level
            check.update(
                passed=ok,
                gated=True,
                description=f"{path} = {v:.4f}, baseline {b:.4f}: dropped {drop:.4f} > {cfg.drop:.4f}, "
                + (
                    f"not significant (p = {p:.4f} >= {cfg.level})"
                    if ok
                    else f"significant (p = {p:.4f} < {cfg.level})"
                ),
            )
        else:
            check.update(
                passed=False,
                gated=True,
                description=f"{path} = {v:.4f}, baseline {b:.4f}: dropped {drop:.4f} > tolerated {cfg.drop:.4f}",
            )
        checks.append(check)
    return checks
