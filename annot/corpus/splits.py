"""A corpus's splits (splits.json): stories assigned to splits as a whole, and the documents of a split."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..columns import Columns, Vocabs, from_documents, texts_at
from ..documents import Document, read_documents
from ..errors import AnnotError
from ..files import atomic_write_text

DOCUMENTS = "documents.jsonl"
MANIFEST = "manifest.json"
SPLITS = "splits.json"
AUTHORED_EXPORT = "export.json"


def dump_json(obj: Any) -> str:
    """Pretty, sorted, stable JSON for the corpus's own files."""
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def split_documents(docs: list[Document], splits: Path, name: str, gold: Path | None = None) -> list[Document]:
    """The documents of split `name` declared in `splits` (splits.json), in the declared order."""
    by_id = {d.id: d for d in docs}
    return [by_id[i] for i in split_ids(splits, name, gold, list(by_id))]


def split_ids(splits: Path, name: str, gold: Path | None, have: Sequence[str] | None) -> list[str]:
    """The document ids of split `name` declared in `splits` (splits.json), checked against the ids `have` (the
    documents of the gold file) unless None."""
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
    known = set(ids if have is None else have)
    missing = [i for i in ids if i not in known]
    if missing:
        raise AnnotError(
            f"{splits}: split {name!r} names documents not in {gold or 'the gold'}: {', '.join(missing)}",
            f"Run: annot corpus verify {where}",
        )
    return ids


def declared_splits(gold: Path) -> dict[str, list[str]]:
    """The splits declared in the splits.json beside `gold` ({} when there is none or it cannot be read)."""
    try:
        declared = json.loads((Path(gold).parent / SPLITS).read_text(encoding="utf-8")).get("splits", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {k: v for k, v in declared.items() if isinstance(v, list)} if isinstance(declared, dict) else {}


def split_covered(gold: Path, gold_ids: Sequence[str], pred_ids: Sequence[str]) -> str | None:
    """The split of `gold`'s corpus whose documents are exactly the gold documents the predictions have, when
    some gold documents have none (predictions made for one split, scored against the whole corpus)."""
    have = set(gold_ids) & set(pred_ids)
    if not have or have == set(gold_ids):
        return None
    for name, ids in sorted(declared_splits(gold).items()):
        if set(ids) == have:
            return name
    return None


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
    atomic_write_text(path, dump_json(obj))
    return new


def select_split(docs: list[Document], gold: Path, split: str | None) -> list[Document]:
    """The documents of `split` as declared in the splits.json beside `gold` (all of them when split is None)."""
    if split is None:
        return docs
    return split_documents(docs, Path(gold).parent / SPLITS, split, Path(gold))


@dataclass(frozen=True)
class GoldSet:
    """Gold documents read from a file, restricted to one split; the ids of the corpus's other documents."""

    path: Path
    split: str | None
    documents: list[Document]
    other_ids: frozenset[str]
    sha256: str = ""  # of the gold file


def checked_gold_file(gold: Path) -> str:
    """The SHA-256 of the gold file, after checking it against the corpus manifest when one lies beside it.

    A build that was interrupted (a new documents.jsonl beside the old manifest) is refused, not scored.
    """
    from ..files import sha256_file

    gold = Path(gold)
    if gold.is_dir():
        raise AnnotError(f"{gold}: is a folder; the gold is a documents file", f"Give {gold / DOCUMENTS}.")
    if not gold.is_file():
        raise AnnotError(f"{gold}: gold file not found", "Build the corpus first: annot corpus build gold/news")
    digest = sha256_file(gold)
    manifest = gold.parent / MANIFEST
    if gold.name == DOCUMENTS and manifest.is_file():
        try:
            listed = json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
        except (ValueError, AttributeError):
            listed = None
        splits = gold.parent / SPLITS
        changed = (
            []
            if listed is None
            else [
                name
                for name, sha in ((DOCUMENTS, digest), (SPLITS, sha256_file(splits) if splits.is_file() else ""))
                if listed.get(name) not in (None, sha)
            ]
        )
        if listed is None or changed:
            raise AnnotError(
                f"{gold.parent}: {', '.join(changed) or MANIFEST} do(es) not match {MANIFEST}: the corpus was changed "
                "by hand or a build was interrupted",
                f"Run: annot corpus build {gold.parent} (or annot corpus verify {gold.parent} to see what differs)",
            )
    return digest


def read_gold(gold: Path, split: str | None = None) -> GoldSet:
    """Read the gold documents of `gold` and keep those of `split` (splits.json beside the file).

    When a corpus manifest lies beside the gold, the gold file and the splits must be the ones it lists.
    """
    gold = Path(gold)
    digest = checked_gold_file(gold)
    every = read_documents(gold)
    chosen = select_split(every, gold, split)
    return GoldSet(gold, split, chosen, frozenset(d.id for d in every) - {d.id for d in chosen}, digest)


@dataclass(frozen=True)
class GoldColumns:
    """Gold documents as columns (`annot.columns`), restricted to one split, with a way to get their texts.

    `path` is the gold file, None for gold documents given in memory.
    """

    path: Path | None
    split: str | None
    columns: Columns
    other_ids: frozenset[str]
    texts: Callable[[Sequence[int]], list[str]]
    sha256: str = ""  # of the gold file; empty for gold in memory

    @classmethod
    def of(cls, gold: GoldSet, vocabs: Vocabs, meta_keys: Sequence[str] = ()) -> GoldColumns:
        """The columns of gold documents read as records from a file."""
        return cls.from_documents(gold.documents, vocabs, meta_keys, gold.path, gold.split, gold.other_ids, gold.sha256)

    @classmethod
    def from_documents(
        cls,
        docs: Sequence[Document],
        vocabs: Vocabs,
        meta_keys: Sequence[str] = (),
        path: Path | None = None,
        split: str | None = None,
        other_ids: frozenset[str] = frozenset(),
        sha256: str = "",
    ) -> GoldColumns:
        """The columns of gold documents in memory (`path` None: not read from a file)."""
        return cls(
            path,
            split,
            from_documents(docs, vocabs, meta_keys),
            other_ids,
            lambda idx: [docs[i].text for i in idx],
            sha256,
        )


def gold_columns(gold: Path, split: str | None, every: Columns, digest: str) -> GoldColumns:
    """The gold of `split` from the columns of the whole gold file `gold` (read with `read_files_columns`)."""
    gold = Path(gold)
    chosen = every
    if split is not None:
        ids = split_ids(gold.parent / SPLITS, split, gold, every.ids)
        index = {d: i for i, d in enumerate(every.ids)}
        chosen = every.take(np.array([index[i] for i in ids], dtype=np.int64))
    if len(chosen.offsets) == len(chosen):

        def texts(idx: Sequence[int]) -> list[str]:
            return texts_at(gold, [chosen.offsets[i] for i in idx], [chosen.line_lengths[i] for i in idx])

    else:  # read by the careful reader (the fast one refused something): read again
        docs = {d.id: d for d in read_documents(gold)}

        def texts(idx: Sequence[int]) -> list[str]:
            return [docs[chosen.ids[i]].text for i in idx]

    return GoldColumns(gold, split, chosen, frozenset(every.ids) - set(chosen.ids), texts, digest)
