"""Ranking: the scoring model, how a multi-word query combines, query expansion.

:class:`RankingConfig` holds every ranking knob with the defaults searchkit
ships (chosen by leave-one-collection-out over nine relevance collections
with human or editorial judgements, see ``docs/relevance.md``).  :class:`NewsBM25` is the Whoosh weighting
model it drives: BM25 with Robertson-Sparck Jones idf (``log(1 + (N - df +
0.5) / (df + 0.5))``, never a floor for common words), per-field k1, b and
weights, and a document-level document frequency for title and body.
:func:`rm3_expansion` is pseudo-relevance feedback: a weighted list of terms
drawn from the top documents of a first pass; :func:`query_clarity` predicts
whether those documents agree on a subject.  :func:`read_positions`,
:func:`pair_frequency` and :func:`bm25f_scores` serve the re-ranking of a
first pass's top documents (term proximity, feedback terms) at a cost bounded
by the number of re-ranked documents, not by the number of matches;
:func:`all_bm25f_scores` is the first pass itself for a query of plain words.

Everything here applies at search time: the index is not rebuilt to change it.
"""

from __future__ import annotations

import math
from functools import lru_cache
from bisect import bisect_left
from collections import Counter
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Iterator, Mapping

from whoosh.matching.binary import UnionMatcher
from whoosh.matching.mcore import Matcher, NullMatcher
from whoosh.query import qcore
from whoosh.query.compound import Or
from whoosh.query.terms import Term
from whoosh.scoring import WeightingModel, WeightLengthScorer, WeightScorer
from whoosh.util.numeric import byte_to_length

from ..analysis import analyze
from .stats import CollectionStats, FixedStats, SearcherStats, stats_of

__all__ = [
    "RankingConfig",
    "DEFAULT_RANKING",
    "NewsBM25",
    "FieldsTerm",
    "rm3_expansion",
    "relevance_model",
    "query_clarity",
    "resolve_ranking",
    "read_positions",
    "pair_frequency",
    "bm25f_scores",
    "document_frequency",
    "CollectionStats",
    "SearcherStats",
    "FixedStats",
    "stats_of",
]


@dataclass(frozen=True)
class RankingConfig:
    """Ranking settings.  ``Index.search(..., ranking=RankingConfig(...))`` or a dict of overrides.

    Scoring: ``fields="bm25f"`` combines a word's frequencies in title, body
    and tags (each weighted and length-normalised) before BM25 saturates them,
    and uses the body's k1; ``fields="sum"`` scores each field with BM25 on its
    own and adds the scores.

    * ``k1``, ``b``: body saturation and length normalisation;
      ``title_k1``, ``title_b``: the same for the title;
    * ``title_weight``, ``tags_weight``: field weights (the body weighs 1);
    * ``idf``: ``"bm25"`` (``log(1 + (N - df + .5) / (df + .5))``, df counted in
      the body *or* the title, whichever is larger, so a word is as rare in the
      title as in the article) or ``"whoosh"`` (``log(N / (df + 1)) + 1`` per field).

    Combining the words of a query (``coordination``):

    * ``"tier"``: among the top ``pool`` documents, those containing every word
      come first (only for queries of at most ``tier_max_words`` words);
    * ``"soft"``: scores are multiplied by ``(matched / words) ** coord_power``;
    * ``"none"``: plain sum.

    * ``idf_power``: the idf is raised to this power; queries of at least
      ``long_query_words`` word clauses (natural-language requests) use
      ``long_idf_power`` instead, so their rarest words weigh more against
      the many common ones ("changes", "figures", "production").

    Term proximity (``proximity`` > 0, queries of two words or more): the top
    ``prox_depth`` documents of the first pass get a bonus for every pair of
    query words (``prox_pairs="all"``, or ``"adjacent"`` in the query) that
    occur within ``prox_window`` positions of each other in the body or title.
    A pair at distance d counts ``1/d**2`` (BM25TP); per pair the counts are
    weighted by field (``title_weight``), length-normalised (the body with
    ``prox_b``, or ``b`` when None; 0: an article that keeps the words together
    twice is not outdone by a brief that does so once), saturated with
    ``prox_k`` and weighted by the rarer word's idf; ``proximity`` scales the sum.
    Adaptive: each pair's bonus is multiplied by ``share ** prox_cooc``, where
    ``share`` is the fraction of the re-ranked documents holding both words in
    which they occur within the window: words that belong together (a name, a
    term of art) keep the whole bonus, words of a long request that merely
    share documents get little (``prox_cooc = 0``: no scaling).

    Pseudo-relevance feedback (RM3): with ``feedback``, for best-match queries
    of at least ``fb_min_words`` word clauses, the top ``fb_docs`` documents
    (after the proximity re-rank) give ``fb_terms`` expansion terms (terms in
    more than ``fb_max_df`` of the documents are skipped); the user's words
    keep weight ``fb_original`` (0..1) and the expansion terms share the rest.
    ``fb_min_clarity`` > 0 gates it: feedback applies only when the query's
    clarity (:func:`query_clarity`, bits: how far the feedback documents'
    language model is from the collection's, i.e. how much they agree on a
    subject of their own) reaches it.  Off by default: across nine
    collections it did not separate the queries feedback helps from those it
    hurts (``docs/relevance.md``).
    ``fb_mode``:

    * ``"rerank"``: the expansion terms re-score the top ``fb_depth``
      documents; the result set is exactly the documents the user's query
      matches (no document without a typed word is ever added);
    * ``"tiers"``: as ``"rerank"``, and when a query of plain words has
      fewer matches than were asked for, documents found by the expansion
      terms alone follow *after* every real match;
    * ``"full"``: classic RM3, the expansion terms are OR-ed into the query
      (documents without any typed word can rank anywhere; slow).
    """

    fields: str = "bm25f"
    k1: float = 1.2
    b: float = 0.4
    title_k1: float = 1.2
    title_b: float = 0.0
    title_weight: float = 3.0
    tags_weight: float = 1.0
    idf: str = "bm25"
    idf_power: float = 1.0
    long_query_words: int = 4
    long_idf_power: float = 1.25
    coordination: str = "none"
    tier_max_words: int = 3
    coord_power: float = 1.0
    pool: int = 200
    proximity: float = 1.0
    prox_window: int = 5
    prox_depth: int = 50
    prox_pairs: str = "all"
    prox_k: float = 2.0
    prox_cooc: float = 0.5
    prox_b: float | None = 0.0
    feedback: bool = True
    fb_mode: str = "rerank"
    fb_min_words: int = 4
    fb_docs: int = 12
    fb_terms: int = 20
    fb_original: float = 0.6
    fb_max_df: float = 0.1
    fb_depth: int = 50
    fb_min_clarity: float = 0.0

    def with_overrides(self, overrides: Mapping[str, Any]) -> RankingConfig:
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise TypeError(f"unknown ranking option(s) {', '.join(unknown)}; use {', '.join(sorted(known))}")
        return replace(self, **overrides)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: What ``searchkit query`` and ``Index.search`` use.
DEFAULT_RANKING = RankingConfig()


def resolve_ranking(ranking: RankingConfig | Mapping[str, Any] | None, feedback: bool | None) -> RankingConfig:
    """The configuration for one search: the defaults, overridden by ``ranking`` and ``feedback``."""
    if ranking is None:
        config = DEFAULT_RANKING
    elif isinstance(ranking, RankingConfig):
        config = ranking
    elif isinstance(ranking, Mapping):
        config = DEFAULT_RANKING.with_overrides(ranking)
    else:
        raise TypeError(f"ranking must be a RankingConfig or a dict, not {type(ranking).__name__}")
    if feedback is not None and bool(feedback) != config.feedback:
        config = replace(config, feedback=bool(feedback))
    return config


# --- the weighting model ----------------------------------------------------

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


class NewsBM25(WeightingModel):
    """BM25 per field with a proper idf, per-field k1/b and field weights.

    Term weights in the index carry the schema's ``field_boost`` (the title's
    is baked in at indexing time); they are divided out here, so the field
    weight is the one of the configuration alone.
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
        if self.config.idf == "whoosh":
            df = stats.doc_frequency(fieldname, text)
            return math.log(n_docs / (df + 1)) + 1
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
        boost = getattr(searcher.schema[fieldname].format, "field_boost", 1.0) or 1.0
        self.unboost = 1.0 / boost
        self.setup(searcher, fieldname, text)

    def _score(self, weight: float, length: int) -> float:
        tf = weight * self.unboost
        k1 = self.k1
        norm = k1 * (1.0 - self.b + self.b * length / self.avgfl)
        return self.scale * tf * (k1 + 1.0) / (tf + norm)


# --- one word over several fields (BM25F) -----------------------------------


class FieldsTerm(qcore.Query):
    """One index term searched in several fields, scored as one BM25F term.

    With a :class:`NewsBM25` weighting in ``bm25f`` mode, the term's
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
        if not isinstance(model, NewsBM25) or model.config.fields != "bm25f":
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
            unboost = 1.0 / (getattr(field.format, "field_boost", 1.0) or 1.0)
            params.append((fieldname, b, weight * unboost, avgfl))
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
                length = dfl(docnum, fieldname, 1)
                tf += weight * leaf.weight() / (1.0 - b + b * length / avgfl)
        k1 = self.k1
        return self.scale * tf * (k1 + 1.0) / (tf + k1)


# --- pseudo-relevance feedback ----------------------------------------------


def relevance_model(
    documents: list[tuple[str, float]],
    *,
    exclude: set[str] | frozenset[str] = frozenset(),
    min_length: int = 2,
) -> Counter[str]:
    """Relevance model RM1 over feedback documents: ``Counter(term -> P(w|R))``, summing to 1 (or empty).

    ``documents`` are ``(text, score)`` of the top documents of a first pass.
    ``P(w|R) = sum_D P(w|D) * P(D|q)`` with ``P(w|D) = tf / |D|`` and
    ``P(D|q)`` proportional to the document's score (Lavrenko & Croft,
    "Relevance-based language models", SIGIR 2001).  Terms in ``exclude``,
    numbers and terms shorter than ``min_length`` are left out.
    """
    model: Counter[str] = Counter()
    total_score = sum(max(score, 0.0) for _, score in documents)
    if not documents or total_score <= 0:
        return model
    for text, score in documents:
        terms = [t for t in analyze(text) if len(t) >= min_length and not _numeric(t) and t not in exclude]
        if not terms or score <= 0:
            continue
        p_doc = score / total_score
        length = len(terms)
        for term, count in Counter(terms).items():
            model[term] += p_doc * count / length
    norm = sum(model.values())
    if norm > 0 and abs(norm - 1.0) > 1e-9:  # documents without terms took their share with them
        for term in model:
            model[term] /= norm
    return model


def rm3_expansion(
    documents: list[tuple[str, float]],
    n_terms: int,
    *,
    exclude: set[str] | frozenset[str] = frozenset(),
    min_length: int = 2,
    model: Counter[str] | None = None,
) -> list[tuple[str, float]]:
    """The ``n_terms`` most likely terms of :func:`relevance_model`: ``[(term, weight)]``, weights summing to 1.

    ``model``: the relevance model when already computed (``documents`` are then not read).
    """
    if model is None:
        model = relevance_model(documents, exclude=exclude, min_length=min_length)
    top = model.most_common(n_terms)
    norm = sum(weight for _, weight in top)
    return [(term, weight / norm) for term, weight in top] if norm > 0 else []


def query_clarity(model: Counter[str], reader: Any, n_terms: int = 100,
                  fieldnames: tuple[str, ...] = ("body",), stats: CollectionStats | None = None) -> float:
    """Clarity of a query (bits): the KL divergence of its relevance model from the collection's language.

    Cronen-Townsend, Zhou & Croft, "Predicting query performance", SIGIR
    2002: ``sum_w P(w|R) log2(P(w|R) / P(w|C))``.  High when the top
    documents of a first pass agree on a vocabulary of their own, low when
    they share little beyond what any document says.  ``model`` is
    :func:`relevance_model`'s; the sum runs over its ``n_terms`` most likely
    terms (renormalised; they carry most of the divergence), ``P(w|C)`` is
    the term's share of all tokens of ``fieldnames`` in ``reader`` (a term
    not indexed there counts once; the body by default, as the title's
    stored frequencies carry its index-time boost).  0.0 for an empty model.
    ``stats``: the collection's statistics (default: ``reader``'s index).
    """
    top = model.most_common(n_terms)
    norm = sum(p for _, p in top)
    if norm <= 0:
        return 0.0
    stats = stats_of(reader, stats)
    total = sum(stats.field_length(f) for f in fieldnames) or 1
    clarity = 0.0
    for term, p in top:
        p /= norm
        cf = sum(stats.frequency(f, term) for f in fieldnames)
        clarity += p * math.log2(p * total / max(cf, 1.0))
    return clarity


def _numeric(term: str) -> bool:
    return any(ch.isdigit() for ch in term)


# --- proximity (term dependence) --------------------------------------------


def read_positions(searcher: Any, fieldname: str, terms: list[str], docnums: list[int]) -> dict[int, dict[str, list[int]]]:
    """``{docnum: {term: positions}}`` of ``terms`` in ``fieldname``, for the (global) ``docnums``.

    Reads the postings of each term once per segment, skipping straight to
    the wanted documents: the cost grows with ``len(terms) * len(docnums)``,
    not with how many documents contain the terms.
    """
    out: dict[int, dict[str, list[int]]] = {}
    if fieldname not in searcher.schema or not docnums:
        return out
    field = searcher.schema[fieldname]
    wanted = sorted(set(docnums))
    leaves = searcher.leaf_searchers()
    for index, (sub, offset) in enumerate(leaves):
        end = leaves[index + 1][1] if index + 1 < len(leaves) else offset + sub.doc_count_all()
        local = [d - offset for d in wanted if offset <= d < end]
        if not local:
            continue
        reader = sub.reader()
        for term in terms:
            btext = indexed_bytes(reader, fieldname, field, term)
            if btext is None:
                continue
            postings = _raw_postings(reader, fieldname, field, btext)
            if not postings.supports("positions"):
                continue
            for docnum in _positioned_at(postings, local):
                out.setdefault(docnum + offset, {})[term] = postings.value_as("positions")
    return out


#: What the block readers here use of Whoosh 3's on-disk posting matcher.
_BLOCK_API = ("is_active", "_read_ids", "_read_weights", "_next_block", "block_max_id", "_i")


def _positioned_at(postings: Any, docnums: list[int]) -> Iterator[int]:
    """Each of the sorted ``docnums`` that ``postings`` holds, with the matcher on it when yielded.

    Whoosh's on-disk postings come in blocks with a known last id: a block
    holding none of the wanted documents is never decoded, and within a block
    the wanted ids are found by bisection rather than by stepping through
    every posting.  Other matchers take the generic ``skip_to`` path.
    """
    if not all(hasattr(postings, name) for name in _BLOCK_API):
        for docnum in docnums:
            if not postings.is_active():
                return
            if postings.id() < docnum:
                postings.skip_to(docnum)
                if not postings.is_active():
                    return
            if postings.id() == docnum:
                yield docnum
        return
    i, n = 0, len(docnums)
    while i < n and postings.is_active():
        last = postings.block_max_id()
        if docnums[i] <= last:
            if postings._ids is None:
                postings._read_ids()
            ids = postings._ids
            size = len(ids)
            while i < n and docnums[i] <= last:
                at = bisect_left(ids, docnums[i])
                if at < size and ids[at] == docnums[i]:
                    postings._i = at  # the matcher's in-block cursor: weight() and value() read there
                    yield docnums[i]
                i += 1
        if i >= n:
            return
        postings._next_block()


def _raw_postings(reader: Any, fieldname: str, field: Any, btext: bytes) -> Any:
    """A segment's postings of a term, without Whoosh's deleted-documents filter where it can be had.

    For looking up documents already known to be live (the top of a ranking):
    the filter only adds a method call per posting.
    """
    terms = getattr(reader, "_terms", None)
    if terms is not None and hasattr(terms, "matcher"):
        return terms.matcher(fieldname, btext, field.format)
    return reader.postings(fieldname, btext)


def pair_frequency(first: list[int], second: list[int], window: int) -> float:
    """How often two words occur within ``window`` positions of each other, nearer counting more.

    Each occurrence of the rarer word pairs with the nearest occurrence of
    the other; a pair at distance ``d`` adds ``1 / d**2`` (BM25TP's term-pair
    instance weight), so adjacent words add 1.
    """
    if len(first) > len(second):
        first, second = second, first
    total = 0.0
    n = len(second)
    j = 0
    for pos in first:
        while j < n and second[j] < pos:
            j += 1
        best = window + 1
        if j < n:
            best = second[j] - pos
        if j > 0 and pos - second[j - 1] < best:
            best = pos - second[j - 1]
        if 0 < best <= window:
            total += 1.0 / (best * best)
    return total


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
    leaves = searcher.leaf_searchers()
    for term, idf, boost in terms:
        tfs: dict[int, float] = {}
        for index, (sub, offset) in enumerate(leaves):
            end = leaves[index + 1][1] if index + 1 < len(leaves) else offset + sub.doc_count_all()
            local = [d - offset for d in wanted if offset <= d < end]
            if not local:
                continue
            reader = sub.reader()
            for fieldname, field, b, weight, avgfl in params:
                btext = indexed_bytes(reader, fieldname, field, term)
                if btext is None:
                    continue
                for docnum, freq in _weights_for(_raw_postings(reader, fieldname, field, btext), local):
                    key = docnum + offset
                    norm = norms.get((key, fieldname))
                    if norm is None:
                        norm = norms[(key, fieldname)] = 1.0 - b + b * dfl(key, fieldname, 1) / avgfl
                    tfs[key] = tfs.get(key, 0.0) + weight * freq / norm
        scale = idf * boost
        for key, tf in tfs.items():
            scores[key] = scores.get(key, 0.0) + scale * tf * (k1 + 1.0) / (tf + k1)
    return scores


def all_bm25f_scores(
    searcher: Any,
    model: NewsBM25,
    terms: list[tuple[str, float, float]],
    fieldnames: tuple[str, ...] = ("title", "body", "tags"),
) -> dict[int, float] | None:
    """BM25F scores (summed over ``terms``: ``(term, idf, boost)``) of every live document holding one of them.

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
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
        for term, idf, boost in terms:
            tfs: dict[int, float] = {}
            get = tfs.get
            for fieldname, field, factors in params:
                btext = indexed_bytes(reader, fieldname, field, term)
                if btext is None:
                    continue
                lengths = _field_lengths(reader, fieldname)
                postings = _raw_postings(reader, fieldname, field, btext)  # deleted documents: dropped below
                if lengths is None or not all(hasattr(postings, name) for name in _BLOCK_API):
                    return None
                while postings.is_active():
                    postings._read_ids()
                    postings._read_weights()
                    for docnum, freq in zip(postings._ids, postings._weights):
                        tfs[docnum] = get(docnum, 0.0) + factors[lengths[docnum]] * freq
                    postings._next_block()
            scale = idf * boost * (k1 + 1.0)
            add = scores.get
            for docnum, tf in tfs.items():
                if docnum not in deleted:
                    key = docnum + offset
                    scores[key] = add(key, 0.0) + scale * tf / (tf + k1)
    return scores


def _bm25f_fields(searcher: Any, model: NewsBM25, fieldnames: tuple[str, ...]) -> list[tuple]:
    """``(fieldname, field, b, weight, avg_length)`` of the searched fields in the schema.

    ``weight`` is the configured field weight with the schema's index-time
    ``field_boost`` (baked into the stored frequencies) divided out.
    """
    schema = searcher.schema
    stats = model.collection(searcher)
    params = []
    for fieldname in fieldnames:
        if fieldname in schema:
            _, b, weight = model.field_params(fieldname)
            field = schema[fieldname]
            boost = getattr(field.format, "field_boost", 1.0) or 1.0
            params.append((fieldname, field, b, weight / boost, stats.avg_field_length(fieldname) or 1.0))
    return params


@lru_cache(maxsize=64)
def _length_factors(b: float, weight: float, avgfl: float) -> tuple[float, ...]:
    """``weight / (1 - b + b * length / avgfl)`` for each of the 256 one-byte lengths Whoosh stores."""
    return tuple(weight / (1.0 - b + b * byte_to_length(byte) / avgfl) for byte in range(256))


def _field_lengths(reader: Any, fieldname: str) -> bytes | None:
    """A segment's length bytes for ``fieldname``, one per document (cached on the reader), or None."""
    cache = reader.__dict__.setdefault("_searchkit_lengths", {})
    if fieldname not in cache:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN

        lengths = None
        try:
            column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            if column is not None and column._fixedlen == 1:
                raw = bytes(column._dbfile.get(column._basepos, column._count))
                lengths = raw + bytes(max(0, reader.doc_count_all() - len(raw)))  # missing: length 0
        except AttributeError:  # another codec
            lengths = None
        cache[fieldname] = lengths
    return cache[fieldname]


def _weights_for(postings: Any, docnums: list[int]):
    """``(docnum, weight)`` for each of the sorted segment ``docnums`` found in ``postings``."""
    for docnum in _positioned_at(postings, docnums):
        yield docnum, postings.weight()
