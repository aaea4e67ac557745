"""The first pass of a plain-words query: scored term at a time, equal to Whoosh's matchers."""

from __future__ import annotations

import heapq
import json
import math

import pytest

import searchkit
import searchkit.ranking as ranking
import searchkit.ranking.bm25f as bm25f
import searchkit.ranking.pipeline as pipeline
import searchkit.ranking.vectorized as vectorized
from searchkit.analysis import term_positions
from searchkit.ranking import FieldsTerm, RankingConfig, all_bm25f_scores
from searchkit.ranking.bm25f import _weighting
from whoosh.query import Or

from .corpus import index_records

FIELDS = ("title", "body", "tags")

FIRST = [
    {"id": "a1", "title": "Sugar harvest in Brazil", "body": "The sugar cane harvest in Brazil was large.",
     "tags": ["sugar"], "date": "1987-03-02", "source": "Reuters"},
    {"id": "a2", "title": "Cocoa prices", "body": "Cocoa prices rose; sugar and cocoa traders watched Brazil.",
     "date": "1987-04-10T12:00:00Z", "source": "AP", "tags": ["cocoa"]},
    {"id": "a3", "title": "Gone soon", "body": "Sugar sugar sugar: a story that will be deleted."},
    {"id": "a4", "title": "Steel", "body": "Steel mills cut output. " * 20},
]
SECOND = [
    {"id": "b1", "title": "Brazil exports", "body": "Brazil exported more sugar and coffee this year.",
     "date": "1987-03-31T23:59:00Z", "source": "Reuters", "tags": ["sugar", "coffee"]},
    {"id": "b2", "title": "Sugar", "body": "Sugar.", "date": "1988-01-01"},
    {"id": "b3", "title": "Co-operation on cocoa", "body": "Producers agreed on co-operation over cocoa stocks."},
    {"id": "b4", "title": "Untitled", "body": "A note on harvest weather in the cane belt of Brazil."},
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """Two segments, and a deleted document in the first."""
    ix = index_records(tmp_path_factory.mktemp("first-pass"), FIRST, SECOND)
    assert ix.remove("a3")
    yield ix
    ix.close()


QUERIES = [
    "sugar", "sugar brazil", "sugar cane harvest in brazil", "cocoa cocoa prices",  # a repeated word weighs twice
    "the of and",  # stopwords only
    "co-operation cocoa", '"sugar cane" brazil', "cocoa*", "steel OR sugar", "brazil -coffee",  # Whoosh's path
    "nothing-like-this", "zzz sugar",
]


def _whoosh_only(monkeypatch):
    monkeypatch.setattr(pipeline, "_plain_terms", lambda query: None)


@pytest.fixture(params=["python", "numpy"])
def term_at_a_time(request, monkeypatch):
    """Which term-at-a-time first pass plain words take (Python's loops, NumPy's arrays); the list of its calls.

    Each call's item 4 is the filter it was given.
    """
    calls = []
    if request.param == "python":
        monkeypatch.setattr(vectorized, "worth_it", lambda *args: False)
        monkeypatch.setattr(pipeline, "all_bm25f_scores", lambda *args: calls.append(args) or all_bm25f_scores(*args))
    else:
        pytest.importorskip("numpy")
        original = vectorized.vector_first_pass
        monkeypatch.setattr(vectorized, "worth_it", lambda *args: True)
        monkeypatch.setattr(vectorized, "vector_first_pass", lambda *args: calls.append(args) or original(*args))
    return calls


@pytest.mark.parametrize("config", [{}, {"proximity": 0}, {"fb_mode": "full", "fb_min_words": 1, "fb_max_df": 1.0},
                                    {"fb_min_words": 1, "fb_max_df": 1.0}])
def test_search_is_the_same_with_and_without_the_term_at_a_time_pass(index, monkeypatch, config, term_at_a_time):
    calls = term_at_a_time
    fast = {q: index.search(q, limit=20, ranking=config) for q in QUERIES}
    assert len(calls) >= 6  # the plain-words queries took the new path
    _whoosh_only(monkeypatch)
    for query, expected in ((q, index.search(q, limit=20, ranking=config)) for q in QUERIES):
        got = fast[query]
        assert [h.id for h in got] == [h.id for h in expected], query
        assert all(math.isclose(a.score, b.score, rel_tol=1e-9) for a, b in zip(got, expected)), query
        assert got.total == expected.total, query
        assert "a3" not in {h.id for h in got}  # deleted


def test_scores_equal_the_whoosh_matchers_and_skip_deleted_documents(index):
    searcher = index._searcher_now()
    assert len(searcher.leaf_searchers()) == 2 and searcher.reader().has_deletions()
    model = _weighting(RankingConfig())
    for words, boosts in ((["sugar"], [1.0]), (["sugar", "brazil", "harvest"], [1.0, 2.0, 0.5]),
                          (["cocoa", "nothing"], [1.0, 1.0])):
        query = Or([FieldsTerm(FIELDS, w, boost=b) for w, b in zip(words, boosts)])
        with index._ix.searcher(weighting=model) as whoosh_searcher:
            reference = {hit.docnum: hit.score for hit in whoosh_searcher.search(query, limit=None)}
        terms = [(w, model.term_idf(searcher, "body", w), b) for w, b in zip(words, boosts)]
        mine = all_bm25f_scores(searcher, model, terms, FIELDS)
        assert set(mine) == set(reference) and reference, words
        for docnum, score in reference.items():
            assert math.isclose(mine[docnum], score, rel_tol=1e-9), (words, docnum)


def test_an_unknown_segment_layout_falls_back_to_whoosh(index, monkeypatch):
    expected = [(h.id, h.score) for h in index.search("sugar brazil")]
    monkeypatch.setattr(bm25f, "field_lengths", lambda reader, fieldname: None)
    searcher = index._searcher_now()
    model = _weighting(RankingConfig())
    assert all_bm25f_scores(searcher, model, [("sugar", 1.0, 1.0)], FIELDS) is None
    got = [(h.id, h.score) for h in index.search("sugar brazil")]
    assert [i for i, _ in got] == [i for i, _ in expected]
    assert all(math.isclose(a, b, rel_tol=1e-9) for (_, a), (_, b) in zip(got, expected))


def test_rerank_readers_skip_to_live_documents_in_blocks(index):
    """Positions and re-ranking scores for chosen documents, read a block at a time past a deletion."""
    searcher = index._searcher_now()
    live = [d for d in range(searcher.doc_count_all()) if not searcher.reader().is_deleted(d)]
    found = ranking.read_positions(searcher, "body", ["sugar", "brazil", "cocoa"], live)
    for docnum in live:
        stored = searcher.stored_fields(docnum)
        expected = {t: p for t, p in term_positions(stored["body"]).items() if t in {"sugar", "brazil", "cocoa"}}
        assert found.get(docnum, {}) == expected, stored["id"]
    model = _weighting(RankingConfig())
    terms = [("sugar", 1.3, 1.0), ("brazil", 0.7, 2.0)]
    everything = all_bm25f_scores(searcher, model, terms, FIELDS)
    some = live[1::2]
    assert ranking.bm25f_scores(searcher, model, terms, some, FIELDS) == pytest.approx(
        {d: everything[d] for d in some if d in everything})


FILTERED = [  # (query, keyword filters)
    ("sugar", {"since": "1987-03"}), ("sugar brazil", {"until": "1987-03-31"}),
    ("sugar brazil", {"since": "1987-03-31T23:59", "until": "1988"}), ("sugar date:1987", {}),
    ("cocoa sugar date:..1987-03", {}), ("sugar brazil", {"source": "reuters"}), ("sugar source:ap", {}),
    ("brazil", {"tags": "sugar", "since": "1987"}), ("sugar", {"where": {"tags": ["coffee"]}}),
    ("sugar", {"since": "2001"}),  # nothing in range: empty, never everything
    ("sugar", {"source": "nobody"}), ('"sugar cane" brazil', {"since": "1987"}), ("cocoa*", {"until": "1987-12"}),
    ("brazil -coffee", {"source": "reuters"}), ("*", {"since": "1987-04"}), ("title:sugar", {"until": "1987"}),
    ("sugar harvest cane brazil", {"since": "1987-03-02"}),  # feedback's first pass, filtered
]


def _filters_as_whoosh_queries(monkeypatch):
    """The reference path: plain words through Whoosh's matchers, filters handed to Whoosh as queries."""
    import searchkit.ranking.feedback as feedback
    import searchkit.ranking.filtering as filtering
    import searchkit.search as search

    _whoosh_only(monkeypatch)
    monkeypatch.setattr(pipeline, "_filter_set", lambda searcher, flt: flt)
    for module in (search, feedback):
        monkeypatch.setattr(module, "filter_docnums", lambda searcher, flt: flt)
    monkeypatch.setattr(filtering, "filter_docnums", lambda searcher, flt: set(searcher.docs_for_query(flt)))


@pytest.mark.parametrize("narrow", [0, 4, 10**9])  # a filter's documents looked up: always, by size, never
@pytest.mark.parametrize("sort", ["relevance", "-date"])
@pytest.mark.parametrize("config", [{}, {"proximity": 0}, {"fb_min_words": 1, "fb_max_df": 1.0}])
def test_filtered_search_on_the_fast_path_equals_whoosh_filters(index, monkeypatch, config, sort, narrow,
                                                               term_at_a_time):
    monkeypatch.setattr(bm25f, "NARROW_FILTER", narrow)
    calls = term_at_a_time
    options = {"limit": 20, "ranking": config, "sort": sort, "facets": ["source", "year"]}
    fast = [index.search(q, **options, **kw) for q, kw in FILTERED]
    fast_uncollapsed = [index.search(q, **options, collapse=False, **kw) for q, kw in FILTERED]
    if sort == "relevance":
        assert sum(1 for args in calls if args[4] is not None) >= 8  # filtered plain words took the fast path
    _filters_as_whoosh_queries(monkeypatch)
    for (query, kw), got, got_all in zip(FILTERED, fast, fast_uncollapsed):
        for mine, expected in ((got, index.search(query, **options, **kw)),
                               (got_all, index.search(query, **options, collapse=False, **kw))):
            assert [h.id for h in mine] == [h.id for h in expected], (query, kw)
            assert all(math.isclose(a.score, b.score, rel_tol=1e-9) for a, b in zip(mine, expected)), query
            assert mine.total == expected.total and mine.total_uncollapsed == expected.total_uncollapsed, query
            assert mine.facets == expected.facets, query
            assert "a3" not in {h.id for h in mine}


def test_a_date_filter_keeps_exactly_the_documents_in_range(index):
    got = {h.id for h in index.search("sugar brazil cocoa", since="1987-03-31T23:59", until="1987-04-10T12:00",
                                      limit=50)}
    assert got == {"b1", "a2"}  # both ends inclusive, to the minute
    assert not index.search("sugar", since="2001")  # a filter matching nothing empties the list
    assert {h.id for h in index.search("sugar", until="1987-03-01", limit=50)} == set()
    assert not index.search("sugar", source="!!!")  # a filter analysing to nothing narrows to nothing
    assert not index.search("sugar brazil", source="!!!", since="1987")


def test_filters_are_worked_out_once_per_segment_and_dates_read_from_the_column(index, monkeypatch):
    """A date range never expands into its date terms; another filter's documents are listed once per segment."""
    from whoosh.query import qcore
    from whoosh.query.ranges import NumericRange

    def no_expansion(self, *args, **kwargs):
        raise AssertionError("a date range went through Whoosh's term expansion")

    monkeypatch.setattr(NumericRange, "matcher", no_expansion)
    assert {h.id for h in index.search("sugar brazil", since="1987-03-05", limit=50)} == {"a2", "b1", "b2"}
    monkeypatch.undo()
    listed = []
    real_docs = qcore.Query.docs
    monkeypatch.setattr(qcore.Query, "docs", lambda self, searcher, **kw: listed.append(self) or real_docs(self, searcher, **kw))
    first = [h.id for h in index.search("sugar", tags="cocoa", limit=50)]  # a filter no earlier test used
    filters = [q for q in listed if getattr(q, "fieldname", None) != "cluster"]  # not the hits' copy counts
    assert 1 <= len(filters) <= 2, filters  # one listing per segment
    again = [h.id for h in index.search("sugar", tags="cocoa", limit=50)]
    assert again == first == ["a2"]
    assert [q for q in listed if getattr(q, "fieldname", None) != "cluster"] == filters


@pytest.fixture(scope="module")
def zipf_index(tmp_path_factory):
    """400 generated stories over a small vocabulary (Zipf-like word frequencies), three segments, deletions."""
    import random

    rng = random.Random(13)
    vocab = [f"w{n}" for n in range(60)]
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
    sources = ["Reuters", "AP", "AFP"]
    folder = tmp_path_factory.mktemp("zipf")
    ix = searchkit.Index(folder / "index")
    for part in range(3):
        docs = []
        for n in range(part * 140, part * 140 + 140):
            title = " ".join(rng.choices(vocab, weights, k=rng.randint(1, 5)))
            body = " ".join(rng.choices(vocab, weights, k=rng.randint(3, 80)))
            docs.append({"id": f"z{n}", "title": title, "body": body, "source": sources[n % 3],
                         "date": f"1987-{1 + n % 12:02d}-{1 + n % 27:02d}"})
        (folder / f"p{part}").mkdir()
        (folder / f"p{part}" / "docs.jsonl").write_text("\n".join(json.dumps(d) for d in docs), "utf-8")
        ix.add(folder / f"p{part}")
    ix.remove("z3")
    ix.remove("z150")
    yield ix
    ix.close()


PRUNE_QUERIES = [["w0", "w1"], ["w0", "w30"], ["w5", "w0", "w1", "w2"], ["w40", "w0"], ["w59", "w58", "w0"],
                 ["w2", "w2"], ["w10", "w11", "w12", "w0", "w1"], ["w0", "w1", "w2", "w3", "w4", "w5", "w6"]]


@pytest.mark.parametrize("top", [1, 3, 10, 50])
@pytest.mark.parametrize("flt", [None, "date", "source"])
def test_pruned_first_pass_keeps_the_exact_top_and_counts_every_match(zipf_index, top, flt):
    """MaxScore: the best ``top`` are the full pass's, with the very same scores; the count is exact."""
    from searchkit.query import date_range_query
    from searchkit.ranking.bm25f import PrunedScores
    from datetime import datetime

    from searchkit.query import compile_query, parse_query
    from searchkit.ranking.filtering import filter_docnums

    searcher = zipf_index._searcher_now()
    assert len(searcher.leaf_searchers()) >= 2 and searcher.reader().has_deletions()
    model = _weighting(RankingConfig())
    query_filter = {None: None, "date": date_range_query(datetime(1987, 3, 1), datetime(1987, 8, 31)),
                    "source": compile_query(parse_query("w0 source:reuters"), searcher.reader()).filter}[flt]
    if flt:
        assert 0 < len(filter_docnums(searcher, query_filter)) < searcher.doc_count() // 2
    pruned_any = 0
    for words in PRUNE_QUERIES:
        for boosts in ([1.0] * len(words), [1.0 + i * 0.5 for i in range(len(words))]):
            terms = [(w, model.term_idf(searcher, "body", w), b) for w, b in zip(words, boosts)]
            full = all_bm25f_scores(searcher, model, terms, FIELDS, query_filter)
            mine = all_bm25f_scores(searcher, model, terms, FIELDS, query_filter, top)
            best = heapq.nlargest(top, full.items(), key=pipeline._by_score_then_docnum)
            got = heapq.nlargest(top, mine.items(), key=pipeline._by_score_then_docnum)
            assert got == best, (words, boosts)  # ids, order and scores, bit for bit
            assert all(mine[d] == full[d] for d in mine)  # every score kept is the full one
            if isinstance(mine, PrunedScores):
                pruned_any += 1
                assert len(mine) <= len(full)
                assert mine.matches() == len(full)
            else:
                assert mine == full
    if top <= 10:
        assert pruned_any >= 3  # pruning happened, so the equalities above tested it


@pytest.mark.parametrize("config", [{}, {"proximity": 0}, {"fb_min_words": 1, "fb_max_df": 1.0}])
def test_search_with_pruning_equals_search_without(zipf_index, monkeypatch, config):
    queries = [" ".join(words) for words in PRUNE_QUERIES]
    options = [{}, {"since": "1987-04"}, {"source": "ap"}, {"collapse": False}]
    monkeypatch.setattr(pipeline, "pool_size", lambda compiled, wanted, config: wanted)  # small pools: pruning bites
    pruned = [zipf_index.search(q, limit=5, ranking=config, **o) for q in queries for o in options]
    real = pipeline.all_bm25f_scores
    monkeypatch.setattr(pipeline, "all_bm25f_scores", lambda *args: real(*args[:5]))  # no top: the full pass
    for got, (q, o) in zip(pruned, [(q, o) for q in queries for o in options]):
        expected = zipf_index.search(q, limit=5, ranking=config, **o)
        assert [h.id for h in got] == [h.id for h in expected], (q, o)
        assert [h.score for h in got] == [h.score for h in expected], (q, o)
        assert got.total == expected.total and got.total_uncollapsed == expected.total_uncollapsed, (q, o)


def test_kept_filter_sets_are_bounded(zipf_index):
    from searchkit.ranking import filtering
    from searchkit.whoosh_ext.columns import reader_cache

    for n in range(filtering._KEPT + 6):
        assert zipf_index.search("w1 w2", title=f"w{n}", limit=3) is not None
        zipf_index.search('"w0 w1"', since=f"1987-01-{n + 1:02d}", limit=3)
    searcher = zipf_index._searcher_now()
    for sub, _ in searcher.leaf_searchers():
        assert 0 < len(reader_cache(sub.reader(), "filters")) <= filtering._KEPT
    assert 0 < len(reader_cache(searcher.reader(), "filter_sets")) <= filtering._KEPT_GLOBAL
