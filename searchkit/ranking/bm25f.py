"""The scoring model: BM25 with Robertson-Sparck Jones idf, per-field k1/b and weights, combined as BM25F.

:class:`NewsBM25` is the Whoosh weighting model (idf ``log(1 + (N - df +
0.5) / (df + 0.5))``, never a floor for common words; a document-level df
for title and body); :class:`FieldsTerm` one word over several fields,
scored as one BM25F term; :func:`all_bm25f_scores` the first pass of a query
of plain words, term at a time; :func:`bm25f_scores` the same formula for a
given set of documents (the re-rank stages).  Every idf and average length
is read through the model's :class:`~searchkit.ranking.stats.CollectionStats`.
Robertson & Zaragoza, "The probabilistic relevance framework: BM25 and
beyond" (2009).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import field
from functools import lru_cache
from typing import Any, Iterator

from whoosh.matching.binary import UnionMatcher
from whoosh.matching.mcore import Matcher, NullMatcher
from whoosh.query import qcore
from whoosh.query.compound import Or
from whoosh.query.terms import Term
from whoosh.scoring import WeightLengthScorer, WeightScorer, WeightingModel
from whoosh.util.numeric import byte_to_length

from .filtering import segment_filter
from .stats import CollectionStats, stats_of
from .config import DEFAULT_RANKING, RankingConfig
from ..whoosh_ext.matchers import layout_stable
from ..whoosh_ext.postings import (field_lengths, has_blocks, iter_blocks, positioned_at, posting_ids, raw_postings,
                                   term_weights_at)

#: Fields searched by words that name no field (scored together as one BM25F term).
DEFAULT_FIELDS = ("title", "body", "tags")

#: A filter of fewer documents than a word's postings divided by this is applied by looking its
#: documents up in the postings (blocks without one skipped) rather than reading them all.
NARROW_FILTER = 4

#: Fields whose document frequencies are pooled for the idf (a word is as rare
#: in a headline as in the article).
_DOC_FIELDS = ("title", "body")


def indexed_bytes(reader: Any, fieldname: str, field: Any, text: str) -> bytes | None:
    """``text`` as ``field``'s bytes when ``reader`` holds that term in ``fieldname``, else None."""
    try:
        btext = field.to_bytes(text)
    except ValueError:
        return None
    return btext if (fieldname, btext) in reader else None


def document_frequency(reader: Any, text: str) -> int:
    """A word's document frequency in title or body, whichever is larger."""
    return max((reader.doc_frequency(f, text) for f in _DOC_FIELDS if f in reader.schema), default=0)


def unboost(field: Any) -> float:
    """``1 / field_boost`` of a schema field: what turns its stored term weights back into term counts.

    The boost is the one the index was written with (the searcher's schema is
    made from the index's metadata): 1 for new indexes, 2 for the title of
    indexes written before the boost was recorded.
    """
    return 1.0 / (getattr(field.format, "field_boost", 1.0) or 1.0)


class NewsBM25(WeightingModel):
    """BM25 per field with a proper idf, per-field k1/b and field weights.

    Term weights in the index carry the schema's ``field_boost``: 1 in new
    indexes, the recorded title boost in older ones (see
    :data:`searchkit.schema.LEGACY_TITLE_BOOST`); it is divided out here
    (:func:`unboost`), so a field's weight is the configuration's alone.
    """

    def __init__(self, config: RankingConfig = DEFAULT_RANKING, stats: CollectionStats | None = None):
        self.config = config
        #: The collection statistics of every idf and average length (None: the searcher's index).
        self.stats = stats

    def collection(self, searcher: Any) -> CollectionStats:
        """The :class:`CollectionStats` this model scores ``searcher``'s documents with."""
        return stats_of(searcher, self.stats)

    def supports_block_quality(self) -> bool:
        return True

    def field_params(self, fieldname: str) -> tuple[float, float, float]:
        """``(k1, b, weight)`` of a field."""
        c = self.config
        if fieldname == "title":
            return c.title_k1, c.title_b, c.title_weight
        if fieldname == "tags":
            return c.k1, c.b, c.tags_weight
        return c.k1, c.b, 1.0

    def term_idf(self, searcher: Any, fieldname: str, text: Any) -> float:
        stats = self.collection(searcher)
        n_docs = max(1, stats.doc_count())
        if fieldname in _DOC_FIELDS:
            df = max(stats.doc_frequency(f, text) for f in _DOC_FIELDS)
        else:
            df = stats.doc_frequency(fieldname, text)
        return self.idf_of(df, n_docs)

    def idf_of(self, df: int, n_docs: int) -> float:
        """The BM25 idf of a word found in ``df`` of ``n_docs`` documents, raised to ``idf_power``."""
        df = min(df, n_docs)
        idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
        return idf ** self.config.idf_power if self.config.idf_power != 1 else idf

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: int = 1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        return _NewsBM25Scorer(self, searcher, fieldname, text)


class _NewsBM25Scorer(WeightLengthScorer):
    def __init__(self, model: NewsBM25, searcher: Any, fieldname: str, text: Any):
        self.k1, self.b, weight = model.field_params(fieldname)
        self.scale = weight * model.term_idf(searcher, fieldname, text)
        self.avgfl = model.collection(searcher).avg_field_length(fieldname) or 1.0
        self.unboost = unboost(searcher.schema[fieldname])
        self.setup(searcher, fieldname, text)

    def score(self, matcher: Any) -> float:
        # Whoosh's doc_field_length gives None for a field of length 0 (only stopwords: "It is
        # what it is" holds the phrase "it is"): length 0, as score_array reads it.
        return self._score(matcher.weight(), self.dfl(matcher.id()) or 0)

    def _score(self, weight: float, length: int) -> float:
        tf = weight * self.unboost
        k1 = self.k1
        norm = k1 * (1.0 - self.b + self.b * length / self.avgfl)
        return self.scale * tf * (k1 + 1.0) / (tf + norm)

    def score_array(self, weights: Any, lengths: Any) -> Any:
        """:meth:`_score` of each posting, for NumPy float64 arrays of weights and field lengths.

        The same operations in the same order, so each value is the double
        :meth:`_score` gives (NumPy rounds each operation as Python does).
        """
        tf = weights * self.unboost
        k1 = self.k1
        norm = k1 * (1.0 - self.b + self.b * lengths / self.avgfl)
        return self.scale * tf * (k1 + 1.0) / (tf + norm)


class FieldsTerm(qcore.Query):
    """One index term searched in several fields, scored as one BM25F term.

    With a :class:`NewsBM25` weighting, the term's
    frequencies in the fields are weighted, length-normalised and added up
    before saturation; with any other weighting it is ``Or`` of the per-field
    terms.  ``terms()`` and the matched terms of hits are the per-field pairs.
    """

    def __init__(self, fieldnames: tuple[str, ...], text: str, boost: float = 1.0):
        self.fieldnames = tuple(fieldnames)
        self.text = text
        self.boost = boost

    def __eq__(self, other: object) -> bool:
        return (type(self) is type(other) and self.fieldnames == other.fieldnames
                and self.text == other.text and self.boost == other.boost)

    def __hash__(self) -> int:
        return hash((self.fieldnames, self.text, self.boost))

    def __repr__(self) -> str:
        return f"FieldsTerm({self.fieldnames!r}, {self.text!r}, boost={self.boost})"

    def __str__(self) -> str:
        boost = f"^{self.boost:g}" if self.boost != 1 else ""
        return "(" + " OR ".join(f"{f}:{self.text}" for f in self.fieldnames) + ")" + boost

    def has_terms(self) -> bool:
        return True

    def terms(self, phrases: bool = False):
        for fieldname in self.fieldnames:
            yield (fieldname, self.text)

    def as_or(self) -> qcore.Query:
        terms = [Term(f, self.text) for f in self.fieldnames]
        query = terms[0] if len(terms) == 1 else Or(terms)
        return query.with_boost(self.boost) if self.boost != 1 else query

    def estimate_size(self, ixreader: Any) -> int:
        return sum(ixreader.doc_frequency(f, self.text) for f in self.fieldnames if f in ixreader.schema)

    def matcher(self, searcher: Any, context: Any = None) -> Matcher:
        model = searcher.weighting if context is None else context.weighting
        if not isinstance(model, NewsBM25):
            return self.as_or().matcher(searcher, context)
        reader = searcher.reader()
        leaves, params = [], []
        for fieldname in self.fieldnames:
            if fieldname not in searcher.schema:
                continue
            field = searcher.schema[fieldname]
            btext = indexed_bytes(reader, fieldname, field, self.text)
            if btext is None:
                continue
            leaves.append(searcher.postings(fieldname, btext, weighting=model))
            k1, b, weight = model.field_params(fieldname)
            avgfl = model.collection(searcher).avg_field_length(fieldname) or 1.0
            params.append((fieldname, b, weight * unboost(field), avgfl))
        if not leaves:
            return NullMatcher()
        return _BM25FMatcher(searcher, leaves, params, self.idf(searcher, model) * self.boost, model.config.k1)

    def idf(self, searcher: Any, model: NewsBM25) -> float:
        """The word's idf under ``model`` (the body's, pooled with the title's, when the body is searched)."""
        return model.term_idf(searcher, "body" if "body" in self.fieldnames else self.fieldnames[0], self.text)


class _BM25FMatcher(Matcher):
    """The union of one term's per-field postings, scored with BM25F."""

    def __init__(self, searcher: Any, leaves: list, params: list, scale: float, k1: float):
        self.searcher = searcher
        self.leaves = leaves
        self.params = params
        self.scale = scale
        self.k1 = k1
        inner = leaves[0]
        for leaf in leaves[1:]:
            inner = UnionMatcher(inner, leaf)
        self.inner = inner

    def children(self):
        return [self.inner]

    def copy(self):
        return _BM25FMatcher(self.searcher, [leaf.copy() for leaf in self.leaves], self.params, self.scale, self.k1)

    def replace(self, minquality: float = 0):
        return self if self.is_active() else NullMatcher()

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        return self.scale * (self.k1 + 1.0)

    def is_active(self) -> bool:
        return self.inner.is_active()

    def id(self) -> int:
        return self.inner.id()

    def next(self):
        return self.inner.next()

    def skip_to(self, id: int):
        return self.inner.skip_to(id)

    def reset(self) -> None:
        self.inner.reset()

    def supports(self, astype: str) -> bool:
        return self.inner.supports(astype)

    def value_as(self, astype: str):
        return self.inner.value_as(astype)

    def spans(self):
        return self.inner.spans()

    def weight(self) -> float:
        return self.inner.weight()

    def score(self) -> float:
        docnum = self.inner.id()
        tf = 0.0
        dfl = self.searcher.doc_field_length
        for leaf, (fieldname, b, weight, avgfl) in zip(self.leaves, self.params):
            if leaf.is_active() and leaf.id() == docnum:
                length = dfl(docnum, fieldname, 1) or 0  # None: a field of only stopwords
                tf += weight * leaf.weight() / (1.0 - b + b * length / avgfl)
        k1 = self.k1
        return self.scale * tf * (k1 + 1.0) / (tf + k1)


def bm25f_scores(
    searcher: Any,
    model: NewsBM25,
    terms: list[tuple[str, float, float]],
    docnums: list[int],
    fieldnames: tuple[str, ...] = ("title", "body", "tags"),
) -> dict[int, float]:
    """BM25F scores of ``terms`` (``(term, idf, boost)``) summed, for the (global) ``docnums``.

    The same formula as a :class:`FieldsTerm` under ``model``, computed from
    the raw postings: each term's postings skip straight to the wanted
    documents, segment by segment, so the cost grows with
    ``len(terms) * len(docnums)``, not with how many documents hold the terms.
    """
    scores: dict[int, float] = {}
    wanted = sorted(set(docnums))
    if not wanted or not terms:
        return scores
    params = _bm25f_fields(searcher, model, fieldnames)
    norms: dict[tuple[int, str], float] = {}
    dfl = searcher.doc_field_length
    k1 = model.config.k1
    segments = list(segments_of(searcher, wanted))
    for term, idf, boost in terms:
        tfs: dict[int, float] = {}
        for reader, offset, local in segments:
            for fieldname, field, b, weight, avgfl in params:
                btext = indexed_bytes(reader, fieldname, field, term)
                if btext is None:
                    continue
                for docnum, freq in term_weights_at(reader, fieldname, field, btext, local):
                    key = docnum + offset
                    norm = norms.get((key, fieldname))
                    if norm is None:
                        norm = norms[(key, fieldname)] = 1.0 - b + b * (dfl(key, fieldname, 1) or 0) / avgfl
                    tfs[key] = tfs.get(key, 0.0) + weight * freq / norm
        scale = idf * boost
        for key, tf in tfs.items():
            scores[key] = scores.get(key, 0.0) + scale * tf * (k1 + 1.0) / (tf + k1)
    return scores


def segments_of(searcher: Any, wanted: list[int]) -> Iterator[tuple[Any, int, list[int]]]:
    """``(segment reader, docnum offset, the segment's own docnums)`` of each segment holding some of the sorted global ``wanted``."""
    leaves = searcher.leaf_searchers()
    for index, (sub, offset) in enumerate(leaves):
        end = leaves[index + 1][1] if index + 1 < len(leaves) else offset + sub.doc_count_all()
        local = [d - offset for d in wanted if offset <= d < end]
        if local:
            yield sub.reader(), offset, local


def all_bm25f_scores(
    searcher: Any,
    model: NewsBM25,
    terms: list[tuple[str, float, float]],
    fieldnames: tuple[str, ...] = ("title", "body", "tags"),
    flt: Any = None,
    top: int = 0,
) -> dict[int, float] | None:
    """BM25F scores (summed over ``terms``: ``(term, idf, boost)``) of every live document holding one of them.

    ``flt``: a filter query (dates, ``field:value``): only the documents it
    matches are scored, checked per segment (:mod:`.filtering`).

    ``top``: when > 0, only the best ``top`` documents are wanted, and a
    segment may be pruned (MaxScore, Turtle & Flood 1995, term at a time):
    the words are read in decreasing order of their highest possible
    contribution (``idf * boost * (k1 + 1)``); once the words left could not
    lift a document that has none of the words read so far above the
    ``top``-th partial score, the words left are only looked up for the
    documents already found (blocks without one skipped).  The result then
    holds fewer documents, but every one of the best ``top`` with the very
    score (the same additions in the same order) the full pass gives; it is a
    :class:`PrunedScores` whose ``matches()`` counts every match exactly.

    Term at a time, straight from the posting blocks into a dict: the first
    pass of a query of plain words without Whoosh's matcher tree, whose
    per-posting method calls (a union per word over its fields, a union over
    the words, a deletion filter) cost several times the arithmetic.  The
    formula is :class:`FieldsTerm`'s (a test checks equality).  None when a
    segment is not laid out as this reads it (the caller then asks Whoosh).
    """
    scores: dict[int, float] = {}
    k1 = model.config.k1
    params = [(fieldname, field, _length_factors(b, weight, avgfl))
              for fieldname, field, b, weight, avgfl in _bm25f_fields(searcher, model, fieldnames)]
    bounds = [idf * boost * (k1 + 1.0) for _, idf, boost in terms]
    prunable = top > 0 and len(terms) > 1 and all(bound > 0 for bound in bounds)
    uncounted = []  # segments whose matches were not all scored
    fully_scored = 0
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
        keep = segment_filter(sub, flt) if flt is not None else None
        if keep is not None and keep.docs is not None and not keep.docs:
            continue  # the filter lets nothing of this segment through
        only = keep.sorted_docs() if keep is not None and keep.docs is not None else None
        order = sorted(range(len(terms)), key=lambda i: -bounds[i]) if prunable else range(len(terms))
        contributions: list[dict[int, float] | None] = [None] * len(terms)
        partial: dict[int, float] = {}
        left = sum(bounds)
        pruned = False
        for i in order:
            term, idf, boost = terms[i]
            tfs = _term_tfs(reader, term, params, only, docs=keep.docs if keep is not None else None)
            if tfs is None:
                return None
            if keep is not None:
                tfs = {docnum: tfs[docnum] for docnum in keep.select(tfs)}
            scale = idf * boost * (k1 + 1.0)
            contributions[i] = mine = {docnum: scale * tf / (tf + k1) for docnum, tf in tfs.items()
                                       if docnum not in deleted}
            if not prunable:
                continue
            for docnum, value in mine.items():
                partial[docnum] = partial.get(docnum, 0.0) + value
            left -= bounds[i]
            if len(partial) >= top and left < heapq.nlargest(top, partial.values())[-1] * (1.0 - 1e-9):
                pruned = any(mine is None for mine in contributions)  # some words left to look up only
                break
        if pruned:
            wanted = sorted(partial)
            for i, (term, idf, boost) in enumerate(terms):
                if contributions[i] is None:
                    tfs = _term_tfs(reader, term, params, wanted, lookup=True)
                    if tfs is None:
                        return None
                    scale = idf * boost * (k1 + 1.0)
                    contributions[i] = {docnum: scale * tf / (tf + k1) for docnum, tf in tfs.items()}
            uncounted.append((sub, reader, keep, deleted))
        before = len(scores)
        for mine in contributions:  # in the words' order: the same sums as one full pass
            add = scores.get
            for docnum, value in mine.items():
                key = docnum + offset
                scores[key] = add(key, 0.0) + value
        if not pruned:
            fully_scored += len(scores) - before  # every match of the segment scored
    if not uncounted:
        return scores

    def matches() -> int:
        total = fully_scored
        for sub, reader, keep, deleted in uncounted:
            ids: set[int] = set()
            for term, _, _ in terms:
                for fieldname, field, _ in params:
                    btext = indexed_bytes(reader, fieldname, field, term)
                    if btext is not None:
                        posting_ids(raw_postings(reader, fieldname, field, btext), ids)
            ids.difference_update(deleted)
            total += len(keep.select(sorted(ids))) if keep is not None else len(ids)
        return total

    return PrunedScores(scores, matches, len(scores))


class PrunedScores(dict):
    """Scores of a pruned first pass (see :func:`all_bm25f_scores`): ``matches()`` counts every match."""

    def __init__(self, scores: dict[int, float], matches: Any, lower: int):
        super().__init__(scores)
        self.matches = matches
        #: A lower bound of the matches (those scored), for when counting is no longer possible.
        self.lower = lower


def _term_tfs(reader: Any, term: str, params: list, only: list[int] | None,
              lookup: bool = False, docs: frozenset[int] | None = None) -> dict[int, float] | None:
    """A word's weighted, length-normalised frequencies summed over the fields, per segment docnum.

    ``only`` (sorted docnums or None): with ``lookup``, or when it is narrow
    beside the word's postings, only these documents are looked up; else the
    postings are read whole.  ``docs`` (a set of docnums or None): when the
    postings are read whole, only the documents in it are summed (a filter's
    set; the sums of those kept are the same).  None when a segment is not
    laid out as read here.
    """
    tfs: dict[int, float] = {}
    get = tfs.get
    for fieldname, field, factors in params:
        btext = indexed_bytes(reader, fieldname, field, term)
        if btext is None:
            continue
        lengths = field_lengths(reader, fieldname)
        postings = raw_postings(reader, fieldname, field, btext)  # deleted documents: dropped by the caller
        if lengths is None or not has_blocks(postings):
            return None
        if only is not None and (lookup or len(only) * NARROW_FILTER < reader.doc_frequency(fieldname, btext)):
            # a narrow filter: only its documents are looked up, a block skipped when it holds none
            for docnum in positioned_at(postings, only):
                tfs[docnum] = get(docnum, 0.0) + factors[lengths[docnum]] * postings.weight()
            continue
        if docs is not None:  # a filter wider than narrow: only its documents summed
            for ids, weights in iter_blocks(postings):
                for docnum, freq in zip(ids, weights):
                    if docnum in docs:
                        tfs[docnum] = get(docnum, 0.0) + factors[lengths[docnum]] * freq
            continue
        for ids, weights in iter_blocks(postings):
            for docnum, freq in zip(ids, weights):
                tfs[docnum] = get(docnum, 0.0) + factors[lengths[docnum]] * freq
    return tfs


def _bm25f_fields(searcher: Any, model: NewsBM25, fieldnames: tuple[str, ...]) -> list[tuple]:
    """``(fieldname, field, b, weight, avg_length)`` of the searched fields in the schema.

    ``weight`` is the configured field weight with the schema's index-time
    ``field_boost`` (baked into the stored frequencies) divided out (:func:`unboost`).
    """
    schema = searcher.schema
    stats = model.collection(searcher)
    params = []
    for fieldname in fieldnames:
        if fieldname in schema:
            _, b, weight = model.field_params(fieldname)
            field = schema[fieldname]
            params.append((fieldname, field, b, weight * unboost(field), stats.avg_field_length(fieldname) or 1.0))
    return params


@lru_cache(maxsize=64)
def _length_factors(b: float, weight: float, avgfl: float) -> tuple[float, ...]:
    """``weight / (1 - b + b * length / avgfl)`` for each of the 256 one-byte lengths Whoosh stores."""
    return tuple(weight / (1.0 - b + b * byte_to_length(byte) / avgfl) for byte in range(256))


_WEIGHTINGS: dict[RankingConfig, NewsBM25] = {}


def _weighting(config: RankingConfig, stats: CollectionStats | None = None) -> NewsBM25:
    if stats is not None:
        return NewsBM25(config, stats)
    model = _WEIGHTINGS.get(config)
    if model is None:
        if len(_WEIGHTINGS) > 64:
            _WEIGHTINGS.clear()
        model = _WEIGHTINGS[config] = NewsBM25(config)
    return model


def _run(searcher, query, context, **kwargs):
    """Whoosh's search of ``query`` (its compound nodes made layout-stable: :func:`layout_stable`)."""
    collector = searcher.collector(**kwargs)
    searcher.search_with_collector(layout_stable(query), collector, context=context)
    return collector.results()
