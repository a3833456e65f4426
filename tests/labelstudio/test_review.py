"""Adjudication through a real Label Studio: the conflicts go to a review project that lists each one with who said
what; the reviewer's decisions (keep or drop, every one), pulled and applied, resolve them; an undecided or doubly
decided conflict leaves the document undecided, named; the corpus gold follows the record."""

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
    # one prediction (what everyone agreed on), the same in the stream and the Data Manager; every conflict listed
    preds = {p.model_version: p for p in client.predictions.list(task=task.id)}
    assert sorted(preds) == ["agreed by all"]
    listed = task.data["conflict_items"]
    assert len(listed) == 6 and all("Oslo" in item for item in listed)
    choices = [c["value"] for c in task.data["conflicts"]]
    assert choices == [f"{n}:{d}" for n in range(1, 7) for d in ("keep", "drop")]
    assert "has it: annotator b1; has not: annotator a0" in " ".join(c["html"] for c in task.data["conflicts"])

    def review(ticked: list[str]) -> None:
        """The reviewer's annotation: the agreed regions as loaded, and the decisions ticked."""
        decisions = {"from_name": "decisions", "to_name": "text", "type": "choices", "value": {"choices": ticked}}
        for old in client.annotations.list(id=task.id):
            client.annotations.delete(id=old.id)
        client.annotations.create(id=task.id, result=[*preds["agreed by all"].result, decisions])

    # the reviewer keeps b1's LOC reading everywhere but forgets conflict 6: the document stays undecided
    loc = [n for n, item in enumerate(listed, 1) if "LOC" in item]
    review([f"{n}:{'keep' if n in loc else 'drop'}" for n in range(1, 6)])
    assert run(runner, "ls", "pull", pid, "-o", tmp_path / "review.json").exit_code == 0
    r = run(runner, "adjudicate", corpus, "--reviewed", tmp_path / "review.json")
    assert r.exit_code == 0, r.output
    assert (
        f"  - document '{NAME}': conflict(s) #6 undecided (tick keep or drop); the document stays undecided" in r.output
    )
    record = json.loads((corpus / RECORD).read_text(encoding="utf-8"))["documents"][NAME]
    assert (record["decision"], record["resolved"]) == ("agreed", False)
    # both keep and drop for one conflict is no decision either
    review([f"{n}:{'keep' if n in loc else 'drop'}" for n in range(1, 7)] + ["1:keep", "1:drop"])
    run(runner, "ls", "pull", pid, "-o", tmp_path / "review.json")
    r = run(runner, "adjudicate", corpus, "--reviewed", tmp_path / "review.json")
    assert "conflict(s) #1 both kept and dropped (keep one of the two)" in r.output
    # every conflict decided
    review([f"{n}:{'keep' if n in loc else 'drop'}" for n in range(1, 7)])
    r = run(runner, "ls", "pull", pid, "-o", tmp_path / "review.json")
    assert r.exit_code == 0, r.output
    assert "problem(s) `annot import` would refuse" not in r.output  # the decisions are no import problem
    r = run(runner, "adjudicate", corpus, "--reviewed", tmp_path / "review.json")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0].startswith("1 document(s) with several annotations: 1 reviewed; 0 with unresolved")
    record = json.loads((corpus / RECORD).read_text(encoding="utf-8"))["documents"][NAME]
    assert (record["decision"], record["by"], record["resolved"]) == ("reviewed", ["reviewer 1"], True)
    assert [(c["id"], c["decision"]) for c in record["conflicts"]] == [
        (n, "keep" if n in loc else "drop") for n in range(1, 7)
    ]

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
