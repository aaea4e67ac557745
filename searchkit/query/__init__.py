"""The small query language: parsing user text into Whoosh queries.

Grammar (forgiving: anything malformed degrades to plain words)::

    query   := or
    or      := seq ("OR" seq)*
    seq     := (["AND"] unary)*
    unary   := ("NOT" | "-")* primary
    primary := ("(" or ")" | field ":(" or ")") suffix? | '"phrase"' suffix? | field ":" value
             | word suffix? | prefix "*" suffix? | "*"
    suffix  := ("~" N? | "^" N?)+

``field:(...)`` gives the field to every word, phrase and prefix inside
(Lucene's ``title:(opec OR oil)`` = ``title:opec OR title:oil``) and is a
filter like ``field:value``.  Lucene's suffixes never lose the word:
``word^N`` multiplies its score by N, ``"phrase"~N`` allows N more positions
between its words (in order), a word's ``~N`` (fuzzy) is the plain word, and
a group's suffix is dropped.

Plain words are *best-match*: they are OR-ed and scored with BM25F (each word
over title, body and tags at once; see :mod:`searchkit.ranking`); at least
one must match.  ``AND`` makes its neighbours required.  ``field:value`` and
``date:`` are filters: at the top level they narrow the words' matches on
the same path as ``Index.search``'s ``since``/``until``/``source=``...
(:attr:`CompiledQuery.filter`), never making the words optional.  Capitalised
``AND``/``OR``/``NOT`` are operators only under the rule of :func:`_lex`;
``*`` alone is every document.  Stopwords beside other plain words leave the
ranking; a query of nothing else searches them.  A date that cannot be read
is the one thing answered with :class:`~searchkit.errors.QueryError`.

Modules: :mod:`.syntax` (the tree, limits, weights), :mod:`.lexer`,
:mod:`.operators` (when AND/OR/NOT are operators), :mod:`.parser`,
:mod:`.compiler` (to Whoosh), :mod:`.filters`.
"""

from __future__ import annotations

from ..whoosh_ext.matchers import Exclude
from .compiler import CompiledQuery, compile_query, is_best_match
from .filters import date_range_query, is_filter, split_filters
from .lexer import _lex
from .parser import parse_query
from .syntax import (
    DEFAULT_FIELDS,
    EXACT_FORM_BOOST,
    FACET_FIELDS,
    HYPHEN_PART_BOOST,
    MAX_CLAUSES,
    MAX_PREFIX_EXPANSION,
    MAX_QUERY_CHARS,
    MAX_QUERY_TERMS,
    MUST,
    MUST_NOT,
    SHOULD,
    AllNode,
    DateNode,
    ExactNode,
    Group,
    Node,
    OrNode,
    PhraseNode,
    PrefixNode,
    Words,
)

__all__ = [
    "parse_query",
    "compile_query",
    "CompiledQuery",
    "DEFAULT_FIELDS",
    "FACET_FIELDS",
    "MAX_PREFIX_EXPANSION",
    "date_range_query",
    "Exclude",
    "split_filters",
    "is_filter",
]
