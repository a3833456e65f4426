"""The gold corpus on disk: build it from its sources, split it, verify it, describe it.

Layout of ``gold/<corpus>/``::

    sources/*.ann.txt   annotations written as markup (docs/authoring.md), if any
    exports/*.json      Label Studio JSON exports from the UI, if any
    export.json         the Label Studio export authored from sources/ (made by `annot corpus build`)
    documents.jsonl     the gold documents, made by `annot import` of every export
    splits.json         declared splits: story -> split, and the document ids of each split
    manifest.json       document count, per-file SHA-256, schema name, version and SHA-256

Every gold document enters through the importer (`documents_from_export`): the
markup is first turned into a Label Studio export, exactly what the UI gives.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .authoring import author_export
from .documents import Document, atomic_write_text, read_documents, write_documents
from .errors import AnnotError, raise_if_problems
from .importer import documents_from_export, load_export
from .schema import Schema

DOCUMENTS = "documents.jsonl"
MANIFEST = "manifest.json"
SPLITS = "splits.json"
AUTHORED_EXPORT = "export.json"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _inputs(corpus: Path) -> list[Path]:
    """The files the gold documents are made from, in a stable order."""
    files = sorted((corpus / "sources").glob("*.ann.txt")) + sorted((corpus / "exports").glob("*.json"))
    return files


@dataclass(frozen=True)
class BuildResult:
    documents: int
    entities: int
    events: int
    arguments: int
    new_stories: list[str]


def build_corpus(corpus: Path, schema: Schema, schema_path: Path, test_share: float = 0.5) -> BuildResult:
    """Author sources/ into export.json, import it and exports/*.json, write documents, splits and manifest."""
    corpus = Path(corpus)
    sources = sorted((corpus / "sources").glob("*.ann.txt"))
    exports = sorted((corpus / "exports").glob("*.json"))
    if not sources and not exports:
        raise AnnotError(
            f"{corpus}: no sources/*.ann.txt and no exports/*.json",
            "Put Label Studio exports in exports/ or markup files in sources/.",
        )
    docs: list[Document] = []
    ent = evs = args = 0
    authored: list[dict[str, Any]] = []
    if sources:
        authored = author_export(sources, schema)
        d, s = documents_from_export(authored, schema, where=f"{corpus}/sources (authored)")
        docs += d
        ent, evs, args = ent + s.entities, evs + s.events, args + s.arguments
    for exp in exports:
        d, s = documents_from_export(load_export(exp), schema, where=str(exp))
        docs += d
        ent, evs, args = ent + s.entities, evs + s.events, args + s.arguments
    dup = [i for i, n in Counter(d.id for d in docs).items() if n > 1]
    if dup:
        raise AnnotError(
            f"{corpus}: document ids found in more than one input: {', '.join(sorted(dup))}",
            "Keep one annotation of each document.",
        )
    # All checks passed: now write (each file atomically).
    if sources:
        atomic_write_text(corpus / AUTHORED_EXPORT, json.dumps(authored, ensure_ascii=False, indent=1) + "\n")
    write_documents(corpus / DOCUMENTS, docs)
    new = update_splits(corpus, docs, test_share)
    write_manifest(corpus, schema, schema_path)
    return BuildResult(len(docs), ent, evs, args, new)


def split_documents(docs: list[Document], splits: Path, name: str, gold: Path | None = None) -> list[Document]:
    """The documents of split `name` declared in `splits` (splits.json), in the declared order."""
    splits = Path(splits)
    where = gold.parent if gold is not None else splits.parent
    try:
        declared = json.loads(splits.read_text(encoding="utf-8")).get("splits", {})
    except FileNotFoundError:
        raise AnnotError(f"{splits}: splits file not found", f"Run: annot corpus build {where}") from None
    except (json.JSONDecodeError, AttributeError):
        raise AnnotError(f"{splits}: not a splits file", f"Run: annot corpus build {where}") from None
    ids = declared.get(name)
    if not isinstance(ids, list):
        raise AnnotError(
            f"{splits}: no split named {name!r} (have: {', '.join(sorted(declared)) or 'none'})",
            "Give one of the splits listed.",
        )
    if not ids:
        raise AnnotError(f"{splits}: split {name!r} is empty", "Give a split with documents.")
    by_id = {d.id: d for d in docs}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise AnnotError(
            f"{splits}: split {name!r} names documents not in {gold or 'the gold'}: {', '.join(missing)}",
            f"Run: annot corpus verify {where}",
        )
    return [by_id[i] for i in ids]


def story(doc: Document) -> str:
    """The story of a document (front matter `story`), or its id."""
    return str(doc.meta.get("story") or doc.id)


def update_splits(corpus: Path, docs: list[Document], test_share: float) -> list[str]:
    """Keep the declared story -> split assignment; assign new stories so the test share stays near `test_share`.

    Returns the stories that were newly assigned.
    """
    path = corpus / SPLITS
    declared: dict[str, str] = {}
    if path.exists():
        declared = dict(json.loads(path.read_text(encoding="utf-8")).get("stories", {}))
    by_story: dict[str, list[str]] = {}
    for d in docs:
        by_story.setdefault(story(d), []).append(d.id)
    new = sorted((s for s in by_story if s not in declared), key=lambda s: hashlib.sha256(s.encode()).hexdigest())
    for s in new:
        n_test = sum(len(ids) for st, ids in by_story.items() if declared.get(st) == "test")
        n_all = sum(len(ids) for st, ids in by_story.items() if st in declared)
        declared[s] = "test" if n_all == 0 or n_test < test_share * (n_all + len(by_story[s])) else "dev"
    declared = {s: declared[s] for s in sorted(by_story)}
    splits: dict[str, list[str]] = {}
    for s, split in declared.items():
        splits.setdefault(split, []).extend(by_story[s])
    obj = {
        "note": "Stories (front matter 'story') are assigned to one split as a whole; edit 'stories' and rebuild.",
        "splits": {k: sorted(v) for k, v in sorted(splits.items())},
        "stories": declared,
    }
    atomic_write_text(path, _dump(obj))
    return new


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
    atomic_write_text(corpus / MANIFEST, _dump(manifest))


def verify_corpus(corpus: Path, schema: Schema, schema_path: Path) -> str:
    """Check the corpus against its manifest, its splits and the schema; raise listing every problem."""
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
        for e in d.entities:
            if e.label not in schema.entities:
                problems.append(f"{d.id}: entity {e.id} has label {e.label!r}, not in the schema")
        for ev in d.events:
            if ev.type not in schema.events:
                problems.append(f"{d.id}: event {ev.id} has type {ev.type!r}, not in the schema")
                continue
            for a in ev.arguments:
                why = schema.role_problem(ev.type, a.role, ents[a.entity].label)
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
        story_split: dict[str, set[str]] = {}
        by_id = {d.id: d for d in docs}
        for split, members in splits.get("splits", {}).items():
            for i in members:
                if i in by_id:
                    story_split.setdefault(story(by_id[i]), set()).add(split)
        for name, sp in sorted(story_split.items()):
            if len(sp) > 1:
                problems.append(f"{corpus}/{SPLITS}: story {name!r} is split across {sorted(sp)}")
    except FileNotFoundError:
        problems.append(f"{corpus}/{SPLITS}: missing")
    raise_if_problems(
        problems,
        f"{corpus}: the corpus does not verify",
        f"If the changes are intended, run: annot corpus build {corpus}",
    )
    return f"{corpus}: {len(docs)} documents verified against {MANIFEST}, {SPLITS} and schema {schema.name} {schema.version}"


@dataclass(frozen=True)
class Stats:
    """Corpus statistics per split (and 'all')."""

    rows: dict[str, dict[str, int]]  # split -> statistic -> value


def corpus_stats(corpus: Path) -> Stats:
    """Documents, tokens (spaCy's English tokenizer), entities per type, events per type, arguments per role; per split and overall."""
    docs = read_documents(Path(corpus) / DOCUMENTS)
    splits = (
        json.loads((Path(corpus) / SPLITS).read_text(encoding="utf-8")).get("splits", {})
        if (Path(corpus) / SPLITS).exists()
        else {}
    )
    groups: dict[str, list[Document]] = {
        name: [d for d in docs if d.id in set(ids)] for name, ids in sorted(splits.items())
    }
    groups["all"] = docs
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    n_tokens = {d.id: len(tokenizer(d.text)) for d in docs}
    rows: dict[str, dict[str, int]] = {}
    for name, ds in groups.items():
        c: Counter[str] = Counter()
        c["documents"] = len(ds)
        c["tokens"] = sum(n_tokens[d.id] for d in ds)
        c["entities"] = sum(len(d.entities) for d in ds)
        c["events"] = sum(len(d.events) for d in ds)
        c["arguments"] = sum(len(ev.arguments) for d in ds for ev in d.events)
        for d in ds:
            for e in d.entities:
                c[f"entity {e.label}"] += 1
            for ev in d.events:
                c[f"event {ev.type}"] += 1
                for a in ev.arguments:
                    c[f"role {a.role}"] += 1
        rows[name] = dict(c)
    return Stats(rows)


def stats_markdown(stats: Stats) -> str:
    """The statistics as a Markdown table, one column per split."""
    cols = list(stats.rows)
    keys: list[str] = []
    for r in stats.rows.values():
        for k in r:
            if k not in keys:
                keys.append(k)
    head = ["documents", "tokens", "entities", "events", "arguments"]
    rest = sorted(k for k in keys if k not in head)
    lines = ["| | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for k in head + rest:
        lines.append(f"| {k} | " + " | ".join(str(stats.rows[c].get(k, 0)) for c in cols) + " |")
    return "\n".join(lines) + "\n"
