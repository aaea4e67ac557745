"""Snippets: :func:`searchkit.highlight.make_snippet` gives exactly what the straightforward version gave.

The reference below is the implementation before the snippet speed-ups
(a ``findall`` over the text, every word looked up in Python, a second
``finditer`` pass for the window's offsets), kept verbatim as the
definition of the result: the same parts, text and highlight flags, for
the fixture corpora's texts under many queries, and for generated texts
with punctuation, apostrophes (elisions, suffixes, curly quotes), control
characters and accents.  Texts holding a script without spaces are left
out: their runs are marked at the query's characters, not whole, since
this reference was written (``test_nospace_highlights.py``).
"""

from __future__ import annotations

import random
import re
from itertools import islice

import pytest
from hypothesis import given, settings, strategies as st

from searchkit import analysis
from searchkit.analysis import WORD_PATTERN, normalise_word, word_terms
from searchkit.analysis.chain import term_positions
from searchkit.analysis.cjk import has_nospace
from searchkit.highlight import _CONTROL, _SCAN_CHARS, _WINDOW_WORDS, Snippet, _clip, _capped, _flatten, _merge, make_snippet

from ..conftest import FIXTURES


def reference_snippet(text: str, terms: set[str], window: int = _WINDOW_WORDS) -> Snippet:
    """make_snippet as it was (commit 38996eb), verbatim but for the names of its helpers."""
    if not text:
        return Snippet([])
    scanned = text[:_SCAN_CHARS]
    words = WORD_PATTERN.findall(scanned)
    if not words:
        return Snippet([(_clip(text, 240), False)])
    hits: list[int] = []
    hit_terms: list[str] = []
    if terms:
        memo = analysis._cache.get
        initials = {term[:1] for term in terms}
        for i, word in enumerate(words):
            term = memo(word)
            clitic = "'" in word or "’" in word
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
        best_key = (-1, -1)
        counts: dict[str, int] = {}
        lo = hi = 0
        for anchor in hits:
            first = max(0, anchor - min(3, window - 1))
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
        best_start = max(0, min(best_start, len(words) - window))  # no window past the last word
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
                parts.append((_flatten(scanned[cursor:start]), False))
            parts.append((_CONTROL.sub("", scanned[start:end]), True))
            cursor = end
    rest = text[char_end:].rstrip()
    if end_word == len(words) and len(rest) <= 8 and not WORD_PATTERN.search(rest):
        char_end += len(rest)  # only the closing punctuation is left: shown, not "…"
        rest = ""
    if char_end > cursor:
        parts.append((_flatten(scanned[cursor:char_end]), False))
    if rest:
        parts.append(("…", False))
    return Snippet(_merge(_capped(parts)))  # the length cap is tested on its own below


def _fixture_texts() -> list[str]:
    """The fixture corpora's files as texts: Reuters SGML cut into stories, JSON, HTML, JSON Lines, plain text."""
    texts = []
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or path.suffix not in (".sgm", ".json", ".jsonl", ".html", ".txt", ".htm"):
            continue
        raw = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".sgm":
            texts.extend(re.findall(r"<BODY>(.*?)</BODY>", raw, re.S)[:400])
        elif path.suffix == ".jsonl":
            texts.extend(raw.splitlines()[:200])
        else:
            texts.append(raw)
    return [text for text in texts if not has_nospace(text)]


def _queries(text: str, rng: random.Random, count: int) -> list[set[str]]:
    """Term sets drawn from ``text``'s words (their first term or another of theirs), with absent terms mixed in."""
    words = WORD_PATTERN.findall(text[:_SCAN_CHARS]) or ["nothing"]
    queries = []
    for _ in range(count):
        terms = set()
        for word in rng.sample(words, min(len(words), rng.randint(1, 4))):
            options = [t for t in word_terms(word)[0] if t] or [""]
            terms.add(rng.choice(options) if rng.random() < 0.3 else normalise_word(word))
        if rng.random() < 0.3:
            terms.add(rng.choice(["zzqx", "oil", "the", "said", "elyse", "ankara", "us"]))
        queries.append({t for t in terms if t})
    return queries


def test_fixture_corpora_snippets_are_the_reference_ones():
    rng = random.Random(13)
    texts = _fixture_texts()
    assert len(texts) > 100
    compared = 0
    for text in texts:
        for terms in _queries(text, rng, 6) + [set()]:
            for window in (_WINDOW_WORDS, 8, 1):
                analysis._cache.clear()  # cold and warm memo tables alike
                assert make_snippet(text, terms, window).parts == reference_snippet(text, terms, window).parts
                compared += 1
    assert compared > 2000


_PIECES = ["treaty", "Treaties", "oil", "OIL", "prices", "price's", "Japan's", "l'Élysée", "d’Orsay", "Ankara'da",
           "don't", "U.S.", "U.S", "15.8m", "1960", "café", "naïve", "Straße", "金利上昇", "東京3.5", "e-mail",
           "co-operation", "_under_score", "x\x07y", "a\u200bb", "…", "**", "\\", "  ", "\n\n", "\t", ". ", ", ",
           "(", ")", "'", "’", "<", ">", "the", "of", "said", "élysée", "ELYSEE", "déjà"]
_SPACED_PIECES = [piece for piece in _PIECES if not has_nospace(piece)]  # what the reference specifies


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.sampled_from(_SPACED_PIECES), max_size=120),
       seps=st.lists(st.sampled_from([" ", "", "\n", " - "]), max_size=120),
       picks=st.lists(st.sampled_from(_SPACED_PIECES), max_size=4), window=st.sampled_from([32, 8, 3, 1]),
       cold=st.booleans())
def test_generated_texts_give_the_reference_snippets(pieces, seps, picks, window, cold):
    text = "".join(piece + (seps[i] if i < len(seps) else " ") for i, piece in enumerate(pieces))
    terms = {t for pick in picks for t in (word_terms(w)[0][-1] for w in WORD_PATTERN.findall(pick)) if t}
    terms |= {normalise_word(w) for pick in picks[:2] for w in WORD_PATTERN.findall(pick)} - {""}
    if cold:
        analysis._cache.clear()
    assert make_snippet(text, terms, window).parts == reference_snippet(text, terms, window).parts


@pytest.mark.parametrize("text", ["", "   ", "…!?", "word", "<Samsung> Semiconductors", "x" * 10 + " oil" * 5])
def test_edge_texts(text):
    for terms in (set(), {"oil"}, {"samsung", "calendar"}, {"zzqx"}):
        assert make_snippet(text, terms).parts == reference_snippet(text, terms).parts


def test_long_text_is_cut_where_the_reference_cut_it():
    text = ("filler words here " * 20_000) + " treaty " + ("more words " * 10)
    assert len(text) > _SCAN_CHARS
    for terms in ({"treati"}, {"filler", "treati"}):
        assert make_snippet(text, terms).parts == reference_snippet(text, terms).parts


# --- the words' index positions given (read for ranking): only those words are looked up -----------------


def test_fixture_corpora_snippets_from_index_positions_are_the_reference_ones():
    rng = random.Random(17)
    compared = 0
    for text in _fixture_texts():
        positions = term_positions(text)  # what the index holds for the text as a body
        for terms in _queries(text, rng, 4) + [set()]:
            for window in (_WINDOW_WORDS, 3):
                analysis._cache.clear()
                wanted = {term: positions[term] for term in terms if term in positions}
                assert make_snippet(text, terms, window, positions=wanted).parts == \
                    reference_snippet(text, terms, window).parts
                compared += 1
    assert compared > 1000


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=120), seps=st.lists(st.sampled_from([" ", "", "\n", " - "]),
       max_size=120), picks=st.lists(st.sampled_from(_PIECES), max_size=4), window=st.sampled_from([32, 8, 3, 1]))
def test_generated_texts_from_index_positions_give_the_snippets_made_without(pieces, seps, picks, window):
    """Hyphenated words (indexed joined too), clitics, abbreviations, control characters and runs of
    scripts without spaces (which take several positions: the words are then looked up one by one);
    the reference where it specifies the snippet."""
    text = "".join(piece + (seps[i] if i < len(seps) else " ") for i, piece in enumerate(pieces))
    terms = {t for pick in picks for t in (word_terms(w)[0][-1] for w in WORD_PATTERN.findall(pick)) if t}
    terms |= {normalise_word(w) for pick in picks[:2] for w in WORD_PATTERN.findall(pick)} - {""}
    terms |= {"email", "cooper"} & set(term_positions(text))  # joined forms: a position, not a word's term
    positions = term_positions(text)
    wanted = {term: positions[term] for term in terms if term in positions}
    assert make_snippet(text, terms, window, positions=wanted).parts == make_snippet(text, terms, window).parts
    if not has_nospace(text) and not terms & {"email", "cooper"}:  # joined forms: marked since the reference
        assert make_snippet(text, terms, window).parts == reference_snippet(text, terms, window).parts


def test_long_text_from_index_positions_is_cut_where_the_reference_cut_it():
    text = ("filler words here " * 20_000) + " treaty " + ("more words " * 10)
    positions = term_positions(text)
    for terms in ({"treati"}, {"filler", "treati"}, {"word"}):
        wanted = {term: positions[term] for term in terms if term in positions}
        assert make_snippet(text, terms, positions=wanted).parts == reference_snippet(text, terms).parts


def test_a_word_cut_at_the_scan_limit_is_marked_as_without_positions():
    text = "filler " * ((_SCAN_CHARS - 5) // 7) + "x" * ((_SCAN_CHARS - 5) % 7) + " goldsmith works in oil town"
    assert text[:_SCAN_CHARS].endswith(" gold")  # the last word searched is cut
    positions = term_positions(text)
    for terms in ({"gold", "filler"}, {"gold"}, {"goldsmith"}):
        wanted = {term: positions[term] for term in terms if term in positions}
        assert make_snippet(text, terms, positions=wanted).parts == make_snippet(text, terms).parts


def test_search_snippets_use_the_positions_ranking_read(tmp_path, monkeypatch):
    """A two-word query's proximity stage reads the top documents' body positions; their snippets are
    made from them, and are those made from the text alone."""
    import json

    import numpy  # noqa: F401  (the positions are read from the posting arrays when NumPy is loaded)

    import searchkit
    from searchkit import highlight

    bodies = ["Oil prices rose. The e-mail said oil output fell in U.S. fields.",
              "Prices of crude oil fell; l'Élysée said nothing about oil.",
              "Nothing here but prices, and prices again.", "金利上昇 oil prices 金利"]
    records = [{"id": f"d{i}", "title": "t", "body": body, "date": "2020-01-01"} for i, body in enumerate(bodies)]
    (tmp_path / "n").mkdir()
    (tmp_path / "n" / "n.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    given = []
    original = highlight.make_snippet

    def spy(text, terms, window=_WINDOW_WORDS, positions=None):
        given.append(positions)
        return original(text, terms, window, positions=positions)

    monkeypatch.setattr(highlight, "make_snippet", spy)
    with searchkit.Index(tmp_path / "ix") as ix:
        ix.add(tmp_path / "n")
        for query in ("oil prices", "oil prices email", "elysee oil"):
            given.clear()
            hits = ix.search(query)
            assert hits and all(positions is not None for positions in given), query
            marks = ix.query_marks(query, "body")
            for hit in hits:
                assert hit.snippet_parts == original(ix.get(hit.id).body, marks).parts
        for query in ("oil", '"oil prices"', "title:t oil"):  # no proximity stage: read for the page
            given.clear()
            hits = ix.search(query)
            assert hits and given and all(positions is not None for positions in given), query
            marks = ix.query_marks(query, "body")
            assert [hit.snippet_parts for hit in hits] == [original(ix.get(hit.id).body, marks).parts for hit in hits]


def test_a_page_keeps_the_positions_ranking_read_and_reads_the_others(tmp_path, monkeypatch):
    import json

    import numpy  # noqa: F401

    import searchkit
    from searchkit import search
    from searchkit.ranking.proximity import BodyPositions

    records = [{"id": f"d{i}", "title": "t", "body": f"{'oil ' * i}prices", "date": "2020-01-01"} for i in range(1, 4)]
    (tmp_path / "n").mkdir()
    (tmp_path / "n" / "n.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    asked = []
    monkeypatch.setattr(search, "read_positions", lambda s, f, terms, docnums: asked.append(docnums) or {
        docnum: {"oil": [0]} for docnum in docnums})
    with searchkit.Index(tmp_path / "ix") as ix:
        ix.add(tmp_path / "n")
        searcher = ix._searcher_now()
        read = BodyPositions(frozenset({"oil", "price", "other"}), frozenset({0, 1}), {0: {"price": [5]}})
        page = search._page_positions(searcher, [1, 0, 2], {"oil", "price"}, read)
        assert asked == [[2]]  # only the document ranking did not read
        assert page.of(0, {"oil", "price"}) == {"price": [5]} and page.of(1, {"oil"}) == {}
        assert page.of(2, {"oil", "price"}) == {"oil": [0]} and page.of(3, {"oil"}) is None
        assert page.of(0, {"other"}) is None  # not a term read for the page


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([" ", "\n", "\t", "\xa0", "\x07", "\u200b", "\u2066", ",", ".", "a", "é", "…"]),
               max_size=12))
def test_flatten_skips_only_texts_it_would_leave_as_they_are(gap):
    assert _flatten(gap) == re.sub(r"\s+", " ", _CONTROL.sub("", gap))


def test_a_page_of_many_terms_reads_no_positions(tmp_path, monkeypatch):
    """A prefix may give a hundred terms: their positions would cost more than the look-ups."""
    import json

    import numpy  # noqa: F401

    import searchkit
    from searchkit import search

    words = [f"c{a}{b}x" for a in "aeiou" for b in "bdfglmnprt"]  # 50 words starting with c
    (tmp_path / "n").mkdir()
    (tmp_path / "n" / "n.jsonl").write_text(json.dumps({"id": "a", "title": "t", "body": " ".join(words)}) + "\n")
    asked = []
    original = search.read_positions
    monkeypatch.setattr(search, "read_positions", lambda *args: asked.append(args[2]) or original(*args))
    with searchkit.Index(tmp_path / "ix") as ix:
        ix.add(tmp_path / "n")
        assert len(ix.query_marks("c*").all_terms()) > search.PAGE_POSITION_TERMS
        hits = ix.search("c*")
        assert [hit.id for hit in hits] == ["a"] and hits[0].highlights and asked == []
        assert ix.search("cabx") and asked == [["cabx"]]  # one term: read


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=80), seps=st.lists(st.sampled_from([" ", "", "\n", " - "]),
       max_size=80), picks=st.lists(st.sampled_from(_PIECES), max_size=4))
def test_the_document_page_marks_the_words_a_snippet_marks(pieces, seps, picks):
    """match_spans (a whole document's highlights) and a snippet holding the whole text agree:
    elided articles and suffixes (``Elysee`` marks ``l'Élysée``), runs of scripts without spaces."""
    from searchkit.highlight import match_spans

    text = "".join(piece + (seps[i] if i < len(seps) else " ") for i, piece in enumerate(pieces))
    terms = {t for pick in picks for t in (word_terms(w)[0][-1] for w in WORD_PATTERN.findall(pick)) if t}
    terms |= {normalise_word(w) for pick in picks[:2] for w in WORD_PATTERN.findall(pick)} - {""}
    snippet = make_snippet(text, terms, window=10**6)
    assert [text[a:b] for a, b in match_spans(text, terms)] == [part for part, hit in snippet.parts if hit]


@pytest.mark.parametrize("query, expected", [
    ("email", ["e", "mail", "Email"]),  # the index holds e-mail joined too: found, so marked
    ("cooperation", ["co", "operation"]),
    ("xray", ["x", "ray"]),
    ("usjapan", []),  # "U.S.-Japan" is not a word written in parts: not joined in the index either
    ("stateoftheartof", []),  # five parts: not joined
    ("mail", ["mail"]),
])
def test_a_hyphenated_word_is_marked_where_its_joined_form_was_searched(query, expected):
    from searchkit.highlight import match_spans
    from searchkit.query import compile_query, parse_query

    text = "The e-mail was sent by co-operation of the x-ray team; U.S.-Japan talks. Email again. state-of-the-art-of it"
    marks = compile_query(parse_query(query), None).marks
    assert [text[a:b] for a, b in match_spans(text, marks)] == expected
    assert [part for part, hit in make_snippet(text, marks, window=64).parts if hit] == expected
    positions = term_positions(text)
    wanted = {term: positions[term] for term in marks.all_terms() if term in positions}
    assert make_snippet(text, marks, positions=wanted).parts == make_snippet(text, marks).parts


@pytest.mark.parametrize("text, terms, expected", [
    # a text shorter than the window is shown whole, its final full stop too
    ("The government announced a new economic policy today.", {"polici"},
     "The government announced a new economic **policy** today."),
    ("भारत सरकार ने नई आर्थिक नीति की घोषणा की।", {"नीति"}, "भारत सरकार ने नई आर्थिक **नीति** की घोषणा की।"),
    ('He said: "Prices rose!"', {"price"}, 'He said: "**Prices** rose!"'),
    # a match near the end: the window reaches back for context instead of running past the end
    (" ".join(f"w{i}" for i in range(40)) + " policy ends here.", {"polici"},
     "…" + " ".join(f"w{i}" for i in range(11, 40)) + " **policy** ends here."),
    # more than punctuation after the window: cut
    ("Short one. " + "-" * 30, {"short"}, "**Short** one…"),
    ("One policy. " + " ".join(f"w{i}" for i in range(40)), {"polici"},
     "One **policy**. " + " ".join(f"w{i}" for i in range(30)) + "…"),
])
def test_short_texts_and_ends_are_shown_whole(text, terms, expected):
    assert str(make_snippet(text, terms)) == expected


def test_a_window_of_long_runs_is_cut_around_its_match():
    """32 "words" of a script without spaces can be thousands of characters: cut to about 400."""
    import unicodedata

    from searchkit.query import compile_query, parse_query

    clause = "ราคาน้ำมันที่สูงขึ้นทำให้ค่าครองชีพเพิ่มขึ้นอย่างมากในปีนี้"  # one word: no spaces in it
    text = " ".join([clause] * 40) + " ฟุตบอล " + " ".join([clause] * 40)
    marks = compile_query(parse_query("ฟุตบอล"), None).marks
    shown = str(make_snippet(text, marks))
    assert len(shown) <= 400 + 10 and "**ฟุตบอล**" in shown
    assert shown.startswith("…") and shown.endswith("…")
    assert shown.index("**ฟุตบอล**") <= 80 + 2  # the match near the start, with what comes before it
    pieces = shown.strip("…").replace("**", "").split(" ")
    assert all(piece == clause or clause.startswith(piece) or clause.endswith(piece) or piece == "ฟุตบอล"
               for piece in pieces)  # cut at spaces or inside a clause, never elsewhere
    assert unicodedata.category(shown.lstrip("…")[0])[0] != "M"  # never starts with a mark
    ragged = "ก" + "\u0e48" * 5  # a letter and its marks: a cut falls after the marks, not between
    marked = str(make_snippet(("ข" * 300) + ragged * 20 + " x", {"x"}))  # 80 before x falls on a mark
    assert marked.startswith("…ก") and marked.endswith("**x**")
    crowded = str(make_snippet("金利上昇" + "円" * 393 + "金利上昇" + "円" * 100, {"金利", "利上", "上昇"}))
    assert crowded.count("**金利上昇**") == 2 and crowded.endswith("**金利上昇**…")  # not cut inside the match
    endless = make_snippet("金利上昇" * 20000, {"金利", "利上", "上昇"})  # one match all through
    assert len(str(endless)) < 500
    english = "The government announced a new economic policy today."
    assert str(make_snippet(english, {"polici"})) == "The government announced a new economic **policy** today."


def test_the_closing_marks_are_shown_only_for_a_text_searched_to_its_end():
    text = "x " * (_SCAN_CHARS // 2 - 4) + "policy!!!!!!"  # the "!" lie past the part searched
    assert len(text) > _SCAN_CHARS
    assert str(make_snippet(text, {"polici"})).endswith("…")


@pytest.mark.parametrize("window, expected", [(1, "…**policy**…"), (2, "…d **policy**…"), (4, "…b c d **policy**…")])
def test_a_small_window_holds_its_match(window, expected):
    # the window started three words before the match, so one of under four words missed it
    assert str(make_snippet("a b c d policy e f g h", {"polici"}, window)) == expected
