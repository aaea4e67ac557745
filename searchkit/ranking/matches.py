"""Counting and listing the matches of a query, unscored: the totals of a result page, facets, the chart."""

from __future__ import annotations

from collections.abc import Callable

from whoosh.query.compound import Or
from whoosh.query.terms import Term

from ..whoosh_ext.collectors import innermost, narrowed
from ..whoosh_ext.postings import posting_ids
from .bm25f import FieldsTerm, PrunedScores, indexed_bytes


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
    if not narrowed(collector):
        return collector.count()
    if collector is innermost(collector):  # no filter or mask: plain words count as a union of posting lists
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
        posting_ids(reader.postings(fieldname, btext), ids)
    return ids


def _count_of(part) -> int:
    if isinstance(part, int):
        return part
    if isinstance(part, PrunedScores):  # a pruned first pass: its matches counted unscored
        return part.matches()
    return _match_count(part)


def _lazy_total(counted: list) -> Callable[[], int]:
    """The number of matches of these Whoosh results (or counts already known), counted when first asked for.

    Counting costs a pass over the postings (a few ms on Reuters); a caller
    who shows ten hits and no total (as FTS5 would) does not pay for it.
    """
    def total() -> int:
        try:
            return sum(_count_of(part) for part in counted)
        except Exception:  # the searcher was closed since (the index changed): a lower bound
            return sum(part if isinstance(part, int) else part.lower if isinstance(part, PrunedScores) else len(part)
                       for part in counted)

    return total
