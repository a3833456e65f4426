"""`annot evaluate` on inputs large enough for the parallel paths: the same report whatever the number of
workers, and error lists capped with counts of what is left out."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from support import crowded_files, report_json, run


def test_scale_any_number_of_workers_gives_the_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from annot.jobs.evaluate import Options, plan_evaluation, run_plan
    from annot.parallel import Execution

    g, p = crowded_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    out = {}
    for n in (1, 2, 3):
        plan = plan_evaluation(Options(gold=g, pred=p, output=tmp_path / f"w{n}", bootstrap=200, workers=n))
        small = Execution(
            workers=n,
            read_piece=2000,  # files read in many pieces
            parallel_events=10,  # event errors in several processes
            parallel_alignment=10,  # the alignment count beside the scoring
            parallel_documents=50,  # the scoring in chunks, merged
            fork_chunk=40,  # more chunks than workers
        )
        run_plan(dataclasses.replace(plan, execution=small))
        out[n] = report_json(tmp_path / f"w{n}")
    assert out[1] == out[2] == out[3]
    assert out[1]["entities"]["micro"]["strict"]["possible"] > 800


def test_scale_error_lists_are_capped_and_say_what_is_left_out(runner, tmp_path: Path, monkeypatch):
    g, p = crowded_files(tmp_path, 120)
    monkeypatch.chdir(tmp_path)
    r = run(runner, "evaluate", "--gold", g, "--pred", p, "-o", tmp_path / "all", "--bootstrap", 0)
    assert r.exit_code == 0, r.output
    r = run(runner, "evaluate", "--gold", g, "--pred", p, "-o", tmp_path / "few", "--bootstrap", 0, "--max-errors", 3)
    assert r.exit_code == 0, r.output
    full, few = report_json(tmp_path / "all"), report_json(tmp_path / "few")
    assert few["meta"]["settings"]["max_errors"] == 3
    for section in ("entities", "events"):
        total: dict[str, int] = {}
        for e in full[section]["errors"]:
            total[e["category"]] = total.get(e["category"], 0) + 1
        listed: dict[str, int] = {}
        for e in few[section]["errors"]:
            listed[e["category"]] = listed.get(e["category"], 0) + 1
        assert listed == {c: min(n, 3) for c, n in total.items()}
        assert few[section]["errors_left_out"] == {c: n - 3 for c, n in total.items() if n > 3}
        assert "errors_left_out" not in full[section]
        assert few[section]["micro"] == full[section]["micro"]
    md = (tmp_path / "few" / "report.md").read_text(encoding="utf-8")
    assert "report.json lists the first 3 errors of each category; not listed: " in md
