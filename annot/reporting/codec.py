"""report.json as text and back: the JSON codec of the report's records (`model.py`).

Writing: records become plain data (`to_builtins`: floats rounded to six
digits, optional keys left out), written with sorted keys and a two-space
indent, the per-document counts one line per count key. Reading: msgspec
decodes straight into the records and validates every type (`decode`), the
per-document counts of both layouts (0.1's and 0.2's) included. Nothing here
knows the record types: they are passed in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

import msgspec
import numpy as np

from ..errors import AnnotError
from ..scoring.counts import CountKey
from ..scoring.table import CountTable

DIGITS = 6  # stable float digits in report.json

# Field metadata: left out of report.json when the value is None (or, for `empty`, an empty value).
OMIT_NONE = {"omit": "none"}
OMIT_EMPTY = {"omit": "empty"}

T = TypeVar("T")


def round_float(x: float | None) -> float | None:
    return None if x is None else round(x, DIGITS)


def builtins_of_fields(
    obj: Any, skip: frozenset[str] | set[str] = frozenset(), digits: int | None = DIGITS
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(obj):
        if f.name in skip:
            continue
        value = getattr(obj, f.name)
        omit = f.metadata.get("omit")
        if (omit == "none" and value is None) or (omit == "empty" and not value):
            continue
        out[f.name] = to_builtins(value, digits)
    return out


def to_builtins(value: Any, digits: int | None = DIGITS) -> Any:
    """Records as plain JSON data; floats rounded to `digits` (None: as they are)."""
    if isinstance(value, float):
        return value if digits is None else round(value, digits)
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, CountTable):
        return per_document_dict(value)
    if hasattr(value, "to_dict"):  # a record that writes itself (never the one being written: see its to_dict)
        return value.to_dict()
    if is_dataclass(value):
        return builtins_of_fields(value, digits=digits)
    if isinstance(value, Mapping):
        return {str(k): to_builtins(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_builtins(v, digits) for v in value]
    raise TypeError(f"cannot write {type(value).__name__} to report.json")


def _plain_floats(obj: Any) -> bool:
    """Whether every float in `obj` is one that msgspec and json write alike: finite, and zero or of a size
    that Python writes without an exponent (1e-4 <= |x| < 1e16). Outside that range the two differ both ways
    (msgspec 0.00005, json 5e-05; msgspec 1e16, json 1e+16), and json writes NaN where msgspec writes null."""
    if isinstance(obj, float):
        return obj == 0.0 or (1e-4 <= abs(obj) < 1e16)  # False for NaN and the infinities too
    if isinstance(obj, dict):
        return all(_plain_floats(v) for v in obj.values())
    if isinstance(obj, list | tuple):
        return all(_plain_floats(v) for v in obj)
    return True


def dumps_sorted(obj: Any) -> str:
    """`json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True)`, by msgspec when that gives the same text.

    msgspec is several times faster and writes every float in the plain range exactly as json does (the
    shortest text that reads back to the same float); a value with any other float is written by json itself,
    so the bytes never depend on which of the two wrote them.

    >>> dumps_sorted({"b": 5e-05, "a": 0.25}) == json.dumps({"b": 5e-05, "a": 0.25}, indent=2, sort_keys=True)
    True
    """
    if not _plain_floats(obj):
        return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True)
    try:
        raw = msgspec.json.encode(obj, order="sorted")
    except (OverflowError, msgspec.EncodeError):  # an integer beyond 64 bits: json writes it
        return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True)
    return msgspec.json.format(raw, indent=2).decode("utf-8")


def _per_document_order(table: CountTable) -> tuple[list[int], list[CountKey]]:
    return sorted(range(len(table.ids)), key=table.ids.__getitem__), sorted(table.keys, key=str)


def per_document_dict(table: CountTable) -> dict[str, Any]:
    """report.json's ``per_document``: document ids (sorted), the SHA-256 of their texts, and for each count key
    with a non-zero count the vector of every document, in the order of the ids."""
    rows, keys = _per_document_order(table)
    return {
        "counts": {str(k): table.matrix(k)[rows].tolist() for k in keys},
        "ids": [table.ids[i] for i in rows],
        "sha256": [table.sha256[i] for i in rows],
    }


def per_document_chunks(table: CountTable, indent: int) -> Iterator[str]:
    """report.json's ``per_document`` (`per_document_dict`) as JSON text at `indent`, each key's vectors on one
    line, a key at a time."""
    rows, keys = _per_document_order(table)
    pad, inner = " " * (indent + 2), " " * (indent + 4)
    yield "{\n" + f'{pad}"counts": ' + ("{\n" if keys else "{}")
    for i, k in enumerate(keys):
        yield f"{inner}{json.dumps(str(k))}: {_vectors_json(table.matrix(k)[rows])}" + (
            ",\n" if i < len(keys) - 1 else "\n"
        )
    if keys:
        yield pad + "}"
    ids = json.dumps([table.ids[i] for i in rows], ensure_ascii=False)
    sha = json.dumps([table.sha256[i] for i in rows])
    yield f',\n{pad}"ids": {ids},\n{pad}"sha256": {sha}\n' + " " * indent + "}"


def _vectors_json(m: np.ndarray) -> str:
    """A (documents x width) integer matrix as a JSON list of lists, without spaces: "[[1,0,2],[0,0,1]]".

    Made by looking each number's text up in tables (with the bracket that opens or closes a vector attached)
    and joining them once, not number by number.
    """
    n, width = m.shape
    if not m.size:
        return "[" + ",".join("[]" for _ in range(n)) + "]"
    lo, hi = int(m.min()), int(m.max())
    if lo < 0 or hi > 1_000_000:
        return msgspec.json.encode(m.astype(np.int64).tolist()).decode()
    plain = np.array([str(v) for v in range(hi + 1)], dtype=object)
    tokens = np.empty((n, width), dtype=object)
    if width == 1:
        tokens[:, 0] = np.array([f"[{v}]" for v in range(hi + 1)], dtype=object)[m[:, 0]]
    else:
        tokens[:, 0] = np.array([f"[{v}" for v in range(hi + 1)], dtype=object)[m[:, 0]]
        tokens[:, 1:-1] = plain[m[:, 1:-1]]
        tokens[:, -1] = np.array([f"{v}]" for v in range(hi + 1)], dtype=object)[m[:, -1]]
    return "[" + ",".join(tokens.ravel().tolist()) + "]"


class _PerDocument(msgspec.Struct):
    sha256: str
    counts: dict[str, list[int]]


class _PerDocumentColumns(msgspec.Struct):
    counts: dict[str, list[list[int]]]
    ids: list[str]
    sha256: list[str]


def dec_hook(type_: type, obj: Any) -> Any:
    if type_ is CountTable and isinstance(obj, dict) and isinstance(obj.get("ids"), list):
        cols = msgspec.convert(obj, _PerDocumentColumns)
        n = len(cols.ids)
        if len(cols.sha256) != n or len(set(cols.ids)) != n:
            raise ValueError("per_document: ids and sha256 must be lists of the same length, ids unique")
        keys = sorted((CountKey.parse(k) for k in cols.counts), key=CountKey.sort_key)
        blocks = []
        for key in keys:
            wrong = ValueError(f"per_document: counts of {key} must hold {n} vectors of {key.width}")
            try:
                m = np.array(cols.counts[str(key)], dtype=np.int64).reshape(-1, key.width)
            except ValueError:
                raise wrong from None
            if m.shape != (n, key.width):
                raise wrong
            blocks.append(m)
        data = np.hstack(blocks) if blocks else np.zeros((n, 0), dtype=np.int64)
        return CountTable(cols.ids, cols.sha256, keys, data)
    if type_ is CountTable:  # the layout of annot 0.1: {id: {sha256, counts: {key: vector}}}
        docs = msgspec.convert(obj, dict[str, _PerDocument])
        ids = sorted(docs)
        return CountTable.from_rows(
            ids,
            [docs[i].sha256 for i in ids],
            [{CountKey.parse(k): v for k, v in docs[i].counts.items()} for i in ids],
        )
    raise NotImplementedError(f"cannot read {type_}")


def decode(text: str | bytes, type_: type[T], where: str) -> T:
    """`text` read into records of `type_`; a clear error for anything that is not one."""
    hint = "Give a report.json written by `annot evaluate`."
    try:
        return msgspec.json.decode(text, type=type_, dec_hook=dec_hook)
    except msgspec.ValidationError as exc:
        raise AnnotError(f"{where}: not a report.json made by annot evaluate ({exc})", hint) from None
    except msgspec.DecodeError as exc:
        raise AnnotError(f"{where}: not JSON ({exc})", hint) from None
    except RecursionError:
        raise AnnotError(f"{where}: JSON nested too deeply to read (not a report.json)", hint) from None
