from __future__ import annotations

import json
from pathlib import Path

import pytest

from annot.documents import Argument, Document, Entity, Event, text_sha256
from annot.errors import AnnotError
from annot.labelstudio.tasks import export_tasks, make_tasks, read_articles


def test_export_txt_folder_and_jsonl(tmp_path: Path):
    (tmp_path / "arts").mkdir()
    (tmp_path / "arts" / "a1.txt").write_bytes("NATO\r\nin Pris\u030ctina".encode())
    (tmp_path / "arts" / "a2.txt").write_text("KFOR", encoding="utf-8")
    (tmp_path / "more.jsonl").write_text(
        json.dumps({"id": "j1", "text": "EU", "meta": {"source_url": "x"}}) + "\n", encoding="utf-8"
    )
    docs = read_articles([tmp_path / "arts", tmp_path / "more.jsonl"])
    assert [d.id for d in docs] == ["a1", "a2", "j1"]
    assert docs[0].text == "NATO\nin Priština"  # LF line endings, NFC
    out = tmp_path / "tasks.json"
    assert export_tasks([tmp_path / "arts"], out) == 2
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert tasks[0]["data"] == {
        "text": "NATO\nin Priština",
        "doc_id": "a1",
        "sha256": text_sha256("NATO\nin Priština"),
        "meta": {"source": "a1.txt"},
    }


def test_export_seed_article(tmp_path: Path, seed_text):
    (tmp_path / "seed.txt").write_text(seed_text, encoding="utf-8")
    export_tasks([tmp_path / "seed.txt"], tmp_path / "t.json")
    (task,) = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert task["data"]["text"] == seed_text
    assert task["data"]["sha256"] == text_sha256(seed_text)


@pytest.mark.parametrize(
    "setup, expected",
    [
        (lambda p: None, "missing.txt: no such file or folder"),
        (
            lambda p: (p / "missing.txt").write_text("  \n", encoding="utf-8"),
            "document 'missing' (missing.txt): the text is empty",
        ),
        (lambda p: (p / "missing.txt").write_bytes(b"\xff\xfe\x00bad"), "missing.txt: not UTF-8 text"),
    ],
)
def test_export_bad_articles(tmp_path: Path, setup, expected):
    setup(tmp_path)
    with pytest.raises(AnnotError) as err:
        read_articles([tmp_path / "missing.txt"])
    assert any(expected in p for p in err.value.problems), err.value.problems
    assert not (tmp_path / "tasks.json").exists()


def test_export_bad_jsonl_and_duplicate_ids(tmp_path: Path):
    p = tmp_path / "a.jsonl"
    p.write_text('{"id": "x", "text": "a"}\n{"id": "x", "text": "b"}\n{"text": "c"}\n', encoding="utf-8")
    with pytest.raises(AnnotError) as err:
        read_articles([p])
    assert (
        f"{p}:3: document id None must be letters, digits, '.', '_' or '-', starting with a letter or digit (200 at most)"
        in err.value.problems
    )
    assert "document id 'x' appears twice (a.jsonl:2); ids must be unique" in err.value.problems


def test_export_with_predictions_as_preannotations(tmp_path: Path):
    text = "NATO sent troops to Kosovo."
    art = [Document("a", text)]
    pred = Document(
        "a",
        text,
        (Entity(0, 4, "ORG", "T1", 0.9), Entity(20, 26, "GPE", "T2", 0.7)),
        (Event("E1", "Movement.Deploy", 5, 9, (Argument("Agent", "T1"), Argument("Destination", "T2"))),),
        {"system": "spacy-sm"},
    )
    (task,) = make_tasks(art, [pred])
    (p,) = task["predictions"]
    assert p["model_version"] == "spacy-sm"
    assert p["score"] == 0.8
    kinds = [(r["type"], r.get("from_name"), *r.get("value", {}).get("labels", [])) for r in p["result"]]
    assert sorted(kinds, key=str) == sorted(
        [("labels", "label", "ORG"), ("labels", "label", "GPE"), ("labels", "label", "Movement.Deploy")]
        + [("relation", None)] * 2,
        key=str,
    )
    with pytest.raises(AnnotError, match="predictions do not match the articles"):
        make_tasks([Document("a", text + "!")], [pred])
