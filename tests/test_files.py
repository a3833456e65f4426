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
