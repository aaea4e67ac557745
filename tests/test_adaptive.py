"""The adaptive re-rankers switch on and off as designed: feedback gated by query clarity,
proximity scaled by how much the query's words keep together."""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest

import searchkit
from searchkit.ranking import query_clarity, relevance_model

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


def _index(tmp_path_factory, name, docs):
    folder = tmp_path_factory.mktemp(name)
    data = folder / "docs.jsonl"
    data.write_text("\n".join(json.dumps(d) for d in docs), "utf-8")
    ix = searchkit.Index(folder / "index")
    ix.add(data)
    return ix


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    ix = _index(tmp_path_factory, "clarity", GRAIN + OTHERS)
    yield ix
    ix.close()


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    ix = _index(tmp_path_factory, "cooccur", PAIRS)
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
