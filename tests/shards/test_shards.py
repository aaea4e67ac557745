"""Sharded indexes (searchkit.shards): routing, manifest commits, equality with one index, Dask builds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import searchkit
from searchkit.shards.build import write_shard
from searchkit.shards.manifest import MANIFEST_FILE, is_sharded, read_manifest
from searchkit.shards.routing import shard_of
from searchkit.shards.search import ShardedIndex

FIXTURES = Path(__file__).parent.parent / "fixtures"
WIRES = FIXTURES / "shards"
NEWSROOM = FIXTURES / "newsroom"

QUERIES = [
    "money market",
    "bank of england",
    "oil prices",
    '"money market"',
    "trade deficit japan",
    "stg*",
    "shares rose sharply in active trading",  # long: feedback re-ranking
    "dollar -yen",
    "title:oil",
    "interest rates cut by the central bank",
    "wheat",
    "net profit",
    "election",
    "(japan OR korea) trade",
]


def corpus(tmp_path: Path) -> Path:
    """A copy of the fixture corpus (160 Reuters wires as JSON Lines, the newsroom folders)."""
    root = tmp_path / "corpus"
    shutil.copytree(WIRES, root / "wires")
    shutil.copytree(NEWSROOM, root / "newsroom")
    return root


def top(ix, text: str, **options) -> list[tuple[str, float]]:
    return [(hit.id, hit.score) for hit in ix.search(text, limit=10, snippets=False, **options)]


def assert_same_ranking(expected, got, text: str) -> None:
    """Same ids in the same order and the same scores (to 1e-6): equal scores are ordered by
    document id on every layout (searchkit.ranking.ties), so the order is exact."""
    assert [doc_id for doc_id, _ in got] == [doc_id for doc_id, _ in expected], (text, expected, got)
    for (_, a), (_, b) in zip(expected, got):
        assert abs(a - b) <= 1e-6, (text, expected, got)


def build(tmp_path: Path, name: str, shards: int | None, **options) -> searchkit.Index:
    root = corpus(tmp_path) if not (tmp_path / "corpus").exists() else tmp_path / "corpus"
    path = tmp_path / name
    ix = ShardedIndex.create(path, shards) if shards else searchkit.Index(path)
    ix.add(root, **options)
    return ix


# --- routing ------------------------------------------------------------------

def test_routing_is_stable_across_processes_and_spread():
    ids = [f"doc-{n}" for n in range(2000)] + ["Łódź/001.txt", "a\udcffb", ""]
    here = [shard_of(i, 4) for i in ids]
    script = ("import json,sys; from searchkit.shards.routing import shard_of; "
              "ids = json.loads(sys.stdin.read()); print(json.dumps([shard_of(i, 4) for i in ids]))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script], input=json.dumps(ids), capture_output=True, text=True, env=env, check=True)
    assert json.loads(out.stdout) == here
    counts = [here.count(s) for s in range(4)]
    assert min(counts) > 400, counts  # about 500 each
    assert all(shard_of(i, 1) == 0 for i in ids[:50])
    with pytest.raises(ValueError):
        shard_of("x", 0)


def test_documents_live_in_their_routed_shard(tmp_path):
    ix = build(tmp_path, "ix4", 4)
    assert ix.shards == 4 and sum(ix.shard_sizes()) == len(ix) > 100
    for shard, folder in enumerate(ix.shard_paths()):
        plain = searchkit.Index(folder, create=False)  # each shard is a normal index
        assert type(plain) is searchkit.Index
        reader = plain._searcher_now().reader()
        for stored in reader.all_stored_fields():
            assert shard_of(stored["id"], 4) == shard
        plain.close()


# --- equality with one index ------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shards")
    one = build(tmp, "plain", None)
    s1 = build(tmp, "s1", 1)
    s4 = build(tmp, "s4", 4)
    return tmp, one, s1, s4


@pytest.mark.parametrize("text", QUERIES)
def test_sharded_scores_equal_one_index(built, text):
    _, one, s1, s4 = built
    expected = top(one, text)
    assert expected or text in ("election",), text  # the queries do find documents
    for ix in (s1, s4):
        assert_same_ranking(expected, top(ix, text), text)
        assert_same_ranking(top(one, text, collapse=False), top(ix, text, collapse=False), text)


@pytest.mark.parametrize("text", QUERIES)
def test_fanout_ranking_equals_one_index(built, text):
    """Shards ranked apart (one thread each) with the summed statistics, pools merged, re-ranked once."""
    from searchkit.shards.fanout import fanout_ranking

    _, one, s1, s4 = built
    expected = top(one, text, collapse=False)
    for ix in (s1, s4):
        assert_same_ranking(expected, fanout_ranking(ix, text, 10), text)
    assert_same_ranking(top(one, text, collapse=False, since="1987-03-09"),
                        fanout_ranking(s4, text, 10, since="1987-03-09"), text)


def test_summed_statistics_are_the_collection_s(built):
    from searchkit.ranking.stats import SearcherStats
    from searchkit.shards.fanout import SummedStats

    _, one, _, s4 = built
    s4._searcher_now()
    summed, whole = SummedStats(s4._readers), SearcherStats(one._searcher_now())
    assert summed.doc_count() == whole.doc_count() > 100
    for field in ("title", "body", "tags"):
        assert summed.field_length(field) == whole.field_length(field)
        assert abs(summed.avg_field_length(field) - whole.avg_field_length(field)) < 1e-9
    for term in ("market", "oil", "=money"):
        assert summed.doc_frequency("body", term) == whole.doc_frequency("body", term)
        assert summed.frequency("body", term) == whole.frequency("body", term)


def test_totals_facets_and_filters_equal_one_index(built):
    _, one, _, s4 = built
    for text in ("market", "*", "oil OR dollar"):
        a = one.search(text, facets=["tags", "source", "year", "month", "folder"], facet_size=20, snippets=False)
        b = s4.search(text, facets=["tags", "source", "year", "month", "folder"], facet_size=20, snippets=False)
        assert (a.total, a.total_uncollapsed, a.facets) == (b.total, b.total_uncollapsed, b.facets)
        assert a.total > 0
    a = one.search("market", sort="-date", limit=20, snippets=False)
    b = s4.search("market", sort="-date", limit=20, snippets=False)
    assert [h.date for h in a] == [h.date for h in b]
    a = one.search("market", where={"folder": "business"}, snippets=False)
    b = s4.search("market", where={"folder": "business"}, snippets=False)
    assert sorted(h.id for h in a) == sorted(h.id for h in b)
    hits = s4.search("money market", limit=3)
    assert hits and all("**" in h.snippet for h in hits)  # snippets for the final page


def test_library_api_on_a_sharded_index(built):
    _, one, _, s4 = built
    assert isinstance(searchkit.Index(s4.path), ShardedIndex)
    assert len(one) == len(s4)
    some = next(iter(one.search("money market", limit=1)))
    assert s4.get(some.id).body == one.get(some.id).body
    assert some.id in s4 and "no-such-id" not in s4
    assert sorted(s4.ids_from_path(some.path)) == sorted(one.ids_from_path(some.path))  # shard order
    assert sorted(s4.matching_ids(query="oil")) == sorted(one.matching_ids(query="oil"))
    st1, st4 = one.stats(), s4.stats()
    for key in ("documents", "fields", "date_range", "clusters", "documents_in_clusters"):
        assert st1[key] == st4[key], key
    assert st4["shards"] == 4
    assert [(h.id, round(h.score, 6)) for h in one.similar(some.id)] == \
        [(h.id, round(h.score, 6)) for h in s4.similar(some.id)]
    copies = [h for h in one.search("*", collapse=True, limit=200, snippets=False) if h.copies]
    assert copies, "the newsroom fixture has copies"
    assert sorted(h.id for h in one.copies(copies[0].id)) == sorted(h.id for h in s4.copies(copies[0].id))
    assert one.timeline("market").counts == s4.timeline("market").counts


def test_searching_a_sharded_index_never_imports_dask(built):
    _, _, _, s4 = built
    script = ("import sys, searchkit; ix = searchkit.Index(sys.argv[1]); assert ix.search('oil'); "
              "print(sorted(m for m in ('dask', 'distributed', 'datasketch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", script, str(s4.path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_serve_on_a_sharded_index(built):
    from starlette.testclient import TestClient

    from searchkit.web import create_app

    _, one, _, s4 = built
    with TestClient(create_app(str(s4.path)), base_url="http://127.0.0.1:8000") as client, \
            TestClient(create_app(one), base_url="http://127.0.0.1:8000") as plain:
        got = client.get("/api/search", params={"q": "money market", "facet": "tags"}).json()
        want = plain.get("/api/search", params={"q": "money market", "facet": "tags"}).json()
        assert [h["score"] for h in got["hits"]] == [h["score"] for h in want["hits"]]
        assert (got["total"], got["facets"]) == (want["total"], want["facets"])
        assert client.get(f"/api/doc/{got['hits'][0]['id']}").json()["id"] == got["hits"][0]["id"]
        assert client.get("/api/stats").json()["shards"] == 4
        assert client.get("/", params={"q": "oil"}).status_code == 200


# --- atomicity -------------------------------------------------------------------

def _state(ix) -> list:
    return [top(ix, text) for text in QUERIES[:5]] + [len(ix)]


def test_a_failed_shard_job_leaves_the_index_whole(tmp_path, monkeypatch):
    ix = build(tmp_path, "ix", 4)
    before, manifest = _state(ix), (ix.path / MANIFEST_FILE).read_bytes()
    (tmp_path / "corpus" / "wires" / "more.jsonl").write_text(
        "".join(json.dumps({"id": f"extra-{n}", "title": f"money market {n}", "body": "money " * n}) + "\n"
                for n in range(1, 40)))
    calls = []

    def failing(job):
        calls.append(job["shard"])
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return write_shard(job)

    monkeypatch.setattr("searchkit.shards.build.write_shard", failing)
    with pytest.raises(OSError):
        ix.add(tmp_path / "corpus")
    assert (ix.path / MANIFEST_FILE).read_bytes() == manifest
    assert _state(searchkit.Index(ix.path)) == before
    monkeypatch.undo()
    summary = ix.add(tmp_path / "corpus")  # the next run does the work and sweeps the orphans
    assert summary.added == 39
    names = {p.name for p in ix.path.iterdir() if p.is_dir()}
    assert names == set(read_manifest(ix.path).dirs)


def test_a_killed_run_leaves_the_index_whole(tmp_path):
    ix = build(tmp_path, "ix", 3)
    before = _state(ix)
    (tmp_path / "corpus" / "wires" / "3001.json").write_text(json.dumps({"id": "late", "title": "oil prices"}))
    env = {**os.environ, "SEARCHKIT_TEST_KILL_SHARD_JOB": f"always:{tmp_path / 'marker'}"}
    run = subprocess.run([sys.executable, "-m", "searchkit", "index", str(tmp_path / "corpus"),
                          "--index", str(ix.path)], capture_output=True, text=True, env=env)
    assert run.returncode == 9 and (tmp_path / "marker").exists()  # killed while writing a shard
    again = searchkit.Index(ix.path)
    assert _state(again) == before and "late" not in again
    assert ix.add(tmp_path / "corpus").added == 1
    assert "late" in searchkit.Index(ix.path)


def test_old_generation_files_are_never_modified(tmp_path):
    ix = build(tmp_path, "ix", 2)
    old = {p: p.read_bytes() for d in ix.shard_paths() for p in d.iterdir() if p.name.startswith(("MAIN", "_MAIN"))}
    keep = tmp_path / "keep"
    keep.mkdir()
    for n, p in enumerate(old):  # hard links: they outlive the sweep of the old folders
        os.link(p, keep / f"{n}")
    (tmp_path / "corpus" / "wires" / "wires.jsonl").unlink()  # every wire removed
    assert ix.remove_many(["no-such"]) == 0
    assert ix.add(tmp_path / "corpus").removed == 160
    for n, (p, data) in enumerate(old.items()):
        assert (keep / f"{n}").read_bytes() == data


# --- incremental runs ---------------------------------------------------------------

def test_incremental_runs_match_one_index(tmp_path):
    root = corpus(tmp_path)
    one, s4 = searchkit.Index(tmp_path / "one"), ShardedIndex.create(tmp_path / "s4", 4)
    assert str(one.add(root)) == str(s4.add(root))
    wires = root / "wires" / "wires.jsonl"
    lines = wires.read_text().splitlines()
    changed = json.loads(lines[0])
    changed["title"] = "Oil prices soar on money market news"
    lines = [json.dumps(changed)] + lines[1:100]  # one changed, 60 removed
    wires.write_text("\n".join(lines) + "\n")
    shutil.rmtree(root / "newsroom" / "sport")
    (root / "extra.txt").write_text("Oil prices\n\nOil prices rose on the money market today.\n")
    a, b = one.add(root), s4.add(root)
    assert (a.added, a.updated, a.removed, a.unchanged) == (b.added, b.updated, b.removed, b.unchanged)
    assert a.updated >= 1 and a.removed >= 60 and a.added == 1
    assert len(one) == len(s4)
    for text in QUERIES:
        assert_same_ranking(top(one, text), top(s4, text), text)
    assert s4.get(changed["id"]).title == changed["title"]
    assert s4.remove("extra.txt") and one.remove("extra.txt") and "extra.txt" not in s4
    assert str(one.add(root)) == str(s4.add(root))  # as unsharded: the file's document comes back
    assert "extra.txt" in s4 and len(one) == len(s4)


# --- the command line --------------------------------------------------------------

def sk(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "searchkit", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_cli_on_a_sharded_index(tmp_path):
    root = corpus(tmp_path)
    ix = str(tmp_path / "ix")
    run = sk("index", str(root), "--index", ix, "--shards", "3", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["added"] > 100 and is_sharded(ix)
    plain = str(tmp_path / "plain")
    assert sk("index", str(root), "--index", plain).returncode == 0
    q = [json.loads(sk("query", "money", "market", "--json", "--index", i, "--facet", "tags").stdout)
         for i in (ix, plain)]
    assert [(h["id"], h["score"]) for h in q[0]["hits"]] == [(h["id"], h["score"]) for h in q[1]["hits"]] or \
        [h["score"] for h in q[0]["hits"]] == [h["score"] for h in q[1]["hits"]]
    assert q[0]["facets"] == q[1]["facets"] and q[0]["total"] == q[1]["total"]
    doc_id = q[0]["hits"][0]["id"]
    assert json.loads(sk("show", doc_id, "--json", "--index", ix).stdout)["id"] == doc_id
    stats = json.loads(sk("stats", "--json", "--index", ix).stdout)
    assert stats["shards"] == 3 and stats["documents"] == json.loads(sk("stats", "--json", "--index", plain).stdout)["documents"]
    assert "shards:       3" in sk("stats", "--index", ix).stdout
    assert sk("remove", doc_id, "--index", ix).returncode == 0
    assert sk("show", doc_id, "--index", ix).returncode == 1
    assert sk("similar", q[0]["hits"][1]["id"], "--index", ix).returncode == 0
    # --shards on an unsharded index, or another count: one line, exit 1
    for args in (("--index", plain, "--shards", "2"), ("--index", ix, "--shards", "5")):
        run = sk("index", str(root), *args)
        assert run.returncode == 1 and run.stderr.count("\n") == 1 and "shard" in run.stderr, run.stderr
    run = sk("index", str(root), "--index", plain, "--workers", "2")
    assert run.returncode == 1 and "--shards" in run.stderr
    # re-sharding is a rebuild
    run = sk("index", str(root), "--index", ix, "--shards", "5", "--rebuild")
    assert run.returncode == 0, run.stderr
    assert read_manifest(ix).shards == 5 and len({p.name for p in Path(ix).iterdir() if p.is_dir()}) == 5


def test_unreachable_scheduler_is_one_line(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = corpus(tmp_path)
    ix = str(tmp_path / "ix")
    for args, env in ((("--scheduler", f"tcp://127.0.0.1:{port}", "--shards", "2"), {}),
                      (("--shards", "2"), {"SEARCHKIT_SCHEDULER": f"tcp://127.0.0.1:{port}"})):
        run = sk("index", str(root), "--index", ix, *args, env={"SEARCHKIT_SCHEDULER_TIMEOUT": "1", **env})
        assert run.returncode == 1, run.stderr
        assert run.stderr.startswith("searchkit: cannot reach the Dask scheduler") and run.stderr.count("\n") == 1
        assert "Traceback" not in run.stderr
    assert len(searchkit.Index(ix)) == 0  # nothing was indexed


# --- Dask ----------------------------------------------------------------------------

distributed = pytest.importorskip("distributed")


def test_dask_build_equals_one_index(built, threads_cluster, tmp_path):
    tmp, one, _, _ = built
    ix = ShardedIndex.create(tmp_path / "dask4", 4)
    summary = ix.add(tmp / "corpus", scheduler=threads_cluster.scheduler_address)
    assert summary.added == len(one)
    for text in QUERIES:
        assert_same_ranking(top(one, text), top(ix, text), text)
    # incremental, through Dask too
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "a.txt").write_text("Oil prices\n\nOil prices fell on the money market.\n")
    assert ix.add(tmp_path / "more", scheduler=threads_cluster.scheduler_address).added == 1
    assert "a.txt" in ix and ix.search("oil prices")[0].id in {h.id for h in ix.search("oil prices")}


@pytest.mark.slow
def test_killed_dask_worker_is_retried_or_fails_in_one_line(tmp_path):
    """A worker process killed while writing a shard: the scheduler retries the task on a new
    worker (the run succeeds); when it dies every time, the run fails in one line, index whole."""
    root = corpus(tmp_path)
    ix = str(tmp_path / "ix")
    marker = tmp_path / "killed-once"
    run = sk("index", str(root), "--index", ix, "--shards", "2", "--workers", "1",
             env={"SEARCHKIT_TEST_KILL_SHARD_JOB": str(marker)})
    assert run.returncode == 0, run.stderr
    assert marker.exists()  # one attempt died
    plain = searchkit.Index(tmp_path / "plain")
    plain.add(root)
    assert len(searchkit.Index(ix)) == len(plain)  # nothing lost nor doubled by the retry
    before = _state(searchkit.Index(ix))
    (root / "wires" / "late.json").write_text(json.dumps({"id": "late", "title": "oil"}))
    run = sk("index", str(root), "--index", ix, "--workers", "1",
             env={"SEARCHKIT_TEST_KILL_SHARD_JOB": f"always:{marker}",
                  "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"})
    assert run.returncode == 1
    lines = [line for line in run.stderr.splitlines() if line.startswith("searchkit:")]
    assert len(lines) == 1 and "died" in lines[0] and "index is as it was" in lines[0], run.stderr
    assert "Traceback" not in run.stderr
    after = searchkit.Index(ix)
    assert _state(after) == before and "late" not in after


def test_ctrl_c_during_a_dask_build_is_one_line_and_keeps_the_index(tmp_path):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) while Dask workers read
    the files: the coordinator says so in one line, exit 130; the workers print nothing; the index
    is as it was."""
    import signal
    import time

    root = corpus(tmp_path)
    ix = str(tmp_path / "ix")
    assert sk("index", str(root / "newsroom"), "--index", ix, "--shards", "2").returncode == 0
    before = _state(searchkit.Index(ix))
    marker = tmp_path / "stalled"
    proc = subprocess.Popen([sys.executable, "-m", "searchkit", "index", str(root), "--index", ix, "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            # as from a terminal: a suite started in the background (`pytest &`) has SIGINT
                            # ignored, and a child would keep that
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            env={**os.environ, "SEARCHKIT_TEST_KILL_READ_TASK": f"stall:{marker}",
                                 "PYTHONFAULTHANDLER": "1"})
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists(), proc.communicate()  # a read task is running on a worker
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:  # where it waits: every thread's stack, from faulthandler
            proc.send_signal(signal.SIGABRT)
            pytest.fail("still running 90 s after Ctrl-C:\n" + proc.communicate(timeout=30)[1][-8000:])
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines()[-1].startswith("searchkit: interrupted"), err
    assert _state(searchkit.Index(ix)) == before


def test_an_older_sharded_index_is_refused_then_rebuilt_in_place(tmp_path):
    import json

    from searchkit.errors import IndexVersionError
    from searchkit.schema import SCHEMA_VERSION

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Oil prices rose.")
    (docs / "b.txt").write_text("Gold fell.")
    ix = ShardedIndex.create(tmp_path / "ix", 2)
    ix.add(docs)
    ix.close()
    manifest = tmp_path / "ix" / "shards.json"
    old = {**json.loads(manifest.read_text()), "schema_version": SCHEMA_VERSION - 1}
    manifest.write_text(json.dumps(old))
    with pytest.raises(IndexVersionError, match=r"searchkit index PATH\.\.\. --index .* --rebuild"):
        searchkit.Index(tmp_path / "ix")
    (docs / "c.txt").write_text("Silver too.")
    with pytest.raises(IndexVersionError):  # adding to it would mix two analyses
        ShardedIndex.for_run(tmp_path / "ix")[0].add(docs)
    with pytest.raises(IndexVersionError):  # the library call under the run, too
        from searchkit.shards.build import build_sharded

        build_sharded(tmp_path / "ix", [docs])
    assert json.loads(manifest.read_text()) == old  # untouched
    for shards in (None, 3):  # what `searchkit index DOCS --index IX --rebuild [--shards 3]` does
        rebuilding, options = ShardedIndex.for_run(tmp_path / "ix", rebuild=True, shards=shards)
        with pytest.raises(IndexVersionError):  # opened to be rebuilt, not to be searched
            rebuilding.search("oil")
        rebuilding.add(docs, rebuild=True, **options)
        assert json.loads(manifest.read_text())["schema_version"] == SCHEMA_VERSION
        reopened = searchkit.Index(tmp_path / "ix")
        assert len(reopened) == 3 and [h.id for h in reopened.search("silver")] == ["c.txt"]
        assert reopened.shards == (shards or 2)
        reopened.close()
        manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "schema_version": SCHEMA_VERSION - 1}))
