"""A rule-based event extractor: a spaCy pipeline component driven by rules kept as data.

The rules (``configs/event_extractor.toml``, commented for the people who edit
it) list, per event type of the schema, trigger words and phrases and, per
role, dependency paths from the trigger to the head of an argument. Everything
event-type specific lives there; this module interprets it generically. The
component runs after the parser and the NER of a pipeline:

0. **Entity boundaries.** Optionally (``[entities]``), leading words such as
   "the" and trailing ones such as a possessive "’s" (and white space) are cut
   from ``doc.ents`` and a preposition that the guideline keeps in a date
   ("[since 2023]") is added, so that the spans follow the guideline.
   Arguments are always spans of ``doc.ents``.
1. **Triggers**, per sentence, cut again at line breaks (a headline or a
   dateline is not part of the next sentence; :func:`add_event_extractor`
   also puts a component before the parser that starts a sentence after each
   line break, so that the parse does not join them either). Multi-word phrases are matched
   first (longest first), then single tokens. A rule word matches a token when
   it equals the token's lowercase lemma or lowercase text; ``"word/POS"`` also
   requires the token's coarse part of speech. Each token belongs to at most
   one trigger, which has one event type. A phrase's *head* is its syntactic
   root; a single-word trigger is its own head.
2. **Paths.** For every entity of the sentence that does not overlap the
   trigger, the dependency path from the trigger's head to the entity's head
   (its root token; for "[since 2023]" the object of the preposition) is read
   off the parse: up from the trigger to the lowest common ancestor, then down.
   It is written as steps: ``^dep`` leaves a token whose relation to its head is
   ``dep``; ``dep`` goes down to a child attached by ``dep``. A step may require
   the lemma of the token it reaches (``prep:to|into pobj``: a child "to" or
   "into" attached as ``prep``, then its ``pobj``), ``*`` matches any relation,
   and a leading ``@lemma|lemma`` limits a pattern to triggers with that lemma.
   Paths longer than ``settings.max_hops`` are not considered.
3. **Roles.** The path is compared with the patterns of each role of the event
   type, in the order of the rules file (the event type's own patterns first,
   then the shared ``[roles]`` patterns of the roles it has); the first role
   with a pattern equal to the path wins. The path without its trailing
   ``settings.follow`` steps (``conj``, ``appos``) is tried too, so that in "NATO
   and the EU deployed" both are Agents. An entity fills a role only if its NER
   label, mapped through the label map, is allowed for the role by the schema;
   entities whose label the map ignores are never arguments. A role listed in
   ``settings.single`` keeps only the entities matched by its earliest pattern;
   of entities in apposition ("the Alliance Fleuve Congo (AFC)") only the one
   closest to the trigger is kept (the guideline's "closest mention").
4. **Filters.** A trigger is dropped when an ``exclude`` path leads from it to
   any token ("the [listed] vessels"), when a ``require`` condition holds and
   none of its roles is filled ("farmers [reach] their fields": no
   Destination) and none of its ``paths`` leads anywhere ("[halt] the
   fighting" but not "the work [halted]"), or when a ``merge`` path leads to another trigger of the same
   type, whose mention it is part of ("[said] in a statement").

:func:`compile_rules` validates the rules against the schema and the label map
(every problem at once, naming the file and the key) and turns them into plain
data (lists, strings and numbers, no dotted keys): the component's spaCy
config. So the pipeline pickles for ``nlp.pipe(n_process=...)`` and its config
can be written and read back. The events are stored in ``doc._.annot_events``;
:func:`doc_events` reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ..errors import AnnotError, raise_if_problems
from ..schema import Schema
from .labelmap import LabelMap

FACTORY = "annot_event_extractor"
LINE_BREAKS = "annot_line_breaks"
EXTENSION = "annot_events"

if not Doc.has_extension(EXTENSION):
    Doc.set_extension(EXTENSION, default=None)

EventTuple = tuple[str, int, int, list[tuple[str, int, int]]]

# Dependency labels of spaCy's English pipelines (ClearNLP style); a pipeline's own parser labels are added.
DEP_LABELS = frozenset(
    "ROOT acl acomp advcl advmod agent amod appos attr aux auxpass case cc ccomp compound conj csubj csubjpass "  # noqa: SIM905
    "dative dep det dobj expl intj mark meta neg nmod npadvmod nsubj nsubjpass nummod oprd parataxis pcomp pobj "
    "poss preconj predet prep prt punct quantmod relcl xcomp".split()
)
# Universal parts of speech (Token.pos_).
POS_TAGS = frozenset("ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART PRON PROPN PUNCT SCONJ SYM VERB X SPACE".split())  # noqa: SIM905
_STEP = re.compile(r"^(\^?)([A-Za-z]+|\*)(?::([^\s:]+))?$")
_TRIGGER_WORDS = re.compile(r"^@[^\s|@]+(\|[^\s|@]+)*$")
_SETTINGS: dict[str, Any] = {"max_hops": 4, "follow": ["conj", "appos"], "single": []}
_EVENT_KEYS = {"triggers", "phrases", "roles", "exclude", "merge", "require"}


class Step(NamedTuple):
    """One step of a dependency path: up to the head or down to a child, by relation, optionally to given lemmas."""

    up: bool
    dep: str
    lemmas: frozenset[str] = frozenset()

    def matches(self, other: Step) -> bool:
        """Whether a concrete step `other` (with the lemma it reaches) satisfies this pattern step."""
        return (
            self.up == other.up
            and self.dep in ("*", other.dep)
            and (not self.lemmas or not self.lemmas.isdisjoint(other.lemmas))
        )


class Pattern(NamedTuple):
    """A path pattern: the trigger lemmas it is limited to (empty: any trigger) and its steps."""

    triggers: frozenset[str]
    steps: tuple[Step, ...]

    def matches(self, trigger: frozenset[str], path: tuple[Step, ...]) -> bool:
        """Whether the concrete `path` from a trigger with words `trigger` fits this pattern."""
        return (
            (not self.triggers or not self.triggers.isdisjoint(trigger))
            and len(self.steps) == len(path)
            and all(p.matches(s) for p, s in zip(self.steps, path))
        )


def parse_path(text: str) -> Pattern:
    """The pattern of a path such as ``"@send ^xcomp prep:to|into pobj"`` (labels are not validated here)."""
    parts = text.split()
    triggers: frozenset[str] = frozenset()
    if parts and parts[0].startswith("@"):
        triggers = frozenset(w.lower() for w in parts[0][1:].split("|") if w)
        parts = parts[1:]
    steps = []
    for part in parts:
        m = _STEP.match(part)
        if not m:
            raise ValueError(f"bad step {part!r}")
        lemmas = frozenset(w.lower() for w in m.group(3).split("|")) if m.group(3) else frozenset()
        steps.append(Step(bool(m.group(1)), m.group(2), lemmas))
    return Pattern(triggers, tuple(steps))


def _words(token: Token) -> frozenset[str]:
    """The forms a rule word is compared with: lowercase lemma and lowercase text."""
    return frozenset((token.lemma_.lower(), token.lower_))


def dependency_path(source: Token, target: Token, max_hops: int) -> tuple[Step, ...] | None:
    """The path from `source` up to the lowest common ancestor and down to `target`; None if none within `max_hops`."""
    up_chain = [source]
    while up_chain[-1].head.i != up_chain[-1].i and len(up_chain) <= max_hops:
        up_chain.append(up_chain[-1].head)
    position = {t.i: n for n, t in enumerate(up_chain)}
    down: list[Token] = []
    node = target
    while node.i not in position:
        down.append(node)
        if node.head.i == node.i or len(down) > max_hops:
            return None
        node = node.head
    n_up = position[node.i]
    if n_up + len(down) > max_hops:
        return None
    steps = [Step(True, up_chain[k].dep_, _words(up_chain[k + 1])) for k in range(n_up)]
    steps += [Step(False, t.dep_, _words(t)) for t in reversed(down)]
    return tuple(steps)


# ------------------------------------------------------------------ rules


class _Checker:
    """Validates one rules file, collecting every problem with the file and the key it concerns."""

    def __init__(self, where: str, schema: Schema, label_map: LabelMap, dep_labels: Iterable[str]) -> None:
        self.where = where
        self.schema = schema
        self.label_map = label_map
        self.deps = DEP_LABELS | set(dep_labels)
        self.problems: list[str] = []

    def problem(self, key: str, message: str) -> None:
        """Record a problem at `key`."""
        self.problems.append(f"{self.where}: {key}: {message}")

    def dep(self, dep: Any, key: str, path: str = "") -> bool:
        """Whether `dep` (a step of `path`, if given) is a dependency label of the pipeline or '*'."""
        if not isinstance(dep, str):
            self.problem(key, f"a dependency label must be a string, got {type(dep).__name__} {dep!r}")
            return False
        if dep != "*" and dep not in self.deps:
            inside = f" in {path!r}" if path else ""
            self.problem(key, f"unknown dependency label {dep!r}{inside} (labels: {', '.join(sorted(self.deps))})")
            return False
        return True

    def paths(self, value: Any, key: str, stepless: bool = False) -> list[str]:
        """The valid path patterns of a list; `stepless` admits a bare trigger condition ("@reach")."""
        if not isinstance(value, list):
            self.problem(key, "must be a list of dependency paths (strings like 'prep:to pobj')")
            return []
        ok: list[str] = []
        for i, path in enumerate(value):
            ki = f"{key}[{i}]"
            if not isinstance(path, str) or not path.split():
                self.problem(
                    ki,
                    f"a dependency path is a non-empty string like 'prep:to pobj', got {type(path).__name__} {path!r}",
                )
                continue
            n_before = len(self.problems)
            parts = path.split()
            if parts[0].startswith("@"):
                if not _TRIGGER_WORDS.match(parts[0]):
                    self.problem(ki, f"bad trigger condition {parts[0]!r} in {path!r} (write '@word|word')")
                parts = parts[1:]
                if not parts and not stepless:
                    self.problem(ki, f"{path!r} has a trigger condition but no steps")
            for part in parts:
                m = _STEP.match(part)
                if not m:
                    self.problem(ki, f"bad step {part!r} in {path!r} (a step is 'dep', '^dep' or 'dep:lemma|lemma')")
                else:
                    self.dep(m.group(2), ki, path)
            if len(self.problems) == n_before:
                ok.append(" ".join(path.split()))
        return ok

    def roles(self, value: Any, key: str) -> list[str]:
        """The roles of a list that the schema knows."""
        if not isinstance(value, list):
            self.problem(key, "must be a list of roles")
            return []
        ok = []
        for i, role in enumerate(value):
            if role in self.schema.roles:
                ok.append(role)
            else:
                self.problem(f"{key}[{i}]", f"unknown role {role!r} ({self._roles_hint()})")
        return ok

    def words(self, value: Any, key: str) -> list[str] | None:
        """A list of single words, lowercased; None if it is not one."""
        if not isinstance(value, list) or not all(isinstance(w, str) and len(w.split()) == 1 for w in value):
            self.problem(key, f"must be a list of single words, got {value!r}")
            return None
        return [w.lower() for w in value]

    def _roles_hint(self) -> str:
        """The schema's roles, for messages."""
        return f"roles of schema {self.schema.name}: {', '.join(self.schema.roles)}"

    def settings(self, table: Any) -> dict[str, Any]:
        """The [settings] table, with defaults."""
        out: dict[str, Any] = {"max_hops": _SETTINGS["max_hops"], "follow": list(_SETTINGS["follow"]), "single": []}
        if not isinstance(table, dict):
            self.problem("settings", "must be a table")
            return out
        for key, value in table.items():
            if key == "max_hops":
                if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
                    self.problem("settings.max_hops", f"must be an integer from 1 to 12, got {value!r}")
                else:
                    out["max_hops"] = value
            elif key == "follow":
                if not isinstance(value, list) or "*" in value:
                    self.problem("settings.follow", f"must be a list of dependency labels (no '*'), got {value!r}")
                elif all([self.dep(d, f"settings.follow[{i}]") for i, d in enumerate(value)]):
                    out["follow"] = list(value)
            elif key == "single":
                out["single"] = self.roles(value, "settings.single")
            else:
                self.problem(f"settings.{key}", "unknown setting (expected max_hops, follow, single)")
        return out

    def entities(self, table: Any) -> dict[str, Any]:
        """The [entities] table: boundary fixes."""
        out: dict[str, Any] = {"strip_left": [], "strip_right": [], "extend_left": []}
        if not isinstance(table, dict):
            self.problem("entities", "must be a table")
            return out
        known = set(self.label_map.mapping) | set(self.label_map.ignore)
        for key, value in table.items():
            if key in ("strip_left", "strip_right"):
                out[key] = self.words(value, f"entities.{key}") or []
            elif key == "extend_left" and isinstance(value, dict):
                for label, words in value.items():
                    k = f"entities.extend_left.{label}"
                    if label not in known:
                        self.problem(
                            k,
                            f"{label!r} is not a label of the label map {self.label_map.path} "
                            f"(labels: {', '.join(sorted(known))})",
                        )
                    elif (checked := self.words(words, k)) is not None:
                        out["extend_left"].append([label, checked])
            elif key == "extend_left":
                self.problem("entities.extend_left", "must be a table of NER label = [words]")
            else:
                self.problem(f"entities.{key}", "unknown key (expected strip_left, strip_right, extend_left)")
        return out

    def shared_roles(self, table: Any) -> dict[str, list[str]]:
        """The [roles] table: patterns of a role for every event type that has it."""
        if not isinstance(table, dict):
            self.problem("roles", "must be a table of role = [paths]")
            return {}
        out = {}
        for role, paths in table.items():
            if role not in self.schema.roles:
                self.problem(f"roles.{role}", f"unknown role {role!r} ({self._roles_hint()})")
            out[role] = self.paths(paths, f"roles.{role}")
        return out

    def triggers(self, value: Any, key: str, etype: str, seen: dict[str, list[tuple[str, str]]]) -> list[str]:
        """Trigger words "lemma" or "lemma/POS"; a word may trigger one event type per part of speech."""
        if not isinstance(value, list):
            self.problem(key, "must be a list of words ('deploy' or 'strike/NOUN')")
            return []
        out = []
        for i, word in enumerate(value):
            ki = f"{key}[{i}]"
            if not isinstance(word, str) or len(word.split()) != 1:
                self.problem(ki, f"a trigger is one word, optionally with '/POS' ('strike/NOUN'), got {word!r}")
                continue
            lemma, _, pos = word.lower().partition("/")
            pos = pos.upper()
            if not lemma or (pos and pos not in POS_TAGS):
                self.problem(ki, f"{word!r}: unknown part of speech {pos!r} (one of {', '.join(sorted(POS_TAGS))})")
                continue
            for other_pos, other in seen.get(lemma, []):
                if not other_pos or not pos or other_pos == pos:
                    self.problem(ki, f"{word!r} is also a trigger of {other}; give each a different '/POS'")
            seen.setdefault(lemma, []).append((pos, etype))
            out.append(f"{lemma}/{pos}" if pos else lemma)
        return out

    def phrases(self, value: Any, key: str) -> list[str]:
        """Trigger phrases of two or more words, lowercased."""
        if not isinstance(value, list):
            self.problem(key, "must be a list of phrases of two or more words")
            return []
        out = []
        for i, phrase in enumerate(value):
            if isinstance(phrase, str) and len(phrase.split()) >= 2:
                out.append(" ".join(phrase.lower().split()))
            else:
                self.problem(f"{key}[{i}]", f"a phrase has two or more words, got {phrase!r}")
        return out

    def require(self, value: Any, key: str, etype: str) -> list[dict[str, list[str]]]:
        """The [[require]] tables of an event type: `when` paths, and `roles` of that type and/or `paths`."""
        if not isinstance(value, list):
            self.problem(key, f'must be an array of tables ([[events."{etype}".require]])')
            return []
        ev_roles = self.schema.events[etype].roles
        out = []
        for i, req in enumerate(value):
            ki = f"{key}[{i}]"
            if not isinstance(req, dict):
                self.problem(ki, "must be a table with 'when' and 'roles' or 'paths'")
                continue
            for k in req:
                if k not in ("when", "roles", "paths"):
                    self.problem(f"{ki}.{k}", "unknown key (expected when, roles, paths)")
            when = self.paths(req.get("when"), f"{ki}.when", stepless=True)
            paths = self.paths(req["paths"], f"{ki}.paths") if "paths" in req else []
            roles = req.get("roles", [] if "paths" in req else None)
            if not isinstance(roles, list) or not (roles or "paths" in req):
                self.problem(f"{ki}.roles", f"must be a non-empty list of roles of {etype} (or give 'paths')")
                roles = []
            for j, role in enumerate(roles):
                if role not in ev_roles:
                    self.problem(
                        f"{ki}.roles[{j}]", f"{role!r} is not a role of {etype} (roles: {', '.join(ev_roles)})"
                    )
            out.append({"when": when, "roles": [str(r) for r in roles], "paths": paths})
        return out

    def event(
        self, etype: str, table: Any, shared: dict[str, list[str]], seen: dict[str, list[tuple[str, str]]]
    ) -> dict[str, Any] | None:
        """One [events."Type"] table as the component's plain data."""
        key = f'events."{etype}"'
        if etype not in self.schema.events:
            self.problem(
                key,
                f"unknown event type {etype!r} (event types of schema {self.schema.name}: "
                f"{', '.join(self.schema.events)})",
            )
            return None
        if not isinstance(table, dict):
            self.problem(key, "must be a table")
            return None
        for k in table:
            if k not in _EVENT_KEYS:
                self.problem(f"{key}.{k}", f"unknown key (expected {', '.join(sorted(_EVENT_KEYS))})")
        triggers = self.triggers(table.get("triggers", []), f"{key}.triggers", etype, seen)
        phrases = self.phrases(table.get("phrases", []), f"{key}.phrases")
        if not triggers and not phrases:
            self.problem(key, "needs at least one of 'triggers', 'phrases'")
        ev_roles = self.schema.events[etype].roles
        own: dict[str, list[str]] = {}
        raw_roles = table.get("roles", {})
        if not isinstance(raw_roles, dict):
            self.problem(f"{key}.roles", "must be a table of role = [paths]")
            raw_roles = {}
        for role, paths in raw_roles.items():
            kr = f"{key}.roles.{role}"
            if role not in self.schema.roles:
                self.problem(kr, f"unknown role {role!r} ({self._roles_hint()})")
            elif role not in ev_roles:
                self.problem(kr, f"{role!r} is not a role of {etype} (roles: {', '.join(ev_roles)})")
            own[role] = self.paths(paths, kr)
        roles = []
        for role in [*own, *(r for r in shared if r not in own)]:
            if role not in ev_roles:
                continue
            labels = sorted(src for src, dst in self.label_map.mapping.items() if dst in ev_roles[role])
            paths = own.get(role, []) + [p for p in shared.get(role, []) if p not in own.get(role, [])]
            if labels and paths:
                roles.append({"role": role, "labels": labels, "paths": paths})
        return {
            "type": etype,
            "triggers": triggers,
            "phrases": phrases,
            "roles": roles,
            "exclude": self.paths(table.get("exclude", []), f"{key}.exclude"),
            "merge": self.paths(table.get("merge", []), f"{key}.merge"),
            "require": self.require(table.get("require", []), f"{key}.require", etype),
        }


def compile_rules(
    data: Mapping[str, Any],
    schema: Schema,
    label_map: LabelMap,
    where: str = "rules",
    dep_labels: Iterable[str] = (),
) -> dict[str, Any]:
    """Check rules read from TOML against schema and label map (all problems at once); the component's plain config."""
    check = _Checker(where, schema, label_map, dep_labels)
    for key in data:
        if key not in ("settings", "entities", "roles", "events"):
            check.problem(key, "unknown top-level key (expected settings, entities, roles, events)")
    out = {**check.settings(data.get("settings", {})), **check.entities(data.get("entities", {}))}
    shared = check.shared_roles(data.get("roles", {}))
    raw_events = data.get("events", {})
    if not isinstance(raw_events, dict) or not raw_events:
        check.problem("events", 'must be a table with one [events."Type"] table per event type')
        raw_events = {}
    seen: dict[str, list[tuple[str, str]]] = {}
    events = [check.event(etype, table, shared, seen) for etype, table in raw_events.items()]
    raise_if_problems(
        check.problems,
        f"{where}: invalid event extractor rules",
        "Fix the keys named above; the comments at the top of the rules file describe its format.",
    )
    return {**out, "events": [e for e in events if e is not None]}


def read_rules(path: Path) -> dict[str, Any]:
    """The rules file as TOML data, not yet checked (:func:`compile_rules` checks it against a pipeline)."""
    from ..files import read_toml

    return read_toml(Path(path), "event extractor rules", "Check the path (default: configs/event_extractor.toml).")


# ------------------------------------------------------------- component


@dataclass(frozen=True)
class _Role:
    """A role of an event type: the NER labels that may fill it and its path patterns, in order."""

    name: str
    labels: frozenset[str]
    paths: tuple[Pattern, ...]


@dataclass(frozen=True)
class _EventRule:
    """The compiled rules of one event type."""

    type: str
    roles: tuple[_Role, ...]
    exclude: tuple[Pattern, ...]
    merge: tuple[Pattern, ...]
    require: tuple[tuple[tuple[Pattern, ...], frozenset[str], tuple[Pattern, ...]], ...]


@dataclass
class _Mention:
    """A trigger found in a sentence, with its event type and arguments."""

    type: str
    span: Span
    args: list[tuple[str, Span]]


class EventExtractor:
    """The pipeline component: finds triggers and their arguments, stores them in ``doc._.annot_events``."""

    def __init__(self, rules: dict[str, Any]) -> None:
        self.max_hops = int(rules.get("max_hops", _SETTINGS["max_hops"]))
        self.follow = frozenset(rules.get("follow", _SETTINGS["follow"]))
        self.single = frozenset(rules.get("single", _SETTINGS["single"]))
        self.strip_left = frozenset(rules.get("strip_left", []))
        self.strip_right = frozenset(rules.get("strip_right", []))
        self.extend_left = {label: frozenset(words) for label, words in rules.get("extend_left", [])}
        self.events: dict[str, _EventRule] = {}
        self.words: dict[str, list[tuple[str | None, str]]] = {}
        phrases: list[tuple[tuple[str, ...], str]] = []
        for ev in rules.get("events", []):
            etype = ev["type"]
            self.events[etype] = _EventRule(
                etype,
                tuple(
                    _Role(r["role"], frozenset(r["labels"]), tuple(parse_path(p) for p in r["paths"]))
                    for r in ev["roles"]
                ),
                tuple(parse_path(p) for p in ev.get("exclude", [])),
                tuple(parse_path(p) for p in ev.get("merge", [])),
                tuple(
                    (
                        tuple(parse_path(p) for p in q["when"]),
                        frozenset(q["roles"]),
                        tuple(parse_path(p) for p in q.get("paths", [])),
                    )
                    for q in ev.get("require", [])
                ),
            )
            for word in ev["triggers"]:
                lemma, _, pos = word.partition("/")
                self.words.setdefault(lemma, []).append((pos or None, etype))
            phrases += [(tuple(p.split()), etype) for p in ev["phrases"]]
        self.phrases = sorted(phrases, key=lambda p: -len(p[0]))

    def __call__(self, doc: Doc) -> Doc:
        """Annotate `doc` with its events."""
        if self.strip_left or self.strip_right or self.extend_left:
            doc.ents = [self._fixed(e) for e in doc.ents]
        found: list[list[Any]] = []
        for sent in _segments(doc):
            ents = [e for e in doc.ents if sent.start <= e.start and e.end <= sent.end]
            mentions = []
            for etype, start, end in self._triggers(sent):
                rule = self.events[etype]
                mention = _Mention(etype, doc[start:end], self._arguments(doc[start:end], rule, ents))
                if self._kept(mention, rule, sent):
                    mentions.append(mention)
            for m in self._merged(mentions):
                args = [[role, ent.start_char, ent.end_char] for role, ent in m.args]
                found.append([m.type, m.span.start_char, m.span.end_char, args])
        doc._.set(EXTENSION, found)
        return doc

    def _fixed(self, ent: Span) -> Span:
        """`ent` without leading `strip_left` words (but "in The Hague"), trailing `strip_right` words ("Norway’s")
        and white space ("Vilnius\\n\\n" at the end of a headline), and with a preceding `extend_left` word."""
        doc, start, end = ent.doc, ent.start, ent.end
        while start < end - 1 and (tok := doc[start]).lower_ in self.strip_left:
            if tok.text != tok.lower_ and not tok.is_sent_start:
                break
            start += 1
        while end - 1 > start and (doc[end - 1].is_space or doc[end - 1].lower_ in self.strip_right):
            end -= 1
        words = self.extend_left.get(ent.label_)
        if (
            start == ent.start
            and words
            and start > 0
            and doc[start - 1].lower_ in words
            and not doc[start - 1].ent_type
        ):
            start -= 1
        return ent if (start, end) == (ent.start, ent.end) else Span(doc, start, end, label=ent.label)

    def _triggers(self, sent: Span) -> list[tuple[str, int, int]]:
        """(event type, start token, end token) of the triggers of one sentence."""
        taken: set[int] = set()
        out: list[tuple[str, int, int]] = []
        tokens = list(sent)
        for k in range(len(tokens)):
            for words, etype in self.phrases:
                span = tokens[k : k + len(words)]
                if len(span) == len(words) and all(w in _words(t) for w, t in zip(words, span)):
                    if not any(t.i in taken for t in span):
                        out.append((etype, span[0].i, span[-1].i + 1))
                        taken.update(t.i for t in span)
                    break
        for tok in tokens:
            if tok.i in taken:
                continue
            for word in (tok.lemma_.lower(), tok.lower_):
                typed = next((e for pos, e in self.words.get(word, []) if pos is None or pos == tok.pos_), None)
                if typed:
                    out.append((typed, tok.i, tok.i + 1))
                    break
        return sorted(out, key=lambda t: t[1])

    def _reaches(self, trigger: Span, patterns: Iterable[Pattern], targets: Iterable[Token]) -> bool:
        """Whether one of `patterns` leads from the trigger's head to one of `targets`."""
        head = trigger.root
        words = _words(head)
        for target in targets:
            path = dependency_path(head, target, self.max_hops)
            if path is not None and any(p.matches(words, path) for p in patterns):
                return True
        return False

    def _kept(self, mention: _Mention, rule: _EventRule, sent: Span) -> bool:
        """False when an `exclude` path leads anywhere, or a `require` condition holds and neither is a required
        role filled nor does a required path lead anywhere."""
        if rule.exclude and self._reaches(mention.span, rule.exclude, sent):
            return False
        filled = {role for role, _ in mention.args}
        for when, roles, paths in rule.require:
            if (
                filled.isdisjoint(roles)
                and self._reaches(mention.span, when, sent)
                and not (paths and self._reaches(mention.span, paths, sent))
            ):
                return False
        return True

    def _merged(self, mentions: list[_Mention]) -> list[_Mention]:
        """The mentions left when those with a `merge` path to another trigger of the same type are dropped."""
        out = []
        for m in mentions:
            rule = self.events[m.type]
            others = [o.span.root for o in mentions if o is not m and o.type == m.type]
            if not (rule.merge and others and self._reaches(m.span, rule.merge, others)):
                out.append(m)
        return out

    def _arguments(self, trigger: Span, rule: _EventRule, ents: list[Span]) -> list[tuple[str, Span]]:
        """(role, entity) of the entities filling the trigger's roles, after the `single` and closest-appositive rules."""
        head = trigger.root
        words = _words(head)
        found: list[tuple[str, int, Span]] = []
        for ent in ents:
            if ent.start < trigger.end and trigger.start < ent.end:
                continue
            path = dependency_path(head, _entity_head(ent), self.max_hops)
            if path is None:
                continue
            variants = [path]
            while variants[-1] and not variants[-1][-1].up and variants[-1][-1].dep in self.follow:
                variants.append(variants[-1][:-1])
            match = _match_role(rule, ent.label_, words, variants)
            if match:
                found.append((match[0], match[1], ent))
        best = {role: min(k for r, k, _ in found if r == role) for role, _, _ in found if role in self.single}
        kept = [(role, ent) for role, k, ent in found if best.get(role, k) == k]
        closest: dict[tuple[str, int], tuple[int, Span]] = {}
        for role, ent in kept:
            anchor = _entity_head(ent)
            while anchor.dep_ == "appos" and anchor.head.i != anchor.i:
                anchor = anchor.head
            distance = max(trigger.start - ent.end, ent.start - trigger.end)
            key = (role, anchor.i)
            if key not in closest or distance < closest[key][0]:
                closest[key] = (distance, ent)
        return sorted(((role, ent) for (role, _), (_, ent) in closest.items()), key=lambda a: (a[1].start, a[0]))


def _match_role(
    rule: _EventRule, label: str, trigger: frozenset[str], variants: list[tuple[Step, ...]]
) -> tuple[str, int] | None:
    """The first role of `rule` allowing `label` with a pattern that fits a path variant, and that pattern's index."""
    for role in rule.roles:
        if label not in role.labels:
            continue
        for k, pattern in enumerate(role.paths):
            if any(pattern.matches(trigger, path) for path in variants):
                return role.name, k
    return None


def _entity_head(ent: Span) -> Token:
    """The token paths lead to: the entity's root, or for "[since 2023]" the object of its preposition."""
    head = ent.root
    while head.dep_ == "prep":
        obj = next((c for c in head.children if c.dep_ == "pobj" and ent.start <= c.i < ent.end), None)
        if obj is None:
            break
        head = obj
    return head


def _segments(doc: Doc) -> Iterator[Span]:
    """The sentences of `doc`, cut again at line breaks (a headline or a dateline is not part of the next sentence)."""
    for sent in doc.sents if doc.has_annotation("SENT_START") else [doc[:]]:
        start = sent.start
        for tok in sent:
            if tok.is_space and "\n" in tok.text:
                if tok.i > start:
                    yield doc[start : tok.i]
                start = tok.i + 1
        if sent.end > start:
            yield doc[start : sent.end]


@Language.component(LINE_BREAKS)
def line_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break, before the parser runs (which keeps preset boundaries).

    A headline or a dateline is not part of the next sentence: without this the parser often
    hangs the first sentence of an article under the headline's verb ("... truce collapses\n\nThe
    EU imposed sanctions": "EU" the object of "collapses").
    """
    for tok in doc[1:]:
        before = doc[tok.i - 1]
        if before.is_space and "\n" in before.text and not tok.is_space:
            tok.is_sent_start = True
    return doc


@Language.factory(FACTORY, default_config={"rules": {}})
def make_event_extractor(nlp: Language, name: str, rules: dict[str, Any]) -> EventExtractor:
    """spaCy factory of the event extractor; `rules` is the output of :func:`compile_rules`."""
    return EventExtractor(rules)


def add_event_extractor(nlp: Language, rules_path: Path, schema: Schema, label_map: LabelMap) -> None:
    """Add the component (factory name "annot_event_extractor") at the end of `nlp` (and, if `nlp` has a parser, "annot_line_breaks" before it: a line break ends a sentence); validates the rules against the schema (raise annot.errors.AnnotError listing every problem, naming the file and key)."""
    add_event_rules(nlp, read_rules(rules_path), schema, label_map, str(Path(rules_path)))


def add_event_rules(
    nlp: Language, data: Mapping[str, Any], schema: Schema, label_map: LabelMap, where: str = "rules"
) -> None:
    """:func:`add_event_extractor` with the rules as data already read (`where` names them in messages): how a
    Dask worker adds the extractor with rules read on another machine."""
    dep_labels: list[str] = []
    if "parser" in nlp.pipe_names:
        dep_labels = list(getattr(nlp.get_pipe("parser"), "labels", ()))
    rules = compile_rules(data, schema, label_map, where, dep_labels)
    if "parser" in nlp.pipe_names and LINE_BREAKS not in nlp.pipe_names:
        nlp.add_pipe(LINE_BREAKS, before="parser")
    nlp.add_pipe(FACTORY, last=True, config={"rules": rules})


def doc_events(sdoc: Doc) -> list[EventTuple]:
    """The events the component found in `sdoc`: (event type, trigger start_char, trigger end_char, [(role, arg start_char, arg end_char)]) — argument spans are exactly spans of `sdoc.ents` (so they can be linked to the predicted entities by offsets)."""
    found = sdoc._.get(EXTENSION)
    if found is None:
        raise AnnotError(
            f"the document has no events from the {FACTORY!r} component",
            "Add the component with annot.systems.extractor.add_event_extractor before running the pipeline.",
        )
    return [(str(t), int(s), int(e), [(str(r), int(a), int(b)) for r, a, b in args]) for t, s, e, args in found]
