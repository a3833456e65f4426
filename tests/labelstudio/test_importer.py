from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from annot.documents import read_documents, text_sha256
from annot.errors import AnnotError
from annot.labelstudio.importer import documents_from_export, import_export, utf16_to_codepoints

TEXT = "NATO is sending troops to Kosovo on 5 June."


def region(rid: str, start: int, end: int, label: str, control: str = "entity", text: str | None = None) -> dict:
    return {
        "id": rid,
        "from_name": control,
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": TEXT[start:end] if text is None else text, "labels": [label]},
    }


def relation(a: str, b: str, role: str | None, direction: str = "right") -> dict:
    r = {"from_id": a, "to_id": b, "type": "relation", "direction": direction}
    if role is not None:
        r["labels"] = [role]
    return r


def good_task() -> dict:
    return {
        "id": 7,
        "data": {"text": TEXT, "doc_id": "kfor-1", "sha256": text_sha256(TEXT), "meta": {"story": "s"}},
        "annotations": [
            {
                "id": 70,
                "completed_by": {"id": 3, "email": "annotator@example.com"},
                "was_cancelled": False,
                "ground_truth": False,
                "lead_time": 12.5,
                "created_at": "2026-11-01T10:00:00Z",
                "result": [
                    region("a1", 0, 4, "ORG"),
                    region("a2", 8, 15, "Movement.Deploy", "trigger"),
                    region("a3", 26, 32, "GPE"),
                    region("a4", 36, 42, "DATE"),
                    relation("a2", "a1", "Agent"),
                    relation("a3", "a2", "Destination", "left"),  # drawn from the argument to the trigger
                    relation("a2", "a4", "Time"),
                ],
            }
        ],
        "predictions": [],
    }


def test_importer_good_task_gives_canonical_document(schema):
    docs, summary = documents_from_export([good_task()], schema)
    (d,) = docs
    assert d.id == "kfor-1"
    assert [(e.id, TEXT[e.start : e.end], e.label) for e in d.entities] == [
        ("T1", "NATO", "ORG"),
        ("T2", "Kosovo", "GPE"),
        ("T3", "5 June", "DATE"),
    ]
    (ev,) = d.events
    assert (ev.type, TEXT[ev.start : ev.end]) == ("Movement.Deploy", "sending")
    assert [(a.role, a.entity) for a in ev.arguments] == [("Agent", "T1"), ("Destination", "T2"), ("Time", "T3")]
    assert summary.reversed_relations == 1
    # Only the annotator's id is kept: never the e-mail.
    assert d.meta["annotation"] == {"annotator": 3, "id": 70, "task": 7}
    assert "example.com" not in json.dumps(dict(d.meta))


def test_importer_is_independent_of_region_order_and_idempotent(schema, tmp_path: Path):
    t1 = good_task()
    t2 = copy.deepcopy(t1)
    t2["annotations"][0]["result"].reverse()
    p1, p2 = tmp_path / "e1.json", tmp_path / "e2.json"
    p1.write_text(json.dumps([t1]), encoding="utf-8")
    p2.write_text(json.dumps([t2]), encoding="utf-8")
    import_export(p1, tmp_path / "g1.jsonl", schema)
    before = (tmp_path / "g1.jsonl").read_bytes()
    import_export(p1, tmp_path / "g1.jsonl", schema)
    import_export(p2, tmp_path / "g2.jsonl", schema)
    assert (tmp_path / "g1.jsonl").read_bytes() == before == (tmp_path / "g2.jsonl").read_bytes()
    assert read_documents(tmp_path / "g1.jsonl")[0].entities[0].label == "ORG"


def _mutated(mutate) -> dict:
    t = good_task()
    mutate(t["annotations"][0]["result"], t)
    return t


W = "task 7, annotation 70"
BAD = [
    (
        "unknown entity label",
        lambda r, t: r[0]["value"].update(labels=["ORGANIZATION"]),
        f"{W}, region 'a1': label 'ORGANIZATION' is not an entity type of schema news-conflict (known: PER, ORG, GPE, LOC, NORP, MIL, DATE, QTY)",
    ),
    (
        "unknown event type",
        lambda r, t: r[1]["value"].update(labels=["Movement.Fly"]),
        f"{W}, region 'a2': label 'Movement.Fly' is not an event type of schema news-conflict",
    ),
    (
        "start after end",
        lambda r, t: r[0]["value"].update(start=4, end=0, text=""),
        f"{W}, region 'a1' (ORG): offsets start=4 end=0 are outside 0 <= start < end <= 43 (text length)",
    ),
    (
        "span past the end",
        lambda r, t: r[3]["value"].update(end=50),
        f"{W}, region 'a4' (DATE): offsets start=36 end=50 are outside 0 <= start < end <= 43 (text length)",
    ),
    (
        "negative start",
        lambda r, t: r[0]["value"].update(start=-1),
        f"{W}, region 'a1' (ORG): offsets start=-1 end=4 are outside",
    ),
    (
        "text disagrees",
        lambda r, t: r[2]["value"].update(text="Serbia"),
        f"{W}, region 'a3' (GPE): value.text 'Serbia' differs from the task text at [26, 32): 'Kosovo'",
    ),
    (
        "relation to a missing region",
        lambda r, t: r.append(relation("a2", "zz", "Agent")),
        f"{W}, relation result[7] ('a2' -> 'zz'): region 'zz' does not exist in this annotation",
    ),
    (
        "relation without a role",
        lambda r, t: r[4].pop("labels"),
        f"{W}, relation result[4] ('a2' -> 'a1'): relation has no role; open the relation in Label Studio and pick its role",
    ),
    (
        "role not of the event type",
        lambda r, t: r[4].update(labels=["Victim"]),
        f"{W}, relation result[4] ('a2' -> 'a1'): role 'Victim' is not a role of Movement.Deploy (roles: Agent, Force, Origin, Destination, Time)",
    ),
    (
        "role not for the entity type",
        lambda r, t: r[6].update(labels=["Destination"]),
        f"{W}, relation result[6] ('a2' -> 'a4'): a DATE cannot fill role 'Destination' of Movement.Deploy (allowed: GPE, LOC)",
    ),
    (
        "relation between two entities",
        lambda r, t: r.append(relation("a1", "a3", "Agent")),
        f"{W}, relation result[7] ('a1' -> 'a3'): a relation must link an event trigger and an entity mention",
    ),
    (
        "overlapping entities",
        lambda r, t: r.append(region("a9", 0, 2, "ORG")),
        f"{W}: regions 'a9' (ORG 'NA' [0, 2)) and 'a1' (ORG 'NATO' [0, 4)) are overlapping spans; entity mention",
    ),
    (
        "unknown control",
        lambda r, t: r[0].update(from_name="label"),
        f"{W}, region 'a1': from_name 'label' with type 'labels' is not a control of annot's labeling config",
    ),
    (
        "two labels on one region",
        lambda r, t: r[0]["value"].update(labels=["ORG", "GPE"]),
        f"{W}, region 'a1': value.labels must hold exactly one label, got ['ORG', 'GPE']",
    ),
    (
        "missing doc id",
        lambda r, t: t["data"].pop("doc_id"),
        "task 7: data.doc_id is missing; make tasks with `annot export`",
    ),
    (
        "text edited after export",
        lambda r, t: t["data"].update(text=TEXT.replace("NATO", "nato")),
        "task 7: data.sha256 does not match data.text: the text was edited after export",
    ),
    (
        "duplicate argument",
        lambda r, t: r.append(relation("a2", "a1", "Agent")),
        f"{W}, relation result[7] ('a2' -> 'a1'): the same argument (Agent) is linked twice",
    ),
]


@pytest.mark.parametrize("name, mutate, expected", BAD, ids=[b[0] for b in BAD])
def test_importer_bad_input_names_task_annotation_and_field(schema, name, mutate, expected):
    with pytest.raises(AnnotError) as err:
        documents_from_export([_mutated(mutate)], schema)
    assert any(p.startswith(expected) for p in err.value.problems), err.value.problems
    assert "nothing was written" in err.value.message


def test_importer_reports_all_problems_at_once(schema):
    def two(r, t):
        r[0]["value"].update(labels=["X"])
        r[6].update(labels=["Destination"])

    with pytest.raises(AnnotError) as err:
        documents_from_export([_mutated(two)], schema)
    assert len(err.value.problems) == 2


def test_importer_writes_nothing_on_bad_input(schema, tmp_path: Path):
    out = tmp_path / "gold.jsonl"
    out.write_text("previous content\n", encoding="utf-8")
    export = tmp_path / "e.json"
    export.write_text(json.dumps([_mutated(BAD[0][1])]), encoding="utf-8")
    with pytest.raises(AnnotError):
        import_export(export, out, schema)
    assert out.read_text(encoding="utf-8") == "previous content\n"
    assert [p.name for p in tmp_path.iterdir()] == sorted(["e.json", "gold.jsonl"]) or set(
        p.name for p in tmp_path.iterdir()
    ) == {"e.json", "gold.jsonl"}


def test_importer_skips_and_counts_cancelled_and_unannotated(schema):
    cancelled = good_task()
    cancelled["id"] = 8
    cancelled["data"]["doc_id"] = "kfor-2"
    cancelled["annotations"] = [{"id": 80, "was_cancelled": True, "result": [], "completed_by": 1}]
    empty = copy.deepcopy(cancelled)
    empty["id"], empty["data"]["doc_id"], empty["annotations"] = 9, "kfor-3", []
    docs, s = documents_from_export([good_task(), cancelled, empty], schema)
    assert [d.id for d in docs] == ["kfor-1"]
    assert s.skipped_cancelled == 1
    assert s.skipped_unannotated == ["kfor-2", "kfor-3"]


def test_importer_several_annotations_need_a_choice(schema):
    t = good_task()
    second = copy.deepcopy(t["annotations"][0])
    second.update(id=71, ground_truth=True, updated_at="2026-11-02T00:00:00Z")
    second["result"] = second["result"][:1]
    t["annotations"].append(second)
    with pytest.raises(AnnotError) as err:
        documents_from_export([t], schema)
    assert err.value.problems == [
        "task 7: 2 completed annotations [70, 71]; choose one with --pick ground-truth "
        "(the one marked ground truth in Label Studio) or --pick latest"
    ]
    (d,), _ = documents_from_export([t], schema, pick="ground-truth")
    assert len(d.entities) == 1
    (d,), _ = documents_from_export([t], schema, pick="latest")
    assert d.meta["annotation"]["id"] == 71


def test_importer_whitespace_runs_may_differ_in_value_text(schema):
    text = "NATO  sent\ntroops."
    t = good_task()
    t["data"].update(text=text, sha256=text_sha256(text))
    t["annotations"][0]["result"] = [
        {
            "id": "r",
            "from_name": "entity",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 0, "end": 10, "text": "NATO sent", "labels": ["ORG"]},
        }
    ]
    (d,), _ = documents_from_export([t], schema)
    assert (d.entities[0].start, d.entities[0].end) == (0, 10)


def test_importer_converts_utf16_offsets(schema):
    text = "Prištinë 😀 talks: NATO met Erdoğan in Ankara."
    t = good_task()
    t["data"].update(text=text, sha256=text_sha256(text))
    # A browser counting UTF-16 units puts NATO at 19..23; code points put it at 18..22.
    t["annotations"][0]["result"] = [
        {
            "id": "r",
            "from_name": "entity",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 19, "end": 23, "text": "NATO", "labels": ["ORG"]},
        }
    ]
    (d,), s = documents_from_export([t], schema)
    assert (d.entities[0].start, d.entities[0].end) == (18, 22)
    assert s.utf16_converted == 1
    t["annotations"][0]["result"][0]["value"].update(start=18, end=22)
    (d,), s = documents_from_export([t], schema)
    assert (d.entities[0].start, s.utf16_converted) == (18, 0)


def test_importer_utf16_to_codepoints():
    assert utf16_to_codepoints("a😀b", 3) == 2
    assert utf16_to_codepoints("a😀b", 2) is None  # inside the surrogate pair
    assert utf16_to_codepoints("a😀b", 4) == 3


@pytest.mark.parametrize(
    "content, expected",
    [
        ('{"not": "a list"}', "a Label Studio JSON export is a list of tasks, got dict"),
        ("[1, 2", "not a JSON file"),
    ],
)
def test_importer_rejects_files_that_are_not_exports(schema, tmp_path: Path, content, expected):
    p = tmp_path / "export.json"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(AnnotError, match=expected):
        import_export(p, tmp_path / "out.jsonl", schema)
    assert not (tmp_path / "out.jsonl").exists()
