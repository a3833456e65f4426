"""Articles (.txt files, folders, JSONL) -> Label Studio tasks, optionally with pre-annotations.

Text normalisation happens here, once: line endings become ``\\n`` and the text
is put in Unicode NFC (`documents.normalise_text`). Every task carries the
document id and the SHA-256 of the normalised text, so that an edited text is
detected on import instead of being scored against stale offsets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..documents import Document, id_problem, iter_jsonl, normalise_text, read_documents, text_sha256
from ..errors import AnnotError, raise_if_problems
from ..files import atomic_write_text
from .config import LABEL_CONTROL, TEXT_OBJECT


def _read_text(path: Path, problems: list[str]) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(f"{path}: not UTF-8 text (byte {exc.start}); re-save it as UTF-8")
    return None


def _jsonl_articles(path: Path, problems: list[str]) -> list[Document]:
    out = []
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(f"{path}: not UTF-8 text (byte {exc.start}); re-save it as UTF-8")
        return []
    for n, where, obj in iter_jsonl(path, raw, problems):
        if not isinstance(obj, dict):
            problems.append(f"{where}: expected an object with 'id' and 'text'")
            continue
        doc_id, text, meta = obj.get("id"), obj.get("text"), obj.get("meta", {})
        why = id_problem(doc_id)
        if why:
            problems.append(f"{where}: {why}")
            continue
        if not isinstance(text, str):
            problems.append(f"{where} ({doc_id}): 'text' must be a string")
            continue
        if not isinstance(meta, dict):
            problems.append(f"{where} ({doc_id}): 'meta' must be an object")
            continue
        out.append(Document(str(doc_id), text, meta={**meta, "source": f"{path.name}:{n}"}))
    return out


def read_articles(paths: list[Path]) -> list[Document]:
    """Articles from .txt files (id = file name without extension), folders of them, or JSONL."""
    problems: list[str] = []
    docs: list[Document] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in (".txt", ".jsonl"))
            if not files:
                problems.append(f"{path}: folder holds no .txt or .jsonl file")
        elif path.exists():
            files = [path]
        else:
            problems.append(f"{path}: no such file or folder")
            continue
        for f in files:
            if f.suffix == ".jsonl":
                docs.extend(_jsonl_articles(f, problems))
            elif f.suffix == ".txt":
                text = _read_text(f, problems)
                if text is None:
                    continue
                why = id_problem(f.stem)
                if why:
                    problems.append(f"{f}: the file name gives the document id: {why}")
                    continue
                docs.append(Document(f.stem, text, meta={"source": f.name}))
            else:
                problems.append(f"{f}: articles are .txt files or .jsonl files, got {f.suffix or 'no extension'}")
    seen: set[str] = set()
    normalised = []
    for d in docs:
        text = normalise_text(d.text)
        if not text.strip():
            problems.append(f"document {d.id!r} ({d.meta.get('source')}): the text is empty")
        if d.id in seen:
            problems.append(f"document id {d.id!r} appears twice ({d.meta.get('source')}); ids must be unique")
        seen.add(d.id)
        normalised.append(Document(d.id, text, meta=d.meta))
    raise_if_problems(problems, "cannot read the articles", "Fix or remove the inputs named above.")
    if not normalised:
        raise AnnotError("no articles found", "Pass .txt files, a folder of them, or a JSONL file with id and text.")
    return normalised


def prediction_result(doc: Document) -> list[dict[str, Any]]:
    """A document's entities and events as Label Studio regions and relations.

    Label Studio's text regions are contiguous: a discontinuous mention is one region per fragment, with the
    same label (relations point at the first); an event filling a role is linked by its trigger's region.
    """
    result: list[dict[str, Any]] = []
    for e in doc.entities:
        for k, (start, end) in enumerate(e.pieces):
            region: dict[str, Any] = {
                "id": e.id if k == 0 else f"{e.id}-{k + 1}",
                "from_name": LABEL_CONTROL,
                "to_name": TEXT_OBJECT,
                "type": "labels",
                "value": {"start": start, "end": end, "text": doc.text[start:end], "labels": [e.label]},
            }
            if e.score is not None:
                region["score"] = e.score
            result.append(region)
    for ev in doc.events:
        result.append(
            {
                "id": ev.id,
                "from_name": LABEL_CONTROL,
                "to_name": TEXT_OBJECT,
                "type": "labels",
                "value": {"start": ev.start, "end": ev.end, "text": doc.text[ev.start : ev.end], "labels": [ev.type]},
            }
        )
        for a in ev.arguments:
            result.append(
                {"from_id": ev.id, "to_id": a.target, "type": "relation", "direction": "right", "labels": [a.role]}
            )
    return result


def prediction(doc: Document, model_version: str) -> dict[str, Any]:
    """A document as one Label Studio prediction: its regions and relations (`prediction_result`), its
    `model_version`, and the mean of its mentions' scores when it has any. Static pre-annotations (`annot export
    --predictions`) and live ones (the ML backend) are both made here."""
    pred: dict[str, Any] = {"model_version": model_version, "result": prediction_result(doc)}
    scores = [x.score for x in doc.entities if x.score is not None]
    if scores:
        pred["score"] = round(sum(scores) / len(scores), 4)
    return pred


def make_tasks(
    articles: list[Document], predictions: list[Document] | None = None, model_version: str = ""
) -> list[dict[str, Any]]:
    """Label Studio tasks for `articles`; with `predictions`, each task carries them as a pre-annotation."""
    by_id = {p.id: p for p in predictions or []}
    problems = []
    if predictions is not None:
        for a in articles:
            p = by_id.get(a.id)
            if p is not None and p.text != a.text:
                problems.append(
                    f"predictions for {a.id!r}: text differs from the article (SHA-256 {p.sha256[:12]} vs {a.sha256[:12]})"
                )
    raise_if_problems(
        problems, "predictions do not match the articles", "Predict on the same articles (`annot predict`)."
    )
    tasks = []
    for a in articles:
        task: dict[str, Any] = {
            "data": {"text": a.text, "doc_id": a.id, "sha256": text_sha256(a.text), "meta": dict(a.meta)}
        }
        p = by_id.get(a.id)
        if p is not None:
            task["predictions"] = [prediction(p, model_version or str(p.meta.get("system", "annot")))]
        tasks.append(task)
    return tasks


def export_tasks(inputs: list[Path], output: Path, predictions: Path | None = None, model_version: str = "") -> int:
    """`annot export`: write a Label Studio tasks file; returns the number of tasks."""
    articles = read_articles(inputs)
    preds = read_documents(predictions) if predictions else None
    tasks = make_tasks(articles, preds, model_version)
    atomic_write_text(output, json.dumps(tasks, ensure_ascii=False, indent=1) + "\n")
    return len(tasks)
