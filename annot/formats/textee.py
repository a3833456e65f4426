"""TextEE's unified format (Huang et al. 2024, github.com/ej0cl6/TextEE), both ways.

One JSON object per line, a sentence or window of a document (``doc_id``, ``wnd_id``, ``text``,
``lang``, ``tokens``), with ``entity_mentions`` (``id``, ``entity_type``, token ``start``/``end``,
end exclusive, within the window), ``event_mentions`` (``event_type``, ``trigger`` offsets,
``arguments`` naming a mention by ``entity_id``) and ``relation_mentions``. TextEE keeps one file
per split (``split1/test.json``); each file is read and written on its own.

Read: a document is the windows with its ``doc_id``, their texts joined by line breaks; tokens
are found in their window's text, so character offsets are exact (a window whose text does not
hold its tokens takes the tokens joined by spaces: listed). Relations and mention attributes
(``entity_subtype``, ``mention_type``, ``value``, ``event_subtype`` ...) are skipped and listed.
Write: a window per sentence (those read, with their ids, tokens and ``lang``; or spaCy's for
annot's own documents); mention ids ``<wnd_id>-T1``; what falls outside one window's tokens is
listed (discontinuous mentions, events filling roles, arguments in another window).
"""

from __future__ import annotations

import json

from .common import Located, Loss, Sink
from .tokens import Style, read_instances, write_instances

TEXTEE = Style("TextEE", sentence_id="wnd_id", text="text", kept=("lang",), argument_offsets=True)
KEYS = frozenset({"doc_id", "wnd_id", "tokens"})  # what tells a TextEE line (format detection)


def parse_textee(raw: str, path: str, sink: Sink, references=None) -> tuple[list[Located], list[Loss]]:  # type: ignore[no-untyped-def]
    """The documents of a TextEE file's content."""
    return read_instances(raw, path, TEXTEE, sink, references)


def dump_textee(located: list[Located]) -> tuple[str, list[Loss], int]:
    """The TextEE content of `located`, what it cannot carry, and the number of windows written."""
    objs, losses = write_instances(located, TEXTEE)
    return "".join(json.dumps(o) + "\n" for o in objs), losses, len(objs)
