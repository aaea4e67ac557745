"""Exact-form evidence: a bonus, among the top documents, for a word found as typed (``=executive``), not only by its stem."""

from __future__ import annotations

from .bm25f import FieldsTerm, bm25f_scores
from .ties import order_ties

#: How many top documents get the exact-form bonus (see :data:`searchkit.query.EXACT_FORM_BOOST`).
EXACT_DEPTH = 50

#: Where the bonus looks for the word as typed (tags are names, seldom inflected).
EXACT_FIELDS = ("title", "body")


def _exact_rerank(searcher, ranked, exact: list[tuple[str, float]], model, depth: int):
    """Add the BM25F scores of the words' exact forms (``=executive``, weighted) to the top ``depth`` documents.

    Read only for those documents (postings skipped to them), so a plain
    query pays for ``depth`` documents, not for every holder of the forms.
    """
    depth = min(depth, len(ranked))
    head, tail = ranked[:depth], ranked[depth:]
    terms = [(term, FieldsTerm(EXACT_FIELDS, term).idf(searcher, model), boost) for term, boost in exact]
    bonus = bm25f_scores(searcher, model, terms, [docnum for docnum, _ in head], EXACT_FIELDS)
    if not bonus:
        return ranked
    head = [(docnum, score + bonus.get(docnum, 0.0)) for docnum, score in head]
    head.sort(key=lambda item: -item[1])
    head = order_ties(searcher, head)  # equal scores by id, whatever the index's layout
    return head + tail
