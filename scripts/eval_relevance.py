#!/usr/bin/env python3
"""Measure searchkit's ranking on relevance collections, next to plain BM25 peers, in one run.

Usage::

    python scripts/eval_relevance.py COLLECTION... [--all [DIR ...]] [--limit 1000]
        [--config KEY=VALUE ...] [--index-root DIR] [--forms original,lower]
        [--peers fts5-and,fts5-or,bm25s] [--queries short|nl|all] [--runs DIR]
        [--per-query] [--timing] [--json FILE] [--exact-boost W]

    python scripts/eval_relevance.py --all        # every collection found (the table of docs/relevance.md)

A collection is a folder with ``docs.jsonl`` (``{"id", "title"?, "text"|"body"}``),
``queries.tsv`` (``qid<TAB>query text``) and ``qrels.txt`` (TREC ``qid 0 docid rel``).
``--all DIR`` adds every sub-folder of DIR that is one; ``--all`` alone looks in
``../shared/corpora/relevance`` (the seven classic collections: CACM, CISI,
CRAN, MED, ADI, NPL, LISA) and ``collections/`` (the two Reuters collections
that ``scripts/make_reuters_collection.py`` and
``scripts/make_second_collection.py`` build there; git-ignored).

Systems, all on the same documents and queries:

* ``searchkit`` - the library (``searchkit.Index(dir).add(docs.jsonl)``, then
  ``Index.search(text, limit=LIMIT, snippets=False, collapse=False, **config)``:
  the judgements are per document, so copies of a story are not folded), once with
  the query text as written (``original``) and once lower-cased (``lower``):
  several collections have ALL-CAPS queries holding AND/OR/NOT, which the
  query language must read as words (the two forms score the same when it
  does).  ``--config KEY=VALUE`` goes to ``search``
  (values parsed as JSON when they parse), e.g.
  ``--config 'ranking={"proximity": 0}'`` or ``--config feedback=false``.
* ``fts5-and`` - SQLite FTS5, columns title and body, ``tokenize='porter
  unicode61'``, ranked by ``bm25(docs, 1.5, 1.0)`` (k1 = 1.2, b = 0.75, fixed in
  SQLite); the query's words (``\\w+``, lower-cased, Lucene's 33 English
  stopwords dropped), each quoted, joined by spaces: FTS5's default reading,
  every word required.
* ``fts5-or`` - the same, the words OR-ed: plain best-match BM25.
* ``bm25s`` - the ``bm25s`` package (Lucene BM25, k1 = 1.2, b = 0.75) over
  title + text, tokenised by searchkit's own analysis (``searchkit.analysis.analyze``:
  the same stopwords and Snowball stemmer as the index), so the difference
  to searchkit is the ranking, not the analysis.

The peers lower-case queries themselves, so they are run once.  The peers
need the ``bench`` extra (``pip install -e ".[bench]"``); a missing one is
skipped with a note.

Printed: per collection, MAP, nDCG@10, P@10 and R@100 of every system and the
mean query time; then one summary table (MAP per collection and system, the
mean over collections, each searchkit form's relative MAP difference to the
best peer on every collection, the mean of those differences and the worst
collection's), and the mean query time of every system per collection
(top ``--limit``; ``--timing`` adds searchkit's at ``limit=10`` with snippets).  ``--json`` writes every figure (and per-query AP with
``--per-query``).  Metrics are ``devtools.evaluation``'s (trec_eval semantics).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from devtools.evaluation import (  # noqa: E402
    METRICS,
    evaluate,
    mean_scores,
    paired_randomization_test,
    read_qrels,
    read_queries,
    write_run,
)

DEFAULT_TITLE_WEIGHT = 1.5
#: Lucene's (and Anserini's default) English stopword set.
LUCENE_STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with".split()
)
_WORD = re.compile(r"\w+")
PEERS = ("fts5-and", "fts5-or", "bm25s")
FORMS = ("original", "lower")
#: Where ``--all`` looks when given no folder (relative to the repository; the first that exists of each).
DEFAULT_ROOTS = (
    ("../shared/corpora/relevance", "../../shared/corpora/relevance"),
    ("collections",),
)

Run = dict[str, list[tuple[str, float]]]


# --- collections ------------------------------------------------------------


@dataclass
class Collection:
    name: str
    folder: Path
    docs: list[tuple[str, str, str]]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    judged: list[str] = field(default_factory=list)


def is_collection(folder: Path) -> bool:
    return all((folder / name).is_file() for name in ("docs.jsonl", "queries.tsv", "qrels.txt"))


def find_collections(roots: list[Path]) -> list[Path]:
    """The collection folders among ``roots`` and their immediate sub-folders, sorted by name per root."""
    found = []
    for root in roots:
        if is_collection(root):
            found.append(root)
            continue
        if root.is_dir():
            found.extend(sorted(p for p in root.iterdir() if p.is_dir() and is_collection(p)))
    return found


def default_roots() -> list[Path]:
    roots = []
    for options in DEFAULT_ROOTS:
        for option in options:
            path = (REPO / option).resolve()
            if path.is_dir():
                roots.append(path)
                break
    return roots


def load_docs(path: Path) -> list[tuple[str, str, str]]:
    """``(id, title, body)`` per JSON line, with the same field aliases as searchkit's reader."""
    docs = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            doc_id = record.get("id")
            if doc_id is None:
                raise ValueError(f"{path}:{number}: a document without an id")
            title = record.get("title") or record.get("headline") or ""
            body = next((record[k] for k in ("body", "text", "content", "articleBody") if record.get(k)), "")
            docs.append((str(doc_id), str(title), str(body)))
    return docs


def query_set(qid: str) -> str:
    """``short`` / ``nl`` from the qid suffix (the Reuters collections); ``other`` for anything else."""
    suffix = qid.rsplit("-", 1)[-1]
    return suffix if suffix in ("short", "nl") else "other"


def load_collection(folder: Path, which: str = "all") -> Collection:
    queries = read_queries(folder / "queries.tsv")
    if which != "all":
        queries = {q: t for q, t in queries.items() if query_set(q) == which}
    qrels = read_qrels(folder / "qrels.txt")
    judged = [q for q in queries if any(r > 0 for r in qrels.get(q, {}).values())]
    return Collection(folder.name, folder, load_docs(folder / "docs.jsonl"), queries, qrels, judged)


# --- peers ------------------------------------------------------------------


def plain_words(text: str, stopwords: frozenset[str] = LUCENE_STOPWORDS) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in stopwords]


class Fts5Peer:
    """BM25 over ``title``/``body`` with SQLite FTS5 (porter + unicode61); ``mode`` ``"and"`` or ``"or"``."""

    def __init__(self, docs: list[tuple[str, str, str]], title_weight: float = DEFAULT_TITLE_WEIGHT):
        self.title_weight = float(title_weight)
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61')")
        self.ids = [doc_id for doc_id, _, _ in docs]
        with self.db:
            self.db.executemany(
                "INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
                ((n, title, body) for n, (_, title, body) in enumerate(docs)),
            )
            self.db.execute("INSERT INTO docs(docs) VALUES ('optimize')")

    @staticmethod
    def match_expression(text: str, mode: str) -> str:
        words = dict.fromkeys(plain_words(text))  # a repeated word: once (FTS5 AND/OR of the same term)
        return (" OR " if mode == "or" else " ").join(f'"{w}"' for w in words)

    def search(self, text: str, limit: int, mode: str) -> list[tuple[str, float]]:
        expression = self.match_expression(text, mode)
        if not expression:
            return []
        rows = self.db.execute(
            f"SELECT rowid, bm25(docs, {self.title_weight!r}, 1.0) AS s FROM docs "
            "WHERE docs MATCH ? ORDER BY s LIMIT ?",
            (expression, limit),
        ).fetchall()
        return [(self.ids[rowid], -score) for rowid, score in rows]  # FTS5's bm25 is negated

    def close(self) -> None:
        self.db.close()


class Fts5Baseline(Fts5Peer):
    """The OR-of-words FTS5 peer under its earlier name (``match_expression(text)``, ``search(text, limit)``)."""

    def match_expression(self, text: str, mode: str = "or") -> str:  # type: ignore[override]
        return Fts5Peer.match_expression(text, mode)

    def search(self, text: str, limit: int, mode: str = "or") -> list[tuple[str, float]]:
        return super().search(text, limit, mode)


class Bm25sPeer:
    """Lucene BM25 (``bm25s``, k1 1.2, b 0.75) over title + text, with searchkit's analysis."""

    def __init__(self, docs: list[tuple[str, str, str]]):
        import bm25s  # the bench extra

        from searchkit.analysis import analyze

        self.analyze = analyze
        self.ids = [doc_id for doc_id, _, _ in docs]
        corpus = [analyze(f"{title}\n{body}") for _, title, body in docs]
        self.vocab: dict[str, int] = {}
        ids = [[self.vocab.setdefault(t, len(self.vocab)) for t in tokens] for tokens in corpus]
        self.model = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
        self.model.index(bm25s.tokenization.Tokenized(ids=ids, vocab=self.vocab), show_progress=False)

    def search(self, text: str, limit: int) -> list[tuple[str, float]]:
        import numpy as np

        tokens = [self.vocab[t] for t in self.analyze(text) if t in self.vocab]
        if not tokens:
            return []
        scores = self.model.get_scores(tokens)
        k = min(limit, int((scores > 0).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]
        return [(self.ids[i], float(scores[i])) for i in top]


# --- searchkit --------------------------------------------------------------


def open_index(collection: Collection, index_root: Path | None) -> tuple[Any, str, str | None]:
    """A searchkit index of the collection: under ``index_root/<name>-<hash>`` (kept, reused) or a temporary one."""
    import searchkit

    temp = None
    if index_root is None:
        temp = tempfile.mkdtemp(prefix="searchkit-eval-")
        folder = Path(temp) / "index"
    else:
        docs = collection.folder / "docs.jsonl"
        stamp = hashlib.sha1(f"{docs.resolve()}:{docs.stat().st_size}:{docs.stat().st_mtime_ns}".encode()).hexdigest()[:10]
        folder = index_root / f"{collection.name}-{stamp}"
    ix = searchkit.Index(folder)
    if len(ix) == len(collection.docs) and index_root is not None:
        return ix, f"reused {folder}", temp
    started = time.perf_counter()
    ix.add(collection.folder / "docs.jsonl", rebuild=True)
    return ix, f"indexed {len(ix)} documents in {time.perf_counter() - started:.1f} s", temp


#: Judged per document: every copy of a story is ranked (``Index.search`` folds copies by default).
SEARCH_DEFAULTS: dict[str, Any] = {"collapse": False}


def searchkit_search(ix: Any, limit: int, config: dict[str, Any]) -> Callable[[str], list[tuple[str, float]]]:
    from searchkit.errors import QueryError

    config = {**SEARCH_DEFAULTS, **config}

    try:  # an option search() does not know should stop the run before it starts
        ix.search("probe", limit=1, snippets=False, **config)
    except TypeError as error:
        raise SystemExit(f"searchkit's search() does not accept these --config options: {error}") from None

    def search(text: str) -> list[tuple[str, float]]:
        try:
            hits = ix.search(text, limit=limit, snippets=False, **config)
        except QueryError as error:
            print(f"warning: query {text!r}: {error}", file=sys.stderr)
            return []
        return [(hit.id, hit.score) for hit in hits]

    return search


def timed_run(search: Callable[[str], list[tuple[str, float]]], queries: dict[str, str]) -> tuple[Run, float]:
    """The run and the mean time per query in ms."""
    run: Run = {}
    times = []
    for qid, text in queries.items():
        started = time.perf_counter()
        run[qid] = search(text)
        times.append((time.perf_counter() - started) * 1000)
    return run, (statistics.mean(times) if times else 0.0)


def interactive_ms(ix: Any, queries: dict[str, str], config: dict[str, Any]) -> float:
    """Mean ms per query at ``limit=10`` with snippets, each query run twice (warm)."""
    config = {**SEARCH_DEFAULTS, **config}
    times = []
    for _ in range(2):
        for text in queries.values():
            started = time.perf_counter()
            ix.search(text, limit=10, snippets=True, **config)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.mean(times) if times else 0.0


def form_queries(queries: dict[str, str], form: str) -> dict[str, str]:
    return {q: (t.lower() if form == "lower" else t) for q, t in queries.items()}


# --- running ----------------------------------------------------------------


def run_peers(collection: Collection, peers: list[str], limit: int, queries: dict[str, str]) -> dict[str, tuple[Run, float]]:
    out: dict[str, tuple[Run, float]] = {}
    if any(p.startswith("fts5") for p in peers):
        fts = Fts5Peer(collection.docs)
        for mode in ("and", "or"):
            if f"fts5-{mode}" in peers:
                out[f"fts5-{mode}"] = timed_run(lambda t, m=mode: fts.search(t, limit, m), queries)
        fts.close()
    if "bm25s" in peers:
        try:
            peer = Bm25sPeer(collection.docs)
        except ImportError:
            print("note: bm25s is not installed (pip install -e '.[bench]'); peer skipped", file=sys.stderr)
        else:
            out["bm25s"] = timed_run(lambda t: peer.search(t, limit), queries)
    return out


def run_searchkit(ix: Any, queries: dict[str, str], forms: list[str], limit: int,
                  config: dict[str, Any]) -> dict[str, tuple[Run, float]]:
    search = searchkit_search(ix, limit, config)
    out = {}
    for form in forms:
        texts = form_queries(queries, form)
        if form != "original" and "searchkit-original" in out and texts == queries:
            out[f"searchkit-{form}"] = out["searchkit-original"]  # the same queries: the same run
            continue
        out[f"searchkit-{form}"] = timed_run(search, texts)
    return out


def score_runs(collection: Collection, runs: dict[str, tuple[Run, float]]) -> dict[str, dict[str, Any]]:
    """Per system: mean metrics, mean ms, per-query AP."""
    scored = {}
    for system, (run, ms) in runs.items():
        per_query = evaluate(run, collection.qrels, collection.judged)
        scored[system] = {"metrics": mean_scores(per_query), "ms": ms,
                          "ap": {q: m["map"] for q, m in per_query.items()}}
    return scored


def relative(base: float, new: float) -> float:
    return (new - base) / base if base else 0.0


def best_peer(results: dict[str, dict[str, Any]], metric: str = "map") -> tuple[str, float]:
    peers = [(s, r["metrics"][metric]) for s, r in results.items() if s in PEERS]
    return max(peers, key=lambda item: item[1]) if peers else ("", 0.0)


def collection_table(name: str, n_docs: int, n_queries: int, results: dict[str, dict[str, Any]]) -> list[str]:
    """One collection's metrics per system; ``p``: paired randomization test of AP against the best peer."""
    peer, _ = best_peer(results)
    lines = [f"{name}: {n_docs} documents, {n_queries} judged queries (p: AP vs the best peer, {peer or 'none'})",
             f"  {'system':<20}" + "".join(f"{m:>11}" for m in METRICS) + f"{'ms/query':>10}{'p':>8}"]
    for system, r in results.items():
        p = ""
        if peer and system not in PEERS:
            qids = sorted(r["ap"])
            p = f"{paired_randomization_test([results[peer]['ap'][q] for q in qids], [r['ap'][q] for q in qids]):.4f}"
        lines.append(f"  {system:<20}" + "".join(f"{r['metrics'][m]:>11.4f}" for m in METRICS)
                     + f"{r['ms']:>10.1f}{p:>8}")
    return lines


def summary(all_results: dict[str, dict[str, dict[str, Any]]]) -> tuple[list[str], dict[str, Any]]:
    """The cross-collection table (one row per collection) and its figures."""
    names = list(all_results)
    systems = [s for s in next(iter(all_results.values()))]
    mine = [s for s in systems if s not in PEERS]
    out: dict[str, Any] = {"mean": {}, "vs_best_peer": {}}
    lines = []
    for metric in METRICS:
        width = max(12, max(len(s) for s in systems) + 1)
        header = f"{'collection':<18}" + "".join(f"{s:>{width}}" for s in systems)
        if metric == "map":
            header += "".join(f"  {('vs best peer (' + s.split('-')[-1] + ')'):<22}" for s in mine)
        lines += [f"{metric.upper()}", header]
        per_system = {s: [] for s in systems}
        diffs: dict[str, list[float]] = {s: [] for s in mine}
        for name in names:
            results = all_results[name]
            row = f"{name:<18}"
            for s in systems:
                value = results[s]["metrics"][metric]
                per_system[s].append(value)
                row += f"{value:>{width}.4f}"
            if metric == "map":
                peer, peer_map = best_peer(results)
                for s in mine:
                    d = relative(peer_map, results[s]["metrics"]["map"])
                    diffs[s].append(d)
                    row += f"  {d * 100:>+7.1f}% {peer:<13}"
            lines.append(row)
        means = {s: statistics.mean(v) for s, v in per_system.items()}
        out["mean"][metric] = means
        row = f"{'mean':<18}" + "".join(f"{means[s]:>{width}.4f}" for s in systems)
        if metric == "map":
            best_mean_peer = max((s for s in systems if s in PEERS), key=lambda s: means[s], default=None)
            oracle = statistics.mean(best_peer(all_results[n])[1] for n in names)
            for s in mine:
                row += f"  {statistics.mean(diffs[s]) * 100:>+7.1f}% {'(mean)':<13}"
            lines.append(row)
            for s in mine:
                worst = min(range(len(names)), key=lambda i: diffs[s][i])
                info = {
                    "mean_map": means[s],
                    "best_peer_by_mean": best_mean_peer,
                    "vs_best_peer_by_mean": relative(means[best_mean_peer], means[s]) if best_mean_peer else None,
                    "vs_per_collection_best_peer_mean": relative(oracle, means[s]),
                    "mean_of_differences": statistics.mean(diffs[s]),
                    "worst_collection": names[worst],
                    "worst_difference": diffs[s][worst],
                    "differences": dict(zip(names, diffs[s])),
                }
                out["vs_best_peer"][s] = info
                if best_mean_peer is None:  # no peer was run
                    lines.append(f"  {s}: mean MAP {means[s]:.4f}")
                    continue
                lines.append(
                    f"  {s}: mean MAP {means[s]:.4f} = {info['vs_best_peer_by_mean'] * 100:+.1f}% vs the best peer "
                    f"by mean ({best_mean_peer} {means[best_mean_peer]:.4f}), "
                    f"{info['vs_per_collection_best_peer_mean'] * 100:+.1f}% vs each collection's best peer "
                    f"(mean {oracle:.4f}); worst collection {names[worst]} {diffs[s][worst] * 100:+.1f}%")
        else:
            lines.append(row)
        lines.append("")
    ms_header = f"{'ms/query':<18}" + "".join(f"{s:>{max(12, len(s) + 1)}}" for s in systems)
    lines.append(ms_header)
    for name in names:
        lines.append(f"{name:<18}" + "".join(f"{all_results[name][s]['ms']:>{max(12, len(s) + 1)}.1f}" for s in systems))
    out["ms"] = {n: {s: all_results[n][s]["ms"] for s in systems} for n in names}
    return lines, out


def parse_config(items: list[str]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"--config expects KEY=VALUE, got {item!r}")
        try:
            config[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            config[key.strip()] = value
    return config


def set_exact_boost(weight: float) -> None:
    """Give the exact-form evidence (``searchkit.query.EXACT_FORM_BOOST``) weight ``weight`` in this process."""
    import searchkit.query.compiler as compiler

    if weight < 0:
        raise SystemExit(f"--exact-boost {weight}: use a weight >= 0")
    compiler.EXACT_FORM_BOOST = weight


def evaluate_collections(folders: list[Path], *, limit: int = 1000, config: dict[str, Any] | None = None,
                         forms: list[str] = list(FORMS), peers: list[str] = list(PEERS),
                         which: str = "all", index_root: Path | None = None, runs_dir: Path | None = None,
                         verbose: bool = True, timing: bool = False,
                         interactive: dict[str, float] | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """``{collection: {system: {"metrics", "ms", "ap"}}}`` for every folder.

    ``timing``: also fill ``interactive`` with searchkit's mean ms per query at
    ``limit=10`` with snippets (what ``searchkit query`` does), warm.
    """
    config = config or {}
    interactive = interactive if interactive is not None else {}
    all_results: dict[str, dict[str, dict[str, Any]]] = {}
    for folder in folders:
        collection = load_collection(folder, which)
        judged = {q: collection.queries[q] for q in collection.judged}
        runs = run_peers(collection, peers, limit, judged)
        temp = None
        if forms:
            ix, note, temp = open_index(collection, index_root)
            try:
                if verbose:
                    print(f"[{collection.name}] searchkit: {note}", file=sys.stderr)
                runs.update(run_searchkit(ix, judged, forms, limit, config))
                if timing:
                    interactive[collection.name] = interactive_ms(ix, form_queries(judged, forms[-1]), config)
            finally:
                ix.close()
                if temp:
                    shutil.rmtree(temp, ignore_errors=True)
        if runs_dir is not None:
            (runs_dir / collection.name).mkdir(parents=True, exist_ok=True)
            for system, (run, _) in runs.items():
                write_run(runs_dir / collection.name / f"{system}.txt", run, tag=system)
        results = score_runs(collection, runs)
        all_results[collection.name] = results
        if verbose:
            print("\n".join(collection_table(collection.name, len(collection.docs), len(judged), results)))
            print(flush=True)
    return all_results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("collections", type=Path, nargs="*", help="folders with docs.jsonl, queries.tsv, qrels.txt")
    parser.add_argument("--all", type=Path, nargs="*", metavar="DIR",
                        help="every collection under these folders (none given: ../shared/corpora/relevance "
                             "and collections/)")
    parser.add_argument("--limit", type=int, default=1000, help="results per query (default 1000)")
    parser.add_argument("--queries", choices=["short", "nl", "all"], default="all",
                        help="Reuters query set to run (by qid suffix; default all)")
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                        help="keyword option for searchkit's Index.search (repeatable)")
    parser.add_argument("--forms", default=",".join(FORMS),
                        help="searchkit query forms: original,lower (default both; empty: peers only)")
    parser.add_argument("--peers", default=",".join(PEERS), help=f"peers to run (default {','.join(PEERS)})")
    parser.add_argument("--index-root", type=Path,
                        help="keep searchkit's index of each collection here and reuse it (default: temporary)")
    parser.add_argument("--runs", type=Path, help="write every TREC run to DIR/<collection>/<system>.txt")
    parser.add_argument("--per-query", action="store_true", help="print each query's AP (searchkit vs best peer)")
    parser.add_argument("--timing", action="store_true",
                        help="also time searchkit as `searchkit query` runs: limit 10 with snippets, warm")
    parser.add_argument("--json", type=Path, help="also write all figures as JSON here")
    parser.add_argument("--exact-boost", type=float, metavar="W",
                        help="weight of the exact-form evidence (a word as typed, not only its stem) instead of "
                             "searchkit.query.EXACT_FORM_BOOST; 0 turns it off (docs/relevance.md measures it)")
    args = parser.parse_args(argv)
    if args.exact_boost is not None:
        set_exact_boost(args.exact_boost)

    folders = list(args.collections)
    if args.all is not None:
        roots = args.all or default_roots()
        folders += find_collections(roots)
    if not folders:
        parser.error("give collection folders or --all")
    for folder in folders:
        if not is_collection(folder):
            raise SystemExit(f"{folder}: no docs.jsonl, queries.tsv and qrels.txt; is this a collection folder?")
    forms = [f for f in args.forms.split(",") if f]
    peers = [p for p in args.peers.split(",") if p]
    for name in forms:
        if name not in FORMS:
            raise SystemExit(f"--forms: unknown form {name!r}; use {', '.join(FORMS)}")
    for name in peers:
        if name not in PEERS:
            raise SystemExit(f"--peers: unknown peer {name!r}; use {', '.join(PEERS)}")
    config = parse_config(args.config)
    print(f"{len(folders)} collection(s); searchkit options {config or '{}'}; limit {args.limit}\n")
    interactive: dict[str, float] = {}
    all_results = evaluate_collections(folders, limit=args.limit, config=config, forms=forms, peers=peers,
                                       which=args.queries, index_root=args.index_root, runs_dir=args.runs,
                                       timing=args.timing, interactive=interactive)
    lines, figures = summary(all_results)
    print("\n".join(lines))
    if interactive:
        print(f"\nsearchkit at limit 10 with snippets ({forms[-1]} queries), mean ms per query:")
        for name, ms in interactive.items():
            print(f"  {name:<18}{ms:8.1f}")
        figures["interactive_ms"] = interactive
    if args.per_query:
        for name, results in all_results.items():
            peer, _ = best_peer(results)
            for system in (s for s in results if s not in PEERS):
                print(f"\n{name}: per-query AP, {system} vs {peer}")
                mine, base = results[system]["ap"], results[peer]["ap"]
                for qid in sorted(mine, key=lambda q: mine[q] - base[q]):
                    print(f"  {qid:<24} {base[qid]:.4f} {mine[qid]:.4f} {mine[qid] - base[qid]:+.4f}")
    if args.json:
        report = {"collections": {n: {s: {"metrics": r["metrics"], "ms": r["ms"],
                                          **({"ap": r["ap"]} if args.per_query else {})}
                                      for s, r in res.items()} for n, res in all_results.items()},
                  "summary": figures, "config": config, "limit": args.limit}
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
