#!/usr/bin/env python3
"""Per-query latency of a sharded index's three ways of searching: joined reader, threads, Dask tasks.

    python scripts/bench_fanout.py --index DIR [--corpus DIR] [--shards 4] [--queries 100]
                                   [--workers 2] [--rounds 1] [--overhead-tasks 200]

Builds ``--index`` from ``--corpus`` (Reuters-21578 in ``../shared/corpora/reuters21578``
by default) with ``--shards`` shards when it holds no index yet, then asks
``--queries`` queries of 1-4 headline words (the fixed-seed generator of
``scripts/shard_equality.py``) three ways -- the joined reader, one thread
per shard, one Dask task per shard on a LocalCluster of ``--workers``
single-threaded worker processes -- in turn for each query (so noise
spreads over all three), with the query command's defaults (top 10,
collapsed, snippets; no spelling suggestion).  Every page must be the same
three ways (ids, scores to 1e-9, totals): the script says how many differ.
Prints one JSON line per way (p50, p95, mean in ms of wall time; p50 and
mean of this process's CPU time, steadier on a shared machine, though for
Dask it leaves out the workers' share) and one for the Dask
round trip of an empty task (p50, p95), the cost each of a query's three
phases (dfs, query, fetch) pays on top of its work.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(name: str, times: list[float], cpu: list[float] | None = None) -> dict:
    out = {"way": name, "queries": len(times), "p50_ms": round(percentile(times, 0.5), 2),
           "p95_ms": round(percentile(times, 0.95), 2), "mean_ms": round(statistics.mean(times), 2)}
    if cpu:
        out.update({"cpu_p50_ms": round(percentile(cpu, 0.5), 2), "cpu_mean_ms": round(statistics.mean(cpu), 2)})
    return out


def page(results) -> tuple:
    return ([(hit.id, hit.rank) for hit in results], [hit.score for hit in results], results.total,
            results.total_uncollapsed)


def same(a, b) -> bool:
    return a[0] == b[0] and a[2:] == b[2:] and all(abs(x - y) <= 1e-9 for x, y in zip(a[1], b[1]))


def _noop() -> int:
    return 0


def main() -> None:
    from shard_equality import REUTERS, make_queries

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=REUTERS)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1, help="times each query is asked each way")
    parser.add_argument("--overhead-tasks", type=int, default=200)
    args = parser.parse_args()

    import searchkit
    from distributed import Client, LocalCluster
    from searchkit.shards.manifest import is_sharded
    from searchkit.shards.search import ShardedIndex

    if not is_sharded(args.index):
        started = time.perf_counter()
        ShardedIndex.create(args.index, args.shards).add(args.corpus)
        print(json.dumps({"built": str(args.index), "seconds": round(time.perf_counter() - started, 1)}))
    ix = searchkit.Index(args.index)
    reader = ix._searcher_now().reader()
    titles = [stored.get("title") or "" for stored in reader.all_stored_fields()]
    queries = make_queries([t for t in titles if t], args.queries)

    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
    remote = searchkit.Index(args.index, scheduler=cluster.scheduler_address)
    ways = {"joined": lambda q: ix.search(q, fanout="joined", suggest=False),
            "threads": lambda q: ix.search(q, fanout="threads", suggest=False),
            "dask": lambda q: remote.search(q, suggest=False)}
    for text in queries[:10]:  # warm-up: shards opened (on the workers too), caches filled
        for run in ways.values():
            run(text)
    times: dict[str, list[float]] = {name: [] for name in ways}
    cpu: dict[str, list[float]] = {name: [] for name in ways}  # this process's CPU (not the Dask workers')
    differ = 0
    for _ in range(args.rounds):
        for text in queries:
            pages = {}
            for name, run in ways.items():
                started, used = time.perf_counter(), time.process_time()
                found = run(text)
                _ = found.total, found.total_uncollapsed
                times[name].append((time.perf_counter() - started) * 1000)
                cpu[name].append((time.process_time() - used) * 1000)
                pages[name] = page(found)
            differ += not (same(pages["joined"], pages["threads"]) and same(pages["joined"], pages["dask"]))
    print(json.dumps({"index": str(args.index), "documents": len(ix), "shards": ix.shards,
                      "dask_workers": args.workers, "pages_differing": differ}))
    for name, values in times.items():
        print(json.dumps(summary(name, values, cpu[name])))
    client = Client(cluster.scheduler_address, set_as_default=False)
    trips = []
    for _ in range(args.overhead_tasks):
        started = time.perf_counter()
        client.submit(_noop, pure=False).result()
        trips.append((time.perf_counter() - started) * 1000)
    print(json.dumps({"dask_empty_task_round_trip": summary("empty task", trips),
                      "phases_per_query": 3}))
    client.close()
    remote.close()
    cluster.close()


if __name__ == "__main__":
    main()
