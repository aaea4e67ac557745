"""Running a query: filters, sorting, collapsing, totals, facets, and hits with snippets (ranking: :mod:`searchkit.ranking.pipeline`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from whoosh.query.compound import And
from whoosh.query.qcore import Every

from .clusters import collapse as collapse_ranked, copy_count, distinct_clusters, labels_of, raw_labels
from .dates import DateError, parse_date_bound
from .document import stored_metadata
from .errors import QueryError
from .facets import count_facets, matching_docnums
from .highlight import Snippet, document_snippet
from .query import (
    DateNode,
    ExactNode,
    FACET_FIELDS,
    Words,
    compile_query,
    date_range_query,
    is_best_match,
    parse_query,
)
from .ranking.stats import CollectionStats
from .results import Hit, SearchResults, StreamedResults
from .ranking.bm25f import _run, _weighting
from .ranking.config import RankingConfig, resolve_ranking
from .ranking.filtering import filter_docnums
from .ranking.matches import _lazy_total
from .ranking.pipeline import _ranked
from .ranking.proximity import BodyPositions, _arrays_loaded, read_positions

SORTS = ("relevance", "date", "-date")

#: Keyword filters ``Index.search`` accepts besides ``since``/``until``.
FILTER_FIELDS = ("title", "body", "author", "tags", "source", "dateline", "folder")


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
    read = BodyPositions()  # the body positions ranking read: the snippets need not look for the words
    while True:  # collapsed, a page needs more ranked matches than it shows
        if sort == "relevance":
            ranked, total = _ranked(searcher, query, flt, compiled, fetch, config,
                                    plain=is_best_match(node, kinds=(Words,)), stats=stats, kept=read)
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

    marks = compiled.snippet_marks  # what the snippets mark, made once for the page
    body_terms = marks["body"].all_terms()
    if snippets and not stream:
        read = _page_positions(searcher, [docnum for docnum, _ in page], body_terms, read)

    def hit_at(rank: int, docnum: int, score: float) -> Hit:
        stored = searcher.stored_fields(docnum)
        snippet = Snippet([])
        if snippets:
            snippet = document_snippet(stored, marks, read.of(docnum, body_terms))
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


#: A page's positions are read for at most this many terms (a prefix can give a hundred: reading
#: each word's would cost more than looking up the words of ten texts).
PAGE_POSITION_TERMS = 32


def _page_positions(searcher, docnums: list[int], terms: set[str], read: BodyPositions) -> BodyPositions:
    """The body positions of ``terms`` in every document of a page: those ranking read, the others
    read now -- when the posting arrays are read (NumPy loaded), a few array look-ups per word and
    segment cost less than looking up every word of ten texts."""
    known = {docnum: read.of(docnum, terms) for docnum in docnums}
    missing = [docnum for docnum, positions in known.items() if positions is None]
    if not missing or not terms or len(terms) > PAGE_POSITION_TERMS or not _arrays_loaded():
        return read
    positions = {docnum: found for docnum, found in known.items() if found}
    positions.update(read_positions(searcher, "body", sorted(terms), missing))
    return BodyPositions(frozenset(terms), frozenset(docnums), positions)


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


def _by_date(searcher, query, flt, wanted: int, newest_first: bool, context=None) -> tuple[list[tuple[int, float]], int]:
    """The first ``wanted`` matches by date (then undated ones by score); equal dates, and equal
    scores, by ascending id (:mod:`searchkit.ranking.ties`), whatever the index's layout."""
    from .ranking.ties import whoosh_top

    has_date = date_range_query(None, None)
    dated_filter = has_date if flt is None else And([flt, has_date])
    limit = max(wanted, 1)
    reader = searcher.reader()
    column = reader.column_reader("date", translate=False) if reader.has_column("date") else None

    def when(item: tuple[int, float]):
        value = column[item[0]] if column is not None else 0
        return value if newest_first else -value

    keep = filter_docnums(searcher, dated_filter)
    ranked, dated = whoosh_top(lambda n: _run(searcher, query, context, limit=n, filter=keep,
                                              sortedby="date", reverse=newest_first), searcher, limit, when)
    keep = None if flt is None else filter_docnums(searcher, flt)
    mask = filter_docnums(searcher, has_date)
    found, undated = whoosh_top(lambda n: _run(searcher, query, context, limit=n, filter=keep, mask=mask),
                                searcher, limit)
    total = _lazy_total([dated, undated])
    if len(ranked) < wanted:
        ranked.extend(found)
    return ranked, total
