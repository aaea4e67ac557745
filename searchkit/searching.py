"""Kept for old imports only (``searchkit.searching``); nothing inside searchkit imports it.

Running a search lives in :mod:`searchkit.search` (results, filters, sorting,
collapsing), :mod:`searchkit.ranking.pipeline` (the ranking stages) and
:mod:`searchkit.ranking.matches` (counting matches).
"""

from __future__ import annotations

from .ranking.bm25f import _run, _weighting, all_bm25f_scores
from .ranking.matches import _lazy_total, _match_count, _or_leaves, _or_operands, segment_union_ids, union_ids
from .ranking.pipeline import _plain_terms, _ranked, first_pass, rerank
from .results import Hit, SearchResults, StreamedResults
from .search import FILTER_FIELDS, SORTS, _filter_nodes, run_search

__all__ = ["Hit", "SearchResults", "StreamedResults", "run_search", "SORTS", "FILTER_FIELDS"]
