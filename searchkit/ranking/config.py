"""RankingConfig: every ranking knob, with the defaults searchkit ships (see ``docs/relevance.md``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Mapping


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
