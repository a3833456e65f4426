"""The command line: exit codes, exact error lines, and the article -> tasks -> export -> gold -> report path."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from annot.cli import app
from annot.documents import read_documents
from annot.labelstudio.authoring import author_export

from support import DATA, ROOT, commands, project_copy

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
    # the systems are the ones the bundled ledger first scored on the held-out split, wherever this checkout and
    # its trained model lie (a model folder's path once made every other checkout a "changed" system)
    for name in ("spacy-sm", "spacy-sm-events", "ner-trained"):
        held = json.loads((reports / name / "report.json").read_text(encoding="utf-8"))["meta"]["held_out"]
        assert (held["split"], held["system_changed"]) == ("test", False), (name, held)
        assert held["system_first_scored"].startswith("2026-12-07T22:49"), (name, held)


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


# ------------------------------------------------------------------ annot compare on anything


def test_cli_compare_report_folders_writes_the_three_files_into_a_folder(runner, tmp_path: Path):
    folders = [ROOT / "reports" / n for n in ("spacy-sm", "spacy-sm-events")]
    out = tmp_path / "cmp" / "deeper"
    r = run(runner, "compare", *folders, ROOT / "reports" / "ner-trained" / "report.json", "-o", out, "--samples", 200)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["comparison.html", "comparison.json", "comparison.md"]
    data = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert [s["system"] for s in data["systems"]] == ["spacy-sm", "spacy-sm-events", "ner-trained"]
    events = data["systems"][0]["metrics"]["events.micro.trigger_classification.f1"]
    assert events["not_predicted"] is True  # spacy-sm has no event layer
    assert data["systems"][1]["metrics"]["entities.micro.strict.f1"]["low"] is not None
    assert "| metric | spacy-sm | spacy-sm-events | ner-trained |" in (out / "comparison.md").read_text(
        encoding="utf-8"
    )


def test_cli_compare_refuses_an_output_that_is_a_file_and_a_folder_without_a_report(runner, tmp_path: Path):
    (tmp_path / "cmp").write_text("x", encoding="utf-8")
    a, b = ROOT / "reports" / "spacy-sm", ROOT / "reports" / "ner-trained"
    r = run(runner, "compare", a, b, "-o", tmp_path / "cmp", "--samples", 200)
    assert r.exit_code == 2 and "cmp: is a file; the comparison is written into a folder" in r.output
    assert (tmp_path / "cmp").read_text(encoding="utf-8") == "x"
    r = run(runner, "compare", ROOT / "reports", b)
    assert r.exit_code == 2 and "reports: a folder with no report.json" in r.output and "reports/spacy-sm" in r.output
    r = run(runner, "compare", a)
    assert r.exit_code == 2 and "compare needs two or more reports, got 1" in r.output


def test_cli_compare_two_reports_to_a_json_file_still_works_and_says_it_is_deprecated(runner, tmp_path: Path):
    a, b = ROOT / "reports" / "spacy-sm" / "report.json", ROOT / "reports" / "ner-trained" / "report.json"
    r = run(runner, "compare", a, b, "-o", tmp_path / "a-vs-b.json", "--samples", 200)
    assert r.exit_code == 0, r.output
    assert "Deprecated: -o" in r.stderr
    data = json.loads((tmp_path / "a-vs-b.json").read_text(encoding="utf-8"))
    assert data["a"] == str(a) and {m["metric"] for m in data["metrics"]} >= {"entities.micro.strict.f1"}


# ------------------------------------------------------------------ the command line itself


def test_cli_help_placeholders_are_words_never_python_types(runner):
    """Every command's help shows PATH, N, SPLIT, METRIC=VALUE ... where typer would show <path>, <list[str]>,
    <int range> or {report_a}."""
    from support import commands

    for cmd in commands():
        r = run(runner, *cmd.split(), "--help")
        assert r.exit_code == 0, cmd
        usage_and_options = r.output.split("Arguments:", 1)[-1].split("Options:", 1)[-1] + r.output.splitlines()[0]
        assert not re.search(r"<[a-z][\w\[\] ]*>|\{[a-z_]+\}", usage_and_options), (cmd, r.output)
    r = run(runner, "evaluate", "--help")
    assert "--threshold METRIC=VALUE" in r.output and "--split SPLIT" in r.output and "--workers N" in r.output
    assert "--junit-xml PATH" in r.output and "--format [text|json]" in r.output
    assert "Usage: annot compare [OPTIONS] REPORT..." in run(runner, "compare", "--help").output


def test_cli_no_color_is_honoured(runner, tmp_path: Path):
    g = tmp_path / "g.jsonl"
    g.write_text('{"id": "a", "text": "NATO", "entities": [{"id": "T1", "start": 0, "end": 4, "label": "ORG"}]}\n')
    args = ["evaluate", "--gold", str(g), "--pred", str(g), "-o", str(tmp_path / "r"), "--threshold"]
    coloured = runner.invoke(app, [*args, "entities.micro.strict.f1=0.5"], color=True)
    assert coloured.exit_code == 0 and "\x1b[" in coloured.output  # the test can see colour
    plain = runner.invoke(app, [*args, "entities.micro.strict.f1=0.5"], color=True, env={"NO_COLOR": "1"})
    assert plain.exit_code == 0 and "\x1b[" not in plain.output
    missing = runner.invoke(app, ["evaluate", "--gold", str(g)], color=True, env={"NO_COLOR": "1"})
    assert missing.exit_code == 2 and "\x1b[" not in missing.output


def test_cli_shell_completion_is_offered(runner):
    assert "--install-completion" in run(runner, "--help").output
    r = run(runner, "--show-completion", "bash")
    assert r.exit_code == 0 and "complete" in r.output and "annot" in r.output.lower()


def test_cli_predict_n_process_is_the_deprecated_name_of_workers(runner, tmp_path: Path):
    docs = tmp_path / "d.jsonl"
    docs.write_text('{"id": "a", "text": "NATO sent troops to Kosovo."}\n', encoding="utf-8")
    r = run(runner, "predict", docs, "-o", tmp_path / "p.jsonl", "--n-process", 1)
    assert r.exit_code == 0, r.output
    assert "Deprecated: --n-process is now --workers" in r.stderr
    r = run(runner, "predict", docs, "-o", tmp_path / "q.jsonl", "--workers", 1)
    assert r.exit_code == 0 and "Deprecated" not in r.output
    assert (tmp_path / "p.jsonl").read_bytes() == (tmp_path / "q.jsonl").read_bytes()
    assert "--n-process" not in run(runner, "predict", "--help").output


# ------------------------------------------------------------------ hints that name the fix


def test_cli_evaluate_a_forgotten_split_is_named(runner, tmp_path: Path):
    """Predictions for the test split scored against the whole corpus: one message naming --split test, not a
    line per missing document."""
    test = set(json.loads((ROOT / "gold" / "news" / "splits.json").read_text(encoding="utf-8"))["splits"]["test"])
    lines = (ROOT / "gold" / "news" / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    pred = tmp_path / "pred-test.jsonl"
    pred.write_text("".join(x + "\n" for x in lines if json.loads(x)["id"] in test), encoding="utf-8")
    r = run(
        runner, "evaluate", "--gold", ROOT / "gold" / "news" / "documents.jsonl", "--pred", pred, "-o", tmp_path / "r"
    )
    assert r.exit_code == 2
    assert "the predictions cover exactly split 'test' of the corpus" in r.output
    assert "Hint: Score that split only: add --split test" in r.output
    assert r.output.count("no prediction") == 0 and not (tmp_path / "r").exists()
    r = run(
        runner,
        "evaluate",
        "--gold",
        ROOT / "gold" / "news" / "documents.jsonl",
        "--pred",
        pred,
        "--split",
        "test",
        "-o",
        tmp_path / "r2",
    )
    assert r.exit_code == 0 or "no prediction" not in r.output


def test_cli_evaluate_many_missing_documents_are_one_line(runner, tmp_path: Path):
    g = tmp_path / "g.jsonl"
    g.write_text("".join(f'{{"id": "d{i}", "text": "NATO"}}\n' for i in range(30)), encoding="utf-8")
    p = tmp_path / "p.jsonl"
    p.write_text('{"id": "d0", "text": "NATO"}\n', encoding="utf-8")
    r = run(runner, "evaluate", "--gold", g, "--pred", p, "-o", tmp_path / "r")
    assert r.exit_code == 2 and "29 gold documents have no prediction: 'd1', 'd2'," in r.output
    assert r.output.count("no prediction") == 1


@pytest.mark.parametrize("fmt", ["conll", "brat", "spacy"])
def test_cli_evaluate_names_annot_convert_for_another_format(runner, tmp_path: Path, fmt: str):
    gold = ROOT / "gold" / "news" / "documents.jsonl"
    target = {"conll": tmp_path / "pred.conll", "brat": tmp_path / "brat", "spacy": tmp_path / "pred.spacy"}[fmt]
    src = tmp_path / "two.jsonl"
    src.write_text("".join(gold.read_text(encoding="utf-8").splitlines(True)[:2]), encoding="utf-8")
    assert run(runner, "convert", src, "--to", fmt, "-o", target).exit_code == 0
    if fmt == "conll":  # the same file under a name that does not tell
        (tmp_path / "pred.txt").write_bytes(target.read_bytes())
        target = tmp_path / "pred.txt"
    r = run(runner, "evaluate", "--gold", gold, "--pred", target, "-o", tmp_path / "r")
    assert r.exit_code == 2
    assert f"predictions in {fmt} format, not annot's JSONL documents" in r.output
    assert f"Hint: Convert it first: annot convert {target} --from {fmt} -o " in r.output
    assert "not valid JSON" not in r.output and len(r.output.splitlines()) <= 3


def test_cli_evaluate_checks_every_configured_model_before_predicting(runner, tmp_path: Path, monkeypatch):
    root = project_copy(
        tmp_path,
        '[systems.trained]\nkind = "spacy"\nmodel = "../models/nothing/model-best"\nlabel_map = "label_maps/schema.toml"\n'
        '[systems.other]\nkind = "spacy"\nmodel = "no_such_pipeline_pkg"\nlabel_map = "label_maps/nope.toml"\n',
    )
    monkeypatch.chdir(root)
    started = time.monotonic()
    r = run(runner, "evaluate")
    assert r.exit_code == 2
    assert "the configured systems cannot all run; nothing was predicted" in r.output
    assert "systems.trained.model: no spaCy pipeline at" in r.output and "annot train --name nothing" in r.output
    assert "systems.other.model: spaCy pipeline package 'no_such_pipeline_pkg' is not installed" in r.output
    assert "systems.other.label_map: configs/label_maps/nope.toml: file not found" in r.output
    assert "predicting" not in r.output and time.monotonic() - started < 10  # spacy-sm never ran
