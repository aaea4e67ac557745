"""Ranking behaviour: BM25F weighting, idf, word coordination, RM3 feedback (see also test_proximity.py)."""

from __future__ import annotations

import json
import math

import pytest

import searchkit
from searchkit.ranking import DEFAULT_RANKING, NewsBM25, RankingConfig, resolve_ranking, rm3_expansion

DOCS = [
    {"id": "both", "title": "Grain report", "body": "Sorghum exports rose this week as buyers returned."},
    {"id": "repeat", "title": "Market notes",
     "body": "Exports, exports, exports: exports of everything rose, exports everywhere."},
    {"id": "sorghum-only", "title": "Farm notes", "body": "Sorghum fields were dry in the south."},
    {"id": "title-hit", "title": "Sorghum shortage in China", "body": "China faces a shortage of feed grain."},
    {"id": "other1", "title": "Steel output", "body": "Steel mills cut output again."},
    {"id": "other2", "title": "Bank rates", "body": "The central bank cut lending rates."},
    {"id": "other3", "title": "Oil prices", "body": "Crude oil prices fell on supply news."},
    {"id": "related", "title": "Feed grain shortage", "body": "Feed grain buyers in China look for sorghum and maize."},
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ranking")
    data = folder / "docs.jsonl"
    data.write_text("\n".join(json.dumps(d) for d in DOCS), "utf-8")
    ix = searchkit.Index(folder / "index")
    ix.add(data)
    yield ix
    ix.close()


def ids(hits):
    return [hit.id for hit in hits]


def test_all_words_rank_above_one_word_repeated(index):
    for ranking in (None, {"coordination": "none"}, {"feedback": False}):
        found = ids(index.search("sorghum exports", ranking=ranking))
        assert found.index("both") < found.index("repeat"), (ranking, found)


def test_title_match_counts_but_body_word_still_found(index):
    found = ids(index.search("sorghum", feedback=False))
    assert found[0] == "title-hit"
    assert {"both", "sorghum-only", "related"} <= set(found)


def test_feedback_switch_and_config_overrides(index):
    plain = index.search("sorghum", feedback=False)
    assert all(hit.id for hit in plain)
    assert resolve_ranking(None, False).feedback is False
    assert resolve_ranking({"title_weight": 1.0}, None).title_weight == 1.0
    assert resolve_ranking(RankingConfig(k1=2.0), True).k1 == 2.0
    with pytest.raises(TypeError):
        index.search("sorghum", ranking={"no_such_knob": 1})


@pytest.mark.parametrize("mode", ["rerank", "tiers", "full"])
def test_feedback_does_not_add_documents_to_filtered_or_required_queries(index, mode):
    config = {"fb_mode": mode, "fb_min_words": 1}
    found = ids(index.search("sorghum AND china", feedback=True, ranking=config))
    assert set(found) == {"title-hit", "related"}
    assert ids(index.search("title:sorghum", feedback=True, ranking=config)) == ["title-hit"]
    assert "sorghum-only" not in ids(index.search("sorghum -dry", feedback=True, ranking=config))


def test_rm3_expansion_adds_related_terms():
    docs = [("feed grain shortage in china sorghum maize", 3.0), ("feed grain buyers china sorghum", 2.0)]
    expansion = dict(rm3_expansion(docs, 5))
    assert math.isclose(sum(expansion.values()), 1.0)
    assert "grain" in expansion and "china" in expansion
    assert all(not any(ch.isdigit() for ch in term) for term in expansion)
    assert rm3_expansion([], 5) == []


class _Parent:
    def __init__(self, n, dfs):
        self.n, self.dfs = n, dfs
        self.schema = {"title": None, "body": None}

    def get_parent(self):
        return self

    def doc_count_all(self):
        return self.n

    def doc_frequency(self, fieldname, text):
        return self.dfs.get((fieldname, text), 0)


def test_bm25_idf_is_positive_and_falls_with_document_frequency():
    model = NewsBM25(RankingConfig())
    previous = math.inf
    for df in (0, 1, 10, 100, 500, 999, 1000):
        idf = model.term_idf(_Parent(1000, {("body", "w"): df}), "body", "w")
        assert 0 < idf < previous
        previous = idf


def test_idf_pools_title_and_body_frequencies():
    model = NewsBM25(RankingConfig())
    parent = _Parent(1000, {("title", "w"): 5, ("body", "w"): 400})
    assert model.term_idf(parent, "title", "w") == model.term_idf(parent, "body", "w")


def test_defaults_are_the_shipped_configuration():
    assert not hasattr(DEFAULT_RANKING, "fields") and not hasattr(DEFAULT_RANKING, "idf")  # BM25F, BM25 idf only
    # the proximity bonus is on: it helped both collections (docs/relevance.md)
    assert DEFAULT_RANKING.proximity > 0
    # feedback is on, but only as a re-ranking of long queries' own matches
    assert DEFAULT_RANKING.feedback is True
    assert DEFAULT_RANKING.fb_mode == "rerank" and DEFAULT_RANKING.fb_min_words >= 4
    assert DEFAULT_RANKING.long_idf_power > DEFAULT_RANKING.idf_power == 1.0


# --- aboutness on the seeds -----------------------------------------------------


@pytest.fixture(scope="module")
def seeds_index(tmp_path_factory):
    from .conftest import SEEDS

    ix = searchkit.Index(tmp_path_factory.mktemp("seeds") / "index")
    ix.add(SEEDS)
    yield ix
    ix.close()


def test_the_article_about_the_words_outranks_a_brief_that_mentions_them(seeds_index):
    """``security treaty``: the Abe-Trump article (the phrase twice, "treaty" four times in 360 indexed
    words) is about the treaty; the 25-word wire brief on Japan and Australia names it once in passing.

    In this 7-document index the article is four times the average length: with BM25's length
    normalisation alone (b = 0.4) the two nearly tie, and the brief wins once the proximity bonus
    is length-normalised as well.  The article's two occurrences of the phrase count for more than
    the brief's one because the proximity count is only saturated, not divided by length
    (``prox_b = 0``)."""
    article = next(d for d in seeds_index.search("abe trump osaka", limit=3) if d.id.startswith("000_")).id
    brief = "wire-0001"
    for ranking in (None, {"feedback": False}):
        found = ids(seeds_index.search("security treaty", ranking=ranking))
        assert {article, brief} <= set(found), (ranking, found)
        assert found.index(article) < found.index(brief), (ranking, found)
    # the test can fail: proximity normalised by length as BM25 normalises words, or classic BM25's b
    for ranking in ({"prox_b": None}, {"b": 0.75}):
        found = ids(seeds_index.search("security treaty", ranking=ranking))
        assert found.index(brief) < found.index(article), ranking
