"""Token boundaries of spaCy's English tokenizer (`spacy.blank("en")`), the tokens annot counts against.

Tokenising needs spaCy, whose import alone takes longer than scoring a test split; the boundaries depend only on
the text and spaCy's version, so a corpus stores its gold texts' boundaries (`TokenStore`, written by
`annot corpus build`) and scoring tokenises only the texts it does not find there.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib.metadata import version
from typing import Any

import numpy as np

TOKENIZER = 'spacy.blank("en")'


def spacy_version() -> str:
    """The installed spaCy's version (read from its metadata: spaCy is not imported)."""
    return version("spacy")


@cache
def tokenizer() -> Any:
    import spacy

    return spacy.blank("en").tokenizer


def token_bounds(text: str) -> np.ndarray:
    """(start, end) of every token of `text` (whitespace tokens included), an (n, 2) int64 array."""
    from spacy.attrs import IDX, LENGTH

    tokens = tokenizer()(text).to_array([IDX, LENGTH]).astype(np.int64).reshape(-1, 2)
    tokens[:, 1] += tokens[:, 0]
    return tokens


def bounds_of(text: str, sha256: str, known: Mapping[str, np.ndarray] | None) -> np.ndarray:
    """The token bounds of `text`: stored ones (`known`, by the text's SHA-256) when there, else tokenised."""
    if known is not None:
        stored = known.get(sha256)
        if stored is not None:
            return stored
    return token_bounds(text)
