"""The gold corpus on disk: build it from its sources and verify it against its manifest.

Layout of ``gold/<corpus>/``::

    sources/*.ann.txt   annotations written as markup (docs/authoring.md), if any
    exports/*.json      Label Studio JSON exports from the UI, if any
    export.json         the Label Studio export authored from sources/ (made by `annot corpus build`)
    documents.jsonl     the gold documents, made by `annot import` of every export
    splits.json         declared splits: theatre (else story) -> split, the document ids of each split, the
                        held-out splits
    ledger.jsonl        every scoring of a held-out split (annot corpus ledger)
    ceiling.json        the annotators' agreement per split, computed once (the human ceiling)
    manifest.json       document count, per-file SHA-256, schema name, version and SHA-256

Every gold document enters through the importer (`documents_from_export`): the
markup is first turned into a Label Studio export, exactly what the UI gives.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..documents import Document, read_documents, write_documents
from ..errors import AnnotError, raise_if_problems
from ..files import atomic_write_text
from ..files import sha256_file as _sha
from ..labelstudio.authoring import author_export, check_markup
from ..labelstudio.importer import Annotated
from ..schema import Schema, mention_problems
from .adjudication import RECORD, read_record, stale
from .annotations import ANNOTATORS, corpus_inputs, read_annotations
from .review import CORRECTIONS, corrected, read_corrections
from .splits import AUTHORED_EXPORT, DOCUMENTS, MANIFEST, SPLITS, dump_json, story, unit, update_splits


def _inputs(corpus: Path) -> list[Path]:
    """The files the gold documents are made from, in a stable order."""
    files = [p for p, _ in corpus_inputs(corpus)]
    for record in (RECORD, CORRECTIONS):
        if (corpus / record).exists():
            files.append(corpus / record)
    return files


@dataclass(frozen=True)
class BuildResult:
    documents: int
    entities: int
    events: int
    arguments: int
    new_units: list[str]
    moved: dict[str, tuple[str, str]]


def build_corpus(corpus: Path, schema: Schema, schema_path: Path, test_share: float = 0.5) -> BuildResult:
    """Author sources/ into export.json, import every annotation, apply the adjudication record, write documents,
    splits and manifest. A document with several annotations needs a decision (`annot adjudicate`)."""
    corpus = Path(corpus)
    sources = sorted((corpus / "sources").glob("*.ann.txt"))
    exports = sorted((corpus / "exports").glob("*.json"))
    if not sources and not exports:
        raise AnnotError(
            f"{corpus}: no sources/*.ann.txt and no exports/*.json",
            "Put Label Studio exports in exports/ or markup files in sources/.",
        )
    authored = author_export(sources, schema) if sources else []
    if authored:  # the importer's checks, with the file names in the messages
        check_markup(sources, schema)
    docs = gold_documents(corpus, schema)
    # All checks passed: now write (each file atomically).
    if sources:
        atomic_write_text(corpus / AUTHORED_EXPORT, json.dumps(authored, ensure_ascii=False, indent=1) + "\n")
    write_documents(corpus / DOCUMENTS, docs)
    update = update_splits(corpus, docs, test_share)
    write_manifest(corpus, schema, schema_path)
    return BuildResult(
        len(docs),
        sum(len(d.entities) for d in docs),
        sum(len(d.events) for d in docs),
        sum(len(ev.arguments) for d in docs for ev in d.events),
        update.new,
        update.moved,
    )


def gold_documents(corpus: Path, schema: Schema) -> list[Document]:
    """The corpus's gold: each document's only annotation, or the decision of the adjudication record; then the
    corrections of its gold reviews (`annot corpus review-gold --reviewed`)."""
    annotated, _ = read_annotations([corpus], schema)
    groups: dict[str, list[Annotated]] = {}
    for a in annotated:
        groups.setdefault(a.document.id, []).append(a)
    record = read_record(corpus / RECORD)
    problems = stale(record, annotated)
    undecided = sorted(d for d, g in groups.items() if len(g) > 1 and d not in record)
    problems += [
        f"{d}: annotated by {', '.join(sorted(a.annotator for a in groups[d]))}, no decision" for d in undecided
    ]
    problems += [f"{d}: in {RECORD}, but no annotation of it is left" for d in sorted(set(record) - set(groups))]
    problems += [
        f"{d}: annotated only in {ANNOTATORS}/ (a second annotation of a document the corpus does not have)"
        for d, g in sorted(groups.items())
        if all(a.independent for a in g)
    ]
    raise_if_problems(
        problems,
        f"{corpus}: the adjudication record does not match the annotations",
        f"Run: annot adjudicate {corpus} (unchanged decisions are kept; changed documents are decided again).",
    )
    docs = []
    for doc_id, group in sorted(groups.items()):
        primary = next((a for a in group if not a.independent), group[0]).document
        decision = record.get(doc_id)
        if decision is None:
            docs.append(primary)
            continue
        assert decision.gold is not None
        meta = dict(primary.meta)
        meta["annotation"] = {
            "adjudication": decision.decision,
            "annotators": sorted(decision.inputs),
            "by": list(decision.by),
            "unresolved_conflicts": 0 if decision.resolved else len(decision.conflicts),
        }
        g = decision.gold
        docs.append(Document(doc_id, g.text, g.entities, g.events, meta))
    docs, problems = corrected(docs, read_corrections(corpus / CORRECTIONS), f"{corpus / CORRECTIONS}")
    raise_if_problems(
        problems,
        f"{corpus}: the gold-review corrections do not match the annotations",
        f"Review those documents again (annot corpus review-gold {corpus} --push), or restore {CORRECTIONS}.",
    )
    return docs


def write_manifest(corpus: Path, schema: Schema, schema_path: Path) -> None:
    docs = read_documents(corpus / DOCUMENTS)
    files = [corpus / DOCUMENTS, corpus / SPLITS] + _inputs(corpus)
    if (corpus / AUTHORED_EXPORT).exists():
        files.append(corpus / AUTHORED_EXPORT)
    manifest = {
        "corpus": corpus.name,
        "documents": len(docs),
        "files": {str(f.relative_to(corpus)): _sha(f) for f in sorted(files)},
        "schema": {"name": schema.name, "version": schema.version, "sha256": _sha(Path(schema_path))},
    }
    atomic_write_text(corpus / MANIFEST, dump_json(manifest))


def verify_corpus(corpus: Path, schema: Schema, schema_path: Path, more: Sequence[str] = ()) -> str:
    """Check the corpus against its manifest, its splits and the schema; raise listing every problem (and the
    `more` problems the caller found, such as stale stored figures)."""
    corpus = Path(corpus)
    problems: list[str] = []
    try:
        manifest = json.loads((corpus / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnnotError(f"{corpus}/{MANIFEST}: missing", f"Run: annot corpus build {corpus}") from None
    listed: dict[str, str] = manifest.get("files", {})
    present = {
        str(f.relative_to(corpus))
        for f in [corpus / DOCUMENTS, corpus / SPLITS, corpus / AUTHORED_EXPORT, *_inputs(corpus)]
        if f.exists()
    }
    for rel in sorted(set(listed) - present):
        problems.append(f"{corpus}/{rel}: listed in the manifest but missing")
    for rel in sorted(present - set(listed)):
        problems.append(f"{corpus}/{rel}: present but not in the manifest (added after the last build?)")
    for rel in sorted(set(listed) & present):
        if _sha(corpus / rel) != listed[rel]:
            problems.append(f"{corpus}/{rel}: changed since the manifest was written (SHA-256 differs)")
    sch = manifest.get("schema", {})
    if (sch.get("name"), sch.get("version")) != (schema.name, schema.version) or sch.get("sha256") != _sha(
        Path(schema_path)
    ):
        problems.append(
            f"{corpus}/{MANIFEST}: built with schema {sch.get('name')} {sch.get('version')}, but {schema_path} is "
            f"{schema.name} {schema.version}{' (same version, edited)' if sch.get('version') == schema.version else ''}: stale"
        )
    docs: list[Document] = []
    try:
        docs = read_documents(corpus / DOCUMENTS)
    except AnnotError as exc:
        problems += [exc.message, *exc.problems]
    if docs and manifest.get("documents") != len(docs):
        problems.append(f"{corpus}/{MANIFEST}: says {manifest.get('documents')} documents, {DOCUMENTS} has {len(docs)}")
    # The gold must still pass today's schema (labels, roles, role fillers).
    for d in docs:
        ents = d.entity_by_id()
        evs = d.event_by_id()
        for e in d.entities:
            if e.label not in schema.entities:
                problems.append(f"{d.id}: entity {e.id} has label {e.label!r}, not in the schema")
        problems += [f"{d.id}: entity {eid} {why}" for eid, why in mention_problems(d, schema)]
        for ev in d.events:
            if ev.type not in schema.events:
                problems.append(f"{d.id}: event {ev.id} has type {ev.type!r}, not in the schema")
                continue
            for a in ev.arguments:
                filler = evs[a.event].type if a.event else ents[a.entity].label
                why = schema.role_problem(ev.type, a.role, filler)
                if why:
                    problems.append(f"{d.id}: event {ev.id}: {why}")
    try:
        splits = json.loads((corpus / SPLITS).read_text(encoding="utf-8"))
        ids = [i for v in splits.get("splits", {}).values() for i in v]
        for i, n in Counter(ids).items():
            if n > 1:
                problems.append(f"{corpus}/{SPLITS}: document {i!r} is in more than one split")
        doc_ids = {d.id for d in docs}
        for i in sorted(doc_ids - set(ids)):
            problems.append(f"{corpus}/{SPLITS}: document {i!r} is in no split")
        for i in sorted(set(ids) - doc_ids):
            problems.append(f"{corpus}/{SPLITS}: document {i!r} is not in {DOCUMENTS}")
        unit_split: dict[str, set[str]] = {}
        by_id = {d.id: d for d in docs}
        for split, members in splits.get("splits", {}).items():
            for i in members:
                if i in by_id:
                    for key in {unit(by_id[i]), f"story:{story(by_id[i])}"}:
                        unit_split.setdefault(key, set()).add(split)
        for name, sp in sorted(unit_split.items()):
            if len(sp) > 1:
                kind, _, value = name.partition(":")
                problems.append(f"{corpus}/{SPLITS}: {kind} {value!r} is split across {sorted(sp)}")
    except FileNotFoundError:
        problems.append(f"{corpus}/{SPLITS}: missing")
    problems += more
    raise_if_problems(
        problems,
        f"{corpus}: the corpus does not verify",
        f"If the changes are intended, run: annot corpus build {corpus}",
    )
    return f"{corpus}: {len(docs)} documents verified against {MANIFEST}, {SPLITS} and schema {schema.name} {schema.version}"
