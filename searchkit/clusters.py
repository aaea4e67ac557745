"""Near-duplicate clusters at query time: collapsing results, a document's copies, index counts.

The labels are written at index time (:mod:`searchkit.dedup`, field
``cluster``, a column and a term): here they are only read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

__all__ = ["collapse", "labels_of", "copy_count", "copies_of", "cluster_stats", "distinct_clusters",
           "hits_of"]


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace") or None
    return value or None


def labels_of(searcher, docnums: Iterable[int]) -> dict[int, str]:
    """``{docnum: cluster label}``; a document without one is its own cluster (``"#<docnum>"``)."""
    from .whoosh_ext.columns import column_values

    wanted = sorted(set(docnums))
    found = {}
    for docnum, value in zip(wanted, column_values(searcher, "cluster", wanted)):
        found[docnum] = _text(value) or f"#{docnum}"
    return found


def collapse(searcher, ranked: list[tuple[int, float]], *, by_score: bool = True) -> list[tuple[int, float, str]]:
    """One ``(docnum, score, label)`` per cluster of ``ranked`` (best first), in ``ranked``'s order.

    The representative is the cluster's first document in ``ranked``; with
    ``by_score``, among its documents with that same score, the earliest
    dated (then the smallest id, so the choice does not depend on how the
    index is laid out) -- exact copies score alike, and the first
    publication is the one to show.
    """
    labels = labels_of(searcher, (docnum for docnum, _ in ranked))
    groups: dict[str, list[tuple[int, float]]] = {}
    for docnum, score in ranked:
        groups.setdefault(labels[docnum], []).append((docnum, score))
    dates = None
    collapsed = []
    for label, members in groups.items():
        best_doc, best_score = members[0]
        tied = [docnum for docnum, score in members if score == best_score] if by_score else [best_doc]
        if len(tied) > 1:
            if dates is None:
                reader = searcher.reader()
                dates = reader.column_reader("date", translate=False) if reader.has_column("date") else None
            when = {docnum: dates[docnum] if dates is not None else 0 for docnum in tied}
            first = min(when.values())
            earliest = [docnum for docnum in tied if when[docnum] == first]
            if len(earliest) > 1:
                from .ranking.ties import doc_ids

                ids = doc_ids(searcher, earliest)
                earliest.sort(key=ids.__getitem__)
            best_doc = earliest[0]
        collapsed.append((best_doc, best_score, label))
    return collapsed


def distinct_clusters(searcher, docnums: Iterable[int]) -> int:
    """How many clusters these documents fall in."""
    return len(set(raw_labels(searcher, sorted(set(docnums)))))


def raw_labels(searcher, docnums: list[int]) -> list:
    """The cluster labels of ascending ``docnums`` as stored (bytes); a document without one gets its docnum."""
    from .whoosh_ext.columns import column_values

    return [value or docnum for docnum, value in zip(docnums, column_values(searcher, "cluster", docnums))]


def copy_count(searcher, label: str | None) -> int:
    """How many other live documents share the cluster ``label`` (0 for None or a lone document)."""
    if not label or label.startswith("#"):
        return 0
    from whoosh.query import Term

    if not searcher.reader().has_deletions():  # the term's document frequency counts exactly the live ones
        return max(0, searcher.doc_frequency("cluster", label) - 1)
    return max(0, sum(1 for _ in searcher.docs_for_query(Term("cluster", label))) - 1)


def copies_of(searcher, doc_id: str) -> list[int] | None:
    """The document numbers of ``doc_id``'s copies (itself excluded), earliest dated first (then by id); None if no such id."""
    from whoosh.query import Term

    docnum = searcher.document_number(id=doc_id)
    if docnum is None:
        return None
    label = labels_of(searcher, [docnum])[docnum]
    if label.startswith("#"):
        return []
    others = [other for other in searcher.docs_for_query(Term("cluster", label)) if other != docnum]
    reader = searcher.reader()
    dates = reader.column_reader("date", translate=False) if reader.has_column("date") else None
    from .ranking.ties import doc_ids

    ids = doc_ids(searcher, others) if others else {}
    return sorted(others, key=lambda other: (dates[other] if dates is not None else 0, ids[other]))


def hits_of(searcher, docnums: list[int]) -> list:
    """Hits (score 0, no snippet) for these documents, in this order: the shape of a query's hits."""
    from .document import stored_metadata
    from .results import Hit

    labels = labels_of(searcher, docnums)
    hits = []
    for rank, docnum in enumerate(docnums, 1):
        label = labels[docnum]
        hits.append(Hit(score=0.0, snippet="", rank=rank, copies=copy_count(searcher, label),
                        cluster=None if label.startswith("#") else label,
                        **stored_metadata(searcher.stored_fields(docnum))))
    return hits


def cluster_stats(searcher) -> dict[str, int]:
    """``{"clusters": clusters of two or more documents, "documents_in_clusters": their documents}``."""
    reader = searcher.reader()
    if not reader.doc_count() or not reader.has_column("cluster"):
        return {"clusters": 0, "documents_in_clusters": 0}
    column = reader.column_reader("cluster")
    sizes = Counter(column[docnum] for docnum in reader.all_doc_ids())
    shared = [size for label, size in sizes.items() if size > 1 and label]
    return {"clusters": len(shared), "documents_in_clusters": sum(shared)}
