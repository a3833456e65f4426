"""The command line: exit codes, exact error lines, and the article -> tasks -> export -> gold -> report path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annot.cli import app
from annot.documents import read_documents
from annot.labelstudio.authoring import author_export

from support import DATA, ROOT, commands

SEED_SOURCE = ROOT / "gold" / "news" / "sources" / "kfor-reinforcements-2023-06.ann.txt"


def run(runner, *args):
    return runner.invoke(app, [str(a) for a in args])


def test_cli_help_and_version(runner):
    r = run(runner, "--help")
    assert r.exit_code == 0
    for cmd in ("export", "import", "evaluate", "predict", "schema", "corpus", "author", "ls"):
        assert cmd in r.output
    assert run(runner, "--version").output.startswith("annot ")


@pytest.mark.parametrize("cmd", commands())
def test_cli_every_command_help_has_an_example(runner, cmd):
    r = run(runner, *cmd.split(), "--help")
    assert r.exit_code == 0, r.output
    assert "Example" in r.output or f"annot {cmd} --" in r.output, r.output


def test_cli_round_trip_article_to_report(runner, tmp_path: Path, schema):
    """article -> tasks file -> (annotation as Label Studio stores it) -> export file -> gold -> report."""
    (tmp_path / "kfor-reinforcements-2023-06.txt").write_text(
        (DATA / "seed_article.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    r = run(runner, "export", tmp_path / "kfor-reinforcements-2023-06.txt", "-o", tmp_path / "tasks.json")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == f"wrote 1 task(s) to {tmp_path / 'tasks.json'}"
    tasks = json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8"))
    # The annotator's work: the seed gold, as Label Studio would store it on the exported task.
    authored = author_export([SEED_SOURCE], schema)[0]
    assert authored["data"]["sha256"] == tasks[0]["data"]["sha256"]
    tasks[0].update(id=1, annotations=[{**authored["annotations"][0], "id": 11, "completed_by": 2}])
    (tmp_path / "export.json").write_text(json.dumps(tasks), encoding="utf-8")
    r = run(runner, "import", tmp_path / "export.json", "-o", tmp_path / "gold.jsonl")
    assert r.exit_code == 0, r.output
    assert "wrote 1 document(s)" in r.output and "74 entity mentions, 25 events, 41 arguments" in r.output
    r = run(runner, "predict", tmp_path / "gold.jsonl", "-o", tmp_path / "pred.jsonl")
    assert r.exit_code == 0, r.output
    r = run(
        runner,
        "evaluate",
        "--gold",
        tmp_path / "gold.jsonl",
        "--pred",
        tmp_path / "pred.jsonl",
        "-o",
        tmp_path / "rep",
        "--bootstrap",
        "50",
    )
    assert r.exit_code == 0, r.output
    rep = json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))
    strict = rep["entities"]["micro"]["strict"]
    assert strict["possible"] == 74 and 0 < strict["f1"] < 1
    assert strict["correct"] + strict["incorrect"] + strict["partial"] + strict["missed"] == strict["possible"]
    assert set(rep["entities"]["per_label"]) >= set(schema.entities)
    assert rep["meta"]["gold"]["documents"] == 1
    assert (tmp_path / "rep" / "report.md").read_text(encoding="utf-8").startswith("# annot evaluation")
    # evaluating an identical file scores 1.0 everywhere
    r = run(
        runner,
        "evaluate",
        "--gold",
        tmp_path / "gold.jsonl",
        "--pred",
        tmp_path / "gold.jsonl",
        "-o",
        tmp_path / "self",
        "--bootstrap",
        "0",
    )
    rep = json.loads((tmp_path / "self" / "report.json").read_text(encoding="utf-8"))
    assert {rep["entities"]["micro"][s]["f1"] for s in ("strict", "exact", "partial", "type")} == {1.0}
    assert {v["f1"] for v in rep["events"]["micro"].values()} == {1.0}


def test_cli_import_bad_export_exit_2_and_exact_error(runner, tmp_path: Path, schema):
    authored = author_export([SEED_SOURCE], schema)
    authored[0]["annotations"][0]["result"][0]["value"]["labels"] = ["ORGANISATION"]
    (tmp_path / "e.json").write_text(json.dumps(authored), encoding="utf-8")
    r = run(runner, "import", tmp_path / "e.json", "-o", tmp_path / "g.jsonl")
    assert r.exit_code == 2
    lines = r.output.splitlines()
    assert (
        lines[0] == f"Error: {tmp_path / 'e.json'}: the export has invalid annotations; nothing was written (1 problem)"
    )
    assert lines[1] == (
        "  - task 1 (doc kfor-reinforcements-2023-06), annotator a0, annotation 1: ORGANISATION “NATO” at 0-4 "
        "(region T1): label 'ORGANISATION' is not an entity type or an event type of schema news-conflict (known: "
        "PER, ORG, GPE, LOC, NORP, MIL, DATE, QTY, Movement.Deploy, Conflict.Attack, Life.Injure, Life.Die, "
        "Contact.Meet, Contact.Statement, Policy.Sanction, Conflict.Ceasefire). Update the project's labeling config "
        "(`annot ls push` updates it) and relabel the region."
    )
    assert lines[2].startswith("Hint: Each line says what to fix.")
    assert not (tmp_path / "g.jsonl").exists()


@pytest.mark.parametrize(
    "args, first_line",
    [
        (["import", "missing.json", "-o", "g.jsonl"], "Error: missing.json: no such file"),
        (
            ["evaluate", "--gold", "g.jsonl"],
            "Error: give both --gold and --pred, or neither (to evaluate the configured systems)",
        ),
        (
            ["import", "missing.json", "-o", "g.jsonl", "--pick", "first"],
            "Error: --pick 'first': not a rule",
        ),
        (["export", "nothing-here.txt", "-o", "t.json"], "Error: cannot read the articles (1 problem)"),
        (["schema", "check", "--schema", "nope.toml"], "Error: nope.toml: schema file not found"),
        (
            ["predict", "gold/news/documents.jsonl", "-o", "p.jsonl", "--model", "no_such_model_x"],
            "Error: cannot load spaCy pipeline 'no_such_model_x'",
        ),
    ],
)
def test_cli_bad_usage_exit_2(runner, args, first_line):
    r = run(runner, *args)
    assert r.exit_code == 2, r.output
    if "--pick" in args:  # the hint names every rule
        assert "Give only, ground-truth, latest, or annotator:ID[,ID...]" in r.output
    assert r.output.splitlines()[0].startswith(first_line)
    assert "Traceback" not in r.output


def test_cli_evaluate_prediction_missing_a_document(runner, tmp_path: Path):
    g = tmp_path / "g.jsonl"
    g.write_text('{"id": "a", "text": "NATO"}\n{"id": "b", "text": "KFOR"}\n', encoding="utf-8")
    p = tmp_path / "p.jsonl"
    p.write_text('{"id": "a", "text": "NATO!"}\n', encoding="utf-8")
    r = run(runner, "evaluate", "--gold", g, "--pred", p, "-o", tmp_path / "r")
    assert r.exit_code == 2
    assert "document 'a': the predicted text differs from the gold text" in r.output
    assert "document 'b': no prediction" in r.output
    assert not (tmp_path / "r").exists()


def test_cli_schema_config_check(runner, tmp_path: Path):
    assert run(runner, "schema", "config", "--check").exit_code == 0
    stale = tmp_path / "x.xml"
    stale.write_text("<View/>", encoding="utf-8")
    r = run(runner, "schema", "config", "--check", "-o", stale)
    assert r.exit_code == 2 and f"{stale} is out of date" in r.output


def test_cli_evaluate_configured_default(configured_run):
    assert configured_run.exit_code == 0, configured_run.output
    reports = configured_run.reports
    rep = json.loads((reports / "spacy-sm" / "report.json").read_text(encoding="utf-8"))
    assert rep["meta"]["system"]["name"] == "spacy-sm"
    assert rep["meta"]["gold"]["path"] == "gold/news/documents.jsonl"
    assert rep["entities"]["micro"]["strict"]["possible"] > 0
    # the three configured systems, side by side
    table = json.loads((reports / "comparison.json").read_text(encoding="utf-8"))
    assert [s["system"] for s in table["systems"]] == ["spacy-sm", "spacy-sm-events", "ner-trained"]
    events = table["systems"][1]["metrics"]["events.micro.trigger_classification.f1"]
    assert events["value"] > 0.5 and events["p_value"] < 0.01


def test_cli_evaluate_outside_a_project_scores_with_the_labels_of_the_data(runner, tmp_path: Path, monkeypatch):
    lines = (ROOT / "gold" / "news" / "documents.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    (tmp_path / "g.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANNOT_PROJECT", raising=False)
    r = run(runner, "evaluate", "--gold", "g.jsonl", "--pred", "g.jsonl", "-o", "out", "--bootstrap", 0)
    assert r.exit_code == 0, r.output
    assert "no schema (no --schema, no configs/schema.toml here or above, no ANNOT_PROJECT)" in r.output
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["meta"]["schema"]["name"] == "(labels from the data)"
    assert report["entities"]["micro"]["strict"]["f1"] == 1.0
    assert report["meta"]["gold"]["documents"] == 3


def test_cli_predict_split_predicts_that_split_only(runner, tmp_path: Path):
    """`annot predict --split test` writes the test split's documents, in splits.json's order, and its file
    scores against `annot evaluate --split test` with nothing ignored; a split that is not there, or a file
    without splits.json, is named."""
    gold = ROOT / "gold" / "news" / "documents.jsonl"
    declared = json.loads((ROOT / "gold" / "news" / "splits.json").read_text(encoding="utf-8"))["splits"]["test"]
    r = run(runner, "predict", gold, "--split", "test", "-o", tmp_path / "p.jsonl")
    assert r.exit_code == 0, r.output
    assert f"wrote {len(declared)} document(s) of split test with" in r.output
    ids = [json.loads(x)["id"] for x in (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()]
    assert ids == declared
    r = run(runner, "evaluate", "--gold", gold, "--split", "test", "--pred", tmp_path / "p.jsonl", "-o", tmp_path / "r")
    assert r.exit_code == 0, r.output
    meta = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))["meta"]
    assert meta["gold"]["documents"] == len(declared) and meta["gold"]["split"] == "test"

    r = run(runner, "predict", gold, "--split", "tset", "-o", tmp_path / "q.jsonl")
    assert r.exit_code == 2 and "no split named 'tset' (have: dev, test)" in r.output
    loose = tmp_path / "loose.jsonl"
    loose.write_bytes(gold.read_bytes())
    r = run(runner, "predict", loose, "--split", "test", "-o", tmp_path / "q.jsonl")
    assert r.exit_code == 2 and f"{tmp_path / 'splits.json'}: splits file not found" in r.output
    assert not (tmp_path / "q.jsonl").exists()


def test_cli_predict_reads_what_export_reads(runner, tmp_path: Path):
    """Articles as the workflow starts from them (.txt files, a folder): the predictions' texts are the tasks'
    (normalised alike), so pre-annotations attach to them and score against their gold."""
    arts = tmp_path / "articles"
    arts.mkdir()
    (arts / "kfor-a.txt").write_bytes(b"NATO sent troops to Kosovo on Monday.\r\n")
    (arts / "kfor-b.txt").write_text("KFOR patrols reached Zvečan.\n", encoding="utf-8")
    r = run(runner, "predict", arts, "-o", tmp_path / "p.jsonl")
    assert r.exit_code == 0, r.output
    preds = {d.id: d for d in read_documents(tmp_path / "p.jsonl")}
    assert sorted(preds) == ["kfor-a", "kfor-b"] and preds["kfor-a"].text == "NATO sent troops to Kosovo on Monday.\n"
    r = run(
        runner,
        "export",
        arts,
        "--predictions",
        tmp_path / "p.jsonl",
        "--model-version",
        "sm",
        "-o",
        tmp_path / "t.json",
    )
    assert r.exit_code == 0, r.output  # the predictions' texts are the tasks' texts
    r = run(runner, "predict", arts / "kfor-a.txt", "-o", tmp_path / "one.jsonl")
    assert r.exit_code == 0 and [d.id for d in read_documents(tmp_path / "one.jsonl")] == ["kfor-a"]
    r = run(runner, "predict", arts, "--split", "test", "-o", tmp_path / "x.jsonl")
    assert r.exit_code == 2 and "--split reads the splits.json beside one documents file" in r.output
    r = run(runner, "predict", arts, arts / "kfor-a.txt", "-o", tmp_path / "x.jsonl")
    assert r.exit_code == 2 and "document id(s) given twice: kfor-a" in r.output
