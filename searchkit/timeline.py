"""Matches over time: how many documents a query matches per year or month.

A person looking at a news archive wants to see when a story broke.  The
counts cover every match of the query (not only the page of hits shown), read
from the ``date`` column (no stored document is loaded): one pass over the
query's postings, one column read per match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from whoosh.query.compound import And
from whoosh.query.qcore import Every

from .query import compile_query, parse_query
from .schema import FIRST_DATE
from .searching import _filter_query

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
    compiled = compile_query(parse_query(text), searcher.reader())
    flt = _filter_query(since, until, filters)
    query = compiled.query
    if query is None:
        if flt is None:
            return Timeline("year" if unit == "auto" else unit)
        query = Every()
    if flt is not None:
        query = And([query, flt])
    months: dict[tuple[int, int], int] = {}
    undated = 0
    leaves = searcher.subsearchers or [(searcher, 0)]
    for sub, _ in leaves:
        reader = sub.reader()
        if "date" not in reader.schema or not reader.has_column("date"):
            undated += sum(1 for _ in query.docs(sub))
            continue
        column = reader.column_reader("date")
        for docnum in query.docs(sub):
            value = column[docnum]
            if isinstance(value, datetime) and value >= FIRST_DATE:
                key = (value.year, value.month)
                months[key] = months.get(key, 0) + 1
            else:
                undated += 1
    if not months:
        return Timeline("year" if unit == "auto" else unit, [], undated)
    first, last = min(months), max(months)
    span = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    if unit == "auto":
        unit = "month" if span <= AUTO_MONTHS else "year"
    if unit == "month":
        counts = []
        year, month = first
        while (year, month) <= last:
            counts.append((f"{year:04d}-{month:02d}", months.get((year, month), 0)))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    else:
        years: dict[int, int] = {}
        for (year, _), count in months.items():
            years[year] = years.get(year, 0) + count
        counts = [(f"{year:04d}", years.get(year, 0)) for year in range(first[0], last[0] + 1)]
    return Timeline(unit, counts, undated)
