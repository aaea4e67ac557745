"""Phrases matched from the posting blocks give exactly the hits, scores, order and totals of Whoosh's span matchers.

Each test runs twice: adjacent phrases matched on the segments' position
arrays wherever every word has them (``path == "arrays"``, checked to be
taken), and read from the posting blocks only (``"blocks"``).

``BLOCK_PHRASES = False`` compiles phrases to Whoosh's ``Phrase`` (the
reference); the same queries are run both ways on one index: quoted phrases
drawn from the stories (stopwords inside included), phrases in the title,
hyphenated words (a phrase with a boost), phrases beside plain words, with
filters and exclusions, and after deletions.
"""

from __future__ import annotations

import random
from contextlib import contextmanager

import pytest

import searchkit
from searchkit.analysis import WORD_PATTERN
from searchkit.query import compiler
from searchkit.whoosh_ext import phrases as phrases_module
from searchkit.whoosh_ext.phrases import chain_found

from ..conftest import REPO

FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture(params=["arrays", "blocks"])
def path(request, monkeypatch):
    """Which way adjacent phrases are matched; yields the count of phrases the arrays matched."""
    used = []
    if request.param == "arrays":
        pytest.importorskip("numpy")
        original = phrases_module._adjacent_arrays

        def counted(*args):
            found = original(*args)
            used.append(found is not None)
            return found

        monkeypatch.setattr(phrases_module, "ARRAY_CANDIDATES", 0)
        monkeypatch.setattr(phrases_module, "_adjacent_arrays", counted)
    else:
        monkeypatch.setattr(phrases_module, "ARRAY_CANDIDATES", 1 << 40)
    yield request.param, used


def _arrays_used(path, minimum: int) -> None:
    name, used = path
    if name == "arrays":
        assert sum(used) >= minimum, f"the position arrays matched only {sum(used)} phrases"


@contextmanager
def _all_lists_as_arrays():
    """Every posting list of 2 postings or more gets position arrays (the fixtures' lists are short)."""
    from searchkit.whoosh_ext import posting_writer

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(posting_writer, "VECTOR_MIN_POSTINGS", 2)
        yield


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phrases")
    ix = searchkit.Index(folder / "index")
    with _all_lists_as_arrays():
        ix.add(FIXTURES / "reuters", FIXTURES / "newsroom")
    yield ix
    ix.close()


def _phrases(ix, count: int) -> list[str]:
    """Runs of 2-4 consecutive words of the stories' bodies and titles (stopwords and all)."""
    rng = random.Random(13)
    docs = [ix.get(hit.id) for hit in ix.search("*", limit=400, snippets=False, collapse=False)]
    phrases = []
    while len(phrases) < count:
        doc = rng.choice(docs)
        text = doc.title if rng.random() < 0.3 and doc.title else doc.body
        words = WORD_PATTERN.findall(text or "")
        if len(words) < 5:
            continue
        size = rng.randint(2, 4)
        at = rng.randrange(len(words) - size)
        phrases.append(" ".join(words[at:at + size]))
    return phrases


def _queries(ix) -> list[tuple[str, dict]]:
    phrases = _phrases(ix, 70)
    rng = random.Random(7)
    queries = [(f'"{p}"', {}) for p in phrases]
    queries += [(f'"{p}" oil', {}) for p in phrases[:10]]
    queries += [(f'"{a}" "{b}"', {}) for a, b in zip(phrases[10:20], phrases[20:30])]
    queries += [(f'title:"{p}"', {}) for p in phrases[30:40]]
    queries += [(f'"{p}" -{rng.choice(["oil", "the", "said", "bank"])}', {}) for p in phrases[40:50]]
    queries += [(f'"{p}"', {"since": "1987-03-01"}) for p in phrases[50:55]]
    queries += [(f'"{p}" tags:earn', {}) for p in phrases[55:60]]
    queries += [(f'"{p}" AND trade', {}) for p in phrases[60:65]]
    queries += [(q, {}) for q in ['"of the"', '"the the"', '"said it"', "co-operation", "U.S./Japan trade",
                                  '"no such phrase anywhere"', '"oil oil"', "mid-year results", '"pct"',
                                  "money-supply", "El-Salvador coffee", "training-set", "bc-japan", "cocoa-review"]]
    return queries


def _run(ix, text, filters, block: bool, monkeypatch):
    monkeypatch.setattr(compiler, "BLOCK_PHRASES", block)
    results = ix.search(text, limit=20, **filters)
    return ([(hit.id, hit.score, hit.snippet) for hit in results], results.total,
            ix.search(text, limit=5, collapse=False, **filters).total)


def test_block_phrases_are_the_span_matchers_results(index, monkeypatch, path):
    matched = 0
    for text, filters in _queries(index):
        expected = _run(index, text, filters, False, monkeypatch)
        got = _run(index, text, filters, True, monkeypatch)
        assert got == expected, (text, filters)
        matched += bool(expected[0])
    assert matched > 80  # most queries find something: hits are what is compared
    _arrays_used(path, 50)


def test_after_deletions(tmp_path, monkeypatch, path):
    ix = searchkit.Index(tmp_path / "index")
    with _all_lists_as_arrays():
        ix.add(FIXTURES / "reuters")
    phrases = _phrases(ix, 25)
    ids = [hit.id for hit in ix.search(f'"{phrases[0]}"', limit=3, snippets=False, collapse=False)]
    ids += [hit.id for hit in ix.search("oil prices", limit=30, snippets=False, collapse=False)][::2]
    ids += [hit.id for hit in ix.search('"mln dlrs" "said it"', limit=40, snippets=False, collapse=False)][::3]
    assert ix.remove_many(ids)
    for phrase in phrases + ['"oil prices"', '"crude oil"', '"mln dlrs"', '"said it"', '"the company"',
                             '"of the"', '"in the"']:
        text = phrase if phrase.startswith('"') else f'"{phrase}"'
        assert _run(ix, text, {}, True, monkeypatch) == _run(ix, text, {}, False, monkeypatch), text
    ix.close()
    _arrays_used(path, 5)


@pytest.mark.parametrize("positions, slop, found", [
    ([[3], [4]], 1, True),
    ([[3], [5]], 1, False),
    ([[3], [5]], 2, True),
    ([[4], [3]], 1, False),          # order matters
    ([[1, 7], [8], [9]], 1, True),
    ([[1, 7], [2], [9]], 1, False),  # the chain must hold all the way
    ([[2], [2]], 1, False),          # the same position is no chain (a repeated word)
    ([[2, 3], [2, 3]], 1, True),
])
def test_chain(positions, slop, found):
    assert chain_found(positions, slop) is found


@pytest.mark.parametrize("slop", [1, 2, 3])
def test_whoosh_phrases_with_gaps_and_repeated_words(index, slop, path):
    """BlockPhrase against Whoosh's Phrase directly, every match: slops over 1 take the chain pass."""
    from whoosh.query.positional import Phrase

    from searchkit.whoosh_ext.phrases import BlockPhrase

    from searchkit.analysis import word_terms

    phrases = [[word_terms(word)[0][0] for word in phrase.split()] for phrase in _phrases(index, 40)]
    phrases += [["pct", "pct"], ["the", "of", "the"], ["dlr", "mln", "dlr"], ["mln", "dlr"], ["of", "the", "the"]]
    compared = 0
    searcher = index._searcher_now()  # the index's own searcher (closed with the index)
    for words in phrases:
        words = [word for word in words if word]
        if len(words) < 2:
            continue
        for field in ("body", "title"):
            expected = searcher.search(Phrase(field, words, slop=slop), limit=None)
            got = searcher.search(BlockPhrase(field, words, slop=slop), limit=None)
            assert [(h.docnum, h.score) for h in got] == [(h.docnum, h.score) for h in expected], (words, field)
            compared += len(expected)
    assert compared > 50
    if slop == 1:
        _arrays_used(path, 10)


def test_a_one_shot_process_imports_numpy_only_for_many_candidates(index, monkeypatch):
    """A CLI command takes the arrays only when the rarest word's documents make the import pay."""
    import sys
    import types

    from searchkit import loading
    from searchkit.whoosh_ext.phrases import phrase_matches

    pytest.importorskip("numpy")
    taken = []
    original = phrases_module._adjacent_arrays
    monkeypatch.setattr(phrases_module, "_adjacent_arrays", lambda *a: taken.append(original(*a)) or taken[-1])
    monkeypatch.setattr(phrases_module, "ARRAY_CANDIDATES", 0)
    searcher = index._searcher_now()
    sub = max((sub for sub, _ in searcher.leaf_searchers()), key=lambda s: s.doc_count_all())
    rarest = min(sub.reader().doc_frequency("body", w) for w in ("of", "the"))
    assert rarest > 2
    # as in a fresh process, for the rule only (importing NumPy a second time is not safe)
    monkeypatch.setattr(loading, "sys", types.SimpleNamespace(modules={k: v for k, v in sys.modules.items()
                                                                      if k != "numpy"}))
    monkeypatch.setattr(loading, "_one_shot", True)
    monkeypatch.setattr(loading, "NUMPY_IMPORT_WORTH", rarest * phrases_module.CANDIDATE_COST + 1)
    expected = phrase_matches(sub, "body", ["of", "the"], 1, 1.0)
    assert taken == [None]  # too few candidates: the blocks
    monkeypatch.setattr(loading, "NUMPY_IMPORT_WORTH", rarest * phrases_module.CANDIDATE_COST)
    assert phrase_matches(sub, "body", ["of", "the"], 1, 1.0) == expected
    assert taken[-1] is not None  # enough: the arrays, the same documents and scores


def test_a_phrase_in_a_field_of_only_stopwords(tmp_path, monkeypatch, path):
    """"It is what it is" as a title has field length 0 (Whoosh gives None): found and scored, no TypeError."""
    import json

    docs = [{"id": f"d{n}", "title": "It is what it is" if n % 3 == 0 else f"Markets {n}",
             "body": "Officials said it is what it is." if n % 2 else "The the."} for n in range(60)]
    (tmp_path / "docs.jsonl").write_text("\n".join(json.dumps(d) for d in docs), "utf-8")
    ix = searchkit.Index(tmp_path / "index")
    with _all_lists_as_arrays():
        ix.add(tmp_path / "docs.jsonl")
    try:
        for text in ('"it is"', 'title:"it is what"', '"the the"', '"it is" officials'):
            got = _run(ix, text, {}, True, monkeypatch)
            assert got == _run(ix, text, {}, False, monkeypatch), text
            assert got[1] > 0, text
    finally:
        ix.close()
    _arrays_used(path, 1)
