"""Filters: the clauses that narrow a query's matches (``field:value``, ``date:``, ``Index.search``'s keywords)."""

from __future__ import annotations

from datetime import datetime

from whoosh.query.qcore import Query
from whoosh.query.ranges import DateRange

from ..schema import FIRST_DATE
from .syntax import DateNode, ExactNode, Group, MUST, Node


def date_range_query(start: datetime | None, end: datetime | None) -> Query:
    """Dated documents between ``start`` and ``end`` (open ends allowed; undated never match)."""
    return DateRange("date", start or FIRST_DATE, end)


def is_filter(node: Node) -> bool:
    """A ``field:value``, ``date:``, ``id:``/``url:`` clause: it narrows, like ``--since`` or ``source=``."""
    return isinstance(node, (DateNode, ExactNode)) or getattr(node, "field", None) is not None


def split_filters(node: Node) -> tuple[Node, list[Node]]:
    """``node`` without its top-level required filters, and those filters.

    Only a top-level ``field:value``/``date:`` clause is a filter of the
    whole query (inside parentheses or an OR it belongs to its group).
    """
    if not isinstance(node, Group):
        return node, []
    rest = Group([(child, mode) for child, mode in node.items if not (mode == MUST and is_filter(child))])
    filters = [child for child, mode in node.items if mode == MUST and is_filter(child)]
    return rest, filters
