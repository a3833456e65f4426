"""Every annotator's annotations: from Label Studio exports, per-annotator gold files, markup, or a corpus folder.

A corpus keeps the annotations it was made from::

    sources/*.ann.txt            the corpus annotators' markup (front matter `annotator:`; default "0")
    exports/*.json               Label Studio exports
    annotators/<name>/*.ann.txt  an independent annotation by <name> (markup)
    annotators/<name>.json       an independent annotation by <name> (a Label Studio export)

Agreement (`annot agreement`) and adjudication (`annot adjudicate`) read them all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from ..documents import Document, read_documents
from ..errors import AnnotError, raise_if_problems
from ..labelstudio.authoring import author_export
from ..labelstudio.importer import Annotated, annotations_from_export, iter_export
from ..schema import Schema

ANNOTATORS = "annotators"


def corpus_inputs(corpus: Path) -> list[tuple[Path, str | None]]:
    """The annotation files of a corpus, each with the annotator it belongs to when the path says so."""
    corpus = Path(corpus)
    out: list[tuple[Path, str | None]] = [(p, None) for p in sorted((corpus / "sources").glob("*.ann.txt"))]
    out += [(p, None) for p in sorted((corpus / "exports").glob("*.json"))]
    folder = corpus / ANNOTATORS
    if folder.is_dir():
        for entry in sorted(folder.iterdir()):
            if entry.is_dir():
                out += [(p, entry.name) for p in sorted(entry.glob("*.ann.txt"))]
            elif entry.suffix == ".json":
                out.append((entry, None))
    return out


def _of_markup(
    files: list[Path], schema: Schema, annotator: str | None, where: str, independent: bool = False
) -> list[Annotated]:
    tasks = author_export(files, schema, annotator if annotator is not None else 0)
    annotated, _ = annotations_from_export(tasks, schema, where=where)
    if independent:
        wrong = [a.document.id for a in annotated if a.annotator != annotator]
        if wrong:
            raise AnnotError(
                f"{where}: the front matter of {', '.join(wrong)} names another annotator than the folder {annotator!r}",
                f"In {ANNOTATORS}/<name>/ the folder names the annotator: remove the `annotator:` line or make it match.",
            )
        return [dataclasses.replace(a, independent=True) for a in annotated]
    return annotated


def read_annotations(paths: Sequence[Path], schema: Schema) -> tuple[list[Annotated], list[str]]:
    """The annotations of `paths` (exports, JSONL files, markup files or folders, corpus folders), all checked;
    and the inputs as named in reports. One annotator with two annotations of one document is refused."""
    found: list[Annotated] = []
    names: list[str] = []
    problems: list[str] = []
    for path in map(Path, paths):
        names.append(str(path))
        if not path.exists():
            problems.append(f"{path}: no such file or folder")
            continue
        if path.is_dir() and (
            (path / "sources").is_dir() or (path / ANNOTATORS).is_dir() or (path / "exports").is_dir()
        ):
            markup: dict[str | None, list[Path]] = {}
            for f, who in corpus_inputs(path):
                if f.suffix == ".json":
                    independent = f.parent.name == ANNOTATORS
                    found += [
                        dataclasses.replace(a, independent=independent)
                        for a in annotations_from_export(iter_export(f), schema, where=str(f))[0]
                    ]
                else:
                    markup.setdefault(who, []).append(f)
            for who, files in markup.items():
                found += _of_markup(files, schema, who, f"{path} ({who or 'sources'})", independent=who is not None)
        elif path.is_dir():
            files = sorted(path.glob("*.ann.txt"))
            if not files:
                problems.append(f"{path}: a folder with no *.ann.txt file and no corpus layout (sources/, annotators/)")
                continue
            found += _of_markup(files, schema, path.name, str(path))
        elif path.name.endswith(".ann.txt"):
            found += _of_markup([path], schema, None, str(path))
        elif path.suffix == ".jsonl":
            docs = read_documents(path)
            # checked against the schema like an export or markup is (evaluate refuses such gold, too)
            problems += [
                f"{path}: document {d.id!r}: {at}: {why}" for d in docs for at, why in schema.document_problems(d)
            ]
            owners = {str((d.meta.get("annotation") or {}).get("annotator", "")) for d in docs}
            who = owners.pop() if len(owners) == 1 and "" not in owners else path.stem
            found += [Annotated(who, d) for d in docs]
        elif path.suffix == ".json":
            found += annotations_from_export(iter_export(path), schema, where=str(path))[0]
        else:
            problems.append(
                f"{path}: not an annotation file (a Label Studio export .json, a documents .jsonl, markup .ann.txt, "
                "or a folder of them)"
            )
    seen: dict[tuple[str, str], int] = {}
    for i, a in enumerate(found):
        key = (a.annotator, a.document.id)
        if key in seen:
            problems.append(
                f"annotator {a.annotator} has two annotations of document {a.document.id!r} among the inputs"
            )
        seen[key] = i
    raise_if_problems(
        problems,
        "cannot read the annotations",
        "Give each annotator's work once, with the labels, event types and roles of the schema (--schema).",
    )
    if not found:
        raise AnnotError("no completed annotation in the inputs", "Annotate and submit tasks, then export again.")
    return found, names


def by_annotator(annotated: Sequence[Annotated]) -> dict[str, dict[str, Document]]:
    """annotator -> document id -> that annotator's document."""
    out: dict[str, dict[str, Document]] = {}
    for a in annotated:
        out.setdefault(a.annotator, {})[a.document.id] = a.document
    return out
