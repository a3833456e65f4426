"""The CI quality gate: thresholds and a baseline report in, a verdict and its checks out.

Checks:

- **threshold**: the metric is at least the threshold. A ``*`` in place of a
  label, event type or role stands for every one in the report.
- **baseline**: the metric dropped by at most ``max_drop`` from the baseline
  report (made on the same gold). With ``significant_only``, a larger drop
  fails only when a paired approximate-randomisation test gives p < alpha.

A label, type or role with less gold support than ``min_support`` cannot fail
the gate: its check is reported as not gated. A metric with no evidence (an
undefined value, or a label with no gold and no prediction) never fails the
gate on its own: its check is listed as not gated, and says why. Values are
compared unrounded.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import AnnotError, raise_if_problems
from ..files import display_path
from ..project import DEFAULT_SEED
from ..reporting.model import (
    EntityScore,
    EventScore,
    GateCheck,
    GateResult,
    GateSettingsInfo,
    MacroScore,
    Report,
    load_report,
)
from ..reporting.paths import expand, parse_metric
from .paired import default_metrics, metric_value, paired_test, same_gold

EPS = 1e-9


@dataclass(frozen=True, kw_only=True)
class GateSettings:
    """Everything the gate is told: thresholds, a baseline report and how to judge drops from it.

    `baseline` may contain ``{system}`` (one baseline per configured system).
    """

    thresholds: dict[str, float] = field(default_factory=dict)
    baseline: str | None = None
    max_drop: float = 0.0
    min_support: int = 0
    significant_only: bool = False
    alpha: float = 0.05
    samples: int = 10000
    seed: int = DEFAULT_SEED

    @property
    def active(self) -> bool:
        return bool(self.thresholds) or self.baseline is not None

    def merged(
        self,
        *,
        thresholds: dict[str, float] | None = None,
        baseline: str | None = None,
        max_drop: float | None = None,
        min_support: int | None = None,
        significant_only: bool | None = None,
        alpha: float | None = None,
    ) -> GateSettings:
        """These settings with the ones given (not None) taking precedence; thresholds are added."""
        given = {
            "baseline": baseline,
            "max_drop": max_drop,
            "min_support": min_support,
            "significant_only": significant_only or None,
            "alpha": alpha,
        }
        return dataclasses.replace(
            self,
            thresholds={**self.thresholds, **(thresholds or {})},
            **{k: v for k, v in given.items() if v is not None},  # type: ignore[arg-type]
        )

    def for_system(self, system: str, root: Path | None = None) -> GateSettings:
        """The settings of one system: ``{system}`` in the baseline path filled in, relative to `root`."""
        if self.baseline is None:
            return self
        path = Path(self.baseline.format(system=system))
        if root is not None and not path.is_absolute():
            path = Path(os.path.normpath(root / path))
        return dataclasses.replace(self, baseline=str(path))


def parse_thresholds(items: Sequence[str]) -> dict[str, float]:
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
        problems, "invalid thresholds", "Metric paths are the paths of values in report.json (docs/guides/ci.md)."
    )
    return out


def _fmt(v: float | None) -> str:
    return "undefined" if v is None else f"{v:.4f}"


def _value(report: Report, path: str) -> float | None:
    """The metric, unrounded: recomputed from the report's per-document counts (the report must have it)."""
    mp = parse_metric(path)
    if mp.score(report) is None:
        raise AnnotError(f"metric {path!r} is not in the report", "Check the label, event type or role name.")
    return metric_value(report.per_document, path, report.zero_division)


def _support(report: Report, path: str) -> int | None:
    return parse_metric(path).support(report)


def _no_evidence(report: Report, path: str, value: float | None) -> bool:
    """Whether the metric says nothing: undefined, or (policy zero) 0.0 with no gold and no prediction at all.

    A label, type or role nobody annotated and no system predicted cannot show a regression; it never fails
    the gate on its own (the check is listed as not gated).
    """
    if value is None:
        return True
    record = parse_metric(path).score(report)
    if isinstance(record, EntityScore):
        return record.possible == 0 and record.actual == 0
    if isinstance(record, EventScore):
        return record.gold == 0 and record.predicted == 0
    if isinstance(record, MacroScore):
        return record.labels == 0
    return False


def run_gate(report: Report, cfg: GateSettings) -> GateResult:
    """Every check of the gate on `report`."""
    checks: list[GateCheck] = []
    for pattern, threshold in sorted(cfg.thresholds.items()):
        for path in expand(pattern, report):
            value, support = _value(report, path), _support(report, path)
            if support is not None and support < cfg.min_support:
                checks.append(
                    GateCheck(
                        kind="threshold",
                        metric=path,
                        value=value,
                        threshold=threshold,
                        support=support,
                        passed=True,
                        gated=False,
                        description=f"{path} = {_fmt(value)}: not gated, support {support} < min_support {cfg.min_support}",
                    )
                )
                continue
            if _no_evidence(report, path, value):
                checks.append(
                    GateCheck(
                        kind="threshold",
                        metric=path,
                        value=value,
                        threshold=threshold,
                        support=support,
                        passed=True,
                        gated=False,
                        description=f"{path} = {_fmt(value)}: no evidence (no gold and no prediction), not gated",
                    )
                )
                continue
            ok = value is not None and value >= threshold - EPS
            checks.append(
                GateCheck(
                    kind="threshold",
                    metric=path,
                    value=value,
                    threshold=threshold,
                    support=support,
                    passed=ok,
                    gated=True,
                    description=f"{path} = {_fmt(value)} {'>=' if ok else '<'} threshold {threshold:.4f}"
                    + ("" if ok or value is None else f" (short by {threshold - value:.4f})"),
                )
            )
    if cfg.baseline is not None:
        checks += _baseline_checks(report, cfg, Path(cfg.baseline))
    return GateResult(
        passed=all(c.passed for c in checks),
        checks=tuple(checks),
        settings=GateSettingsInfo(
            baseline=None if cfg.baseline is None else display_path(cfg.baseline),
            alpha=cfg.alpha,
            max_drop=cfg.max_drop,
            min_support=cfg.min_support,
            significant_only=cfg.significant_only,
        ),
    )


def _baseline_checks(report: Report, cfg: GateSettings, baseline: Path) -> list[GateCheck]:
    base = load_report(baseline, "baseline report")
    same_gold(base.per_document, report.per_document, (f"baseline {baseline}", "this run"))
    metrics = sorted(set(default_metrics(report)) | {p for pat in cfg.thresholds for p in expand(pat, report)})
    checks = []
    for path in metrics:
        try:
            b = _value(base, path)
        except AnnotError:
            continue  # a label the baseline did not have: nothing to compare with
        v, support = _value(report, path), _support(report, path)
        drop = None if v is None or b is None else b - v

        def check(passed: bool, gated: bool, description: str, p_value: float | None = None) -> GateCheck:
            return GateCheck(
                kind="baseline",
                metric=path,  # noqa: B023
                value=v,  # noqa: B023
                baseline=b,  # noqa: B023
                support=support,  # noqa: B023
                drop=drop,  # noqa: B023
                passed=passed,
                gated=gated,
                description=description,
                p_value=p_value,
            )

        if support is not None and support < cfg.min_support:
            checks.append(check(True, False, f"{path}: not gated, support {support} < min_support {cfg.min_support}"))
        elif _no_evidence(report, path, v):
            checks.append(
                check(
                    True,
                    False,
                    f"{path} = {_fmt(v)}, baseline {_fmt(b)}: no evidence now (no gold and no prediction), not gated",
                )
            )
        elif drop is None:  # undefined in the baseline, defined now: nothing to drop from
            checks.append(check(True, True, f"{path} = {_fmt(v)}, baseline {_fmt(b)}: newly defined"))
        elif drop <= cfg.max_drop + EPS:
            checks.append(
                check(
                    True,
                    True,
                    f"{path} = {v:.4f}, baseline {b:.4f} (change {-drop + 0.0:+.4f}, tolerated drop {cfg.max_drop:.4f})",
                )
            )
        elif cfg.significant_only:
            p = paired_test(
                base.per_document, report.per_document, path, cfg.samples, cfg.seed, report.zero_division
            ).p_value
            ok = p is None or p >= cfg.alpha
            checks.append(
                check(
                    ok,
                    True,
                    f"{path} = {v:.4f}, baseline {b:.4f}: dropped {drop:.4f} > {cfg.max_drop:.4f}, "
                    + (
                        f"not significant (p = {p:.4f} >= {cfg.alpha})"
                        if ok
                        else f"significant (p = {p:.4f} < {cfg.alpha})"
                    ),
                    p,
                )
            )
        else:
            checks.append(
                check(
                    False,
                    True,
                    f"{path} = {v:.4f}, baseline {b:.4f}: dropped {drop:.4f} > tolerated {cfg.max_drop:.4f}",
                )
            )
    return checks
