"""The distributed search of a sharded index: statistics first, shards ranked apart, pools merged.

This is Elasticsearch's ``dfs_query_then_fetch``, with one shard per thread
(:class:`ThreadShards`) or per Dask task (:class:`searchkit.shards.tasks.DaskShards`);
the per-shard work is in :mod:`searchkit.shards.phases`:

1. *compile*: the query is parsed and compiled once, where it is asked
   (prefixes expanded over every shard's terms, through the joined reader);
2. *dfs*: every shard returns the statistics the compiled query needs
   (N, document and collection frequencies of its terms, field lengths),
   summed into :class:`~searchkit.shards.phases.GatheredStats`;
3. *query*: every shard runs the first pass of the ranking
   (:func:`searchkit.ranking.pipeline.first_pass`) with those statistics, so
   its scores are the ones one index over all the documents would give, and
   returns its top pool, its match count, and (when asked) the cluster
   labels and raw facet counts of all its matches;
4. *merge*: the pools are merged by score (equal scores by document id, as
   every cut of the ranking orders them, :mod:`searchkit.ranking.ties`; each
   shard's pool was cut the same way, so it holds every document of the
   global pool that lives on that shard), the re-rank stages
   (:func:`searchkit.ranking.pipeline.rerank`: exact forms, proximity,
   feedback) run once on the merged pool (reading the pooled documents'
   positions and stored text from their shards' segments), copies collapse,
   totals and facets are summed;
5. *fetch*: stored fields and snippets of the final page only, each from the
   shard that holds it.

:func:`fanout_search` is what :meth:`ShardedIndex.search` runs; it answers
None for what only the joined reader answers exactly (a date sort,
``stream=True``, feedback that adds documents: ``fb_mode`` ``"full"`` or
``"tiers"``), and the caller then searches the joined reader.
:func:`fanout_ranking` is the ranking alone (ids and scores).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .phases import GatheredStats, QueryPlan, query_terms

__all__ = ["SummedStats", "ThreadShards", "fanout_search", "fanout_ranking"]


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


class ThreadShards:
    """Runs a phase on shards held open in this process, one thread per shard.

    ``readers``: one Whoosh reader per shard, in shard order (kept open by the caller).
    """

    kind = "threads"

    def __init__(self, readers, threads: int | None = None):
        from whoosh.searching import Searcher

        self.searchers = [Searcher(reader, closereader=False) for reader in readers]
        self.count = len(self.searchers)
        self._pool = ThreadPoolExecutor(max_workers=threads or min(len(readers), 8) or 1,
                                        thread_name_prefix="searchkit-shard")

    def run(self, phase: str, calls: dict[int, tuple]) -> dict[int, Any]:
        """``{shard: phase(shard's searcher, *args)}`` for ``calls`` ``{shard: args}``; a shard's error is raised."""
        from . import phases

        function = getattr(phases, phase)
        if len(calls) == 1:  # one shard: no thread hand-off
            (shard, args), = calls.items()
            return {shard: function(self.searchers[shard], *args)}
        futures = {shard: self._pool.submit(function, self.searchers[shard], *args) for shard, args in calls.items()}
        return {shard: future.result() for shard, future in futures.items()}

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _gather(shards, terms: list[tuple[str, str]], stats: GatheredStats | None = None) -> GatheredStats:
    """The dfs phase: ``terms``' statistics from every shard, summed (into ``stats`` when given: a
    later round, for terms a shard found missing, collection frequencies included)."""
    replies = shards.run("shard_dfs", {shard: (terms, stats is None, stats is not None)
                                       for shard in range(shards.count)})
    if stats is None:
        return GatheredStats([replies[shard] for shard in sorted(replies)])
    for reply in replies.values():
        stats.add(reply)
    return stats


def _query_phase(shards, plan: QueryPlan, stats: GatheredStats) -> dict[int, dict[str, Any]]:
    """The query phase on every shard; statistics a shard found missing are gathered and the phase rerun."""
    for _ in range(4):
        replies = shards.run("shard_query", {shard: (plan, stats) for shard in range(shards.count)})
        missing = [tuple(term) for reply in replies.values() for term in reply.get("missing", ())]
        if not missing:
            return replies
        _gather(shards, list(dict.fromkeys(missing)), stats)
    raise RuntimeError("the shards kept asking for statistics not gathered")  # pragma: no cover


def fanout_applies(compiled, config, *, sort: str = "relevance", stream: bool = False) -> bool:
    """Whether :func:`fanout_search` answers exactly: relevance order, no streaming, and feedback (if it
    applies) only re-ranking the pool (``fb_mode`` ``"full"``/``"tiers"`` find documents from the
    merged pool's terms: a second whole-collection pass the joined reader runs)."""
    from ..ranking.pipeline import _feedback_applies

    if sort != "relevance" or stream:
        return False
    return not (_feedback_applies(compiled, config) and config.fb_mode != "rerank")


def fanout_search(ix, shards, text: str, *, limit: int = 10, offset: int = 0, sort: str = "relevance",
                  since=None, until=None, snippets: bool = True, ranking=None, feedback: bool | None = None,
                  facets=None, facet_size: int = 10, collapse: bool = True, where=None, stream: bool = False,
                  **filters: Any):
    """:meth:`searchkit.Index.search` over the sharded index ``ix``, shard by shard through ``shards``
    (:class:`ThreadShards` or :class:`~searchkit.shards.tasks.DaskShards`).

    Returns a :class:`~searchkit.results.SearchResults` equal to the joined reader's (ids, scores,
    order, totals, facets, snippets), or None when only the joined reader answers exactly
    (:func:`fanout_applies`).  Raises :class:`~searchkit.errors.QueryError` as :meth:`Index.search`.
    """
    from whoosh.query.qcore import Every

    from ..errors import QueryError
    from ..facets import where_query
    from ..query import compile_query, is_best_match, parse_query, Words
    from ..ranking import resolve_ranking
    from ..ranking.pipeline import pool_size, query_config, rerank
    from ..results import SearchResults
    from ..search import SORTS, _and_filters, _filter_nodes

    started = time.perf_counter()
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    if sort != "relevance" or stream:
        return None
    joined = ix._searcher_now()
    readers = list(ix._readers)
    config = resolve_ranking(ranking, feedback)
    limit, offset = max(0, int(limit)), max(0, int(offset))
    compiled = compile_query(parse_query(text), joined.reader(), filters=_filter_nodes(since, until, filters))
    flt = _and_filters(compiled.filter, where_query(where))
    query = compiled.query
    if query is None:
        if flt is None:
            return SearchResults([], 0, (time.perf_counter() - started) * 1000, text,
                                 facets={name: [] for name in facets or ()})
        query = Every()
    config = query_config(compiled, config)
    if not fanout_applies(compiled, config, sort=sort, stream=stream):
        return None
    bases, base = [], 0
    for reader in readers:
        bases.append(base)
        base += reader.doc_count_all()
    stats = _gather(shards, query_terms(query))  # 2. dfs
    wanted = offset + limit
    fetch = wanted * 2 + 10 if collapse and wanted else wanted
    plain = is_best_match(compiled.node, kinds=(Words,))
    names = tuple(dict.fromkeys(facets or ()))
    _check_facets(names)
    while True:
        plan = QueryPlan(query, flt, compiled, config, fetch, names, collapse)
        replies = _query_phase(shards, plan, stats)  # 3. query
        meta: dict[int, tuple] = {}
        pooled = []
        for shard, reply in replies.items():
            for docnum, score, doc_id, label, when in reply["pool"]:
                meta[bases[shard] + docnum] = (shard, docnum, doc_id, label, when)
                pooled.append((bases[shard] + docnum, score))
        pooled.sort(key=lambda item: (-item[1], meta[item[0]][2]))  # 4. merge: score, then id
        merged = pooled[:pool_size(compiled, fetch, config)]
        ranked, _ = rerank(joined, merged, compiled, config, stats=SummedStats(readers), query=query, flt=flt,
                           wanted=fetch, plain=plain)
        if not collapse:
            break
        groups = _collapse(ranked, meta)
        if len(groups) >= wanted or len(ranked) < fetch:
            break
        fetch *= 4
    matches = sum(reply["total"] for reply in replies.values())
    labels: dict[int, str | None] = {docnum: meta[docnum][3] for docnum, _ in ranked}
    uncollapsed = None
    total = matches
    if collapse:
        ranked = [(docnum, score) for docnum, score, _ in groups]
        uncollapsed = matches
        unlabelled = sum(reply["clusters"][0] for reply in replies.values())
        total = unlabelled + len(set().union(*(reply["clusters"][1] for reply in replies.values())))
    counted = _merge_facets([reply["facets"] for reply in replies.values()], names, facet_size, collapse) \
        if names else None
    page = ranked[offset:wanted]
    hits = _fetch(shards, page, meta, labels, compiled.snippet_marks if snippets else None, offset)  # 5. fetch
    return SearchResults(hits, total, (time.perf_counter() - started) * 1000, text,
                         total_uncollapsed=uncollapsed, facets=counted)


def _check_facets(names) -> None:
    from ..errors import QueryError
    from ..facets import FACETS

    for name in names:
        if name not in FACETS:
            raise QueryError(f"unknown facet {name!r}; use one of {', '.join(FACETS)}")


def _collapse(ranked: list[tuple[int, float]], meta: dict[int, tuple]) -> list[tuple[int, float, str]]:
    """:func:`searchkit.clusters.collapse` (by score) from the pooled documents' labels, dates and ids."""
    groups: dict[str, list[tuple[int, float]]] = {}
    for docnum, score in ranked:
        label = meta[docnum][3]
        groups.setdefault(label if label else f"#{docnum}", []).append((docnum, score))
    out = []
    for label, members in groups.items():
        best_doc, best_score = members[0]
        tied = [docnum for docnum, score in members if score == best_score]
        if len(tied) > 1:
            best_doc = min(tied, key=lambda docnum: (meta[docnum][4], meta[docnum][2]))
        out.append((best_doc, best_score, label))
    return out


def _merge_facets(parts: list[dict[str, Any]], names: tuple[str, ...], size: int, grouped: bool):
    """:func:`searchkit.facets.count_facets`' answer from the shards' raw counts (:func:`~.phases._raw_facets`).

    Each raw value or day carries ``[documents without a cluster, {cluster labels}]``; summed over the
    shards, a value counts its documents (``grouped``: its distinct clusters, a document without one
    being its own), as one index would.
    """
    from collections import Counter, defaultdict
    from datetime import date

    from ..facets import DATE_FACETS, TEXT_FACETS
    from ..schema import FIRST_DATE

    def summed(key: str) -> dict:
        out: dict = {}
        for part in parts:
            for value, (loose, labels) in part[key].items():
                entry = out.setdefault(value, [0, set()])
                entry[0] += loose
                entry[1] |= labels
        return out

    counts: dict[str, Counter] = {name: Counter() for name in names}
    spellings: dict[str, dict[str, Counter]] = {name: defaultdict(Counter) for name in names}
    groups: dict[tuple[str, str], list] = {}

    def count(name: str, key: str, entry) -> None:
        if grouped:
            into = groups.setdefault((name, key), [0, set()])
            into[0] += entry[0]
            into[1] |= entry[1]
        else:
            counts[name][key] += entry[0] + len(entry[1])

    if any(name in TEXT_FACETS for name in names):
        for value, entry in summed("values").items():
            if not value:
                continue
            weight = entry[0] + len(entry[1])
            for line in value.decode("utf-8", "replace").split("\n"):
                name, _, text = line.partition("=")
                if name in counts:
                    key = text.casefold()
                    count(name, key, entry)
                    spellings[name][key][text] += weight
    if any(name in DATE_FACETS for name in names):
        first_day = FIRST_DATE.toordinal() - 1
        for day, entry in summed("days").items():
            if day < first_day:  # undated
                continue
            when = date.fromordinal(day + 1)
            for name in names:
                if name in DATE_FACETS:
                    label = f"{when.year:04d}" if name == "year" else f"{when.year:04d}-{when.month:02d}"
                    count(name, label, entry)
    for (name, key), (loose, labels) in groups.items():
        counts[name][key] = loose + len(labels)
    from ..facets import facet_listing

    return facet_listing(counts, spellings, names, size)


def _fetch(shards, page, meta, labels, terms, offset: int):
    """The fetch phase: the page's hits, stored fields and snippets read on the shard holding each."""
    from ..document import stored_metadata
    from ..results import Hit

    wanted_labels = sorted({labels[docnum] for docnum, _ in page if labels.get(docnum)})
    calls: dict[int, list[int]] = {}
    for docnum, _ in page:
        calls.setdefault(meta[docnum][0], []).append(meta[docnum][1])
    targets = range(shards.count) if wanted_labels else sorted(calls)
    replies = shards.run("shard_fetch", {shard: (calls.get(shard, []), terms, wanted_labels) for shard in targets})
    copies: dict[str, int] = {}
    for reply in replies.values():
        for label, number in reply["copies"].items():
            copies[label] = copies.get(label, 0) + number
    hits = []
    for rank, (docnum, score) in enumerate(page, offset + 1):
        shard, local = meta[docnum][0], meta[docnum][1]
        stored, snippet, parts, label = replies[shard]["docs"][local]
        label = labels.get(docnum) or label
        hits.append(Hit(score=float(score), snippet=snippet, rank=rank, snippet_parts=[tuple(p) for p in parts],
                        copies=max(0, copies.get(label, 0) - 1) if label else 0, cluster=label,
                        **stored_metadata(stored)))
    return hits


def fanout_ranking(ix, text: str, limit: int = 10, *, threads: int | None = None,
                   ranking=None, feedback: bool | None = None, since=None, until=None,
                   **filters: Any) -> list[tuple[str, float]]:
    """The top ``limit`` ``(id, score)`` of ``text`` over the sharded index ``ix``, best first
    (relevance order, copies not collapsed), each shard ranked by its own thread.

    ``since``/``until``/field filters and ``ranking``/``feedback`` as in
    :meth:`searchkit.Index.search`.  Raises :class:`~searchkit.errors.QueryError`
    for an impossible date, :class:`ValueError` for a ranking whose feedback
    adds documents (``fb_mode`` ``"full"``/``"tiers"``).
    """
    ix._searcher_now()
    shards = ThreadShards(ix._readers, threads)
    try:
        found = fanout_search(ix, shards, text, limit=limit, snippets=False, ranking=ranking, feedback=feedback,
                              collapse=False, since=since, until=until, **filters)
    finally:
        shards.close()
    if found is None:
        raise ValueError("this ranking's feedback adds documents: search the joined reader")
    return [(hit.id, hit.score) for hit in found]
