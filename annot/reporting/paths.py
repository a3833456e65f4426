"""Metric paths: a value of report.json named by its path, such as ``entities.micro.strict.f1``.

Paths are what the gate's thresholds, `annot compare --metric` and the
side-by-side table name. Each path maps to the count key it is computed from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import AnnotError
from ..scoring.counts import METRICS, CountKey
from ..scoring.vocabulary import EVENT_LEVELS, SCHEMES
from .model import EntityScore, EventScore, MacroScore, Report

# The metrics of the side-by-side table (annot compare, the CI step summary), in their order.
SIDE_BY_SIDE = (
    "entities.micro.strict.f1",
    "entities.micro.partial.f1",
    "entities.micro.type.f1",
    "entities.macro.strict.f1",
    "events.micro.trigger_classification.f1",
    "events.micro.argument_classification.f1",
)

# (section, group) -> whether the path names a label / event type / role
GROUPS: dict[tuple[str, str], bool] = {
    ("entities", "micro"): False,
    ("entities", "macro"): False,
    ("entities", "per_label"): True,
    ("events", "micro"): False,
    ("events", "per_type"): True,
    ("events", "per_role"): True,
}

EXAMPLES = (
    "entities.micro.strict.f1, entities.per_label.PER.strict.recall, entities.macro.type.f1, "
    "events.micro.trigger_classification.f1, events.per_type.Movement.Deploy.argument_classification.f1, "
    "events.per_role.Agent.argument_classification.f1"
)


@dataclass(frozen=True)
class MetricPath:
    """A parsed metric path: section (entities/events), group, name (label, type, role or None), level, metric."""

    text: str
    section: str
    group: str
    name: str | None
    level: str
    metric: str

    @property
    def count_key(self) -> CountKey:
        """The per-document counts this metric is computed from (for macro: the per-label key of `name`)."""
        if self.section == "entities":
            return CountKey("entities", self.name, self.level)
        return CountKey("roles" if self.group == "per_role" else "events", self.name, self.level)

    @property
    def per_name(self) -> bool:
        return GROUPS[self.section, self.group]

    def with_name(self, name: str) -> MetricPath:
        """The same path for another label / type / role."""
        return parse_metric(f"{self.section}.{self.group}.{name}.{self.level}.{self.metric}")

    def score(self, report: Report) -> EntityScore | EventScore | MacroScore | None:
        """The record of report.json holding this metric (with its counts), or None if the report has none."""
        groups = {
            ("entities", "micro"): report.entities.micro,
            ("entities", "macro"): report.entities.macro,
            ("events", "micro"): report.events.micro,
        }
        if (self.section, self.group) in groups:
            return groups[self.section, self.group].get(self.level)  # type: ignore[attr-defined, no-any-return]
        named = {
            ("entities", "per_label"): report.entities.per_label,
            ("events", "per_type"): report.events.per_type,
            ("events", "per_role"): report.events.per_role,
        }[self.section, self.group]
        return named.get(self.name or "", {}).get(self.level)  # type: ignore[attr-defined]

    def value(self, report: Report) -> float | None:
        """The metric's value in `report` (None when undefined); an error when the report has no such entry."""
        record = self.score(report)
        if record is None:
            raise AnnotError(f"metric {self.text!r} is not in the report", "Check the label, event type or role name.")
        return getattr(record, self.metric)  # type: ignore[no-any-return]

    def support(self, report: Report) -> int | None:
        """Gold support of a per-label / per-type / per-role metric (None for micro and macro)."""
        record = self.score(report)
        if not self.per_name or record is None or isinstance(record, MacroScore):
            return None
        return record.support

    def names(self, report: Report) -> list[str]:
        """The labels / types / roles that `report` has in this path's group."""
        groups: dict[tuple[str, str], dict[str, Any]] = {
            ("entities", "per_label"): report.entities.per_label,
            ("events", "per_type"): report.events.per_type,
            ("events", "per_role"): report.events.per_role,
        }
        return sorted(groups.get((self.section, self.group), {}))


def parse_metric(path: str) -> MetricPath:
    """Parse a metric path; a clear error for anything else.

    >>> parse_metric("events.per_type.Movement.Deploy.trigger_classification.f1").name
    'Movement.Deploy'
    """
    parts = path.split(".")
    bad = AnnotError(f"metric {path!r} is not a report.json metric path", f"Use e.g. {EXAMPLES}.")
    if len(parts) < 4 or parts[-1] not in METRICS:
        raise bad
    section, group, level, metric = parts[0], parts[1], parts[-2], parts[-1]
    middle = ".".join(parts[2:-2]) or None
    levels = SCHEMES if section == "entities" else EVENT_LEVELS
    if level not in levels:
        raise bad
    needs_name = GROUPS.get((section, group))
    if needs_name is None or needs_name != (middle is not None):
        raise bad
    return MetricPath(path, section, group, middle, level, metric)


def expand(pattern: str, report: Report) -> list[str]:
    """A path with ``*`` for the name -> one path per label / type / role of `report`."""
    if "*" not in pattern:
        return [pattern]
    mp = parse_metric(pattern.replace("*", "X"))
    return [pattern.replace("*", name) for name in mp.names(report)]
