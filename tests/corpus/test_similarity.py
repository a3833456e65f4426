"""Name-insensitive similarity: the guideline's examples against the corpus, and the splits' leakage check."""

from __future__ import annotations

import random
import re
from pathlib import Path

from annot.corpus.similarity import (
    LEAK_THRESHOLD,
    check_splits,
    example_phrases,
    guideline_flags,
    masked_tokens,
    ordered_overlap,
)
from annot.documents import Document, Entity, read_documents

from support import ROOT, run

CORPUS = ROOT / "gold" / "news"
INVENTED = ["Varnholt", "Quellin", "Brennick", "Ostrava", "Tamsin", "Kelvro", "Marisol", "Dunmore"]


def _corpus_sentences(docs: list[Document]) -> list[str]:
    return [
        s
        for d in docs
        for s in re.split(r"(?<=[.!?])\s+", d.text)
        if 8 <= len(s.split()) <= 30 and "`" not in s and "\n" not in s
    ]


def _swap_names(s: str, rng: random.Random) -> str:
    """A corpus sentence with every capitalised word and every number replaced: a name-swapped paraphrase."""
    s = re.sub(r"\d+", lambda m: str(rng.randint(2, 99)), s)
    return re.sub(r"\b[A-Z][\w’'-]*", lambda m: rng.choice(INVENTED), s)


def test_masking():
    assert masked_tokens("The reef that Manila calls Ayungin Shoal, 14 km off.") == [
        "the", "reef", "that", "<n>", "calls", "<n>", ",", "<n>", "km", "off", ".",
    ]  # fmt: skip
    # entity mentions are masked where known, lower-case ones included
    assert masked_tokens("the brigade reached the port", [(4, 11)]) == ["the", "<n>", "reached", "the", "port"]
    share, content = ordered_overlap(masked_tokens("the reef that Lima calls Punta Sur"), masked_tokens(
        "a grounded warship on the reef, which Manila calls Ayungin Shoal"
    ))  # fmt: skip
    assert share > 0.6 and content >= 2


def test_the_check_catches_name_swapped_paraphrases():
    """Sixty corpus sentences (seeded) with their names and numbers swapped are flagged (whole, and cut to eight
    words); the bundled guideline's own examples, invented anew, are not."""
    docs = read_documents(CORPUS / "documents.jsonl")
    rng = random.Random(22)
    picked = rng.sample(_corpus_sentences(docs), 60)
    whole = "\n".join(f"- `{_swap_names(s, rng)}`" for s in picked)
    assert len(guideline_flags(whole, docs)) >= 55
    cut = "\n".join(f"- `{' '.join(_swap_names(s, rng).split()[:8])}`" for s in picked)
    assert len(guideline_flags(cut, docs)) >= 45
    # the paraphrases the audit found in guideline v2 (its examples, our own text)
    v2 = [
        "the reef that Lima calls Punta Sur",
        "will steam from Callao and reach Arica",
        "marines flying in from Iquique are due to land at Arica",
    ]
    flagged = {f.example for f in guideline_flags("\n".join(f"`{x}`" for x in v2), docs)}
    assert flagged == set(v2)


def test_cli_check_guideline(runner, tmp_path: Path):
    r = run(runner, "corpus", "check-guideline")
    assert r.exit_code == 0, r.output
    assert "none of its" in r.output
    guideline = (ROOT / "docs" / "guideline.md").read_text(encoding="utf-8")
    assert len(example_phrases(guideline)) >= 100
    bad = tmp_path / "g.md"
    docs = read_documents(CORPUS / "documents.jsonl")
    sentence = _swap_names(_corpus_sentences(docs)[0], random.Random(1))
    bad.write_text(guideline + f"\n\nA new example: `{sentence}`.\n", encoding="utf-8")
    r = run(runner, "corpus", "check-guideline", bad)
    assert r.exit_code == 2 and "1 example(s) are nearly a corpus sentence" in r.output
    assert "Invent those examples anew" in r.output


def _doc(doc_id: str, text: str, **meta: str) -> Document:
    return Document(doc_id, text, [Entity(0, 4, "ORG", "T1")], [], dict(meta))


def test_check_splits_reports_near_duplicates_stories_and_theatres():
    base = "NATO said on Monday that two more companies would reach the base by the end of the week, officials said."
    docs = [
        _doc("a", base, theatre="north"),
        _doc("b", base.replace("Monday", "Tuesday"), theatre="south"),  # a near-duplicate in the other split
        _doc("c", "Rain fell on the capital as talks resumed after a pause of three weeks.", theatre="north"),
        _doc("d", "A quite different report about fishing quotas and harbour fees in the bay.", story="s1"),
        _doc("e", "Another text, of another kind, written about a football match on Saturday.", story="s1"),
    ]
    r = check_splits(docs, {"a": "dev", "b": "test", "c": "test", "d": "dev", "e": "test"})
    why = {(p.a, p.b): p for p in r.leaks}
    assert why[("a", "b")].similarity >= LEAK_THRESHOLD
    assert why[("a", "c")].same_theatre == "north"
    assert why[("d", "e")].same_story
    assert not check_splits(docs, {"a": "dev", "b": "dev", "c": "dev", "d": "test", "e": "test"}).leaks


def test_cli_check_splits_on_the_bundled_corpus(runner):
    r = run(runner, "corpus", "check-splits")
    assert r.exit_code == 0, r.output
    assert "no leak" in r.output and "the most alike pairs across splits" in r.output
