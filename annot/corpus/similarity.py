"""How alike two texts are once their names are set aside: the leakage check of a corpus's splits and the check
that a guideline's examples are not the corpus's sentences with the names swapped.

Names, numbers and dates are what a paraphrase changes first ("the reef that Lima calls Punta Sur" for "a
grounded warship that Manila calls Ayungin Shoal"), so both sides are compared with every token that starts
with a capital letter or holds a digit replaced by one placeholder `<n>` (a run of them counts once; where the
annotations are known, every entity mention is masked too), in lower case. Two measures:

- an example against a corpus sentence: the share of the example's words found in the sentence in the same
  order (difflib's matching blocks), content words weighing 1, placeholders 0.5, function words 0.3, marks 0;
  an example is flagged when that share is at least `EXAMPLE_THRESHOLD` and the matched words are worth at
  least `EXAMPLE_MIN_CONTENT` (content words count 1, placeholders 0.5): the rule's own vocabulary ("X border
  crossing", "officials said") is not a quote, a sentence's frame with its names swapped is;
- two documents: the Jaccard index of their sets of three-word runs (shingles), names masked.

These are deliberately simple and stated, so that a team can read a flagged pair and see why.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..documents import Document

MASK = "<n>"
_TOKEN = re.compile(r"\w+(?:[’'-]\w+)*|[^\w\s]", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s+|\n+")
SHINGLE = 3
EXAMPLE_THRESHOLD = 0.6
EXAMPLE_MIN_CONTENT = 3.0
# Function words: they carry a sentence's frame, not its content.
_FUNCTION_WORDS = (
    "a an the of to in on at by for from with and or but that which who whom whose this these those it its is are "
    "was were be been being has have had do does did not no as than then so if when while after before over under "
    "into out up down off about against between through during without within upon"
)
STOPWORDS = frozenset(_FUNCTION_WORDS.split())


def masked_tokens(text: str, spans: Iterable[tuple[int, int]] = ()) -> list[str]:
    """The words of `text`, lower case, with names, numbers and the given spans each masked as one token.

    >>> masked_tokens("The reef that Lima calls Punta Sur.")
    ['the', 'reef', 'that', '<n>', 'calls', '<n>', '.']
    """
    cuts = sorted(spans)
    out: list[str] = []
    at = 0
    for start, end in [*cuts, (len(text), len(text))]:
        if start < at:
            continue
        out += _mask(text[at:start])
        if start < end and (not out or out[-1] != MASK):
            out.append(MASK)
        at = max(at, end)
    return out


def _mask(text: str) -> list[str]:
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        lower = tok.lower()
        # a capital or a digit makes a name, a number or a date; a capitalised function word ("The") does not
        word = MASK if (tok[:1].isupper() and lower not in STOPWORDS) or any(c.isdigit() for c in tok) else lower
        if word == MASK and out and out[-1] == MASK:
            continue  # "Punta Sur" and "Ayungin Shoal" are one name each, whatever their length
        out.append(word)
    return out


def shingles(tokens: Sequence[str], n: int = SHINGLE) -> set[tuple[str, ...]]:
    """The runs of `n` tokens (a shorter text is one run)."""
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def containment(small: set[tuple[str, ...]], large: set[tuple[str, ...]]) -> float:
    """The share of `small`'s shingles that are in `large` (0 for an empty `small`).

    >>> containment({("a", "b", "c"), ("b", "c", "d")}, {("b", "c", "d")})
    0.5
    """
    return len(small & large) / len(small) if small else 0.0


def jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    """|A ∩ B| / |A ∪ B| (0 when both are empty)."""
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of `text`: cut after . ! ? … (and closing quotes) followed by space, and at line breaks."""
    out, at = [], 0
    for m in _SENTENCE_END.finditer(text):
        if text[at : m.start()].strip():
            out.append((at, m.start()))
        at = m.end()
    if text[at:].strip():
        out.append((at, len(text)))
    return out


def _weight(token: str) -> float:
    if token == MASK:
        return 0.5
    if not token[:1].isalnum():
        return 0.0
    return 0.3 if token in STOPWORDS else 1.0


def ordered_overlap(example: Sequence[str], sentence: Sequence[str]) -> tuple[float, float]:
    """How much of `example` (masked tokens) is in `sentence`, in the same order: (the share of its weight,
    the content matched: content words 1, placeholders 0.5).

    >>> ordered_overlap(masked_tokens("the reef that Lima calls Punta Sur"),
    ...                 masked_tokens("a grounded warship that Manila calls Ayungin Shoal"))
    (0.6388888888888888, 2.0)
    """
    matcher = difflib.SequenceMatcher(None, list(example), list(sentence), autojunk=False)
    matched = [False] * len(example)
    for a, _, n in matcher.get_matching_blocks():
        for k in range(a, a + n):
            matched[k] = True
    total = sum(_weight(t) for t in example)
    got = sum(_weight(t) for t, m in zip(example, matched) if m)
    content = sum(1.0 if _weight(t) == 1.0 else 0.5 for t, m in zip(example, matched) if m and _weight(t) >= 0.5)
    return (got / total if total else 0.0), content


@dataclass(frozen=True)
class Flag:
    """An example that a corpus sentence contains nearly word for word once names are masked."""

    example: str
    document: str
    sentence: str
    share: float
    content: float


@dataclass(frozen=True)
class SentenceIndex:
    """Every sentence of a corpus as masked tokens (entity mentions masked too), for `closest`."""

    documents: tuple[str, ...]
    texts: tuple[str, ...]
    tokens: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, docs: Iterable[Document]) -> SentenceIndex:
        ids, texts, toks = [], [], []
        for d in docs:
            for s, e in sentences(d.text):
                local = [(max(s, m.start) - s, min(e, m.end) - s) for m in d.entities if m.start < e and s < m.end]
                ids.append(d.id)
                texts.append(d.text[s:e])
                toks.append(tuple(masked_tokens(d.text[s:e], local)))
        return cls(tuple(ids), tuple(texts), tuple(toks))

    def closest(self, phrase: str) -> Flag:
        """The corpus sentence that holds most of `phrase` in order (masked alike)."""
        mine = masked_tokens(phrase)
        best = Flag(phrase, "", "", 0.0, 0.0)
        words = {t for t in mine if _weight(t) == 1.0}
        for doc_id, text, theirs in zip(self.documents, self.texts, self.tokens):
            if words and not words & set(theirs):
                continue  # no content word in common: nothing to find (and most sentences are skipped fast)
            share, content = ordered_overlap(mine, theirs)
            if (share, content) > (best.share, best.content):
                best = Flag(phrase, doc_id, text, share, content)
        return best


def example_phrases(guideline: str) -> list[str]:
    """The examples of a guideline: every `backquoted` phrase, cut at → and ..., brackets removed, that has at
    least two content words (shorter ones are the rule's vocabulary, not an example sentence)."""
    out = []
    for quoted in re.findall(r"`([^`]+)`", guideline):
        for part in re.split(r"\s*(?:→|->|\.\.\.|…)\s*", quoted):
            part = re.sub(r"[\[\]]", "", part.strip(" .,;:\"“”'"))
            if sum(1 for t in masked_tokens(part) if _weight(t) == 1.0) >= 2:
                out.append(part)
    return sorted(set(out))


def guideline_flags(
    guideline: str,
    docs: Iterable[Document],
    threshold: float = EXAMPLE_THRESHOLD,
    min_content: float = EXAMPLE_MIN_CONTENT,
) -> list[Flag]:
    """The guideline's examples that a corpus sentence holds nearly word for word once names are masked (each
    with the closest sentence), most similar first: what a name-swapped paraphrase of the corpus looks like."""
    index = SentenceIndex.of(docs)
    found = [index.closest(e) for e in example_phrases(guideline)]
    flagged = [f for f in found if f.share >= threshold and f.content >= min_content]
    return sorted(flagged, key=lambda f: (-f.share, f.example))


def document_shingles(doc: Document) -> set[tuple[str, ...]]:
    """A document's masked shingles (its entity mentions masked)."""
    return shingles(masked_tokens(doc.text, [(m.start, m.end) for m in doc.entities]))


@dataclass(frozen=True)
class PairSimilarity:
    """Two documents of different splits and how alike they are (names masked), and what they share."""

    a: str
    b: str
    split_a: str
    split_b: str
    similarity: float
    same_theatre: str | None  # the theatre both are set in (meta.theatre), if any
    same_story: bool


@dataclass(frozen=True)
class SplitCheck:
    """The leakage check of a corpus's splits: cross-split pairs set in one theatre or near-duplicates, and the
    similarity of same-story pairs (which splits keep together) for reference."""

    leaks: tuple[PairSimilarity, ...]
    closest: tuple[PairSimilarity, ...]  # the most similar cross-split pairs, leaks or not
    same_story_median: float | None
    threshold: float


LEAK_THRESHOLD = (
    0.1  # Jaccard of masked shingles: unrelated articles here share up to 0.07, two of one story about 0.05
)


def check_splits(
    docs: Sequence[Document], split_of: dict[str, str], threshold: float = LEAK_THRESHOLD, shown: int = 10
) -> SplitCheck:
    """Pairs of documents in different splits that leak: set in the same theatre (`meta.theatre`) or as alike as
    `threshold` (Jaccard of masked shingles) or more."""
    import statistics

    sets = {d.id: document_shingles(d) for d in docs}
    meta = {d.id: d.meta for d in docs}
    pairs: list[PairSimilarity] = []
    same_story: list[float] = []
    ids = [d.id for d in docs if d.id in split_of]
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            sim = jaccard(sets[a], sets[b])
            story_a, story_b = meta[a].get("story"), meta[b].get("story")
            if split_of[a] == split_of[b]:
                if story_a is not None and story_a == story_b:
                    same_story.append(sim)
                continue
            theatre_a, theatre_b = meta[a].get("theatre"), meta[b].get("theatre")
            pairs.append(
                PairSimilarity(
                    a=a,
                    b=b,
                    split_a=split_of[a],
                    split_b=split_of[b],
                    similarity=sim,
                    same_theatre=str(theatre_a) if theatre_a is not None and theatre_a == theatre_b else None,
                    same_story=story_a is not None and story_a == story_b,
                )
            )
    pairs.sort(key=lambda p: (-p.similarity, p.a, p.b))
    leaks = tuple(p for p in pairs if p.similarity >= threshold or p.same_theatre or p.same_story)
    return SplitCheck(
        leaks=leaks,
        closest=tuple(pairs[:shown]),
        same_story_median=statistics.median(same_story) if same_story else None,
        threshold=threshold,
    )
