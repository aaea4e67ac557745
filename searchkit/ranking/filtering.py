"""Filters on the fast path: a query's filter as per-segment document checks, cached per segment.

A filter query (``date:``/``--since``/``--until``, ``field:value``, tags,
source, folder) used to go to Whoosh as a query, which lists every document
it matches on every search (a date range expands into every date term in
range: most of a filtered query's time).  Here a date range is a check of
the segment's date column (read once per segment and kept) and any other
filter the set of the segment's documents it matches (computed once per
segment and filter, and kept): the first pass applies them to the documents
it scores, and Whoosh's path is handed the ready set.
"""

from __future__ import annotations

from typing import Any, Callable

from whoosh.query.compound import And
from whoosh.query.qcore import NullQuery
from whoosh.query.ranges import NumericRange

from ..whoosh_ext.columns import reader_cache, whole_column

#: Filters whose document sets are kept per segment (oldest dropped beyond this): a set may hold
#: most of a segment, so this bounds their memory to a few times the segment's document count.
_KEPT = 16

#: Whole-index filter sets (Whoosh's path) kept per searcher.
_KEPT_GLOBAL = 8


def _parts(flt: Any) -> list:
    if isinstance(flt, And):
        return [leaf for sub in flt.subqueries for leaf in _parts(sub)]
    return [flt]


def _date_check(reader: Any, part: Any, schema: Any) -> Callable[[int], bool] | None:
    """A range on a sortable numeric column as a check of its values, or None when not one."""
    if not isinstance(part, NumericRange):
        return None
    values = whole_column(reader, part.fieldname)
    if values is None:
        return None
    field = schema[part.fieldname]
    if getattr(field, "shift_step", None) is None and not hasattr(field, "prepare_number"):
        return None
    lo, hi = part.start, part.end
    lo_excl, hi_excl = part.startexcl, part.endexcl
    if lo is not None:
        lo = field.prepare_number(lo)
    if hi is not None:
        hi = field.prepare_number(hi)

    def check(docnum: int) -> bool:
        value = values[docnum]
        if lo is not None and (value < lo or lo_excl and value == lo):
            return False
        return not (hi is not None and (value > hi or hi_excl and value == hi))

    return check


def _docs_of(sub: Any, reader: Any, part: Any) -> frozenset[int]:
    """The segment docnums ``part`` matches (live ones), computed once per segment and filter."""
    cache = reader_cache(reader, "filters")
    key = repr(part)
    found = cache.get(key)
    if found is None:
        if len(cache) >= _KEPT:
            cache.pop(next(iter(cache)))
        found = cache[key] = frozenset(part.docs(sub)) if part is not NullQuery else frozenset()
    return found


_SORTED: dict[int, tuple[frozenset, list[int]]] = {}


def _sorted(docs: frozenset[int]) -> list[int]:
    """``sorted(docs)``, remembered for the last few sets (they are the kept per-segment sets)."""
    memo = _SORTED.get(id(docs))
    if memo is not None and memo[0] is docs:
        return memo[1]
    if len(_SORTED) >= _KEPT:
        _SORTED.clear()
    ordered = sorted(docs)
    _SORTED[id(docs)] = (docs, ordered)
    return ordered


class SegmentFilter:
    """What a filter lets through in one segment: a set of docnums and/or column range checks."""

    __slots__ = ("docs", "checks")

    def __init__(self, docs: frozenset[int] | None, checks: list[Callable[[int], bool]]):
        self.docs = docs
        self.checks = checks

    def keeps(self, docnum: int) -> bool:
        if self.docs is not None and docnum not in self.docs:
            return False
        return all(check(docnum) for check in self.checks)

    def sorted_docs(self) -> list[int]:
        """:attr:`docs` in ascending order (kept with the segment's filter sets)."""
        return _sorted(self.docs)

    def select(self, docnums) -> list[int]:
        """The ``docnums`` let through."""
        if self.docs is not None:
            docnums = [d for d in docnums if d in self.docs]
        for check in self.checks:
            docnums = [d for d in docnums if check(d)]
        return list(docnums)


def segment_filter(sub: Any, flt: Any) -> SegmentFilter:
    """``flt`` (a filter query, ANDs of parts) as a :class:`SegmentFilter` for segment searcher ``sub``."""
    reader = sub.reader()
    docs = None
    checks = []
    for part in _parts(flt):
        if part is NullQuery:
            return SegmentFilter(frozenset(), [])
        check = _date_check(reader, part, sub.schema) if isinstance(part, NumericRange) else None
        if check is not None:
            checks.append(check)
            continue
        found = _docs_of(sub, reader, part)
        docs = found if docs is None else docs & found
    return SegmentFilter(docs, checks)


class DocSet(set):
    """A set of docnums that is true even when empty.

    Whoosh's collectors test ``if filter:``, so an empty set would mean *no*
    filter: a filter matching nothing would let every document through.
    """

    def __bool__(self) -> bool:
        return True


def filter_docnums(searcher: Any, flt: Any) -> DocSet:
    """The global docnums (live) ``flt`` matches, as a set Whoosh takes as ``filter=`` (kept per searcher).

    Callers must not change it (it is shared by later searches).
    """
    leaves = searcher.leaf_searchers()
    cache = reader_cache(searcher.reader(), "filter_sets")
    key = repr(flt)
    found = cache.get(key)
    if found is not None:
        return found
    found = DocSet()
    for sub, offset in leaves:
        reader = sub.reader()
        keep = segment_filter(sub, flt)
        candidates = keep.docs if keep.docs is not None else range(sub.doc_count_all())
        if reader.has_deletions():
            candidates = [d for d in candidates if not reader.is_deleted(d)]
        selected = keep.select(sorted(candidates))
        found.update(d + offset for d in selected) if offset else found.update(selected)
    if len(cache) >= _KEPT_GLOBAL:
        cache.pop(next(iter(cache)))
    cache[key] = found
    return found
