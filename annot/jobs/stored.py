"""What depends only on a corpus, computed once and stored beside it: the human ceiling and the token bounds.

The ceiling depends only on the gold (the annotators' files), the documents scored, the schema and the scoring
settings; computing it takes seconds (agreement statistics, scikit-learn's import), far longer than scoring a
test split. `annot corpus build` computes it for every split and the whole corpus into ``ceiling.json``, each
entry under a key of everything it depends on; `annot evaluate` takes the entry whose key matches and computes
the ceiling itself only when none does (other settings, a subset of a split, a corpus edited since the build).
`annot corpus verify` says when the stored ceiling is stale.

The token bounds of spaCy's English tokenizer on every gold text (``tokens.json``, by text SHA-256, with the
spaCy version that made them) spare an evaluation spaCy's import: the alignment count reads them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..corpus.annotations import ANNOTATORS, by_annotator, corpus_inputs, read_annotations
from ..corpus.splits import DOCUMENTS, GoldColumns, declared_splits, dump_json
from ..errors import AnnotError
from ..files import atomic_write_text, sha256_file
from ..reporting.codec import decode, to_builtins
from ..reporting.model import HumanCeiling, SchemaInfo
from ..schema import Schema
from ..scoring.scorer import ScoringSettings
from ..tokens import TOKENIZER, spacy_version, token_bounds

CEILING = "ceiling.json"
TOKENS = "tokens.json"
WHOLE = "(all)"  # the entry for the whole corpus (no --split)
DEFAULTS = ScoringSettings()  # the settings `annot evaluate` scores with unless told otherwise


def ceiling_key(corpus: Path, ids: Sequence[str], schema: Schema, settings: ScoringSettings) -> str:
    """SHA-256 of what a ceiling depends on: the annotation files (names and contents), the scored document ids,
    the schema's names and the scoring settings."""
    h = hashlib.sha256()
    for path, _ in corpus_inputs(corpus):
        h.update(f"{path.relative_to(corpus)}\t{sha256_file(path)}\n".encode())
    h.update("\n".join(sorted(ids)).encode() + b"\0")
    names = {
        "name": schema.name,
        "version": schema.version,
        "entities": list(schema.entities),
        "events": list(schema.events),
        "roles": list(schema.roles),
    }
    h.update(json.dumps(names, sort_keys=True).encode() + b"\0")
    h.update(json.dumps(asdict(settings), sort_keys=True, default=str).encode())
    return h.hexdigest()


def compute_ceiling(corpus: Path, ids: Sequence[str], schema: Schema, settings: ScoringSettings) -> HumanCeiling | None:
    """The agreement of the corpus's annotators on the documents `ids` that two or more annotated (pooled over
    every pair, scored like a system); None when the corpus keeps no second annotation of them."""
    from ..reporting.agreement import span_agreement
    from ..scoring.agreement import agreement

    if not (corpus / ANNOTATORS).is_dir():
        return None
    scored = set(ids)
    annotated, _ = read_annotations([corpus], schema)
    groups = by_annotator([a for a in annotated if a.document.id in scored])
    pairs, pooled, _ = agreement(
        groups, labels=list(schema.entities), event_types=list(schema.events), roles=schema.roles, settings=settings
    )
    if pooled is None:
        return None
    spans = span_agreement(pooled, SchemaInfo(name=schema.name, version=schema.version))
    shared = sorted({d for p in pairs for d in p.documents})
    return HumanCeiling(
        documents=len(shared),
        annotators=tuple(sorted({w for p in pairs for w in (p.a, p.b)})),
        pairs=len(pairs),
        entities=spans.entities,
        events=spans.events,
    )


def _read(corpus: Path) -> dict[str, dict[str, object]]:
    path = corpus / CEILING
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AnnotError(f"{path}: not JSON ({exc})", f"Rebuild it: annot corpus build {corpus}") from None
    entries = obj.get("splits") if isinstance(obj, dict) else None
    if not isinstance(entries, dict):
        raise AnnotError(f"{path}: no 'splits' object", f"Rebuild it: annot corpus build {corpus}")
    return entries


def write_ceilings(corpus: Path, schema: Schema, settings: ScoringSettings = DEFAULTS) -> dict[str, int]:
    """Compute the ceiling of every declared split and of the whole corpus into ceiling.json (atomically).
    Returns the documents shared by two annotators, per entry."""
    from ..documents import read_documents

    every = [d.id for d in read_documents(corpus / DOCUMENTS)]
    wanted = {WHOLE: every, **declared_splits(corpus / DOCUMENTS)}
    entries: dict[str, object] = {}
    shared: dict[str, int] = {}
    for name, ids in sorted(wanted.items()):
        ceiling = compute_ceiling(corpus, ids, schema, settings)
        entries[name] = {
            "key": ceiling_key(corpus, ids, schema, settings),
            "ceiling": None if ceiling is None else to_builtins(ceiling),
        }
        shared[name] = 0 if ceiling is None else ceiling.documents
    note = (
        "The annotators' agreement on each split (written by annot corpus build; checked by annot corpus verify). "
        "An entry is used only while its key, a SHA-256 of the annotation files, the documents, the schema and the "
        "scoring settings, matches."
    )
    atomic_write_text(corpus / CEILING, dump_json({"note": note, "splits": entries}))
    return shared


def stale_ceilings(corpus: Path, schema: Schema, settings: ScoringSettings = DEFAULTS) -> list[str]:
    """Problems of ceiling.json against the corpus as it is (verify): a missing file when the corpus has second
    annotations, a split without an entry, an entry whose key no longer matches."""
    if not (corpus / ANNOTATORS).is_dir():
        return []
    if not (corpus / CEILING).exists():
        return [f"{corpus}/{CEILING}: missing (the human ceiling is computed by annot corpus build)"]
    from ..documents import read_documents

    entries = _read(corpus)
    wanted = {WHOLE: [d.id for d in read_documents(corpus / DOCUMENTS)], **declared_splits(corpus / DOCUMENTS)}
    problems = []
    for name, ids in sorted(wanted.items()):
        entry = entries.get(name)
        if not isinstance(entry, dict):
            problems.append(f"{corpus}/{CEILING}: no entry for split {name!r}")
        elif entry.get("key") != ceiling_key(corpus, ids, schema, settings):
            problems.append(f"{corpus}/{CEILING}: the entry for {name!r} is stale (the annotations changed since)")
    return problems


def human_ceiling(gold: GoldColumns, schema: Schema, settings: ScoringSettings) -> HumanCeiling | None:
    """The human ceiling of the scored documents: the stored entry when one matches, else computed; None when
    the gold is not a corpus folder with second annotations (an annotators/ folder beside it)."""
    if gold.path is None:
        return None
    corpus = gold.path.parent
    if not (corpus / ANNOTATORS).is_dir():
        return None
    ids = list(gold.columns.ids)
    if (corpus / CEILING).exists():
        key = ceiling_key(corpus, ids, schema, settings)
        for name, entry in _read(corpus).items():
            if isinstance(entry, dict) and entry.get("key") == key:
                stored = entry.get("ceiling")
                if stored is None:
                    return None
                return decode(json.dumps(stored), HumanCeiling, f"{corpus / CEILING}: entry {name!r}")
    return compute_ceiling(corpus, ids, schema, settings)


# ------------------------------------------------------------------ token bounds


def write_tokens(corpus: Path) -> int:
    """Tokenise every gold text into tokens.json (atomically); returns the number of texts."""
    from ..documents import read_documents

    texts = {d.sha256: d.text for d in read_documents(corpus / DOCUMENTS)}
    entries = {sha: token_bounds(text).ravel().tolist() for sha, text in sorted(texts.items())}
    obj = {
        "note": "Token (start, end) pairs of every gold text, flattened, by the text's SHA-256: read by annot "
        "evaluate instead of importing spaCy. Written by annot corpus build.",
        "spacy": spacy_version(),
        "tokenizer": TOKENIZER,
        "texts": entries,
    }
    atomic_write_text(corpus / TOKENS, json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n")
    return len(entries)


def _tokens_file(corpus: Path) -> dict[str, Any] | None:
    try:
        obj = json.loads((corpus / TOKENS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return obj if isinstance(obj, dict) and isinstance(obj.get("texts"), dict) else None


def stored_tokens(corpus: Path) -> dict[str, np.ndarray]:
    """The stored token bounds of the corpus's texts ({} when there are none, or made by another spaCy or
    tokenizer: then every text is tokenised afresh)."""
    obj = _tokens_file(corpus)
    if obj is None or obj.get("spacy") != spacy_version() or obj.get("tokenizer") != TOKENIZER:
        return {}
    return {
        sha: np.asarray(flat, dtype=np.int64).reshape(-1, 2)
        for sha, flat in obj["texts"].items()
        if isinstance(flat, list) and len(flat) % 2 == 0
    }


def stale_tokens(corpus: Path) -> list[str]:
    """Problems of tokens.json (verify): missing, made by another spaCy, a gold text without its tokens."""
    from ..documents import read_documents

    obj = _tokens_file(corpus)
    if obj is None:
        return [f"{corpus}/{TOKENS}: missing or unreadable (the gold's tokens are stored by annot corpus build)"]
    if obj.get("spacy") != spacy_version() or obj.get("tokenizer") != TOKENIZER:
        return [f"{corpus}/{TOKENS}: made by spaCy {obj.get('spacy')}, spaCy {spacy_version()} is installed"]
    have = obj["texts"]
    missing = [d.id for d in read_documents(corpus / DOCUMENTS) if d.sha256 not in have]
    return [f"{corpus}/{TOKENS}: no tokens for document {d!r} (its text changed?)" for d in missing]
