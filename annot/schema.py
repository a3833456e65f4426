"""The annotation schema (configs/schema.toml): entity types, event types, their roles and role fillers."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .documents import Document
from .errors import raise_if_problems

_ENTITY_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_EVENT_NAME = re.compile(r"^[A-Z][A-Za-z]*\.[A-Z][A-Za-z]*$")
_ROLE_NAME = re.compile(r"^[A-Z][A-Za-z]*$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

# Single keys that Label Studio 1.23's editor already binds (its keymap, web/dist/apps/labelstudio):
# u unselects a region, and the image tools take letters (case-insensitive). A label hotkey on one of
# them would do two things at once. tests/test_schema.py checks this list against the installed keymap.
LABEL_STUDIO_KEYS = frozenset("bekhmoprvuw[]")
MIN_CONTRAST = 3.0  # against white, so that a label's name in its colour stays readable (WCAG 2 large text)
# Two highlight colours at least this far apart (CIE76 colour difference in CIELAB, where about 2.3 is just
# noticeable side by side): labels must be told apart at a glance, alone in a text, not only side by side.
MIN_COLOR_DISTANCE = 20.0


def contrast_on_white(color: str) -> float:
    """WCAG 2 contrast ratio of `color` (#rrggbb) against white.

    >>> round(contrast_on_white("#000000"), 1), round(contrast_on_white("#ffffff"), 1)
    (21.0, 1.0)
    """

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(color[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def color_distance(a: str, b: str) -> float:
    """The CIE76 difference of two colours (#rrggbb): their Euclidean distance in CIELAB (D65 white).

    >>> round(color_distance("#000000", "#ffffff"), 1), color_distance("#1e7b34", "#1e7b34")
    (100.0, 0.0)
    """

    def lab(color: str) -> tuple[float, float, float]:
        def linear(c: float) -> float:
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (linear(int(color[i : i + 2], 16) / 255) for i in (1, 3, 5))
        x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
        y = 0.2126 * r + 0.7152 * g + 0.0722 * b
        z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

        def f(t: float) -> float:
            return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

        fx, fy, fz = f(x), f(y), f(z)
        return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)

    return math.dist(lab(a), lab(b))


@dataclass(frozen=True)
class EntityType:
    name: str
    description: str
    guideline: str
    color: str
    hotkey: str


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    guideline: str
    color: str
    hotkey: str
    roles: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Schema:
    """Entity and event types. `nested`: mentions may overlap, nest, and one span may carry several types (ACE,
    GENIA); otherwise they must be apart (the bundled corpus). `discontinuous`: a mention may have several
    fragments. Both are declared in the schema's `[mentions]` table (default: false)."""

    name: str
    version: str
    entities: dict[str, EntityType]
    events: dict[str, EventType]
    path: str = ""
    nested: bool = False
    discontinuous: bool = False

    @property
    def roles(self) -> list[str]:
        """Every role of every event type, sorted."""
        return sorted({r for ev in self.events.values() for r in ev.roles})

    @property
    def events_fill_roles(self) -> bool:
        """Whether an event may fill a role of another (nested events): some role lists an event type."""
        return any(f in self.events for ev in self.events.values() for fill in ev.roles.values() for f in fill)

    def role_problem(self, event_type: str, role: str, entity_label: str) -> str | None:
        """Why `entity_label` (an entity type, or for nested events an event type) cannot fill `role` of
        `event_type`, or None if it can."""
        ev = self.events.get(event_type)
        if ev is None:
            return f"unknown event type {event_type!r}"
        if role not in ev.roles:
            return f"role {role!r} is not a role of {event_type} (roles: {', '.join(ev.roles)})"
        if entity_label not in ev.roles[role]:
            return f"a {entity_label} cannot fill role {role!r} of {event_type} (allowed: {', '.join(ev.roles[role])})"
        return None

    def document_problems(self, doc: Any) -> list[tuple[str, str]]:
        """What of document `doc` the schema does not allow, as (mention or event id, why): entity labels and
        event types outside it, roles an event type does not have or that its filler's type cannot fill."""
        out: list[tuple[str, str]] = []
        labels = {e.id: e.label for e in doc.entities}
        types = {ev.id: ev.type for ev in doc.events}
        for e in doc.entities:
            if e.label not in self.entities:
                out.append((e.id, f"{e.label!r} is not an entity type of schema {self.name}"))
        for ev in doc.events:
            if ev.type not in self.events:
                out.append((ev.id, f"{ev.type!r} is not an event type of schema {self.name}"))
                continue
            for a in ev.arguments:
                filler = types.get(a.event, "?") if a.event else labels.get(a.entity, "?")
                bad = self.role_problem(ev.type, a.role, filler)
                if bad:
                    out.append((ev.id, bad))
        return out


def _str(table: dict[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: '{key}' must be a non-empty string")
        return ""
    return value


def load_schema(path: Path) -> Schema:
    """Read and check a schema file; every problem is reported at once."""
    from .files import read_toml

    path = Path(path)
    data = read_toml(path, "schema file", "Pass --schema PATH or run from the project root (configs/schema.toml).")
    return schema_from_dict(data, str(path))


def schema_from_dict(data: dict[str, Any], where: str = "schema") -> Schema:
    problems: list[str] = []
    name = _str(data, "name", where, problems)
    version = _str(data, "version", where, problems)
    hotkeys: dict[str, str] = {}
    colors: dict[str, str] = {}

    def common(table: Any, kind: str, tname: str) -> tuple[str, str, str, str] | None:
        w = f"{where}: {kind}.{tname}"
        if not isinstance(table, dict):
            problems.append(f"{w}: must be a table")
            return None
        desc = _str(table, "description", w, problems)
        guide = _str(table, "guideline", w, problems)
        color = _str(table, "color", w, problems)
        hotkey = _str(table, "hotkey", w, problems)
        if color and not _COLOR.match(color):
            problems.append(f"{w}: color {color!r} must look like '#a1b2c3'")
        elif color.lower() in colors:
            problems.append(f"{w}: color {color} is already used by {colors[color.lower()]}")
        elif color and contrast_on_white(color) < MIN_CONTRAST:
            problems.append(
                f"{w}: color {color} has a contrast of {contrast_on_white(color):.2f}:1 against white; "
                f"at least {MIN_CONTRAST:g}:1 keeps the label's name readable (take a darker shade)"
            )
        else:
            for other, other_name in colors.items():
                if _COLOR.match(other) and (d := color_distance(color, other)) < MIN_COLOR_DISTANCE:
                    problems.append(
                        f"{w}: color {color} is hard to tell from {other} ({other_name}): a difference of {d:.1f}, "
                        f"at least {MIN_COLOR_DISTANCE:g} (CIE76) keeps them apart; take another hue"
                    )
        colors[color.lower()] = tname
        key = hotkey.lower()
        if hotkey and len(hotkey) != 1:
            problems.append(f"{w}: hotkey {hotkey!r} must be one character")
        elif key in hotkeys:
            problems.append(f"{w}: hotkey {hotkey!r} is already used by {hotkeys[key]}")
        elif key in LABEL_STUDIO_KEYS:
            problems.append(
                f"{w}: hotkey {hotkey!r} is one of Label Studio's own keys "
                f"({', '.join(sorted(LABEL_STUDIO_KEYS))}); choose another"
            )
        hotkeys[key] = tname
        return desc, guide, color, hotkey

    entities: dict[str, EntityType] = {}
    raw_ents = data.get("entities")
    if not isinstance(raw_ents, dict) or not raw_ents:
        problems.append(f"{where}: [entities] must define at least one entity type")
        raw_ents = {}
    for tname, table in raw_ents.items():
        if not _ENTITY_NAME.match(tname):
            problems.append(f"{where}: entity type {tname!r} must be upper case letters, digits, '_' (like 'PER')")
        c = common(table, "entities", tname)
        if c:
            entities[tname] = EntityType(tname, *c)

    events: dict[str, EventType] = {}
    raw_evs = data.get("events", {})
    if not isinstance(raw_evs, dict):
        problems.append(f"{where}: [events] must be a table")
        raw_evs = {}
    for tname, table in raw_evs.items():
        if not _EVENT_NAME.match(tname):
            problems.append(f"{where}: event type {tname!r} must look like 'Movement.Deploy'")
        if tname in raw_ents:
            problems.append(f"{where}: {tname!r} is both an entity type and an event type")
        c = common(table, "events", tname)
        if not c:
            continue
        raw_roles = table.get("roles")
        roles: dict[str, tuple[str, ...]] = {}
        if not isinstance(raw_roles, dict) or not raw_roles:
            problems.append(f"{where}: events.{tname}: 'roles' must map each role to a list of entity types")
            raw_roles = {}
        for role, allowed in raw_roles.items():
            w = f"{where}: events.{tname}.roles.{role}"
            if not _ROLE_NAME.match(role):
                problems.append(f"{w}: role names are capitalised words, like 'Agent'")
            if not isinstance(allowed, list) or not allowed:
                problems.append(f"{w}: must be a non-empty list of entity types")
                continue
            for label in allowed:
                if label not in raw_ents and label not in raw_evs:
                    problems.append(
                        f"{w}: {label!r} is not an entity type of this schema (nor an event type, for nested events)"
                    )
            roles[role] = tuple(allowed)
        events[tname] = EventType(tname, *c, roles=roles)

    nested = discontinuous = False
    mentions = data.get("mentions", {})
    if not isinstance(mentions, dict):
        problems.append(f"{where}: [mentions] must be a table (nested, discontinuous)")
        mentions = {}
    for key in mentions:
        if key not in ("nested", "discontinuous"):
            problems.append(f"{where}: mentions.{key}: unknown key (known: nested, discontinuous)")
    for key in ("nested", "discontinuous"):
        value = mentions.get(key, False)
        if not isinstance(value, bool):
            problems.append(f"{where}: mentions.{key} must be true or false, got {value!r}")
    nested = mentions.get("nested") is True
    discontinuous = mentions.get("discontinuous") is True

    raise_if_problems(problems, f"{where}: invalid schema", "Fix the entries named above in the schema file.")
    return Schema(name, version, entities, events, where, nested, discontinuous)


def data_schema(*corpora: Iterable[Document]) -> Schema:
    """A schema with the labels, event types and roles found in the documents (no role constraints)."""
    labels: set[str] = set()
    roles: dict[str, set[str]] = {}
    for docs in corpora:
        for d in docs:
            labels.update(e.label for e in d.entities)
            for ev in d.events:
                roles.setdefault(ev.type, set()).update(a.role for a in ev.arguments)
    return schema_from_names(labels, roles)


def schema_from_names(labels: Iterable[str], roles: dict[str, set[str]]) -> Schema:
    """A schema of these entity labels and event types with their roles (any label, or event type, may fill any
    role). Declaring nothing, it takes the data as it is: mentions may nest and be discontinuous."""
    labels = sorted(labels)
    fillers = tuple(labels) + tuple(sorted(roles))
    entities = {lab: EntityType(lab, "", "", "", "") for lab in labels}
    events = {t: EventType(t, "", "", "", "", {r: fillers for r in sorted(rs)}) for t, rs in sorted(roles.items())}
    return Schema("(labels from the data)", "", entities, events, "", nested=True, discontinuous=True)


def mention_problems(doc: Document, schema: Schema) -> list[tuple[str, str]]:
    """(entity id, why) for each mention of `doc` that the schema's `[mentions]` declaration does not allow:
    fragments when mentions are not discontinuous, overlaps when they are not nested.

    >>> from .documents import Entity
    >>> flat = Schema("s", "1", {}, {})
    >>> mention_problems(Document("d", "New York", (Entity(0, 8, "GPE", "T1"), Entity(4, 8, "GPE", "T2"))), flat)
    [('T2', "overlaps T1 ('New York' at 0-8): schema s declares mentions flat ([mentions] nested = false)")]
    """
    out: list[tuple[str, str]] = []
    if not schema.discontinuous:
        out += [
            (e.id, f"has {len(e.fragments)} fragments: schema {schema.name} declares no discontinuous mentions "
             "([mentions] discontinuous = false)")
            for e in doc.entities
            if e.fragments
        ]  # fmt: skip
    if not schema.nested:
        ordered = sorted(doc.entities, key=lambda m: (m.start, m.end, m.label, m.id))
        last = None
        for e in ordered:
            if last is not None and e.start < last.end:
                out.append(
                    (
                        e.id,
                        f"overlaps {last.id} ({doc.text[last.start : last.end]!r} at {last.start}-{last.end}): schema "
                        f"{schema.name} declares mentions flat ([mentions] nested = false)",
                    )
                )
            if last is None or e.end > last.end:
                last = e
    return out
