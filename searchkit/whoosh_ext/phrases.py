"""Phrases matched by intersecting their words' position lists straight from the posting blocks.

Whoosh's :class:`~whoosh.query.Phrase` runs a ``SpanNear2`` matcher: a
binary tree of intersection matchers stepping posting by posting, building
``Span`` objects and sets of them for every document holding all the words.
:class:`BlockPhrase` finds the same documents in one go per segment.  The
candidates are the rarest word's documents (ids a block at a time); each
word's postings are then looked up for the candidates still in (blocks
holding none never decoded, ids found by bisection:
:func:`~searchkit.whoosh_ext.postings.positioned_at`) and its positions
narrow them: for an adjacent phrase, the set of possible start positions
(word ``k`` at ``start + k``), the rarest word's own positions read last;
for a phrase with gaps (slop > 1), the chain's possible ends, word by word
in phrase order.  Each word is read from the postings Whoosh's ``Term``
would read (deletions filtered alike) and scored by the scorer
``Searcher.postings`` would give it, and a document's score is the same sum
in the same binary-tree order as Whoosh's ``IntersectionMatcher`` (times
the phrase's boost as its ``WrappingMatcher`` multiplies), so hits, scores
and order are bit for bit those of ``Phrase``.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from whoosh.matching.mcore import Matcher, NullMatcher
from whoosh.query.positional import Phrase
from whoosh.reading import TermNotFound

from ..loading import numpy_wanted
from .postings import field_lengths, position_reader, positioned_at, posting_ids
from .vector_postings import Term, term_from_info, vector_reader

__all__ = ["BlockPhrase", "phrase_matches", "chain_found", "ARRAY_CANDIDATES", "CANDIDATE_COST"]

#: Reading a candidate document's positions from the blocks costs about as much as the first pass
#: spends on this many postings: what a one-shot process weighs against importing NumPy
#: (:func:`.loading.numpy_wanted`; a cold ``searchkit query '"said it"'`` on Reuters, 5,200
#: candidates a segment: 1.2 s from the blocks, 0.84 s with the import; with 380, 0.43-0.56 s
#: against 0.65-0.72 s).
CANDIDATE_COST = 64

#: An adjacent phrase whose rarest word is in at least this many of a segment's documents (deleted
#: ones included) is matched on the segment's position arrays (``.skv``) when every word has
#: them; fewer candidates are read from the blocks as fast (a block or two each).
ARRAY_CANDIDATES = 48


def chain_found(positions: list[list[int]], slop: int) -> bool:
    """Whether the words occur in order, each 1 to ``slop`` positions after the previous one.

    ``positions``: each word's sorted positions in one document, in phrase
    order.  This is what Whoosh's ``SpanNear2(ordered=True, mindist=1)``
    accepts: a span grows word by word, the next word starting after the
    span's end by at least 1 and at most ``slop``.
    """
    ends = positions[0]
    for following in positions[1:]:
        ends = _next_ends(ends, following, slop)
        if not ends:
            return False
    return bool(ends)


def _tree_sum(scores: list[float]) -> float:
    """``scores`` added as Whoosh's ``make_binary_tree`` of ``IntersectionMatcher`` adds them."""
    count = len(scores)
    if count == 1:
        return scores[0]
    half = count // 2
    return _tree_sum(scores[:half]) + _tree_sum(scores[half:])


def phrase_matches(searcher: Any, fieldname: str, words: list[str], slop: int, boost: float,
                   context: Any = None) -> tuple[list[int], list[float]] | None:
    """``(docnums, scores)`` of the documents of ``searcher`` holding the phrase in ``fieldname``, in docnum order.

    None when the field cannot take a phrase (no positions) or ``searcher``
    is not one segment's: the caller then leaves it to Whoosh.  Scores are
    those Whoosh's ``Phrase`` matcher gives.
    """
    field = searcher.schema[fieldname]
    if not field.format or not field.format.supports("positions"):
        return None
    if not searcher.is_atomic():
        return None  # one segment at a time (as the collectors ask); else Whoosh's own matcher
    reader = searcher.reader()
    btexts = []
    infos: dict[bytes, Any] = {}  # each word's term info, looked up once
    for word in words:
        try:
            btext = field.to_bytes(word)
        except ValueError:
            return [], []
        if btext not in infos:
            try:
                infos[btext] = reader.term_info(fieldname, btext)
            except (KeyError, TermNotFound):
                return [], []
        btexts.append(btext)
    distinct = list(infos)
    distinct.sort(key=lambda btext: infos[btext].doc_frequency())
    weighting = (None if context is None else context.weighting) or searcher.weighting  # as Term.matcher + Searcher.postings

    def make_scorers() -> dict:
        return {btext: weighting.scorer(searcher, fieldname, btext, qf=1) for btext in distinct}

    if slop == 1 and infos[distinct[0]].doc_frequency() >= ARRAY_CANDIDATES:
        terms = [term_from_info(infos[btext]) for btext in distinct]
        found = _adjacent_arrays(reader, fieldname, terms, btexts, distinct, make_scorers, boost)
        if found is not None:
            return found
    found_ids: set[int] = set()
    # ids and positions from the segment's postings (deletions filtered out as Term's matcher filters them)
    posting_ids(reader.postings(fieldname, distinct[0]), found_ids)
    survivors = sorted(found_ids)
    if slop == 1:  # scorers made only for a document found (their idf and lengths cost term look-ups)
        return _adjacent(reader, fieldname, btexts, distinct, survivors, make_scorers, boost)
    scorers = make_scorers()
    for btext in distinct[1:]:  # the documents holding every word: ids only, rarest word first
        survivors = list(positioned_at(reader.postings(fieldname, btext), survivors))
        if not survivors:
            return [], []
    # Word by word in phrase order: the positions where the phrase so far can end, per document still
    # in, and the word's score there -- by the scorer Term's matcher would be given (Searcher.postings).
    ends: dict[int, list[int]] | None = None
    scores: list[dict[int, float]] = []
    for btext in btexts:
        if not survivors:
            return [], []
        matcher = reader.postings(fieldname, btext)
        score = scorers[btext].score
        following: dict[int, list[int]] = {}
        here_scores: dict[int, float] = {}
        positions_here = position_reader(matcher)
        for docnum in positioned_at(matcher, survivors):
            here = positions_here()
            if ends is not None:
                here = _next_ends(ends[docnum], here, slop)
            if here:
                following[docnum] = here
                here_scores[docnum] = score(matcher)
        ends = following
        scores.append(here_scores)
        survivors = sorted(following)
    totals = []
    for docnum in survivors:
        total = _tree_sum([word_scores[docnum] for word_scores in scores]) * 1.0  # SpanNear2's WrappingMatcher
        totals.append(total * boost if boost != 1.0 else total)
    return survivors, totals


def _adjacent(reader: Any, fieldname: str, btexts: list[bytes], distinct: list[bytes], survivors: list[int],
              make_scorers: Any, boost: float) -> tuple[list[int], list[float]]:
    """:func:`phrase_matches` of a phrase whose words must be adjacent (slop 1).

    The chain "each word one position after the last" is "every word ``k``
    at ``start + k`` for one ``start``": the possible starts of a document
    are intersected word by word (the candidates: the rarest word's
    documents; its own positions read last), and a document is dropped as
    soon as none is left, so positions are read for few documents.  Each word's weight is kept for the scores of
    the documents that stay.
    """
    offsets: dict[bytes, list[int]] = {}
    for k, btext in enumerate(btexts):
        offsets.setdefault(btext, []).append(k)
    starts: dict[int, set[int]] = {}
    weights: dict[bytes, dict[int, float]] = {}
    # The rarest word's ids are the candidates already: its positions are read last, for the fewest documents.
    for btext in distinct[1:] + distinct[:1]:
        matcher = reader.postings(fieldname, btext)
        at = offsets[btext]
        kept: dict[int, set[int]] = {}
        here_weights: dict[int, float] = {}
        positions_here = position_reader(matcher)
        for docnum in positioned_at(matcher, survivors):
            positions = positions_here()
            found = {pos - k for pos in positions for k in at} if len(at) > 1 else {pos - at[0] for pos in positions}
            if len(at) > 1:  # a repeated word: a start needs it at each of its places
                found = {start for start in found if all(start + k in positions for k in at)}
            if starts:
                found &= starts[docnum]
            if found:
                kept[docnum] = found
                here_weights[docnum] = matcher.weight()
        starts = kept
        weights[btext] = here_weights
        survivors = sorted(kept)
        if not survivors:
            return [], []
    totals = []
    scorers = make_scorers()
    for docnum in survivors:
        # each word's score as its Term matcher gives it: the scorer of Searcher.postings, on this posting
        total = _tree_sum([scorers[b].score(_Posting(docnum, weights[b][docnum])) for b in btexts]) * 1.0
        totals.append(total * boost if boost != 1.0 else total)
    return survivors, totals


def _adjacent_arrays(reader: Any, fieldname: str, terms: list[Term | None], btexts: list[bytes],
                     distinct: list[bytes], make_scorers: Any, boost: float) -> tuple[list[int], list[float]] | None:
    """:func:`_adjacent` on the segment's position arrays (:meth:`.VectorReader.positions`), or None.

    None -- the caller reads the blocks -- when a word's list has no arrays
    with positions, or NumPy is not worth loading (:func:`.loading.numpy_wanted`).
    The documents holding every word are found by bisection from the rarest
    word's; each candidate start ``(document, position - k)`` of word ``k``
    is one int64 key (ascending, as documents and positions are), and the
    keys of the words are intersected by bisection.  The
    documents, their weights and so their scores are those of :func:`_adjacent`.
    """
    vectors = vector_reader(reader)
    if vectors is None:
        return None
    if any(term is None or not vectors.has_positions(term) for term in terms):
        return None
    if not numpy_wanted(terms[0].count * CANDIDATE_COST):
        return None
    import numpy as np

    lists = []
    for term in terms:
        arrays, positions = vectors.arrays(term), vectors.positions(term)
        if arrays is None or positions is None:
            return None
        lists.append((*arrays, *positions))
    docs = lists[0][0]  # the rarest word's documents, then those also holding each other word
    for ids, _, _, _ in lists[1:]:
        at = np.searchsorted(ids, docs)
        at[at == len(ids)] = 0
        docs = docs[ids[at] == docs]
        if not len(docs):
            return [], []
    if reader.has_deletions():  # as Term's matcher leaves them out
        docs = docs[~np.isin(docs, np.fromiter(reader.deleted_docs_set, dtype=np.int64))]
        if not len(docs):
            return [], []
    places: dict[bytes, list[int]] = {}
    for k, btext in enumerate(btexts):
        places.setdefault(btext, []).append(k)
    bias = len(btexts)  # keeps position - k above zero: a key is row << 32 | (position - k + bias)
    rows = np.arange(len(docs), dtype=np.int64)  # the candidates still in (indexes into docs)
    keys = None
    for btext, (ids, _, starts, positions) in zip(distinct, lists):
        at = np.searchsorted(ids, docs[rows])
        first = starts[at]
        counts = starts[at + 1] - first
        ends = np.cumsum(counts)
        index = np.arange(int(ends[-1]), dtype=np.int64) + np.repeat(first - (ends - counts), counts)
        base = (np.repeat(rows, counts) << 32) + positions[index].astype(np.int64) + bias
        for k in places[btext]:  # ascending and distinct: rows ascend, and a document's positions
            found = base - k
            if keys is None:
                keys = found
            else:  # two ascending arrays: each key of one looked up in the other
                at = np.searchsorted(found, keys)
                at[at == len(found)] = 0
                keys = keys[found[at] == keys]
        if not len(keys):
            return [], []
        kept = keys >> 32
        rows = kept[np.concatenate(([True], kept[1:] != kept[:-1]))]
    survivors = docs[rows]
    scorers = make_scorers()
    weights = {}
    for btext, (ids, word_weights, _, _) in zip(distinct, lists):
        weights[btext] = word_weights[np.searchsorted(ids, survivors)]
    docnums = survivors.tolist()
    scored = _array_scores(np, reader, fieldname, scorers, btexts, survivors, weights)
    if scored is not None:
        total = scored * 1.0  # as _adjacent: SpanNear2's WrappingMatcher, then the phrase's boost
        return docnums, (total * boost if boost != 1.0 else total).tolist()
    weights = {btext: found.tolist() for btext, found in weights.items()}
    totals = []
    for i, docnum in enumerate(docnums):
        total = _tree_sum([scorers[b].score(_Posting(docnum, weights[b][i])) for b in btexts]) * 1.0
        totals.append(total * boost if boost != 1.0 else total)
    return docnums, totals


_LENGTHS: list = []  # byte_to_length of each length byte, as a float64 array (made once)


def _array_scores(np: Any, reader: Any, fieldname: str, scorers: dict, btexts: list[bytes], docnums: Any,
                  weights: dict) -> Any:
    """The tree sum of the words' scores of ``docnums`` as one float64 array, or None.

    None (the caller scores document by document) unless every scorer has
    ``score_array`` (the BM25F model's: the same doubles as its ``score``)
    and the segment's length column is one byte per document.
    """
    if not all(hasattr(scorer, "score_array") for scorer in scorers.values()):
        return None
    raw = field_lengths(reader, fieldname)
    if raw is None:
        return None
    found = np.frombuffer(raw, dtype=np.uint8)[docnums]  # byte 0: length 0, as the scorer reads it
    if not _LENGTHS:
        from whoosh.util.numeric import byte_to_length

        _LENGTHS.append(np.array([byte_to_length(byte) for byte in range(256)], dtype=np.float64))
    lengths = _LENGTHS[0][found]
    per_word = {btext: scorers[btext].score_array(weights[btext], lengths) for btext in scorers}
    return _tree_sum([per_word[btext] for btext in btexts])


class _Posting:
    """One posting as a scorer reads it (``id()``, ``weight()``)."""

    __slots__ = ("_id", "_weight")

    def __init__(self, docnum: int, weight: float):
        self._id, self._weight = docnum, weight

    def id(self) -> int:
        return self._id

    def weight(self) -> float:
        return self._weight


def _next_ends(ends: list[int], following: list[int], slop: int) -> list[int]:
    """The positions of ``following`` 1 to ``slop`` after one of the sorted ``ends``."""
    if slop == 1:
        previous = set(ends)
        return [pos for pos in following if pos - 1 in previous]
    out = []
    count = len(ends)
    for pos in following:
        at = bisect_left(ends, pos - slop)
        if at < count and ends[at] <= pos - 1:
            out.append(pos)
    return out


class _ScoredList(Matcher):
    """Documents with ready scores, in docnum order (no block quality: every one is scored)."""

    def __init__(self, ids: list[int], scores: list[float], i: int = 0):
        self._ids = ids
        self._scores = scores
        self._i = i
        self._max: float | None = None

    def is_active(self) -> bool:
        return self._i < len(self._ids)

    def id(self) -> int:
        return self._ids[self._i]

    def next(self) -> None:
        self._i += 1

    def skip_to(self, id: int) -> None:
        if self.is_active() and self._ids[self._i] < id:
            self._i = bisect_left(self._ids, id, self._i)

    def reset(self) -> None:
        self._i = 0

    def copy(self) -> "_ScoredList":
        return _ScoredList(self._ids, self._scores, self._i)

    def replace(self, minquality: float = 0):
        return self if self.is_active() else NullMatcher()

    def all_ids(self):
        return iter(self._ids[self._i:])

    def supports(self, astype: str) -> bool:
        return False

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        # the highest score of the whole list: an upper bound for what is left, as a term's is
        if self._max is None:
            self._max = max(self._scores, default=0.0)
        return self._max

    block_quality = max_quality

    def weight(self) -> float:
        return self._scores[self._i]

    def score(self) -> float:
        return self._scores[self._i]

    def term_matchers(self):
        return iter(())

    def children(self):
        return []


class BlockPhrase(Phrase):
    """:class:`~whoosh.query.Phrase` whose matcher is :func:`phrase_matches` (same hits, scores and order)."""

    def matcher(self, searcher: Any, context: Any = None):
        if self.fieldname not in searcher.schema:
            return NullMatcher()
        found = phrase_matches(searcher, self.fieldname, list(self.words), self.slop, self.boost, context)
        if found is None:
            return super().matcher(searcher, context)
        ids, scores = found
        if not ids:
            return NullMatcher()
        return _ScoredList(ids, scores)
