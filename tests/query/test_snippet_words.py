"""Snippets look each distinct word up once: the same marked words as looking every word up in turn."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from searchkit import analysis
from searchkit.analysis import WORD_PATTERN, normalise_word
from itertools import islice

from searchkit import highlight
from searchkit.highlight import Snippet, make_snippet

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


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1 _.'’-,\n\tÉé金利ß") + ["\u200b", "\x00"]), max_size=120),
       st.integers(0, 200))
def test_word_spans_found_by_find_are_the_regex_spans(text, count):

    from searchkit.highlight import _spans

    expected = [m.span() for m in islice(WORD_PATTERN.finditer(text), count)]
    assert _spans(text, WORD_PATTERN.findall(text), count) == expected


# The snippet code before each distinct word was looked up once and spans were found with str.find
# (searchkit 906986c), kept as the reference the faster code must equal.
def reference_make_snippet(text: str, terms: set[str], window: int = highlight._WINDOW_WORDS) -> Snippet:
    """The ``window``-word stretch of ``text`` holding the most distinct ``terms``.

    ``terms`` are index terms (already analysed).  When none occurs the
    snippet is the start of the text.
    """
    if not text:
        return Snippet([])
    scanned = text[:highlight._SCAN_CHARS]
    words = WORD_PATTERN.findall(scanned)
    if not words:
        return Snippet([(highlight._clip(text, 240), False)])
    hits: list[int] = []
    hit_terms: list[str] = []
    if terms:
        memo = analysis._cache.get
        # A word's term starts with the word's first letter, lower-cased (the
        # stemmer only cuts and rewrites endings): an ASCII word whose first
        # letter starts no query term need not be analysed (a cold process
        # would look every word of ten articles up in the stem table).
        initials = {term[:1] for term in terms}
        for i, word in enumerate(words):
            term = memo(word)
            clitic = "'" in word or "’" in word  # "l'Élysée" is also "elysee", "Ankara'da" "ankara"
            if term is None:
                first = word[0]
                if first.isascii() and first.lower() not in initials and not clitic:
                    continue
                term = normalise_word(word)
            if clitic and term not in terms:
                term = next((t for t in analysis.word_terms(word)[0][1:] if t in terms), term)
            if term in terms:
                hits.append(i)
                hit_terms.append(term)
        if len(set(hit_terms)) < len(terms) and ("'" in scanned or "’" in scanned):
            # a term not seen may be inside an elided or suffixed word ("l'Élysée": elysee)
            found = set(hits)
            for i, word in enumerate(words):
                if i not in found and ("'" in word or "’" in word):
                    term = next((t for t in analysis.word_terms(word)[0][1:] if t in terms), None)
                    if term is not None:
                        hits.append(i)
                        hit_terms.append(term)
            if len(hits) > len(found):
                pairs = sorted(zip(hits, hit_terms))
                hits, hit_terms = [i for i, _ in pairs], [t for _, t in pairs]
    best_start = 0
    if hits:
        # For each match as anchor, the window [anchor - 3, anchor - 3 + window):
        # the one with the most distinct terms (then the most matches) wins,
        # the earliest on ties.  Windows only move right: a sliding count.
        best_key = (-1, -1)
        counts: dict[str, int] = {}
        lo = hi = 0
        for anchor in hits:
            first = max(0, anchor - 3)  # a little context before the first match
            last = first + window
            while hi < len(hits) and hits[hi] < last:
                counts[hit_terms[hi]] = counts.get(hit_terms[hi], 0) + 1
                hi += 1
            while hits[lo] < first:
                term = hit_terms[lo]
                counts[term] -= 1
                if not counts[term]:
                    del counts[term]
                lo += 1
            key = (len(counts), hi - lo)
            if key > best_key:
                best_key, best_start = key, first
    end_word = min(len(words), best_start + window)
    spans = [m.span() for m in islice(WORD_PATTERN.finditer(scanned), end_word)]
    char_start = spans[best_start][0] if best_start > 0 else 0
    char_end = spans[end_word - 1][1]
    marked = set(hits)
    parts: list[tuple[str, bool]] = []
    if char_start > 0:
        parts.append(("…", False))
    cursor = char_start
    for i in range(best_start, end_word):
        start, end = spans[i]
        if i in marked:
            if start > cursor:
                parts.append((highlight._flatten(scanned[cursor:start]), False))
            parts.append((highlight._CONTROL.sub("", scanned[start:end]), True))
            cursor = end
    if char_end > cursor:
        parts.append((highlight._flatten(scanned[cursor:char_end]), False))
    if char_end < len(text.rstrip()):
        parts.append(("…", False))
    return Snippet(highlight._merge(parts))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS + [".", ",", "\n\n", "—", "**", "\x00", "l'oil", "oil's"]), max_size=150),
       st.sets(st.sampled_from(WORDS), max_size=3), st.integers(1, 40))
def test_snippets_equal_the_reference_snippets(words, query, window):
    text = " ".join(words)
    terms = {normalise_word(w) for w in query} - {""}
    assert make_snippet(text, terms, window=window) == reference_make_snippet(text, terms, window=window)
