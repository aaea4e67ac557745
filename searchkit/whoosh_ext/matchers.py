"""Fixed Whoosh matchers: exclusion (``a ANDNOT b``) that never lets an excluded document through, and
compound queries (``Or``, ``And``, ``DisjunctionMax``) whose scores do not depend on the segment layout."""

from __future__ import annotations

import copy

from whoosh.matching.binary import AndNotMatcher, IntersectionMatcher, UnionMatcher
from whoosh.matching.combo import ArrayUnionMatcher
from whoosh.matching.mcore import NullMatcher, ReadTooFar
from whoosh.query.compound import And, AndNot, BinaryQuery, CompoundQuery, DisjunctionMax, Or
from whoosh.query.wrappers import WrappingQuery


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


# -- Compound queries whose scores do not depend on how the index is laid out in segments --------------
#
# Whoosh builds the matcher of a compound query once per segment, and two of its choices there depend on
# the segment: the shape of the tree of binary matchers (a Huffman-like tree weighted by the sub-queries'
# sizes *in that segment*) and, for ``Or``, whether to use that tree or a pre-loaded array (by the
# segment's document count).  Floating-point addition is not associative, so the same document could get
# scores a few units in the last place apart in two layouts of the same collection -- enough to turn a tie
# (broken by id, :mod:`searchkit.ranking.ties`) into an order by rounding noise.  And Whoosh's
# ``DisjunctionMaxMatcher`` was wrong outright: its ``score()`` took the larger of both sides' current
# scores even when one side stood on another (later) document, so a document matched by one side got the
# other side's score of some other document of the same segment -- which one depends on where each
# segment's postings start and end (a hyphenated word, a phrase or the joined word, scored by layout).
# Its weighted tree also dropped the ``tiebreak``, and its ``replace()`` dropped a side that, with a
# tiebreak, could still lift the other's documents.
#
# The classes here build one order-preserving binary tree in the sub-queries' order in every segment (so a
# document's score is the same sum, in the same order, whatever segment it sits in) and score a
# disjunction-max only from the sides on the current document.


def _ordered_tree(query, mcls, searcher, context, **kwargs):
    """``query``'s sub-matchers joined by ``mcls`` in one binary tree in query order (boost applied)."""
    from whoosh.matching import NullMatcher as _Null, WrappingMatcher
    from whoosh.util import make_binary_tree

    subs = query.subqueries
    if not subs:
        return _Null()
    matchers = [q.matcher(searcher, context) for q in subs]
    m = matchers[0] if len(matchers) == 1 else make_binary_tree(mcls, matchers, **kwargs)
    if query.boost != 1.0:
        m = WrappingMatcher(m, query.boost)
    return m


class DisMaxMatcher(UnionMatcher):
    """The union of two matchers scoring a document by the better of the sides *on it* (plus ``tiebreak`` times the other).

    Whoosh's ``DisjunctionMaxMatcher`` compares the sides' current scores
    without checking they stand on the same document, and its ``replace()``
    drops a side that could still raise the other's documents; see above.
    """

    def __init__(self, a, b, tiebreak: float = 0.0):
        super().__init__(a, b)
        self.tiebreak = tiebreak

    def copy(self):
        return DisMaxMatcher(self.a.copy(), self.b.copy(), tiebreak=self.tiebreak)

    def _on(self) -> list:
        """The sides standing on the current document."""
        a, b = self.a, self.b
        if not a.is_active():
            return [b]
        if not b.is_active():
            return [a]
        a_id, b_id = a.id(), b.id()
        if a_id == b_id:
            return [a, b]
        return [a] if a_id < b_id else [b]

    def _combine(self, values: list[float]) -> float:
        if len(values) == 1:
            return values[0]
        best, other = max(values), min(values)
        return best + self.tiebreak * other if self.tiebreak else best

    def score(self) -> float:
        return self._combine([m.score() for m in self._on()])

    def weight(self) -> float:
        return self._combine([m.weight() for m in self._on()])

    def max_quality(self) -> float:
        return self._combine([m.max_quality() for m in (self.a, self.b) if m.is_active()] or [0.0])

    def block_quality(self) -> float:
        return self._combine([m.block_quality() for m in (self.a, self.b) if m.is_active()] or [0.0])

    def replace(self, minquality: float = 0):
        a, b = self.a, self.b
        a_active, b_active = a.is_active(), b.is_active()
        if not (a_active or b_active):
            return NullMatcher()
        if minquality and self.max_quality() < minquality:
            return NullMatcher()
        # With tiebreak 0 a document reaching minquality reaches it on one side, whose
        # score it then is: a side may drop what cannot reach minquality on its own.
        # (A side is never dropped whole: it still raises the other's documents.)
        sub = minquality if not self.tiebreak else 0
        if not a_active:
            return b.replace(sub)
        if not b_active:
            return a.replace(sub)
        new_a, new_b = a.replace(sub), b.replace(sub)
        if new_a is not a or new_b is not b:
            return DisMaxMatcher(new_a, new_b, tiebreak=self.tiebreak)
        self._id = None
        return self


class OrderedOr(Or):
    """``Or`` matched the same way in every segment of a collection, its scores added in one order.

    Whoosh picks, per segment, a pre-loaded score array (small segments) or
    a weighted tree of unions (large ones, or when the parent needs the
    current document).  Here the choice is made on the whole collection's
    document count (:func:`_collection_size`), the same for every segment
    and layout: an array (each document's scores added in the sub-queries'
    order) or one binary tree of unions in the sub-queries' order.
    """

    def _matcher(self, subs, searcher, context):
        from whoosh.matching import CoordMatcher

        needs_current = context.needs_current if context else True
        if (not needs_current and not self.scale and len(subs) > 2
                and (len(subs) >= self.TOO_MANY_CLAUSES or _collection_size(searcher, context) <= ARRAY_UNION_DOCS)):
            scored = context.weighting is not None
            return _ArrayUnion([q.matcher(searcher, context) for q in subs], searcher.doc_count_all(),
                               boost=self.boost, scored=scored)
        m = _ordered_tree(self, UnionMatcher, searcher, context)
        if self.scale and any(m.term_matchers()):
            m = CoordMatcher(m, scale=self.scale)
        return m


class _ArrayUnion(ArrayUnionMatcher):
    """Whoosh's ``ArrayUnionMatcher`` with a true upper bound of the scores left.

    Whoosh's ``max_quality()`` is the *largest* of its sub-matchers' bounds,
    not their sum, so a parent (a union turned into an intersection by
    ``replace()``) could drop documents that several clauses lift above the
    collector's minimum -- which ones depends on the segment.  Here it is
    the larger of the current part's best score left and the sum of the
    active sub-matchers' bounds (what later parts can add up to).
    """

    def max_quality(self):
        here = self._docnum - self._offset
        part = max(self._a[here:], default=0.0) if 0 <= here < len(self._a) else 0.0
        later = sum(m.max_quality() for m in self._submatchers if m.is_active()) * self._boost
        return max(part, later)

    def block_quality(self):
        return self.max_quality()


#: An ``Or`` of more than two clauses over a collection of at most this many documents is matched by
#: Whoosh's pre-loaded score array (faster there; Whoosh's own limit, which it applies per segment).
ARRAY_UNION_DOCS = 5000


def _collection_size(searcher, context) -> int:
    """The whole collection's document count: the ranking's statistics' N, else the top searcher's."""
    stats = getattr(getattr(context, "weighting", None), "stats", None)
    if stats is not None:
        return stats.doc_count()
    parent = searcher.get_parent() if hasattr(searcher, "get_parent") else searcher
    return parent.doc_count_all()


class OrderedAnd(And):
    """``And`` matched by one binary tree of intersections in the sub-queries' order in every segment."""

    def _matcher(self, subs, searcher, context):
        return _ordered_tree(self, IntersectionMatcher, searcher, context)


class DisMax(DisjunctionMax):
    """``DisjunctionMax`` scored by :class:`DisMaxMatcher`, one tree in the sub-queries' order in every segment."""

    def _matcher(self, subs, searcher, context):
        return _ordered_tree(self, DisMaxMatcher, searcher, context, tiebreak=self.tiebreak)


_ORDERED = {Or: OrderedOr, And: OrderedAnd, DisjunctionMax: DisMax}


def layout_stable(query):
    """``query`` with every Whoosh ``Or``, ``And`` and ``DisjunctionMax`` in it turned into the classes above.

    The same hits; a document's score no longer depends on the segment it
    sits in.  Nodes are copied (the query given is left as it is), keeping
    their attributes (boost, tiebreak, scale); other nodes are copied only
    when a child changed.  Subclasses of the three (``DefaultOr``...) are kept.
    """
    if isinstance(query, BinaryQuery):
        a, b = layout_stable(query.a), layout_stable(query.b)
        if a is query.a and b is query.b:
            return query
        new = copy.copy(query)
        new.a, new.b = a, b
        new.subqueries = (a, b)
        return new
    if isinstance(query, CompoundQuery):
        subs = [layout_stable(q) for q in query.subqueries]
        cls = _ORDERED.get(type(query))
        if cls is None and all(new is old for new, old in zip(subs, query.subqueries)):
            return query
        new = copy.copy(query)
        if cls is not None:
            new.__class__ = cls
        new.subqueries = subs
        return new
    if isinstance(query, WrappingQuery):
        child = layout_stable(query.child)
        if child is query.child:
            return query
        new = copy.copy(query)
        new.child = child
        return new
    return query
