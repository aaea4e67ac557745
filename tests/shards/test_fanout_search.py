"""Shard-by-shard search (searchkit.shards.fanout/phases/tasks): threads and Dask tasks give what one index gives.

Every way of searching a sharded index -- the joined reader, one thread per
shard, one Dask task per shard on a LocalCluster of two worker processes --
must return, for the same documents, what an unsharded index returns: the
same page (ids, scores to 1e-9, order, snippets, copies), the same totals
(collapsed and not) and the same facet counts.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import searchkit
from searchkit.errors import QueryError, SearchkitError
from searchkit.shards.search import ShardedIndex

FIXTURES = Path(__file__).parent.parent / "fixtures"

QUERIES = [
    "money market",
    "oil prices",
    '"money market"',
    "stg*",
    "base rate cut",  # near-duplicate copies across shards: collapsed
    "shares rose sharply in active trading",  # long: feedback re-ranking, proximity
    "dollar -yen",
    "title:oil",  # filter only: ranked by the filter's words
    "national westminster bank",
    "(japan OR korea) trade",
    "zzqxv",  # no match
    '(japan OR "korea trade',  # malformed: read as plain words, as everywhere
    "AND -",  # nothing searchable
]

OPTIONS = [
    {},
    {"facets": ["tags", "year", "month", "source"]},
    {"collapse": False, "since": "1987-03-09", "until": "1987-03-09"},
    {"offset": 3, "limit": 5, "source": "Reuters"},
    {"where": {"tags": "crude"}, "facets": ["tags"]},
    {"limit": 0, "facets": ["year"]},  # counts only
    {"offset": 500},  # past the last match
]


def page(results) -> list[tuple]:
    return [(hit.rank, hit.id, hit.snippet, hit.snippet_parts, hit.copies, hit.cluster, hit.title, hit.date)
            for hit in results]


def assert_same(expected, got, label) -> None:
    assert page(got) == page(expected), label
    for a, b in zip(expected, got):
        assert abs(a.score - b.score) <= 1e-9, (label, a.id, a.score, b.score)
    assert got.total == expected.total and got.total_uncollapsed == expected.total_uncollapsed, label
    assert got.facets == expected.facets, label


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    """(unsharded, 4-shard) indexes over the fixture wires and the newsroom folders (8 copy clusters)."""
    tmp = tmp_path_factory.mktemp("fanout")
    root = tmp / "corpus"
    shutil.copytree(FIXTURES / "shards", root / "wires")
    shutil.copytree(FIXTURES / "newsroom", root / "newsroom")
    one = searchkit.Index(tmp / "plain")
    one.add(root)
    sharded = ShardedIndex.create(tmp / "s4", 4)
    sharded.add(root)
    assert min(sharded.shard_sizes()) > 0
    from searchkit.clusters import cluster_stats

    assert cluster_stats(one._searcher_now())["clusters"] >= 5  # collapse is exercised
    return one, sharded


def test_threads_equal_the_joined_reader_and_one_index(indexes):
    one, sharded = indexes
    assert sharded.fanout == "threads"  # the default for a local sharded index
    for text in QUERIES:
        for options in OPTIONS:
            expected = one.search(text, **options)
            joined = sharded.search(text, fanout="joined", **options)
            threads = sharded.search(text, fanout="threads", **options)
            assert_same(expected, joined, (text, options, "joined"))
            assert_same(expected, threads, (text, options, "threads"))
            assert threads.suggestion == expected.suggestion


def test_collapse_totals_and_copies_across_shards(indexes):
    one, sharded = indexes
    found = sharded.search("base rate cut", limit=20, fanout="threads")
    assert found.total < found.total_uncollapsed  # copies folded...
    assert any(hit.copies for hit in found)  # ...and counted, summed over the shards
    assert_same(one.search("base rate cut", limit=20), found, "collapse")


def test_fanout_runs_shard_by_shard(indexes, monkeypatch):
    """The fan-out path really is taken (not the joined reader), each shard runs each phase once,
    and the fetch phase reads stored fields only for the page's documents."""
    from searchkit.shards import phases

    _, sharded = indexes
    calls: dict[str, int] = {}
    fetched: list[int] = []
    for name in ("shard_dfs", "shard_query", "shard_fetch"):
        original = getattr(phases, name)

        def counting(*args, _name=name, _original=original):
            calls[_name] = calls.get(_name, 0) + 1
            if _name == "shard_fetch":
                fetched.extend(args[1])
            return _original(*args)

        monkeypatch.setattr(phases, name, counting)
    found = sharded.search("oil prices", limit=3, collapse=False, fanout="threads")
    assert calls["shard_dfs"] == 4 and calls["shard_query"] == 4
    assert len(fetched) == len(found) == 3  # stored fields and snippets of the page only
    calls.clear()
    sharded.search("oil prices", sort="-date", fanout="threads")  # the whole collection's order: joined
    long = "shares rose sharply in active trading"
    tiers = {"ranking": {"fb_mode": "tiers"}, "limit": 50}  # feedback that adds documents: joined
    assert_same(sharded.search(long, fanout="joined", **tiers), sharded.search(long, fanout="threads", **tiers), long)
    assert not calls


def test_filters_phrases_and_bad_queries(indexes):
    one, sharded = indexes
    for text, options in (('"money market" rates', {}), ("oil", {"author": "nobody-at-all"}),
                          ("oil", {"since": "2019"}), ("the", {}), ("", {"tags": "crude"})):
        assert_same(one.search(text, **options), sharded.search(text, fanout="threads", **options), text)
    with pytest.raises(QueryError):
        sharded.search("oil", since="not a date", fanout="threads")
    with pytest.raises(QueryError):
        sharded.search("oil", facets=["colour"], fanout="threads")
    with pytest.raises(TypeError):
        sharded.search("oil", colour="red", fanout="threads")
    with pytest.raises(SearchkitError):
        sharded.search("oil", fanout="carrier pigeon")


def test_statistics_missing_on_a_shard_are_gathered(indexes, monkeypatch):
    """A term whose statistics were not gathered first is asked for and the query rerun: never scored from 0."""
    from searchkit.shards import fanout, phases
    from searchkit.shards.phases import GatheredStats, MissingStatistic

    one, sharded = indexes
    rounds = []
    original = phases.shard_dfs

    def counting(searcher, terms, *args):
        rounds.append(len(terms))
        return original(searcher, terms, *args)

    monkeypatch.setattr(phases, "shard_dfs", counting)
    monkeypatch.setattr(fanout, "query_terms", lambda query: [])  # the dfs phase gathers no term
    for text in ("oil prices", "stg*", "title:oil"):
        rounds.clear()
        assert_same(one.search(text), sharded.search(text, fanout="threads"), text)
        assert rounds[:4] == [0] * 4 and len(rounds) > 4 and all(rounds[4:]), rounds  # a second round had them
    monkeypatch.undo()

    stats = GatheredStats([{"n": 3, "lengths": {"body": (30, True)}, "df": {("body", "oil"): 2}, "cf": {}}])
    assert stats.doc_frequency("body", "oil") == 2 and stats.avg_field_length("body") == 10.0
    with pytest.raises(MissingStatistic) as caught:
        stats.doc_frequency("body", "gas")
    assert caught.value.terms == [("body", "gas")]
    import pickle

    assert pickle.loads(pickle.dumps(caught.value)).terms == [("body", "gas")]  # travels back from a worker


def test_a_new_commit_is_searched(tmp_path):
    ix = ShardedIndex.create(tmp_path / "ix", 2)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("Oil\n\nOil prices rose.\n")
    ix.add(tmp_path / "a")
    assert [hit.id for hit in ix.search("oil")] == ["one.txt"]
    (tmp_path / "a" / "two.txt").write_text("Gas\n\nOil and gas prices fell.\n")
    searchkit.Index(tmp_path / "ix").add(tmp_path / "a")  # another handle commits
    assert sorted(hit.id for hit in ix.search("oil")) == ["one.txt", "two.txt"]


def sk(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "searchkit", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_query_with_an_unreachable_scheduler_is_one_line(indexes):
    one, sharded = indexes
    address = f"tcp://127.0.0.1:{_free_port()}"
    for index in (sharded.path, one.path):
        run = sk("query", "oil", "--index", str(index), "--scheduler", address,
                 env={"SEARCHKIT_SCHEDULER_TIMEOUT": "1"})
        assert run.returncode == 1 and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
        assert ("cannot reach the Dask scheduler" in run.stderr) == (index == sharded.path), run.stderr
    run = sk("serve", "--index", str(sharded.path), "--port", "0", "--scheduler", address,
             env={"SEARCHKIT_SCHEDULER_TIMEOUT": "1"})
    assert run.returncode == 1 and run.stderr.startswith("searchkit: cannot reach the Dask scheduler"), run.stderr


def test_a_scheduler_address_that_is_not_dask_is_one_line_within_the_timeout(indexes):
    """A live port where something else listens (a web server), and an address without a port: one line,
    exit 1, no traceback, no hang (a Dask Client used to wait for ever on the former)."""
    import http.server
    import threading
    import time

    import socketserver

    class Answers400(socketserver.BaseRequestHandler):  # a proxy that answers anything at once
        def handle(self):
            self.request.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    _, sharded = indexes
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = socketserver.TCPServer(("127.0.0.1", 0), Answers400)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        for address, expected in ((f"tcp://127.0.0.1:{server.server_address[1]}", "cannot reach the Dask scheduler"),
                                  (f"tcp://127.0.0.1:{proxy.server_address[1]}", "did not answer as a Dask scheduler"),
                                  ("nonsense-address", "is not a Dask scheduler address")):
            for args in (("query", "oil"), ("index", str(FIXTURES / "newsroom"))):
                started = time.monotonic()
                run = sk(*args, "--index", str(sharded.path), "--scheduler", address,
                         env={"SEARCHKIT_SCHEDULER_TIMEOUT": "1"})
                assert run.returncode == 1 and run.stderr.count("\n") == 1, run.stderr
                assert expected in run.stderr and "Traceback" not in run.stderr, run.stderr
                assert time.monotonic() - started < 30, "waited far past the scheduler timeout"
    finally:
        server.shutdown()
        proxy.shutdown()


def test_searching_never_imports_dask(indexes):
    _, sharded = indexes
    script = ("import sys, searchkit; ix = searchkit.Index(sys.argv[1]); ix.search('oil prices', facets=['tags']); "
              "print(any(m == 'distributed' or m.startswith(('distributed.', 'dask')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", script, str(sharded.path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- Dask ----------------------------------------------------------------------------

distributed = pytest.importorskip("distributed")


def test_dask_tasks_equal_one_index(indexes, cluster):
    one, sharded = indexes
    remote = searchkit.Index(sharded.path, scheduler=cluster.scheduler_address)
    assert remote.fanout == "dask"
    try:
        for text in QUERIES:
            for options in OPTIONS:
                assert_same(one.search(text, **options), remote.search(text, **options), (text, options, "dask"))
        with pytest.raises(QueryError):
            remote.search("oil", since="not a date")
        # what needs the whole collection runs on the joined reader, with the same answer
        assert_same(one.search("oil", sort="-date"), remote.search("oil", sort="-date"), "date sort")
    finally:
        remote.close()


def test_dask_workers_cache_open_shards(indexes, cluster):
    from searchkit.shards import tasks

    _, sharded = indexes
    remote = searchkit.Index(sharded.path, scheduler=cluster.scheduler_address)
    try:
        remote.connect()
        client = remote._client
        client.run(tasks._open.clear)
        for text in ("oil", "gas", "money market", "oil"):
            remote.search(text)
        opened = client.run(lambda: sorted(key[0] for key in tasks._open))  # {worker: open shard folders}
        folders = [folder for names in opened.values() for folder in names]
        shards = {str(p.resolve()) for p in sharded.shard_paths()}
        assert set(folders) == shards
        # 4 searches ran 3 task rounds over every shard; each worker kept what it opened (a task placed
        # on its shard's worker usually, on another when the scheduler moved it: allow_other_workers)
        assert all(len(names) == len(set(names)) for names in opened.values())
        assert len(folders) <= len(shards) * len(opened) < 3 * 4 * len(shards)
    finally:
        remote.close()


def test_cli_query_on_a_dask_cluster(indexes, cluster):
    one, sharded = indexes
    import json

    run = sk("query", "oil", "prices", "--json", "--facet", "tags", "--index", str(sharded.path),
             "--scheduler", cluster.scheduler_address)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    expected = one.search("oil prices", facets=["tags"]).to_dict()
    assert [(h["id"], h["score"], h["snippet"]) for h in got["hits"]] == \
        [(h["id"], h["score"], h["snippet"]) for h in expected["hits"]]
    assert got["total"] == expected["total"] and got["facets"] == expected["facets"]


def test_serve_api_on_a_dask_cluster(indexes, cluster):
    """The web API over an index searched by Dask tasks answers as over one index."""
    from starlette.testclient import TestClient

    from searchkit.web import create_app

    one, sharded = indexes
    remote = searchkit.Index(sharded.path, scheduler=cluster.scheduler_address)
    try:
        with TestClient(create_app(remote), base_url="http://127.0.0.1:8000") as client, \
                TestClient(create_app(one), base_url="http://127.0.0.1:8000") as plain:
            for params in ({"q": "base rate cut", "facet": "year"}, {"q": "oil", "sort": "-date"}):
                got = client.get("/api/search", params=params).json()
                want = plain.get("/api/search", params=params).json()
                assert [(h["id"], h["score"], h["snippet"]) for h in got["hits"]] == \
                    [(h["id"], h["score"], h["snippet"]) for h in want["hits"]]
                assert (got["total"], got["facets"]) == (want["total"], want["facets"])
    finally:
        remote.close()


def test_dask_tasks_placed_on_a_worker_per_shard_when_workers_are_known(tmp_path):
    """Shard i prefers worker i mod W; with no worker known yet (a starting cluster) the scheduler places it."""
    from searchkit.shards.tasks import DaskShards

    class FakeClient:
        def __init__(self, workers):
            self.workers, self.submitted = workers, []

        def scheduler_info(self):
            return {"workers": {address: {} for address in self.workers}}

        def submit(self, function, *args, **options):
            self.submitted.append(options)
            return len(self.submitted)

        def gather(self, futures):
            return list(futures)

    for workers in ([], ["tcp://b:1", "tcp://a:1"]):
        client = FakeClient(workers)
        shards = DaskShards(client, tmp_path, ["shard-000.g1", "shard-001.g1", "shard-002.g1"])
        assert shards.run("shard_dfs", {0: ([],), 1: ([],), 2: ([],)}) == {0: 1, 1: 2, 2: 3}
        if workers:
            assert [o["workers"] for o in client.submitted] == [["tcp://a:1"], ["tcp://b:1"], ["tcp://a:1"]]
            assert all(o["allow_other_workers"] for o in client.submitted)
        else:
            assert all("workers" not in o and "allow_other_workers" not in o for o in client.submitted)


def test_scheduler_or_fanout_on_an_unsharded_index_is_one_line_error(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Treaty talks\n\nThe security treaty was signed.\n", "utf-8")
    ix = searchkit.Index(tmp_path / "plain")
    ix.add(docs)
    assert ix.search("treaty").total == 1
    for kwargs in ({"scheduler": "tcp://127.0.0.1:1"}, {"fanout": "threads"}, {"fanout": "dask"}):
        with pytest.raises(SearchkitError, match="not sharded"):
            searchkit.Index(tmp_path / "plain", **kwargs)
    assert searchkit.Index(tmp_path / "plain", fanout="joined").search("treaty").total == ix.search("treaty").total
    with pytest.raises(SearchkitError, match="not sharded"):
        ix.search("treaty", fanout="threads")
    assert ix.search("treaty", fanout="joined").total == ix.search("treaty").total
