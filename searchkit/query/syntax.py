"""The query language's syntax tree, its limits and weights, and the analyser that splits its words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Union

from ..analysis import NewsAnalyzer
from ..analysis.marks import MARKS
from ..ranking.bm25f import DEFAULT_FIELDS  # noqa: F401 - searched by words that name no field
from ..schema import SEARCH_FIELDS


#: A prefix query expands to at most this many terms per field (bounded work).
MAX_PREFIX_EXPANSION = 256

#: At most this many clauses are kept from one query (bounded work for 2,000-word pastes).
MAX_CLAUSES = 64

#: At most this many index terms (a word in one field, a prefix expansion) in a
#: whole query, however it nests: the cost of matching and ranking grows with it.
MAX_QUERY_TERMS = 512

#: Only this much of a query's text is read (a pasted book must not cost a minute).
MAX_QUERY_CHARS = 100_000


_EXACT_FIELDS = ("id", "url")

#: In-query filters on an exact facet value (``folder:sport``); see :mod:`searchkit.facets`.
FACET_FIELDS = ("folder",)


_ALL_FIELDS = set(SEARCH_FIELDS) | {"date"} | set(_EXACT_FIELDS) | set(FACET_FIELDS)


_FIELD_TOKEN = re.compile(r"^([A-Za-z_]+):(.*)$", re.S)


_SPECIAL = '()"'

#: A hyphen between two word characters ("D-mark"; a word may end in a combining mark: "नीति-आयोग",
#: "café-bar" with its accent typed apart): ASCII, Unicode hyphen, non-breaking hyphen.
_HYPHEN = re.compile(rf"(?<=[\w{MARKS}])[-\u2010\u2011](?=\w)")

#: The weight of each part of a hyphenated word found on its own ("mark" for ``d-mark``).
HYPHEN_PART_BOOST = 0.2

#: The weight of a word's exact form (``=executive``) beside its stem (``execut``)
#: in a plain-word query: among the top matches, a document with the word as
#: typed ranks above one that has only another word of the same stem
#: (``execution``).  0.1 is the largest of 0.1/0.15/0.3 that loses no MAP on
#: any of seven classic test collections (ADI, CACM, CISI, Cranfield, MED, NPL, LISA).
EXACT_FORM_BOOST = 0.1


SHOULD, MUST, MUST_NOT = "should", "must", "must_not"


_ANALYZER = NewsAnalyzer()


def _tokens(text: str) -> list[tuple[str, int, str, bool]]:
    """``(term, position, surface, stopword)`` for each token of ``text`` (stopwords included)."""
    return [(t.text, t.pos, t.original, t.stopped)
            for t in _ANALYZER(text, positions=True, removestops=False, keeporiginal=True)]


#: Lucene's suffixes at the end of a word, a phrase or a group: ``~`` (fuzzy, or a phrase's slop)
#: and ``^`` (boost), each with an optional number (``opec~2``, ``oil^2``, ``"oil prices"~3^2``).
_SUFFIXES = re.compile(r"(?:[~^](?:\d+(?:\.\d+)?)?)+")
_SUFFIX = re.compile(r"([~^])(\d+(?:\.\d+)?)?")


def _suffix_modifiers(suffix: str) -> dict:
    """``{"boost": float, "slop": int}`` as far as ``suffix`` (a match of :data:`_SUFFIXES`) gives them.

    The last ``^N`` is the boost (kept only when above 0 and finite) and the
    last ``~N`` the slop (an integer; ``~0.8``, Lucene's old fuzzy similarity, is none);
    a bare ``~`` or ``^`` gives nothing.
    """
    modifiers: dict = {}
    for sign, number in _SUFFIX.findall(suffix):
        if not number:
            continue
        if sign == "^":
            boost = float(number)
            if 0 < boost < float("inf"):
                modifiers["boost"] = boost
        elif number.isdigit():
            modifiers["slop"] = int(number)
    return modifiers


def _split_suffix(word: str) -> tuple[str, dict]:
    """``word`` without Lucene's trailing ``~N``/``^N`` suffixes, and their :func:`_suffix_modifiers`.

    ``opec~2`` -> ``("opec", {"slop": 2})``, ``oil^2`` -> ``("oil", {"boost": 2.0})``;
    a word that is nothing but the suffix (``^3``) is left as it is.
    """
    for match in _SUFFIXES.finditer(word):
        if match.end() == len(word) and re.search(r"\w", word[:match.start()]):
            return word[:match.start()], _suffix_modifiers(match.group())
    return word, {}


@dataclass
class Words:
    text: str
    field: str | None = None
    #: ``word^N``: the word's score is multiplied by ``boost`` (> 0).
    boost: float = 1.0


@dataclass
class PhraseNode:
    text: str
    field: str | None = None
    boost: float = 1.0
    #: ``"phrase"~N``: up to ``slop`` more positions between consecutive words (in order).
    slop: int = 0


@dataclass
class PrefixNode:
    text: str
    field: str | None = None
    boost: float = 1.0


@dataclass
class DateNode:
    start: datetime | None
    end: datetime | None


@dataclass
class ExactNode:
    field: str
    value: str


@dataclass
class AllNode:
    """``*``: every document (what filters and exclusions then narrow)."""


@dataclass
class Group:
    items: list[tuple[Node, str]] = field(default_factory=list)
    #: ``title:(...)``: the field given to the group's words (a field clause: a filter, like ``title:oil``).
    field: str | None = None


@dataclass
class OrNode:
    alternatives: list[Node]
    field: str | None = None


Node = Union[Words, PhraseNode, PrefixNode, DateNode, ExactNode, Group, OrNode, AllNode]
