"""The parser: tokens to a syntax tree; anything malformed degrades to plain words."""

from __future__ import annotations

import re

from ..dates import DateError, parse_date_bound
from ..errors import QueryError
from .lexer import _lex
from .syntax import (
    AllNode,
    DateNode,
    ExactNode,
    FACET_FIELDS,
    Group,
    MAX_CLAUSES,
    MAX_QUERY_CHARS,
    MUST,
    MUST_NOT,
    Node,
    OrNode,
    PhraseNode,
    PrefixNode,
    SHOULD,
    Words,
    _EXACT_FIELDS,
)


class _Parser:
    def __init__(self, tokens: list[tuple]):
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        parts = [_exclusions_apply_to_all(self.parse_or(depth=0))]
        while self.pos < len(self.tokens):  # stray ")" and what follows it
            self.take()
            parts.append(self.parse_or(depth=0))
        if len(parts) == 1:
            return parts[0]
        group = Group()
        for part in parts:
            if isinstance(part, Group):
                group.items.extend(part.items)
            else:
                group.items.append((part, SHOULD))
        return group

    def parse_or(self, depth: int) -> Node:
        alternatives = [self.parse_seq(depth)]
        while self.peek() == "OR":
            self.take()
            alternative = self.parse_seq(depth)
            if not _is_empty(alternative) and len(alternatives) < MAX_CLAUSES:
                alternatives.append(alternative)
        alternatives = [a for a in alternatives if not _is_empty(a)]
        if len(alternatives) == 1:
            return alternatives[0]
        return OrNode(alternatives) if alternatives else Group()

    def parse_seq(self, depth: int) -> Group:
        group = Group()
        must_next = False
        while True:
            kind = self.peek()
            if kind is None or kind == "OR" or (kind == "RP" and depth > 0):
                break
            if kind == "RP":  # stray ")" at top level: let parse() skip it
                break
            if kind == "AND":
                self.take()
                if group.items and group.items[-1][1] == SHOULD:
                    group.items[-1] = (group.items[-1][0], MUST)
                must_next = True
                continue
            negated = False
            while self.peek() in ("NOT", "NEG"):
                self.take()
                negated = not negated
            node = self.parse_primary(depth)
            if node is None:
                continue
            if negated:
                mode = MUST_NOT
            elif must_next or isinstance(node, (DateNode, ExactNode)) or getattr(node, "field", None):
                mode = MUST
            else:
                mode = SHOULD
            must_next = False
            if len(group.items) < MAX_CLAUSES:
                group.items.append((node, mode))
        return group

    def parse_primary(self, depth: int) -> Node | None:
        kind = self.peek()
        if kind is None or kind in ("OR", "AND", "RP"):
            return None
        token = self.take()
        if kind == "LP":
            if depth > 20:  # "((((((...": no deeper nesting, read on as words
                return None
            inner = self.parse_or(depth + 1)
            if self.peek() == "RP":
                self.take()
            if _is_empty(inner):
                return None
            name = token[1] if len(token) > 1 else None
            return _with_field(inner, name) if name else inner
        if kind in ("NOT", "NEG"):
            return None
        modifiers = token[3] if len(token) > 3 else {}
        return _leaf(token[1], token[2], kind == "PHRASE", modifiers.get("boost", 1.0), modifiers.get("slop", 0))


def _exclusions_apply_to_all(node: Node) -> Node:
    """``japan OR korea -chips`` is ``(japan OR korea) -chips``: outside parentheses an exclusion
    applies to the whole query, as in Lucene's and web search engines' queries (read as ``japan OR
    (korea -chips)``, stories of Japan about chips came back).  Inside parentheses it keeps to its
    group: ``(korea -chips) OR japan``."""
    if not isinstance(node, OrNode) or node.field is not None:
        return node
    excluded: list[tuple[Node, str]] = []
    alternatives: list[Node] = []
    for alternative in node.alternatives:
        if isinstance(alternative, Group) and alternative.field is None:
            kept = [(item, mode) for item, mode in alternative.items if mode != MUST_NOT]
            excluded.extend((item, mode) for item, mode in alternative.items if mode == MUST_NOT)
            if kept:
                alternatives.append(Group(kept))
        else:
            alternatives.append(alternative)
    if not excluded:
        return node
    group = Group()
    if alternatives:
        group.items.append((OrNode(alternatives) if len(alternatives) > 1 else alternatives[0], SHOULD))
    group.items.extend(excluded)
    return group


def _leaf(text: str, name: str | None, phrase: bool, boost: float = 1.0, slop: int = 0) -> Node:
    """The node of a word or (``phrase``) a quoted phrase ``text`` in field ``name`` (None: the default fields).

    ``date`` gives a :class:`DateNode` (:class:`QueryError` for a date that
    cannot be read), ``id``/``url``/facets an :class:`ExactNode` (no boost or
    slop: they filter); ``boost`` and ``slop`` come from ``^N`` and ``~N``.
    """
    if name == "date":
        return _date_node(text)
    if name in _EXACT_FIELDS or name in FACET_FIELDS:
        return ExactNode(name, text)
    if phrase:
        return PhraseNode(text, name, boost, slop)
    if name is None and not text.strip("*"):
        return AllNode()
    if text.endswith("*") and len(text.rstrip("*")) >= 1 and re.search(r"\w", text):
        stem = text.rstrip("*")
        if "*" not in stem and "?" not in stem:
            return PrefixNode(stem, name, boost)
    return Words(text, name, boost)


def _with_field(node: Node, name: str) -> Node:
    """``node`` (a parenthesised group) with field ``name`` given to every word, phrase and prefix in it.

    Lucene's ``title:(opec OR oil)``: the same as ``title:opec OR title:oil``,
    operators, exclusions and nesting kept; a word that names its own field
    keeps it (``title:(oil body:opec)``).  The group itself records the field,
    which makes it a field clause (a filter, see :func:`~.filters.is_filter`).
    ``date:(...)`` and ``id:(...)`` read each word as ``date:word``/``id:word``
    would be read (a date that cannot be read is a :class:`QueryError`).
    """
    if getattr(node, "field", None) is not None:  # an inner field wins
        return node
    if isinstance(node, Group):
        return Group([(_with_field(child, name), mode) for child, mode in node.items], field=name)
    if isinstance(node, OrNode):
        return OrNode([_with_field(alternative, name) for alternative in node.alternatives], field=name)
    if isinstance(node, Words):
        return _leaf(node.text, name, False, node.boost)
    if isinstance(node, PrefixNode):
        return _leaf(node.text + "*", name, False, node.boost)
    if isinstance(node, PhraseNode):
        return _leaf(node.text, name, True, node.boost, node.slop)
    return node  # "*", a date: as they are


def _is_empty(node: Node) -> bool:
    return isinstance(node, Group) and not node.items


def _date_node(text: str) -> DateNode:
    text = text.strip()
    try:
        if ".." in text:
            low, _, high = text.partition("..")
            start = parse_date_bound(low) if low.strip() else None
            end = parse_date_bound(high, end=True) if high.strip() else None
        else:
            start, end = parse_date_bound(text), parse_date_bound(text, end=True)
    except DateError as exc:
        raise QueryError(f"date:{text}: {exc}") from None
    if start is None and end is None:
        raise QueryError("date: needs a date or a range such as 2019-06-01..2019-06-30")
    if start and end and start > end:
        raise QueryError(f"date:{text}: the range ends before it starts")
    return DateNode(start, end)


def parse_query(text: str) -> Node:
    """Parse ``text`` into a syntax tree; malformed parts become plain words."""
    return _Parser(_lex((text or "")[:MAX_QUERY_CHARS])).parse()
