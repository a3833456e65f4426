"""Reading a large JSON list one item at a time, so that a file of many gigabytes is never held whole.

Label Studio exports are JSON lists of tasks that can outgrow memory. `stream_list` parses the list item by
item with the standard library's decoder (so each item is exactly what `json.loads` gives) from a window of
the file that grows only as far as one item needs. Anything that is not a plain list read to its end raises
`NotPlain`; the caller reads such a file whole, which names what is wrong.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

CHUNK = 1 << 20  # characters read from the file at a time (at least)
_SPACE = re.compile(r"[ \t\n\r]*")  # the whitespace JSON allows between values
_NUMBER_GOES_ON = re.compile(r"[0-9.eE+-]*")  # what may still belong to a number cut at the end of the window
_DECODER = json.JSONDecoder()


class NotPlain(Exception):
    """The file is not a JSON list of values read to its end: only reading it whole tells what it is."""


class _Window:
    """The part of an open file read and not yet parsed."""

    def __init__(self, fh: TextIO, chunk: int = CHUNK) -> None:
        self.fh, self.buf, self.pos, self.eof, self.chunk = fh, "", 0, False, chunk

    def more(self) -> None:
        """Read on: at least as much as is left unparsed, so that a long task costs linear time."""
        if self.eof:
            raise NotPlain
        chunk = self.fh.read(max(self.chunk, len(self.buf) - self.pos))
        self.buf, self.pos, self.eof = self.buf[self.pos :] + chunk, 0, not chunk

    def next_char(self) -> str:
        """The next character after whitespace ('' at the end of the file)."""
        while True:
            self.pos = _SPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]  # matches the empty string
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos : self.pos + 1]
            self.more()

    def value(self) -> Any:
        """The JSON value at the current position, parsed by the json module (as `json.loads` parses it)."""
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError:
                self.more()  # the value goes on in the next chunk, or the file is not JSON (more() gives up at its end)
                continue
            if self.eof or not _NUMBER_GOES_ON.fullmatch(self.buf, end):
                self.pos = end
                return obj
            self.more()  # a number at the end of the window ("12", "0.", "1e") may go on in the next chunk


def _ends_like_a_list(path: Path) -> bool:
    """Whether the file's last character (but whitespace) is ']': a file cut short (a download that broke off)
    is found before its items are read."""
    with path.open("rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        fh.seek(max(0, size - 4096))
        return fh.read().rstrip(b" \t\n\r").endswith(b"]")


def stream_list(path: Path, chunk: int = CHUNK) -> Iterator[Any]:
    """The items of the JSON list in the file, one at a time; NotPlain where the file is anything else."""
    if not _ends_like_a_list(path):
        raise NotPlain
    with path.open(encoding="utf-8") as fh:  # decoded as Path.read_text decodes it
        w = _Window(fh, chunk)
        if w.next_char() != "[":
            raise NotPlain
        w.pos += 1
        if w.next_char() == "]":
            w.pos += 1
        else:
            while True:
                w.next_char()
                item = w.value()
                sep = w.next_char()
                if sep not in (",", "]"):
                    raise NotPlain
                w.pos += 1
                yield item  # only once what follows it is read: it is whole
                if sep == "]":
                    break
        if w.next_char():
            raise NotPlain  # something after the list
