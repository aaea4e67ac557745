"""Snippets and document highlights mark a quoted phrase's words only where they form the phrase.

The definition: a word whose term is a lone term of the query (a plain word,
a prefix) is marked anywhere; a word whose term only comes from a phrase is
marked when it is one of the positions ``p0 < ... < pn`` of an occurrence of
that phrase (its terms in order, each at most ``slop`` words after the one
before).  The brute-force reference below enumerates occurrences.
"""

from __future__ import annotations

import json
from itertools import product

import pytest
from hypothesis import given, settings, strategies as st

import searchkit
from searchkit.analysis import WORD_PATTERN, normalise_word
from searchkit.highlight import Marks, make_snippet, match_spans
from searchkit.query import compile_query, parse_query

from ..conftest import write


def reference_positions(words: list[str], marks: Marks) -> set[int]:
    """Word positions to mark, by enumerating every occurrence of every phrase."""
    terms = [normalise_word(word) for word in words]
    kept = {i for i, term in enumerate(terms) if term in marks.terms}
    for phrase, slop in marks.phrases:
        places = [[i for i, term in enumerate(terms) if term == word] for word in phrase]
        for chain in product(*places):
            if all(0 < b - a <= slop for a, b in zip(chain, chain[1:])):
                kept.update(chain)
    return kept


VOCABULARY = ["white", "house", "houses", "bank", "of", "england", "budget", "the", "new", "york"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY), min_size=0, max_size=40),
       st.lists(st.tuples(st.lists(st.sampled_from(["white", "hous", "bank", "england", "new", "york"]),
                                   min_size=2, max_size=4), st.integers(1, 3)), max_size=3),
       st.sets(st.sampled_from(["budget", "york", "hous"]), max_size=2))
def test_marked_words_are_the_occurrences_of_the_phrases(words, phrases, lone):
    marks = Marks(frozenset(lone), tuple((tuple(p), slop) for p, slop in phrases))
    text = " ".join(words)
    spans = match_spans(text, marks)
    starts = [m.start() for m in WORD_PATTERN.finditer(text)]
    assert sorted(starts.index(start) for start, _ in spans) == sorted(reference_positions(words, marks))
    # a snippet's marks are those of its window (the window holds the whole of so short a text)
    snippet = make_snippet(text, marks, window=64)
    assert [text for text, hit in snippet.parts if hit] == [text[a:b] for a, b in spans] or not words


def test_a_set_of_terms_still_marks_every_word_of_them():
    text = "The house is white. A White House aide said."
    both = {"white", "hous"}
    assert make_snippet(text, both) == make_snippet(text, Marks(frozenset(both)))
    assert len(match_spans(text, both)) == 4
    assert [text[a:b] for a, b in match_spans(text, Marks(frozenset(), ((("white", "hous"), 1),)))] == \
        ["White", "House"]


def test_a_long_text_of_repeated_words_is_marked_in_linear_time():
    text = "x " * 50_000 + "y"
    marks = Marks(frozenset(), ((tuple(["x"] * 8 + ["y"]), 3),))
    spans = match_spans(text, marks)  # an enumeration of chains would not end
    # the y, and the x's within 8 steps of at most 3 words before it: 24 of them
    assert len(spans) == 25 and text[spans[-1][0]:spans[-1][1]] == "y"
    assert spans[0][0] == text.index("y") - 2 * 24


@pytest.fixture
def ix(tmp_path):
    records = [
        {"id": "a", "title": "Budget talks", "date": "2020-01-02",
         "body": "The house voted. Officials at the White House said the budget would pass; "
                 "a white paper followed. The Bank of England was not asked."},
        {"id": "b", "title": "Paint", "date": "2020-01-03",
         "body": "He painted the house white, then the barn."},
    ]
    write(tmp_path / "news" / "n.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    with searchkit.Index(tmp_path / "ix") as index:
        index.add(tmp_path / "news")
        yield index


def marked(hit) -> list[str]:
    return [text for text, hit_ in hit.snippet_parts if hit_]


def test_a_quoted_phrase_is_marked_where_it_occurs_only(ix):
    hits = ix.search('"white house"')
    assert [hit.id for hit in hits] == ["a"]
    assert marked(hits[0]) == ["White", "House"]
    unquoted = {hit.id: marked(hit) for hit in ix.search("white house")}
    assert unquoted["a"] == ["house", "White", "House", "white"]  # the same words, unquoted: every one
    assert marked(ix.search('"white house" budget')[0]) == ["White", "House", "budget"]
    assert marked(ix.search('"bank of england"')[0]) == ["Bank", "of", "England"]
    assert marked(ix.search('"bank england"~1 budget')[0]) == ["budget", "Bank", "England"]  # "of" within the slop
    assert marked(ix.search('"white house" house')[0]) == ["house", "White", "House"]  # house alone too


def test_the_document_page_marks_the_phrase_only(ix):
    body = ix.get("a").body
    marks = ix.query_marks('"white house"')
    assert [body[a:b] for a, b in match_spans(body, marks)] == ["White", "House"]
    assert ix.query_terms('"white house"') == {"white", "hous"}  # the terms, as before


def test_compiled_marks_keep_lone_words_and_phrases_apart():
    marks = compile_query(parse_query('"oil glut" prices -gold "u.s. treasury"~2'), None).marks
    assert marks.terms == frozenset({"price"})
    assert (("oil", "glut"), 1) in marks.phrases and "gold" not in marks.all_terms()
    assert (("us", "treasuri"), 3) in marks.phrases


@pytest.mark.parametrize("fanout", ["joined", "threads"])
def test_a_sharded_index_marks_the_same(tmp_path, ix, fanout):
    from searchkit.shards.search import ShardedIndex

    sharded = ShardedIndex.create(tmp_path / "s2", 2)
    sharded.add(tmp_path / "news")
    for query in ('"white house"', '"white house" budget', "white house", '"bank of england"'):
        ours = [(hit.id, hit.snippet_parts) for hit in ix.search(query)]
        theirs = [(hit.id, [tuple(part) for part in hit.snippet_parts]) for hit in sharded.search(query, fanout=fanout)]
        assert theirs == ours, query


def test_the_web_document_page_marks_the_phrase_only(ix):
    pytest.importorskip("starlette.testclient")
    from starlette.testclient import TestClient

    from searchkit.web.app import create_app

    with TestClient(create_app(ix)) as client:
        page = client.get("/doc/a", params={"q": '"white house"'}).text
    assert "<mark>White</mark> <mark>House</mark>" in page
    assert "<mark>house</mark>" not in page and "<mark>white</mark>" not in page


def test_words_of_scripts_without_spaces_are_marked_as_before(tmp_path):
    """A query word in such a script is a phrase of bigrams, but the text's run is one word of a
    snippet: its terms are marked as words (a phrase could never be found there)."""
    records = [{"id": "ja", "title": "t", "body": "東京 日本銀行 発表", "date": "2020-01-01"},
               {"id": "zh", "title": "t", "body": "央行宣布降息。中国银行随后跟进。", "date": "2020-01-01"}]
    write(tmp_path / "n" / "n.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    with searchkit.Index(tmp_path / "ix") as ix:
        ix.add(tmp_path / "n")
        assert [marked(hit) for hit in ix.search("日本銀行")] == [["日本銀行"]]
        assert [hit.id for hit in ix.search("中国银行")] == ["zh"] and marked(ix.search("中国银行")[0])
        body = ix.get("ja").body
        assert [body[a:b] for a, b in match_spans(body, ix.query_marks('"日本銀行"'))] == ["日本銀行"]
