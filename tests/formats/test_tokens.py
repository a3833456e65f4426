"""What the token formats share: tokens found in a text, texts made of tokens, spans on tokens, sentences."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from annot.documents import Document
from annot.formats.tokens import joined, locate, segment, sentences_in_meta, token_span

TOKENS = st.lists(st.lists(st.text("ab'.😀é", min_size=1, max_size=4), min_size=1, max_size=5), min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(TOKENS)
def test_tokens_joined_text_holds_every_token_where_its_offsets_say(sentences):
    text, offsets = joined(sentences)
    assert [[text[a:b] for a, b in row] for row in offsets] == sentences
    flat = [t for s in sentences for t in s]
    assert locate(flat, text) == [o for row in offsets for o in row]


def test_tokens_locate_skips_whitespace_only():
    assert locate(["a", "b"], "a \n\tb") == [(0, 1), (4, 5)]
    assert locate(["a", "b"], "a-b") is None
    assert locate([], "anything") == []


def test_tokens_span_on_whole_tokens_only():
    toks = ((0, 4), (5, 9), (10, 11))
    assert token_span(toks, 0, 4) == (0, 1) and token_span(toks, 0, 11) == (0, 3)  # both edges of the text
    assert token_span(toks, 0, 5) is None and token_span(toks, 6, 9) is None


def test_tokens_segment_ends_a_sentence_at_a_line_break():
    text = "NATO came. KFOR left\nand EULEX stayed"
    sentences = segment(text)
    assert [text[s.start : s.end] for s in sentences] == ["NATO came.", "KFOR left", "and EULEX stayed"]


def test_tokens_sentences_in_meta_must_fit_the_text():
    good = {"sentences": [{"id": "s0", "start": 0, "end": 4, "tokens": [[0, 4]]}]}
    assert sentences_in_meta(Document("d", "NATO", meta=good))[0].tokens == ((0, 4),)  # type: ignore[index]
    for bad in ([{"start": 0, "end": 9, "tokens": [[0, 9]]}], [{"start": 0, "end": 4}], "x", []):
        assert sentences_in_meta(Document("d", "NATO", meta={"sentences": bad})) is None
