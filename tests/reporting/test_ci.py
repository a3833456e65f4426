"""What CI systems read, checked by real consumers: JUnit XML against its schema and through junitparser, the step
summary through a Markdown renderer, the JSON verdict, GitHub annotations, and the one verdict line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import annot
from annot.cli import app
from annot.comparison.gate import GateSettings, run_gate
from annot.documents import Document, Entity, write_documents
from annot.reporting.ci import github_annotations, junit_xml, step_summary, verdict

from support import DATA

TEXT = "NATO sent troops to Kosovo and Serbia on Monday with Germany."


def _doc(doc_id: str, *spans: tuple[str, str]) -> Document:
    ents = tuple(Entity(TEXT.index(w), TEXT.index(w) + len(w), lab, f"T{i}") for i, (w, lab) in enumerate(spans, 1))
    return Document(doc_id, TEXT, ents)


GOLD = [
    _doc("a", ("NATO", "ORG"), ("Kosovo", "GPE"), ("Serbia", "GPE"), ("Monday", "DATE"), ("Germany", "GPE")),
    _doc("b", ("NATO", "ORG"), ("Kosovo", "GPE"), ("Monday", "DATE")),
]
# GPE loses much (2 of 4 wrong), ORG a little (1 of 2), DATE nothing
PRED = [
    _doc("a", ("NATO", "ORG"), ("Kosovo", "LOC"), ("Serbia", "GPE"), ("Monday", "DATE"), ("Germany", "LOC")),
    _doc("b", ("NATO", "PER"), ("Kosovo", "GPE"), ("Monday", "DATE")),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """gold.jsonl, pred.jsonl and a baseline report of a perfect system."""
    tmp = tmp_path_factory.mktemp("ci")
    write_documents(tmp / "gold.jsonl", GOLD)
    write_documents(tmp / "pred.jsonl", PRED)
    r = CliRunner().invoke(
        app, ["evaluate", "--gold", str(tmp / "gold.jsonl"), "--pred", str(tmp / "gold.jsonl"), "-o", str(tmp / "base")]
    )
    assert r.exit_code == 0, r.output
    return tmp


def _evaluate(files: Path, *extra: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    args = ["evaluate", "--gold", files / "gold.jsonl", "--pred", files / "pred.jsonl", "-o", files / "run"]
    args += ["--bootstrap", "0", "--baseline", files / "base" / "report.json", "--min-support", "2"]
    args += ["--threshold", "entities.micro.strict.f1=0.9", *extra]
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def test_ci_junit_xml_validates_against_the_schema_and_junitparser_reads_it(files: Path, tmp_path: Path):
    from junitparser import Failure, JUnitXml, Skipped
    from lxml import etree

    r = _evaluate(files, "--junit-xml", tmp_path / "junit.xml")
    assert r.exit_code == 1, r.output
    text = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    schema = etree.XMLSchema(etree.parse(str(DATA / "junit.xsd")))
    doc = etree.fromstring(text.encode("utf-8"))
    assert schema.validate(doc), schema.error_log
    # the validator can say no: a test case without its class name, a count that is not a number
    for broken in (text.replace(' classname="', ' class="', 1), text.replace('failures="', 'failures="x', 1)):
        assert not schema.validate(etree.fromstring(broken.encode("utf-8")))

    report = json.loads((files / "run" / "report.json").read_text(encoding="utf-8"))
    checks = report["gate"]["checks"]
    xml = JUnitXml.fromfile(str(tmp_path / "junit.xml"))
    suites = list(xml)
    assert len(suites) == 1 and suites[0].tests == len(checks)
    cases = list(suites[0])
    assert len(cases) == len(checks)
    failed = [c for c in cases if any(isinstance(x, Failure) for x in c.result)]
    skipped = [c for c in cases if any(isinstance(x, Skipped) for x in c.result)]
    assert len(failed) == sum(not c["passed"] for c in checks) == suites[0].failures >= 3
    assert len(skipped) == sum(c["passed"] and not c["gated"] for c in checks) >= 1  # support below 2
    # failures first, the largest drop first
    drops = []
    for case in failed:
        failure = next(x for x in case.result if isinstance(x, Failure))
        metric = case.name.split(" ", 1)[1]
        check = next(c for c in checks if c["metric"] == metric and c["kind"] == case.name.split(" ", 1)[0])
        assert failure.message.startswith(metric)
        key = "threshold" if check["kind"] == "threshold" else "baseline"
        assert f"{key} {check[key]:.6f}" in failure.text and f"value {check['value']:.6f}" in failure.text
        drops.append(check["drop"] if check["kind"] == "baseline" else check["threshold"] - check["value"])
    assert drops == sorted(drops, reverse=True)
    assert failed[0].name == "baseline entities.macro.strict.f1"  # two labels fall to 0: the largest drop
    assert cases[: len(failed)] == failed  # the failed ones come first


def test_ci_step_summary_is_appended_and_renders_as_github_markdown(files: Path, tmp_path: Path):
    from markdown_it import MarkdownIt

    step = tmp_path / "step.md"
    step.write_text("earlier step\n", encoding="utf-8")
    r = _evaluate(files, "--summary", tmp_path / "summary.md", env={"GITHUB_STEP_SUMMARY": str(step)})
    assert r.exit_code == 1, r.output
    text = step.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n")  # appended, as GitHub expects
    summary = text.removeprefix("earlier step\n")
    assert summary == (tmp_path / "summary.md").read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").enable("table").parse(summary)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["annot evaluate: ✗ FAILED", "Failed checks, largest shortfall first"]
    tables = [i for i, t in enumerate(tokens) if t.type == "table_open"]
    assert len(tables) == 2

    def rows(start: int) -> list[list[str]]:
        out: list[list[str]] = []
        for t in tokens[start:]:
            if t.type == "table_close":
                return out
            if t.type == "tr_open":
                out.append([])
            if t.type == "inline":
                out[-1].append(t.content)
        return out

    scores, failed = rows(tables[0]), rows(tables[1])
    assert scores[0][:2] == ["system", "gate"] and len(scores) == 2 and all(len(r) == len(scores[0]) for r in scores)
    assert scores[1][2] == "0.625"  # strict F1 (5 of 8)
    shortfalls = [float(r[-1]) for r in failed[1:]]
    assert shortfalls == sorted(shortfalls, reverse=True) and failed[1][1] == "entities.macro.strict.f1"
    html = MarkdownIt("commonmark").enable("table").render(summary)
    assert html.count("<table>") == 2 and "entities.per_label.GPE.strict.f1" in html  # the escape renders away


def test_ci_format_json_prints_only_the_verdict_on_stdout(files: Path):
    r = _evaluate(files, "--format", "json")
    assert r.exit_code == 1
    v = json.loads(r.stdout)
    assert v["passed"] is False and v["exit_code"] == 1 and v["failed_systems"] == ["pred"]
    (system,) = v["systems"]
    assert system["gated"] and not system["passed"] and system["scores"]["entities.micro.strict.f1"] == 0.625
    shortfalls = [c["drop"] if c["kind"] == "baseline" else c["threshold"] - c["value"] for c in system["failed"]]
    assert shortfalls == sorted(shortfalls, reverse=True)
    assert r.stderr.strip().splitlines()[-1] == v["verdict"]  # the line for people goes to stderr
    assert "level" not in r.stdout  # no table


def test_ci_annotations_only_under_github_actions(files: Path):
    plain = _evaluate(files)
    assert "::error" not in plain.output
    gh = _evaluate(files, env={"GITHUB_ACTIONS": "true"})
    errors = [x for x in gh.stdout.splitlines() if x.startswith("::error")]
    assert errors[0].startswith("::error title=annot gate FAILED::verdict: FAILED: pred failed")
    assert errors[1].startswith("::error title=annot gate%3A pred::entities.macro.strict.f1")
    report = json.loads((files / "run" / "report.json").read_text(encoding="utf-8"))
    assert len(errors) == 1 + sum(not c["passed"] for c in report["gate"]["checks"])


def test_ci_the_last_line_is_the_verdict_worst_drop_first(files: Path):
    r = _evaluate(files)
    assert r.exit_code == 1
    last = r.output.strip().splitlines()[-1]
    assert last.startswith("verdict: FAILED: pred failed 6 of 9 checks")
    assert last.endswith("worst entities.macro.strict.f1 dropped 0.533 (1.000 -> 0.467)")
    ok = CliRunner().invoke(
        app,
        ["evaluate", "--gold", str(files / "gold.jsonl"), "--pred", str(files / "gold.jsonl"), "-o", str(files / "ok")]
        + ["--threshold", "entities.micro.strict.f1=0.9"],
    )
    assert (
        ok.exit_code == 0 and ok.output.strip().splitlines()[-1] == "verdict: PASSED: gold, 1 gated checks, none failed"
    )


def test_ci_one_verdict_for_several_systems_names_the_failed_ones_worst_first():
    gold = GOLD
    slight = [PRED[0], GOLD[1]]  # only document a's errors
    base = annot.evaluate(gold, gold, bootstrap_samples=0)

    def gated(pred: list[Document], threshold: float):  # type: ignore[no-untyped-def]
        import dataclasses

        r = annot.evaluate(gold, pred, bootstrap_samples=0)
        return dataclasses.replace(
            r, gate=run_gate(r, GateSettings(thresholds={"entities.micro.strict.f1": threshold}))
        )

    v = verdict(
        [("good", gated(gold, 0.9), None), ("slight", gated(slight, 0.9), None), ("bad", gated(PRED, 0.9), None)]
    )
    assert not v.passed and [s.system for s in v.failed_systems] == ["bad", "slight"]
    assert v.line.startswith(
        "verdict: FAILED: bad failed 1 of 1 check, worst entities.micro.strict.f1 = 0.625 < threshold 0.900"
    )
    assert v.line.index("bad failed") < v.line.index("slight failed") and v.line.endswith("; good passed")
    assert len(github_annotations(v)) == 1 + 2
    assert junit_xml(v).count("<testsuite ") == 3
    assert "| good | passed |" in step_summary(v, [base])
