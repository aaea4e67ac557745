"""The distributed ranking of a sharded index: statistics first, shards scored apart, pools merged.

This is the search a cluster runs when each shard lives on its own machine
(Elasticsearch's ``dfs_query_then_fetch``), here with one thread per shard:

1. *dfs*: the query is parsed and compiled once (prefixes expanded over every
   shard's terms) and the collection statistics it needs -- N, document
   frequencies, field lengths, collection frequencies -- are summed over the
   shards (:class:`SummedStats`, a :class:`~searchkit.ranking.stats.CollectionStats`);
2. *query*: every shard runs the first pass of the ranking
   (:func:`searchkit.ranking.pipeline.first_pass`) with those statistics, so its
   scores are the ones one index over all the documents would give;
3. *merge*: the shards' pools are merged by score (equal scores by document
   id, as every cut of the ranking orders them, :mod:`searchkit.ranking.ties`;
   each shard's pool was cut the same way, so it holds every document of
   the global pool that lives on that shard) and
   the re-rank stages (:func:`searchkit.ranking.pipeline.rerank`: exact forms,
   proximity, feedback, coordination) run once on the merged pool;
4. *fetch*: only the final page's stored fields are read.

:meth:`ShardedIndex.search` gives the same ranking through one searcher over
every shard's segments (which also counts facets, collapses copies and makes
snippets); :func:`fanout_ranking` is the shard-by-shard form, tested equal to it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["SummedStats", "fanout_ranking"]


class SummedStats:
    """:class:`~searchkit.ranking.stats.CollectionStats` of a collection split over ``readers``: every
    figure is the sum of the shards' (averages are the summed length over the summed count)."""

    def __init__(self, readers):
        from ..ranking.stats import SearcherStats

        self._parts = [SearcherStats(reader) for reader in readers]
        self._n = sum(part.doc_count() for part in self._parts)
        self._memo: dict[tuple, Any] = {}

    def _sum(self, name: str, *args: Any):
        key = (name, *args)
        if key not in self._memo:
            self._memo[key] = sum(getattr(part, name)(*args) for part in self._parts)
        return self._memo[key]

    def doc_count(self) -> int:
        return self._n

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return self._sum("doc_frequency", fieldname, text)

    def field_length(self, fieldname: str) -> int:
        return self._sum("field_length", fieldname)

    def avg_field_length(self, fieldname: str) -> float:
        if not any(part.avg_field_length(fieldname) for part in self._parts):
            return 0.0  # absent or not scorable anywhere
        return self.field_length(fieldname) / (self._n or 1)

    def frequency(self, fieldname: str, text: str) -> float:
        return self._sum("frequency", fieldname, text)


def fanout_ranking(ix, text: str, limit: int = 10, *, threads: int | None = None,
                   ranking=None, feedback: bool | None = None, since=None, until=None,
                   **filters: Any) -> list[tuple[str, float]]:
    """The top ``limit`` ``(id, score)`` of ``text`` over the sharded index ``ix``, best first
    (relevance order, copies not collapsed), each shard ranked by its own thread.

    ``since``/``until``/field filters and ``ranking``/``feedback`` as in
    :meth:`searchkit.Index.search`.  Raises :class:`~searchkit.errors.QueryError`
    for an impossible date.
    """
    from whoosh.query.qcore import Every
    from whoosh.searching import Searcher

    from ..query import Words, compile_query, is_best_match, parse_query
    from ..ranking import resolve_ranking
    from ..ranking.pipeline import first_pass, pool_size, query_config, rerank
    from ..ranking.ties import top_by_score
    from ..search import _filter_nodes

    joined = ix._searcher_now()
    readers = list(ix._readers)
    config = resolve_ranking(ranking, feedback)
    node = parse_query(text)
    compiled = compile_query(node, joined.reader(), filters=_filter_nodes(since, until, filters))
    query, flt = compiled.query, compiled.filter
    if query is None:
        if flt is None:
            return []
        query = Every()
    config = query_config(compiled, config)
    wanted = max(0, int(limit))
    if not wanted:
        return []
    stats = SummedStats(readers)  # 1. dfs: the whole collection's statistics
    bases, base = [], 0
    for reader in readers:
        bases.append(base)
        base += reader.doc_count_all()

    def shard_pass(index: int) -> list[tuple[int, float]]:  # 2. query, on one shard
        searcher = Searcher(readers[index], closereader=False)
        top, _ = first_pass(searcher, query, flt, compiled, wanted, config, stats=stats)
        return [(bases[index] + docnum, score) for docnum, score in top]

    with ThreadPoolExecutor(max_workers=threads or min(len(readers), 8)) as pool:
        pools = list(pool.map(shard_pass, range(len(readers))))
    # 3. merge (each shard's pool holds all of its documents in the global pool), then re-rank once
    merged = top_by_score(joined, [hit for p in pools for hit in p], pool_size(compiled, wanted, config))
    top, _ = rerank(joined, merged, compiled, config, stats=stats, query=query, flt=flt, wanted=wanted,
                    plain=is_best_match(compiled.node, kinds=(Words,)))
    ids = joined.reader().column_reader("id")  # 4. fetch the page only
    out = []
    for docnum, score in top[:wanted]:
        value = ids[docnum]
        out.append((value.decode() if isinstance(value, bytes) else value, float(score)))
    return out
