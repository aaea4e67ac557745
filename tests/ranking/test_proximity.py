"""Re-ranking of the first pass: term proximity, RM3 feedback as a re-ranking, long-query idf."""

from __future__ import annotations

import math

import pytest

from searchkit.analysis import analyze, term_positions
from searchkit.ranking import FieldsTerm, RankingConfig, bm25f_scores, pair_frequency, read_positions
from searchkit.ranking.bm25f import _weighting

from .corpus import PROXIMITY as DOCS
from .corpus import index_records

FIELDS = ("title", "body", "tags")

@pytest.fixture(scope="module")
def index(tmp_path_factory):
    ix = index_records(tmp_path_factory.mktemp("proximity"), DOCS)
    yield ix
    ix.close()


@pytest.fixture(scope="module")
def two_segments(tmp_path_factory):
    """An index of two segments: global document numbers are not segment ones."""
    ix = index_records(tmp_path_factory.mktemp("segments"), DOCS[:3], DOCS[3:])
    yield ix
    ix.close()


def ids(hits):
    return [hit.id for hit in hits]


# --- pair frequency --------------------------------------------------------


def test_pair_frequency_by_hand():
    # 1 pairs with 2 (d=1 -> 1), 10 with 13 (d=3 -> 1/9); 40 has nothing within 5.
    assert math.isclose(pair_frequency([1, 10, 40], [2, 13], 5), 1 + 1 / 9)
    # symmetric, and the rarer word drives the count
    assert math.isclose(pair_frequency([2, 13], [1, 10, 40], 5), 1 + 1 / 9)
    # a pair farther apart than the window counts nothing
    assert pair_frequency([1], [7], 5) == 0
    assert math.isclose(pair_frequency([1], [6], 5), 1 / 25)
    # the nearest occurrence on either side is used
    assert math.isclose(pair_frequency([10], [5, 12], 5), 1 / 4)
    assert pair_frequency([], [1, 2], 5) == 0


# --- reading positions and scores straight from the postings ---------------


def test_read_positions_match_the_analyzer_across_segments(two_segments):
    searcher = two_segments._searcher_now()
    assert len(searcher.leaf_searchers()) == 2
    docnums = list(range(searcher.doc_count_all()))
    found = read_positions(searcher, "body", ["cane", "harvest", "cocoa"], docnums)
    checked = 0
    for docnum in docnums:
        stored = searcher.stored_fields(docnum)
        expected = {t: p for t, p in term_positions(stored["body"]).items() if t in {"cane", "harvest", "cocoa"}}
        assert found.get(docnum, {}) == expected, stored["id"]
        checked += bool(expected)
    assert checked >= 4


def test_bm25f_scores_equal_the_whoosh_matcher_scores(two_segments):
    searcher = two_segments._searcher_now()
    model = _weighting(RankingConfig())
    with two_segments._ix.searcher(weighting=model) as whoosh_searcher:
        for term in ("harvest", "cane", "brazil", "sugar", "nothing"):
            reference = {hit.docnum: hit.score
                         for hit in whoosh_searcher.search(FieldsTerm(FIELDS, term, boost=0.7), limit=None)}
            docnums = list(range(searcher.doc_count_all()))
            mine = bm25f_scores(searcher, model, [(term, model.term_idf(searcher, "body", term), 0.7)], docnums)
            assert set(mine) == set(reference), term
            for docnum, score in reference.items():
                assert math.isclose(mine[docnum], score, rel_tol=1e-9), (term, docnum)


# --- proximity ---------------------------------------------------------------


PROXIMITY = {"proximity": 1.0}


def test_words_close_together_rank_first(index):
    assert ids(index.search("cocoa prices", ranking=PROXIMITY))[:2] == ["near", "far"]
    assert ids(index.search("cocoa prices"))[:2] == ["near", "far"]  # the default
    # without the bonus the two tie, and the tie goes to the first indexed
    flat = index.search("cocoa prices", ranking={"proximity": 0})
    assert ids(flat)[:2] == ["far", "near"]
    assert math.isclose(flat[0].score, flat[1].score)
    # the bonus is a re-ranking: the same documents match
    assert sorted(ids(flat)) == sorted(ids(index.search("cocoa prices", ranking=PROXIMITY)))
    # "adjacent" pairs: the words are next to each other in the query, so the same outcome
    assert ids(index.search("cocoa prices", ranking={**PROXIMITY, "prox_pairs": "adjacent"}))[:2] == ["near", "far"]


def test_proximity_bonus_needs_two_words_and_keeps_scores_in_order(index):
    single = index.search("cocoa", ranking={"proximity": 5})
    assert [h.score for h in single] == [h.score for h in index.search("cocoa", ranking={"proximity": 0})]
    hits = index.search("cocoa prices rose market", ranking=PROXIMITY)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert [h.score for h in hits] != [h.score for h in index.search("cocoa prices rose market",
                                                                      ranking={"proximity": 0})]


# --- feedback as a re-ranking ----------------------------------------------

LONG = "sugar cane harvest in brazil"  # four word clauses: feedback applies by default
#: In a 7-document index every word is in more than 10% of the documents (the
#: default cap for expansion terms), so these tests lift the cap.
FEEDBACK = {"fb_max_df": 1.0}


def test_feedback_rerank_keeps_the_result_set(index):
    plain = index.search(LONG, feedback=False, limit=50)
    fed = index.search(LONG, ranking=FEEDBACK, limit=50)
    assert sorted(ids(fed)) == sorted(ids(plain))
    typed = set(analyze(LONG))
    for hit in fed:
        stored = index.get(hit.id)
        assert typed & set(analyze(f"{stored.title} {stored.body}")), hit.id
    # it does re-score: the expansion terms add to the scores of the top documents
    assert [h.score for h in fed] != [h.score for h in plain]
    assert fed.total == plain.total


def test_feedback_applies_only_to_long_queries_by_default(index):
    short = "sugar harvest"
    unexpanded = [h.score for h in index.search(short, feedback=False)]
    assert [h.score for h in index.search(short, ranking=FEEDBACK)] == unexpanded
    forced = index.search(short, ranking={**FEEDBACK, "fb_min_words": 1})
    assert [h.score for h in forced] != unexpanded
    # the default cap on common expansion terms leaves nothing to expand with here
    capped = index.search(short, ranking={"fb_min_words": 1})
    assert [h.score for h in capped] == unexpanded


def test_tiers_put_expansion_only_documents_after_every_real_match(index):
    config = {"fb_mode": "tiers", "fb_min_words": 1, "fb_docs": 2, "fb_max_df": 1.0}
    hits = index.search("sugar", ranking=config, limit=20)
    real = {h.id for h in index.search("sugar", feedback=False, limit=20)}
    assert real == {"sugar1", "sugar2"}
    assert set(ids(hits)[:len(real)]) == real
    extra = ids(hits)[len(real):]
    assert "cane" in extra  # found through "cane"/"harvest"/"brazil" alone
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    # not for phrases, prefixes, fields, required or excluded words: those keep their meaning
    for query in ('"sugar cane"', "suga*", "title:sugar", "sugar AND brazil", "sugar -exports"):
        with_tiers = index.search(query, ranking=config, limit=20)
        assert set(ids(with_tiers)) == set(ids(index.search(query, feedback=False, limit=20))), query


def test_full_rm3_stays_available(index):
    hits = index.search("sugar", ranking={"fb_mode": "full", "fb_min_words": 1, "fb_docs": 2, "fb_max_df": 1.0},
                        limit=20)
    assert "cane" in ids(hits)


# --- long queries -------------------------------------------------------------


def test_long_idf_power_changes_only_long_queries(index):
    short, long = "sugar harvest", "sugar cane harvest brazil"
    base = {"long_idf_power": 1.0, "feedback": False, "proximity": 0}
    steeper = {"long_idf_power": 3.0, "feedback": False, "proximity": 0}
    assert [h.score for h in index.search(short, ranking=base)] == [h.score for h in index.search(short, ranking=steeper)]
    assert [h.score for h in index.search(long, ranking=base)] != [h.score for h in index.search(long, ranking=steeper)]
