"""The NumPy first pass gives the Python first pass's top, scores (bit for bit), order and count."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pytest

import searchkit.ranking.vectorized as vectorized
from searchkit import loading
from searchkit.query import compile_query, date_range_query, parse_query
from searchkit.ranking import RankingConfig, all_bm25f_scores
from searchkit.ranking.bm25f import _weighting
from searchkit.ranking.ties import top_by_score

from .corpus import index_records
from .test_first_pass import FIELDS, PRUNE_QUERIES, zipf_index  # noqa: F401 - the fixture

pytest.importorskip("numpy")


def _filters(searcher):
    return {None: None,
            "date": date_range_query(datetime(1987, 3, 1), datetime(1987, 8, 31)),
            "source": compile_query(parse_query("w0 source:reuters"), searcher.reader()).filter,
            "date and source": compile_query(parse_query("w0 source:reuters date:1987-03..1987-08"),
                                             searcher.reader()).filter}


@pytest.fixture(params=["skv", "blocks"])
def source(request, monkeypatch):
    """Where the arrays come from: the segments' .skv files, or the posting blocks (a segment without the file)."""
    if request.param == "blocks":
        monkeypatch.setattr(vectorized, "vector_reader", lambda reader: None)
    return request.param


@pytest.mark.parametrize("flt", [None, "date", "source", "date and source"])
def test_vector_pass_is_the_python_pass(zipf_index, flt, source):  # noqa: F811
    searcher = zipf_index._searcher_now()
    assert len(searcher.leaf_searchers()) >= 2 and searcher.reader().has_deletions()
    model = _weighting(RankingConfig())
    query_filter = _filters(searcher)[flt]
    compared = 0
    for words in PRUNE_QUERIES + [["w0"], ["nosuchword"], ["nosuchword", "w7"]]:
        for boosts in ([1.0] * len(words), [1.0 + i * 0.5 for i in range(len(words))]):
            terms = [(w, model.term_idf(searcher, "body", w), b) for w, b in zip(words, boosts)]
            scores = all_bm25f_scores(searcher, model, terms, FIELDS, query_filter)
            values = sorted(scores.values(), reverse=True)
            for n in (0, 1, 3, 10, 50, 1000):
                expected = top_by_score(searcher, scores.items(), n)
                got = vectorized.vector_first_pass(searcher, model, terms, FIELDS, query_filter, n)
                assert got == (expected, len(scores)), (words, boosts, n)
                assert [s.hex() for _, s in got[0]] == [s.hex() for _, s in expected]
                compared += 1
    assert compared > 100


def test_ties_at_the_cut_are_kept_by_id_as_the_python_pass_keeps_them(tmp_path, source):
    """Copies score alike: which of them make the top ``n`` is decided by their ids, not their docnums."""
    import random

    rng = random.Random(3)
    texts = [("Sugar prices", "Sugar prices rose in Brazil."), ("Cocoa", "Cocoa and sugar."),
             ("Sugar", "Sugar, sugar and more sugar prices.")]
    ids = [f"d{n:03d}" for n in range(60)]
    rng.shuffle(ids)  # docnum order is not id order
    runs = [[{"id": ids[n], "title": texts[n % 3][0], "body": texts[n % 3][1]} for n in range(k, k + 30)]
            for k in (0, 30)]
    ix = index_records(tmp_path, *runs)
    try:
        searcher = ix._searcher_now()
        model = _weighting(RankingConfig())
        straddled = 0
        for words in (["sugar"], ["sugar", "prices"], ["cocoa", "sugar"], ["brazil", "sugar"]):
            terms = [(w, model.term_idf(searcher, "body", w), 1.0) for w in words]
            scores = all_bm25f_scores(searcher, model, terms, FIELDS)
            values = sorted(scores.values(), reverse=True)
            for n in (1, 5, 10, 19, 20, 21, 35, 59):
                expected = top_by_score(searcher, scores.items(), n)
                assert vectorized.vector_first_pass(searcher, model, terms, FIELDS, None, n) == \
                    (expected, len(scores)), (words, n)
                straddled += n < len(values) and values[n - 1] == values[n]
        assert straddled > 10
    finally:
        ix.close()


def test_searches_are_the_same_with_and_without_the_vector_pass(zipf_index, monkeypatch):  # noqa: F811
    queries = ["w0 w1", "w5 w0 w1 w2", "w40", "w0 source:reuters", "w3 w4 date:1987-03..1987-08",
               "w2 -w3", "w10 w11 w12 w0 w1"]

    def run():
        out = []
        for q in queries:
            for kwargs in ({}, {"limit": 3}, {"limit": 5, "offset": 5}, {"since": "1987-06-01"}):
                hits = zipf_index.search(q, **kwargs)
                out.append((q, repr(kwargs), hits.total, [(h.id, h.score) for h in hits]))
        return out

    used = []
    original = vectorized.vector_first_pass
    monkeypatch.setattr(vectorized, "vector_first_pass", lambda *a, **k: used.append(1) or original(*a, **k))
    with_numpy = run()
    assert used, "the vector pass was never taken"
    monkeypatch.setattr(vectorized, "worth_it", lambda *a: False)
    used.clear()
    assert run() == with_numpy
    assert not used


def test_a_one_shot_process_imports_numpy_only_for_a_big_query(zipf_index, monkeypatch):  # noqa: F811
    searcher = zipf_index._searcher_now()
    model = _weighting(RankingConfig())
    terms = [(w, model.term_idf(searcher, "body", w), 1.0) for w in ("w0", "w1")]
    read = sum(vectorized.postings_read(searcher, terms, FIELDS))
    assert read > 100
    assert vectorized.worth_it(searcher, terms, FIELDS)  # NumPy is loaded here: always worth it
    monkeypatch.delitem(sys.modules, "numpy")  # as in a fresh process
    monkeypatch.setattr(loading, "_one_shot", False)
    assert vectorized.worth_it(searcher, terms, FIELDS)  # long-lived: import once
    monkeypatch.setattr(loading, "_one_shot", True)
    monkeypatch.setattr(vectorized, "IMPORT_WORTH", read + 1)
    assert not vectorized.worth_it(searcher, terms, FIELDS)
    monkeypatch.setattr(vectorized, "IMPORT_WORTH", read)
    assert vectorized.worth_it(searcher, terms, FIELDS)


@pytest.mark.parametrize("query", ["w0 w1", '"w0 w1"'])
def test_a_cli_query_does_not_import_numpy_for_a_small_query(zipf_index, query):  # noqa: F811
    """Plain words and a phrase (whose words have position arrays) alike."""
    code = ("import sys\nfrom searchkit.cli import main\n"
            "try:\n    main(['query', sys.argv[2], '--index', sys.argv[1], '--limit', '3'])\n"
            "except SystemExit:\n    pass\n"
            "print('numpy' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(zipf_index.path), query], capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.strip(), done.stderr  # it answered
    assert done.stderr.strip().splitlines()[-1] == "False"


def test_the_arrays_kept_per_segment_stay_within_their_budget(zipf_index, monkeypatch):  # noqa: F811
    searcher = zipf_index._searcher_now()
    model = _weighting(RankingConfig())
    monkeypatch.setattr(vectorized, "CACHE_POSTINGS", 60 * len(searcher.leaf_searchers()))
    for sub, _ in searcher.leaf_searchers():  # what earlier tests left, under a bigger budget
        sub.reader().__dict__.pop("_searchkit_vectors", None)
        sub.reader().__dict__.pop("_searchkit_vectors_size", None)
    for words in PRUNE_QUERIES:
        terms = [(w, model.term_idf(searcher, "body", w), 1.0) for w in words]
        expected = top_by_score(searcher, all_bm25f_scores(searcher, model, terms, FIELDS).items(), 10)
        assert vectorized.vector_first_pass(searcher, model, terms, FIELDS, None, 10)[0] == expected
        for sub, _ in searcher.leaf_searchers():
            reader = sub.reader()
            held = sum(len(ids) for ids, _ in reader.__dict__.get("_searchkit_vectors", {}).values())
            assert held == reader.__dict__.get("_searchkit_vectors_size", 0)
            assert held <= 60 or len(reader.__dict__["_searchkit_vectors"]) == 1  # one list bigger than the budget


def test_the_python_pass_keeps_the_queries_it_is_faster_for(tmp_path, monkeypatch):
    """worth_it: a word too rare for the dense arrays is left to the Python pass."""
    docs = [{"id": f"d{n}", "title": "news", "body": " ".join(["common", "filler"] + (["half"] if n % 2 else [])
                                                               + (["rare"] if n % 25 == 0 else []))}
            for n in range(2000)]
    ix = index_records(tmp_path, docs)
    try:
        searcher = ix._searcher_now()
        model = _weighting(RankingConfig())

        def terms(*words):
            return [(w, model.term_idf(searcher, "body", w), 1.0) for w in words]

        monkeypatch.setattr(vectorized, "DENSE_COST", 16)  # a segment of 2,000 stands for a big one
        assert not vectorized.worth_it(searcher, terms("rare"), FIELDS, 50)  # 80 postings
        assert vectorized.worth_it(searcher, terms("half"), FIELDS, 50)
        assert vectorized.worth_it(searcher, terms("common", "rare"), FIELDS, 50)
        assert not vectorized.worth_it(searcher, terms("rare", "rare", "rare"), FIELDS, 50)
        assert vectorized.worth_it(searcher, terms("common", "half"), FIELDS, 50)
        for words in (("rare",), ("common", "rare"), ("common", "half"), ("half", "rare", "filler")):
            expected = [(h.id, h.score) for h in ix.search(" ".join(words), limit=20)]
            monkeypatch.setattr(vectorized, "worth_it", lambda *args: True)
            assert [(h.id, h.score) for h in ix.search(" ".join(words), limit=20)] == expected
            monkeypatch.undo()
            monkeypatch.setattr(vectorized, "DENSE_COST", 16)
    finally:
        ix.close()


def test_the_kth_highest_found_on_a_sample_first_is_that_of_the_whole_array():
    """_kth_highest (a strided sample's k-th highest first) against np.partition of the whole array:
    sorted, reversed and random arrays, heavy ties, the k-th value tied across the cut."""
    import random

    import numpy as np

    rng = random.Random(12)
    arrays = [np.arange(5000, dtype=np.float64), np.arange(5000, dtype=np.float64)[::-1].copy(),
              np.array([rng.random() for _ in range(20_000)]), np.array([float(rng.randint(0, 9)) for _ in range(9000)]),
              np.array([1.0] * 3000 + [2.0] * 40), np.array([rng.choice([0.5, 7.25, 3.0]) for _ in range(700)])]
    checked = sampled = 0
    for values in arrays:
        for k in (1, 2, 11, 41, 51, 300):
            if k >= len(values):
                continue
            expected = np.partition(values, len(values) - k)[len(values) - k]
            assert vectorized._kth_highest(np, values, k) == expected, (len(values), k)
            size = int((len(values) * k) ** 0.5)
            sampled += size > 2 * k and len(values) > 4 * size
            checked += 1
    assert checked > 30 and sampled > 15
    # Scores are never NaN; if one were, the sample's cut would be NaN and match nothing: no IndexError
    with_nan = np.array([float("nan")] * 200 + [rng.random() for _ in range(5000)])
    vectorized._kth_highest(np, with_nan, 10)
