"""Ranking-quality metrics (MAP, nDCG@10, P@10, Recall@100) and TREC file I/O.

A *run* is ``{qid: [(docid, score), ...]}`` and *qrels* are
``{qid: {docid: relevance}}``.  The metrics follow ``trec_eval``:

* a document is relevant when its judgement is ``>= 1`` (``relevance_level``);
* **AP** sums the precision at the rank of every relevant document retrieved
  and divides by the number of relevant documents in the qrels (retrieved or
  not); **MAP** is its mean;
* **P@k** is relevant documents in the top ``k`` divided by ``k`` (a run
  shorter than ``k`` is not excused);
* **Recall@k** is relevant documents in the top ``k`` divided by all relevant
  documents;
* **nDCG@k** uses the judgement itself as the gain (``trec_eval``'s
  ``ndcg_cut``: gain = rel, *not* ``2**rel - 1``; the two agree for binary
  qrels) with a ``log2(rank + 1)`` discount; the ideal ranking sorts all judged
  documents of the query by gain.  Negative judgements count as gain 0.

Which queries count: those with at least one relevant document in the qrels.
A query that has relevant documents but no line in the run scores 0 on every
metric (``trec_eval -c``), so a system cannot gain by answering nothing.
Queries without relevant documents, and run queries missing from the qrels, are
skipped.

Ordering: the functions here take a run's lists *in the order given* (rank
order), which is what a search engine returns.  :func:`read_run` orders each
query's lines the way ``trec_eval`` does (score descending, ties by docid
descending), and :func:`write_run` writes scores that are strictly decreasing
in rank order, so a written run read back - by this module or by
``trec_eval`` - is evaluated in exactly the order it was written.  A docid
repeated within a query counts only at its first rank.
"""

from __future__ import annotations

import itertools
import math
import os
import random
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

__all__ = [
    "METRICS",
    "average_precision",
    "ndcg_at",
    "precision_at",
    "recall_at",
    "evaluate_query",
    "evaluate",
    "mean_scores",
    "paired_randomization_test",
    "read_qrels",
    "write_qrels",
    "read_run",
    "write_run",
    "read_queries",
]

#: Metric names in report order.
METRICS = ("map", "ndcg@10", "p@10", "recall@100")

Ranking = Sequence[tuple[str, float]] | Sequence[str]
Run = Mapping[str, Ranking]
Qrels = Mapping[str, Mapping[str, int]]


def _docids(ranking: Ranking) -> list[str]:
    """Docids in rank order, first occurrence of each kept."""
    seen: set[str] = set()
    out: list[str] = []
    for item in ranking:
        docid = item if isinstance(item, str) else item[0]
        if docid not in seen:
            seen.add(docid)
            out.append(docid)
    return out


def _relevant(judgements: Mapping[str, int], level: int = 1) -> set[str]:
    return {doc for doc, rel in judgements.items() if rel >= level}


def average_precision(ranking: Ranking, judgements: Mapping[str, int], *, level: int = 1) -> float:
    """AP: mean over *all* relevant documents of the precision at their rank (0 if not retrieved)."""
    relevant = _relevant(judgements, level)
    if not relevant:
        return 0.0
    found, total = 0, 0.0
    for rank, doc in enumerate(_docids(ranking), 1):
        if doc in relevant:
            found += 1
            total += found / rank
    return total / len(relevant)


def precision_at(ranking: Ranking, judgements: Mapping[str, int], k: int, *, level: int = 1) -> float:
    """Relevant documents among the first ``k``, divided by ``k``."""
    relevant = _relevant(judgements, level)
    return sum(1 for doc in _docids(ranking)[:k] if doc in relevant) / k


def recall_at(ranking: Ranking, judgements: Mapping[str, int], k: int, *, level: int = 1) -> float:
    """Relevant documents among the first ``k``, divided by all relevant documents."""
    relevant = _relevant(judgements, level)
    if not relevant:
        return 0.0
    return sum(1 for doc in _docids(ranking)[:k] if doc in relevant) / len(relevant)


def ndcg_at(ranking: Ranking, judgements: Mapping[str, int], k: int) -> float:
    """nDCG@k with gain = judgement (negatives as 0) and discount ``log2(rank + 1)``."""
    ideal_gains = sorted((max(rel, 0) for rel in judgements.values()), reverse=True)[:k]
    ideal = sum(gain / math.log2(rank + 1) for rank, gain in enumerate(ideal_gains, 1))
    if ideal <= 0:
        return 0.0
    dcg = 0.0
    for rank, doc in enumerate(_docids(ranking)[:k], 1):
        gain = max(judgements.get(doc, 0), 0)
        if gain:
            dcg += gain / math.log2(rank + 1)
    return dcg / ideal


def evaluate_query(ranking: Ranking, judgements: Mapping[str, int]) -> dict[str, float]:
    """All of :data:`METRICS` for one query."""
    return {
        "map": average_precision(ranking, judgements),
        "ndcg@10": ndcg_at(ranking, judgements, 10),
        "p@10": precision_at(ranking, judgements, 10),
        "recall@100": recall_at(ranking, judgements, 100),
    }


def evaluate(run: Run, qrels: Qrels, qids: Iterable[str] | None = None) -> dict[str, dict[str, float]]:
    """Per-query metrics ``{qid: {metric: value}}`` over the qrels queries with a relevant document.

    ``qids`` restricts the evaluation to those queries (still only the ones
    that have relevant documents).  A query absent from ``run`` scores 0.
    """
    wanted = set(qids) if qids is not None else None
    results: dict[str, dict[str, float]] = {}
    for qid in sorted(qrels):
        if wanted is not None and qid not in wanted:
            continue
        judgements = qrels[qid]
        if not _relevant(judgements):
            continue
        results[qid] = evaluate_query(run.get(qid, ()), judgements)
    return results


def mean_scores(per_query: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Mean of every metric over the queries (0 for each when there is none)."""
    n = len(per_query)
    return {m: (sum(scores[m] for scores in per_query.values()) / n if n else 0.0) for m in METRICS}


def paired_randomization_test(
    first: Sequence[float], second: Sequence[float], *, trials: int = 10000, seed: int = 0
) -> float:
    """Two-sided p-value that two systems' per-query scores differ only by chance.

    Fisher's paired randomization (sign-flip) test, as in Smucker, Allan and
    Carterette (CIKM 2007): under the null hypothesis each query's difference
    is as likely to have the other sign, so the p-value is the share of sign
    assignments whose mean difference is at least as far from zero as the one
    observed.  Exact for up to 16 queries; otherwise ``trials`` random
    assignments (fixed ``seed``), counted with the observed one, as
    ``(hits + 1) / (trials + 1)``.
    """
    if len(first) != len(second):
        raise ValueError("the two systems must be scored on the same queries")
    diffs = [b - a for a, b in zip(first, second)]
    observed = abs(sum(diffs))
    if not diffs or observed == 0:
        return 1.0
    tolerance = observed * 1e-12  # float sums of the same values in another order
    if len(diffs) <= 16:
        hits = sum(
            abs(sum(d if keep else -d for d, keep in zip(diffs, signs))) >= observed - tolerance
            for signs in itertools.product((True, False), repeat=len(diffs))
        )
        return hits / 2 ** len(diffs)
    rng = random.Random(seed)
    hits = sum(
        abs(sum(d if rng.random() < 0.5 else -d for d in diffs)) >= observed - tolerance for _ in range(trials)
    )
    return (hits + 1) / (trials + 1)


# --- TREC files -------------------------------------------------------------


def read_qrels(path: str | os.PathLike[str]) -> dict[str, dict[str, int]]:
    """Read TREC qrels (``qid iter docid rel``; blank lines and ``#`` comments skipped)."""
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            if len(parts) != 4:
                raise ValueError(f"{path}:{number}: expected 'qid iter docid rel', got {line.rstrip()!r}")
            qid, _, docid, rel = parts
            qrels.setdefault(qid, {})[docid] = int(rel)
    return qrels


def write_qrels(path: str | os.PathLike[str], qrels: Qrels) -> None:
    """Write TREC qrels, queries and documents in sorted order."""
    with open(path, "w", encoding="utf-8") as handle:
        for qid in sorted(qrels):
            for docid in sorted(qrels[qid], key=_natural):
                handle.write(f"{qid} 0 {docid} {int(qrels[qid][docid])}\n")


def read_run(path: str | os.PathLike[str]) -> dict[str, list[tuple[str, float]]]:
    """Read a TREC run (``qid Q0 docid rank score tag``), each query ordered as trec_eval does.

    trec_eval ignores the rank column and sorts by score descending, breaking
    ties by docid descending; so does this.
    """
    lines: dict[str, list[tuple[str, float]]] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 6:
                raise ValueError(f"{path}:{number}: expected 'qid Q0 docid rank score tag', got {line.rstrip()!r}")
            qid, _, docid, _, score, _ = parts
            lines.setdefault(qid, []).append((docid, float(score)))
    return {qid: sorted(entries, key=lambda e: (e[1], e[0]), reverse=True) for qid, entries in lines.items()}


def write_run(path: str | os.PathLike[str], run: Run, tag: str = "searchkit", *, places: int = 4) -> None:
    """Write a TREC run, keeping each query's given order.

    Scores are written with ``places`` decimals and, where the given scores do
    not strictly decrease (ties, or a re-ranking that is not score order), are
    lowered just enough to do so; the rank column is 1-based.
    """
    unit = 10**places
    with open(path, "w", encoding="utf-8") as handle:
        for qid in sorted(run):
            previous: int | None = None
            rank = 0
            seen: set[str] = set()
            for item in run[qid]:
                docid, score = (item, 0.0) if isinstance(item, str) else (item[0], float(item[1]))
                if docid in seen:
                    continue
                seen.add(docid)
                rank += 1
                value = round(score * unit) if math.isfinite(score) else 0
                if previous is not None and value >= previous:
                    value = previous - 1
                previous = value
                handle.write(f"{qid} Q0 {docid} {rank} {value / unit:.{places}f} {tag}\n")


def read_queries(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read ``qid<TAB>query text`` lines (blank lines and ``#`` comments skipped), in file order."""
    queries: dict[str, str] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        qid, sep, text = line.partition("\t")
        if not sep:
            raise ValueError(f"{path}:{number}: expected 'qid<TAB>query text'")
        queries[qid.strip()] = text.strip()
    return queries


def _natural(docid: str) -> tuple[int, int | str]:
    return (0, int(docid)) if docid.isdigit() else (1, docid)
