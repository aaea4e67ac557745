"""The small query language: parsing user text into Whoosh queries.

Grammar (forgiving: anything malformed degrades to plain words)::

    query   := or
    or      := seq ("OR" seq)*
    seq     := (["AND"] unary)*
    unary   := ("NOT" | "-")* primary
    primary := "(" or ")" | '"phrase"' | field ":" value | word | prefix "*" | "*"

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Union

from whoosh.matching.binary import AndNotMatcher
from whoosh.matching.mcore import ReadTooFar
from whoosh.query.compound import And, AndMaybe, AndNot, DisjunctionMax, Or
from whoosh.query.positional import Phrase as WPhrase
from whoosh.query.qcore import Every, NullQuery, Query
from whoosh.query.ranges import DateRange
from whoosh.query.terms import Term

from .analysis import EXACT_MARK, NewsAnalyzer, fold, normalise_word, word_terms
from .dates import DateError, parse_date_bound
from .errors import QueryError
from .ranking import FieldsTerm
from .schema import FIRST_DATE, SEARCH_FIELDS

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

#: Fields searched by words that name no field.
DEFAULT_FIELDS = ("title", "body", "tags")
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
#: A hyphen between two word characters ("D-mark"): ASCII, Unicode hyphen, non-breaking hyphen.
_HYPHEN = re.compile(r"(?<=\w)[-\u2010\u2011](?=\w)")
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


# --- the syntax tree -------------------------------------------------------


@dataclass
class Words:
    text: str
    field: str | None = None


@dataclass
class PhraseNode:
    text: str
    field: str | None = None


@dataclass
class PrefixNode:
    text: str
    field: str | None = None


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


@dataclass
class OrNode:
    alternatives: list[Node]


Node = Union[Words, PhraseNode, PrefixNode, DateNode, ExactNode, Group, OrNode, AllNode]


# --- lexing ---------------------------------------------------------------


#: Operator words and symbols; the words only count as operators under :func:`_operators_apply`.
_OPERATOR_WORDS = {"AND": "AND", "OR": "OR", "NOT": "NOT"}
_OPERATOR_SYMBOLS = {"&&": "AND", "||": "OR", "|": "OR"}
#: A lone "+" or "&" between words ("x + c", "Procter & Gamble") separates words; it requires nothing.
_SEPARATORS = {"+", "&"}
_OPERAND_END = ("WORD", "PHRASE", "RP")
_OPERAND_START = ("WORD", "PHRASE", "LP", "NEG")


def _lex(text: str) -> list[tuple]:
    """Tokens of ``text``: ``WORD``, ``PHRASE``, ``LP``, ``RP``, ``NEG``, ``AND``, ``OR``, ``NOT``.

    The operator rule (see :func:`_operators_apply`): ``AND``/``OR``/``NOT``
    written in capitals are operators only when the query also has a
    lower-case letter or explicit syntax (quotes, ``field:``, ``-word``,
    ``word*``, ``&&``, ``||``, or parentheses around or beside an operator
    word: other parentheses, and all parentheses of a typed sentence (see
    :func:`_is_sentence`), are prose), and only where they have operands
    (``AND``/``OR`` between two, ``NOT`` before one); otherwise they are
    words.  ``-`` excludes only at the start of a word (after a space, a
    parenthesis or the start of the query).
    """
    text = "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in text)
    tokens: list[tuple] = []
    explicit = False  # explicit syntax seen: capitalised operator words are operators
    pos, n = 0, len(text)
    while pos < n:
        ch = text[pos]
        if ch.isspace():
            pos += 1
        elif ch == "(":
            tokens.append(("LP",))
            pos += 1
        elif ch == ")":
            tokens.append(("RP",))
            pos += 1
        elif ch == '"':
            end = text.find('"', pos + 1)
            if end == -1:  # unbalanced quote: the rest is plain words
                text = text[:pos] + " " + text[pos + 1:]
                continue
            tokens.append(("PHRASE", text[pos + 1:end], None))
            explicit = True
            pos = end + 1
        elif (ch == "-" and pos + 1 < n and not text[pos + 1].isspace() and text[pos + 1] != "-"
              and (pos == 0 or text[pos - 1].isspace() or text[pos - 1] == "(")):
            tokens.append(("NEG",))
            explicit = True
            pos += 1
        else:
            end = pos
            while end < n and not text[end].isspace() and text[end] not in _SPECIAL:
                end += 1
            if end == pos:  # a "-" that excludes nothing, or one glued after a quote
                end += 1
            word = text[pos:end]
            pos = end
            if word in _OPERATOR_WORDS:
                tokens.append(("OPWORD", word))
            elif word in _OPERATOR_SYMBOLS:
                tokens.append((_OPERATOR_SYMBOLS[word],))
                explicit = True
            elif word in _SEPARATORS:
                continue
            else:
                match = _FIELD_TOKEN.match(word)
                name = match.group(1).lower() if match else None
                if match and name in _ALL_FIELDS:
                    explicit = True
                    rest = match.group(2)
                    if rest:
                        tokens.append(("WORD", rest, name))
                    elif pos < n and text[pos] == '"':
                        end = text.find('"', pos + 1)
                        if end != -1:
                            tokens.append(("PHRASE", text[pos + 1:end], name))
                            pos = end + 1
                    # "field:" with nothing usable after it is dropped
                else:  # "unknown:field", "10:30": plain words
                    if word.endswith("*") and len(word) > 1:
                        explicit = True
                    tokens.extend(("WORD", part, None) for part in word.lstrip("+").split(":") if part)
    if not explicit and ("(" in text or ")" in text):
        # Parentheses are prose punctuation too ("LIBRARIES (ANY TYPE) AND ..."): they count
        # as syntax only around, or right beside, an operator word, and not in a typed sentence.
        explicit = bool(_GROUPED_OPERATOR.search(text)) and not _is_sentence(text)
    return _resolve_operators(tokens, _operators_apply(text, explicit))


#: A parenthesised group holding an operator word, or an operator word right beside a parenthesis.
_GROUPED_OPERATOR = re.compile(r"\([^()]*\b(?:AND|OR|NOT)\b[^()]*\)|\b(?:AND|OR|NOT)\s*\(|\)\s*(?:AND|OR|NOT)\b")


#: Punctuation of written sentences, which Boolean expressions do not use: a comma, a semicolon,
#: a question mark, or a full stop ending a word of two or more letters ("NETWORKS. THIS"; not "U.S.").
_SENTENCE_PUNCTUATION = re.compile(r"[,;?]|\w\w[.!](?:\s|$)")
#: More words than this (operator words not counted) and a query is a typed sentence.
_SENTENCE_WORDS = 12


def _is_sentence(text: str) -> bool:
    """Whether ``text`` reads as a typed sentence rather than a Boolean expression.

    True when it has sentence punctuation (``,`` ``;`` ``?``, a full stop after a
    word) or more than :data:`_SENTENCE_WORDS` words besides AND/OR/NOT.  Only
    parentheses are weighed by it: in a question pasted in capitals
    ("... WIDE AREA NETWORKS (MESH) AND LOCAL AREA NETWORKS (BUS, RING).") the
    parentheses are prose, while ``(JAPAN OR KOREA) TREATY`` stays a grouping.
    """
    if _SENTENCE_PUNCTUATION.search(text):
        return True
    words = [w for w in re.findall(r"\w+", text) if w not in _OPERATOR_WORDS]
    return len(words) > _SENTENCE_WORDS


def _operators_apply(text: str, explicit: bool) -> bool:
    """Whether capitalised AND/OR/NOT may be operators in ``text``.

    A question pasted in capitals ("WHAT IS INFORMATION RETRIEVAL AND
    INDEXING") reads AND as a word; a query with a lower-case letter
    (``japan OR korea``) or explicit syntax (``"A" OR "B"``) reads it as an operator.
    """
    if explicit:
        return True
    stripped = text
    for word in _OPERATOR_WORDS:
        stripped = stripped.replace(word, " ")
    return any(ch.islower() for ch in stripped)


def _resolve_operators(tokens: list[tuple], operators: bool) -> list[tuple]:
    """Turn each ``OPWORD`` into an operator where the rule allows and it has operands, else a word."""
    out: list[tuple] = []
    for i, token in enumerate(tokens):
        if token[0] != "OPWORD":
            out.append(token)
            continue
        word = token[1]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        before_operand = following is not None and (
            following[0] in _OPERAND_START or following == ("OPWORD", "NOT"))
        after_operand = bool(out) and out[-1][0] in _OPERAND_END
        if operators and before_operand and (word == "NOT" or after_operand):
            out.append((word,))
        else:
            out.append(("WORD", word, None))
    return out


# --- parsing --------------------------------------------------------------


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
        parts = [self.parse_or(depth=0)]
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
            return None if _is_empty(inner) else inner
        if kind in ("NOT", "NEG"):
            return None
        if kind == "PHRASE":
            text, name = token[1], token[2]
            if name == "date":
                return _date_node(text)
            if name in _EXACT_FIELDS or name in FACET_FIELDS:
                return ExactNode(name, text)
            return PhraseNode(text, name)
        text, name = token[1], token[2]
        if name == "date":
            return _date_node(text)
        if name in _EXACT_FIELDS or name in FACET_FIELDS:
            return ExactNode(name, text)
        if name is None and not text.strip("*"):
            return AllNode()
        if text.endswith("*") and len(text.rstrip("*")) >= 1 and re.search(r"\w", text):
            stem = text.rstrip("*")
            if "*" not in stem and "?" not in stem:
                return PrefixNode(stem, name)
        return Words(text, name)


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


# --- exclusion --------------------------------------------------------------


class _ExcludeMatcher(AndNotMatcher):
    """Whoosh's ``AndNotMatcher`` with its start fixed.

    Whoosh's version checks the first posting of the positive side against the
    negative side only when both happen to start on the same document
    (``a.id() == b.id()``); when the negative side starts *before* it (a
    document with only the excluded word comes first in the segment), it is
    never skipped forward, and the positive side's first document is returned
    even when it holds the excluded word.  The same start runs again whenever
    the collector rebuilds the matcher (``replace()``, every few matches and
    whenever the minimum score rises), so with a small ``limit`` an excluded
    document could slip through mid-list as well.  Here every move of the
    positive side (start, ``next``, ``skip_to``, ``skip_to_quality``) ends with
    the negative side skipped up to it.
    """

    def _find_first(self):
        self._find_next()

    def _find_next(self):
        pos, neg = self.a, self.b
        moved_block = False
        while pos.is_active() and neg.is_active():
            pos_id = pos.id()
            if neg.id() < pos_id:
                neg.skip_to(pos_id)
                # skip_to must land on pos_id or after it; never trust a lazy one
                while neg.is_active() and neg.id() < pos_id:
                    neg.next()
                if not neg.is_active():
                    break
            if neg.id() != pos_id:
                break
            moved_block = bool(pos.next()) or moved_block
        return moved_block

    def skip_to_quality(self, minquality):
        skipped = self.a.skip_to_quality(minquality)
        self._find_next()
        return skipped

    def next(self):
        if not self.a.is_active():
            raise ReadTooFar
        moved_block = self.a.next()
        return self._find_next() or moved_block

    def skip_to(self, id):
        if not self.a.is_active():
            raise ReadTooFar
        if id <= self.a.id():
            return
        self.a.skip_to(id)
        self._find_next()


class Exclude(AndNot):
    """``a`` without the documents of ``b`` (``a ANDNOT b``), with :class:`_ExcludeMatcher`."""

    def matcher(self, searcher, context=None):
        scored = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _ExcludeMatcher(scored, excluded)


# --- compiling to Whoosh --------------------------------------------------


@dataclass
class CompiledQuery:
    """A Whoosh query plus what ranking and highlighting need to know about it.

    ``clauses``: for the top-level best-match words, the set of
    ``(field, term)`` pairs each one covers, so the searcher can count how many
    of the user's words a document contains.  ``terms``: every positive index
    term, for snippets.  ``best_match``: the query is only plain words, phrases
    and prefixes (nothing required or excluded), so expanding it with more
    terms may bring in new documents.
    """

    query: Query | None
    clauses: list[set[tuple[str, str]]] = field(default_factory=list)
    terms: set[str] = field(default_factory=set)
    best_match: bool = False
    #: The query's filters (``field:value``, ``date:``, and those passed in), or None.
    filter: Query | None = None
    #: The query without its filters (what ranks).
    node: Node | None = None
    #: ``(exact-form term, weight)`` of each best-match word whose stem differs
    #: from it (``("=executive", 0.1)``): a bonus when re-ranking the top matches.
    exact: list[tuple[str, float]] = field(default_factory=list)


def date_range_query(start: datetime | None, end: datetime | None) -> Query:
    """Dated documents between ``start`` and ``end`` (open ends allowed; undated never match)."""
    return DateRange("date", start or FIRST_DATE, end)


class _Compiler:
    def __init__(self, reader, default_fields: tuple[str, ...], drop_stopwords: bool = False,
                 mixed_case: bool = False, exact_boost: float | None = None):
        self.reader = reader
        self.default_fields = default_fields
        self.terms: set[str] = set()
        self.budget = MAX_QUERY_TERMS  # index terms this query may still use
        self.drop_stopwords = drop_stopwords  # plain-word stopwords leave the ranking (other words remain)
        self.mixed_case = mixed_case  # the query has lower case: a stopword in capitals is an acronym
        self.exact_boost = EXACT_FORM_BOOST if exact_boost is None else exact_boost
        self.exact: list[tuple[str, float]] = []  # (exact-form term, weight) of the best-match words

    def spend(self, count: int) -> bool:
        """Use ``count`` terms of the budget; False (and nothing used) when they do not fit."""
        if count > self.budget:
            return False
        self.budget -= count
        return True

    def fields(self, name: str | None) -> tuple[str, ...]:
        return (name,) if name else self.default_fields

    def words(self, node: Words, collect: bool, loose: bool = False) -> tuple[Query | None, set]:
        tokens = _tokens(node.text)
        if not tokens:
            return None, set()
        analysed = [(term, pos) for term, pos, _, _ in tokens]
        if len(analysed) > 1:
            if _HYPHEN.search(node.text):
                return self.hyphenated(node, analysed, collect, loose)
            # "U.S./Japan" is one token for the user: a phrase
            return self.phrase_terms(analysed, node.field, collect)
        term, _, surface, stopped = tokens[0]
        if loose and self.drop_stopwords and self.is_stop(surface, stopped):
            return None, set()  # "the" beside other words: ranking leaves it out
        fields = self.fields(node.field)
        if not self.spend(len(fields)):
            return None, set()
        if collect:
            self.terms.add(term)
        query = self.term_query(fields, term)
        if loose and collect and self.exact_boost > 0 and node.field is None:
            # the word as typed counts a little more than another word of its stem (a re-ranking bonus)
            exact = [t for t in word_terms(surface)[0][1:] if t.startswith(EXACT_MARK)]
            if exact and exact[0] not in (t for t, _ in self.exact):
                self.exact.append((exact[0], self.exact_boost))
        return query, {(f, term) for f in fields}

    def is_stop(self, surface: str, stopped: bool) -> bool:
        """A stopword as the user typed it: not an abbreviation (``U.S.``), nor capitals beside lower case (``WHO``)."""
        if not stopped or "." in surface:
            return False
        return not (self.mixed_case and surface.isupper() and len(surface) > 1)

    @staticmethod
    def term_query(fields: tuple[str, ...], term: str, boost: float = 1.0) -> Query:
        if len(fields) > 1:
            return FieldsTerm(fields, term, boost=boost)
        return Term(fields[0], term, boost=boost)

    def indexed(self, fields: tuple[str, ...], term: str) -> bool:
        """Whether ``term`` occurs in one of ``fields`` of the index."""
        for fieldname in fields:
            try:
                if self.reader.doc_frequency(fieldname, term):
                    return True
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
        return False

    def hyphenated(self, node: Words, analysed, collect: bool, loose: bool) -> tuple[Query | None, set]:
        """``d-mark``, ``co-operation``, ``u.s.-japan``: as written, run together, or (``loose``) apart.

        The analyzer splits "D-mark" in a document into ``d`` and ``mark`` at
        consecutive positions, so the parts as a phrase find it written with a
        hyphen or a space; the joined word (``dmark``, ``cooperation``) finds it
        written as one word.  Both weigh as one word (the phrase, which scores
        as the sum of its parts, is scaled by their number).  In a best-match
        clause (``loose``), the parts on their own are alternatives too, at
        :data:`HYPHEN_PART_BOOST`, so that a hyphenated word never empties the
        list when one part is found (one-letter parts are left out: ``d``
        alone says nothing); required and excluded words keep to the two
        strict forms.
        """
        fields = self.fields(node.field)
        # The phrase scores as the sum of its parts: scaled, it weighs as one word.
        phrase, covered = self.phrase_terms(analysed, node.field, collect, boost=1.0 / len(analysed))
        if phrase is None:
            return None, set()
        alternatives = [phrase]
        parts = [term for term, _ in analysed]
        joined = [t[0] for t in _tokens(_HYPHEN.sub("", node.text))]
        if len(joined) == 1 and joined[0] not in parts and self.indexed(fields, joined[0]):
            if self.spend(len(fields)):
                # "x-ray" in a document is indexed as "xray" too: the better of the two forms counts, not both
                alternatives = [DisjunctionMax([phrase, self.term_query(fields, joined[0])])]
                covered |= {(f, joined[0]) for f in fields}
                if collect:
                    self.terms.add(joined[0])
        if loose:
            for part in dict.fromkeys(parts):
                if len(part) < 2 or part in joined or not self.spend(len(fields)):
                    continue
                alternatives.append(self.term_query(fields, part, boost=HYPHEN_PART_BOOST))
                covered |= {(f, part) for f in fields}
        return _or(alternatives), covered

    def phrase_terms(self, analysed, name, collect, boost: float = 1.0) -> tuple[Query | None, set]:
        words = [t for t, _ in analysed]
        if len(words) == 1:
            return self.words(Words(words[0], name), collect)
        fields = self.fields(name)
        if not self.spend(len(fields) * len(words)):
            return None, set()
        if collect:
            self.terms.update(words)
        gaps = [b - a for (_, a), (_, b) in zip(analysed, analysed[1:])]
        slop = max(1, max(gaps))
        queries = [WPhrase(f, words, slop=slop, boost=boost) for f in fields]
        return _or(queries), {(f, w) for f in fields for w in words}

    def phrase(self, node: PhraseNode, collect: bool) -> tuple[Query | None, set]:
        analysed = [(term, pos) for term, pos, _, _ in _tokens(node.text)]
        if not analysed:
            return None, set()
        return self.phrase_terms(analysed, node.field, collect)

    def prefix(self, node: PrefixNode, collect: bool) -> tuple[Query | None, set]:
        stem = fold(node.text).strip("'.")
        if not stem:
            return None, set()
        covered = set()
        queries = []
        fields = self.fields(node.field)
        per_field = min(MAX_PREFIX_EXPANSION, self.budget // max(1, len(fields)))
        for fieldname in fields:
            expansions = []
            if per_field <= 0:
                break
            # the words as written (``=negotiators``), then the terms (stems, numbers) with the prefix
            for prefix in (EXACT_MARK + stem, stem):
                try:
                    for term in self.reader.expand_prefix(fieldname, prefix):
                        expansions.append(term.decode("utf-8") if isinstance(term, bytes) else term)
                        if len(expansions) >= per_field:
                            break
                except (KeyError, TypeError, ValueError):
                    continue
                if len(expansions) >= per_field:
                    break
            self.budget -= len(expansions)
            for term in expansions:
                queries.append(Term(fieldname, term))
                covered.add((fieldname, term))
                if collect and fieldname in ("body", "title"):
                    # snippets mark words by their stem: the stem of a word as written
                    self.terms.add(normalise_word(term[1:]) if term.startswith(EXACT_MARK) else term)
        if not queries:
            # a prefix that matches nothing still means "this word": stemmed, it might
            normal = normalise_word(node.text)
            if not normal:
                return None, set()
            return self.words(Words(node.text, node.field), collect)
        return _or(queries), covered

    def compile(
        self, node: Node, collect: bool = True, top: bool = False, loose: bool = True
    ) -> tuple[Query | None, list]:
        """Return (query, clause term-sets) for ``node``.

        ``loose``: ``node`` is a best-match clause (not required, not excluded),
        so a hyphenated word may also match its parts on their own.
        """
        if isinstance(node, Words):
            query, covered = self.words(node, collect, loose)
            return query, [covered] if query is not None else []
        if isinstance(node, PhraseNode):
            query, covered = self.phrase(node, collect)
            return query, [covered] if query is not None else []
        if isinstance(node, PrefixNode):
            query, covered = self.prefix(node, collect)
            return query, [covered] if query is not None else []
        if isinstance(node, AllNode):
            return Every(), []
        if isinstance(node, DateNode):
            return date_range_query(node.start, node.end), []
        if isinstance(node, ExactNode):
            if node.field in FACET_FIELDS:
                from .facets import facet_term

                return Term("facet", facet_term(node.field, node.value)), []
            return Term(node.field, node.value), []
        if isinstance(node, OrNode):
            parts = [self.compile(alt, collect, loose=loose)[0] for alt in node.alternatives]
            parts = [p for p in parts if p is not None]
            return (_or(parts) if parts else None), []
        assert isinstance(node, Group)
        should, must, must_not, clauses = [], [], [], []
        required_words = False  # a word made required by AND (then the other words stay optional)
        should_keys: list[Query] = []
        positive = [child for child, mode in node.items if mode != MUST_NOT and not isinstance(child, AllNode)]
        for child, mode in node.items:
            if isinstance(child, AllNode) and positive:
                continue  # "treaty *": the words decide; "*" alone lists everything
            query, child_clauses = self.compile(child, collect and mode != MUST_NOT, loose=loose and mode == SHOULD)
            if query is None:
                if mode == MUST and not isinstance(child, (Words, PhraseNode, PrefixNode)):
                    must.append(NullQuery)
                continue
            if mode == SHOULD:
                if query in should_keys:
                    # A word said twice weighs twice ("sorghum crops and sorghum
                    # exports"); Whoosh would fold the copies into one.
                    index = should_keys.index(query)
                    should[index] = should[index].with_boost(should[index].boost + query.boost)
                    continue
                should_keys.append(query)
                should.append(query)
                if isinstance(child, (Words, PhraseNode, PrefixNode)):
                    clauses.extend(child_clauses)
            elif mode == MUST:
                must.append(query)
                required_words = required_words or not is_filter(child)
            else:
                must_not.append(query)
        if not should and not must:
            if not must_not:
                return None, []
            base: Query = Every()
        elif must and should and required_words:  # "treaty AND japan korea": korea is optional
            base = AndMaybe(_and(must), _or(should))
        elif must and should:  # filters narrow; one of the words must still match
            base = And([*must, _or(should)])
        elif must:
            base = _and(must)
        else:
            base = _or(should)
        if must_not:
            base = Exclude(base, _or(must_not))
        return base, clauses


def _or(queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Or(queries)


def _and(queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else And(queries)


def _plain_words(node: Node) -> list[Words]:
    """The best-match (optional, field-less) word items of a query's top level."""
    if isinstance(node, Words):
        return [node] if node.field is None else []
    if isinstance(node, Group):
        return [child for child, mode in node.items if mode == SHOULD and isinstance(child, Words)
                and child.field is None]
    return []


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


def compile_query(node: Node, reader, default_fields: tuple[str, ...] = DEFAULT_FIELDS,
                  filters: list[Node] = ()) -> CompiledQuery:
    """Turn a parsed query into a :class:`CompiledQuery` for ``reader``'s index.

    The top-level filters of ``node`` (see :func:`split_filters`) and
    ``filters`` (nodes for ``Index.search``'s keyword filters) become
    :attr:`CompiledQuery.filter`: they narrow the matches of the rest and
    never widen them.  A query that is only filters (``title:abe``) ranks by
    its text filters.  Raises ``QueryError`` for an impossible date.
    """
    rest, own = split_filters(node)
    filters = [*own, *filters]
    probe = _Compiler(reader, default_fields)
    words = [(surface, stopped) for item in _plain_words(rest) for _, _, surface, stopped in _tokens(item.text)]
    mixed_case = any(ch.islower() for surface, _ in words for ch in surface)
    probe.mixed_case = mixed_case
    # Stopwords leave a plain-word query only when another word remains: "WHO", "to be or not to be" search them.
    drop = any(not probe.is_stop(surface, stopped) for surface, stopped in words)
    compiler = _Compiler(reader, default_fields, drop_stopwords=drop, mixed_case=mixed_case)
    query, clauses = compiler.compile(rest, top=True)
    flt = None
    if filters:
        parts = [compiler.compile(item, collect=True, loose=False)[0] for item in filters]
        # a filter that analyses to nothing (only punctuation) narrows to nothing
        parts = [NullQuery if part is None else part for part in parts]
        flt = _and(parts)
        if query is None and _is_empty(rest):
            scoring = [p for item, p in zip(filters, parts) if not isinstance(item, DateNode)]
            query = _and(scoring) if scoring and NullQuery not in scoring else None
            flt = None if query is not None and len(scoring) == len(parts) else flt
    return CompiledQuery(query=query, clauses=clauses, terms=compiler.terms, best_match=is_best_match(rest),
                         filter=flt, node=rest, exact=compiler.exact)


def is_best_match(node: Node, kinds: tuple[type, ...] = (Words, PhraseNode, PrefixNode)) -> bool:
    """The query is only optional, field-less items of these kinds (no operator, field or exclusion)."""
    if isinstance(node, kinds):
        return node.field is None
    if isinstance(node, Group):
        return bool(node.items) and all(
            mode == SHOULD and isinstance(child, kinds) and child.field is None for child, mode in node.items
        )
    return False
