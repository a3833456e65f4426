"""Metric paths: parsed, expanded over labels, looked up in a typed report."""

from __future__ import annotations

import random

import pytest

import annot
from annot.errors import AnnotError
from annot.reporting.paths import expand, parse_metric
from annot.scoring.counts import CountKey

from support import random_docs


@pytest.fixture(scope="module")
def report(schema):
    gold, pred = random_docs(random.Random(4), 6, 0.3)
    return annot.evaluate(gold, pred, schema=schema, bootstrap_samples=0)


@pytest.mark.parametrize(
    "path, key",
    [
        ("entities.micro.strict.f1", CountKey("entities", None, "strict")),
        ("entities.per_label.PER.partial.recall", CountKey("entities", "PER", "partial")),
        (
            "events.per_type.Contact.Meet.trigger_classification.f1",
            CountKey("events", "Contact.Meet", "trigger_classification"),
        ),
        (
            "events.per_role.Place.argument_classification.precision",
            CountKey("roles", "Place", "argument_classification"),
        ),
    ],
)
def test_paths_count_keys(path, key):
    assert parse_metric(path).count_key == key


def test_paths_values_and_support(report):
    assert parse_metric("entities.micro.strict.f1").value(report) == report.entities.micro["strict"].f1
    assert parse_metric("entities.macro.type.f1").value(report) == report.entities.macro["type"].f1
    per = parse_metric("entities.per_label.PER.strict.f1")
    assert per.support(report) == report.entities.per_label["PER"]["strict"].possible
    assert parse_metric("entities.micro.strict.f1").support(report) is None
    with pytest.raises(AnnotError, match="is not in the report"):
        parse_metric("entities.per_label.NOPE.strict.f1").value(report)


def test_paths_expand_wildcards(report, schema):
    paths = expand("entities.per_label.*.strict.f1", report)
    assert paths == [f"entities.per_label.{lab}.strict.f1" for lab in sorted(report.entities.per_label)]
    assert len(expand("events.per_role.*.argument_classification.f1", report)) == len(report.events.per_role)
    assert expand("entities.micro.strict.f1", report) == ["entities.micro.strict.f1"]
