"""Snippets look each distinct word up once: the same marked words as looking every word up in turn."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from searchkit import analysis
from searchkit.analysis import WORD_PATTERN, normalise_word
from searchkit.highlight import make_snippet

WORDS = ["treaty", "Treaties", "oil", "OIL", "l'Élysée", "Élysée", "Ankara'da", "Ankara", "the", "prices",
         "price's", "U.S.", "us", "co-operation", "Oil's", "said", "d'Oil", "’Oil", "x", "15.8m", "Ölpreis"]


def per_word_hits(text: str, terms: set[str]) -> list[str]:
    """Every word's term worked out in turn (clitic words also by their parts), as snippets did before."""
    out = []
    for word in WORD_PATTERN.findall(text):
        term = normalise_word(word)
        if ("'" in word or "’" in word) and term not in terms:
            term = next((t for t in analysis.word_terms(word)[0][1:] if t in terms), term)
        if term in terms:
            out.append(word)
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=80), st.sets(st.sampled_from(WORDS), max_size=4))
def test_marked_words_are_those_of_a_word_by_word_look_up(words, query):
    text = " ".join(words)
    terms = {normalise_word(w) for w in query} - {""}
    snippet = make_snippet(text, terms, window=1000)  # one window holding every word: every match marked
    assert [part for part, hit in snippet.parts if hit] == per_word_hits(text, terms)
