"""The ranking pipeline, in one place: first pass, then the re-rank stages in order.

    first pass (BM25F, :mod:`.bm25f`) -> exact forms (:mod:`.exact`)
    -> proximity (:mod:`.proximity`) -> feedback (:mod:`.feedback`)

(collapsing near-duplicates follows in :func:`searchkit.search.run_search`).
:func:`first_pass` and :func:`rerank` are callable on their own: a sharded
searcher runs :func:`first_pass` on each shard with the collection's
:class:`~searchkit.ranking.stats.CollectionStats`, merges the pools by score,
and runs :func:`rerank` on the merged pool (through a searcher whose
docnums are the pool's, e.g. over a ``MultiReader`` of the shards); each
stage's cross-document figures (the feedback model, the co-occurrence of a
pair of words) come from the pool.  See :mod:`searchkit.ranking.stats`.
Equal scores are ordered by document id at every cut and in every stage's
order (:mod:`.ties`), so the ranking does not depend on how the index is
laid out (segments, shards, merges).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from whoosh.query.compound import Or

from .bm25f import DEFAULT_FIELDS
from .stats import CollectionStats
from .bm25f import FieldsTerm, PrunedScores, _run, _weighting, all_bm25f_scores
from .config import RankingConfig
from .filtering import filter_docnums
from .exact import EXACT_DEPTH, _exact_rerank
from .feedback import _expanded, _feedback_rerank
from .matches import _lazy_total, _or_operands
from .proximity import BodyPositions, _proximity_rerank, _single_words
from .ties import top_by_score, whoosh_top
from . import vectorized


def _ranked(searcher, query, flt, compiled, wanted: int, config: RankingConfig,
            plain: bool = False, stats: CollectionStats | None = None,
            kept: BodyPositions | None = None) -> tuple[list[tuple[int, float]], int]:
    """The ranking pipeline on one searcher: :func:`first_pass`, then :func:`rerank` of its pool.

    ``kept``: filled with the body positions the proximity stage read, if it runs (for snippets)."""
    config = query_config(compiled, config)
    if wanted == 0:
        context = searcher.context(weighting=_weighting(config, stats))
        results = _run(searcher, query, context, limit=1, filter=_filter_set(searcher, flt))
        return [], _lazy_total([results])
    top, counted = first_pass(searcher, query, flt, compiled, wanted, config, stats=stats)
    top, related = rerank(searcher, top, compiled, config, stats=stats, query=query, flt=flt,
                          wanted=wanted, plain=plain, kept=kept)
    if related is not None:
        counted.append(related)
    return top, _lazy_total(counted)


def query_config(compiled, config: RankingConfig) -> RankingConfig:
    """``config`` as it applies to this query: a long (natural-language) query leans harder on its rarest words."""
    if len(compiled.clauses) >= config.long_query_words and config.long_idf_power != config.idf_power:
        config = replace(config, idf_power=config.long_idf_power)
    return config


def _feedback_applies(compiled, config: RankingConfig) -> bool:
    return bool(config.feedback and compiled.best_match and len(compiled.clauses) >= max(1, config.fb_min_words))


def pool_size(compiled, wanted: int, config: RankingConfig) -> int:
    """How many documents the first pass keeps: enough for the page and for every re-rank stage's depth."""
    words = _single_words(compiled.clauses)
    depth = config.prox_depth if config.proximity > 0 and len(words) > 1 else 0
    feedback = _feedback_applies(compiled, config) and config.fb_mode != "full"
    fb_depth = config.fb_depth if feedback else 0
    exact_depth = EXACT_DEPTH if compiled.exact else 0
    return max(wanted, depth, fb_depth, exact_depth)


def first_pass(searcher, query, flt, compiled, wanted: int, config: RankingConfig,
               stats: CollectionStats | None = None) -> tuple[list[tuple[int, float]], list]:
    """The first pass: the top :func:`pool_size` ``(docnum, score)`` of ``query``, best first, and what counts the matches.

    ``config`` is :func:`query_config`'s.  Scores use ``stats`` (default: the
    searcher's index) for every idf and average length, so a shard given the
    whole collection's statistics scores as one index would.  The second
    item is a list of match counts (ints or Whoosh results) for the total.
    """
    context = searcher.context(weighting=_weighting(config, stats))
    if _feedback_applies(compiled, config) and config.fb_mode == "full":
        query = _expanded(searcher, query, flt, compiled, config, context)
    pool = pool_size(compiled, wanted, config)
    scores = None
    plain_words = _plain_terms(query)
    if plain_words is not None:  # plain words: scored term at a time, without Whoosh's matchers
        model = context.weighting
        terms = [(word.text, word.idf(searcher, model), word.boost) for word in plain_words]
        if vectorized.worth_it(searcher, terms, DEFAULT_FIELDS, pool, model.config.k1):
            found = vectorized.vector_first_pass(searcher, model, terms, DEFAULT_FIELDS, flt, pool)
            if found is not None:
                top, matches = found
                return top, [matches]
        scores = all_bm25f_scores(searcher, model, terms, DEFAULT_FIELDS, flt, pool)
    if scores is not None:
        top = top_by_score(searcher, scores.items(), pool)
        return top, [scores if isinstance(scores, PrunedScores) else len(scores)]
    keep = _filter_set(searcher, flt)
    top, results = whoosh_top(lambda limit: _run(searcher, query, context, limit=limit, filter=keep),
                              searcher, pool)
    return top, [results]


def rerank(searcher, top: list[tuple[int, float]], compiled, config: RankingConfig,
           stats: CollectionStats | None = None, *, query=None, flt=None, wanted: int = 0,
           plain: bool = False, kept: BodyPositions | None = None) -> tuple[list[tuple[int, float]], Any]:
    """The re-rank stages, in order, on a pool of ``(docnum, score)`` (best first): exact forms, proximity, feedback.

    ``top`` may come from :func:`first_pass` on this searcher or be merged
    from several shards' first passes (docnums then being those of
    ``searcher``, e.g. over a ``MultiReader`` of the shards).  Every idf and
    average length comes from ``stats``; the cross-document figures of a
    stage (the feedback documents' relevance model, how often a pair of
    words keeps together) from the pool.  ``query``/``flt``/``wanted``/
    ``plain`` serve only the ``fb_mode="tiers"`` extension (documents found
    by the expansion terms alone); its Whoosh results are the second item
    (None otherwise).  ``kept``: filled with the body positions the
    proximity stage reads (:class:`~.proximity.BodyPositions`), for snippets.
    """
    context = searcher.context(weighting=_weighting(config, stats))
    feedback = _feedback_applies(compiled, config) and config.fb_mode != "full"
    words = _single_words(compiled.clauses)
    depth = config.prox_depth if config.proximity > 0 and len(words) > 1 else 0
    exact_depth = EXACT_DEPTH if compiled.exact else 0
    related = None
    if exact_depth:
        top = _exact_rerank(searcher, top, compiled.exact, context.weighting, exact_depth)
    if depth:
        top = _proximity_rerank(searcher, top, words, config, context.weighting, kept)
    if feedback:
        top, extra = _feedback_rerank(searcher, top, compiled, config, context)
        if extra and config.fb_mode == "tiers" and plain and len(top) < wanted and query is not None:
            # Documents with none of the typed words, found by the expansion
            # terms alone, come after every document that has one of them.
            queries = [FieldsTerm(DEFAULT_FIELDS, term, boost=boost) for term, _, boost in extra]
            keep = _filter_set(searcher, flt)
            found, related = whoosh_top(
                lambda limit: _run(searcher, _or_query(queries), context, limit=limit, filter=keep, mask=query),
                searcher, wanted - len(top))
            floor = min((score for _, score in top), default=1.0)
            best = max((score for _, score in found), default=1.0) or 1.0
            top.extend((docnum, floor * 0.5 * score / best) for docnum, score in found)
    return top, related


def _filter_set(searcher, flt):
    """``flt`` as the set of documents it matches, kept per searcher (None: no filter)."""
    return None if flt is None else filter_docnums(searcher, flt)


def _plain_terms(query) -> list[FieldsTerm] | None:
    """The words of a query that is only BM25F words OR-ed together (no boost on the OR), else None."""
    operands = _or_operands(query, unboosted=True)
    if operands is None or not all(isinstance(operand, FieldsTerm) for operand in operands):
        return None
    return operands


def _by_score_then_docnum(item: tuple[int, float]) -> tuple[float, int]:
    """Sort key of the old order (ties by document number); kept for callers, the pipeline uses :mod:`.ties`."""
    return item[1], -item[0]


def _or_query(queries):
    return queries[0] if len(queries) == 1 else Or(queries)
