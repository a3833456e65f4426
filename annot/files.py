"""Files on disk: atomic writes, sets of files that land together, locks, digests, paths shown to people.

Every file annot writes goes through `atomic_write_text` (or `write_bytes`, or
`atomic_write_lines` for a long file written line by line): a
temporary file in the same folder, renamed into place, so that a reader never
sees half a file. Temporary files carry the writer's process id; the next
writer in the folder removes those of processes that are gone (a killed run
leaves nothing behind for long). Files get the mode the umask gives (0644 with
the usual 022), not the 0600 of a temporary file; files that hold annotators'
work or personal data (Label Studio exports pulled from a server) are written
0600 (`private=True`). A folder of outputs that
belong together (a report) is written in a staging folder beside it and
swapped in whole (`staged_folder`); concurrent runs into one output are
refused (`output_lock`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import shutil
import tempfile
import tomllib
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from .errors import AnnotError

_TMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")
_STAGING = re.compile(r"^\.(?P<name>.+)\.(?:staging|old)-(?P<pid>\d+)(?:-[0-9a-f]+)?$")


@cache
def file_mode() -> int:
    """The mode a new file gets under this process's umask (0o644 for the usual 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(folder: Path) -> None:
    """Remove temporary files and staging folders that runs now gone left in `folder`; put back a previous output
    folder that such a run had moved aside and not yet replaced (a run killed between the two renames of a swap
    on a system without an atomic exchange), so that no output is ever lost."""
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return
    for entry in entries:
        m = _TMP.match(entry.name) or _STAGING.match(entry.name)
        if not m or _alive(int(m.group("pid"))):
            continue
        target = entry.parent / m.group("name")
        if ".old-" in entry.name and entry.is_dir() and not target.exists():
            with contextlib.suppress(OSError):
                os.rename(entry, target)  # the previous version, recovered
                continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()


_RENAME_EXCHANGE = 2  # renameat2's flag: swap two paths in one step (Linux 3.15, glibc 2.28)
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically (renameat2 RENAME_EXCHANGE); False where the system cannot."""
    global _RENAMEAT2
    if _RENAMEAT2 is None:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            _RENAMEAT2 = libc.renameat2
        except (OSError, AttributeError):
            _RENAMEAT2 = False
    if not _RENAMEAT2:
        return False
    import ctypes

    done = _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV):
        return False  # not on this system or file system: the caller renames in two steps
    raise OSError(err, os.strerror(err), str(a), None, str(b))


_RENAMEAT2: Any = None


def _ensure_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise AnnotError(
            f"{folder}: is a file, not a folder", "Give an output path whose folders are folders."
        ) from None
    except NotADirectoryError:
        raise AnnotError(
            f"{folder}: a part of this path is a file, not a folder", "Give an output path whose folders are folders."
        ) from None


PRIVATE = 0o600  # the mode of a file that holds annotators' work or personal data, or a secret


@contextlib.contextmanager
def _replacing(path: Path, private: bool = False) -> Iterator[BinaryIO]:
    """A temporary file in `path`'s folder to write; renamed to `path` when the block ends, removed if it fails.
    The file gets the umask's mode, or 0600 when `private` (then it is never readable by others, not even while
    it is written: the temporary file is 0600 from the start)."""
    path = Path(path)
    if path.is_dir():
        raise AnnotError(f"{path}: is a folder; a file is written here", "Give a file name, not a folder.")
    _ensure_folder(path.parent)
    clean_leftovers(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.chmod(tmp, PRIVATE if private else file_mode())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _named(exc, path) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _named(exc: OSError, path: Path) -> OSError:
    """`exc` with the file it happened to: a failed write() (a full disk, a file-size limit) names none."""
    if not exc.filename:
        exc.filename = str(path)
    return exc


def write_bytes(path: Path, content: bytes, private: bool = False) -> None:
    """Write `content` to `path` through a temporary file in the same folder and a rename (0600 when `private`)."""
    with _replacing(path, private) as fh:
        fh.write(content)


def atomic_write_text(path: Path, content: str, private: bool = False) -> None:
    """Write `content` (UTF-8, LF line endings) to `path` atomically (0600 when `private`)."""
    write_bytes(path, content.encode("utf-8"), private)


def atomic_write_lines(path: Path, lines: Iterable[str]) -> None:
    """Write `lines` (UTF-8, each with its line ending) to `path` atomically, one at a time: the whole text of a
    long file is never held."""
    with _replacing(path) as fh:
        for line in lines:
            fh.write(line.encode("utf-8"))


@contextlib.contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A staging folder beside `target`: what the block writes in it replaces `target` whole, or not at all.

    The new folder and the old are swapped in one atomic step where the system can (Linux's renameat2), so that
    `target` always holds a complete version; the old one is then removed. Elsewhere the old folder is moved
    aside first, and a run killed between the two renames leaves it aside under a name the next run recognises
    and puts back.
    """
    target = Path(target)
    _ensure_folder(target.parent)
    if target.exists() and not target.is_dir():
        raise AnnotError(f"{target}: is a file; a folder of outputs is written here", "Give a folder path.")
    clean_leftovers(target.parent)
    tag = f"{os.getpid()}-{os.urandom(3).hex()}"
    staging = target.parent / f".{target.name}.staging-{tag}"
    staging.mkdir()
    try:
        yield staging
        if target.exists() and exchange(staging, target):
            shutil.rmtree(staging, ignore_errors=True)  # now the old version
            return
        old = target.parent / f".{target.name}.old-{tag}"
        if target.exists():
            os.rename(target, old)
        os.rename(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        for attr in ("filename", "filename2"):  # name the output as the user knows it, not its staging folder
            name = getattr(exc, attr)
            if isinstance(name, str) and name.startswith(str(staging)):
                setattr(exc, attr, str(target) + name[len(str(staging)) :])
        raise _named(exc, target) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@contextlib.contextmanager
def output_lock(folder: Path, what: str = "output", wait: bool = False) -> Iterator[None]:
    """Hold the lock of `what` in `folder` while writing it; refuse a second annot run writing it at the same time
    (`wait`: wait for it instead, for short updates such as a ledger's)."""
    folder = Path(folder)
    _ensure_folder(folder)
    path = folder / f".{what}.annot.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, file_mode())
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise AnnotError(
                f"{folder}: another annot run (pid {holder}) is writing its {what} here",
                "Wait for it to finish, or give another output folder.",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def refuse_overwriting(output: Path, *inputs: Path) -> None:
    """Refuse an output path that is one of the inputs (or lies inside an input folder): a command never writes
    over what it reads."""
    out = Path(output).resolve()
    for given in inputs:
        src = Path(given).resolve()
        if out == src or (src.is_dir() and src in out.parents):
            raise AnnotError(
                f"{output}: is {'inside ' if out != src else ''}the input {given}; nothing was written",
                "Give another output path: annot never writes over what it reads.",
            )


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
    except IsADirectoryError:
        raise AnnotError(f"{path}: is a folder, not the {what}", hint) from None
    except tomllib.TOMLDecodeError as exc:
        raise AnnotError(f"{path}: not valid TOML: {exc}", "Fix the syntax at the position named.") from None
    except UnicodeDecodeError:
        raise AnnotError(f"{path}: not UTF-8 text", "Save the file as UTF-8.") from None


def os_error(exc: OSError) -> AnnotError:
    """A file-system error as a message for people: the path, what is wrong, what to do."""
    where = exc.filename or "a file"
    if exc.filename2:
        where = f"{exc.filename} -> {exc.filename2}"
    if isinstance(exc, IsADirectoryError):
        return AnnotError(f"{where}: is a folder where a file is expected", "Give the path of a file.")
    if isinstance(exc, NotADirectoryError):
        return AnnotError(f"{where}: a part of this path is a file, not a folder", "Check the path.")
    if isinstance(exc, PermissionError):
        return AnnotError(f"{where}: permission denied", "Give a path you can read (or write), or change its mode.")
    if isinstance(exc, FileNotFoundError):
        return AnnotError(f"{where}: no such file or folder", "Check the path.")
    if exc.errno == errno.ENOSPC:
        return AnnotError(f"{where}: no space left on the device", "Free some space, or write elsewhere.")
    if exc.errno == errno.EROFS:
        return AnnotError(f"{where}: the file system is read-only", "Write elsewhere.")
    if exc.errno == errno.EFBIG:
        return AnnotError(
            f"{where}: too large for this system's file-size limit; nothing was written",
            "Raise the limit (ulimit -f), or write elsewhere.",
        )
    return AnnotError(f"{where}: {exc.strerror or exc}", "Check the path and its permissions.")
