"""Ranking: the scoring model, how a multi-word query combines, query expansion.

:class:`RankingConfig` holds every ranking knob with the defaults searchkit
ships (chosen on the Reuters relevance collection and checked on a held-out
one; see ``docs/relevance.md``).  :class:`NewsBM25` is the Whoosh weighting
model it drives: BM25 with Robertson-Sparck Jones idf (``log(1 + (N - df +
0.5) / (df + 0.5))``, never a floor for common words), per-field k1, b and
weights, and a document-level document frequency for title and body.
:func:`rm3_expansion` is pseudo-relevance feedback: a weighted list of terms
drawn from the top documents of a first pass.

Everything here applies at search time: the index is not rebuilt to change it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Mapping

from whoosh.matching.binary import UnionMatcher
from whoosh.matching.mcore import Matcher, NullMatcher
from whoosh.query import qcore
from whoosh.query.compound import Or
from whoosh.query.terms import Term
from whoosh.scoring import WeightingModel, WeightLengthScorer, WeightScorer

from .analysis import analyze

__all__ = ["RankingConfig", "DEFAULT_RANKING", "NewsBM25", "FieldsTerm", "rm3_expansion", "resolve_ranking"]


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

    Pseudo-relevance feedback (RM3): with ``feedback``, the top ``fb_docs``
    documents of a first pass give ``fb_terms`` expansion terms; the final
    query keeps the user's words at weight ``fb_original`` (0..1) and the
    expansion terms share the rest.
    """

    fields: str = "bm25f"
    k1: float = 1.2
    b: float = 0.5
    title_k1: float = 1.2
    title_b: float = 0.75
    title_weight: float = 3.0
    tags_weight: float = 1.0
    idf: str = "bm25"
    coordination: str = "none"
    tier_max_words: int = 3
    coord_power: float = 1.0
    pool: int = 200
    feedback: bool = False
    fb_docs: int = 5
    fb_terms: int = 20
    fb_original: float = 0.7

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


class NewsBM25(WeightingModel):
    """BM25 per field with a proper idf, per-field k1/b and field weights.

    Term weights in the index carry the schema's ``field_boost`` (the title's
    is baked in at indexing time); they are divided out here, so the field
    weight is the one of the configuration alone.
    """

    def __init__(self, config: RankingConfig = DEFAULT_RANKING):
        self.config = config

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
        parent = searcher.get_parent()
        n_docs = max(1, parent.doc_count_all())
        if self.config.idf == "whoosh":
            df = parent.doc_frequency(fieldname, text)
            return math.log(n_docs / (df + 1)) + 1
        if fieldname in _DOC_FIELDS:
            df = max(parent.doc_frequency(f, text) for f in _DOC_FIELDS if f in parent.schema)
        else:
            df = parent.doc_frequency(fieldname, text)
        df = min(df, n_docs)
        return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: int = 1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        return _NewsBM25Scorer(self, searcher, fieldname, text)


class _NewsBM25Scorer(WeightLengthScorer):
    def __init__(self, model: NewsBM25, searcher: Any, fieldname: str, text: Any):
        parent = searcher.get_parent()
        self.k1, self.b, weight = model.field_params(fieldname)
        self.scale = weight * model.term_idf(searcher, fieldname, text)
        self.avgfl = parent.avg_field_length(fieldname) or 1.0
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
            try:
                btext = field.to_bytes(self.text)
            except ValueError:
                continue
            if (fieldname, btext) not in reader:
                continue
            leaves.append(searcher.postings(fieldname, btext, weighting=model))
            k1, b, weight = model.field_params(fieldname)
            avgfl = searcher.get_parent().avg_field_length(fieldname) or 1.0
            unboost = 1.0 / (getattr(field.format, "field_boost", 1.0) or 1.0)
            params.append((fieldname, b, weight * unboost, avgfl))
        if not leaves:
            return NullMatcher()
        idf = model.term_idf(searcher, self.fieldnames[0] if "body" not in self.fieldnames else "body", self.text)
        return _BM25FMatcher(searcher, leaves, params, idf * self.boost, model.config.k1)


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


def rm3_expansion(
    documents: list[tuple[str, float]],
    n_terms: int,
    *,
    exclude: set[str] | frozenset[str] = frozenset(),
    min_length: int = 2,
) -> list[tuple[str, float]]:
    """Relevance model RM1 over feedback documents: ``[(term, weight)]``, weights summing to 1.

    ``documents`` are ``(text, score)`` of the top documents of a first pass.
    ``P(w|R) = sum_D P(w|D) * P(D|q)`` with ``P(w|D) = tf / |D|`` and
    ``P(D|q)`` proportional to the document's score.  Terms in ``exclude``,
    numbers and terms shorter than ``min_length`` are left out.
    """
    total_score = sum(max(score, 0.0) for _, score in documents)
    if not documents or total_score <= 0:
        return []
    model: Counter[str] = Counter()
    for text, score in documents:
        terms = [t for t in analyze(text) if len(t) >= min_length and not _numeric(t) and t not in exclude]
        if not terms or score <= 0:
            continue
        p_doc = score / total_score
        length = len(terms)
        for term, count in Counter(terms).items():
            model[term] += p_doc * count / length
    top = model.most_common(n_terms)
    norm = sum(weight for _, weight in top)
    return [(term, weight / norm) for term, weight in top] if norm > 0 else []


def _numeric(term: str) -> bool:
    return any(ch.isdigit() for ch in term)
