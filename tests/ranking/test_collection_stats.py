"""The collection-statistics hook: every idf, N and average length comes from one CollectionStats."""

from __future__ import annotations

import json
import math
from contextlib import nullcontext

import pytest

import searchkit
from searchkit.ranking.stats import CollectionStats, FixedStats, SearcherStats
from searchkit.search import run_search

DOCS = [
    {"id": "d1", "title": "Sugar harvest in Brazil", "body": "The sugar cane harvest in Brazil was large this year."},
    {"id": "d2", "title": "Cocoa prices", "body": "Cocoa prices rose; sugar and cocoa traders watched Brazil."},
    {"id": "d3", "title": "Steel", "body": "Steel mills cut output as steel demand fell. " * 3},
    {"id": "d4", "title": "Brazil exports", "body": "Brazil exported more sugar and coffee, traders said."},
    {"id": "d5", "title": "Sugar", "body": "Sugar."},
    {"id": "d6", "title": "Coffee harvest", "body": "The coffee harvest in Colombia was small; prices rose."},
]
PLAIN = {"proximity": 0, "feedback": False}
QUERIES = ["sugar", "sugar brazil", "coffee harvest prices", "cocoa OR steel", '"sugar cane" brazil',
           "brazil -coffee", "sugar traders prices harvest brazil"]


def _index(folder, docs):
    folder.mkdir()
    (folder / "docs.jsonl").write_text("\n".join(json.dumps(d) for d in docs), "utf-8")
    ix = searchkit.Index(folder / "index")
    ix.add(folder)
    return ix


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    ix = _index(tmp_path_factory.mktemp("whole") / "docs", DOCS)
    yield ix
    ix.close()


@pytest.fixture(scope="module")
def shard(tmp_path_factory):
    ix = _index(tmp_path_factory.mktemp("shard") / "docs", DOCS[::2])
    yield ix
    ix.close()


def _open(ix):
    return nullcontext(ix._searcher_now())  # noqa: SLF001 - the raw searcher is the point here


def test_default_statistics_score_as_before(whole):
    with _open(whole) as searcher:
        stats = SearcherStats(searcher)
        assert isinstance(stats, CollectionStats)
        for text in QUERIES:
            default = run_search(searcher, text, limit=10, collapse=False, snippets=False)
            given = run_search(searcher, text, limit=10, collapse=False, snippets=False, stats=stats)
            assert [(h.id, h.score) for h in default] == [(h.id, h.score) for h in given], text


class _Scaled(SearcherStats):
    """The index's statistics with N multiplied and one word's document frequency replaced."""

    def __init__(self, searcher, factor, word=None, df=None):
        super().__init__(searcher)
        self.factor, self.word, self.df = factor, word, df

    def doc_count(self):
        return super().doc_count() * self.factor

    def doc_frequency(self, fieldname, text):
        if self.word is not None and (text == self.word or text == self.word.encode()):
            return self.df
        return super().doc_frequency(fieldname, text)


def _idf(n, df):
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def test_n_and_df_change_scores_as_bm25_says(whole):
    with _open(whole) as searcher:
        n = searcher.doc_count_all()
        df = max(searcher.doc_frequency(f, "sugar") for f in ("title", "body"))
        before = {h.id: h.score for h in run_search(searcher, "sugar", collapse=False, snippets=False,
                                                    ranking=PLAIN)}
        for factor, new_df in ((10, None), (1, 1), (100, 40)):
            stats = _Scaled(searcher, factor, "sugar" if new_df else None, new_df)
            after = {h.id: h.score for h in run_search(searcher, "sugar", collapse=False, snippets=False,
                                                       ranking=PLAIN, stats=stats)}
            ratio = _idf(n * factor, new_df or df) / _idf(n, df)
            assert len(before) >= 3 and set(after) == set(before)
            for doc, score in before.items():
                assert math.isclose(after[doc], score * ratio, rel_tol=1e-9), (factor, new_df, doc)


def test_average_length_comes_from_the_statistics(whole):
    with _open(whole) as searcher:
        base = SearcherStats(searcher)

        class Longer(SearcherStats):
            def avg_field_length(self, fieldname):
                return base.avg_field_length(fieldname) * 3

        for text in ("sugar brazil", '"sugar cane" brazil'):  # term at a time, and Whoosh's matchers
            plain = _scores_with(searcher, text, None)
            longer = _scores_with(searcher, text, Longer(searcher))
            assert {d for d, _ in plain} == {d for d, _ in longer}
            assert dict(plain) != dict(longer), text


def _scores_with(searcher, text, stats):
    return [(h.id, h.score) for h in run_search(searcher, text, collapse=False, snippets=False,
                                                ranking=PLAIN, stats=stats)]


def test_a_shard_with_the_collection_statistics_scores_as_the_whole_index(whole, shard):
    """What a sharded search relies on: local documents, global statistics, the same scores."""
    with _open(whole) as full, _open(shard) as part:
        stats = SearcherStats(full)
        frozen = FixedStats(
            stats.doc_count(),
            {(f, t): stats.doc_frequency(f, t) for f in ("title", "body", "tags")
             for t in {w for d in DOCS for w in searchkit.analysis.analyze(d["title"] + " " + d["body"])}},
            {f: stats.field_length(f) for f in ("title", "body", "tags")},
        )
        held = {d["id"] for d in DOCS[::2]}
        for text in QUERIES[:-1]:
            expected = [(i, s) for i, s in _scores_with(full, text, None) if i in held]
            assert expected, text
            for given in (stats, frozen):
                got = _scores_with(part, text, given)
                assert [i for i, _ in got] == [i for i, _ in expected], text
                for (_, a), (_, b) in zip(got, expected):
                    assert math.isclose(a, b, rel_tol=1e-9), text


def test_first_passes_of_two_shards_merge_into_the_whole_index_first_pass(whole, tmp_path):
    """The pipeline's first stage on each shard with the collection's statistics, pools merged by score."""
    from searchkit.query import compile_query, parse_query
    from searchkit.ranking import first_pass, query_config, resolve_ranking

    other = _index(tmp_path / "docs", DOCS[1::2])
    halves = [_index(tmp_path / "even", DOCS[::2]), other]
    try:
        with _open(whole) as full:
            stats = SearcherStats(full)
            config = resolve_ranking(PLAIN, None)
            for text in ("sugar brazil", "coffee harvest prices", '"sugar cane" brazil'):
                def pool(searcher, given):
                    compiled = compile_query(parse_query(text), searcher.reader())
                    top, _ = first_pass(searcher, compiled.query, compiled.filter, compiled, 10,
                                        query_config(compiled, config), stats=given)
                    return {searcher.stored_fields(docnum)["id"]: score for docnum, score in top}

                expected = pool(full, None)
                merged: dict[str, float] = {}
                for half in halves:
                    merged.update(pool(half._searcher_now(), stats))
                assert expected and set(merged) == set(expected), text
                for doc, score in expected.items():
                    assert math.isclose(merged[doc], score, rel_tol=1e-9), (text, doc)
    finally:
        for half in halves:
            half.close()
