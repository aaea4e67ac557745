"""Ranking metrics against hand-computed cases, TREC I/O, the Reuters reader and the collection builders."""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
import sys

import pytest

from devtools.evaluation import (
    METRICS,
    average_precision,
    evaluate,
    evaluate_query,
    mean_scores,
    ndcg_at,
    paired_randomization_test,
    precision_at,
    read_qrels,
    read_queries,
    read_run,
    recall_at,
    write_qrels,
    write_run,
)

from ..conftest import FIXTURES, REPO

SCRIPTS = REPO / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

REUTERS_FIXTURE = FIXTURES / "reuters"


# --- metrics: one query ------------------------------------------------------
#
# Case A: ranking d1 d2 d3 d4 d5; relevant d1, d3 and d6 (d6 never retrieved).
#   AP      = (P@1 + P@3) / 3 relevant = (1/1 + 2/3) / 3 = (5/3) / 3 = 5/9 = 0.5556
#   P@10    = 2 relevant in the top 10 / 10 = 0.2   (only 5 retrieved: no excuse)
#   P@3     = 2/3
#   R@100   = 2 of 3 = 2/3;   R@2 = 1 of 3 = 1/3
#   nDCG@10 = DCG / IDCG, gain = rel, discount log2(rank + 1):
#     DCG  = 1/log2(2) + 1/log2(4)              = 1 + 0.5             = 1.5
#     IDCG = 1/log2(2) + 1/log2(3) + 1/log2(4)  = 1 + 0.63093 + 0.5   = 2.13093
#     nDCG = 1.5 / 2.13093 = 0.70392

RANK_A = [("d1", 9.0), ("d2", 8.0), ("d3", 7.0), ("d4", 6.0), ("d5", 5.0)]
QRELS_A = {"d1": 1, "d3": 1, "d6": 1, "d2": 0}


def test_average_precision_divides_by_all_relevant():
    assert average_precision(RANK_A, QRELS_A) == pytest.approx(5 / 9)
    assert average_precision(RANK_A, QRELS_A) == pytest.approx(0.5556, abs=1e-4)


def test_precision_at_k_counts_missing_ranks_as_misses():
    assert precision_at(RANK_A, QRELS_A, 10) == pytest.approx(0.2)
    assert precision_at(RANK_A, QRELS_A, 3) == pytest.approx(2 / 3)
    assert precision_at(RANK_A, QRELS_A, 1) == pytest.approx(1.0)


def test_recall_at_k():
    assert recall_at(RANK_A, QRELS_A, 100) == pytest.approx(2 / 3)
    assert recall_at(RANK_A, QRELS_A, 2) == pytest.approx(1 / 3)


def test_ndcg_binary():
    assert ndcg_at(RANK_A, QRELS_A, 10) == pytest.approx(1.5 / (1 + 1 / math.log2(3) + 0.5))
    assert ndcg_at(RANK_A, QRELS_A, 10) == pytest.approx(0.70392, abs=1e-5)


# Case B, graded: ranking a b c; qrels a=0, b=2, c=1, d=3 (d not retrieved), e=-1.
#   nDCG@10 (gain = rel; e's -1 counts as 0):
#     DCG  = 0/1 + 2/log2(3) + 1/log2(4)   = 0 + 1.26186 + 0.5      = 1.76186
#     IDCG = 3/1 + 2/log2(3) + 1/log2(4)   = 3 + 1.26186 + 0.5      = 4.76186
#     nDCG = 1.76186 / 4.76186 = 0.36999
#   nDCG@1: DCG = 0 (a has gain 0) -> 0.
#   nDCG@2: DCG = 2/log2(3) = 1.26186; IDCG = 3 + 2/log2(3) = 4.26186 -> 0.29608
#   AP (relevant = rel >= 1: b, c, d): b at rank 2 -> 1/2, c at rank 3 -> 2/3;
#     (1/2 + 2/3) / 3 = (7/6) / 3 = 7/18 = 0.38889

RANK_B = ["a", "b", "c"]
QRELS_B = {"a": 0, "b": 2, "c": 1, "d": 3, "e": -1}


def test_ndcg_graded_uses_the_judgement_as_gain():
    assert ndcg_at(RANK_B, QRELS_B, 10) == pytest.approx(0.36999, abs=1e-5)
    assert ndcg_at(RANK_B, QRELS_B, 1) == 0.0
    assert ndcg_at(RANK_B, QRELS_B, 2) == pytest.approx(0.29608, abs=1e-5)


def test_graded_ap_counts_every_positive_judgement_as_relevant():
    assert average_precision(RANK_B, QRELS_B) == pytest.approx(7 / 18)


def test_perfect_and_empty_rankings():
    perfect = ["d1", "d3", "d6"]
    scores = evaluate_query(perfect, QRELS_A)
    assert scores == {"map": 1.0, "ndcg@10": pytest.approx(1.0), "p@10": pytest.approx(0.3), "recall@100": 1.0}
    assert evaluate_query([], QRELS_A) == {m: 0.0 for m in METRICS}


def test_repeated_docid_counts_once_at_its_first_rank():
    # x d1 d1 d3: deduplicated to x d1 d3 -> d1 at rank 2 (1/2), d3 at rank 3 (2/3).
    # AP over {d1, d3} = (1/2 + 2/3) / 2 = 7/12
    ranking = ["x", "d1", "d1", "d3"]
    assert average_precision(ranking, {"d1": 1, "d3": 1}) == pytest.approx(7 / 12)
    assert precision_at(ranking, {"d1": 1, "d3": 1}, 3) == pytest.approx(2 / 3)


def test_recall_cut_at_k_ignores_later_ranks():
    # 101 documents, the only relevant one at rank 101: nothing within 100.
    ranking = [f"n{i}" for i in range(100)] + ["r"]
    assert recall_at(ranking, {"r": 1}, 100) == 0.0
    assert average_precision(ranking, {"r": 1}) == pytest.approx(1 / 101)


# --- metrics: several queries ---------------------------------------------------
#
# q1 = case A (AP 5/9), q2 = case B (AP 7/18), q3 has no relevant document
# (skipped), q4 is relevant-judged but absent from the run (all zeros),
# q9 is in the run but not in the qrels (skipped).
#   MAP = (5/9 + 7/18 + 0) / 3 = (10/18 + 7/18) / 3 = 17/54 = 0.31481
#   P@10 = (0.2 + 0.2 + 0) / 3 = 0.13333   (case B: b, c relevant in top 10 -> 2/10)
#   R@100 = (2/3 + 2/3 + 0) / 3 = 4/9      (case B: b, c of b, c, d)


def test_evaluate_and_mean_over_queries():
    run = {"q1": RANK_A, "q2": [(d, 1.0) for d in RANK_B], "q3": [("z", 1.0)], "q9": [("d1", 1.0)]}
    qrels = {"q1": QRELS_A, "q2": QRELS_B, "q3": {"z": 0}, "q4": {"y": 1}}
    per_query = evaluate(run, qrels)
    assert sorted(per_query) == ["q1", "q2", "q4"]
    assert per_query["q4"] == {m: 0.0 for m in METRICS}
    means = mean_scores(per_query)
    assert means["map"] == pytest.approx(17 / 54)
    assert means["p@10"] == pytest.approx(0.4 / 3)
    assert means["recall@100"] == pytest.approx(4 / 9)
    assert means["ndcg@10"] == pytest.approx((0.70392 + 0.36999) / 3, abs=1e-5)
    assert sorted(evaluate(run, qrels, qids=["q1", "q3"])) == ["q1"]
    assert mean_scores({}) == {m: 0.0 for m in METRICS}


# --- significance -------------------------------------------------------------


def test_randomization_test_exact_by_hand():
    # Three queries, each +1: of the 8 sign assignments only all-plus and
    # all-minus reach |mean| = 1, so p = 2/8.
    assert paired_randomization_test([0, 0, 0], [1, 1, 1]) == pytest.approx(0.25)
    # Differences +2 and -1 (observed mean 0.5): the four assignments give means
    # 0.5, -1.5, 1.5, -0.5, all at least 0.5 from zero, so p = 1.
    assert paired_randomization_test([0, 1], [2, 0]) == pytest.approx(1.0)
    # +3, +1, -1: |sum| 3 is reached by (+3 +1 -1), (+3 -1 +1), their mirrors,
    # and (+3 +1 +1) / (-3 -1 -1): 6 of 8.
    assert paired_randomization_test([0, 0, 1], [3, 1, 0]) == pytest.approx(6 / 8)
    assert paired_randomization_test([0.5, 0.2], [0.5, 0.2]) == 1.0
    assert paired_randomization_test([], []) == 1.0


def test_randomization_test_sampled_for_many_queries():
    base = [0.1 * (i % 7) for i in range(60)]
    better = [x + 0.05 for x in base]
    p = paired_randomization_test(base, better, trials=2000)
    assert 0 < p <= 1 / 1000  # every one of 60 queries better: no flip comes close
    noisy = [x + (0.05 if i % 2 else -0.05) for i, x in enumerate(base)]
    assert paired_randomization_test(base, noisy, trials=2000) > 0.5  # wins and losses cancel
    # symmetric and reproducible
    assert paired_randomization_test(better, base, trials=500) == paired_randomization_test(base, better, trials=500)
    with pytest.raises(ValueError):
        paired_randomization_test([1.0], [1.0, 2.0])


# --- TREC files -------------------------------------------------------------


def test_qrels_round_trip_and_comments(tmp_path):
    path = tmp_path / "qrels.txt"
    path.write_text("# comment\n\nq1 0 d1 1\nq1 0 d2 0\nq2 0 10 2\nq2 0 9 1\n", encoding="utf-8")
    qrels = read_qrels(path)
    assert qrels == {"q1": {"d1": 1, "d2": 0}, "q2": {"10": 2, "9": 1}}
    out = tmp_path / "out.txt"
    write_qrels(out, qrels)
    assert out.read_text().splitlines() == ["q1 0 d1 1", "q1 0 d2 0", "q2 0 9 1", "q2 0 10 2"]
    assert read_qrels(out) == qrels


def test_malformed_lines_are_errors(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("q1 d1 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.txt:1"):
        read_qrels(bad)
    with pytest.raises(ValueError, match="bad.txt:1"):
        read_run(bad)


def test_read_run_orders_like_trec_eval(tmp_path):
    # trec_eval ignores the rank column: score descending, ties by docid descending.
    path = tmp_path / "run.txt"
    path.write_text(
        "q1 Q0 a 1 1.5 t\nq1 Q0 b 2 2.0 t\nq1 Q0 c 3 1.5 t\nq2 Q0 x 1 -3 t\n", encoding="utf-8"
    )
    assert read_run(path) == {"q1": [("b", 2.0), ("c", 1.5), ("a", 1.5)], "q2": [("x", -3.0)]}


def test_write_run_keeps_the_given_order_through_trec_eval_sorting(tmp_path):
    # A re-ranked list (scores not in order), ties, and a duplicate.
    run = {"q1": [("a", 1.0), ("b", 5.0), ("c", 5.0), ("b", 9.0), ("d", 0.99999)], "q2": [("z", 2.0)]}
    path = tmp_path / "run.txt"
    write_run(path, run, tag="sk")
    lines = path.read_text().splitlines()
    assert lines[0] == "q1 Q0 a 1 1.0000 sk"
    # b must fall below a (1.0000 -> 0.9999), c below b, d (0.99999 ~ 1.0000) below c.
    assert lines[1:4] == ["q1 Q0 b 2 0.9999 sk", "q1 Q0 c 3 0.9998 sk", "q1 Q0 d 4 0.9997 sk"]
    assert lines[4] == "q2 Q0 z 1 2.0000 sk"
    back = read_run(path)
    assert [d for d, _ in back["q1"]] == ["a", "b", "c", "d"]
    # Strictly decreasing scores are written as they are.
    write_run(path, {"q": [("x", 3.25), ("y", -1.5)]})
    assert path.read_text().splitlines() == ["q Q0 x 1 3.2500 searchkit", "q Q0 y 2 -1.5000 searchkit"]


def test_read_queries(tmp_path):
    path = tmp_path / "queries.tsv"
    path.write_text("cocoa-short\tcocoa\n\n# note\ncocoa-nl\tcocoa prices: how high?\n", encoding="utf-8")
    assert read_queries(path) == {"cocoa-short": "cocoa", "cocoa-nl": "cocoa prices: how high?"}
    path.write_text("no tab here\n", encoding="utf-8")
    with pytest.raises(ValueError):
        read_queries(path)


# --- the Reuters SGML reader ---------------------------------------------------


def test_reuters_reader_parses_stories():
    from reuters import iter_reuters

    stories = {s["id"]: s for s in iter_reuters(REUTERS_FIXTURE)}
    assert list(stories) == ["11", "12", "13", "14"]
    first = stories["11"]
    assert first["title"] == "BAHIA COCOA REVIEW <BAH>"
    assert first["body"] == (
        "Showers continued in the Bahia cocoa zone,\n<Comissaria Smith> said & added prices rose.\n"
        "    Arrivals were 155,221 bags."
    )
    assert first["date"] == "1987-02-26T15:01:01"
    assert first["dateline"] == "SALVADOR, Feb 26"
    assert first["topics"] == ["cocoa", "money-supply"]
    assert first["places"] == ["el-salvador", "usa"]
    assert first["orgs"] == ["icco"] and first["people"] == []
    assert (first["lewissplit"], first["topics_attr"], first["text_type"]) == ("TEST", "YES", "NORM")


def test_reuters_reader_brief_unproc_and_messy_dates():
    from reuters import iter_reuters

    stories = {s["id"]: s for s in iter_reuters(REUTERS_FIXTURE)}
    brief = stories["12"]
    assert brief["title"] == "GHANA COCOA PURCHASES FALL" and brief["body"] == ""  # "Blah blah blah." dropped
    assert brief["date"] == "1987-03-03T00:43:42"  # leading spaces in <DATE>
    assert stories["13"]["date"] == "1987-03-03T09:15:05"  # two spaces before the time
    assert stories["13"]["body"].endswith("Federation said.")  # upper-case REUTER sign-off dropped
    unproc = stories["14"]
    assert unproc["title"] == "" and unproc["text_type"] == "UNPROC"
    assert unproc["body"].startswith("FEDERAL RESERVE WEEKLY REPORT - MARCH 4")
    assert (unproc["lewissplit"], unproc["topics_attr"], unproc["people"]) == ("TRAIN", "NO", ["james-baker"])
    for story in stories.values():
        text = story["title"] + story["body"]
        assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in text), story["id"]
        assert "&#" not in text and "&lt;" not in text


def test_reuters_reader_survives_a_non_utf8_byte(tmp_path):
    from reuters import iter_reuters

    raw = (REUTERS_FIXTURE / "reut2-000.sgm").read_bytes().replace(b"bags.", b"bags \xfcber.")
    (tmp_path / "reut2-000.sgm").write_bytes(raw)
    stories = {s["id"]: s for s in iter_reuters(tmp_path)}
    assert "bags \u00fcber." in stories["11"]["body"]
    assert len(stories) == 4


def test_reuters_cli_writes_jsonl_with_tags(tmp_path):
    from reuters import main

    out = tmp_path / "r.jsonl"
    assert main([str(REUTERS_FIXTURE), "--out", str(out), "--split", "TEST"]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["11", "12", "13"]
    assert records[0]["tags"] == ["cocoa", "money-supply"] and records[0]["date"] == "1987-02-26T15:01:01"
    assert "tags" in records[1] and "body" not in records[1]


# --- the collection builders ---------------------------------------------------


def test_reuters_collection_keeps_topics_out_of_the_documents(tmp_path):
    from make_reuters_collection import build

    out = tmp_path / "coll"
    counts = build(REUTERS_FIXTURE, out, "test", min_relevant=1)
    docs = [json.loads(line) for line in (out / "docs.jsonl").read_text().splitlines()]
    assert [d["id"] for d in docs] == ["11", "12", "13"]  # the ModApte test stories
    assert all(set(d) <= {"id", "title", "text"} for d in docs)
    assert docs[0]["text"].startswith("SALVADOR, Feb 26 - Showers continued")
    assert read_queries(out / "queries-short.tsv") == {"cocoa-short": "cocoa", "money-supply-short": "money supply"}
    nl = read_queries(out / "queries-nl.tsv")
    assert nl["money-supply-nl"] == "reports on changes in the money supply and monetary aggregates"
    assert len(read_queries(out / "queries.tsv")) == 4 == counts["queries"]
    qrels = read_qrels(out / "qrels.txt")
    assert qrels["cocoa-short"] == qrels["cocoa-nl"] == {"11": 1, "12": 1}
    assert qrels["money-supply-nl"] == {"11": 1}
    # A threshold of 2 keeps only cocoa.
    build(REUTERS_FIXTURE, out, "test", min_relevant=2)
    assert list(read_queries(out / "queries.tsv")) == ["cocoa-short", "cocoa-nl"]


def test_category_names_read_from_the_descriptions():
    from make_reuters_collection import category_names

    assert category_names(REUTERS_FIXTURE) == {
        "money-fx": "money foreign exchange",
        "money-supply": "money supply",
        "cocoa": "cocoa",
        "veg-oil": "vegetable oil",
    }


def test_entity_collection_uses_train_stories_and_entity_tags(tmp_path):
    from make_second_collection import build

    out = tmp_path / "ent"
    build(REUTERS_FIXTURE, out, min_relevant=1, max_share=1.0)
    docs = [json.loads(line) for line in (out / "docs.jsonl").read_text().splitlines()]
    assert [d["id"] for d in docs] == ["14"]
    assert set(docs[0]) == {"id", "text"}  # UNPROC: no title
    queries = read_queries(out / "queries.tsv")
    assert queries["place-japan-short"] == "japan"
    assert queries["person-james-baker-short"] == "james baker"
    assert "place-usa-short" not in queries  # no query text is written for usa
    assert read_qrels(out / "qrels.txt")["place-japan-nl"] == {"14": 1}


# --- the harness ------------------------------------------------------------------


def _fts5_available() -> bool:
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61')")
    except sqlite3.OperationalError:
        return False
    return True


@pytest.mark.skipif(not _fts5_available(), reason="this sqlite3 has no FTS5")
def test_fts5_baseline_ranks_by_bm25_and_survives_syntax():
    from eval_relevance import Fts5Baseline

    docs = [("1", "Cocoa prices", "Cocoa rose."), ("2", "Coffee", "Cocoa and coffee."), ("3", "Gold", "Gold fell.")]
    base = Fts5Baseline(docs, title_weight=2.0)
    assert base.match_expression('the "cocoa" AND NOT gold-price?') == '"cocoa" OR "gold" OR "price"'
    hits = base.search("cocoa prices", 10)
    assert [d for d, _ in hits] == ["1", "2"]
    assert hits[0][1] > hits[1][1] > 0
    assert base.search("the of and", 10) == []
    assert base.search('NEAR( "x" *', 10) == []
    base.close()


@pytest.mark.skipif(not _fts5_available(), reason="this sqlite3 has no FTS5")
def test_eval_relevance_end_to_end(tmp_path, capsys):
    from eval_relevance import main

    coll = tmp_path / "coll"
    coll.mkdir()
    docs = [
        {"id": "c1", "title": "Cocoa prices surge", "text": "Cocoa futures jumped in London."},
        {"id": "c2", "title": "Ivory Coast harvest", "text": "The cocoa harvest was poor this season."},
        {"id": "o1", "title": "Oil prices", "text": "Crude oil prices fell on supply news."},
        {"id": "g1", "title": "Gold steady", "text": "Gold was steady in quiet trade."},
    ]
    (coll / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    (coll / "queries.tsv").write_text(
        "cocoa-short\tcocoa\ncocoa-nl\twhat happened to cocoa prices\noil-short\tcrude oil\n", encoding="utf-8"
    )
    (coll / "qrels.txt").write_text("cocoa-short 0 c1 1\ncocoa-short 0 c2 1\ncocoa-nl 0 c1 1\ncocoa-nl 0 c2 1\n"
                                    "oil-short 0 o1 1\n", encoding="utf-8")
    runs = tmp_path / "runs"
    report = tmp_path / "report.json"
    assert main([str(coll), "--runs", str(runs), "--json", str(report), "--config", "sort=relevance",
                 "--peers", "fts5-and,fts5-or", "--per-query"]) == 0
    printed = capsys.readouterr().out
    assert "coll: 4 documents, 3 judged queries" in printed and "ms/query" in printed
    figures = json.loads(report.read_text())
    assert figures["config"] == {"sort": "relevance"}
    systems = figures["collections"]["coll"]
    for system in ("fts5-or", "searchkit-original"):  # the short queries: every relevant story first
        assert systems[system]["ap"]["cocoa-short"] == pytest.approx(1.0)
        assert systems[system]["ap"]["oil-short"] == pytest.approx(1.0)
    assert 0 < systems["fts5-or"]["metrics"]["map"] <= 1
    for system in ("searchkit-original", "searchkit-lower", "fts5-and", "fts5-or"):
        assert set(read_run(runs / "coll" / f"{system}.txt")) <= {"cocoa-short", "cocoa-nl", "oil-short"}
    assert set(read_run(runs / "coll" / "searchkit-original.txt")) == {"cocoa-short", "cocoa-nl", "oil-short"}
    # --queries nl runs only those; --index-root keeps the index and the next run reuses it
    root = tmp_path / "ix"
    assert main([str(coll), "--index-root", str(root), "--queries", "nl", "--peers", "fts5-or"]) == 0
    assert "1 judged queries" in capsys.readouterr().out
    assert main([str(coll), "--index-root", str(root), "--peers", "fts5-or"]) == 0
    assert "reused" in capsys.readouterr().err
    shutil.rmtree(root)


@pytest.mark.slow
def test_reuters_reader_on_the_real_corpus_when_present():
    from reuters import DEFAULT_FOLDER, is_modapte_test, iter_reuters

    if not list(DEFAULT_FOLDER.glob("reut2-*.sgm")):
        pytest.skip("Reuters-21578 is not at ../shared/corpora/reuters21578")
    stories = list(iter_reuters(DEFAULT_FOLDER))
    assert len(stories) == 21578 and len({s["id"] for s in stories}) == 21578
    assert sum(1 for s in stories if is_modapte_test(s)) == 3299
    assert all(s["date"] and s["date"].startswith("1987-") for s in stories)
