"""Matches over time: how many documents a query matches per year or month.

A person looking at a news archive wants to see when a story broke.  The
counts cover every match of the query (not only the page of hits shown), read
from the ``date`` column (no stored document is loaded): one pass over the
query's postings, one column read per match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from array import array
from datetime import date, datetime
from typing import Any
from weakref import WeakKeyDictionary

from whoosh.query.compound import And
from whoosh.query.qcore import Every

from .query import compile_query, parse_query
from .schema import FIRST_DATE
from .ranking.matches import _or_leaves, union_ids
from .search import _filter_nodes

__all__ = ["Timeline", "match_timeline", "UNITS"]

UNITS = ("auto", "year", "month")
#: ``unit="auto"`` counts per month when the matches span at most this many
#: months, else per year.
AUTO_MONTHS = 36


@dataclass
class Timeline:
    """Matches per period.

    ``unit``: ``"year"`` or ``"month"``.  ``counts``: ``[(period, count)]`` for
    every period from the first match's to the last match's, in order, gaps
    filled with 0 (``"1987"`` or ``"1987-03"``).  ``undated``: matches without
    a date.  ``sum(counts) + undated`` is the number of matching documents.
    """

    unit: str
    counts: list[tuple[str, int]] = field(default_factory=list)
    undated: int = 0

    @property
    def total(self) -> int:
        return sum(count for _, count in self.counts) + self.undated

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "counts": [{"period": period, "count": count} for period, count in self.counts],
            "undated": self.undated,
        }


def match_timeline(searcher, text: str, *, since: Any = None, until: Any = None, unit: str = "auto",
                   **filters: Any) -> Timeline:
    """Count the documents ``text`` matches per year or month.

    ``since``/``until`` and the field ``filters`` are those of
    :meth:`searchkit.Index.search` (the same documents are counted);
    ``unit`` is ``"year"``, ``"month"`` or ``"auto"`` (months when the
    matches span at most :data:`AUTO_MONTHS` months).  Raises
    :class:`~searchkit.errors.QueryError` for an impossible date and
    ``ValueError`` for an unknown unit.

    Pseudo-relevance feedback may list, after every document holding a typed
    word, a few that hold none; they are not counted here.
    """
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}")
    # the same filter path as run_search: keyword filters, since/until and in-query field:/date: clauses
    compiled = compile_query(parse_query(text), searcher.reader(), filters=_filter_nodes(since, until, filters))
    flt = compiled.filter
    query = compiled.query
    if query is None:
        if flt is None:
            return Timeline("year" if unit == "auto" else unit)
        query = Every()
    terms = _or_leaves(query) if flt is None else None
    if terms is not None:  # plain words: their posting ids, unscored (the common case, and the costly one)
        matches = union_ids(searcher, terms)
    else:
        if flt is not None:
            query = And([query, flt])
        matches = [(sub, query.docs(sub)) for sub, _ in searcher.leaf_searchers()]
    months: dict[int, int] = {}  # year * 12 + month - 1 -> matches
    undated = 0
    for sub, docnums in matches:
        table = _month_table(sub.reader())
        for docnum in docnums:
            key = table[docnum] if table is not None else -1
            if key >= 0:
                months[key] = months.get(key, 0) + 1
            else:
                undated += 1
    if not months:
        return Timeline("year" if unit == "auto" else unit, [], undated)
    first, last = min(months), max(months)
    if unit == "auto":
        unit = "month" if last - first + 1 <= AUTO_MONTHS else "year"
    if unit == "month":
        counts = [(f"{key // 12:04d}-{key % 12 + 1:02d}", months.get(key, 0)) for key in range(first, last + 1)]
    else:
        years: dict[int, int] = {}
        for key, count in months.items():
            years[key // 12] = years.get(key // 12, 0) + count
        counts = [(f"{year:04d}", years.get(year, 0)) for year in range(first // 12, last // 12 + 1)]
    return Timeline(unit, counts, undated)


_US_PER_DAY = 86_400_000_000
#: Per segment reader, its documents' months (see :func:`_month_table`); dropped with the reader.
_TABLES: WeakKeyDictionary = WeakKeyDictionary()


def _month_table(reader) -> array | None:
    """``year * 12 + month - 1`` of each document of a segment (-1: undated), or None without a date column.

    Read once per segment reader from the raw date column (microseconds since
    ``datetime.min``, as Whoosh's DATETIME stores them) and kept while the
    reader lives: later queries on the same index look each match up in an array.
    """
    try:
        return _TABLES[reader]
    except (KeyError, TypeError):
        pass
    if "date" not in reader.schema or not reader.has_column("date"):
        return None
    column = reader.column_reader("date", translate=False)
    floor = (FIRST_DATE - datetime.min).days
    by_day: dict[int, int] = {}
    table = array("l")
    for ticks in column:
        day = ticks // _US_PER_DAY
        key = by_day.get(day)
        if key is None:
            if day < floor:
                key = -1
            else:
                when = date.fromordinal(day + 1)
                key = when.year * 12 + when.month - 1
            by_day[day] = key
        table.append(key)
    try:
        _TABLES[reader] = table
    except TypeError:
        pass
    return table
