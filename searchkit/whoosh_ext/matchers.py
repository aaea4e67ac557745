"""Fixed Whoosh matchers: exclusion (``a ANDNOT b``) that never lets an excluded document through."""

from __future__ import annotations

from whoosh.matching.binary import AndNotMatcher
from whoosh.matching.mcore import ReadTooFar
from whoosh.query.compound import AndNot


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
