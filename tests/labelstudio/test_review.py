"""Adjudication through a real Label Studio: the conflicts go to a review project with each annotator's version as a
prediction; the reviewer's annotation, pulled and imported, resolves them; the corpus gold follows the record."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annot.corpus.adjudication import RECORD
from annot.documents import read_documents

from support import ROOT, run

pytestmark = pytest.mark.server
NAME = "kfor-reinforcements-2023-06"


def test_review_project_resolves_conflicts(runner, ls_env, tmp_path: Path, schema):
    from label_studio_sdk import LabelStudio

    corpus = tmp_path / "news"
    (corpus / "sources").mkdir(parents=True)
    shutil.copy(ROOT / "gold" / "news" / "sources" / f"{NAME}.ann.txt", corpus / "sources")
    (corpus / "annotators" / "b1").mkdir(parents=True)
    src = (corpus / "sources" / f"{NAME}.ann.txt").read_text(encoding="utf-8")
    (corpus / "annotators" / "b1" / f"{NAME}.ann.txt").write_text(
        src.replace("[[Oslo|GPE|T25]]", "[[Oslo|LOC|T25]]", 1).replace("annotator: a0", "annotator: b1"),
        encoding="utf-8",
    )

    r = run(runner, "adjudicate", corpus, "--push", "--title", "kfor review")
    assert r.exit_code == 0, r.output
    last = r.output.strip().splitlines()[-1]
    assert last.startswith("review project ") and "1 new, 0 unchanged" in last
    pid = int(last.split()[2].rstrip(":"))
    r2 = run(runner, "adjudicate", corpus, "--push", "--title", "kfor review")  # again: nothing pushed twice
    assert "0 new, 1 unchanged" in r2.output.strip().splitlines()[-1]

    client = LabelStudio(base_url=ls_env["LABEL_STUDIO_URL"], api_key=ls_env["LABEL_STUDIO_API_KEY"])
    (task,) = list(client.tasks.list(project=pid))
    preds = {p.model_version: p for p in client.predictions.list(task=task.id)}
    assert sorted(preds) == ["agreed by all", "annotator a0", "annotator b1"]
    # the reviewer takes annotator b1's version (Oslo is a LOC) and submits it
    client.annotations.create(id=task.id, result=preds["annotator b1"].result)
    r = run(runner, "ls", "pull", pid, "-o", tmp_path / "review.json")
    assert r.exit_code == 0, r.output
    r = run(runner, "adjudicate", corpus, "--reviewed", tmp_path / "review.json")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0].startswith("1 document(s) with several annotations: 1 reviewed; 0 with unresolved")
    record = json.loads((corpus / RECORD).read_text(encoding="utf-8"))["documents"][NAME]
    assert (record["decision"], record["by"], record["resolved"]) == ("reviewed", ["reviewer 1"], True)

    r = run(runner, "corpus", "build", corpus)
    assert r.exit_code == 0, r.output
    (d,) = read_documents(corpus / "documents.jsonl")
    assert {d.text[e.start : e.end]: e.label for e in d.entities}["Oslo"] == "LOC"
    assert d.meta["annotation"]["adjudication"] == "reviewed"
    # the decision survives a rebuild and another adjudicate run
    run(runner, "adjudicate", corpus)
    run(runner, "corpus", "build", corpus)
    (again,) = read_documents(corpus / "documents.jsonl")
    assert again.entities == d.entities and again.meta["annotation"]["adjudication"] == "reviewed"
