"""Compiling a syntax tree into a Whoosh query for one index, with what ranking and snippets need to know."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from whoosh.query.compound import AndMaybe
from whoosh.query.positional import Phrase as WPhrase
from whoosh.query.qcore import Every, NullQuery, Query
from whoosh.query.terms import Term

from ..analysis import EXACT_MARK, fold, normalise_word, word_terms
from ..analysis.cjk import has_nospace
from ..errors import QueryError
from ..highlight import Marks
from ..ranking import FieldsTerm
from .filters import date_range_query, is_filter, split_filters
from ..whoosh_ext.matchers import DisMax, Exclude, OrderedAnd, OrderedOr
from ..whoosh_ext.phrases import BlockPhrase
from .parser import _is_empty
from .syntax import (
    AllNode,
    DEFAULT_FIELDS,
    DateNode,
    EXACT_FORM_BOOST,
    ExactNode,
    FACET_FIELDS,
    Group,
    HYPHEN_PART_BOOST,
    MAX_PREFIX_EXPANSION,
    MAX_QUERY_TERMS,
    MUST,
    MUST_NOT,
    Node,
    OrNode,
    PhraseNode,
    PrefixNode,
    SHOULD,
    Words,
    _HYPHEN,
    _tokens,
)


#: Phrases matched from the posting blocks (:class:`~searchkit.whoosh_ext.phrases.BlockPhrase`);
#: False: by Whoosh's span matchers (the reference the tests compare against).
BLOCK_PHRASES = True


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
    #: The terms of ``terms`` a document matches on their own (words, prefixes), as against
    #: those only searched inside a phrase.
    lone_terms: set[str] = field(default_factory=set)
    #: ``((term, ...), slop)`` of each positive phrase: its terms in order, each at most
    #: ``slop`` positions after the one before.
    phrases: list[tuple[tuple[str, ...], int]] = field(default_factory=list)
    #: The fields each of ``lone_terms`` and ``phrases`` was searched in (``title:gold``: ``{"title"}``).
    marked_fields: dict[Any, frozenset[str]] = field(default_factory=dict)

    @property
    def marks(self) -> Marks:
        """What a text marks, whatever its field: the lone terms anywhere, a phrase's words only where they form it."""
        return Marks(frozenset(self.lone_terms), tuple(dict.fromkeys(self.phrases)))

    def marks_for(self, fieldname: str) -> Marks:
        """What a text of field ``fieldname`` marks: only the words and phrases searched in that field.

        ``title:gold`` marks "gold" in a title, not in a body (as
        Elasticsearch's highlighter does with ``require_field_match``).  A
        query built without :attr:`marked_fields` marks everything everywhere.
        """
        if not self.marked_fields:
            return self.marks
        fields = self.marked_fields
        return Marks(frozenset(term for term in self.lone_terms if fieldname in fields.get(term, ())),
                     tuple(p for p in dict.fromkeys(self.phrases) if fieldname in fields.get(p, ())))

    @property
    def snippet_marks(self) -> dict[str, Marks]:
        """``{"body": Marks, "title": Marks}``: what a snippet marks in each text it may be made of
        (:func:`searchkit.highlight.document_snippet`)."""
        return {name: self.marks_for(name) for name in ("body", "title")}


class _Compiler:
    def __init__(self, reader, default_fields: tuple[str, ...], drop_stopwords: bool = False,
                 mixed_case: bool = False, exact_boost: float | None = None):
        self.reader = reader
        self.default_fields = default_fields
        self.terms: set[str] = set()
        self.lone_terms: set[str] = set()  # terms matched on their own, not only inside a phrase
        self.phrases: list[tuple[tuple[str, ...], int]] = []
        self.marked_fields: dict[Any, frozenset[str]] = {}  # lone term or phrase -> fields searched
        self.budget = MAX_QUERY_TERMS  # index terms this query may still use
        self.drop_stopwords = drop_stopwords  # plain-word stopwords leave the ranking (other words remain)
        self.mixed_case = mixed_case  # the query has lower case: a stopword in capitals is an acronym
        self.exact_boost = EXACT_FORM_BOOST if exact_boost is None else exact_boost
        self.exact: list[tuple[str, float]] = []  # (exact-form term, weight) of the best-match words

    def mark(self, key: Any, fields: tuple[str, ...]) -> None:
        """Note that ``key`` (a lone term, or a phrase ``((term, ...), slop)``) was searched in ``fields``:
        snippets of those fields' texts mark it (:meth:`CompiledQuery.marks_for`)."""
        if isinstance(key, str):
            self.lone_terms.add(key)
        self.marked_fields[key] = self.marked_fields.get(key, frozenset()) | frozenset(fields)

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
                return self.hyphenated(node, analysed, collect, loose, [t[2] for t in tokens])
            # "U.S./Japan" is one token for the user: a phrase
            return self.phrase_terms(analysed, node.field, collect, surfaces=[t[2] for t in tokens])
        term, _, surface, stopped = tokens[0]
        if loose and self.drop_stopwords and self.is_stop(surface, stopped):
            return None, set()  # "the" beside other words: ranking leaves it out
        query, covered = self.one_term(term, node.field, collect)
        if query is None:
            return None, set()
        if loose and collect and self.exact_boost > 0 and node.field is None:
            # the word as typed counts a little more than another word of its stem (a re-ranking bonus)
            exact = [t for t in word_terms(surface)[0][1:] if t.startswith(EXACT_MARK)]
            if exact and exact[0] not in (t for t, _ in self.exact):
                self.exact.append((exact[0], self.exact_boost))
        return query, covered

    def one_term(self, term: str, name: str | None, collect: bool, boost: float = 1.0) -> tuple[Query | None, set]:
        """An analysed term searched in field ``name``'s fields (None, nothing: over the budget)."""
        fields = self.fields(name)
        if not self.spend(len(fields)):
            return None, set()
        if collect:
            self.terms.add(term)
            self.mark(term, fields)
        return self.term_query(fields, term, boost=boost), {(f, term) for f in fields}

    def is_stop(self, surface: str, stopped: bool) -> bool:
        """A stopword as the user typed it: not an abbreviation (``U.S.``), nor capitals beside lower case
        (``WHO``), nor a word that only folds to one (Vietnamese ``đô``, ``số``: ``do``, ``so``)."""
        if not stopped or "." in surface:
            return False
        typed = unicodedata.normalize("NFKC", surface).casefold().replace("’", "'")
        if fold(typed) != typed:  # its letters were folded to a stopword's: another word
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

    def hyphenated(self, node: Words, analysed, collect: bool, loose: bool,
                   surfaces: list[str] | None = None) -> tuple[Query | None, set]:
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
        phrase, covered = self.phrase_terms(analysed, node.field, collect, boost=1.0 / len(analysed),
                                            surfaces=surfaces)
        if phrase is None:
            return None, set()
        alternatives = [phrase]
        parts = [term for term, _ in analysed]
        joined = [t[0] for t in _tokens(_HYPHEN.sub("", node.text))]
        if len(joined) == 1 and joined[0] not in parts and self.indexed(fields, joined[0]):
            if self.spend(len(fields)):
                # "x-ray" in a document is indexed as "xray" too: the better of the two forms counts, not both
                alternatives = [DisMax([phrase, self.term_query(fields, joined[0])])]
                covered |= {(f, joined[0]) for f in fields}
                if collect:
                    self.terms.add(joined[0])
                    self.mark(joined[0], fields)
        if loose:
            for part in dict.fromkeys(parts):
                if len(part) < 2 or part in joined or not self.spend(len(fields)):
                    continue
                alternatives.append(self.term_query(fields, part, boost=HYPHEN_PART_BOOST))
                covered |= {(f, part) for f in fields}
                if collect:
                    self.mark(part, fields)
        return _or(alternatives), covered

    def phrase_terms(self, analysed, name, collect, boost: float = 1.0,
                     slop: int = 0, surfaces: list[str] | None = None) -> tuple[Query | None, set]:
        """The words of ``analysed`` (``(term, position)`` pairs) as a phrase in field ``name``'s fields.

        Consecutive words may be as far apart as in the query (stopwords
        count), plus ``slop`` positions (``"oil prices"~2``), in order.
        """
        words = [t for t, _ in analysed]
        if len(words) == 1:  # one word: its term (already analysed: not analysed again, which would stem it twice)
            return self.one_term(words[0], name, collect, boost)
        fields = self.fields(name)
        if not self.spend(len(fields) * len(words)):
            # Left out, the phrase would leave the rest of the query to match without it: more (and
            # other) documents than asked for, or none. A one-line error instead.
            raise QueryError(f"a quoted phrase of {len(words)} words is too long: a query may look up "
                             f"{MAX_QUERY_TERMS} index terms, {MAX_QUERY_TERMS // len(fields)} words of a "
                             f"phrase searched in {', '.join(fields)}")
        gaps = [b - a for (_, a), (_, b) in zip(analysed, analysed[1:])]
        slop = max(1, max(gaps)) + max(0, slop)
        if collect:
            self.terms.update(words)
            if any(has_nospace(word) for word in words):
                # a run of a script without spaces is one word of a snippet's text, its bigrams a
                # position each: the phrase could not be found there as a phrase of words; each chain
                # of bigrams is marked as the characters it spells (snippets find them in the run)
                for word in nospace_chains(analysed, surfaces):
                    self.mark(word, fields)
            else:
                self.phrases.append((tuple(words), slop))
                self.mark((tuple(words), slop), fields)
        phrase = BlockPhrase if BLOCK_PHRASES else WPhrase  # the same hits and scores; BlockPhrase reads blocks
        queries = [phrase(f, words, slop=slop, boost=boost) for f in fields]
        return _or(queries), {(f, w) for f in fields for w in words}

    def phrase(self, node: PhraseNode, collect: bool) -> tuple[Query | None, set]:
        tokens = _tokens(node.text)
        analysed = [(term, pos) for term, pos, _, _ in tokens]
        if not analysed:
            return None, set()
        return self.phrase_terms(analysed, node.field, collect, slop=node.slop, surfaces=[t[2] for t in tokens])

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
                    marked = normalise_word(term[1:]) if term.startswith(EXACT_MARK) else term
                    self.terms.add(marked)
                    self.mark(marked, (fieldname,))
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
        if isinstance(node, (Words, PhraseNode, PrefixNode)):
            if isinstance(node, Words):
                query, covered = self.words(node, collect, loose)
            elif isinstance(node, PhraseNode):
                query, covered = self.phrase(node, collect)
            else:
                query, covered = self.prefix(node, collect)
            if query is None:
                return None, []
            if node.boost != 1.0:  # "oil^2": scores as "oil oil" does
                query = query.with_boost(query.boost * node.boost)
            return query, [covered]
        if isinstance(node, AllNode):
            return Every(), []
        if isinstance(node, DateNode):
            return date_range_query(node.start, node.end), []
        if isinstance(node, ExactNode):
            if node.field in FACET_FIELDS:
                from ..facets import facet_term

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
                required_words = required_words or not _narrows(child, node)
            else:
                must_not.append(query)
        if not should and not must:
            if not must_not:
                return None, []
            base: Query = Every()
        elif must and should and required_words:  # "treaty AND japan korea": korea is optional
            base = AndMaybe(_and(must), _or(should))
        elif must and should:  # filters narrow; one of the words must still match
            base = OrderedAnd([*must, _or(should)])
        elif must:
            base = _and(must)
        else:
            base = _or(should)
        if must_not:
            base = Exclude(base, _or(must_not))
        return base, clauses


def _narrows(child: Node, group: Group) -> bool:
    """Whether ``child`` is a filter within ``group``: a field clause, unless it has the field
    the group gives all its words (``title:(oil AND gas opec)``: ``oil`` and ``gas`` are required words)."""
    return is_filter(child) and not (group.field is not None and getattr(child, "field", None) == group.field)


def _or(queries: list[Query]) -> Query:
    # Ordered*/DisMax: a document scores the same whatever segment it sits in (whoosh_ext.matchers)
    return queries[0] if len(queries) == 1 else OrderedOr(queries)


def _and(queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else OrderedAnd(queries)


def _plain_words(node: Node) -> list[Words]:
    """The best-match (optional, field-less) word items of a query's top level."""
    if isinstance(node, Words):
        return [node] if node.field is None else []
    if isinstance(node, Group):
        return [child for child, mode in node.items if mode == SHOULD and isinstance(child, Words)
                and child.field is None]
    return []


def nospace_chains(analysed: list[tuple[str, int]], surfaces: list[str] | None = None) -> list[str]:
    """The words of a phrase (``(term, position)`` pairs) with each chain of overlapping bigrams of a
    script without spaces joined into the characters it spells: ``金利``, ``利上``, ``上昇`` at
    consecutive positions give ``金利上昇`` (what a snippet marks: not ``金利`` alone elsewhere).
    ``surfaces``: the query word each term comes from; only bigrams of one word are joined
    (``東京 京都`` stays two words).  Without them nothing is joined."""
    out: list[str] = []
    last_pos = None
    for i, (term, pos) in enumerate(analysed):
        if (out and surfaces is not None and i and surfaces[i] == surfaces[i - 1] and last_pos is not None
                and pos == last_pos + 1 and len(term) == 2 and len(out[-1]) >= 2
                and term[0] == out[-1][-1] and has_nospace(term) and has_nospace(out[-1])):
            out[-1] += term[1]
        else:
            out.append(term)
        last_pos = pos
    return out


def compile_query(node: Node, reader, default_fields: tuple[str, ...] = DEFAULT_FIELDS,
                  filters: list[Node] = ()) -> CompiledQuery:
    """Turn a parsed query into a :class:`CompiledQuery` for ``reader``'s index.

    The top-level filters of ``node`` (see :func:`split_filters`) and
    ``filters`` (nodes for ``Index.search``'s keyword filters) become
    :attr:`CompiledQuery.filter`: they narrow the matches of the rest and
    never widen them.  A query that is only filters (``title:abe``) ranks by
    its text filters.  Raises ``QueryError`` for an impossible date, or a
    quoted phrase too long for the query's term budget (``MAX_QUERY_TERMS``).
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
                         filter=flt, node=rest, exact=compiler.exact, lone_terms=compiler.lone_terms,
                         phrases=compiler.phrases, marked_fields=compiler.marked_fields)


def is_best_match(node: Node, kinds: tuple[type, ...] = (Words, PhraseNode, PrefixNode)) -> bool:
    """The query is only optional, field-less items of these kinds (no operator, field or exclusion)."""
    if isinstance(node, kinds):
        return node.field is None
    if isinstance(node, Group):
        return bool(node.items) and all(
            mode == SHOULD and isinstance(child, kinds) and child.field is None for child, mode in node.items
        )
    return False
