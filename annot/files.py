"""Files on disk: atomic writes, file digests, paths shown to people.

Every file annot writes goes through `atomic_write_text`, so that a reader
never sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from .errors import AnnotError


def atomic_write_text(path: Path, content: str) -> None:
    """Write `content` to `path` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, hex, read in blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def display_path(path: Path | str) -> str:
    """`path` relative to the working directory when below it, so reports carry no machine paths."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_toml(path: Path, what: str, hint: str) -> dict[str, Any]:
    """A TOML file as a dict; a missing file or a syntax error becomes an AnnotError naming `what`."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnnotError(f"{path}: {what} not found", hint) from None
    except tomllib.TOMLDecodeError as exc:
        raise AnnotError(f"{path}: not valid TOML: {exc}", "Fix the syntax at the position named.") from None
    except UnicodeDecodeError:
        raise AnnotError(f"{path}: not UTF-8 text", "Save the file as UTF-8.") from None
