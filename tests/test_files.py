"""Files: atomic writes leave no partial file, digests, display paths."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from annot.errors import AnnotError
from annot.files import atomic_write_lines, atomic_write_text, display_path, read_toml, sha256_file


def test_files_atomic_write_and_digest(tmp_path: Path):
    path = tmp_path / "a" / "b.txt"
    atomic_write_text(path, "héllo\n")
    assert path.read_bytes() == "héllo\n".encode()
    assert sha256_file(path) == hashlib.sha256("héllo\n".encode()).hexdigest()
    assert not list(path.parent.glob(".*.tmp"))


def test_files_atomic_write_failure_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "b.txt"
    path.write_text("old", encoding="utf-8")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("annot.files.os.replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(path, "new")
    assert path.read_text(encoding="utf-8") == "old"
    assert not list(tmp_path.glob(".*.tmp"))


def test_files_atomic_write_lines_writes_all_lines_or_nothing(tmp_path: Path):
    path = tmp_path / "d.jsonl"
    atomic_write_lines(path, (f"{n} é\n" for n in range(3)))
    assert path.read_bytes() == "0 é\n1 é\n2 é\n".encode()

    def failing():
        yield "new line\n"
        raise KeyboardInterrupt  # as Ctrl-C halfway through a long file

    with pytest.raises(KeyboardInterrupt):
        atomic_write_lines(path, failing())
    assert path.read_bytes() == "0 é\n1 é\n2 é\n".encode()
    assert not list(tmp_path.glob(".*.tmp"))


def test_files_display_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    assert display_path(tmp_path / "x" / "y.json") == "x/y.json"
    assert display_path("/elsewhere/z.json") == "/elsewhere/z.json"


@pytest.mark.parametrize(
    "content, message", [(None, "thing not found"), ("a = ", "not valid TOML"), (b"\xff\xfe", "not UTF-8 text")]
)
def test_files_read_toml_errors(tmp_path: Path, content, message):
    path = tmp_path / "c.toml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(AnnotError, match=message):
        read_toml(path, "thing", "hint")


def test_files_a_staged_folder_replaces_the_old_one_in_one_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """While the swap happens, the output folder is always there and complete: an atomic exchange of the new
    folder and the old (observed by wrapping the exchange)."""
    import annot.files as files
    from annot.files import staged_folder

    out = tmp_path / "out"
    with staged_folder(out) as staging:
        (staging / "v").write_text("1", encoding="utf-8")
    real = files.exchange
    seen = []

    def watched(a: Path, b: Path) -> bool:
        done = real(a, b)
        seen.append((done, (out / "v").read_text(encoding="utf-8")))  # right after the swap: the new version
        return done

    monkeypatch.setattr(files, "exchange", watched)
    with staged_folder(out) as staging:
        (staging / "v").write_text("2", encoding="utf-8")
    assert seen == [(True, "2")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # the old version removed


def test_files_a_run_killed_between_the_two_renames_loses_nothing(tmp_path: Path):
    """Where no atomic exchange exists, the old folder is moved aside first; a run killed right then leaves it
    aside (and no output): the next run puts it back before anything else."""
    from annot.files import clean_leftovers, staged_folder

    dead = 2**22 + 12345  # a pid that is not running
    aside = tmp_path / f".out.old-{dead}-abcdef"
    aside.mkdir()
    (aside / "report.json").write_text("previous", encoding="utf-8")
    half = tmp_path / f".out.staging-{dead}-123456"
    half.mkdir()  # the new version, incomplete
    clean_leftovers(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (tmp_path / "out" / "report.json").read_text(encoding="utf-8") == "previous"
    # a later run sees the previous version and replaces it as usual
    with staged_folder(tmp_path / "out") as staging:
        (staging / "report.json").write_text("new", encoding="utf-8")
    assert (tmp_path / "out" / "report.json").read_text(encoding="utf-8") == "new"


def test_files_a_file_size_limit_names_the_file(tmp_path: Path):
    """`ulimit -f` below the size of a report: annot names the file it could not write, exit 2, and leaves no
    partial report and no temporary file."""
    import resource
    import subprocess
    import sys

    gold = tmp_path / "g.jsonl"
    gold.write_text(
        "".join(f'{{"id": "d{i}", "text": "NATO sent troops to Kosovo on day {i}."}}\n' for i in range(300))
    )
    limit = 40_000  # bytes: report.json and report.html are larger

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    annot = Path(sys.executable).parent / "annot"
    done = subprocess.run(
        [str(annot), "evaluate", "--gold", str(gold), "--pred", str(gold), "-o", str(tmp_path / "r"), "--bootstrap", "0"],
        capture_output=True, text=True, cwd=tmp_path, preexec_fn=small_files,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "too large for this system's file-size limit; nothing was written" in done.stderr
    assert f"Error: {tmp_path / 'r'}/report." in done.stderr and "staging" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    left = [p.name for p in tmp_path.iterdir() if p.name.startswith(".") and not p.name.endswith(".annot.lock")]
    assert not (tmp_path / "r").exists() and not left
