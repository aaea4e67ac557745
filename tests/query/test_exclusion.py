"""Excluded words (``-word``, ``NOT word``) never come back, whatever the limit, sort or layout.

Whoosh's ``AndNotMatcher`` checks the first document of the positive side
against the excluded side only when both start on the same document, and the
collector re-creates the matcher mid-list (``replace()``), so an excluded
document slipped through at the start of a segment, and mid-list with a small
limit.  These indexes are laid out so that both happen.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import searchkit
from searchkit.analysis import analyze

SORTS = ("relevance", "date", "-date")
LIMITS = (1, 2, 3, 10, 1000)


def _index(tmp_path: Path, records: list[dict]):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "docs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    index = searchkit.Index(tmp_path / "ix")
    index.add(folder)  # fewer than 1,000 documents: one segment, in file order
    return index


def _has(ix, doc_id: str, word: str) -> bool:
    doc = ix.get(doc_id)
    text = " ".join([doc.title or "", doc.body or "", " ".join(doc.tags)])
    return analyze(word)[0] in analyze(text)


@pytest.fixture
def first_doc_ix(tmp_path):
    # The excluded word's first document (a) comes before the positive side's
    # first document (b), which holds both words: Whoosh returned b.
    index = _index(tmp_path, [
        {"id": "a", "title": "Bank news", "body": "The bank raised rates.", "date": "2020-01-01"},
        {"id": "b", "title": "Japan and the bank", "body": "Japan talks with the bank.", "date": "2020-01-02"},
        {"id": "c", "title": "Japan", "body": "Japan exports rose.", "date": "2020-01-03"},
        {"id": "d", "title": "Japan undated", "body": "Japan imports fell."},
    ])
    yield index
    index.close()


@pytest.mark.parametrize("text", ["japan -bank", "japan NOT bank", "-bank japan", "(japan) -bank",
                                  "japan AND japan -bank", "title:japan -bank"])
@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("limit", LIMITS)
def test_excluded_word_never_returned_at_segment_start(first_doc_ix, text, sort, limit):
    hits = first_doc_ix.search(text, limit=limit, sort=sort)
    ids = [hit.id for hit in hits]
    assert "b" not in ids
    assert hits.total == 2
    assert set(ids) == {"c", "d"} if limit >= 2 else set(ids) <= {"c", "d"}


def test_exclusion_nested_in_alternatives(first_doc_ix):
    assert {hit.id for hit in first_doc_ix.search("(japan -bank) OR rates", limit=100)} == {"a", "c", "d"}


@pytest.fixture
def mid_list_ix(tmp_path):
    # "japan oil -bank": once a strong "japan" document sets the collector's
    # minimum score, Whoosh replaces the union japan|oil by japan-and-maybe-oil
    # and rebuilds the exclusion on top of it; "japan" is then already on d33
    # while "bank" waits on an earlier document, and d33 ("japan japan bank",
    # the best score of all) came back -- first, with limit=1.
    texts = ["bank report", "oil prices", "japan"]
    texts += [f"oil output {i}" if i % 2 == 0 else f"bank rates {i}" for i in range(30)]
    texts += ["japan japan bank"] + [f"oil output x{i}" for i in range(20)]
    index = _index(tmp_path, [{"id": f"d{i}", "body": text} for i, text in enumerate(texts)])
    yield index
    index.close()


@pytest.mark.parametrize("text", ["japan oil -bank", "japan oil NOT bank", "(japan OR oil) -bank"])
@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("limit", LIMITS)
def test_excluded_word_never_returned_mid_list(mid_list_ix, text, sort, limit):
    ids = [hit.id for hit in mid_list_ix.search(text, limit=limit, sort=sort)]
    assert "d33" not in ids
    assert ids and all(not _has(mid_list_ix, doc_id, "bank") for doc_id in ids)
    if sort == "relevance":
        assert ids[0] == "d2"  # the best document without "bank"


def test_exclusion_matches_set_semantics_on_random_corpus(tmp_path):
    rng = random.Random(20261128)
    vocabulary = ["japan", "bank", "oil", "trade", "yen", "rates", "tokyo", "dollar"]
    weights = [6, 5, 9, 4, 2, 3, 1, 2]
    records = []
    for i in range(120):
        words = rng.choices(vocabulary, weights, k=rng.randint(1, 8))
        record = {"id": f"r{i}", "body": " ".join(words)}
        if i % 3:
            record["date"] = f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}"
        records.append(record)
    ix = _index(tmp_path, records)
    terms = {r["id"]: set(r["body"].split()) for r in records}
    try:
        for positive in (["japan"], ["japan", "oil"], ["yen", "tokyo", "trade"], ["dollar"]):
            for negative in ("bank", "oil", "rates"):
                if negative in positive:
                    continue
                expected = {d for d, t in terms.items() if t & set(positive) and negative not in t}
                for text in (f"{' '.join(positive)} -{negative}", f"{' '.join(positive)} NOT {negative}"):
                    for sort in SORTS:
                        for limit in (1, 3, 10, 500):
                            hits = ix.search(text, limit=limit, sort=sort, snippets=False, collapse=False)
                            ids = [hit.id for hit in hits]
                            assert set(ids) <= expected, (text, sort, limit)
                            assert len(ids) == min(limit, len(expected)), (text, sort, limit)
                            if limit == 500:
                                assert set(ids) == expected and hits.total == len(expected)
    finally:
        ix.close()


def test_an_exclusion_outside_parentheses_applies_to_every_alternative(tmp_path):
    """``japan OR korea -chips`` is ``(japan OR korea) -chips`` (as in Lucene and web search): no
    result holds the excluded word; inside parentheses it keeps to its group."""
    rng = random.Random(20261201)
    vocabulary = ["japan", "korea", "chips", "oil", "trade", "yen"]
    records = [{"id": f"r{i}", "body": " ".join(rng.choices(vocabulary, k=rng.randint(1, 6)))} for i in range(150)]
    ix = _index(tmp_path, records)
    terms = {r["id"]: set(r["body"].split()) for r in records}

    def found(text):
        hits = ix.search(text, limit=500, snippets=False, collapse=False)
        return {hit.id: round(hit.score, 9) for hit in hits}

    try:
        either = {d for d, t in terms.items() if t & {"japan", "korea"}}
        without = {d for d in either if "chips" not in terms[d]}
        bracketed = found("(japan OR korea) -chips")
        assert set(bracketed) == without
        for text in ("japan OR korea -chips", "japan OR korea NOT chips", "japan -chips OR korea",
                     "japan OR korea AND NOT chips", "-chips japan OR korea"):
            assert found(text) == bracketed, text  # the same documents and scores
        grouped = {d for d, t in terms.items() if "japan" in t or ("korea" in t and "chips" not in t)}
        assert set(found("japan OR (korea -chips)")) == grouped != without
        assert set(found("oil OR -chips")) == {d for d, t in terms.items() if "oil" in t and "chips" not in t}
    finally:
        ix.close()
