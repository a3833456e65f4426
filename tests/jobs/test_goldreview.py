"""Gold-error review through a real Label Studio: candidates where every system contradicts a corpus's gold, a
review project with the gold and each system's version side by side, the reviewer's decisions recorded with their
reasons, and the corpus rebuilt from the record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annot.documents import read_documents

from support import ROOT, gold_review_corpus, run

pytestmark = pytest.mark.server


def test_goldreview_candidates_review_project_decisions_and_the_corpus(runner, ls_env, tmp_path: Path):
    from label_studio_sdk import LabelStudio

    corpus, config = gold_review_corpus(tmp_path, runner)
    out = tmp_path / "candidates.json"
    r = run(runner, "corpus", "review-gold", corpus, "--config", config, "-o", out, "--push", "--title", "gold review")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == (
        "3 candidate(s) in 1 of 2 document(s) (1 label, 1 missing, 1 unsupported); voters: system a, system b"
    )
    assert lines[1] == (
        "  1. oslo-meeting: label: the gold has LOC “Oslo” at 22-26, 2 voter(s) (system a, system b) have GPE “Oslo” "
        "at 22-26"
    )
    written = json.loads(out.read_text(encoding="utf-8"))
    assert [(c["rank"], c["kind"], c["gold"], c["proposed"]) for c in written["candidates"]] == [
        (1, "label", ["LOC “Oslo” at 22-26"], ["GPE “Oslo” at 22-26"]),
        (2, "missing", [], ["DATE “Monday” at 30-36"]),
        (3, "unsupported", ["GPE “Serbia” at 38-44"], []),
    ]
    last = lines[-1]
    assert last.startswith("review project ") and "1 new, 0 unchanged" in last
    pid = int(last.split()[2].rstrip(":"))

    client = LabelStudio(base_url=ls_env["LABEL_STUDIO_URL"], api_key=ls_env["LABEL_STUDIO_API_KEY"])
    (task,) = list(client.tasks.list(project=pid))
    preds = {p.model_version: p for p in client.predictions.list(task=task.id)}
    assert sorted(preds) == ["gold", "system a", "system b"]  # side by side (tabs in the Data Manager)
    assert task.data["conflict_items"] == [
        "LOC “Oslo” at 22-26",
        "GPE “Oslo” at 22-26",
        "DATE “Monday” at 30-36",
        "GPE “Serbia” at 38-44",
    ]
    html = [c["html"] for c in task.data["conflicts"]]
    assert "(has it: gold; has not: system a, system b)" in html[0]
    assert "(has it: system a, system b; has not: gold)" in html[2]

    def review(ticked: list[str]) -> None:
        decisions = {"from_name": "decisions", "to_name": "text", "type": "choices", "value": {"choices": ticked}}
        for old in client.annotations.list(id=task.id):
            client.annotations.delete(id=old.id)
        client.annotations.create(id=task.id, result=[*preds["gold"].result, decisions])

    # undecided: nothing is recorded, the document is named with what is missing
    review(["1:drop", "2:keep"])
    assert run(runner, "ls", "pull", pid, "-o", tmp_path / "review.json").exit_code == 0
    r = run(runner, "corpus", "review-gold", corpus, "--reviewed", tmp_path / "review.json")
    assert r.exit_code == 0, r.output
    assert "document 'oslo-meeting': item(s) #3, #4 undecided (tick keep or drop)" in r.output
    assert not (corpus / "corrections.json").exists()

    # regions changed instead of ticked: only the decisions are read, so the document stays undecided
    decisions = {"from_name": "decisions", "to_name": "text", "type": "choices", "value": {"choices": []}}
    decisions["value"]["choices"] = ["1:drop", "2:keep", "3:keep", "4:keep"]
    for old in client.annotations.list(id=task.id):
        client.annotations.delete(id=old.id)
    serbia = [r for r in preds["gold"].result if r.get("value", {}).get("text") == "Serbia"]
    client.annotations.create(id=task.id, result=[r for r in preds["gold"].result if r not in serbia] + [decisions])
    assert run(runner, "ls", "pull", pid, "-o", tmp_path / "review.json").exit_code == 0
    r = run(runner, "corpus", "review-gold", corpus, "--reviewed", tmp_path / "review.json")
    assert "document 'oslo-meeting': the review annotation changes the regions" in r.output
    assert not (corpus / "corrections.json").exists()

    review(["1:drop", "2:keep", "3:keep", "4:keep"])
    assert run(runner, "ls", "pull", pid, "-o", tmp_path / "review.json").exit_code == 0
    r = run(runner, "corpus", "review-gold", corpus, "--reviewed", tmp_path / "review.json")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == (
        f"1 document(s) reviewed: 4 change(s) to the gold recorded in {corpus / 'corrections.json'} (every item with "
        "its reason)"
    )
    record = json.loads((corpus / "corrections.json").read_text(encoding="utf-8"))["documents"]["oslo-meeting"]
    assert [(c["item"], c["change"]) for c in record["changes"]] == [
        ("LOC “Oslo” at 22-26", "removed"),
        ("GPE “Oslo” at 22-26", "added"),
        ("DATE “Monday” at 30-36", "added"),
        ("GPE “Serbia” at 38-44", "kept"),
        ("Place of Contact.Meet “met”: LOC “Oslo” at 22-26", "moved to the relabelled mention"),
    ]
    assert record["changes"][0]["reason"] == "label: 2 voter(s) against the gold (system a, system b)"
    assert record["by"][0].startswith("reviewer ")

    # the corpus follows the record once rebuilt, and verifies
    r = run(runner, "corpus", "verify", corpus)
    assert r.exit_code == 2 and "corrections.json: present but not in the manifest" in r.output
    assert run(runner, "corpus", "build", corpus).exit_code == 0
    assert run(runner, "corpus", "verify", corpus).exit_code == 0
    (doc,) = [d for d in read_documents(corpus / "documents.jsonl") if d.id == "oslo-meeting"]
    labels = {doc.text[e.start : e.end]: e.label for e in doc.entities}
    assert labels == {"NATO": "ORG", "Oslo": "GPE", "Monday": "DATE", "Serbia": "GPE"}
    assert {a.role: doc.entity_by_id()[a.entity].label for a in doc.events[0].arguments} == {
        "Participant": "ORG",
        "Place": "GPE",
    }
    assert doc.meta["annotation"]["gold_review"]["changes"] == 4
    r = run(runner, "corpus", "review-gold", corpus, "--config", config)
    assert r.output.startswith("1 candidate(s) in 1 of 2 document(s) (1 unsupported)")  # Serbia, kept

    # an annotation edited after the review: the build refuses the stale record, naming the document
    src = corpus / "sources" / "oslo-meeting.ann.txt"
    src.write_text(src.read_text(encoding="utf-8").replace("[[Serbia|GPE]]", "Serbia"), encoding="utf-8")
    r = run(runner, "corpus", "build", corpus)
    assert r.exit_code == 2
    assert "oslo-meeting: its annotations changed since the gold review recorded in" in r.output


def test_goldreview_a_held_out_split_is_not_reviewed(runner, tmp_path: Path):
    r = run(runner, "corpus", "review-gold", ROOT / "gold" / "news", "--split", "test")
    assert r.exit_code == 2
    assert "split 'test' of" in r.output and "is held out: its gold is not reviewed against the systems" in r.output


def test_goldreview_a_server_that_is_down_is_named_before_the_systems_predict(runner, tmp_path: Path, monkeypatch):
    """`--push` (and `annot studio model --connect`) try the server first: one that is down is named before any
    system predicts or loads, nothing is printed or written."""
    from lsserver import free_port

    corpus, config = gold_review_corpus(tmp_path, runner)
    monkeypatch.setenv("LABEL_STUDIO_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "annot-test-token-0123456789")
    out = tmp_path / "candidates.json"
    r = run(runner, "corpus", "review-gold", corpus, "--config", config, "--push", "-o", out)
    assert r.exit_code == 2 and "cannot reach" in r.output, r.output
    assert "candidate(s)" not in r.output and not out.exists()
    r = run(runner, "studio", "model", "spacy-sm", "--connect", "1")
    assert r.exit_code == 2 and "cannot reach" in r.output and "serving" not in r.output, r.output
