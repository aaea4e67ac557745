#!/usr/bin/env python3
"""Benchmark searchkit against SQLite FTS5 on the same corpus, in the same run.

    python scripts/bench.py [--corpus reuters|PATH] [--reuters DIR] [--scale N] [--runs R] [--write-doc]

The corpus (Reuters-21578 from ``../shared/corpora/reuters21578/`` by default,
or any JSON Lines file) is written under a temporary folder as many small
JSON Lines files of :data:`STORIES_PER_FILE` stories each -- the shape of a
news archive dumped day by day, and what "touching 1% of files" needs.
``--scale N`` builds an N-times larger mixed corpus: copy ``c`` of a story gets
a fresh id (``<id>~c``), its title, and a body whose sentences alternate with
those of another story (a different one for each copy), so the copies are new
texts over the same vocabulary, not N identical duplicates (which would all
fall into one near-duplicate cluster).

Measured, for searchkit and for FTS5 (``porter unicode61``; columns id
(unindexed), title, body, tags, date (unindexed); ``bm25()`` with the title
weighted as searchkit weighs it, ``RankingConfig().title_weight``;
``snippet()`` of the body):

* index build: wall time of a fresh process from the JSON Lines files to a
  committed index (``searchkit index`` vs a ``python`` process inserting into
  FTS5 in one transaction), documents/s, peak RSS of the whole process tree
  (with ``psutil``), size on disk;
* warm queries: :data:`N_QUERIES` queries of 1-3 words drawn from headlines
  (fixed seed), top 10 with a snippet each, in-process, p50 and p95 (the
  engines interleaved query by query), against FTS5 in the form a user types
  (its default MATCH: an AND of the words) and in the form with searchkit's
  result set (the words OR-ed); then, against the FTS5 form with the same
  result set, words with a ``since`` date filter, two-word ``"phrases"`` and
  ``tags:topic word`` field queries (see :func:`make_kind_queries`);
* cold CLI: a fresh ``searchkit query "cocoa prices" --limit 10`` vs a fresh
  ``python -c`` doing the same FTS5 query with snippets, interleaved, median;
* incremental: ``searchkit index`` again on the unchanged corpus, then after
  rewriting 1% of the files (one story edited in each), against searchkit's
  own full build (FTS5 has no notion of source files to compare with).

Every figure is printed with its searchkit/FTS5 ratio; ``--write-doc`` puts
the table into ``docs/performance.md`` (between the ``bench`` markers) with the
machine, date and commit.  Runs are noisy on a shared machine: compare ratios
from the same run, and use ``--runs`` for medians.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

N_QUERIES = 300
COLD_QUERY = "cocoa prices"
DOC = REPO / "docs" / "performance.md"

from bench_corpus import (STORIES_PER_FILE, SEED, fts5_match, load_records,  # noqa: E402,F401
                          make_kind_queries, make_queries, write_corpus)
MARK_START, MARK_END = "<!-- bench:start -->", "<!-- bench:end -->"

FTS5_BUILD = r"""
import json, os, sqlite3, sys
corpus, db_path, title_weight = sys.argv[1], sys.argv[2], float(sys.argv[3])
db = sqlite3.connect(db_path)
db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tags, date UNINDEXED, "
           "tokenize='porter unicode61')")
def rows():
    for root, dirs, files in os.walk(corpus):
        dirs.sort()
        for name in sorted(files):
            with open(os.path.join(root, name), encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        r = json.loads(line)
                        yield (r["id"], r.get("title", ""), r.get("body", ""), " ".join(r.get("tags", [])),
                               r.get("date") or "")
with db:
    db.executemany("INSERT INTO docs(id, title, body, tags, date) VALUES (?, ?, ?, ?, ?)", rows())
db.close()
"""

FTS5_SQL = ("SELECT id, title, snippet(docs, 2, '**', '**', '…', 32), bm25(docs, 0.0, {w}, 1.0, 1.0, 0.0) AS s "
            "FROM docs WHERE docs MATCH ? ORDER BY s LIMIT ?")
FTS5_SQL_SINCE = ("SELECT id, title, snippet(docs, 2, '**', '**', '…', 32), bm25(docs, 0.0, {w}, 1.0, 1.0, 0.0) AS s "
                  "FROM docs WHERE docs MATCH ? AND date >= ? ORDER BY s LIMIT ?")

FTS5_COLD = r"""
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute(sys.argv[2], (sys.argv[3], 10)).fetchall()
for row in rows:
    print(row[0], row[1], row[2], sep="\n")
"""


# --- measuring ----------------------------------------------------------------

def run_process(argv: list[str], **kwargs) -> tuple[float, int, int, float]:
    """Wall seconds, peak RSS (bytes), exit status and CPU seconds of a fresh process.

    RSS is the peak of the sum over the whole process tree (the process and
    its worker processes, sampled every 20 ms with ``psutil``, from the
    ``bench`` extra); without psutil, the largest single process's peak
    (``ru_maxrss``).  CPU is user + system time of the process and every
    descendant it waited for: on a shared machine, the figure other jobs
    disturb least.  The peak of the tree's summed PSS (proportional set size:
    a page shared by forked workers counts once over all of them, where RSS
    counts it in each) is kept in :data:`LAST_PSS_PEAK` (0 without psutil),
    and who held the tree's RSS peak in :data:`LAST_TREE_AT_PEAK`: one
    ``(role, RSS at the tree's peak, the process's own peak RSS)`` per process,
    bytes (the role is ``main`` or the last words of its command line).
    """
    import threading

    try:
        import psutil
    except ImportError:
        psutil = None
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, **kwargs)
    tree_peak = [0]
    pss_peak = [0]
    at_peak: list = []
    own_peaks: dict = {}
    done = threading.Event()

    def sample() -> None:
        try:
            root = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not done.wait(0.02):
            total = pss = 0
            members = []
            try:
                for member in [root, *root.children(recursive=True)]:
                    try:
                        rss = member.memory_info().rss
                        total += rss
                        pss += getattr(member.memory_full_info(), "pss", 0)
                        members.append((member.pid, rss))
                        own_peaks[member.pid] = max(own_peaks.get(member.pid, 0), rss)
                    except psutil.Error:
                        pass
            except psutil.Error:
                return
            if total > tree_peak[0]:
                at_peak[:] = [(pid, rss, _role(psutil, pid, root.pid)) for pid, rss in members]
            tree_peak[0] = max(tree_peak[0], total)
            pss_peak[0] = max(pss_peak[0], pss)

    sampler = threading.Thread(target=sample, daemon=True) if psutil else None
    if sampler:
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    done.set()
    if sampler:
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = max(tree_peak[0], usage.ru_maxrss * 1024)
    LAST_PSS_PEAK[0] = pss_peak[0]
    LAST_TREE_AT_PEAK[:] = [(role, rss, own_peaks.get(pid, rss)) for pid, rss, role in at_peak]
    return elapsed, peak, proc.returncode, usage.ru_utime + usage.ru_stime


LAST_PSS_PEAK = [0]  # bytes, the last run_process's
LAST_TREE_AT_PEAK: list = []  # (role, RSS at the tree's peak, own peak RSS), the last run_process's


def _role(psutil, pid: int, root: int) -> str:
    """``main`` for the measured process, else the tail of a child's command line (the worker's entry)."""
    if pid == root:
        return "main"
    try:
        words = psutil.Process(pid).cmdline()
    except psutil.Error:
        return "?"
    text = " ".join(words)
    if not text:
        return "?"  # exiting
    return "resource tracker" if "resource_tracker" in text else ("worker" if "spawn" in text else text[-40:])


def folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def searchkit_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("searchkit")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "searchkit"]


def searchkit_env() -> dict[str, str]:
    """The environment of a searchkit process: this checkout's package first on its path.

    Without it the ``searchkit`` command imports the installed package (with
    an editable install, the working tree it points at), so a bench run
    from another checkout -- the code before a change -- would time the
    installed code instead of its own.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    return env


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def build(corpus: Path, work: Path, runs: int, title_weight: float) -> dict:
    sk, fts = [], []
    for run in range(runs):
        ix, db = work / "index", work / "fts5.db"
        shutil.rmtree(ix, ignore_errors=True)
        if db.exists():
            db.unlink()
        order = ("fts5", "searchkit") if run % 2 == 0 else ("searchkit", "fts5")
        for engine in order:
            if engine == "fts5":
                wall, rss, code, cpu = run_process([sys.executable, "-c", FTS5_BUILD, str(corpus), str(db),
                                                    str(title_weight)])
                assert code == 0, "FTS5 build failed"
                fts.append((wall, rss, folder_size(db), cpu))
            else:
                wall, rss, code, cpu = run_process([*searchkit_cmd(), "index", str(corpus), "--index", str(ix)],
                                                   env=searchkit_env())
                assert code == 0, "searchkit index failed"
                sk.append((wall, rss, folder_size(ix), cpu, LAST_PSS_PEAK[0]))
                mb = 1024 * 1024
                print("  searchkit at the tree's peak: " + ", ".join(
                    f"{role} {now / mb:.0f} MB (own peak {own / mb:.0f})" for role, now, own in LAST_TREE_AT_PEAK),
                    flush=True)
        print(f"  build run {run + 1}: searchkit {sk[-1][0]:.2f} s ({sk[-1][3]:.2f} s CPU), "
              f"FTS5 {fts[-1][0]:.2f} s ({fts[-1][3]:.2f} s CPU)", flush=True)
    med = lambda rows, i: statistics.median(r[i] for r in rows)  # noqa: E731
    return {"searchkit": {"seconds": med(sk, 0), "rss": med(sk, 1), "size": med(sk, 2), "cpu": med(sk, 3),
                          "pss": med(sk, 4),
                          "all_seconds": [r[0] for r in sk], "all_cpu": [r[3] for r in sk]},
            "fts5": {"seconds": med(fts, 0), "rss": med(fts, 1), "size": med(fts, 2), "cpu": med(fts, 3),
                     "all_seconds": [r[0] for r in fts], "all_cpu": [r[3] for r in fts]}}


def fts5_and(text: str) -> str:
    """FTS5's default reading of typed words: all of them required (an implicit AND)."""
    return " ".join(f'"{w}"' for w in re.findall(r"\w+", text.lower()))


def warm(work: Path, queries: list[str], kinds: dict[str, list[dict]], title_weight: float,
         clock=time.perf_counter) -> dict:
    """p50/p95 (ms) of warm queries, each engine's forms interleaved query by query.

    ``plain`` runs searchkit's best-match query against FTS5 with the words
    OR-ed (``fts5_or``: the same result set) and AND-ed (``fts5_and``: what a
    user typing the words into FTS5 gets); the other kinds against the FTS5
    form with the same result set.  ``clock`` is ``time.perf_counter`` (wall)
    or ``time.process_time`` (this process's CPU time, which other jobs on a
    shared machine disturb less).
    """
    import searchkit

    ix = searchkit.Index(work / "index", create=False)
    db = sqlite3.connect(work / "fts5.db")
    sql = FTS5_SQL.format(w=title_weight)
    sql_since = FTS5_SQL_SINCE.format(w=title_weight)

    def sk_query(q: str, **kw) -> None:
        hits = ix.search(q, limit=10, **kw)
        [hit.snippet for hit in hits]

    def fts_query(match: str, since: str | None = None) -> None:
        if since is None:
            db.execute(sql, (match, 10)).fetchall()
        else:
            db.execute(sql_since, (match, since, 10)).fetchall()

    runs: dict[str, list] = {"plain": [], "since": [], "phrase": [], "field": []}
    for q in queries:
        runs["plain"].append({"searchkit": lambda q=q: sk_query(q),
                              "fts5_or": lambda q=q: fts_query(fts5_match(q)),
                              "fts5_and": lambda q=q: fts_query(fts5_and(q))})
    for item in kinds["since"]:
        runs["since"].append({"searchkit": lambda i=item: sk_query(i["searchkit"], since=i["since"]),
                              "fts5_or": lambda i=item: fts_query(i["fts5"], i["since"])})
    for kind in ("phrase", "field"):
        for item in kinds[kind]:
            runs[kind].append({"searchkit": lambda i=item: sk_query(i["searchkit"]),
                               "fts5_or": lambda i=item: fts_query(i["fts5"])})
    out: dict = {}
    for kind, items in runs.items():
        for item in items[:20]:  # warm both up: caches, lazy imports, page cache
            for fn in item.values():
                fn()
        times: dict[str, list[float]] = {name: [] for name in items[0]} if items else {}
        for i, item in enumerate(items):
            names = list(item)
            for name in (names if i % 2 == 0 else names[::-1]):
                started = clock()
                item[name]()
                times[name].append((clock() - started) * 1000)
        out[kind] = {name: {"p50": pct(t, 0.5), "p95": pct(t, 0.95)} for name, t in times.items()}
    ix.close()
    db.close()
    # the old key names, for --json readers of earlier runs
    out["searchkit"], out["fts5"] = out["plain"]["searchkit"], out["plain"]["fts5_or"]
    return out


def cold(work: Path, runs: int, title_weight: float) -> dict:
    sk_argv = [*searchkit_cmd(), "query", COLD_QUERY, "--limit", "10", "--index", str(work / "index")]
    fts_argv = [sys.executable, "-c", FTS5_COLD, str(work / "fts5.db"), FTS5_SQL.format(w=title_weight),
                fts5_match(COLD_QUERY)]
    # An installed package has its bytecode compiled (pip does it at install
    # time); a checkout under PYTHONDONTWRITEBYTECODE would recompile
    # searchkit's modules in every process (~30 ms) and measure that instead.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "searchkit")], check=True,
                   stdout=subprocess.DEVNULL)
    run_process(sk_argv, env=searchkit_env())
    run_process(fts_argv)
    sk, fts = [], []
    for run in range(runs):
        for argv, out in ((sk_argv, sk), (fts_argv, fts)) if run % 2 == 0 else ((fts_argv, fts), (sk_argv, sk)):
            wall, _, code, _ = run_process(argv, env=searchkit_env() if argv is sk_argv else None)
            assert code == 0, f"{argv[0]} failed"
            out.append(wall * 1000)
    return {"searchkit": statistics.median(sk), "fts5": statistics.median(fts)}


def incremental(corpus: Path, files: list[Path], work: Path) -> dict:
    argv = [*searchkit_cmd(), "index", str(corpus), "--index", str(work / "index")]
    unchanged, _, code, _ = run_process(argv, env=searchkit_env())
    assert code == 0
    rng = random.Random(SEED)
    touched = rng.sample(files, max(1, len(files) // 100))
    for path in touched:
        lines = path.read_text("utf-8").splitlines()
        record = json.loads(lines[0])
        record["body"] = (record.get("body") or "") + "\nCorrection: this story was updated."
        lines[0] = json.dumps(record, ensure_ascii=False)
        path.write_text("\n".join(lines) + "\n", "utf-8")
    changed, _, code, _ = run_process(argv, env=searchkit_env())
    assert code == 0
    return {"unchanged": unchanged, "touched": changed, "touched_files": len(touched)}


# --- report -------------------------------------------------------------------

def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip()
        return head + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def table(res: dict) -> str:
    b, w, c, inc = res["build"], res["warm"], res["cold"], res["incremental"]
    n = res["documents"]
    mb = 1024 * 1024
    rows = [
        ("index build, wall (s)", b["searchkit"]["seconds"], b["fts5"]["seconds"], "{:.2f}"),
        ("index build, CPU user+sys of all processes (s)", b["searchkit"]["cpu"], b["fts5"]["cpu"], "{:.2f}"),
        ("index build, documents/s", n / b["searchkit"]["seconds"], n / b["fts5"]["seconds"], "{:,.0f}"),
        ("index build, peak RSS of the process tree (MB)", b["searchkit"]["rss"] / mb, b["fts5"]["rss"] / mb, "{:.0f}"),
        ("index size on disk (MB)", b["searchkit"]["size"] / mb, b["fts5"]["size"] / mb, "{:.1f}"),
        ("warm query + snippets, p50 (ms), vs FTS5 AND of the words", w["plain"]["searchkit"]["p50"],
         w["plain"]["fts5_and"]["p50"], "{:.2f}"),
        ("warm query + snippets, p95 (ms), vs FTS5 AND", w["plain"]["searchkit"]["p95"],
         w["plain"]["fts5_and"]["p95"], "{:.2f}"),
        ("warm query + snippets, p50 (ms), vs FTS5 OR of the words", w["plain"]["searchkit"]["p50"],
         w["plain"]["fts5_or"]["p50"], "{:.2f}"),
        ("warm query + snippets, p95 (ms), vs FTS5 OR", w["plain"]["searchkit"]["p95"],
         w["plain"]["fts5_or"]["p95"], "{:.2f}"),
        ("words + `since` date filter, p50 (ms)", w["since"]["searchkit"]["p50"], w["since"]["fts5_or"]["p50"],
         "{:.2f}"),
        ("words + `since` date filter, p95 (ms)", w["since"]["searchkit"]["p95"], w["since"]["fts5_or"]["p95"],
         "{:.2f}"),
        ('`"quoted phrase"`, p50 (ms)', w["phrase"]["searchkit"]["p50"], w["phrase"]["fts5_or"]["p50"], "{:.2f}"),
        ('`"quoted phrase"`, p95 (ms)', w["phrase"]["searchkit"]["p95"], w["phrase"]["fts5_or"]["p95"], "{:.2f}"),
        ("`tags:topic word`, p50 (ms)", w["field"]["searchkit"]["p50"], w["field"]["fts5_or"]["p50"], "{:.2f}"),
        ("`tags:topic word`, p95 (ms)", w["field"]["searchkit"]["p95"], w["field"]["fts5_or"]["p95"], "{:.2f}"),
        (f'cold CLI query "{COLD_QUERY}", median (ms)', c["searchkit"], c["fts5"], "{:.0f}"),
    ]
    lines = ["| measure | searchkit | FTS5 | searchkit/FTS5 |", "| --- | ---: | ---: | ---: |"]
    for label, a, f, fmt in rows:
        lines.append(f"| {label} | {fmt.format(a)} | {fmt.format(f)} | {a / f:.2f}x |")
    full = b["searchkit"]["seconds"]
    lines.append(f"| re-index, unchanged (s) | {inc['unchanged']:.2f} | n/a | "
                 f"{inc['unchanged'] / full:.0%} of full build |")
    lines.append(f"| re-index, {inc['touched_files']} files (1%) changed (s) | {inc['touched']:.2f} | n/a | "
                 f"{inc['touched'] / full:.0%} of full build |")
    return "\n".join(lines)


def summary_line(res: dict) -> str:
    """The figures of a partial run (``--only ...``) in one line: build, warm ratios, re-runs."""
    mb = 1024 * 1024
    parts = [f"{res['documents']:,} documents"]
    if "build" in res:
        sk, fts = res["build"]["searchkit"], res["build"]["fts5"]
        parts.append(f"build {sk['seconds']:.1f} s ({sk['cpu']:.1f} s CPU) vs FTS5 {fts['seconds']:.1f} s "
                     f"= {sk['seconds'] / fts['seconds']:.1f}x wall, {sk['cpu'] / max(fts['cpu'], 1e-9):.1f}x CPU")
        parts.append(f"peak RSS of the process tree {sk['rss'] / mb:.0f} MB (PSS {sk.get('pss', 0) / mb:.0f} MB; "
                     f"FTS5 {fts['rss'] / mb:.0f} MB)")
        parts.append(f"index {sk['size'] / mb:.1f} MB (FTS5 {fts['size'] / mb:.1f} MB)")
    if "warm" in res:
        w = res["warm"]
        ratio = lambda kind, peer, q="p50": w[kind]["searchkit"][q] / max(w[kind][peer][q], 1e-9)  # noqa: E731
        parts.append(f"warm ({w.get('clock', 'wall')}) p50 plain {w['plain']['searchkit']['p50']:.2f} ms = "
                     f"{ratio('plain', 'fts5_and'):.2f}x FTS5 AND, {ratio('plain', 'fts5_or'):.2f}x OR "
                     f"(p95 {ratio('plain', 'fts5_and', 'p95'):.2f}x, {ratio('plain', 'fts5_or', 'p95'):.2f}x); "
                     f"since {ratio('since', 'fts5_or'):.2f}x, phrase {ratio('phrase', 'fts5_or'):.2f}x, "
                     f"tags:topic word {ratio('field', 'fts5_or'):.2f}x")
    if "incremental" in res:
        inc = res["incremental"]
        parts.append(f"unchanged re-run {inc['unchanged']:.2f} s, {inc['touched_files']} files changed "
                     f"{inc['touched']:.2f} s")
    return "; ".join(parts)


def report(res: dict) -> str:
    return "\n".join([
        f"Corpus: {res['corpus']} x{res['scale']} = {res['documents']:,} documents in {res['files']} JSON Lines "
        f"files ({STORIES_PER_FILE} stories each); {res['queries']} warm queries (seed {SEED}); "
        f"{res['cold_runs']} cold runs; build: median of {res['runs']} run(s).",
        f"Machine: {res['machine']}.",
        f"Date: {res['date']}; commit {res['commit']}.",
        "",
        table(res),
    ])


def write_doc(text: str) -> None:
    block = f"{MARK_START}\n{text}\n{MARK_END}"
    current = DOC.read_text("utf-8") if DOC.exists() else f"# Performance\n\n{MARK_START}\n{MARK_END}\n"
    if MARK_START in current and MARK_END in current:
        head, rest = current.split(MARK_START, 1)
        tail = rest.split(MARK_END, 1)[1]
        current = head + block + tail
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(current, "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="reuters", help="'reuters' or a JSON Lines file")
    parser.add_argument("--reuters", help="folder of the Reuters-21578 .sgm files (default ../shared/corpora/reuters21578)")
    parser.add_argument("--scale", type=int, default=1,
                        help="an N-times larger corpus of mixed copies (fresh ids, sentences mixed with another story)")
    parser.add_argument("--runs", type=int, default=1, help="index builds per engine (median)")
    parser.add_argument("--queries", type=int, default=N_QUERIES)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--only", choices=["build", "warm", "cold", "incremental"], action="append",
                        help="run only these parts (needs --keep with an earlier run for warm/cold)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="time warm queries by wall clock or by this process's CPU time (less disturbed by "
                             "other jobs on a shared machine)")
    parser.add_argument("--keep", type=Path, help="work folder to use and keep (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the raw results as JSON here")
    parser.add_argument("--write-doc", action="store_true", help=f"write the table into {DOC.relative_to(REPO)}")
    args = parser.parse_args(argv)

    from searchkit.analysis import stopwords
    from searchkit.ranking import RankingConfig

    title_weight = RankingConfig().title_weight  # the FTS5 peer weighs the title as searchkit ranks it

    work = args.keep or Path(tempfile.mkdtemp(prefix="searchkit-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(f"corpus: {args.corpus} x{args.scale} -> {work}", flush=True)
        records = load_records(args.corpus, args.reuters)
        corpus = work / "corpus"
        shutil.rmtree(corpus, ignore_errors=True)
        count, files = write_corpus(records, args.scale, corpus)
        queries = make_queries(records, args.queries, stopwords())
        kinds = make_kind_queries(records, max(50, args.queries // 3), stopwords())
        res: dict = {"corpus": args.corpus, "scale": args.scale, "documents": count, "files": len(files),
                     "queries": len(queries), "cold_runs": args.cold_runs, "runs": args.runs,
                     "machine": machine(), "commit": commit(),
                     "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
        only = set(args.only or ["build", "warm", "cold", "incremental"])
        if "build" in only:
            print("index build ...", flush=True)
            res["build"] = build(corpus, work, args.runs, title_weight)
        if "warm" in only:
            print("warm queries ...", flush=True)
            clock = time.process_time if args.clock == "cpu" else time.perf_counter
            res["warm"] = warm(work, queries, kinds, title_weight, clock)
            res["warm"]["clock"] = args.clock
        if "cold" in only:
            print("cold CLI ...", flush=True)
            res["cold"] = cold(work, args.cold_runs, title_weight)
        if "incremental" in only:
            print("incremental ...", flush=True)
            res["incremental"] = incremental(corpus, files, work)
        if args.json:
            args.json.write_text(json.dumps(res, indent=2), "utf-8")
        if only == {"build", "warm", "cold", "incremental"}:
            text = report(res)
            print()
            print(text)
            if args.write_doc:
                write_doc(text)
        else:
            print(json.dumps(res, indent=2))
            print(summary_line(res))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
