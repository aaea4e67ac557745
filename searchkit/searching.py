"""Running a query: ranking, date filters and sorting, hits with snippets."""

from __future__ import annotations

import heapq
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from collections.abc import Callable
from typing import Any

from whoosh.query.compound import And, Or
from whoosh.query.qcore import Every
from whoosh.query.terms import Term

from .analysis import analyze
from .clusters import collapse as collapse_ranked
from .clusters import copy_count, distinct_clusters, labels_of, raw_labels
from .dates import DateError, parse_date_bound
from .document import stored_metadata
from .errors import QueryError
from .facets import count_facets, matching_docnums
from .highlight import Snippet, make_snippet
from .query import (
    DEFAULT_FIELDS,
    FACET_FIELDS,
    DateNode,
    ExactNode,
    Words,
    compile_query,
    date_range_query,
    is_best_match,
    parse_query,
)
from .ranking import (
    CollectionStats,
    FieldsTerm,
    NewsBM25,
    RankingConfig,
    all_bm25f_scores,
    bm25f_scores,
    document_frequency,
    indexed_bytes,
    pair_frequency,
    query_clarity,
    read_positions,
    relevance_model,
    resolve_ranking,
    rm3_expansion,
)

__all__ = ["Hit", "SearchResults", "StreamedResults", "run_search", "SORTS", "FILTER_FIELDS"]

SORTS = ("relevance", "date", "-date")
#: Keyword filters ``Index.search`` accepts besides ``since``/``until``.
FILTER_FIELDS = ("title", "body", "author", "tags", "source", "dateline", "folder")
#: How many top documents are re-ranked so that those with all the words come first
#: (the default of :attr:`RankingConfig.pool`).
RERANK_POOL = 200


@dataclass
class Hit:
    """One search result.

    ``snippet`` marks matched words with ``**`` (a literal ``*`` in the text is
    escaped as ``\\*``); ``snippet_text`` is the same text without marks and
    ``highlights`` the ``(start, end)`` offsets of the matched words in it.
    """

    id: str
    score: float
    title: str | None
    date: str | None
    author: str | None
    tags: list[str]
    source: str | None
    url: str | None
    path: str | None
    snippet: str
    rank: int = 0
    dateline: str | None = None
    snippet_parts: list[tuple[str, bool]] = field(default_factory=list, repr=False)
    copies: int = 0
    cluster: str | None = None

    @property
    def snippet_text(self) -> str:
        """The snippet as plain text (no marks): safe to show once escaped for the medium."""
        return "".join(text for text, _ in self.snippet_parts)

    @property
    def highlights(self) -> list[tuple[int, int]]:
        """``[start, end)`` offsets of the matched words in :attr:`snippet_text` (code points)."""
        spans, offset = [], 0
        for text, hit in self.snippet_parts:
            if hit:
                spans.append((offset, offset + len(text)))
            offset += len(text)
        return spans

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a hit (``searchkit query --json``)."""
        return {
            "id": self.id,
            "score": round(self.score, 4),
            "title": self.title,
            "date": self.date,
            "author": self.author,
            "tags": self.tags or None,
            "source": self.source,
            "url": self.url,
            "path": self.path,
            "snippet": self.snippet or None,
            "snippet_text": self.snippet_text or None,
            "highlights": [list(span) for span in self.highlights],
            "copies": self.copies,
            "cluster": self.cluster,
        }


class SearchResults(list):
    """A list of :class:`Hit` with ``total`` (all matches), ``took_ms`` and ``query``.

    Also ``total_uncollapsed`` (matches with every copy counted; ``total``
    counts one per near-duplicate cluster when results are collapsed),
    ``facets`` (``{name: [{"value", "count"}]}``, see :mod:`searchkit.facets`)
    and ``suggestion`` (a corrected query, or None).
    """

    @property
    def total(self) -> int:
        """Every match, not only those listed (counted on first access)."""
        if callable(self._total):
            self._total = self._total()
        return self._total

    @property
    def total_uncollapsed(self) -> int:
        """Every match, each copy of a story counted (the same as ``total`` when not collapsed)."""
        if self._uncollapsed is None:
            return self.total
        if callable(self._uncollapsed):
            self._uncollapsed = self._uncollapsed()
        return self._uncollapsed

    def __init__(self, hits: list[Hit], total: int | Callable[[], int], took_ms: float, query: str,
                 total_uncollapsed: int | Callable[[], int] | None = None,
                 facets: dict[str, list[dict[str, Any]]] | None = None, suggestion: str | None = None):
        super().__init__(hits)
        self._total = total
        self._uncollapsed = total_uncollapsed
        self.took_ms = took_ms
        self.query = query
        self.facets = facets if facets is not None else {}
        self.suggestion = suggestion

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "took_ms": round(self.took_ms, 2),
            "hits": [hit.to_dict() for hit in self],
            "total_uncollapsed": self.total_uncollapsed,
            "suggestion": self.suggestion,
            "facets": self.facets,
        }


def _bound(value: Any, *, end: bool) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return parse_date_bound(value.isoformat(), end=end)
    try:
        return parse_date_bound(str(value), end=end)
    except DateError as exc:
        raise QueryError(str(exc)) from None


def _filter_nodes(since: Any, until: Any, filters: dict[str, Any]) -> list:
    """``Index.search``'s filters as query nodes: the same code path as ``date:`` and ``field:value``.

    A value of several words requires each of them in the field (``author="Ann Smith"``).
    Raises ``QueryError`` for an unreadable date or an empty range, ``TypeError`` for an unknown filter.
    """
    nodes: list = []
    start, end = _bound(since, end=False), _bound(until, end=True)
    if start and end and start > end:
        raise QueryError("--since is after --until: nothing can match")
    if start or end:
        nodes.append(DateNode(start, end))
    for name, value in filters.items():
        if name not in FILTER_FIELDS:
            raise TypeError(f"unknown filter {name!r}; use one of {', '.join(FILTER_FIELDS)}, since, until")
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple, set)) else [value]
        if name in FACET_FIELDS:  # an exact value (folder="sport"), as the in-query folder:sport
            nodes.extend(ExactNode(name, str(item)) for item in values)
            continue
        for item in values:
            words = str(item).split()
            nodes.extend(Words(word, name) for word in words)
            if not words:
                nodes.append(Words(str(item), name))  # matches nothing: never a filter that widens
    return nodes


def run_search(
    searcher,
    text: str,
    *,
    limit: int = 10,
    offset: int = 0,
    sort: str = "relevance",
    since: Any = None,
    until: Any = None,
    snippets: bool = True,
    ranking: RankingConfig | dict[str, Any] | None = None,
    feedback: bool | None = None,
    facets: list[str] | tuple[str, ...] | None = None,
    facet_size: int = 10,
    collapse: bool = True,
    where: dict[str, Any] | None = None,
    stream: bool = False,
    stats: CollectionStats | None = None,
    **filters: Any,
) -> SearchResults:
    """Search with an open Whoosh ``searcher``; see :meth:`searchkit.Index.search`.

    ``ranking`` overrides the ranking defaults (a :class:`RankingConfig` or a
    dict of its fields); ``feedback`` switches pseudo-relevance feedback on or off.
    ``facets``, ``facet_size``, ``where`` (and ``folder=``): see
    :mod:`searchkit.facets`; ``collapse``: one hit per near-duplicate cluster
    (:mod:`searchkit.clusters`); ``stream``: every match from ``offset`` on,
    as :class:`StreamedResults` whose hits are made one at a time;
    ``stats``: the :class:`~searchkit.ranking.stats.CollectionStats` every
    idf, document count and average length is read from (default: this
    searcher's index; a sharded search passes the whole collection's).
    """
    started = time.perf_counter()
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    config = resolve_ranking(ranking, feedback)
    limit, offset = max(0, int(limit)), max(0, int(offset))
    if sort != "relevance" and not (text or "").strip():
        text = "*"  # "the latest stories": nothing to rank by, every document in date order
    node = parse_query(text)
    compiled = compile_query(node, searcher.reader(), filters=_filter_nodes(since, until, filters))
    node = compiled.node
    from .facets import where_query

    flt = _and_filters(compiled.filter, where_query(where))
    query = compiled.query
    if query is None:
        # Nothing searchable (only stopwords or punctuation): with a filter,
        # list what the filter matches; otherwise there is nothing to find.
        if flt is None:
            empty = {name: [] for name in facets or ()}
            return SearchResults([], 0, (time.perf_counter() - started) * 1000, text, facets=empty)
        query = Every()
    wanted = offset + limit
    if stream:
        wanted = searcher.doc_count_all() + 1  # every match
    fetch = wanted * 2 + 10 if collapse and wanted else wanted
    while True:  # collapsed, a page needs more ranked matches than it shows
        if sort == "relevance":
            ranked, total = _ranked(searcher, query, flt, compiled, fetch, config,
                                    plain=is_best_match(node, kinds=(Words,)), stats=stats)
        else:
            ranked, total = _by_date(searcher, query, flt, fetch, newest_first=(sort == "-date"),
                                     context=searcher.context(weighting=_weighting(config, stats)))
        if not collapse:
            break
        groups = collapse_ranked(searcher, ranked, by_score=(sort == "relevance"))
        if len(groups) >= wanted or len(ranked) < fetch:
            break
        fetch *= 4
    labels = None
    if collapse:
        ranked = [(docnum, score) for docnum, score, _ in groups]
        labels = {docnum: label for docnum, _, label in groups}
    page = ranked[offset:wanted]
    if labels is None:
        labels = labels_of(searcher, (docnum for docnum, _ in page))

    def hit_at(rank: int, docnum: int, score: float) -> Hit:
        stored = searcher.stored_fields(docnum)
        snippet = Snippet([])
        if snippets:
            snippet = make_snippet(stored.get("body") or stored.get("title") or "", compiled.terms)
        label = labels.get(docnum) if labels else None
        return Hit(score=float(score), snippet=str(snippet), rank=rank, snippet_parts=snippet.parts,
                   copies=copy_count(searcher, label), cluster=label if label and label[0] != "#" else None,
                   **stored_metadata(stored))

    everything = _all_matches(searcher, query, flt, ranked) if facets or collapse else None
    labelled = _memo(lambda: raw_labels(searcher, everything()))
    uncollapsed = None
    if collapse:
        uncollapsed, total = total, _collapsed_total(searcher, everything, len(page), labelled)
    counted = None
    if facets:
        matches = everything()
        groups_of = labelled() if collapse else None
        counted = count_facets(searcher, matches, list(facets), facet_size, groups=groups_of)
    if stream:
        hits = (hit_at(rank, docnum, score) for rank, (docnum, score) in enumerate(page, offset + 1))
        streamed = StreamedResults(hits, total, (time.perf_counter() - started) * 1000, text,
                                   total_uncollapsed=uncollapsed, facets=counted)
        streamed.matched_docnums = lambda: [docnum for docnum, _ in page]
        return streamed
    hits = [hit_at(rank, docnum, score) for rank, (docnum, score) in enumerate(page, offset + 1)]
    took = (time.perf_counter() - started) * 1000
    return SearchResults(hits, total, took, text, total_uncollapsed=uncollapsed, facets=counted)


class StreamedResults(SearchResults):
    """Search results whose hits are made as they are iterated (once): ``searchkit query --all``."""

    def __init__(self, hits, total, took_ms: float, query: str, **kwargs: Any):
        super().__init__([], total, took_ms, query, **kwargs)
        self._stream = hits

    def __iter__(self):
        return iter(self._stream)


def _and_filters(*parts):
    kept = [part for part in parts if part is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else And(kept)


def _collapsed_total(searcher, everything, shown: int, labelled=None) -> Callable[[], int]:
    """How many clusters the matches fall in, counted when first asked for (a lower bound once the index closed)."""
    def total() -> int:
        try:
            if labelled is not None:
                return len(set(labelled()))
            return distinct_clusters(searcher, everything())
        except Exception:  # the searcher was closed since (the index changed)
            return shown

    return total


def _memo(compute: Callable[[], Any]) -> Callable[[], Any]:
    """``compute``, called once, when first needed."""
    memo: list = []

    def value() -> Any:
        if not memo:
            memo.append(compute())
        return memo[0]

    return value


def _all_matches(searcher, query, flt, ranked) -> Callable[[], list[int]]:
    """Every matching document number, read once when first asked for (facets, the collapsed total)."""
    memo: list[list[int]] = []

    def matches() -> list[int]:
        if not memo:
            found = set(matching_docnums(searcher, query, flt))
            found.update(docnum for docnum, _ in ranked)  # feedback may list documents without a typed word
            memo.append(sorted(found))
        return memo[0]

    return matches


_WEIGHTINGS: dict[RankingConfig, NewsBM25] = {}


def _weighting(config: RankingConfig, stats: CollectionStats | None = None) -> NewsBM25:
    if stats is not None:
        return NewsBM25(config, stats)
    model = _WEIGHTINGS.get(config)
    if model is None:
        if len(_WEIGHTINGS) > 64:
            _WEIGHTINGS.clear()
        model = _WEIGHTINGS[config] = NewsBM25(config)
    return model


def _run(searcher, query, context, **kwargs):
    collector = searcher.collector(**kwargs)
    searcher.search_with_collector(query, collector, context=context)
    return collector.results()


def _match_count(results) -> int:
    """How many documents match, exactly.

    Once Whoosh's top-N collector is full it narrows its matchers to what can
    still reach the top (a union becomes an intersection, blocks are
    skipped), so its running total falls short; it counts again only when
    the *last* segment's matcher skipped blocks.  With several segments the
    total could be short ("cocoa prices": 592 at ``limit=10``, 1,017 in
    truth).  Here the matches are counted (unscored, filters applied)
    whenever the collector filled up.
    """
    collector = results.collector
    top = collector
    while hasattr(top, "child"):
        top = top.child
    if not (hasattr(top, "_use_block_quality") and top.total >= top.limit):
        return collector.count()
    if collector is top:  # no filter or mask: plain words count as a union of posting lists
        leaves = _or_leaves(results.q)
        if leaves is not None:
            return _union_size(results.searcher, leaves)
    return sum(1 for _ in collector.all_ids())


def _or_operands(query, *, unboosted: bool = False) -> list | None:
    """The terms (``Term``/``FieldsTerm``) of a query that only ORs terms together, nested ORs flattened; else None.

    ``unboosted``: an OR carrying a boost of its own does not count.
    """
    if isinstance(query, (Term, FieldsTerm)):
        return [query]
    if isinstance(query, Or) and not (unboosted and query.boost != 1):
        operands = []
        for sub in query.subqueries:
            found = _or_operands(sub, unboosted=unboosted)
            if found is None:
                return None
            operands.extend(found)
        return operands
    return None


def _or_leaves(query) -> list[tuple[str, str]] | None:
    """The ``(field, text)`` terms of a query that is only terms OR-ed together, else None."""
    operands = _or_operands(query)
    if operands is None:
        return None
    return [pair for operand in operands for pair in operand.terms()]


def _union_size(searcher, leaves: list[tuple[str, str]]) -> int:
    """How many documents hold at least one of these terms (posting ids read a block at a time)."""
    return sum(len(ids) for _, ids in union_ids(searcher, leaves))


def union_ids(searcher, leaves: list[tuple[str, str]]) -> list[tuple[object, set[int]]]:
    """Per segment, ``(segment searcher, {docnum})`` of the documents holding at least one of ``leaves``.

    ``leaves``: ``(field, index term)`` pairs.  Docnums are the segment's own;
    deleted documents are left out.  Reads posting ids a block at a time, no scoring.
    """
    return [(sub, segment_union_ids(sub, leaves)) for sub, _ in searcher.leaf_searchers()]


def segment_union_ids(sub, leaves: list[tuple[str, str]]) -> set[int]:
    """One segment's docnums holding at least one of ``leaves`` (posting ids a block at a time, no scoring)."""
    reader = sub.reader()
    ids: set[int] = set()
    for fieldname, text in leaves:
        if fieldname not in sub.schema:
            continue
        btext = indexed_bytes(reader, fieldname, sub.schema[fieldname], text)
        if btext is None:
            continue
        postings = reader.postings(fieldname, btext)
        if hasattr(postings, "_read_ids") and hasattr(postings, "_next_block"):
            while postings.is_active():  # Whoosh's W3 posting blocks
                if postings._ids is None:
                    postings._read_ids()
                ids.update(postings._ids)
                postings._next_block()
        else:  # e.g. deletions filtered out: the generic way
            ids.update(postings.all_ids())
    return ids


def _lazy_total(counted: list) -> Callable[[], int]:
    """The number of matches of these Whoosh results (or counts already known), counted when first asked for.

    Counting costs a pass over the postings (a few ms on Reuters); a caller
    who shows ten hits and no total (as FTS5 would) does not pay for it.
    """
    def total() -> int:
        try:
            return sum(part if isinstance(part, int) else _match_count(part) for part in counted)
        except Exception:  # the searcher was closed since (the index changed): a lower bound
            return sum(part if isinstance(part, int) else len(part) for part in counted)

    return total


def _ranked(searcher, query, flt, compiled, wanted: int, config: RankingConfig,
            plain: bool = False, stats: CollectionStats | None = None) -> tuple[list[tuple[int, float]], int]:
    """The ranking pipeline on one searcher: :func:`first_pass`, then :func:`rerank` of its pool."""
    config = query_config(compiled, config)
    if wanted == 0:
        context = searcher.context(weighting=_weighting(config, stats))
        results = _run(searcher, query, context, limit=1, filter=flt)
        return [], _lazy_total([results])
    top, counted = first_pass(searcher, query, flt, compiled, wanted, config, stats=stats)
    top, related = rerank(searcher, top, compiled, config, stats=stats, query=query, flt=flt,
                          wanted=wanted, plain=plain)
    if related is not None:
        counted.append(related)
    return top, _lazy_total(counted)


def query_config(compiled, config: RankingConfig) -> RankingConfig:
    """``config`` as it applies to this query: a long (natural-language) query leans harder on its rarest words."""
    if len(compiled.clauses) >= config.long_query_words and config.long_idf_power != config.idf_power:
        config = replace(config, idf_power=config.long_idf_power)
    return config


def _feedback_applies(compiled, config: RankingConfig) -> bool:
    return bool(config.feedback and compiled.best_match and len(compiled.clauses) >= max(1, config.fb_min_words))


def pool_size(compiled, wanted: int, config: RankingConfig) -> int:
    """How many documents the first pass keeps: enough for the page and for every re-rank stage's depth."""
    words = _single_words(compiled.clauses)
    depth = config.prox_depth if config.proximity > 0 and len(words) > 1 else 0
    feedback = _feedback_applies(compiled, config) and config.fb_mode != "full"
    fb_depth = config.fb_depth if feedback else 0
    exact_depth = EXACT_DEPTH if compiled.exact and config.fields == "bm25f" else 0
    coordinate = _coordinates(compiled, config)
    return max(wanted, config.pool if coordinate else 0, depth, fb_depth, exact_depth)


def _coordinates(compiled, config: RankingConfig) -> bool:
    coordinate = len(compiled.clauses) > 1 and config.coordination != "none"
    if config.coordination == "tier" and len(compiled.clauses) > config.tier_max_words:
        coordinate = False
    return coordinate


def first_pass(searcher, query, flt, compiled, wanted: int, config: RankingConfig,
               stats: CollectionStats | None = None) -> tuple[list[tuple[int, float]], list]:
    """The first pass: the top :func:`pool_size` ``(docnum, score)`` of ``query``, best first, and what counts the matches.

    ``config`` is :func:`query_config`'s.  Scores use ``stats`` (default: the
    searcher's index) for every idf and average length, so a shard given the
    whole collection's statistics scores as one index would.  The second
    item is a list of match counts (ints or Whoosh results) for the total.
    """
    context = searcher.context(weighting=_weighting(config, stats))
    if _feedback_applies(compiled, config) and config.fb_mode == "full":
        query = _expanded(searcher, query, flt, compiled, config, context)
    pool = pool_size(compiled, wanted, config)
    scores = None
    plain_words = _plain_terms(query) if flt is None and config.fields == "bm25f" else None
    if plain_words is not None:  # plain words: scored term at a time, without Whoosh's matchers
        model = context.weighting
        terms = [(word.text, word.idf(searcher, model), word.boost) for word in plain_words]
        scores = all_bm25f_scores(searcher, model, terms, DEFAULT_FIELDS)
    if scores is not None:
        top = heapq.nlargest(pool, scores.items(), key=_by_score_then_docnum)
        return top, [len(scores)]
    results = _run(searcher, query, context, limit=pool, filter=flt)
    return [(hit.docnum, hit.score) for hit in results], [results]


def rerank(searcher, top: list[tuple[int, float]], compiled, config: RankingConfig,
           stats: CollectionStats | None = None, *, query=None, flt=None, wanted: int = 0,
           plain: bool = False) -> tuple[list[tuple[int, float]], Any]:
    """The re-rank stages, in order, on a pool of ``(docnum, score)`` (best first): exact forms, proximity, feedback, coordination.

    ``top`` may come from :func:`first_pass` on this searcher or be merged
    from several shards' first passes (docnums then being those of
    ``searcher``, e.g. over a ``MultiReader`` of the shards).  Every idf and
    average length comes from ``stats``; the cross-document figures of a
    stage (the feedback documents' relevance model, how often a pair of
    words keeps together) from the pool.  ``query``/``flt``/``wanted``/
    ``plain`` serve only the ``fb_mode="tiers"`` extension (documents found
    by the expansion terms alone); its Whoosh results are the second item
    (None otherwise).
    """
    context = searcher.context(weighting=_weighting(config, stats))
    feedback = _feedback_applies(compiled, config) and config.fb_mode != "full"
    words = _single_words(compiled.clauses)
    depth = config.prox_depth if config.proximity > 0 and len(words) > 1 else 0
    exact_depth = EXACT_DEPTH if compiled.exact and config.fields == "bm25f" else 0
    related = None
    if exact_depth:
        top = _exact_rerank(searcher, top, compiled.exact, context.weighting, exact_depth)
    if depth:
        top = _proximity_rerank(searcher, top, words, config, context.weighting)
    if feedback:
        top, extra = _feedback_rerank(searcher, top, compiled, config, context)
        if extra and config.fb_mode == "tiers" and plain and len(top) < wanted and query is not None:
            # Documents with none of the typed words, found by the expansion
            # terms alone, come after every document that has one of them.
            queries = [FieldsTerm(DEFAULT_FIELDS, term, boost=boost) for term, _, boost in extra]
            related = _run(searcher, _or_query(queries), context, limit=wanted - len(top), filter=flt, mask=query)
            floor = min((score for _, score in top), default=1.0)
            best = max((hit.score for hit in related), default=1.0) or 1.0
            top.extend((hit.docnum, floor * 0.5 * hit.score / best) for hit in related)
    if not _coordinates(compiled, config):
        return top, related
    clauses = compiled.clauses
    counts = _clause_counts(searcher, clauses, {docnum for docnum, _ in top})
    n = len(clauses)
    scored = []
    for docnum, score in top:
        count = counts.get(docnum, 0)
        if config.coordination == "soft":
            score *= (count / n) ** config.coord_power
        scored.append((config.coordination == "tier" and count == n, score, docnum))
    scored.sort(key=lambda item: (not item[0], -item[1]))
    return [(docnum, score) for _, score, docnum in scored], related


#: How many top documents get the exact-form bonus (see :data:`searchkit.query.EXACT_FORM_BOOST`).
EXACT_DEPTH = 50
#: Where the bonus looks for the word as typed (tags are names, seldom inflected).
EXACT_FIELDS = ("title", "body")


def _exact_rerank(searcher, ranked, exact: list[tuple[str, float]], model, depth: int):
    """Add the BM25F scores of the words' exact forms (``=executive``, weighted) to the top ``depth`` documents.

    Read only for those documents (postings skipped to them), so a plain
    query pays for ``depth`` documents, not for every holder of the forms.
    """
    depth = min(depth, len(ranked))
    head, tail = ranked[:depth], ranked[depth:]
    terms = [(term, FieldsTerm(EXACT_FIELDS, term).idf(searcher, model), boost) for term, boost in exact]
    bonus = bm25f_scores(searcher, model, terms, [docnum for docnum, _ in head], EXACT_FIELDS)
    if not bonus:
        return ranked
    head = [(docnum, score + bonus.get(docnum, 0.0)) for docnum, score in head]
    head.sort(key=lambda item: (-item[1], item[0]))
    return head + tail


def _plain_terms(query) -> list[FieldsTerm] | None:
    """The words of a query that is only BM25F words OR-ed together (no boost on the OR), else None."""
    operands = _or_operands(query, unboosted=True)
    if operands is None or not all(isinstance(operand, FieldsTerm) for operand in operands):
        return None
    return operands


def _by_score_then_docnum(item: tuple[int, float]) -> tuple[float, int]:
    return item[1], -item[0]  # ties: the earlier document first, as Whoosh's collector does


def _or_query(queries):
    return queries[0] if len(queries) == 1 else Or(queries)


def _single_words(clauses) -> list[str]:
    """The query's one-term word clauses, in query order (phrases and prefixes left out)."""
    words = []
    for clause in clauses:
        terms = {term for _, term in clause}
        if len(terms) == 1:
            words.append(next(iter(terms)))
    return words


#: Proximity looks at the first this many single words of a query (a pasted
#: paragraph would otherwise cost the square of its length).
MAX_PROXIMITY_WORDS = 32


def _proximity_rerank(searcher, ranked, words, config: RankingConfig, model):
    """Add a term-proximity bonus to the top ``prox_depth`` documents and re-sort them."""
    depth = min(config.prox_depth, len(ranked))
    head, tail = ranked[:depth], ranked[depth:]
    docnums = [docnum for docnum, _ in head]
    words = words[:MAX_PROXIMITY_WORDS]  # pairs grow with the square of the words
    idf = {w: model.term_idf(searcher, "body", w) for w in words}
    stats = model.collection(searcher)
    adjacent = [(a, b, min(idf[a], idf[b])) for a, b in zip(words, words[1:]) if a != b]
    body_b = config.b if config.prox_b is None else config.prox_b
    fields = [("body", 1.0, body_b), ("title", config.title_weight, config.title_b)]
    per_field = []
    for fieldname, weight, b in fields:
        if fieldname not in searcher.schema:
            continue
        avg = stats.avg_field_length(fieldname) or 1.0
        per_field.append((fieldname, weight, b, avg, read_positions(searcher, fieldname, words, docnums)))
    k = config.prox_k
    window = config.prox_window
    found_pairs: list[list[tuple[tuple[str, str], float, float]]] = []  # per document: (pair, idf, tf)
    both: Counter = Counter()  # pair -> head documents holding both words
    near: Counter = Counter()  # pair -> head documents where they occur within the window
    for docnum, _ in head:
        if config.prox_pairs == "adjacent":
            pairs = adjacent
        else:  # every pair of the query's words that are both in this document
            present = set().union(*(positions.get(docnum, ()) for *_, positions in per_field))
            here = [w for w in words if w in present]
            pairs = [(a, b, min(idf[a], idf[b])) for i, a in enumerate(here) for b in here[i + 1:] if a != b]
        entries = []
        for a, b_, pair_idf in pairs:
            tf = 0.0
            held = False
            for fieldname, weight, b, avg, positions in per_field:
                found = positions.get(docnum)
                if not found or a not in found or b_ not in found:
                    continue
                held = True
                freq = pair_frequency(found[a], found[b_], window)
                if freq:
                    length = searcher.doc_field_length(docnum, fieldname, 1)
                    freq /= 1.0 - b + b * length / avg
                tf += weight * freq
            if held:
                both[(a, b_)] += 1
            if tf:
                near[(a, b_)] += 1
                entries.append(((a, b_), pair_idf, tf))
        found_pairs.append(entries)
    # How much each pair's words keep together where both occur (1: always near).
    # Words that merely share documents (a long request's "interested ... information")
    # get little of the bonus; a name or a term of art ("security treaty") all of it.
    scale = {pair: (near[pair] / both[pair]) ** config.prox_cooc if config.prox_cooc else 1.0 for pair in near}
    rescored = []
    for (docnum, score), entries in zip(head, found_pairs):
        bonus = 0.0
        for pair, pair_idf, tf in entries:
            bonus += scale[pair] * pair_idf * tf * (k + 1.0) / (tf + k)
        rescored.append((docnum, score + config.proximity * bonus))
    rescored.sort(key=lambda item: -item[1])
    return rescored + tail


def _clause_counts(searcher, clauses, docnums: set[int]) -> dict[int, int]:
    """For each of ``docnums``, how many of the query's word clauses it contains."""
    counts: dict[int, int] = {}
    for clause in clauses:
        found: set[int] = set()
        for fieldname, term in clause:
            if fieldname not in searcher.schema:
                continue
            found.update(docnums.intersection(searcher.docs_for_query(Term(fieldname, term))))
        for docnum in found:
            counts[docnum] = counts.get(docnum, 0) + 1
    return counts


def _expansion_terms(searcher, ranked, compiled, config: RankingConfig,
                     stats: CollectionStats | None = None) -> list[tuple[str, float, float]]:
    """RM3's expansion terms from the top ``fb_docs`` of ``ranked``: ``[(term, idf, boost)]``.

    Terms in more than ``fb_max_df`` of the documents ("said", "pct") are
    skipped.  With the user's words at weight 1 each, the expansion terms
    share ``n_words * (1 - w) / w`` so that the user's words hold the fraction
    ``w`` (``fb_original``) of the query's weight.
    """
    original = min(max(config.fb_original, 0.01), 1.0)
    share = len(compiled.clauses) * (1.0 - original) / original
    if share <= 0 or config.fb_terms <= 0:
        return []
    documents = []
    for docnum, score in ranked[:max(1, config.fb_docs)]:
        stored = searcher.stored_fields(docnum)
        text = " ".join(part for part in (stored.get("title"), stored.get("body")) if part)
        documents.append((text, score))
    relevance = relevance_model(documents)
    model = _weighting(config, stats)
    collection = model.collection(searcher)
    if config.fb_min_clarity > 0 and query_clarity(relevance, searcher.reader(), stats=collection) < config.fb_min_clarity:
        return []  # the feedback documents do not agree on a subject: feedback would drift
    candidates = rm3_expansion(documents, config.fb_terms * 4 if config.fb_max_df < 1 else config.fb_terms,
                               model=relevance)
    n_docs = max(1, collection.doc_count())
    kept = []
    for term, weight in candidates:
        df = max(collection.doc_frequency(f, term) for f in ("title", "body"))
        if df > config.fb_max_df * n_docs:
            continue
        kept.append((term, model.idf_of(df, n_docs), weight))
        if len(kept) >= config.fb_terms:
            break
    norm = sum(weight for _, _, weight in kept)
    if norm <= 0:
        return []
    return [(term, idf, share * weight / norm) for term, idf, weight in kept]


def _expanded(searcher, query, flt, compiled, config: RankingConfig, context):
    """RM3: the user's query plus weighted terms from the top documents of a first pass."""
    first = _run(searcher, query, context, limit=max(1, config.fb_docs), filter=flt)
    extra = _expansion_terms(searcher, [(hit.docnum, hit.score) for hit in first], compiled, config,
                             stats=context.weighting.stats)
    if not extra:
        return query
    extra = [FieldsTerm(DEFAULT_FIELDS, term, boost=boost) for term, _, boost in extra]
    # Expansion terms also find documents without any of the user's words.
    return Or([query, *extra])


def _feedback_rerank(searcher, ranked, compiled, config: RankingConfig, context):
    """RM3 as a re-ranking: the expansion terms re-score the top ``fb_depth`` documents of ``ranked``.

    Returns the re-ranked list (the same documents) and the expansion terms
    (``[(term, idf, boost)]``; empty when the feedback documents gave none).
    """
    extra = _expansion_terms(searcher, ranked, compiled, config, stats=context.weighting.stats)
    if not extra:
        return ranked, extra
    depth = min(config.fb_depth, len(ranked))
    head, tail = ranked[:depth], ranked[depth:]
    bonus = bm25f_scores(searcher, context.weighting, extra, [docnum for docnum, _ in head], DEFAULT_FIELDS)
    head = [(docnum, score + bonus.get(docnum, 0.0)) for docnum, score in head]
    head.sort(key=lambda item: -item[1])
    return head + tail, extra


def _by_date(searcher, query, flt, wanted: int, newest_first: bool, context=None) -> tuple[list[tuple[int, float]], int]:
    has_date = date_range_query(None, None)
    dated_filter = has_date if flt is None else And([flt, has_date])
    limit = max(wanted, 1)
    dated = _run(searcher, query, context, limit=limit, filter=dated_filter, sortedby="date", reverse=newest_first)
    ranked = [(hit.docnum, hit.score or 0.0) for hit in dated]
    undated = _run(searcher, query, context, limit=limit, filter=flt, mask=has_date)
    total = _lazy_total([dated, undated])
    if len(ranked) < wanted:
        ranked.extend((hit.docnum, hit.score or 0.0) for hit in undated)
    return ranked, total
