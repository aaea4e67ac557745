"""Running a query: ranking, date filters and sorting, hits with snippets."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from whoosh.query.compound import And, Or
from whoosh.query.qcore import Every
from whoosh.query.terms import Term

from .analysis import analyze
from .dates import DateError, parse_date_bound
from .errors import QueryError
from .highlight import Snippet, make_snippet
from .query import DEFAULT_FIELDS, compile_query, date_range_query, parse_query
from .ranking import FieldsTerm, NewsBM25, RankingConfig, resolve_ranking, rm3_expansion

__all__ = ["Hit", "SearchResults", "run_search", "SORTS", "FILTER_FIELDS"]

SORTS = ("relevance", "date", "-date")
#: Keyword filters ``Index.search`` accepts besides ``since``/``until``.
FILTER_FIELDS = ("title", "body", "author", "tags", "source", "dateline")
#: How many top documents are re-ranked so that those with all the words come first
#: (the default of :attr:`RankingConfig.pool`).
RERANK_POOL = 200


@dataclass
class Hit:
    """One search result.  ``snippet`` marks matched words with ``**``."""

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
        }


class SearchResults(list):
    """A list of :class:`Hit` with ``total`` (all matches), ``took_ms`` and ``query``."""

    def __init__(self, hits: list[Hit], total: int, took_ms: float, query: str):
        super().__init__(hits)
        self.total = total
        self.took_ms = took_ms
        self.query = query

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "took_ms": round(self.took_ms, 2),
            "hits": [hit.to_dict() for hit in self],
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


def _filter_query(since: Any, until: Any, filters: dict[str, Any]):
    parts = []
    start, end = _bound(since, end=False), _bound(until, end=True)
    if start and end and start > end:
        raise QueryError("--since is after --until: nothing can match")
    if start or end:
        parts.append(date_range_query(start, end))
    for name, value in filters.items():
        if name not in FILTER_FIELDS:
            raise TypeError(f"unknown filter {name!r}; use one of {', '.join(FILTER_FIELDS)}, since, until")
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple, set)) else [value]
        for item in values:
            terms = analyze(str(item))
            parts.extend(Term(name, term) for term in terms)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)


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
    **filters: Any,
) -> SearchResults:
    """Search with an open Whoosh ``searcher``; see :meth:`searchkit.Index.search`.

    ``ranking`` overrides the ranking defaults (a :class:`RankingConfig` or a
    dict of its fields); ``feedback`` switches pseudo-relevance feedback on or off.
    """
    started = time.perf_counter()
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    config = resolve_ranking(ranking, feedback)
    limit, offset = max(0, int(limit)), max(0, int(offset))
    compiled = compile_query(parse_query(text), searcher.reader())
    flt = _filter_query(since, until, filters)
    query = compiled.query
    if query is None:
        # Nothing searchable (only stopwords or punctuation): with a filter,
        # list what the filter matches; otherwise there is nothing to find.
        if flt is None:
            return SearchResults([], 0, (time.perf_counter() - started) * 1000, text)
        query = Every()
    wanted = offset + limit
    if sort == "relevance":
        ranked, total = _ranked(searcher, query, flt, compiled, wanted, config)
    else:
        ranked, total = _by_date(searcher, query, flt, wanted, newest_first=(sort == "-date"),
                                 context=searcher.context(weighting=_weighting(config)))
    page = ranked[offset:wanted]
    hits = []
    for rank, (docnum, score) in enumerate(page, offset + 1):
        stored = searcher.stored_fields(docnum)
        snippet = Snippet([])
        if snippets:
            snippet = make_snippet(stored.get("body") or stored.get("title") or "", compiled.terms)
        hits.append(
            Hit(
                id=stored.get("id"),
                score=float(score),
                title=stored.get("title"),
                date=stored.get("date_iso"),
                author=stored.get("author"),
                tags=list(stored.get("tag_list") or []),
                source=stored.get("source"),
                url=stored.get("url"),
                path=stored.get("path"),
                snippet=str(snippet),
                rank=rank,
                dateline=stored.get("dateline"),
                snippet_parts=snippet.parts,
            )
        )
    took = (time.perf_counter() - started) * 1000
    return SearchResults(hits, total, took, text)


_WEIGHTINGS: dict[RankingConfig, NewsBM25] = {}


def _weighting(config: RankingConfig) -> NewsBM25:
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


def _ranked(searcher, query, flt, compiled, wanted: int, config: RankingConfig) -> tuple[list[tuple[int, float]], int]:
    context = searcher.context(weighting=_weighting(config))
    if wanted == 0:
        results = _run(searcher, query, context, limit=1, filter=flt)
        return [], len(results)
    clauses = compiled.clauses
    if config.feedback and compiled.best_match and clauses:
        query = _expanded(searcher, query, flt, compiled, config, context)
    coordinate = len(clauses) > 1 and config.coordination != "none"
    if config.coordination == "tier" and len(clauses) > config.tier_max_words:
        coordinate = False
    pool = max(wanted, config.pool) if coordinate else wanted
    results = _run(searcher, query, context, limit=pool, filter=flt)
    total = len(results)
    if not coordinate:
        return [(hit.docnum, hit.score) for hit in results], total
    top = [(hit.docnum, hit.score) for hit in results]
    counts = _clause_counts(searcher, clauses, {docnum for docnum, _ in top})
    n = len(clauses)
    scored = []
    for docnum, score in top:
        count = counts.get(docnum, 0)
        if config.coordination == "soft":
            score *= (count / n) ** config.coord_power
        scored.append((config.coordination == "tier" and count == n, score, docnum))
    scored.sort(key=lambda item: (not item[0], -item[1]))
    return [(docnum, score) for _, score, docnum in scored], total


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


def _expanded(searcher, query, flt, compiled, config: RankingConfig, context):
    """RM3: the user's query plus weighted terms from the top documents of a first pass."""
    first = _run(searcher, query, context, limit=max(1, config.fb_docs), filter=flt)
    documents = []
    for hit in first:
        stored = searcher.stored_fields(hit.docnum)
        text = " ".join(part for part in (stored.get("title"), stored.get("body")) if part)
        documents.append((text, hit.score))
    expansion = rm3_expansion(documents, config.fb_terms)
    if not expansion:
        return query
    # Scores add up over clauses: with the user's words at weight 1 each, the
    # expansion terms share (n_words * (1 - w) / w) so that the user's words
    # hold the fraction w (``fb_original``) of the query's weight.
    original = min(max(config.fb_original, 0.01), 1.0)
    share = len(compiled.clauses) * (1.0 - original) / original
    if share <= 0:
        return query
    extra = [FieldsTerm(DEFAULT_FIELDS, term, boost=share * weight) for term, weight in expansion]
    # Expansion terms also find documents without any of the user's words
    # (that is where RM3's gain comes from: re-scoring only gains a third of it).
    return Or([query, *extra])


def _by_date(searcher, query, flt, wanted: int, newest_first: bool, context=None) -> tuple[list[tuple[int, float]], int]:
    has_date = date_range_query(None, None)
    dated_filter = has_date if flt is None else And([flt, has_date])
    limit = max(wanted, 1)
    dated = _run(searcher, query, context, limit=limit, filter=dated_filter, sortedby="date", reverse=newest_first)
    ranked = [(hit.docnum, hit.score or 0.0) for hit in dated]
    total_dated = len(dated)
    undated = _run(searcher, query, context, limit=limit, filter=flt, mask=has_date)
    total = total_dated + len(undated)
    if len(ranked) < wanted:
        ranked.extend((hit.docnum, hit.score or 0.0) for hit in undated)
    return ranked, total
