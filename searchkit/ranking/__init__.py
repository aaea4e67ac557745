"""Ranking: the scoring model, the re-rank stages, and the pipeline that runs them in order.

Modules, one per concern:

* :mod:`.config` -- :class:`RankingConfig`, every knob and its default
  (chosen by leave-one-collection-out over nine relevance collections, see
  ``docs/relevance.md``);
* :mod:`.stats` -- :class:`CollectionStats`, the one source of N, document
  frequencies and average lengths (a sharded search passes global ones);
* :mod:`.bm25f` -- :class:`NewsBM25` and :class:`FieldsTerm` (BM25F), the
  first pass for plain words;
* :mod:`.exact`, :mod:`.proximity`, :mod:`.feedback` -- the re-rank stages:
  exact-form evidence, term proximity, pseudo-relevance feedback (RM3) and
  query clarity;
* :mod:`.pipeline` -- the one place that runs them in order;
* :mod:`.matches` -- counting matches without scoring (totals, facets).

Everything here applies at search time: the index is not rebuilt to change it.
"""

from __future__ import annotations

from .bm25f import (
    DEFAULT_FIELDS,
    FieldsTerm,
    NewsBM25,
    all_bm25f_scores,
    bm25f_scores,
    document_frequency,
    indexed_bytes,
)
from .config import DEFAULT_RANKING, RankingConfig, resolve_ranking
from .feedback import query_clarity, relevance_model, rm3_expansion
from .pipeline import first_pass, pool_size, query_config, rerank
from .proximity import pair_frequency, read_positions
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
    "all_bm25f_scores",
    "document_frequency",
    "indexed_bytes",
    "CollectionStats",
    "SearcherStats",
    "FixedStats",
    "stats_of",
    "first_pass",
    "rerank",
    "pool_size",
    "query_config",
    "DEFAULT_FIELDS",
]
