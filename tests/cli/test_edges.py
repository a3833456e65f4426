"""The edges of the file system, ids and gold, from the command line: exit 2 with a message, never a traceback,
never exit 1 (which means only "the gate failed"), never a partial set of outputs.

Each test here is a row of the table of docs/robustness.md.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support import ROOT, project_copy, run

GOLD = ROOT / "gold" / "news" / "documents.jsonl"


def two_docs(tmp_path: Path) -> tuple[Path, Path]:
    """A gold file of two bundled documents and a prediction file equal to it."""
    lines = GOLD.read_text(encoding="utf-8").splitlines()[:2]
    gold = tmp_path / "g.jsonl"
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pred = tmp_path / "p.jsonl"
    shutil.copy(gold, pred)
    return gold, pred


def evaluate(runner, gold: Path, pred: Path, out: Path, *extra: object):  # type: ignore[no-untyped-def]
    return run(runner, "evaluate", "--gold", gold, "--pred", pred, "-o", out, "--bootstrap", 0, *extra)


def failed(r, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    """Exit 2, an `Error:` naming each fragment, a hint, and no traceback."""
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert "Error: " in r.output and "Hint: " in r.output, r.output
    for f in fragments:
        assert f in r.output, r.output


# ------------------------------------------------------------------ files


def test_edges_a_folder_where_a_file_is_expected(runner, tmp_path: Path):
    gold, pred = two_docs(tmp_path)
    folder = tmp_path / "folder"
    folder.mkdir()
    failed(evaluate(runner, folder, pred, tmp_path / "out"), "is a folder")
    failed(evaluate(runner, gold, folder, tmp_path / "out"), "is a folder")
    failed(run(runner, "import", folder, "-o", tmp_path / "x.jsonl"), "is a folder")
    failed(run(runner, "compare", folder, folder), "a folder with no report.json")
    # ... and as an output file
    failed(run(runner, "export", gold, "-o", folder), "is a folder")
    failed(run(runner, "predict", gold, "-o", folder), "is a folder")
    assert not list(folder.iterdir())


def test_edges_an_output_whose_parent_is_a_file(runner, tmp_path: Path):
    gold, pred = two_docs(tmp_path)
    failed(evaluate(runner, gold, pred, gold / "report"), f"{gold}: is a file, not a folder")
    failed(run(runner, "export", gold, "-o", gold / "sub" / "tasks.json"), "is a file, not a folder")
    failed(run(runner, "convert", gold, "--to", "conll", "-o", gold / "x.conll"), "not a folder")
    assert gold.read_bytes() == pred.read_bytes()


def test_edges_a_read_only_output_folder(runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    gold, pred = two_docs(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.geteuid() == 0:
        # root writes anywhere: refuse creation under the folder as the kernel would for anyone else
        real_open, real_mkdir = os.open, os.mkdir

        def guarded(real):  # type: ignore[no-untyped-def]
            def call(path, *args, **kwargs):  # type: ignore[no-untyped-def]
                if str(path).startswith(str(locked) + os.sep):
                    raise PermissionError(13, "Permission denied", str(path))
                return real(path, *args, **kwargs)

            return call

        monkeypatch.setattr(os, "open", guarded(real_open))
        monkeypatch.setattr(os, "mkdir", guarded(real_mkdir))
    try:
        failed(evaluate(runner, gold, pred, locked / "out"), "permission denied")
        failed(run(runner, "export", gold, "-o", locked / "tasks.json"), "permission denied")
    finally:
        locked.chmod(stat.S_IRWXU)
    assert not list(locked.iterdir())


def test_edges_json_nested_100000_deep(runner, tmp_path: Path):
    gold, pred = two_docs(tmp_path)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    failed(evaluate(runner, deep, pred, tmp_path / "out"), f"{deep}:1: JSON nested too deeply")
    failed(evaluate(runner, gold, deep, tmp_path / "out"), f"{deep}:1: JSON nested too deeply")
    failed(run(runner, "import", deep, "-o", tmp_path / "x.jsonl"), f"{deep}: JSON nested too deeply")
    deep_object = tmp_path / "deep-report.json"
    deep_object.write_text('{"a":' * 100_000 + "1" + "}" * 100_000, encoding="utf-8")
    failed(run(runner, "compare", deep_object, deep_object), str(deep_object))
    assert not (tmp_path / "out").exists() and not (tmp_path / "x.jsonl").exists()


def test_edges_a_run_that_fails_midway_leaves_the_previous_outputs_whole(
    runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    gold, pred = two_docs(tmp_path)
    out = tmp_path / "out"
    assert evaluate(runner, gold, pred, out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(before) == {"report.json", "report.md", "report.html"}

    def killed(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt  # as Ctrl-C between report.json and report.html

    monkeypatch.setattr("annot.reporting.write.to_html", killed)
    (pred.parent / "p2.jsonl").write_text(
        pred.read_text(encoding="utf-8").replace('"label": "GPE"', '"label": "LOC"'), encoding="utf-8"
    )
    r = evaluate(runner, gold, pred.parent / "p2.jsonl", out)
    assert r.exit_code != 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # nothing else left behind but the lock file of the output folder
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.annot.lock", "g.jsonl", "out", "p.jsonl", "p2.jsonl"]


def test_edges_leftovers_of_killed_runs_are_removed(runner, tmp_path: Path):
    gold, pred = two_docs(tmp_path)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(gone.stdout)
    out = tmp_path / "out"
    out.mkdir()
    leftovers = [
        out / f".report.json.{dead}.ab12cd.tmp",
        tmp_path / f".out.staging-{dead}-a1b2c3",
        tmp_path / f".out.old-{dead}-a1b2c3",
    ]
    leftovers[0].write_text("{", encoding="utf-8")
    for folder in leftovers[1:]:
        folder.mkdir()
        (folder / "report.json").write_text("{", encoding="utf-8")
    mine = tmp_path / f".out.staging-{os.getpid()}-ffffff"  # a run still alive keeps its files
    mine.mkdir()
    assert evaluate(runner, gold, pred, out).exit_code == 0
    assert not any(p.exists() for p in leftovers)
    assert mine.exists()
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]


def test_edges_two_runs_into_one_output_folder(runner, tmp_path: Path):
    gold, pred = two_docs(tmp_path)
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from annot.files import output_lock
                with output_lock({str(tmp_path)!r}, "out"):
                    print("locked", flush=True)
                    sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        failed(evaluate(runner, gold, pred, out), f"another annot run (pid {holder.pid}) is writing its out here")
        assert not out.exists()
    finally:
        holder.communicate("")
    assert evaluate(runner, gold, pred, out).exit_code == 0


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_edges_files_get_the_umask_mode(tmp_path: Path, umask: int, mode: int):
    gold, pred = two_docs(tmp_path)
    (tmp_path / "out").mkdir()
    old = tmp_path / "out" / "report.md"
    old.write_text("old", encoding="utf-8")
    old.chmod(0o600)
    annot = Path(sys.executable).parent / "annot"
    script = f"umask {umask:03o}; exec {annot} evaluate --gold g.jsonl --pred p.jsonl -o out --bootstrap 0"
    r = subprocess.run(["sh", "-c", script], cwd=tmp_path, capture_output=True, text=True, env=os.environ.copy())
    assert r.returncode == 0, r.stderr
    for path in (tmp_path / "out").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == mode, path
    script = f"umask {umask:03o}; exec {annot} export g.jsonl -o tasks.json"
    assert subprocess.run(["sh", "-c", script], cwd=tmp_path, capture_output=True).returncode == 0
    assert stat.S_IMODE((tmp_path / "tasks.json").stat().st_mode) == mode
    # Every writer, the format converters' included (a DocBin file, a brat folder), gives the umask's mode.
    for to, out in (("spacy", "g.spacy"), ("brat", "brat"), ("conll", "g.conll")):
        script = f"umask {umask:03o}; exec {annot} convert g.jsonl --to {to} -o {out}"
        r = subprocess.run(["sh", "-c", script], cwd=tmp_path, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        target = tmp_path / out
        for path in [target, *target.iterdir()] if target.is_dir() else [target]:
            expected = mode | (0o111 & ~umask) if path.is_dir() else mode
            assert stat.S_IMODE(path.stat().st_mode) == expected, path


# ------------------------------------------------------------------ ids


@pytest.mark.parametrize("bad", ["../../escape", "/etc/passwd", "a/b", ".hidden", ""])
def test_edges_document_ids_that_are_paths_are_refused_everywhere(runner, tmp_path: Path, bad: str):
    gold, pred = two_docs(tmp_path)
    first = json.loads(gold.read_text(encoding="utf-8").splitlines()[0])
    first["id"] = bad
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_text(json.dumps(first) + "\n", encoding="utf-8")
    failed(evaluate(runner, hostile, hostile, tmp_path / "out"), f"{hostile}:1: document id")
    failed(run(runner, "export", hostile, "-o", tmp_path / "tasks.json"), "document id")
    region = {"id": "r1", "from_name": "label", "to_name": "text", "type": "labels"}
    region["value"] = {"start": 0, "end": 4, "text": first["text"][:4], "labels": ["ORG"]}
    annotation = {"id": 1, "completed_by": 1, "result": [region]}
    task = {"id": 1, "data": {"text": first["text"], "doc_id": bad}, "annotations": [annotation]}
    (tmp_path / "export.json").write_text(json.dumps([task]), encoding="utf-8")
    failed(run(runner, "import", tmp_path / "export.json", "-o", tmp_path / "x.jsonl"), "task 1", "doc_id")
    assert not (tmp_path / "out").exists() and not (tmp_path / "x.jsonl").exists()


@pytest.mark.parametrize("name", ["../x", "/tmp/x", "a/b"])
def test_edges_system_names_that_are_paths_are_refused(runner, tmp_path: Path, monkeypatch, name: str):
    project = project_copy(tmp_path)
    cfg = project / "configs" / "evaluation.toml"
    cfg.write_text(
        cfg.read_text(encoding="utf-8").replace("[systems.spacy-sm]", f'[systems."{name}"]'), encoding="utf-8"
    )
    monkeypatch.chdir(project)
    failed(run(runner, "evaluate"), "configs/evaluation.toml: systems", "String should match pattern")
    assert not (project / "reports").exists() and not (tmp_path / "x").exists()


# ------------------------------------------------------------------ gold that does not fit the schema


def edit_gold(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    gold, _ = two_docs(tmp_path)
    docs = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    change(docs)
    gold.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return gold


def _relabel(docs):  # type: ignore[no-untyped-def]
    docs[0]["entities"][0]["label"] = "WEAPON"


def _retype(docs):  # type: ignore[no-untyped-def]
    docs[0]["events"][0]["type"] = "Transaction.Sell"


def _rerole(docs):  # type: ignore[no-untyped-def]
    docs[0]["events"][0]["arguments"][0]["role"] = "Instrument"


def _overlap(docs):  # type: ignore[no-untyped-def]
    e = docs[0]["entities"][0]
    docs[0]["entities"].append({"id": "T999", "start": e["start"], "end": e["end"] + 1, "label": "ORG"})


def _empty(docs):  # type: ignore[no-untyped-def]
    docs.clear()


@pytest.mark.parametrize(
    "change, message",
    [
        (_relabel, "entity label 'WEAPON': not in schema news-conflict"),
        (_retype, "event type 'Transaction.Sell': not in schema news-conflict"),
        (_rerole, "role 'Instrument' of"),
        (_overlap, "overlaps ORG"),
        (_empty, "no gold document to score"),
    ],
)
def test_edges_gold_the_schema_does_not_fit_is_refused(runner, tmp_path: Path, change, message: str):
    gold = edit_gold(tmp_path, change)
    pred = tmp_path / "p.jsonl"
    failed(evaluate(runner, gold, pred if pred.read_text(encoding="utf-8") else gold, tmp_path / "out"), message)
    assert not (tmp_path / "out").exists()


def test_edges_evaluate_help_names_the_gate_table(runner):
    r = run(runner, "evaluate", "--help")
    assert "[gate]" in r.output


# ---------------------------------------------------------- pipes and Ctrl-C


def test_edges_output_piped_to_head_ends_quietly(tmp_path: Path):
    """`annot evaluate ... | true`: the reader goes away; annot says nothing about it and exits 141 (what
    shells report for a writer whose reader left), never 'Error: ... Broken pipe' nor exit 1 (a gate failure)."""
    gold, _ = two_docs(tmp_path)
    annot = Path(sys.executable).parent / "annot"
    proc = subprocess.Popen(
        [
            str(annot),
            "evaluate",
            "--gold",
            str(gold),
            "--pred",
            str(gold),
            "-o",
            str(tmp_path / "o"),
            "--bootstrap",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    # The reader leaves before annot writes its first line (`| true`): a reader that read a few bytes first
    # races annot, which may write all of its few kilobytes into the pipe before the reader leaves.
    proc.stdout.close()
    assert proc.wait(timeout=120) == 141
    err = proc.stderr.read()
    assert b"Error" not in err and b"Broken pipe" not in err and b"Traceback" not in err


def test_edges_ctrl_c_says_interrupted_and_exits_130(tmp_path: Path):
    """Ctrl-C while annot waits on a server that accepted the connection but never answers: one line saying it
    was interrupted, exit 130, no traceback."""
    import signal
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        env = {**os.environ, "LABEL_STUDIO_URL": url, "LABEL_STUDIO_API_KEY": "k" * 40}
        annot = Path(sys.executable).parent / "annot"
        proc = subprocess.Popen(
            [str(annot), "ls", "status", "1", "--timeout", "60"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=tmp_path,
        )
        conn, _ = listener.accept()  # annot is now waiting for an answer
        with conn:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"Interrupted: nothing was written" in err and b"Traceback" not in err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--bootstrap", "1e20", "Invalid value for '--bootstrap'"),  # not a whole number: the option parser says so
        ("--bootstrap", str(10**12), "bootstrap samples (--bootstrap) 1000000000000 is out of range"),
        ("--workers", str(10**6), "is out of range"),
        ("--seed", "-1", "seed (--seed) -1 is out of range"),
        ("--max-errors", str(10**12), "is out of range"),
    ],
)
def test_edges_numbers_past_any_use_are_refused_at_once(runner, tmp_path: Path, option: str, value: str, message: str):
    """A typo such as `--bootstrap 1e20` or `--workers 1000000` is one message naming the option, exit 2, before
    anything is read or allocated; never a run that grows until the machine kills it."""
    gold, pred = two_docs(tmp_path)
    r = run(runner, "evaluate", "--gold", gold, "--pred", pred, "-o", tmp_path / "o", option, value)
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o").exists()


def test_edges_compare_samples_are_bounded(runner, tmp_path: Path):
    gold, pred = two_docs(tmp_path)
    for name in ("a", "b"):
        assert evaluate(runner, gold, pred, tmp_path / name).exit_code == 0
    r = run(runner, "compare", tmp_path / "a", tmp_path / "b", "--samples", 10**12)
    assert r.exit_code == 2 and "is out of range" in r.output, r.output
