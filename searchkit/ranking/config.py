"""RankingConfig: every ranking knob, with the defaults searchkit ships (see ``docs/relevance.md``).

Each field's ``metadata["help"]`` is its one-line documentation (meaning,
unit, why the default); the options table of the docs is generated from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Mapping

__all__ = ["RankingConfig", "DEFAULT_RANKING", "resolve_ranking", "CHOICES", "DROPPED"]

#: The accepted values of the string options.
CHOICES = {
    "prox_pairs": ("all", "adjacent"),
    "fb_mode": ("rerank", "tiers", "full"),
}

#: Options of modes that were measured and dropped (``docs/relevance.md``), with the one value
#: that still means what searchkit does: an override with that value is accepted and ignored,
#: any other is a ``ValueError``.  (``pool``, ``tier_max_words`` and ``coord_power`` only
#: served the dropped coordination modes: any value is ignored.)
DROPPED = {
    "fields": "bm25f",
    "idf": "bm25",
    "coordination": "none",
    "pool": None,
    "tier_max_words": None,
    "coord_power": None,
}


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class RankingConfig:
    """Ranking settings.  ``Index.search(..., ranking=RankingConfig(...))`` or a dict of overrides.

    Scoring is BM25F: a word's frequencies in title, body and tags are
    weighted and length-normalised per field, added, then saturated with the
    body's ``k1``; the idf is ``log(1 + (N - df + .5) / (df + .5))`` with df
    counted in the body *or* the title, whichever is larger.

    Term proximity (``proximity`` > 0, queries of two words or more): the top
    ``prox_depth`` documents of the first pass get a bonus for every pair of
    query words (``prox_pairs``) that occur within ``prox_window`` positions
    of each other in the body or title.  A pair at distance d counts
    ``1/d**2`` (BM25TP); per pair the counts are weighted by field
    (``title_weight``), length-normalised (``prox_b``), saturated with
    ``prox_k`` and weighted by the rarer word's idf, times ``share **
    prox_cooc`` (``share``: the fraction of the re-ranked documents holding
    both words in which they occur within the window).

    Pseudo-relevance feedback (RM3): for best-match queries of at least
    ``fb_min_words`` word clauses, the top ``fb_docs`` documents give
    ``fb_terms`` expansion terms; ``fb_mode`` ``"rerank"`` re-scores the top
    ``fb_depth`` documents with them (the result set stays what the typed
    words match), ``"tiers"`` also lists documents found by the expansion
    terms alone *after* every real match, ``"full"`` is classic RM3 (the terms
    OR-ed into the query; slow).  A string option given a value outside
    :data:`CHOICES` raises ``ValueError``.
    """

    k1: float = field(default=1.2, metadata=_help(
        "BM25 saturation of the body (and tags); also the BM25F saturation of a word over all fields. "
        "1.2: the textbook value, 0.9 and 1.5 gained nothing that held out"))
    b: float = field(default=0.4, metadata=_help(
        "BM25 length normalisation of the body (0: none, 1: full). "
        "0.4 by leave-one-collection-out over nine collections (0.5 lost LISA)"))
    title_k1: float = field(default=1.2, metadata=_help(
        "BM25 saturation of the title when scored alone (Whoosh's matchers). 1.2, as the body"))
    title_b: float = field(default=0.0, metadata=_help(
        "Length normalisation of the title. 0: headlines are short by design, their length says nothing"))
    title_weight: float = field(default=3.0, metadata=_help(
        "Weight of a title occurrence against a body occurrence (1). 3: weight 2 did worse on the mean and worst collection"))
    tags_weight: float = field(default=1.0, metadata=_help(
        "Weight of a tag occurrence against a body occurrence (1). 1: no evidence for another value"))
    idf_power: float = field(default=1.0, metadata=_help(
        "The idf is raised to this power for queries shorter than long_query_words. 1: plain BM25"))
    long_query_words: int = field(default=4, metadata=_help(
        "Word clauses from which a query counts as a long (natural-language) request. "
        "4: the shortest request that states a need rather than a topic"))
    long_idf_power: float = field(default=1.25, metadata=_help(
        "The idf power of long queries, so their rarest words weigh more than the many common ones. "
        "1.25: better than 1.0 and 1.5 across the collections"))
    proximity: float = field(default=1.0, metadata=_help(
        "Scale of the term-proximity bonus (0: off). 1: 1.5 and 2 lost on the held-out collections"))
    prox_window: int = field(default=5, metadata=_help(
        "Positions within which two query words count as near. 5: a short phrase with a word or two between"))
    prox_depth: int = field(default=50, metadata=_help(
        "Top documents of the first pass that get the proximity bonus (bounds its cost). 50: the first pages"))
    prox_pairs: str = field(default="all", metadata=_help(
        "Word pairs that count: 'all' pairs of the query's words present, or 'adjacent' in the query. "
        "'all': word order in a request is loose"))
    prox_k: float = field(default=2.0, metadata=_help(
        "Saturation of a pair's near-occurrence count. 2: one close pair already gives most of the bonus"))
    prox_cooc: float = field(default=0.5, metadata=_help(
        "Exponent of the share of documents holding both words where they are near (0: no scaling). "
        "0.5: 1 cost LISA 4-5%"))
    prox_b: float | None = field(default=0.0, metadata=_help(
        "Length normalisation of pair counts in the body (None: b). 0: an article keeping the words "
        "together twice is not outdone by a brief doing so once"))
    feedback: bool = field(default=True, metadata=_help(
        "Pseudo-relevance feedback (RM3) for long best-match queries. On: with proximity, it helps overall"))
    fb_mode: str = field(default="rerank", metadata=_help(
        "How expansion terms act: 'rerank' the top fb_depth, 'tiers' rerank plus expansion-only matches "
        "after the real ones, 'full' OR-ed into the query. 'rerank': never adds a document without a typed word"))
    fb_min_words: int = field(default=4, metadata=_help(
        "Word clauses a query needs for feedback. 4: as long_query_words, feedback is for requests"))
    fb_docs: int = field(default=12, metadata=_help(
        "Top documents the relevance model is drawn from. 12: the shipped defaults' tuning"))
    fb_terms: int = field(default=20, metadata=_help("Expansion terms kept. 20: the shipped defaults' tuning"))
    fb_original: float = field(default=0.6, metadata=_help(
        "Share (0..1) of the query's weight kept by the typed words. 0.6: 0.7 ties it"))
    fb_max_df: float = field(default=0.1, metadata=_help(
        "Expansion terms in more than this fraction of documents are skipped. 0.1: 0.03 lost CRAN"))
    fb_depth: int = field(default=50, metadata=_help(
        "Top documents the expansion terms re-score. 50: the first pages, as proximity"))
    fb_min_clarity: float = field(default=0.0, metadata=_help(
        "Feedback only when the query's clarity (bits) reaches this. 0 (off): 2.5 and 3 cut gains "
        "where feedback helps"))
    fb_min_support: int = field(default=1, metadata=_help(
        "Feedback documents (of fb_docs) an expansion term must occur in, the others dropped with their "
        "weight (feedback as strong as the top documents agree; off where they share no term). 1: every term"))

    def __post_init__(self) -> None:
        for name, choices in CHOICES.items():
            value = getattr(self, name)
            if value not in choices:
                raise ValueError(f"ranking option {name}={value!r}: use one of {', '.join(map(repr, choices))}")

    def with_overrides(self, overrides: Mapping[str, Any]) -> RankingConfig:
        """This configuration with ``overrides`` (field -> value) applied.

        Raises ``TypeError`` for an unknown field, ``ValueError`` for a bad
        choice or a dropped mode (:data:`DROPPED`).
        """
        known = {f.name for f in fields(self)}
        overrides = dict(overrides)
        for name in sorted(set(overrides) & set(DROPPED)):
            value, kept = overrides.pop(name), DROPPED[name]
            if kept is not None and value != kept:
                raise ValueError(f"ranking option {name}={value!r} was dropped (see docs/relevance.md); "
                                 f"only {kept!r} is left, and it is the default")
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
