"""The adaptive re-rankers switch on and off as designed: feedback gated by query clarity,
proximity scaled by how much the query's words keep together."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from searchkit.ranking import query_clarity, relevance_model

from .corpus import index_records

#: Five grain stories sharing a vocabulary of their own, among forty stories
#: drawn from one pool of general words (each a different selection of it).
POOL = ("market report today officials said week prices trade rose fell government talks plans "
        "company shares output demand supply analysts expected").split()
GRAIN = [
    {"id": f"grain{i}", "title": "Feed grain news",
     "body": "Sorghum and maize buyers in China want feed grain; the sorghum harvest and maize crop "
             f"{' '.join(POOL[i:i + 4])}."}
    for i in range(5)
]
OTHERS = [{"id": f"other{i}", "title": " ".join(POOL[i % 7:i % 7 + 2]),
           "body": " ".join(POOL[(i * j) % len(POOL)] for j in range(1, 16))}
          for i in range(40)]
#: "alpha beta": next to each other in one document, far apart in three.
#: "gamma delta": next to each other in every document holding both.
FAR = " ".join(f"pad{i}" for i in range(12))
PAIRS = [
    {"id": "ab-near", "title": "One", "body": f"alpha beta {FAR}"},
    *({"id": f"ab-far{i}", "title": "Two", "body": f"alpha {FAR} beta"} for i in range(3)),
    {"id": "gd-near1", "title": "Three", "body": f"gamma delta {FAR}"},
    {"id": "gd-near2", "title": "Four", "body": f"{FAR} gamma delta"},
]


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    ix = index_records(tmp_path_factory.mktemp("clarity"), GRAIN + OTHERS)
    yield ix
    ix.close()


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    ix = index_records(tmp_path_factory.mktemp("cooccur"), PAIRS)
    yield ix
    ix.close()


# --- clarity ------------------------------------------------------------------

#: Feedback on for any query of one word or more, expansion terms not capped by df.
FB = {"fb_min_words": 1, "fb_max_df": 1.0, "fb_docs": 5, "proximity": 0}


def _clarity(ix, text):
    searcher = ix._searcher_now()
    docs = []
    for hit in ix.search(text, limit=5, feedback=False, ranking={"proximity": 0}):
        stored = ix.get(hit.id)
        docs.append((f"{stored.title} {stored.body}", hit.score))
    return query_clarity(relevance_model(docs), searcher.reader())


def test_clarity_is_high_when_the_top_documents_agree(news):
    agree = _clarity(news, "sorghum maize")        # six stories with a vocabulary of their own
    disagree = _clarity(news, "officials analysts")  # general stories: the top ones share only the pool
    assert agree > disagree + 0.5, (agree, disagree)


def test_clarity_by_hand():
    from searchkit.ranking.stats import FixedStats

    # a collection of 100 body tokens: "a" 50 times, "b" once
    stats = FixedStats(10, field_lengths={"body": 100}, frequencies={("body", "a"): 50, ("body", "b"): 1})
    # P(a|R) = P(b|R) = 0.5: 0.5 * log2(0.5 / 0.5) + 0.5 * log2(0.5 / 0.01)
    assert math.isclose(query_clarity(Counter({"a": 0.5, "b": 0.5}), None, stats=stats), 0.5 * math.log2(50))
    assert query_clarity(Counter(), None, stats=stats) == 0.0


def test_feedback_gate_turns_on_and_off_with_clarity(news):
    agree, disagree = "sorghum maize", "officials analysts"
    threshold = (_clarity(news, agree) + _clarity(news, disagree)) / 2

    def changed(text, config):
        plain = [(h.id, h.score) for h in news.search(text, limit=20, feedback=False, ranking={"proximity": 0})]
        fed = [(h.id, h.score) for h in news.search(text, limit=20, ranking={**FB, **config})]
        return fed != plain

    # no gate: feedback re-scores both queries
    assert changed(agree, {"fb_min_clarity": 0.0}) and changed(disagree, {"fb_min_clarity": 0.0})
    # the gate between the two: on where the top documents agree, off where they do not
    assert changed(agree, {"fb_min_clarity": threshold})
    assert not changed(disagree, {"fb_min_clarity": threshold})
    # a gate above both: off for both
    assert not changed(agree, {"fb_min_clarity": 1000.0})


# --- proximity scaled by co-occurrence -------------------------------------------

PROX = {"feedback": False, "proximity": 1.0}


def _bonus(ix, text, doc_id, **config):
    with_bonus = {h.id: h.score for h in ix.search(text, limit=20, ranking={**PROX, **config})}
    without = {h.id: h.score for h in ix.search(text, limit=20, ranking={**PROX, "proximity": 0})}
    return with_bonus[doc_id] - without[doc_id]


def test_proximity_bonus_scaled_by_how_often_the_words_keep_together(pairs):
    full = _bonus(pairs, "alpha beta", "ab-near", prox_cooc=0.0)
    assert full > 0
    # near in 1 of the 4 documents holding both words: a quarter of the bonus (linear), a half (square root)
    assert math.isclose(_bonus(pairs, "alpha beta", "ab-near", prox_cooc=1.0), full / 4, rel_tol=1e-9)
    assert math.isclose(_bonus(pairs, "alpha beta", "ab-near", prox_cooc=0.5), full / 2, rel_tol=1e-9)
    # words near each other wherever both occur keep all of it
    kept = _bonus(pairs, "gamma delta", "gd-near1", prox_cooc=0.0)
    assert kept > 0
    assert math.isclose(_bonus(pairs, "gamma delta", "gd-near1", prox_cooc=1.0), kept, rel_tol=1e-9)
    # and the documents without the words near each other get none either way
    assert _bonus(pairs, "alpha beta", "ab-far0", prox_cooc=1.0) == 0


# --- feedback terms the top documents agree on ----------------------------------

PAD = " ".join(f"filler{i}" for i in range(10))
PAD9 = " ".join(f"filler{i}" for i in range(9))
#: Two groups of four stories.  Query "zeta": the two best stories both say "kappa" (they
#: agree on it); "zeta-with-kappa" and "zeta-plain" are alike but for one word, "kappa" in
#: the first (equal BM25 scores, so "zeta-plain" leads by id).  Query "omega": the same,
#: except that the second-best story says "lambda" instead, so "kappa" is the vocabulary of
#: one feedback document only.
SUPPORT = [
    {"id": "zeta-top1", "title": "One", "body": "zeta zeta zeta kappa"},
    {"id": "zeta-top2", "title": "Two", "body": "zeta zeta zeta kappa filler"},
    {"id": "zeta-plain", "title": "Three", "body": f"zeta {PAD}"},
    {"id": "zeta-with-kappa", "title": "Four", "body": f"zeta {PAD9} kappa"},
    {"id": "omega-top1", "title": "Five", "body": "omega omega omega kappa"},
    {"id": "omega-top2", "title": "Six", "body": "omega omega omega lambda filler"},
    {"id": "omega-plain", "title": "Seven", "body": f"omega {PAD}"},
    {"id": "omega-with-kappa", "title": "Eight", "body": f"omega {PAD9} kappa"},
    *({"id": f"fill{i}", "title": "Other", "body": f"story number {i} about nothing in particular"}
      for i in range(8)),
]
#: Feedback from the two best stories on any query, every term allowed by df.
FB2 = {"fb_min_words": 1, "fb_max_df": 1.0, "fb_docs": 2, "proximity": 0}


@pytest.fixture(scope="module")
def support(tmp_path_factory):
    ix = index_records(tmp_path_factory.mktemp("support"), SUPPORT)
    yield ix
    ix.close()


def _kappa_first(ix, word, **config):
    """Does the story with "kappa" outrank its twin without it?"""
    order = [h.id for h in ix.search(word, limit=20, ranking=config)]
    return order.index(f"{word}-with-kappa") < order.index(f"{word}-plain")


def test_relevance_model_counts_the_feedback_documents_holding_each_term():
    support = Counter()
    relevance_model([("sorghum rice sorghum", 2.0), ("sorghum wheat", 1.0), ("", 1.0)], support=support)
    assert support == Counter({"sorghum": 2, "rice": 1, "wheat": 1})


def test_feedback_keeps_only_terms_the_top_documents_agree_on(support):
    assert not _kappa_first(support, "zeta", feedback=False, proximity=0)  # twins tie; "plain" leads by id
    # "kappa", in both feedback documents, lifts the story that also says it, support 1 or 2
    assert _kappa_first(support, "zeta", **FB2, fb_min_support=1)
    assert _kappa_first(support, "zeta", **FB2, fb_min_support=2)
    # three documents must agree, and only two were read: no expansion term, feedback stays out
    assert not _kappa_first(support, "zeta", **FB2, fb_min_support=3)


def test_a_term_of_one_feedback_document_does_not_move_the_ranking(support):
    # every term counts: the one feedback story saying "kappa" lifts its twin
    assert _kappa_first(support, "omega", **FB2, fb_min_support=1)
    # terms of two feedback documents only: "kappa" (one) is left out
    assert not _kappa_first(support, "omega", **FB2, fb_min_support=2)


def test_feedback_weighs_as_much_as_the_top_documents_agree(support):
    def score(**config):
        return {h.id: h.score for h in support.search("omega", limit=20, ranking=config)}["omega-top1"]

    plain = score(feedback=False, proximity=0)
    every_term = score(**FB2, fb_min_support=1)
    agreed = score(**FB2, fb_min_support=2)
    # "lambda", "kappa" and "filler" (one feedback document each) leave with their weight: the
    # agreed terms ("omega") keep theirs, not the whole expansion's, so the bonus shrinks, not vanishes
    assert plain < agreed < every_term, (plain, agreed, every_term)
