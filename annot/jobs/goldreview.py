"""Gold-error review (`annot corpus review-gold`): where every configured system (and a second annotator, where the
corpus keeps one) contradicts the gold, listed most confident first, pushed to a review project with the gold and
each voter's version side by side, and the reviewer's decisions recorded as corrections of the corpus.

The candidates and their order are defined in `corpus.review`. The review project is the one `annot adjudicate
--push` makes (its labeling config, with the decisions control): each task lists the candidate items of one
document, "#N keep" / "#N drop", each saying who has it (the gold, each voter) and who has not; the gold is the
task's first prediction (what the labeling stream shows), and every voter's version is a prediction of its own
(tabs in the Data Manager). The reviewer ticks keep or drop for every item; `--reviewed EXPORT` reads the
decisions (`annotation.split_review`, as `annot adjudicate --reviewed` does) and writes ``corrections.json``,
which `annot corpus build` applies. A held-out split is never reviewed against the systems (its gold would be
corrected towards them).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..corpus.adjudication import Item, describe, digest, items
from ..corpus.annotations import read_annotations
from ..corpus.ledger import held_out_splits
from ..corpus.review import (
    CORRECTIONS,
    Candidate,
    Correction,
    Voter,
    apply_decisions,
    find_candidates,
    now,
    read_corrections,
    write_corrections,
)
from ..corpus.splits import DOCUMENTS, select_split
from ..documents import Document, read_documents
from ..errors import AnnotError
from ..files import atomic_write_text
from ..labelstudio.config import CONFLICT_ITEMS, CONFLICTS_FIELD
from ..labelstudio.importer import annotations_from_export, iter_export
from ..labelstudio.tasks import prediction
from ..schema import Schema
from .annotation import decision_choices, split_review
from .config import EvalConfig
from .evaluate import check_systems, system_predictions

REVIEW_FIELD = "gold_review"  # task data: the listed items as data, the gold's digest, the reasons
GOLD_VERSION = "gold"  # the model_version of the gold's prediction in a review task


@dataclass(frozen=True, kw_only=True)
class GoldReview:
    """The candidates found in a corpus's documents, most confident first, with the voters asked."""

    corpus: Path
    documents: tuple[Document, ...]
    voters: tuple[Voter, ...]
    candidates: tuple[Candidate, ...]
    split: str | None
    min_voters: int

    def by_document(self) -> dict[str, list[Candidate]]:
        out: dict[str, list[Candidate]] = {}
        for c in self.candidates:
            out.setdefault(c.document, []).append(c)
        return out


def reviewable(corpus: Path, split: str | None) -> list[Document]:
    """The corpus's gold documents to review: `split`'s, or every one outside its held-out splits; a held-out
    split is refused."""
    gold = Path(corpus) / DOCUMENTS
    held = held_out_splits(Path(corpus))
    if split is not None and split in held:
        raise AnnotError(
            f"split {split!r} of {corpus} is held out: its gold is not reviewed against the systems",
            "A held-out split's gold would be corrected towards the systems scored on it; review it by a second "
            "annotation (annot adjudicate) instead, or name another split.",
        )
    docs = read_documents(gold)
    if split is not None:
        return select_split(docs, gold, split)
    hidden: set[str] = set()
    for h in held:
        hidden |= {d.id for d in select_split(docs, gold, h)}
    return [d for d in docs if d.id not in hidden]


def system_voters(cfg: EvalConfig, docs: Sequence[Document], schema: Schema, names: Sequence[str] = ()) -> list[Voter]:
    """The configured systems (all, or `names`) as voters: spaCy systems predict the documents' texts;
    prediction files vote on the documents they hold with the same text."""
    systems = list(cfg.systems) if not names else [s for s in cfg.systems if s.name in names]
    unknown = sorted(set(names) - {s.name for s in cfg.systems})
    if unknown:
        raise AnnotError(f"no system {', '.join(map(repr, unknown))} in the evaluation config")
    check_systems(replace(cfg, systems=systems))
    texts = {d.id: d.text for d in docs}
    out = []
    for s in systems:
        preds = [p for p in system_predictions(s, list(docs), schema) if texts.get(p.id) == p.text]
        events = s.events is not None if s.kind == "spacy" else any(p.events for p in preds)
        layers = frozenset({"entities", "events"} if events else {"entities"})
        out.append(Voter(f"system {s.name}", {p.id: p for p in preds}, layers))
    return out


def annotator_voters(corpus: Path, docs: Sequence[Document], schema: Schema) -> list[Voter]:
    """The corpus's second annotators (annotators/<name>/) as voters, on the documents they annotated."""
    if not (Path(corpus) / "annotators").is_dir():
        return []
    wanted = {d.id: d.text for d in docs}
    annotated, _ = read_annotations([Path(corpus)], schema)
    by_name: dict[str, dict[str, Document]] = {}
    for a in annotated:
        if a.independent and wanted.get(a.document.id) == a.document.text:
            by_name.setdefault(a.annotator, {})[a.document.id] = a.document
    return [Voter(f"annotator {n}", d, frozenset({"entities", "events"})) for n, d in sorted(by_name.items())]


def review_gold(
    corpus: Path,
    schema: Schema,
    cfg: EvalConfig,
    *,
    split: str | None = None,
    systems: Sequence[str] = (),
    annotators: bool = True,
    min_voters: int = 2,
) -> GoldReview:
    """The candidates of `corpus`'s gold (a split of it, never a held-out one): every configured system (or the
    named ones) predicts its documents, the second annotators vote where present."""
    if min_voters < 1:
        raise AnnotError(f"--min-voters {min_voters}: give 1 or more")
    docs = reviewable(corpus, split)
    voters = system_voters(cfg, docs, schema, systems)
    if annotators:
        voters += annotator_voters(corpus, docs, schema)
    found = find_candidates(docs, voters, min_voters)
    return GoldReview(
        corpus=Path(corpus),
        documents=tuple(docs),
        voters=tuple(voters),
        candidates=tuple(found),
        split=split,
        min_voters=min_voters,
    )


def reason(c: Candidate) -> str:
    """Why an item is listed, in the record: its candidate's kind and the voters against the gold."""
    return f"{c.kind}: {len(c.voters)} voter(s) against the gold ({', '.join(c.voters)})" + (
        "" if c.unanimous else ", not all proposing the same"
    )


def listed_items(candidates: Sequence[Candidate]) -> list[tuple[Item, Candidate]]:
    """A document's items to decide, candidate by candidate (most confident first), the gold's before the
    voters'."""
    return [(i, c) for c in candidates for i in (*c.gold, *c.proposed)]


def candidates_json(review: GoldReview) -> str:
    """The candidates as a file: the rule, the voters, and each candidate with its rank and items."""
    texts = {d.id: d.text for d in review.documents}
    data = {
        "corpus": str(review.corpus),
        "split": review.split,
        "documents": len(review.documents),
        "voters": [{"name": v.name, "layers": sorted(v.layers), "documents": len(v.documents)} for v in review.voters],
        "min_voters": review.min_voters,
        "rule": "items every voter of their layer contradicts (corpus/review.py), most confident first: voters "
        "against the gold, all proposing the same, kind (label, boundary, argument, missing, unsupported), "
        "mean voter score",
        "candidates": [
            {
                "rank": n,
                "document": c.document,
                "layer": c.layer,
                "kind": c.kind,
                "voters": list(c.voters),
                "unanimous": c.unanimous,
                "score": c.score,
                "gold": [describe(i, texts[c.document]) for i in c.gold],
                "proposed": [describe(i, texts[c.document]) for i in c.proposed],
            }
            for n, c in enumerate(review.candidates, 1)
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def write_candidates(path: Path, review: GoldReview) -> None:
    atomic_write_text(Path(path), candidates_json(review))


def review_tasks(review: GoldReview) -> list[dict[str, Any]]:
    """A review task per document with candidates: its items to keep or drop (who has each), the gold as the
    first prediction, each voter's version as another, and the items as data for `--reviewed`."""
    docs = {d.id: d for d in review.documents}
    tasks = []
    for doc_id, cands in review.by_document().items():
        doc = docs[doc_id]
        listed = listed_items(cands)
        gold_items = items(doc)
        descriptions = [describe(i, doc.text) for i, _ in listed]
        who = []
        for item, c in listed:
            has = {"gold": item in gold_items}
            has.update({v: item not in gold_items for v in c.voters})
            who.append(has)
        predictions = [prediction(doc, GOLD_VERSION)]
        predictions += [prediction(v.documents[doc_id], v.name) for v in review.voters if doc_id in v.documents]
        tasks.append(
            {
                "data": {
                    "text": doc.text,
                    "doc_id": doc.id,
                    "sha256": doc.sha256,
                    CONFLICTS_FIELD: decision_choices(list(zip(descriptions, who))),
                    CONFLICT_ITEMS: descriptions,
                    REVIEW_FIELD: {
                        "base": digest(doc),
                        "items": [list(i) for i, _ in listed],
                        "reasons": [reason(c) for _, c in listed],
                    },
                    "meta": {"candidates": len(cands), "voters": [v.name for v in review.voters]},
                },
                "predictions": predictions,
            }
        )
    return tasks


# ------------------------------------------------------------------ decisions back


@dataclass(frozen=True, kw_only=True)
class ReviewOutcome:
    """What `--reviewed` recorded: the documents corrected (or confirmed) and the reviewed ones left undecided."""

    record: Path
    decided: tuple[Correction, ...]
    problems: tuple[str, ...]
    pending: tuple[str, ...] = ()  # documents of the review project nobody has reviewed yet


def _item(raw: Any) -> Item | None:
    """An item as the review task carried it (a JSON list), checked; None when it is not one."""
    if not isinstance(raw, list) or not raw or raw[0] not in ("entity", "trigger", "argument"):
        return None
    shape = {"entity": (int, int, str), "trigger": (int, int, str), "argument": (int, int, str, int, int, str, str)}
    want = shape[raw[0]]
    if len(raw) != len(want) + 1 or not all(
        isinstance(v, t) and not isinstance(v, bool) for v, t in zip(raw[1:], want)
    ):
        return None
    return tuple(raw)


def apply_review(corpus: Path, schema: Schema, export: Path, record: Path | None = None) -> ReviewOutcome:
    """Read a review project's export (made by `review_tasks`), apply every reviewed document's decisions to its
    gold and record them in ``corrections.json`` (or `record`). A document stays undecided, named in the
    problems, when an item is undecided or both kept and dropped, the reviewer changed regions (only the keep /
    drop decisions are read), or its gold changed since the review project was made."""
    corpus = Path(corpus)
    record = record or corpus / CORRECTIONS
    gold = {d.id: d for d in read_documents(corpus / DOCUMENTS)}
    existing = read_corrections(record)
    raw = list(iter_export(export))
    tasks, choices = split_review(raw, str(export))
    found, _ = annotations_from_export(tasks, schema, where=str(export))
    drawn = {a.document.id: a.document for a in found}
    data_of = {}
    for t in raw:
        data = t.get("data") if isinstance(t, dict) else None
        if isinstance(data, dict) and isinstance(data.get(REVIEW_FIELD), dict):
            data_of[str(data.get("doc_id"))] = data
    problems: list[str] = []
    decided: list[Correction] = []
    for doc_id, review in sorted(choices.items()):
        where = f"document {doc_id!r}"
        data = data_of.get(doc_id)
        if data is None:
            problems.append(f"{where}: not a gold-review task (made by annot corpus review-gold --push)")
            continue
        doc = gold.get(doc_id)
        if doc is None or data.get("sha256") != doc.sha256:
            problems.append(f"{where}: not in {corpus / DOCUMENTS} with this text")
            continue
        meta = data[REVIEW_FIELD]
        listed_raw, reasons = meta.get("items"), meta.get("reasons")
        listed = [_item(x) for x in listed_raw] if isinstance(listed_raw, list) else []
        if (
            not listed
            or any(i is None for i in listed)
            or not isinstance(reasons, list)
            or len(reasons) != len(listed)
            or [describe(i, doc.text) for i in listed if i is not None] != list(review.listed)
        ):
            problems.append(f"{where}: the review task's items are damaged (edited by hand?); push it again")
            continue
        if meta.get("base") != digest(doc):
            problems.append(
                f"{where}: its gold changed since the review project was made; the review is not applied (push again)"
            )
            continue
        both = sorted(n for n, v in review.choices.items() if len(v) > 1)
        if both:
            problems.append(f"{where}: item(s) {', '.join(f'#{n}' for n in both)} both kept and dropped (keep one)")
            continue
        if (items(drawn[doc_id]) if doc_id in drawn else set()) != items(doc):
            problems.append(
                f"{where}: the review annotation changes the regions; only the keep / drop decisions are read: undo "
                "the changes and tick them instead"
            )
            continue
        decisions = {n: next(iter(v)) for n, v in review.choices.items() if len(v) == 1 and n <= len(listed)}
        pairs = [(i, str(r)) for i, r in zip(listed, reasons) if i is not None]
        applied = apply_decisions(doc, pairs, decisions, problems, schema)
        if applied is None:
            continue
        new_gold, changes = applied
        before = existing.get(doc_id)
        decided.append(
            Correction(
                document=doc_id,
                sha256=doc.sha256,
                base=before.base if before is not None else digest(doc),
                by=(*(before.by if before else ()), f"reviewer {review.annotator}"),
                decided_at=now(),
                changes=(*(before.changes if before else ()), *changes),
                gold=new_gold,
            )
        )
    if decided:
        write_corrections(record, {**existing, **{c.document: c for c in decided}})
    pending = tuple(sorted(set(data_of) - set(choices)))
    return ReviewOutcome(record=record, decided=tuple(decided), problems=tuple(problems), pending=pending)
