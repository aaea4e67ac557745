"""Equal scores in a layout-independent order: ties broken by the document's id.

Whoosh numbers documents by where they sit in the index (segment, shard,
the order they were written, what a merge did), so ordering equal scores by
document number gives one ranking for an index and another for the same
documents sharded or merged differently.  Every cut of a ranked list (the
first-pass pool, a re-rank depth, the page) and the final order break ties
by the ``id`` instead: ascending id string, the same on every layout.

The ids are read only where ties matter: for the documents whose score is
shared by another one in the kept list, and, at a cut, for the group whose
score equals the cut-off score -- never for every match.  :data:`ids_read`
counts them (a measure of the cost).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

__all__ = ["doc_ids", "order_ties", "top_by_score", "whoosh_top"]

#: How many document ids the tie-breaking has read in this process (a cost counter for benchmarks and tests).
ids_read = 0

_score = itemgetter(1)


def doc_ids(searcher, docnums: Iterable[int]) -> dict[int, str]:
    """``{docnum: id}`` for these documents of ``searcher`` (the ``id`` column, else the stored field)."""
    from ..whoosh_ext.columns import column_values

    global ids_read
    wanted = sorted(set(docnums))
    ids_read += len(wanted)
    found: dict[int, str] = {}
    for docnum, value in zip(wanted, column_values(searcher, "id", wanted)):
        if value is None:
            value = searcher.stored_fields(docnum).get("id", "")
        found[docnum] = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return found


def order_ties(searcher, ranked: list[tuple[int, Any]], key: Callable[[tuple[int, Any]], Any] = _score
               ) -> list[tuple[int, Any]]:
    """``ranked`` (already best first by ``key``) with each run of equal ``key`` ordered by ascending id.

    Ids are read only for the documents of such runs.  ``key`` defaults to
    the score (item 1 of ``(docnum, score)``).
    """
    runs: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(ranked) + 1):
        if i == len(ranked) or key(ranked[i]) != key(ranked[start]):
            if i - start > 1:
                runs.append((start, i))
            start = i
    if not runs:
        return ranked
    ids = doc_ids(searcher, (ranked[j][0] for a, b in runs for j in range(a, b)))
    out = list(ranked)
    for a, b in runs:
        out[a:b] = sorted(out[a:b], key=lambda item: ids[item[0]])
    return out


def top_by_score(searcher, items: Iterable[tuple[int, float]], n: int,
                 key: Callable[[tuple[int, Any]], Any] = _score) -> list[tuple[int, float]]:
    """The ``n`` best ``(docnum, score)`` of ``items``, best first; equal scores by ascending id.

    ``key``: what "best" means, highest first (default: the score; a date
    sort passes the date).

    At the cut, the documents scoring the cut-off score are ranked by id
    (their ids read), so which of them are kept does not depend on
    document numbers.  Cost: one ``heapq.nlargest`` over ``items``, plus one
    more pass only when a tie straddles the cut.
    """
    if n <= 0:
        return []
    if not isinstance(items, (list, tuple)):
        items = list(items)
    if len(items) <= n:
        return order_ties(searcher, sorted(items, key=key, reverse=True), key)
    head = heapq.nlargest(n + 1, items, key=key)
    cut = key(head[n - 1])
    if key(head[n]) != cut:  # no tie straddles the cut
        return order_ties(searcher, head[:n], key)
    kept = [item for item in head if key(item) > cut]
    tied = [item for item in items if key(item) == cut]
    ids = doc_ids(searcher, (docnum for docnum, _ in tied))
    tied.sort(key=lambda item: ids[item[0]])
    return order_ties(searcher, kept, key) + tied[:n - len(kept)]


def whoosh_top(run: Callable[[int], Any], searcher, n: int,
               key: Callable[[tuple[int, Any]], Any] = _score) -> tuple[list[tuple[int, float]], Any]:
    """The ``n`` best ``(docnum, score)`` of a Whoosh search, equal ``key`` by ascending id, and its results.

    ``run(limit)`` runs the search with that limit (Whoosh's collector orders
    equal scores, or equal sort keys, by document number); ``key`` is the
    order the search gives, highest first (default: the score; a score of
    None reads as 0.0).  The limit grows past ``n`` only while
    the last hit fetched still ties with the ``n``-th, so a cut-off group is
    read whole; the results returned are the last run's (for match counts).
    """
    limit = max(1, n) + 1
    while True:
        results = run(limit)
        hits = [(hit.docnum, hit.score if hit.score is not None else 0.0) for hit in results]
        if len(hits) < limit or n <= 0 or key(hits[-1]) != key(hits[n - 1]):
            break
        limit *= 4
    return top_by_score(searcher, hits, n, key), results
