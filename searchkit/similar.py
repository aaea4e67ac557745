"""More like this: the articles closest to a given one.

The document's own terms are weighed by tf-idf -- ``(1 + ln tf) * idf``,
with a title word counting :data:`TITLE_WEIGHT` times and a tag word
:data:`TAGS_WEIGHT` times (Salton and Buckley, "Term-weighting approaches
in automatic text retrieval", 1988) -- and its :data:`MAX_TERMS` heaviest
terms, each boosted by its weight, are searched as one BM25F query (the
approach of Lucene's ``MoreLikeThis``).  The document and its near-duplicate
copies (its cluster) are masked out; the results are collapsed like a query's.
"""

from __future__ import annotations

import math
import time
from collections import Counter

__all__ = ["MAX_TERMS", "distinctive_terms", "run_similar"]

#: Terms of the document searched for.
MAX_TERMS = 25
TITLE_WEIGHT = 3.0
TAGS_WEIGHT = 2.0


def distinctive_terms(searcher, stored: dict, max_terms: int = MAX_TERMS) -> list[tuple[str, float]]:
    """The document's ``max_terms`` heaviest index terms by tf-idf, ``[(term, weight)]``, heaviest first.

    Terms found in no other document (nothing to match) are left out.
    """
    from .analysis import analyze
    from .ranking import document_frequency

    counts: Counter = Counter()
    for text, weight in ((stored.get("title") or "", TITLE_WEIGHT), (stored.get("body") or "", 1.0),
                         (" ".join(stored.get("tag_list") or ()), TAGS_WEIGHT)):
        for term in analyze(text):
            counts[term] += weight
    total = max(1, searcher.doc_count_all())
    weighted = []
    for term, tf in counts.items():
        df = max(document_frequency(searcher.reader(), term), searcher.doc_frequency("tags", term))
        if df <= 1:
            continue
        idf = math.log(1.0 + (total - df + 0.5) / (df + 0.5))
        weighted.append((term, (1.0 + math.log(tf)) * idf))
    weighted.sort(key=lambda item: (-item[1], item[0]))
    return weighted[:max_terms]


def run_similar(searcher, doc_id: str, limit: int = 10, *, snippets: bool = True, collapse: bool = True):
    """The ``limit`` documents most like ``doc_id`` as :class:`~searchkit.searching.SearchResults`; None if no such id."""
    from whoosh.query import Or, Term

    from .clusters import collapse as collapse_ranked
    from .clusters import copy_count, labels_of
    from .document import stored_metadata
    from .highlight import make_snippet
    from .query import DEFAULT_FIELDS
    from .ranking import FieldsTerm, resolve_ranking
    from .ranking.bm25f import _run, _weighting
    from .ranking.ties import whoosh_top  # equal scores by id, whatever the index's layout
    from .results import Hit, SearchResults

    started = time.perf_counter()
    docnum = searcher.document_number(id=doc_id)
    if docnum is None:
        return None
    stored = searcher.stored_fields(docnum)
    terms = distinctive_terms(searcher, stored)
    query_text = f"like:{doc_id}"
    if not terms or limit <= 0:
        return SearchResults([], 0, (time.perf_counter() - started) * 1000, query_text)
    top = terms[0][1]
    query = Or([FieldsTerm(DEFAULT_FIELDS, term, boost=weight / top) for term, weight in terms])
    label = labels_of(searcher, [docnum])[docnum]
    mask = Term("id", doc_id) if label.startswith("#") else Term("cluster", label)
    context = searcher.context(weighting=_weighting(resolve_ranking(None, None)))
    fetch = limit * 2 + 10 if collapse else limit
    while True:
        ranked, results = whoosh_top(lambda n: _run(searcher, query, context, limit=n, mask=mask), searcher, fetch)
        if not collapse:
            groups = [(d, s, None) for d, s in ranked]
            break
        groups = collapse_ranked(searcher, ranked)
        if len(groups) >= limit or len(ranked) < fetch:
            break
        fetch *= 4
    labels = labels_of(searcher, [d for d, _, _ in groups[:limit]])
    words = {term for term, _ in terms}
    hits = []
    for rank, (other, score, _) in enumerate(groups[:limit], 1):
        fields = searcher.stored_fields(other)
        snippet = make_snippet(fields.get("body") or fields.get("title") or "", words) if snippets else None
        cluster = labels.get(other)
        hits.append(Hit(score=float(score), snippet=str(snippet or ""), rank=rank,
                        snippet_parts=snippet.parts if snippet else [],
                        copies=copy_count(searcher, cluster), cluster=None if cluster.startswith("#") else cluster,
                        **stored_metadata(fields)))
    total = len(results) if not collapse else len(groups)
    return SearchResults(hits, total, (time.perf_counter() - started) * 1000, query_text)
