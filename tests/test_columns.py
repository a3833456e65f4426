"""Documents as columns: the fast reader reads what the careful one reads, and defers to it on any problem."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import numpy as np
import pytest

from annot.columns import Vocabs, from_documents, read_file_columns, read_files_columns, texts_at
from annot.documents import Argument, Document, Entity, Event, dumps_document, read_documents
from annot.errors import AnnotError
from annot.parallel import fork_map, workers

FIELDS = (
    "lengths",
    "ent_doc",
    "ent_start",
    "ent_end",
    "ent_label",
    "ev_doc",
    "ev_start",
    "ev_end",
    "ev_type",
    "arg_event",
    "arg_role",
    "arg_entity",
)


def random_documents(rng: random.Random, n: int) -> list[Document]:
    words = ["NATO", "sent", "troops", "to", "Kosovo", "Priština", "😀", "“quoted”", "a\u2028b", "x\u0085y", "Erdoğan"]
    docs = []
    for k in range(n):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 30)))
        ents = []
        for i in range(rng.randint(0, 6)):
            s = rng.randrange(len(text) - 1)
            ents.append(Entity(s, rng.randint(s + 1, len(text)), rng.choice(["PER", "ORG", "GPE"]), f"T{i + 1}"))
        evs = []
        for j in range(rng.randint(0, 3) if ents else 0):
            s = rng.randrange(len(text) - 1)
            args = tuple(
                Argument(rng.choice(["Agent", "Place"]), rng.choice(ents).id) for _ in range(rng.randint(0, 2))
            )
            evs.append(Event(f"E{j + 1}", rng.choice(["Contact.Meet", "Movement.Deploy"]), s, s + 1, args))
        docs.append(Document(f"d{k}", text, tuple(ents), tuple(evs), {"style": rng.choice(["wire", "feature"])}))
    return docs


def write(path: Path, docs: list[Document], blank_lines: bool = False) -> Path:
    lines = [dumps_document(d) + "\n" + ("\n" if blank_lines and i % 3 == 0 else "") for i, d in enumerate(docs)]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.ids == b.ids and a.sha256 == b.sha256
    for f in FIELDS:
        got, want = getattr(a, f), getattr(b, f)
        if f in ("ent_label", "ev_type", "arg_role"):
            vocab = {"ent_label": "labels", "ev_type": "types", "arg_role": "roles"}[f]
            got = [getattr(a.vocabs, vocab).names[i] for i in got]
            want = [getattr(b.vocabs, vocab).names[i] for i in want]
        assert list(got) == list(want), f


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_columns_fast_reader_reads_what_the_careful_reader_reads(tmp_path: Path, seed: int):
    docs = random_documents(random.Random(seed), 60)
    path = write(tmp_path / "d.jsonl", docs, blank_lines=True)
    fast = read_file_columns(path, Vocabs(), ("style",))
    assert fast.offsets.size == len(docs)  # the fast path was taken (the careful one keeps no line offsets)
    careful = from_documents(read_documents(path), Vocabs(), ("style",))
    same(fast, careful)
    assert fast.meta == careful.meta
    assert texts_at(path, fast.offsets[[5, 0]], fast.line_lengths[[5, 0]]) == [docs[5].text, docs[0].text]


def test_columns_in_pieces_by_several_workers_are_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    docs = random_documents(random.Random(4), 200)
    gold = write(tmp_path / "g.jsonl", docs)
    pred = write(tmp_path / "p.jsonl", list(reversed(docs)))
    one = read_files_columns([(gold, ()), (pred, ())], Vocabs(), 1)
    monkeypatch.setattr("annot.columns.PIECE", 1000)  # many pieces
    many = read_files_columns([(gold, ()), (pred, ())], Vocabs(), 3)
    for a, b in zip(one, many):
        same(a, b)
        assert a.offsets.tolist() == b.offsets.tolist()


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["entities"][0].update(start=True),  # a boolean offset
        lambda d: d["entities"][0].update(end=10**6),  # past the text
        lambda d: d["entities"][0].update(label=""),
        lambda d: d["entities"].append(dict(d["entities"][0])),  # a duplicate id
        lambda d: d.update(id="../escape"),
        lambda d: d.update(sha256="0" * 64),
        lambda d: d["events"][0]["arguments"].append({"role": "Agent", "entity": "T99"}),
        lambda d: d.update(meta=[]),
    ],
)
def test_columns_any_problem_is_reported_by_the_careful_reader(tmp_path: Path, change):
    docs = [
        Document(
            "d1",
            "NATO sent troops to Kosovo.",
            (Entity(0, 4, "ORG", "T1"),),
            (Event("E1", "Movement.Deploy", 5, 9, (Argument("Agent", "T1"),)),),
        )
    ]
    obj = json.loads(dumps_document(docs[0]))
    change(obj)
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(obj) + "\n", encoding="utf-8")
    with pytest.raises(AnnotError) as careful:
        read_documents(path)
    with pytest.raises(AnnotError) as fast:
        read_file_columns(path)
    assert (fast.value.message, fast.value.problems) == (careful.value.message, careful.value.problems)


def test_columns_json_the_standard_library_reads_is_still_read(tmp_path: Path):
    path = tmp_path / "nan.jsonl"
    path.write_text(
        '{"id": "d1", "text": "NATO", "entities": [{"start": 0, "end": 4, "label": "ORG", "score": NaN}]}\n'
    )
    cols = read_file_columns(path)
    assert cols.ent_start.tolist() == [0] and cols.offsets.size == 0  # read by the careful reader


def test_columns_duplicate_ids_across_pieces_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    docs = random_documents(random.Random(5), 50)
    path = write(tmp_path / "d.jsonl", docs + docs[:1])
    monkeypatch.setattr("annot.columns.PIECE", 500)
    with pytest.raises(AnnotError, match="document id 'd0' already used on line 1"):
        read_file_columns(path, n_workers=2)


def test_columns_a_worker_that_dies_stops_the_job_with_an_error():
    def die(x: int) -> int:
        if x == 3:
            os._exit(9)
        return x

    assert fork_map(lambda x: x * 2, list(range(5)), 2) == [0, 2, 4, 6, 8]
    with pytest.raises(AnnotError, match="a worker process died"):
        fork_map(die, list(range(5)), 2)


def test_columns_workers_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ANNOT_WORKERS", "3")
    assert workers() == 3 and workers(1) == 1
    monkeypatch.setenv("ANNOT_WORKERS", "many")
    with pytest.raises(AnnotError, match="ANNOT_WORKERS='many' is not a number"):
        workers()


def test_columns_take_keeps_arguments_pointing_at_their_rows():
    docs = random_documents(random.Random(6), 30)
    cols = from_documents(docs, Vocabs())
    order = np.array([7, 2, 19])
    sub = cols.take(order)
    again = from_documents([docs[i] for i in order], cols.vocabs)
    same(sub, again)


@pytest.mark.parametrize("ascii_only", [False, True])
def test_columns_texts_with_escapes_are_measured_and_hashed_as_decoded(tmp_path: Path, ascii_only: bool):
    texts = ["Line one.\nLine two.", 'A "quote" and a \\ backslash\tand a tab', "Priština 😀 “x”\n", "plain"]
    docs = [Document(f"d{i}", t, (Entity(len(t) - 2, len(t) - 1, "ORG", "T1"),)) for i, t in enumerate(texts)]
    path = tmp_path / "e.jsonl"
    path.write_text("".join(json.dumps(d.to_dict(), ensure_ascii=ascii_only) + "\n" for d in docs), encoding="utf-8")
    cols = read_file_columns(path)
    assert cols.offsets.size == len(docs)
    assert cols.lengths.tolist() == [len(t) for t in texts]
    assert cols.sha256 == [d.sha256 for d in docs]
    assert texts_at(path, cols.offsets, cols.line_lengths) == texts


def test_columns_a_raw_control_character_is_left_to_the_careful_reader(tmp_path: Path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "d1", "text": "a\tb"}\n', encoding="utf-8")
    with pytest.raises(AnnotError) as careful:
        read_documents(path)
    with pytest.raises(AnnotError) as fast:
        read_file_columns(path)
    assert fast.value.problems == careful.value.problems and "not valid JSON" in careful.value.problems[0]


def test_columns_background_job_gives_its_result_its_error_or_says_it_died():
    from annot.parallel import background

    assert background(lambda x: x * 3, 14, 2)() == 42
    assert background(lambda x: x * 3, 14, 1)() == 42  # one worker: computed when asked

    def fails(_: object) -> None:
        raise AnnotError("no such model", "Install it.")

    with pytest.raises(AnnotError, match="no such model"):
        background(fails, None, 2)()
    with pytest.raises(AnnotError, match="a worker process died"):
        background(lambda _: os._exit(3), None, 2)()
