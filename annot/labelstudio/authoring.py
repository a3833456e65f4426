"""Markup files (docs/authoring.md) -> a Label Studio export, for gold written outside the UI.

The output is the same JSON that Label Studio exports, so authored gold enters
the corpus through `annot import` and its checks like any other annotation.
Run as ``python -m annot.labelstudio.authoring --check FILE...`` it needs only the standard
library, so annotators can check their files before installing anything.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..documents import normalise_text, text_sha256
from ..errors import AnnotError, raise_if_problems
from ..project import SCHEMA, project_path
from ..schema import Schema, load_schema
from .config import LABEL_CONTROL, TEXT_OBJECT

_MARK = re.compile(r"\[\[(.*?)\]\]", re.S)
_DOC_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ENT_ID = re.compile(r"^T\d+$")
_EV_ID = re.compile(r"^E\d+$")


@dataclass(frozen=True)
class Authored:
    """One markup file, parsed: the clean text and its regions in Label Studio form."""

    path: Path
    doc_id: str
    meta: dict[str, str]
    text: str
    result: list[dict[str, Any]]


def _line_of(raw: str, pos: int) -> int:
    return raw.count("\n", 0, pos) + 1


def parse_markup(path: Path, schema: Schema, problems: list[str]) -> Authored | None:
    """Parse one markup file; append problems naming the file and line."""
    raw = normalise_text(path.read_text(encoding="utf-8"))
    n_before = len(problems)
    if not raw.startswith("---\n"):
        problems.append(
            f"{path}:1: the file must start with front matter: a '---' line, 'id: ...', 'story: ...', '---'"
        )
        return None
    close = raw.find("\n---\n", 3)
    if close < 0:
        problems.append(f"{path}: front matter is not closed by a '---' line")
        return None
    meta: dict[str, str] = {}
    for n, fm_line in enumerate(raw[4:close].split("\n"), 2):
        if not fm_line.strip():
            continue
        key, sep, value = fm_line.partition(":")
        if not sep or not key.strip():
            problems.append(f"{path}:{n}: front matter lines are 'key: value', got {fm_line!r}")
            continue
        meta[key.strip()] = value.strip()
    doc_id = meta.pop("id", "")
    if not _DOC_ID.match(doc_id):
        problems.append(f"{path}: front matter 'id' must be lowercase letters, digits and '-', got {doc_id!r}")
    if not meta.get("story"):
        problems.append(f"{path}: front matter needs 'story: <story id>' (articles of one story share a split)")
    body_start = close + 5
    body = raw[body_start:]
    if body.endswith("\n"):
        body = body[:-1]

    text_parts: list[str] = []
    pos = 0  # in body
    out_len = 0  # in clean text
    spans: list[tuple[str, str, int, int, str, int]] = []  # (id, label, start, end, arg spec, line)
    auto = 0
    for m in _MARK.finditer(body):
        line = _line_of(raw, body_start + m.start())
        between = body[pos : m.start()]
        text_parts.append(between)
        out_len += len(between)
        inner = m.group(1)
        if "[[" in inner:
            problems.append(f"{path}:{line}: '[[' inside a mark: marks cannot nest; close the first with ']]'")
            pos = m.end()
            continue
        fields = inner.split("|")
        surface = fields[0]
        if len(fields) < 2 or not surface or surface != surface.strip():
            problems.append(
                f"{path}:{line}: mark [[{inner}]] must be [[surface|LABEL]] with no space at the ends of the surface text"
            )
        label = fields[1].strip() if len(fields) > 1 else ""
        rid = fields[2].strip() if len(fields) > 2 else ""
        spec = fields[3].strip() if len(fields) > 3 else ""
        if len(fields) > 4:
            problems.append(f"{path}:{line}: mark [[{inner}]] has more than four '|' fields")
        if not rid:
            auto += 1
            rid = f"auto{auto}"
        start = out_len
        text_parts.append(surface)
        out_len += len(surface)
        spans.append((rid, label, start, out_len, spec, line))
        pos = m.end()
    rest = body[pos:]
    text_parts.append(rest)
    text = "".join(text_parts)
    for token in ("[[", "]]"):
        at = text.find(token)
        if at >= 0:
            problems.append(f"{path}: unbalanced '{token}' near {text[max(0, at - 20) : at + 20]!r}")

    result: list[dict[str, Any]] = []
    ids: dict[str, str] = {}
    for rid, label, start, end, spec, line in spans:
        if rid in ids:
            problems.append(f"{path}:{line}: id {rid} is used twice")
            continue
        if label not in schema.events and label not in schema.entities:
            problems.append(
                f"{path}:{line}: {label!r} is neither an entity type ({', '.join(schema.entities)}) "
                f"nor an event type ({', '.join(schema.events)})"
            )
        if label in schema.events:
            if not _EV_ID.match(rid) and not rid.startswith("auto"):
                problems.append(f"{path}:{line}: event ids look like E3, got {rid!r}")
        else:
            if spec:
                problems.append(f"{path}:{line}: only event triggers take arguments; {label!r} is not an event type")
            if not _ENT_ID.match(rid) and not rid.startswith("auto"):
                problems.append(f"{path}:{line}: entity ids look like T7, got {rid!r}")
        ids[rid] = label
        result.append(
            {
                "id": rid,
                "from_name": LABEL_CONTROL,
                "to_name": TEXT_OBJECT,
                "type": "labels",
                "origin": "manual",
                "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
            }
        )
    for rid, _label, _s, _e, spec, line in spans:
        for arg in spec.replace(",", " ").split():
            role, sep, target = arg.partition("=")
            if not sep or not role or not target:
                problems.append(f"{path}:{line}: argument {arg!r} of {rid} must look like Role=T3")
                continue
            if target not in ids:
                problems.append(f"{path}:{line}: argument {arg!r} of {rid}: no mention has id {target!r}")
                continue
            result.append({"from_id": rid, "to_id": target, "type": "relation", "direction": "right", "labels": [role]})
    if len(problems) > n_before:
        return None
    return Authored(path, doc_id, meta, text, result)


def author_export(paths: list[Path], schema: Schema, annotator: Any = 0) -> list[dict[str, Any]]:
    """Markup files -> Label Studio export tasks (one completed annotation each).

    The annotation's annotator is the front matter's `annotator:`, else `annotator`.
    """
    problems: list[str] = []
    parsed: list[Authored] = []
    for path in sorted(paths):
        try:
            a = parse_markup(path, schema, problems)
        except FileNotFoundError:
            problems.append(f"{path}: no such file")
            continue
        except UnicodeDecodeError:
            problems.append(f"{path}: not UTF-8 text")
            continue
        if a:
            parsed.append(a)
    raise_if_problems(problems, "markup files have errors", "Fix the marks named above (format: docs/authoring.md).")
    tasks = []
    for n, a in enumerate(parsed, 1):
        meta = dict(a.meta)
        who = meta.pop("annotator", annotator)  # front matter `annotator:` names whose annotation the file is
        tasks.append(
            {
                "id": n,
                "data": {"text": a.text, "doc_id": a.doc_id, "sha256": text_sha256(a.text), "meta": meta},
                "annotations": [
                    {
                        "id": n,
                        "completed_by": who,
                        "was_cancelled": False,
                        "ground_truth": False,
                        "result": a.result,
                        "meta": {"authored_from": a.path.name},
                    }
                ],
                "predictions": [],
            }
        )
    return tasks


def write_authored_export(paths: list[Path], schema: Schema, output: Path) -> int:
    """`annot author -o`: check the markup files like an import would, then write their export; returns the tasks."""
    import json

    from ..files import atomic_write_text

    check_markup(paths, schema)
    tasks = author_export(paths, schema)
    atomic_write_text(output, json.dumps(tasks, ensure_ascii=False, indent=1) + "\n")
    return len(tasks)


def check_markup(paths: list[Path], schema: Schema) -> str:
    """Author in memory and run the importer's checks; return a one-line summary or raise."""
    from .importer import documents_from_export

    tasks = author_export(paths, schema)
    try:
        docs, summary = documents_from_export(tasks, schema, where="authored export")
    except AnnotError as exc:
        # Name the markup file rather than the synthetic task and annotation ids.
        names = {
            f"task {t['id']} (doc {t['data']['doc_id']}), annotator {t['annotations'][0]['completed_by']}, "
            f"annotation {t['id']}": t["annotations"][0]["meta"]["authored_from"]
            for t in tasks
        }
        for i, p in enumerate(exc.problems):
            for key, name in names.items():
                if p.startswith(key):
                    exc.problems[i] = name + p[len(key) :]
                    break
        raise
    return (
        f"{len(docs)} document(s) OK: {summary.entities} entity mentions, "
        f"{summary.events} events, {summary.arguments} arguments"
    )


def _main(argv: list[str]) -> int:
    args = [a for a in argv if a != "--check"]
    if not args:
        print("usage: python -m annot.labelstudio.authoring --check FILE...", file=sys.stderr)
        return 2
    try:
        print(check_markup([Path(a) for a in args], load_schema(project_path(SCHEMA))))
    except AnnotError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
