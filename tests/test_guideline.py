"""The guideline and the schema's one-line guidelines quote no corpus text: an annotator who learns them has not seen
the answers."""

from __future__ import annotations

import re

import pytest

from annot.documents import read_documents

from support import ROOT

TEXTS = [d.text for d in read_documents(ROOT / "gold" / "news" / "documents.jsonl")]
GUIDELINE = (ROOT / "docs" / "guideline.md").read_text(encoding="utf-8")
SCHEMA = (ROOT / "configs" / "schema.toml").read_text(encoding="utf-8")


def _specific(part: str) -> bool:
    """A phrase of three words or more, or of two with a digit or a name in it: what a quote gives away.

    Two-word phrases of common words (`air campaign`, `death toll`) are the guideline's vocabulary, not quotes.
    """
    words = part.split()
    if len(words) >= 3:
        return True
    return len(words) == 2 and any(any(c.isdigit() for c in w) or w[:1].isupper() for w in words)


def _examples() -> list[str]:
    """Every specific example: `backticked`, [bracketed] (guideline) or 'quoted' (schema)."""
    found = re.findall(r"`([^`]+)`", GUIDELINE) + re.findall(r"\[([^\[\]]+)\]", GUIDELINE)
    found += [q for line in SCHEMA.splitlines() if line.startswith("guideline") for q in re.findall(r"'([^']+)'", line)]
    out = []
    for example in found:
        for part in re.split(r"\s*(?:→|->|\.\.\.|…)\s*", example):
            part = part.strip(" .,;:\"“”'")
            if _specific(part):
                out.append(part)
    return sorted(set(out))


EXAMPLES = _examples()


def test_guideline_has_examples():
    assert len(EXAMPLES) > 40


@pytest.mark.parametrize("example", EXAMPLES)
def test_guideline_example_is_not_quoted_from_the_corpus(example):
    quoted = [t[:60] for t in TEXTS if example in t]
    assert not quoted, f"{example!r} is quoted from a corpus document"
