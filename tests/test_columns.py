"""Documents as columns: the fast reader reads what the careful one reads, and defers to it on any problem."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import numpy as np
import pytest

from annot.columns import Vocabs, from_documents, read_file_columns, read_files_columns, texts_at
from annot.documents import Argument, Document, Entity, Event, dumps_document, read_documents
from annot.errors import AnnotError
from annot.parallel import Execution

FIELDS = (
    "lengths",
    "ent_doc",
    "ent_start",
    "ent_end",
    "ent_label",
    "ent_frag",
    "ev_doc",
    "ev_start",
    "ev_end",
    "ev_type",
    "arg_event",
    "arg_role",
    "arg_entity",
    "arg_ref",
)


def random_documents(rng: random.Random, n: int) -> list[Document]:
    words = ["NATO", "sent", "troops", "to", "Kosovo", "Priština", "😀", "“quoted”", "a\u2028b", "x\u0085y", "Erdoğan"]
    docs = []
    for k in range(n):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 30)))
        ents = []
        for i in range(rng.randint(0, 6)):
            s = rng.randrange(len(text) - 1)
            e = rng.randint(s + 1, len(text))
            # a discontinuous mention now and then: two fragments, apart
            frags = ((s, s + 1), (e - 1, e)) if e - s > 2 and rng.random() < 0.3 else ()
            ents.append(Entity(s, e, rng.choice(["PER", "ORG", "GPE"]), f"T{i + 1}", None, frags))
        evs: list[Event] = []
        for j in range(rng.randint(0, 3) if ents else 0):
            s = rng.randrange(len(text) - 1)
            args = tuple(
                # an earlier event fills the role now and then (nested events)
                Argument(rng.choice(["Agent", "Place"]), "", None, rng.choice(evs).id)
                if evs and rng.random() < 0.3
                else Argument(rng.choice(["Agent", "Place"]), rng.choice(ents).id)
                for _ in range(rng.randint(0, 2))
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
        if f in ("ent_label", "ev_type", "arg_role", "ent_frag"):
            vocab = {"ent_label": "labels", "ev_type": "types", "arg_role": "roles", "ent_frag": "fragments"}[f]
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


def test_columns_in_pieces_by_several_workers_are_the_same(tmp_path: Path):
    docs = random_documents(random.Random(4), 200)
    gold = write(tmp_path / "g.jsonl", docs)
    pred = write(tmp_path / "p.jsonl", list(reversed(docs)))
    one = read_files_columns([(gold, ()), (pred, ())], Vocabs())
    many = read_files_columns([(gold, ()), (pred, ())], Vocabs(), Execution(workers=3, read_piece=1000))
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
        lambda d: d["entities"][0].update(fragments=[[0, 4]]),  # one fragment is no discontinuous mention
        lambda d: d["entities"][0].update(fragments=[[0, 2], [2, 4]]),  # touching fragments
        lambda d: d["entities"][0].update(fragments=[[0, 1], [3, 5]]),  # past the extent
        lambda d: d["entities"][0].update(fragments=None),
        lambda d: d["events"][0]["arguments"].append({"role": "Theme", "event": "E1"}),  # an event in itself
        lambda d: d["events"][0]["arguments"].append({"role": "Theme", "event": "E9"}),
        lambda d: d["events"][0]["arguments"].append({"role": "Theme", "event": "E1", "entity": "T1"}),
        lambda d: d["events"][0]["arguments"].append({"role": "Theme", "event": ""}),
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


def test_columns_duplicate_ids_across_pieces_are_refused(tmp_path: Path):
    docs = random_documents(random.Random(5), 50)
    path = write(tmp_path / "d.jsonl", docs + docs[:1])
    with pytest.raises(AnnotError, match="document id 'd0' already used on line 1"):
        read_file_columns(path, execution=Execution(workers=2, read_piece=500))


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


# ------------------------------------------------- the two readers, both directions


HOSTILE = [
    None, True, False, 0, -1, 1, 7, 1.0, "1", 2**31, 2**63, 2**64, 10**30, 1.5, -0.0, float("nan"), float("inf"),
    "", " ", "x", "T1", "E1", "ORG", "../x", ".hidden", "-rf", "a\nb", "\u0000", "0" * 64, [], {}, [1], {"a": 1},
    [{"start": 0, "end": 1, "label": "X"}], {"start": 0, "end": 1},
    [[0, 1], [2, 3]], [[0, 1]], [[1, 0], [2, 3]], [[0, 1], [1, 2]], [[0, True], [2, 3]], "E2", "E3",
    {"role": "Theme", "event": "E1"},
]  # fmt: skip
BYTES = [b'"', b"{", b"}", b"[", b"]", b",", b":", b"\n", b"\\", b"\x00", b"\xff", b"\xc3", b" ", b"1", b"-", b"e"]


def _paths(obj, at=()):  # type: ignore[no-untyped-def]
    """Every place in a JSON value: (path, the value there)."""
    yield at, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*at, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*at, i))


def _mutations():  # type: ignore[no-untyped-def]
    from hypothesis import strategies as st

    field = st.tuples(
        st.just("field"),
        st.integers(0, 10**6),  # which place of which document
        st.sampled_from(["replace", "delete", "add key"]),
        st.sampled_from(HOSTILE),
    )
    byte = st.tuples(
        st.just("byte"),
        st.integers(0, 10**6),
        st.sampled_from(["delete", "insert", "duplicate line", "bom"]),
        st.sampled_from(BYTES),
    )
    return st.lists(field | byte, min_size=1, max_size=3)


def _mutate(docs: list[Document], mutations) -> bytes:  # type: ignore[no-untyped-def]
    objs = [json.loads(dumps_document(d)) for d in docs]
    raw: bytes | None = None
    for kind, where, op, shared in mutations:
        value = copy.deepcopy(shared)  # never the list's own object: a later mutation would change it
        if kind == "field" and raw is None:
            places = [(k, p, v) for k, o in enumerate(objs) for p, v in _paths(o)]
            k, path, _ = places[where % len(places)]
            if not path:  # the whole document
                objs[k] = value if op == "replace" else objs[k]
                continue
            parent = objs[k]
            for step in path[:-1]:
                parent = parent[step]
            last = path[-1]
            if op == "replace":
                parent[last] = value
            elif op == "delete":
                del parent[last]
            elif isinstance(parent, dict):
                parent[f"extra{where % 5}"] = value
            continue
        if raw is None:
            raw = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs).encode("utf-8")
        at = where % (len(raw) + 1)
        if op == "delete":
            raw = raw[:at] + raw[at + 1 :]
        elif op == "insert":
            raw = raw[:at] + value + raw[at:]
        elif op == "duplicate line":
            lines = raw.splitlines(keepends=True)
            if lines:
                i = where % len(lines)
                lines.insert(i, lines[i])
            raw = b"".join(lines)
        else:
            raw = b"\xef\xbb\xbf" + raw
    if raw is None:
        raw = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs).encode("utf-8")
    return raw


def test_columns_the_fast_reader_accepts_a_file_only_if_the_careful_one_does(tmp_path_factory):
    """On arbitrary mutations of valid files: whatever the fast reader accepts, the careful reader accepts too,
    with the same columns (the dangerous direction: a bad file scored silently); and the combined reader
    (`read_file_columns`, which hands refused files to the careful one) accepts exactly what the careful one does.
    """
    from hypothesis import example, given, settings
    from hypothesis import strategies as st

    from annot.columns import _Refused, read_columns

    folder = tmp_path_factory.mktemp("mutated")

    @settings(max_examples=2000)
    @given(st.integers(0, 2**32), _mutations())
    @example(1, [("field", 3, "replace", True)])
    @example(2, [("field", 8, "replace", 2**64)])
    @example(3, [("byte", 0, "bom", b"")])
    def check(seed: int, mutations) -> None:  # type: ignore[no-untyped-def]
        docs = random_documents(random.Random(seed), 3)
        path = folder / "m.jsonl"
        path.write_bytes(_mutate(docs, mutations))
        try:
            careful = from_documents(read_documents(path), Vocabs())
        except AnnotError:
            careful = None
        try:
            fast = read_columns(path, Vocabs())
        except (_Refused, UnicodeDecodeError):
            fast = None
        if fast is not None and len(set(fast.ids)) == len(fast.ids):  # what read_files_columns keeps
            assert careful is not None, "the fast reader accepted a file the careful reader refuses"
            same(fast, careful)
        try:
            combined = read_file_columns(path)
        except AnnotError:
            combined = None
        assert (combined is None) == (careful is None)
        if combined is not None and careful is not None:
            same(combined, careful)

    check()
