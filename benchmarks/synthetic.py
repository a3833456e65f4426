"""Deterministic synthetic news corpora for the scale benchmark: gold, noisy predictions, Label Studio exports.

Everything here is plain dicts in annot's document format (docs/reference/document-format.md); nothing of annot is
imported, so the benchmark measures annot only from the outside. The text is wire-style English made of an
invented vocabulary: tokens are separated by single spaces (punctuation is a token of its own), so every
mention covers whole tokens and converts to IOB tags without loss.

Gold entity mentions never overlap. The predictions are a noisy copy of the gold (missed, relabelled and
shifted mentions, spurious ones, dropped and retyped triggers, dropped, re-roled and spurious arguments) built
so that every mention overlaps at most one mention of the other side and predictions never overlap each other:
on such data nervaluate's, seqeval's and spaCy's definitions coincide with annot's one-to-one matching.

    >>> gold, pred = corpus(300, seed=1)
    >>> sum(len(d["entities"]) for d in gold)
    300
    >>> gold == corpus(300, seed=1)[0]
    True
"""

from __future__ import annotations

import hashlib
import json
import random
import string
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "configs" / "schema.toml"

# A wire corpus: about 36,000 documents per million gold entity mentions.
SPANS_PER_DOC = 27.8
# The Label Studio export of the largest size: 3,720 tasks of about 123 regions (entities and triggers).
EXPORT_TASKS_PER_MILLION = 3720
EXPORT_SPANS_PER_TASK = 104

Doc = dict[str, Any]

# ------------------------------------------------------------------ vocabulary (invented)

NAMES: dict[str, list[str]] = {
    "PER": [
        "Anouk Verlaine",
        "Tomás Ebrecht",
        "Kerem Yağcı",
        "Léa Moravec",
        "Ilse Brandvik",
        "Dario Quell",
        "Nadia Oyelaran",
        "Pavo Sertel",
        "Marguerite Olsson-Day",
        "Ruben Achterberg",
        "Sefa Doğan",
        "Imre Kalvas",
        "Hollis Grange",
        "Yusra Belhadj",
        "Corvin",
        "Elif Tunçer",
    ],
    "ORG": [
        "Northern Grain Council",
        "Varos Energy",
        "Office for Coastal Affairs",
        "Meridian Relief Agency",
        "Union of Harbour Workers",
        "Kestrel Post",
        "Assembly of Free Towns",
        "Bank of Valdoria",
        "Ostrel Rail",
        "Red Lantern Society",
        "Ministry of Waters",
        "Tavri Mining",
    ],
    "GPE": [
        "Valdoria",
        "Kestrel Bay",
        "Ostrava Nova",
        "Port Emmerich",
        "Saréna",
        "Dağlıca",
        "Lunvik",
        "Tessaly",
        "New Harrow",
        "Brevania",
        "Umbor",
        "Castel Rive",
        "Mirrow",
        "Qarzan",
    ],
    "LOC": [
        "Veshan River",
        "Mount Orel",
        "Corran Pass",
        "Lake Tivel",
        "Gorsk Bridge",
        "Amber Coast",
        "Selmar Valley",
        "Fort Hallow",
        "Drevna Heights",
        "Isle of Pell",
    ],
    "NORP": [
        "Valdorian",
        "Kestrelite",
        "Orenic",
        "Saréni",
        "Brevanian",
        "Umbori",
        "Lunvikers",
        "Tessalian",
        "Qarzani",
    ],
    "MIL": [
        "4th Coastal Brigade",
        "Iron Wolves",
        "Northern Rifle Corps",
        "Harbour Guard",
        "7th Mountain Battalion",
        "Saréna Defence Force",
        "Black Heron Militia",
        "Valdorian Air Wing",
        "Lunvik Rangers",
    ],
    "DATE": [
        "Monday",
        "Tuesday",
        "on Wednesday",
        "14 March",
        "last week",
        "two days ago",
        "early on Friday",
        "since 2019",
        "in late June",
        "overnight",
        "this month",
        "for almost a decade",
    ],
    "QTY": [
        "about 300",
        "nearly 1,200",
        "12",
        "more than 40",
        "roughly 7,150",
        "at least 9",
        "dozens",
        "two",
        "some 65",
        "over 2,000",
    ],
}

# Trigger words per event type (schema names); a trigger is one word of the text outside every entity.
TRIGGERS: dict[str, list[str]] = {
    "Movement.Deploy": ["deployed", "sent", "withdrew", "moved", "arrived", "deployment", "rotation"],
    "Conflict.Attack": ["attacked", "shelled", "clashes", "ambush", "raid", "strikes", "fired"],
    "Life.Injure": ["injured", "wounded", "hurt", "casualties"],
    "Life.Die": ["killed", "died", "dead", "death"],
    "Contact.Meet": ["met", "talks", "summit", "meeting", "negotiations"],
    "Contact.Statement": ["said", "condemned", "warned", "statement", "announced", "urged"],
    "Policy.Sanction": ["sanctions", "embargo", "blacklisted", "penalties"],
    "Conflict.Ceasefire": ["ceasefire", "truce", "armistice"],
}

# Filler between mentions: each linker has at least two words, so a mention can grow by a word without touching
# its neighbour. "{T}" marks where a sentence's trigger goes.
LINKERS: list[str] = [
    "said on",
    "told reporters in",
    "according to",
    "officials from",
    "together with",
    "near the border with",
    "as well as",
    "in a report by",
    "while observers from",
    "after a visit to",
    "with support from",
    "a spokesman for",
    ", sources close to",
    "was seen near",
    "and later",
    ", a week after",
]
TRIGGER_LINKERS: list[str] = [
    "forces {T} toward",
    "have {T} with",
    "reportedly {T} near",
    "on record {T} against",
    ", in the {T} , with",
    "officials {T} in",
    "and the {T} of",
    "were {T} by",
    "after the {T} near",
    "later {T} alongside",
]
OPENERS: list[str] = ["In", "On", "Meanwhile ,", "According to", "Earlier ,", "Separately ,", "Officials in"]
QUOTES: list[str] = [
    "“ we will not step back ” ,",
    "“ the talks are over ” ,",
    "“ nobody was warned ” ,",
    "“ this is a début , not an end ” ,",
]
BACKGROUND: list[str] = [
    "The situation remained tense throughout the day .",
    "No group has claimed responsibility so far .",
    "The figures could not be independently verified .",
    "Residents described long queues at the checkpoints and shortages of fuel .",
    "Prices of bread and medicine have risen sharply since the spring .",
    "The café near the old market stayed closed , witnesses added .",
    "Further details are expected to be released later .",
    "Aid convoys were waiting for permission to cross .",
]
CLOSERS: list[str] = ["this week", "on the ground", "in the region", "by late evening", "for now"]
PUNCT = frozenset({".", ",", "“", "”"})

# Noise of the predictions: probabilities per gold mention, event and argument.
P_DROP, P_RELABEL, P_SHIFT, P_SHIFT_RELABEL = 0.07, 0.06, 0.08, 0.02
P_SPURIOUS = 0.05
P_EVENT_DROP, P_EVENT_RETYPE, P_TRIGGER_SHIFT, P_EVENT_SPURIOUS = 0.08, 0.06, 0.05, 0.06
P_ARG_DROP, P_ARG_ROLE, P_ARG_SPURIOUS = 0.07, 0.06, 0.04


# ------------------------------------------------------------------ schema


@dataclass(frozen=True)
class Schema:
    """The labels and event roles of configs/schema.toml: label list, {event type: {role: allowed labels}}."""

    labels: tuple[str, ...]
    events: dict[str, dict[str, tuple[str, ...]]]


def load_schema(path: Path = SCHEMA_FILE) -> Schema:
    """The entity labels and event roles of a schema file (read with tomllib, not with annot)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    events = {
        name: {role: tuple(allowed) for role, allowed in table.get("roles", {}).items()}
        for name, table in data.get("events", {}).items()
    }
    return Schema(tuple(data["entities"]), events)


# ------------------------------------------------------------------ one document, token level


@dataclass
class _Draft:
    """A document under construction, on whitespace tokens.

    kinds: "w" filler word, "p" punctuation, "e" entity, "t" trigger. Spans are token ranges [start, end).
    """

    tokens: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    sentence: list[int] = field(default_factory=list)  # sentence number of each token
    entities: list[tuple[int, int, str]] = field(default_factory=list)
    entity_sentence: list[int] = field(default_factory=list)
    events: list[tuple[str, int, int, list[tuple[str, int]]]] = field(default_factory=list)  # type, tok span, args

    def words(self, phrase: str, sentence: int) -> None:
        for w in phrase.split():
            self.tokens.append(w)
            self.kinds.append("p" if w in PUNCT else "w")
            self.sentence.append(sentence)

    def entity(self, label: str, phrase: str, sentence: int) -> int:
        start = len(self.tokens)
        for w in phrase.split():
            self.tokens.append(w)
            self.kinds.append("e")
            self.sentence.append(sentence)
        self.entities.append((start, len(self.tokens), label))
        self.entity_sentence.append(sentence)
        return len(self.entities) - 1

    def trigger(self, word: str, sentence: int) -> int:
        self.tokens.append(word)
        self.kinds.append("t")
        self.sentence.append(sentence)
        return len(self.tokens) - 1


def _sentence(rng: random.Random, d: _Draft, n_entities: int, schema: Schema, number: int) -> None:
    """Append one sentence with `n_entities` mentions and, often, one event whose arguments are among them."""
    labels: list[str] = [rng.choice(schema.labels) for _ in range(n_entities)]
    event: tuple[str, list[tuple[str, int]]] | None = None
    if rng.random() < 3.5 / 5.5:  # about one event per 5.5 mentions (3.5 mentions per sentence)
        etype = rng.choice(list(schema.events))
        roles = list(schema.events[etype])
        n_args = min(rng.randint(1, 3), n_entities, len(roles))
        slots = rng.sample(range(n_entities), n_args)
        args = []
        for slot, role in zip(slots, rng.sample(roles, n_args)):
            labels[slot] = rng.choice(schema.events[etype][role])
            args.append((role, slot))
        event = (etype, args)
    trigger_gap = rng.randrange(n_entities) if event else -1  # the trigger goes in the linker after this mention
    if rng.random() < 0.6:
        d.words(rng.choice(OPENERS), number)
    elif rng.random() < 0.15:
        d.words(rng.choice(QUOTES), number)
    local: list[int] = []
    trigger_at = -1
    for k, label in enumerate(labels):
        local.append(d.entity(label, rng.choice(NAMES[label]), number))
        if k == trigger_gap and event:
            before, _, after = rng.choice(TRIGGER_LINKERS).partition("{T}")
            d.words(before, number)
            trigger_at = d.trigger(rng.choice(TRIGGERS[event[0]]), number)
            d.words(after, number)
        elif k < n_entities - 1:
            d.words(rng.choice(LINKERS), number)
    if rng.random() < 0.4:
        d.words(rng.choice(CLOSERS), number)
    d.words(".", number)
    if rng.random() < 0.55:
        d.words(rng.choice(BACKGROUND), number)
    if event:
        d.events.append((event[0], trigger_at, trigger_at + 1, [(role, local[slot]) for role, slot in event[1]]))


def _draft(rng: random.Random, n_entities: int, schema: Schema) -> _Draft:
    """A document with exactly `n_entities` gold mentions."""
    d = _Draft()
    left, number = n_entities, 0
    while left > 0:
        k = min(rng.choice((2, 3, 3, 4, 4, 5)), left)
        _sentence(rng, d, k, schema, number)
        left -= k
        number += 1
    return d


def _offsets(tokens: list[str]) -> list[int]:
    """Start offset (code points) of each token of ``" ".join(tokens)``."""
    starts, pos = [], 0
    for t in tokens:
        starts.append(pos)
        pos += len(t) + 1
    return starts


def sha256(text: str) -> str:
    """SHA-256 hex of the UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _document(
    doc_id: str,
    d: _Draft,
    entities: list[tuple[int, int, str]],
    events: list[tuple[str, int, int, list[tuple[str, int]]]],
    meta: dict[str, Any],
) -> Doc:
    """The document-format dict of token-level entities and events (entity ids T1.. in list order)."""
    text = " ".join(d.tokens)
    starts = _offsets(d.tokens)

    def char_span(s: int, e: int) -> tuple[int, int]:
        return starts[s], starts[e - 1] + len(d.tokens[e - 1])

    ents = []
    for i, (s, e, label) in enumerate(entities, 1):
        cs, ce = char_span(s, e)
        ents.append({"id": f"T{i}", "start": cs, "end": ce, "label": label})
    evs = []
    for i, (etype, s, e, args) in enumerate(events, 1):
        cs, ce = char_span(s, e)
        evs.append(
            {
                "id": f"E{i}",
                "type": etype,
                "trigger": {"start": cs, "end": ce},
                "arguments": [{"role": role, "entity": f"T{k + 1}"} for role, k in args],
            }
        )
    return {"id": doc_id, "sha256": sha256(text), "text": text, "entities": ents, "events": evs, "meta": meta}


# ------------------------------------------------------------------ predictions


def _free(d: _Draft, taken: list[bool], i: int) -> bool:
    """Token `i` is a filler word no prediction uses yet."""
    return 0 <= i < len(d.tokens) and d.kinds[i] == "w" and not taken[i]


def _other_label(rng: random.Random, label: str, schema: Schema) -> str:
    return rng.choice([x for x in schema.labels if x != label])


def _shifted(rng: random.Random, d: _Draft, taken: list[bool], s: int, e: int) -> tuple[int, int] | None:
    """The span with one boundary moved by a token (into a free filler word, or inward), or None if it cannot."""
    options = []
    if _free(d, taken, s - 1):
        options.append((s - 1, e))
    if _free(d, taken, e):
        options.append((s, e + 1))
    if e - s >= 2:
        options += [(s + 1, e), (s, e - 1)]
    return rng.choice(options) if options else None


def _predict(rng: random.Random, d: _Draft, schema: Schema) -> tuple[list, list]:
    """Noisy token-level predictions of a draft: (entities, events) in the draft's form."""
    taken = [k != "w" for k in d.kinds]  # only free filler words can be added to a prediction
    ents: list[tuple[int, int, str]] = []
    sentence_of: list[int] = []
    of_gold: dict[int, int] = {}  # gold mention -> its prediction
    for gi, (s, e, label) in enumerate(d.entities):
        r = rng.random()
        span, lab = (s, e), label
        if r < P_DROP:
            continue
        r -= P_DROP
        if r < P_RELABEL:
            lab = _other_label(rng, label, schema)
        elif r < P_RELABEL + P_SHIFT + P_SHIFT_RELABEL:
            span = _shifted(rng, d, taken, s, e) or span
            if r >= P_RELABEL + P_SHIFT:
                lab = _other_label(rng, label, schema)
        for i in range(*span):
            taken[i] = True
        of_gold[gi] = len(ents)
        ents.append((span[0], span[1], lab))
        sentence_of.append(d.entity_sentence[gi])

    events: list[tuple[str, int, int, list[tuple[str, int]]]] = []
    for etype, ts, te, args in d.events:
        if rng.random() < P_EVENT_DROP:
            continue
        new_type = etype
        if rng.random() < P_EVENT_RETYPE:
            new_type = rng.choice([t for t in schema.events if t != etype])
        span = (ts, te)
        if rng.random() < P_TRIGGER_SHIFT:
            nxt = te if _free(d, taken, te) else ts - 1 if _free(d, taken, ts - 1) else None
            if nxt is not None:
                span = (min(ts, nxt), max(te, nxt + 1))
                taken[nxt] = True
        roles = list(schema.events[new_type])
        out: list[tuple[str, int]] = []
        for role, gi in args:
            if gi not in of_gold or rng.random() < P_ARG_DROP:
                continue
            new_role = role if role in roles else rng.choice(roles)
            if rng.random() < P_ARG_ROLE and len(roles) > 1:
                new_role = rng.choice([x for x in roles if x != new_role])
            if (new_role, of_gold[gi]) not in out:
                out.append((new_role, of_gold[gi]))
        if rng.random() < P_ARG_SPURIOUS:
            here = [k for k, n in enumerate(sentence_of) if n == d.sentence[ts]]
            if here:
                extra = (rng.choice(roles), rng.choice(here))
                if extra not in out:
                    out.append(extra)
        events.append((new_type, span[0], span[1], out))

    n_gold_events = max(len(d.events), 1)
    for _ in range(sum(rng.random() < P_EVENT_SPURIOUS for _ in range(n_gold_events))):
        free = [i for i in range(len(d.tokens)) if _free(d, taken, i)]
        if not free:
            break
        at = rng.choice(free)
        taken[at] = True
        etype = rng.choice(list(schema.events))
        here = [k for k, n in enumerate(sentence_of) if n == d.sentence[at]]
        out = [(rng.choice(list(schema.events[etype])), rng.choice(here))] if here and rng.random() < 0.5 else []
        events.append((etype, at, at + 1, out))

    for _ in range(sum(rng.random() < P_SPURIOUS for _ in d.entities)):
        free = [i for i in range(len(d.tokens)) if _free(d, taken, i)]
        if not free:
            break
        at = rng.choice(free)
        end = at + 2 if _free(d, taken, at + 1) and rng.random() < 0.3 else at + 1
        for i in range(at, end):
            taken[i] = True
        ents.append((at, end, rng.choice(schema.labels)))
        sentence_of.append(d.sentence[at])

    order = sorted(range(len(ents)), key=lambda k: ents[k][0])
    renumber = {old: new for new, old in enumerate(order)}
    ents = [ents[k] for k in order]
    events = [(t, s, e, [(role, renumber[k]) for role, k in args]) for t, s, e, args in events]
    return ents, sorted(events, key=lambda ev: ev[1])


# ------------------------------------------------------------------ corpora


def doc_sizes(n_spans: int, per_doc: float = SPANS_PER_DOC) -> list[int]:
    """Gold mentions per document: `n_spans` in all, as even as can be around `per_doc`.

    >>> doc_sizes(10, 3.0)
    [4, 3, 3]
    """
    n_docs = max(1, round(n_spans / per_doc))
    base, extra = divmod(n_spans, n_docs)
    return [base + (1 if i < extra else 0) for i in range(n_docs)]


def iter_corpus(
    n_spans: int, seed: int, per_doc: float = SPANS_PER_DOC, schema: Schema | None = None, predictions: bool = True
) -> Iterator[tuple[Doc, Doc | None]]:
    """(gold, predicted) document pairs with `n_spans` gold entity mentions in all, one pair at a time.

    With ``predictions=False`` the second item is None (and the gold is the same).
    """
    schema = schema or load_schema()
    rng = random.Random(seed)
    sizes = doc_sizes(n_spans, per_doc)
    width = len(str(len(sizes)))
    for i, n in enumerate(sizes, 1):
        d = _draft(rng, n, schema)
        doc_id = f"wire-{seed}-{i:0{width}d}"
        gold = _document(doc_id, d, d.entities, d.events, {"style": "wire"})
        if not predictions:
            yield gold, None
            continue
        ents, events = _predict(random.Random(rng.random()), d, schema)
        yield gold, _document(doc_id, d, ents, events, {"system": "noisy-copy"})


def corpus(
    n_spans: int, seed: int, per_doc: float = SPANS_PER_DOC, schema: Schema | None = None
) -> tuple[list[Doc], list[Doc]]:
    """(gold documents, predicted documents) with `n_spans` gold entity mentions in all."""
    gold: list[Doc] = []
    pred: list[Doc] = []
    for g, p in iter_corpus(n_spans, seed, per_doc, schema):
        assert p is not None
        gold.append(g)
        pred.append(p)
    return gold, pred


def write_jsonl(path: Path, docs: Iterable[Doc]) -> int:
    """Write documents as JSONL (UTF-8, non-ASCII kept); returns the number written."""
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for doc in docs:
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
            n += 1
    return n


# ------------------------------------------------------------------ Label Studio export


def export_size(n_spans: int) -> int:
    """Tasks of the Label Studio export that goes with a corpus of `n_spans` gold mentions (3,720 per million).

    >>> export_size(1_000_000), export_size(100_000), export_size(10_000)
    (3720, 372, 37)
    """
    return max(1, round(EXPORT_TASKS_PER_MILLION * n_spans / 1_000_000))


def _region_id(rng: random.Random) -> str:
    """A region id like Label Studio's (ten letters and digits)."""
    return "".join(rng.choices(string.ascii_letters + string.digits, k=10))


def _task(number: int, doc: Doc, rng: random.Random, annotator: int) -> dict[str, Any]:
    """One task with one completed annotation: a region per entity and trigger, a relation per argument."""
    text = doc["text"]
    result: list[dict[str, Any]] = []
    rid: dict[str, str] = {}

    def region(start: int, end: int, label: str) -> str:
        r = _region_id(rng)
        result.append(
            {
                "id": r,
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "origin": "manual",
                "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
            }
        )
        return r

    for e in doc["entities"]:
        rid[e["id"]] = region(e["start"], e["end"], e["label"])
    relations = []
    for ev in doc["events"]:
        trig = region(ev["trigger"]["start"], ev["trigger"]["end"], ev["type"])
        relations += [
            {
                "from_id": trig,
                "to_id": rid[a["entity"]],
                "type": "relation",
                "direction": "right",
                "labels": [a["role"]],
            }
            for a in ev["arguments"]
        ]
    stamp = f"2025-03-{1 + number % 28:02d}T{number % 24:02d}:{number % 60:02d}:00.000000Z"
    return {
        "id": number,
        "data": {"text": text, "doc_id": doc["id"], "sha256": doc["sha256"], "meta": doc.get("meta", {})},
        "annotations": [
            {
                "id": 10_000 + number,
                "completed_by": annotator,
                "was_cancelled": False,
                "ground_truth": False,
                "result": result + relations,
                "created_at": stamp,
                "updated_at": stamp,
                "lead_time": round(rng.uniform(60, 900), 3),
                "prediction": {},
                "result_count": len(result),
                "task": number,
                "parent_prediction": None,
                "parent_annotation": None,
            }
        ],
        "drafts": [],
        "predictions": [],
        "meta": {},
        "created_at": stamp,
        "updated_at": stamp,
        "inner_id": number,
        "total_annotations": 1,
        "cancelled_annotations": 0,
        "total_predictions": 0,
        "project": 1,
        "updated_by": annotator,
    }


def iter_export(docs: Iterable[Doc], seed: int = 0, annotator: int = 1) -> Iterator[dict[str, Any]]:
    """The tasks of `label_studio_export`, one at a time."""
    rng = random.Random(seed)
    for n, doc in enumerate(docs, 1):
        yield _task(n, doc, rng, annotator)


def label_studio_export(docs: Iterable[Doc], seed: int = 0, annotator: int = 1) -> list[dict[str, Any]]:
    """A Label Studio JSON export (list of tasks) of gold documents, in the form `annot import` reads.

    One completed annotation per task; entities and triggers are regions of the one control ``label`` on
    ``text``; each argument is a relation trigger -> entity with the role as its label.
    """
    return list(iter_export(docs, seed, annotator))


def export_corpus(n_tasks: int, seed: int) -> list[Doc]:
    """Gold documents for a Label Studio export of `n_tasks` tasks (about 104 mentions and 19 triggers each)."""
    pairs = iter_corpus(n_tasks * EXPORT_SPANS_PER_TASK, seed, per_doc=EXPORT_SPANS_PER_TASK, predictions=False)
    return [gold for gold, _ in pairs]


def write_export(path: Path, tasks: Iterable[dict[str, Any]]) -> int:
    """Write an export as one JSON array (UTF-8), a task at a time; returns the number of tasks."""
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write("[")
        for task in tasks:
            f.write((",\n" if n else "\n") + json.dumps(task, ensure_ascii=False))
            n += 1
        f.write("\n]\n")
    return n


def overlap_problems(gold: Doc, pred: Doc) -> list[str]:
    """Where a document breaks the benchmark's promise: overlapping gold or predicted mentions, or a mention
    overlapping more than one mention of the other side (empty when the promise holds)."""
    problems = []
    for side, doc in (("gold", gold), ("predicted", pred)):
        spans = sorted((e["start"], e["end"]) for e in doc["entities"])
        problems += [f"{doc['id']}: {side} {a} overlaps {b}" for a, b in zip(spans, spans[1:]) if b[0] < a[1]]
    for one, other, name in ((gold, pred, "gold"), (pred, gold, "predicted")):
        for e in one["entities"]:
            hits = [x for x in other["entities"] if x["start"] < e["end"] and e["start"] < x["end"]]
            if len(hits) > 1:
                problems.append(f"{one['id']}: {name} {e['start']}-{e['end']} overlaps {len(hits)} mentions")
    return problems
