from __future__ import annotations

import contextlib
import copy
import json
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from annot.documents import read_documents, text_sha256, write_documents
from annot.errors import AnnotError
from annot.labelstudio import importer
from annot.labelstudio.importer import (
    documents_from_export,
    import_export,
    iter_export,
    load_export,
    utf16_to_codepoints,
)

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


W = "task 7 (doc kfor-1), annotator 3, annotation 70"
BAD = [
    (
        "unknown entity label",
        lambda r, t: r[0]["value"].update(labels=["ORGANIZATION"]),
        f"{W}: ORGANIZATION “NATO” at 0-4 (region a1): label 'ORGANIZATION' is not an entity type of schema "
        "news-conflict (known: PER, ORG, GPE, LOC, NORP, MIL, DATE, QTY). Update the project's labeling config",
    ),
    (
        "unknown event type on a legacy trigger control",
        lambda r, t: r[1]["value"].update(labels=["Movement.Fly"]),
        f"{W}: Movement.Fly “sending” at 8-15 (region a2): label 'Movement.Fly' is not an event type of schema "
        "news-conflict (known: Movement.Deploy",
    ),
    (
        "start after end",
        lambda r, t: r[0]["value"].update(start=4, end=0, text=""),
        f"{W}: ORG span at 4-0 (region a1): offsets start=4 end=0 are outside 0 <= start < end <= 43 (text length). "
        "Delete the region in Label Studio and draw it again",
    ),
    (
        "span past the end",
        lambda r, t: r[3]["value"].update(end=50),
        f"{W}: DATE span at 36-50 (region a4): offsets start=36 end=50 are outside 0 <= start < end <= 43",
    ),
    (
        "negative start",
        lambda r, t: r[0]["value"].update(start=-1),
        f"{W}: ORG span at -1-4 (region a1): offsets start=-1 end=4 are outside",
    ),
    (
        "text disagrees",
        lambda r, t: r[2]["value"].update(text="Serbia"),
        f"{W}: GPE “Kosovo” at 26-32 (region a3): value.text 'Serbia' differs from the task text at [26, 32): "
        "'Kosovo'. The task text was changed after the region was drawn",
    ),
    (
        "whitespace-only span",
        lambda r, t: r[0]["value"].update(start=4, end=5, text=" "),
        f"{W}: ORG “ ” at 4-5 (region a1): the span is only whitespace. Delete the region in Label Studio.",
    ),
    (
        "relation to a missing region",
        lambda r, t: r.append(relation("a2", "zz", "Agent")),
        f"{W}: relation Movement.Deploy “sending” at 8-15 -> 'zz' (result[7]): region 'zz' does not exist",
    ),
    (
        "relation without a role",
        lambda r, t: r[4].pop("labels"),
        f"{W}: relation Movement.Deploy “sending” at 8-15 -> ORG “NATO” at 0-4 (result[4]): the relation has no role. "
        "Open the Relations tab in Label Studio and pick its role.",
    ),
    (
        "role not of the event type",
        lambda r, t: r[4].update(labels=["Victim"]),
        f"{W}: relation Movement.Deploy “sending” at 8-15 -> ORG “NATO” at 0-4 (result[4]): role 'Victim' is not a "
        "role of Movement.Deploy (roles: Agent, Force, Origin, Destination, Time). Pick an allowed role",
    ),
    (
        "role not for the entity type",
        lambda r, t: r[6].update(labels=["Destination"]),
        f"{W}: relation Movement.Deploy “sending” at 8-15 -> DATE “5 June” at 36-42 (result[6]): a DATE cannot fill "
        "role 'Destination' of Movement.Deploy (allowed: GPE, LOC)",
    ),
    (
        "relation between two entities",
        lambda r, t: r.append(relation("a1", "a3", "Agent")),
        f"{W}: relation ORG “NATO” at 0-4 -> GPE “Kosovo” at 26-32 (result[7]): a relation must link an event word",
    ),
    (
        "overlapping entities",
        lambda r, t: r.append(region("a9", 0, 2, "ORG")),
        f"{W}: ORG “NA” at 0-2 and ORG “NATO” at 0-4 are overlapping spans (regions a9, a1). Entity mentions must "
        "not overlap",
    ),
    (
        "unknown control",
        lambda r, t: r[0].update(from_name="labelz"),
        f"{W}: ORG “NATO” at 0-4 (region a1): from_name 'labelz' with type 'labels' is not a control of annot's "
        "labeling config",
    ),
    (
        "two labels on one region",
        lambda r, t: r[0]["value"].update(labels=["ORG", "GPE"]),
        f"{W}: “NATO” at 0-4 (region a1): the region must have exactly one label, got ['ORG', 'GPE']",
    ),
    (
        "missing doc id",
        lambda r, t: t["data"].pop("doc_id"),
        "task 7: data.doc_id is missing; make tasks with `annot export`",
    ),
    (
        "text edited after export",
        lambda r, t: t["data"].update(text=TEXT.replace("NATO", "nato")),
        "task 7 (doc kfor-1): data.sha256 does not match data.text: the text was edited after export",
    ),
    (
        "HTML entities in a task without sha256",
        lambda r, t: t["data"].update(text=TEXT.replace("NATO", "AT&amp;T"), sha256=None),
        "task 7 (doc kfor-1): has no data.sha256 and its text holds HTML character references (&amp;)",
    ),
    (
        "duplicate argument",
        lambda r, t: r.append(relation("a2", "a1", "Agent")),
        f"{W}: relation Movement.Deploy “sending” at 8-15 -> ORG “NATO” at 0-4 (result[7]): the same argument "
        "(Agent) is linked twice",
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
    assert s.cancelled == ["task 8 (doc kfor-2), annotator 1"]
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
        "task 7 (doc kfor-1): 2 completed annotations (70 by annotator 3, 71 by annotator 3); choose what becomes "
        "gold: --pick annotator:ID (that annotator's), --pick ground-truth (the one marked ground truth: `annot ls "
        "ground-truth`), --pick latest, or `annot adjudicate` to keep what annotators agree on"
    ]
    (d,), s = documents_from_export([t], schema, pick="ground-truth")
    assert len(d.entities) == 1 and d.meta["annotation"]["ground_truth"] is True
    assert s.dropped == [
        "task 7 (doc kfor-1): annotation 70 by annotator 3 (kept 71 by annotator 3, --pick ground-truth)"
    ]
    (d,), s = documents_from_export([t], schema, pick="latest")
    assert d.meta["annotation"]["id"] == 71 and len(s.dropped) == 1


def _two_annotators(ids=(70, 71)):  # type: ignore[no-untyped-def]
    t = good_task()
    second = copy.deepcopy(t["annotations"][0])
    second.update(id=ids[1], completed_by=5, updated_at="2026-11-02T00:00:00Z")
    second["result"] = second["result"][:1]
    t["annotations"][0]["id"] = ids[0]
    t["annotations"].append(second)
    return t


def test_importer_pick_by_annotator_and_one_annotators_documents(schema):
    from annot.labelstudio.importer import PickRule

    t = _two_annotators()
    (d,), s = documents_from_export([t], schema, pick=PickRule.parse("annotator:5,3"))
    assert d.meta["annotation"]["annotator"] == 5 and len(d.entities) == 1
    assert s.dropped == [
        "task 7 (doc kfor-1): annotation 70 by annotator 3 (kept 71 by annotator 5, --pick annotator:5,3)"
    ]
    (d,), _ = documents_from_export([t], schema, pick=PickRule.parse("annotator:9,3"))  # the first who did it
    assert d.meta["annotation"]["annotator"] == 3
    with pytest.raises(AnnotError) as err:
        documents_from_export([t], schema, pick=PickRule.parse("annotator:9"))
    assert "none of annotator(s) 9 annotated it (its annotations are by 3, 5)" in err.value.problems[0]
    # one annotator's documents: the other annotator's task is listed as not annotated by them
    other = good_task()
    other.update(id=8)
    other["data"].update(doc_id="kfor-2")
    docs, s = documents_from_export([t, other], schema, annotator="5")
    assert [(d.id, d.meta["annotation"]["annotator"]) for d in docs] == [("kfor-1", 5)]
    assert s.skipped_unannotated == ["kfor-2"]


@pytest.mark.parametrize("text", ["first", "annotator", "annotator:", "latest:3", "ground-truth:1,2", ""])
def test_importer_a_pick_rule_that_is_not_one_is_named(text: str):
    from annot.labelstudio.importer import PickRule

    with pytest.raises(AnnotError, match=f"--pick {text!r}: not a rule") as err:
        PickRule.parse(text)
    assert "annotator:ID" in err.value.hint


def test_importer_latest_with_annotation_ids_of_mixed_types(schema):
    t = _two_annotators(ids=("a-70", 71))
    t["annotations"][1]["updated_at"] = t["annotations"][0].get("updated_at") or ""
    (d,), _ = documents_from_export([t], schema, pick="latest")  # no TypeError comparing "a-70" with 71
    assert d.meta["annotation"]["id"] in ("a-70", 71)


def test_importer_never_writes_over_its_input(schema, tmp_path: Path):
    from annot.labelstudio.importer import import_export

    export = tmp_path / "export.json"
    export.write_text(json.dumps([good_task()]), encoding="utf-8")
    before = export.read_bytes()
    with pytest.raises(AnnotError, match="is the input") as err:
        import_export(export, export, schema)
    assert err.value.message == f"{export}: is the input {export}; nothing was written"
    assert export.read_bytes() == before


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


def label_region(rid: str, start: int, end: int, label: str, **extra) -> dict:
    return {**region(rid, start, end, label, control="label"), **extra}


def test_importer_reads_the_single_label_control_by_label(schema):
    """annot's config has one control: entity or trigger is told by the label."""
    t = good_task()
    for r in t["annotations"][0]["result"]:
        if r.get("type") == "labels":
            r["from_name"] = "label"
    (d,), _ = documents_from_export([t], schema)
    assert [e.label for e in d.entities] == ["ORG", "GPE", "DATE"] and d.events[0].type == "Movement.Deploy"


def test_importer_trims_whitespace_at_span_edges(schema):
    t = good_task()
    t["annotations"][0]["result"][0] = label_region("a1", 0, 5, "ORG")  # "NATO " as a double click selects it
    (d,), s = documents_from_export([t], schema)
    assert (d.entities[0].start, d.entities[0].end) == (0, 4) and s.trimmed == 1


def test_importer_counts_and_names_empty_cancelled_drafts_and_dropped(schema):
    t = good_task()
    t["annotations"].append({"id": 71, "completed_by": 5, "was_cancelled": False, "result": []})
    t["annotations"].append({"id": 72, "completed_by": 6, "was_cancelled": True, "result": []})
    t["drafts"] = [{"id": 9, "user": "someone@example.com", "result": [label_region("d", 0, 4, "ORG")]}]
    (d,), s = documents_from_export([t], schema)
    assert s.empty == ["task 7 (doc kfor-1), annotator 5"]
    assert s.cancelled == ["task 7 (doc kfor-1), annotator 6"]
    assert s.drafts == ["task 7 (doc kfor-1), draft 9"]  # the e-mail of the draft's user is never kept
    assert d.meta["annotation"]["annotator"] == 3


def test_importer_marks_accepted_predictions_and_rates_them(schema):
    t = good_task()
    pred_result = [
        label_region("p1", 0, 4, "ORG"),
        label_region("p2", 26, 32, "LOC"),
        label_region("p3", 36, 42, "DATE"),
    ]
    t["predictions"] = [{"id": 5, "model_version": "spacy-sm", "result": pred_result}]
    result = t["annotations"][0]["result"]
    result[0] = label_region("a1", 0, 4, "ORG", origin="prediction")  # accepted unchanged
    result[2] = label_region("a3", 26, 32, "GPE", origin="prediction-changed")  # relabelled
    result[3] = label_region("a4", 36, 42, "DATE", origin="prediction")
    t["annotations"][0]["parent_prediction"] = 5
    (d,), s = documents_from_export([t], schema)
    assert d.meta["annotation"]["accepted_predictions"] == [
        {"start": 0, "end": 4, "label": "ORG", "model_version": "spacy-sm"},
        {"start": 36, "end": 42, "label": "DATE", "model_version": "spacy-sm"},
    ]
    stats = s.predictions["spacy-sm"]
    assert (stats.predicted, stats.accepted, stats.rate) == (3, 2, 2 / 3)


def test_importer_astral_text_without_value_text_needs_offsets_named(schema):
    text = "Prištinë 😀 talks: NATO met."
    t = good_task()
    t["data"].update(text=text, sha256=text_sha256(text))
    reg = label_region("r", 19, 23, "ORG")
    del reg["value"]["text"]
    t["annotations"][0]["result"] = [reg]
    with pytest.raises(AnnotError) as err:
        documents_from_export([t], schema)
    assert (
        "code point and UTF-16 offsets cannot be told apart. Re-run with --offsets codepoints" in err.value.problems[0]
    )
    (d,), s = documents_from_export([t], schema, offsets="utf16")
    assert text[d.entities[0].start : d.entities[0].end] == "NATO" and s.utf16_converted == 1


def test_importer_task_without_sha256_warns_or_is_refused_when_the_corpus_knows_another_text(schema):
    t = good_task()
    t["data"].pop("sha256")
    (d,), s = documents_from_export([t], schema)
    assert s.warnings == [
        "task 7 (doc kfor-1): no data.sha256 (not made by `annot export`): imported, but an edit of its text in "
        "Label Studio could not be detected"
    ]
    with pytest.raises(AnnotError) as err:
        documents_from_export([t], schema, known={"kfor-1": text_sha256("another text")})
    assert "the corpus knows document 'kfor-1' with another text" in err.value.problems[0]
    documents_from_export([t], schema, known={"kfor-1": text_sha256(TEXT)})  # the same text: fine


# ------------------------------------------------------------------ one pass per task, a task at a time


def _utf16_reference(text: str) -> dict[int, int]:
    """UTF-16 offset -> code point index, by encoding each prefix: slow, obviously right."""
    return {len(text[:i].encode("utf-16-le")) // 2: i for i in range(len(text) + 1)}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", " ", "é", "€", "\uffff", "😀", "\U00010000", "\U0010ffff", "𝔸"])))
@example("a😀b")
@example("😀😀")
def test_importer_utf16_offsets_by_the_index_of_astral_characters(text: str):
    ref = _utf16_reference(text)
    units = len(text.encode("utf-16-le")) // 2
    for offset in range(-2, units + 3):
        assert utf16_to_codepoints(text, offset) == ref.get(offset), (text, offset)


def _tasks_file(tmp_path: Path, tasks: list, **dumps) -> Path:
    p = tmp_path / "export.json"
    p.write_text(json.dumps(tasks, **dumps), encoding="utf-8")
    return p


def test_importer_reads_an_export_file_a_task_at_a_time(tmp_path: Path):
    second = good_task()
    second.update(id=8)
    p = tmp_path / "export.json"
    raw = json.dumps([good_task(), second])
    p.write_text(raw.replace('"id": 8,', '"id": 8'), encoding="utf-8")  # a comma missing in the second task
    tasks = iter_export(p, chunk=16)
    assert next(tasks) == good_task()  # given before the rest of the file is read
    with pytest.raises(AnnotError) as err:
        next(tasks)
    with pytest.raises(AnnotError) as whole:
        load_export(p)
    assert str(err.value) == str(whole.value) and "not a JSON file (Expecting ',' delimiter" in err.value.message


def test_importer_an_export_cut_short_is_refused_before_its_tasks_are_read(tmp_path: Path):
    p = tmp_path / "export.json"
    p.write_text(json.dumps([good_task(), good_task()])[:-40], encoding="utf-8")  # a download that broke off
    with pytest.raises(AnnotError, match="not a JSON file"):
        next(iter_export(p))  # not even the first task, whole as it is


def test_importer_a_valid_export_is_never_read_whole(schema, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    p = _tasks_file(tmp_path, [good_task()])

    def whole(path):
        raise AssertionError("the export was read whole")

    monkeypatch.setattr(importer, "load_export", whole)
    import_export(p, tmp_path / "gold.jsonl", schema)
    assert read_documents(tmp_path / "gold.jsonl")[0].id == "kfor-1"


def _emoji_task(k: int, utf16: bool) -> dict:
    text = f"😀 {k}: NATO is sending troops to Kosovo on 5 June. 🛰️"
    t = good_task()
    t["id"] = k
    t["data"].update(text=text, sha256=text_sha256(text), doc_id=f"doc-{k}")
    shift = len(f"😀 {k}: ") + (1 if utf16 else 0)
    for r in t["annotations"][0]["result"]:
        if r["type"] == "labels":
            r["value"].update(start=r["value"]["start"] + shift, end=r["value"]["end"] + shift)
    return t


@pytest.mark.parametrize("chunk", [7, 100, 1 << 20])
def test_importer_export_file_gives_the_documents_of_its_tasks(schema, tmp_path: Path, chunk: int):
    tasks = [_emoji_task(k, utf16=k % 2 == 0) for k in range(1, 8)]
    tasks.append({**good_task(), "id": 99})
    raw = json.dumps(tasks, indent=1, ensure_ascii=chunk == 7)  # \ud83d\ude00 escapes in one of the files
    (tmp_path / "export.json").write_text(" \n" + raw + "\n\n", encoding="utf-8")
    docs, summary = documents_from_export(json.loads(raw), schema)
    write_documents(tmp_path / "expected.jsonl", docs)
    streamed = import_export(tmp_path / "export.json", tmp_path / "gold.jsonl", schema, chunk=chunk)
    assert (tmp_path / "gold.jsonl").read_bytes() == (tmp_path / "expected.jsonl").read_bytes()
    assert streamed == summary and summary.utf16_converted == 3 * 4 and summary.documents == 8


def test_importer_numbers_are_read_as_json_loads_reads_them(schema, tmp_path: Path):
    t = good_task()
    t["data"]["meta"] = {"score": 0.1, "scores": [0.1, 0.2, 1e-07, 1.0, -0.0, 2.5e300], "big": 2**70, "n": 3}
    p = _tasks_file(tmp_path, [t])
    import_export(p, tmp_path / "gold.jsonl", schema)
    line = (tmp_path / "gold.jsonl").read_text(encoding="utf-8")
    assert '"score": 0.1, "scores": [0.1, 0.2, 1e-07, 1.0, -0.0, 2.5e+300], "big": 1180591620717411303424' in line
    (meta,) = [d.meta for d in read_documents(tmp_path / "gold.jsonl")]
    assert type(meta["score"]) is float and meta["score"] == 0.1 and type(meta["n"]) is int
    assert [type(x) for x in meta["scores"]] == [float] * 6


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**80), 2**80)
    | st.floats()
    | st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(json_values, max_size=5),
    st.sampled_from([None, 0, 2]),
    st.booleans(),
    st.integers(1, 40),
    st.sampled_from(["", " ", "\n", "\r\n\t "]),
)
def test_importer_streaming_gives_what_json_loads_gives(tmp_path_factory, items, indent, ascii_only, chunk, space):
    raw = space + json.dumps(items, indent=indent, ensure_ascii=ascii_only) + space
    p = tmp_path_factory.mktemp("stream") / "export.json"
    p.write_text(raw, encoding="utf-8")
    streamed = list(iter_export(p, chunk=chunk))
    # compared as text: 1 and 1.0, or -0.0 and 0.0, are equal in Python but not the same JSON
    assert json.dumps(streamed) == json.dumps(load_export(p)) == json.dumps(json.loads(raw))


NOT_PLAIN = [
    b"",
    b"   \n",
    b'{"not": "a list"}',
    b"null",
    b'"a list?"',
    b"[1, 2",
    b"[1,]",
    b"[,1]",
    b"[1 2]",
    b"[1] x",
    b"[1]]",
    b"[01]",
    b"[1.]",
    b"[-]",
    b'[{"a": 1} {"b": 2}]',
    b'[{"a": tru}]',
    b"\xef\xbb\xbf[]",  # a byte order mark
    '[{"id": 1}]'.encode("utf-16"),  # UTF-16 with its byte order mark
    '[{"id": 1}]'.encode("utf-16-le"),  # and without
    b'[{"text": "\xff"}]',  # not UTF-8
    b'[{"text": "a\x01b"}]',  # a control character in a string
    b"[" * 100_000 + b"]" * 100_000,  # nested too deeply
    b'[{"a": ' + b"[" * 5_000 + b"]" * 5_000 + b"}]",
    # what json.loads reads and a stricter parser would not: read the same
    b"[NaN, Infinity, -Infinity, 1E400, 123456789012345678901234567890]",
    b'["\\ud800", "\\udc00x", "\\ud83d\\ude00"]',  # lone surrogates kept as json.loads keeps them
    b'[{"a": 1, "a": 2}]',
    b"[]",
    b" [ ] ",
]


@pytest.mark.parametrize("raw", NOT_PLAIN, ids=range(len(NOT_PLAIN)))
@pytest.mark.parametrize("chunk", [3, 1 << 20])
def test_importer_streaming_fails_as_reading_whole_fails(tmp_path: Path, raw: bytes, chunk: int):
    p = tmp_path / "export.json"
    p.write_bytes(raw)
    try:
        expected: object = json.dumps(load_export(p))
    except AnnotError as exc:
        expected = (str(exc), exc.hint)
    try:
        got: object = json.dumps(list(iter_export(p, chunk=chunk)))
    except AnnotError as exc:
        got = (str(exc), exc.hint)
    assert got == expected


def test_importer_every_cut_of_an_export_fails_as_reading_whole_fails(tmp_path: Path):
    raw = json.dumps([good_task(), _emoji_task(2, utf16=False)], indent=1, ensure_ascii=False)
    p = tmp_path / "export.json"
    for cut in range(0, len(raw), 7):
        p.write_text(raw[:cut], encoding="utf-8")
        with pytest.raises(AnnotError) as whole:
            load_export(p)
        with pytest.raises(AnnotError) as streamed:
            list(iter_export(p, chunk=5))
        assert str(streamed.value) == str(whole.value), cut


# ------------------------------------------------- any field of an export, any type


HOSTILE = [
    None, True, 0, -1, 3, 2**70, 1.5, float("nan"), "", "x", "3", [], [1, 2], [{"id": 1}], {}, {"id": [1]},
    {"a": {"b": None}}, "a\\nb",
]  # fmt: skip


def _places(obj, at=()):  # type: ignore[no-untyped-def]
    yield at
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _places(v, (*at, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _places(v, (*at, i))


def test_importer_any_field_of_any_type_is_a_message_never_a_traceback(schema):
    """Every field of a task (with a draft, a prediction and a second annotation), replaced by a value of any
    type or removed, or a field added: importing, picking, agreement and adjudication all end in documents or in
    an AnnotError naming what is wrong, never another exception."""
    from hypothesis import example, given, settings
    from hypothesis import strategies as st

    from annot.jobs.annotation import split_review
    from annot.labelstudio.client import annotation_problems, status_of
    from annot.labelstudio.importer import PickRule, annotations_from_export

    base = good_task()
    second = copy.deepcopy(base["annotations"][0])
    second.update(id=71, completed_by=5)
    base["annotations"].append(second)
    base["drafts"] = [{"id": 9, "user": 5, "result": [region("d1", 0, 4, "ORG")]}]
    base["predictions"] = [{"id": 4, "model_version": "m", "result": [region("p1", 0, 4, "ORG")]}]
    places = list(_places(base))

    @settings(max_examples=1500)
    @example([(161, "set", True)])  # once: a prediction list that was a boolean
    @example([(8, "set", True)])  # once: annotations that were a boolean
    @example([(53, "set", [])])  # once: a list as a region id
    @given(
        st.lists(
            st.tuples(
                st.integers(0, len(places) - 1), st.sampled_from(["set", "del", "add"]), st.sampled_from(HOSTILE)
            ),
            min_size=1,
            max_size=3,
        )
    )
    def check(changes) -> None:  # type: ignore[no-untyped-def]
        task = copy.deepcopy(base)
        for index, op, value in changes:
            path = places[index]
            parent = task
            try:
                for step in path[:-1]:
                    parent = parent[step]
                if not path:
                    task = copy.deepcopy(value)
                elif op == "set":
                    parent[path[-1]] = copy.deepcopy(value)
                elif op == "del":
                    del parent[path[-1]]
                elif isinstance(parent, dict):
                    parent["extra"] = copy.deepcopy(value)
            except (KeyError, IndexError, TypeError):
                continue  # an earlier change removed the way there
        for call in (
            lambda: documents_from_export([task], schema),
            lambda: documents_from_export([task], schema, pick="latest"),
            lambda: documents_from_export([task], schema, pick=PickRule.parse("annotator:5")),
            lambda: documents_from_export([task], schema, annotator="3"),
            lambda: annotations_from_export([task], schema),
            lambda: split_review([task], "review.json"),
            lambda: annotation_problems([task] if isinstance(task, dict) else [], schema),
            lambda: status_of([task] if isinstance(task, dict) else [], 2),
        ):
            with contextlib.suppress(AnnotError):
                call()

    check()


# ------------------------------------------------------------- a schema whose mentions nest


def _nested_task(*result: dict) -> dict:
    t = good_task()
    t["annotations"][0]["result"] = list(result)
    return t


def test_importer_follows_the_schemas_nested_mentions(schema):
    """With [mentions] nested = true: overlapping regions import, a region with two entity types gives two
    mentions, a relation to it takes the type the role allows; the same type twice on one span is refused."""
    import dataclasses

    nested = dataclasses.replace(schema, nested=True)
    two = region("a1", 0, 4, "ORG")
    two["value"]["labels"] = ["ORG", "LOC"]  # only the ORG may be an Agent of a deployment
    task = _nested_task(
        two,
        region("a5", 0, 15, "ORG"),  # "NATO is sending": overlaps NATO
        region("a2", 8, 15, "Movement.Deploy", "trigger"),
        relation("a2", "a1", "Agent"),
    )
    (d,), _ = documents_from_export([task], nested)
    assert [(TEXT[e.start : e.end], e.label) for e in d.entities] == [
        ("NATO", "LOC"),
        ("NATO", "ORG"),
        (TEXT[:15], "ORG"),
    ]
    agent = d.events[0].arguments[0]
    assert {e.id: e.label for e in d.entities}[agent.entity] == "ORG"
    ambiguous = copy.deepcopy(task)
    ambiguous["annotations"][0]["result"][0]["value"]["labels"] = ["ORG", "MIL"]  # both may be the Agent
    with pytest.raises(AnnotError, match="the region carries ORG, MIL, and each may be the Agent"):
        documents_from_export([ambiguous], nested)
    with pytest.raises(AnnotError) as err:
        documents_from_export([task], schema)  # the flat schema refuses both
    assert any("must have exactly one label" in p for p in err.value.problems)
    overlap = _nested_task(region("a1", 0, 4, "ORG"), region("a5", 0, 15, "ORG"))
    with pytest.raises(AnnotError, match="are overlapping spans"):
        documents_from_export([overlap], schema)
    assert len(documents_from_export([overlap], nested)[0][0].entities) == 2
    twice = _nested_task(region("a1", 0, 4, "ORG"), region("a9", 0, 4, "ORG"))
    with pytest.raises(AnnotError) as err:
        documents_from_export([twice], nested)
    assert err.value.problems == [f"{W}: ORG “NATO” at 0-4 is marked twice (regions a1, a9). Delete one of them."]


# ------------------------------------------------------------- nested events: a relation between two event words

NESTED_TEXT = "The attack led NATO to send troops."
NESTED_ROLES = """
roles.Cause = ["Conflict.Attack"]
"""


def _nested_event_schema(tmp_path: Path, both_ways: bool = False):  # type: ignore[no-untyped-def]
    """The project's schema, with a Cause of a deployment that an attack fills (and, `both_ways`, a Cause of an
    attack that a deployment fills)."""
    from annot.schema import load_schema

    from support import ROOT

    toml = (ROOT / "configs" / "schema.toml").read_text(encoding="utf-8")
    at = toml.index('[events."Conflict.Attack"]')
    deploy = toml.index('[events."Movement.Deploy"]')
    assert deploy < at
    toml = toml[:at] + NESTED_ROLES.lstrip() + "\n" + toml[at:]
    if both_ways:
        nxt = toml.index("[events.", toml.index('[events."Conflict.Attack"]') + 1)
        toml = toml[:nxt] + 'roles.Cause = ["Movement.Deploy"]\n\n' + toml[nxt:]
    path = tmp_path / "schema.toml"
    path.write_text(toml, encoding="utf-8")
    return load_schema(path)


def _nested_event_task(*result: dict) -> dict:
    t = good_task()
    t["data"].update(text=NESTED_TEXT, sha256=text_sha256(NESTED_TEXT))
    t["annotations"][0]["result"] = [
        {**r, "value": {**r["value"], "text": NESTED_TEXT[r["value"]["start"] : r["value"]["end"]]}}
        if "value" in r
        else r
        for r in result
    ]
    return t


def test_importer_reads_an_event_filling_a_role_of_another(tmp_path: Path):
    """Where the schema lets an event type fill a role (BioNLP-style nested events), a relation between two event
    words is that argument: drawn from the containing event, or turned round when only the other way is allowed;
    a role neither way allows, a circle of events, and a schema without event fillers are refused, named. What
    `annot export --predictions` sends for a nested event imports back as it was."""
    from annot.documents import Argument, Document, Entity, Event, canonical
    from annot.labelstudio.tasks import prediction_result

    nested = _nested_event_schema(tmp_path)
    attack = region("e1", 4, 10, "Conflict.Attack", "trigger")
    send = region("e2", 23, 27, "Movement.Deploy", "trigger")
    nato = region("t1", 15, 19, "ORG")
    (d,), summary = documents_from_export(
        [_nested_event_task(nato, attack, send, relation("e2", "e1", "Cause"), relation("e2", "t1", "Agent"))], nested
    )
    by_type = {ev.type: ev for ev in d.events}
    assert set(by_type["Movement.Deploy"].arguments) == {
        Argument("Cause", "", None, by_type["Conflict.Attack"].id),
        Argument("Agent", next(e.id for e in d.entities if e.label == "ORG")),
    }
    assert summary.arguments == 2 and summary.reversed_relations == 0
    # drawn from the attack to the deployment: only the other way is allowed, so it is turned round
    (d2,), summary = documents_from_export(
        [_nested_event_task(nato, attack, send, relation("e1", "e2", "Cause"), relation("e2", "t1", "Agent"))], nested
    )
    assert d2 == d and summary.reversed_relations == 1
    # a role neither way allows
    with pytest.raises(AnnotError) as err:
        documents_from_export([_nested_event_task(attack, send, relation("e2", "e1", "Agent"))], nested)
    (problem,) = err.value.problems
    assert "relation Movement.Deploy “send” at 23-27 -> Conflict.Attack “attack” at 4-10" in problem
    assert "a Conflict.Attack cannot fill role 'Agent' of Movement.Deploy" in problem
    # the project's own schema lets no event fill a role: the message says what a relation links
    with pytest.raises(AnnotError) as err:
        documents_from_export([_nested_event_task(attack, send, relation("e2", "e1", "Cause"))], load_schema_default())
    assert "a relation must link an event word (trigger) and a name, date or number. Delete it" in err.value.problems[0]
    # each containing the other: a circle
    both = _nested_event_schema(tmp_path, both_ways=True)
    circle = _nested_event_task(attack, send, relation("e2", "e1", "Cause"), relation("e1", "e2", "Cause"))
    with pytest.raises(AnnotError) as err:
        documents_from_export([circle], both)
    assert "fills a role of itself" in err.value.problems[0] and "close the circle" in err.value.problems[0]
    # both ways allowed: the relation's direction decides ("left": drawn from the filler)
    (d3,), _ = documents_from_export([_nested_event_task(attack, send, relation("e1", "e2", "Cause", "left"))], both)
    assert [a.event for ev in d3.events if ev.type == "Movement.Deploy" for a in ev.arguments] == [
        next(ev.id for ev in d3.events if ev.type == "Conflict.Attack")
    ]
    # export -> Label Studio regions and relations -> import: the same document
    gold = canonical(
        Document(
            "kfor-1",
            NESTED_TEXT,
            (Entity(15, 19, "ORG", "T1"),),
            (
                Event("E1", "Conflict.Attack", 4, 10),
                Event("E2", "Movement.Deploy", 23, 27, (Argument("Agent", "T1"), Argument("Cause", "", None, "E1"))),
            ),
        )
    )
    task = _nested_event_task()
    task["annotations"][0]["result"] = prediction_result(gold)
    (back,), _ = documents_from_export([task], nested)
    assert canonical(Document(back.id, back.text, back.entities, back.events)) == gold


def load_schema_default():  # type: ignore[no-untyped-def]
    from annot.schema import load_schema

    from support import ROOT

    return load_schema(ROOT / "configs" / "schema.toml")
