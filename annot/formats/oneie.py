"""OneIE's format (Lin et al. 2020, blender.cs.illinois.edu/software/oneie), both ways.

One JSON object per line, a sentence (``doc_id``, ``sent_id``, ``tokens``, ``pieces``,
``token_lens``, ``sentence``), with ``entity_mentions`` (``id``, ``entity_type``, token
``start``/``end``, end exclusive), ``event_mentions`` (``event_type``, ``trigger`` offsets,
``arguments`` naming a mention by ``entity_id``) and ``relation_mentions``; files
``train.oneie.json``, ``dev.oneie.json``, ``test.oneie.json``.

Read as TextEE's format is (`textee.py`): sentences grouped by ``doc_id``, tokens found in
``sentence``, relations and mention attributes skipped and listed; ``pieces`` and ``token_lens``
(a BERT tokenizer's word pieces) are kept in the document's meta and written back. Write: a
sentence object per sentence; a document annot tokenised itself gets its tokens as ``pieces``
(listed: OneIE's own preprocessing makes real ones).
"""

from __future__ import annotations

import json

from .common import Located, Loss, Sink
from .tokens import Style, read_instances, write_instances

ONEIE = Style("OneIE", sentence_id="sent_id", text="sentence", kept=("pieces", "token_lens"), argument_offsets=False)
KEYS = frozenset({"doc_id", "sent_id", "tokens"})


def parse_oneie(raw: str, path: str, sink: Sink, references=None) -> tuple[list[Located], list[Loss]]:  # type: ignore[no-untyped-def]
    """The documents of a OneIE file's content."""
    return read_instances(raw, path, ONEIE, sink, references)


def dump_oneie(located: list[Located]) -> tuple[str, list[Loss], int]:
    """The OneIE content of `located`, what it cannot carry, and the number of sentences written."""
    objs, losses = write_instances(located, ONEIE)
    return "".join(json.dumps(o) + "\n" for o in objs), losses, len(objs)
