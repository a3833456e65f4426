"""The typed report: report.json written from records and read back into them, byte for byte."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import annot
from annot.errors import AnnotError
from annot.reporting.model import Report, load_report

from support import ROOT, random_docs

BUNDLED = sorted((ROOT / "reports").glob("*/report.json")) + sorted((ROOT / "reports" / "baseline").glob("*.json"))


def _report(schema, bootstrap: int = 50) -> Report:
    gold, pred = random_docs(random.Random(11), 9, 0.3)
    return annot.evaluate(gold, pred, schema=schema, system="sys", bootstrap_samples=bootstrap)


def test_model_json_round_trip_is_byte_stable(schema):
    report = _report(schema)
    text = report.to_json()
    again = Report.from_json(text)
    assert again.to_json() == text
    assert again.entities.micro["strict"].f1 == pytest.approx(report.entities.micro["strict"].f1, abs=1e-6)
    assert again.per_document.ids == sorted(report.per_document.ids)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(ROOT)))
def test_model_bundled_reports_read_back_to_the_same_bytes(path: Path):
    assert load_report(path).to_json() == path.read_text(encoding="utf-8")


def test_model_report_keys_are_the_contract(schema):
    data = json.loads(_report(schema).to_json())
    assert set(data) == {"meta", "entities", "events", "per_document"}
    assert {"annot_version", "created_at", "gold", "schema", "system", "settings", "definitions"} <= set(data["meta"])
    assert {"path", "sha256", "documents", "split"} <= set(data["meta"]["gold"])
    assert set(data["entities"]) == {"micro", "macro", "per_label", "unsupported_labels", "errors", "confusion"}
    counts = {
        "correct",
        "incorrect",
        "partial",
        "missed",
        "spurious",
        "possible",
        "actual",
        "precision",
        "recall",
        "f1",
    }
    assert set(data["entities"]["micro"]["strict"]) == counts | {"ci"}
    assert set(data["entities"]["micro"]["strict"]["ci"]) == {"precision", "recall", "f1"}
    assert set(data["entities"]["macro"]["type"]) == {"precision", "recall", "f1", "labels"}
    assert set(data["events"]) == {"micro", "per_type", "per_role", "errors", "role_confusion"}
    assert set(data["events"]["micro"]["argument_classification"]) - {"ci"} == {
        "matched",
        "predicted",
        "gold",
        "precision",
        "recall",
        "f1",
    }
    per_doc = data["per_document"]
    assert set(per_doc) == {"ids", "sha256", "counts"} and "entities/strict" in per_doc["counts"]
    assert per_doc["ids"] == sorted(per_doc["ids"]) and len(per_doc["sha256"]) == len(per_doc["ids"])
    assert all(len(v) == len(per_doc["ids"]) for v in per_doc["counts"].values())


def test_model_reads_the_per_document_layout_of_annot_0_1(schema):
    """report.json files made before the per-document columns ({id: {sha256, counts}}) still read (baselines)."""
    from annot.reporting.model import Report

    report = _report(schema)
    data = json.loads(report.to_json())
    cols = data["per_document"]
    data["per_document"] = {
        d: {
            "sha256": cols["sha256"][i],
            "counts": {k: v[i] for k, v in cols["counts"].items() if any(v[i])},
        }
        for i, d in enumerate(cols["ids"])
    }
    old = Report.from_json(json.dumps(data))
    assert old.to_json() == report.to_json()


def test_model_per_document_columns_are_checked(schema):
    from annot.errors import AnnotError
    from annot.reporting.model import Report

    data = json.loads(_report(schema).to_json())
    data["per_document"]["sha256"] = data["per_document"]["sha256"][:-1]
    with pytest.raises(AnnotError, match="ids and sha256 must be lists of the same length"):
        Report.from_json(json.dumps(data))
    data = json.loads(_report(schema).to_json())
    data["per_document"]["counts"]["entities/strict"] = [[1, 2, 3]]
    with pytest.raises(AnnotError, match="counts of entities/strict must hold"):
        Report.from_json(json.dumps(data))


def test_model_without_bootstrap_has_no_intervals(schema):
    data = json.loads(_report(schema, bootstrap=0).to_json())
    assert "ci" not in data["entities"]["micro"]["strict"]


def test_model_floats_have_six_digits_in_json_only(schema):
    report = _report(schema)
    f1 = report.entities.micro["strict"].f1
    assert f1 is not None
    written = json.loads(report.to_json())["entities"]["micro"]["strict"]["f1"]
    assert written == round(f1, 6)


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "not JSON"),
        ('{"entities": {}}', "not a report.json made by annot evaluate"),
        ('{"meta": 3, "entities": {}, "events": {}, "per_document": {}}', "not a report.json made by annot evaluate"),
    ],
)
def test_model_bad_report_files(tmp_path: Path, content, message):
    path = tmp_path / "r.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AnnotError, match=message) as err:
        load_report(path)
    assert str(path) in err.value.message


def test_model_missing_report_file(tmp_path: Path):
    with pytest.raises(AnnotError, match="report not found"):
        load_report(tmp_path / "nope.json")


# Floats on both sides of every boundary where msgspec and json could write a float differently; 5e-05 once
# made this test fail by chance (msgspec writes 0.00005), before the writer checked floats before encoding.
BOUNDARY_FLOATS = [
    5e-05,
    1e-05,
    9.999999999999999e-05,
    1e-04,
    0.00015,
    1e-06,
    1e-07,
    1e15,
    9999999999999998.0,
    1e16,
    1e16 + 2,
    1.2345678901234568e17,
    1e22,
    1.5e300,
    5e-324,
    2.2250738585072014e-308,
    2.225073858507201e-308,
    -0.0,
    0.0,
    0.1 + 0.2,
    -5e-05,
    -1e16,
    123456.789,
    float("nan"),
    float("inf"),
    float("-inf"),
]


def _json_values():  # type: ignore[no-untyped-def]
    from hypothesis import strategies as st

    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**62), 2**62)
        | st.floats()
        | st.sampled_from(BOUNDARY_FLOATS)
        | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=20,
    )


@pytest.mark.parametrize("x", BOUNDARY_FLOATS, ids=repr)
def test_model_json_text_of_each_boundary_float_is_json_dumps(x: float):
    from annot.reporting.codec import dumps_sorted

    for obj in (x, [x], {"v": x, "w": [0.5, x]}):
        assert dumps_sorted(obj) == json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True)


def test_model_json_text_is_what_the_standard_library_writes():
    """report.json is written by msgspec for speed; its text is exactly json.dumps' (sorted, indented, UTF-8)."""
    from hypothesis import example, given, settings

    from annot.reporting.codec import dumps_sorted

    @settings(max_examples=1000)
    @given(_json_values())
    @example({"p": 5e-05, "q": [0.1, "x"]})
    @example([1e16, 1e-05, -0.0, 2**62])
    def same(obj):  # type: ignore[no-untyped-def]
        assert dumps_sorted(obj) == json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True)

    same()
    assert dumps_sorted(2**70) == json.dumps(2**70)
