#!/usr/bin/env python3
"""Sharded indexes on a real corpus: equality of rankings, build time per Dask workers, Dask overhead.

    python scripts/shard_equality.py [--corpus DIR] [--scale 1] [--queries 200] [--shards 4]
                                     [--workers 1,2,4] [--work DIR] [--overhead-tasks 200] [--builds-only]

Builds, from the corpus (Reuters-21578 in ``../shared/corpora/reuters21578``
by default; ``--scale K`` > 1 writes K copies of its records as JSON Lines
with ids ``<id>~<copy>``), a sharded index of 1 shard and one of
``--shards`` shards in this process, then one of ``--shards`` shards on a
Dask LocalCluster for each number of ``--workers`` (single-threaded worker
processes).  It asks every index ``--queries`` queries of 1-4 headline words
(fixed seed) and compares each index's top 10 with the 1-shard index's:
the same ids in the same order and the same scores to 1e-6 (documents of
equal score may come in another order: they are compared as a set, the
last tie of the page as a subset; ``identical_order_exactly`` counts the
pages equal id for id, the order ties by document id give).  Prints one JSON line per build (seconds,
its phases: route = walk and hash (plan), read tasks and the coordinator's
replay of their results (ids, clusters, spools to the shards); write = the
shard jobs, cluster start included; coordinator_s = the coordinator's own
work, task_s = the tasks' (read tasks and shard jobs)) and per comparison,
then the Dask round-trip cost of ``--overhead-tasks`` empty tasks.
``--builds-only``: just the ``--shards`` builds and their timings.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SEED = 17
REUTERS = REPO.parent.parent / "shared" / "corpora" / "reuters21578"
if not REUTERS.exists():
    REUTERS = REPO.parent / "shared" / "corpora" / "reuters21578"
STOP = frozenset("the and for with from that this said its are was has have will not but over into after "
                 "says say new".split())


def records_of(corpus: Path) -> list[dict]:
    import searchkit

    return [{"id": d.id, "title": d.title, "body": d.body, "date": d.date, "tags": list(d.tags),
             "source": d.source, "dateline": d.dateline} for d in searchkit.extract(corpus) if hasattr(d, "body")]


def scaled_corpus(corpus: Path, scale: int, work: Path) -> Path:
    if scale == 1:
        return corpus
    folder = work / f"corpus-x{scale}"
    if folder.exists():
        return folder
    folder.mkdir(parents=True)
    records = records_of(corpus)
    for copy in range(scale):
        with open(folder / f"copy-{copy:03d}.jsonl", "w", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps({**record, "id": f"{record['id']}~{copy}"}, ensure_ascii=False) + "\n")
    return folder


def make_queries(titles: list[str], n: int) -> list[str]:
    rng = random.Random(SEED)
    queries: list[str] = []
    while len(queries) < n:
        words = [w for w in re.findall(r"[a-z]+", rng.choice(titles).lower()) if len(w) > 2 and w not in STOP]
        if not words:
            continue
        k = min(len(words), rng.choice((1, 2, 2, 3, 4)))
        start = rng.randrange(len(words) - k + 1)
        queries.append(" ".join(words[start:start + k]))
    return queries


def build(corpus: Path, path: Path, shards: int, workers: int | None = None) -> dict:
    from searchkit.shards.build import build_sharded
    from searchkit.shards.search import ShardedIndex

    shutil.rmtree(path, ignore_errors=True)
    ShardedIndex.create(path, shards)
    timings: dict = {}
    started = time.perf_counter()
    summary = build_sharded(path, [corpus], workers=workers, timings=timings)
    seconds = time.perf_counter() - started
    jobs = timings.get("jobs", [])
    reads = timings.get("read_tasks", [])
    start = timings["start"]
    row = {"build": path.name, "shards": shards, "workers": workers or 0, "documents": summary.added,
           "seconds": round(seconds, 2),
           "route_s": round(timings["route"] - start, 2),
           "write_s": round(timings["write"] - timings["route"], 2),
           "commit_s": round(timings["commit"] - timings["write"], 2),
           "job_s": [round(j["seconds"], 2) for j in jobs],
           "worker_processes": len({j["worker"] for j in jobs})}
    commit = timings["commit"] - timings["write"]
    if "plan" in timings:  # read tasks: the coordinator walks and hashes, then replays their results
        plan, submit = timings["plan"] - start, timings["submit"] - timings["plan"]
        replay = timings["route"] - timings["submit"]
        coordinator = plan + replay - timings["read_wait"] + commit
        row.update({"plan_s": round(plan, 2), "cluster_start_s": round(submit, 2),
                    "replay_s": round(replay, 2), "read_wait_s": round(timings["read_wait"], 2),
                    "read_tasks": len(reads), "read_task_s": round(sum(r["seconds"] for r in reads), 2),
                    "read_task_max_s": round(max((r["seconds"] for r in reads), default=0.0), 2)})
    else:  # before read tasks: the route phase was the coordinator's
        coordinator = timings["route"] - start + commit
    row["coordinator_s"] = round(coordinator, 2)
    row["coordinator_share"] = round(coordinator / seconds, 3)
    row["task_s"] = round(sum(j["seconds"] for j in jobs) + sum(r["seconds"] for r in reads), 2)
    return row


def top(ix, text: str) -> list[tuple[str, float]]:
    return [(h.id, h.score) for h in ix.search(text, limit=10, snippets=False, suggest=False)]


def same(expected, got) -> tuple[bool, float]:
    """(identical under the tie rule, max score difference)."""
    if len(expected) != len(got):
        return False, float("inf")
    diff = max((abs(a[1] - b[1]) for a, b in zip(expected, got)), default=0.0)
    if diff > 1e-6:
        return False, diff
    if [i for i, _ in expected] == [i for i, _ in got]:
        return True, diff

    def groups(hits):
        out: dict[float, set] = {}
        for doc_id, score in hits:
            out.setdefault(round(score, 6), set()).add(doc_id)
        return out

    last = round(expected[-1][1], 6)
    a, b = groups(expected), groups(got)
    return all(b.get(s) == ids for s, ids in a.items() if s != last), diff


def story(doc_id: str) -> str:
    """The original id of a record of a ``--scale`` copy (``<id>~<copy>``)."""
    return doc_id.rsplit("~", 1)[0]


def compare(reference, other, queries: list[str]) -> dict:
    """Counts of queries whose top 10 are identical (tie rule), in exactly the same order, with the
    same 10 scores (to 1e-6), and the same stories (copies of a ``--scale`` corpus taken as one)."""
    from searchkit.ranking import ties

    identical, worst, ordered, scores, stories, differ = 0, 0.0, 0, 0, 0, []
    ids_before, matches = ties.ids_read, 0
    for text in queries:
        matches += reference.search(text, limit=10, snippets=False, suggest=False).total
        a, b = top(reference, text), top(other, text)
        ok, diff = same(a, b)
        identical += ok
        ordered += [i for i, _ in a] == [i for i, _ in b]
        scores += len(a) == len(b) and diff <= 1e-6
        stories += same([(story(i), s) for i, s in a], [(story(i), s) for i, s in b])[0]
        worst = max(worst, diff)
        if diff > 1e-6:
            differ.append(text)
    return {"queries": len(queries), "identical": identical, "identical_order_exactly": ordered,
            "same_scores": scores, "same_stories": stories, "max_score_diff": worst,
            "queries_whose_scores_differ": differ[:10],
            # the cost of ordering ties by id: ids read per search (three a query), next to the matches
            "tie_ids_read_per_query": round((ties.ids_read - ids_before) / (3 * len(queries) or 1), 1),
            "matches_per_query": round(matches / (len(queries) or 1), 1)}


def dask_overhead(tasks: int, workers: int = 2) -> dict:
    from searchkit.shards.cluster import connect

    client, cluster = connect(workers=workers)
    try:
        client.submit(abs, -1, pure=False).result()  # warm
        started = time.perf_counter()
        for n in range(tasks):  # one at a time: the round trip a shard job pays
            client.submit(abs, -n, pure=False).result()
        serial = (time.perf_counter() - started) / tasks
        started = time.perf_counter()
        client.gather(client.map(abs, [-n for n in range(tasks)], pure=False))
        batched = (time.perf_counter() - started) / tasks
    finally:
        client.close()
        cluster.close()
    return {"overhead_tasks": tasks, "round_trip_ms": round(serial * 1000, 2),
            "per_task_in_batch_ms": round(batched * 1000, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REUTERS)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--workers", default="1,2,4", help="comma-separated; empty: no Dask build")
    parser.add_argument("--work", type=Path, default=None, help="folder for the indexes (default: a temp folder)")
    parser.add_argument("--overhead-tasks", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="keep the 1- and N-shard indexes found in --work")
    parser.add_argument("--builds-only", action="store_true",
                        help="only the --shards builds (in-process and per --workers) and their timings: no "
                             "1-shard build, no queries")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"no corpus at {args.corpus}")
    import searchkit

    work = args.work or Path(tempfile.mkdtemp(prefix="shard-eq-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = scaled_corpus(args.corpus, args.scale, work)
    if args.builds_only:
        for k in [None] + [int(w) for w in args.workers.split(",") if w.strip()]:
            name = f"s{args.shards}-dask{k}" if k else f"s{args.shards}"
            print(json.dumps(build(corpus, work / name, args.shards, workers=k)), flush=True)
            shutil.rmtree(work / name, ignore_errors=True)
        return
    for shards in (1, args.shards):
        if not (args.reuse and (work / f"s{shards}" / "shards.json").exists()):
            print(json.dumps(build(corpus, work / f"s{shards}", shards)), flush=True)
    titles = [d.title for d in searchkit.extract(args.corpus) if getattr(d, "title", None)]
    queries = make_queries(titles, args.queries)
    reference = searchkit.Index(work / "s1")
    print(json.dumps({"compare": f"s1 vs s{args.shards}",
                      **compare(reference, searchkit.Index(work / f"s{args.shards}"), queries)}), flush=True)
    for k in [int(w) for w in args.workers.split(",") if w.strip()]:
        if args.reuse and (work / f"s{args.shards}-dask{k}").exists():
            name = f"s{args.shards}-dask{k}"
            print(json.dumps({"compare": f"s1 vs {name}",
                              **compare(reference, searchkit.Index(work / name), queries)}), flush=True)
            continue
        name = f"s{args.shards}-dask{k}"
        print(json.dumps(build(corpus, work / name, args.shards, workers=k)), flush=True)
        print(json.dumps({"compare": f"s1 vs {name}", **compare(reference, searchkit.Index(work / name), queries)}),
              flush=True)
        if args.work is None:
            shutil.rmtree(work / name, ignore_errors=True)
    if args.overhead_tasks:
        print(json.dumps(dask_overhead(args.overhead_tasks)), flush=True)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
