"""The first pass of plain words with NumPy: each posting list scored as arrays, not posting by posting.

:func:`vector_first_pass` gives what :func:`.bm25f.all_bm25f_scores`
followed by :func:`.ties.top_by_score` gives -- the same documents, the same
scores bit for bit, the same order and the same count of matches -- with the
per-posting arithmetic done by NumPy:

* a word's postings in a field are one array of segment docnums and one of
  weights: read from the segment's ``.skv`` file
  (:mod:`searchkit.whoosh_ext.vector_postings`) when the list is there, else
  block by block (Whoosh keeps each block as pickled Python tuples:
  unpickling and ``np.array`` run in C) and kept for later queries;
* its BM25F frequency is summed over the fields into a dense array of the
  segment's documents, field by field in the order the Python pass adds
  them (``0.0 + x`` is ``x``, so every sum is the same double);
* each word's saturation ``scale * tf / (tf + k1)`` is added into the
  segment's scores in the words' order, as the Python pass does;
* only the documents scoring at least the ``(n + 1)``-th best score are
  handed to :func:`.ties.top_by_score` (every tie at the cut included), so
  which documents are kept, and their order, are those of the whole list.

NumPy (a dependency of datasketch) costs 0.1-0.2 s to import, more than
the Python pass of a typical query.  A long-lived process (a library user,
the web page, the benchmarks) imports it at the first plain-words query the
pass suits (:func:`worth_it`: enough postings beside the segments' sizes)
and gains from then on; a process marked one-shot (:func:`searchkit.loading.one_shot`:
each CLI command is a fresh process) imports it only for a query reading at least
:data:`IMPORT_WORTH` postings, where the pass saves more than the import
costs (see :func:`worth_it`).
"""

from __future__ import annotations

import sys
from typing import Any

from ..loading import NUMPY_IMPORT_WORTH, is_one_shot, numpy_installed
from ..whoosh_ext.postings import field_lengths, has_blocks, iter_blocks, raw_postings
from ..whoosh_ext.vector_postings import term_of, vector_reader
from .filtering import segment_filter

__all__ = ["vector_first_pass", "worth_it", "IMPORT_WORTH", "CACHE_POSTINGS", "DENSE_COST"]

#: In a one-shot process, a query reading at least this many postings imports NumPy for its
#: first pass (the Python pass spends about 1 us a posting, the import 0.1-0.2 s).
IMPORT_WORTH = NUMPY_IMPORT_WORTH

#: The NumPy pass costs about as much per document of a segment, for each word, as the Python pass
#: costs per posting divided by this (zeroing and scanning dense arrays).
DENSE_COST = 256

#: Postings kept as arrays between queries, over all the segments of a searcher (16 bytes each:
#: docnum and weight); a segment's share is this divided by the number of segments.
CACHE_POSTINGS = 1 << 20


def postings_read(searcher: Any, terms: list[tuple[str, float, float]], fieldnames: tuple[str, ...]) -> list[int]:
    """How many postings each of ``terms`` has in ``fieldnames`` over the searcher's segments (doc frequencies)."""
    from .bm25f import indexed_bytes

    counts = [0] * len(terms)
    schema = searcher.schema
    fields = [(fieldname, schema[fieldname]) for fieldname in fieldnames if fieldname in schema]
    for sub, _ in searcher.leaf_searchers():
        reader = sub.reader()
        for i, (term, _, _) in enumerate(terms):
            for fieldname, field in fields:
                btext = indexed_bytes(reader, fieldname, field, term)
                if btext is not None:
                    counts[i] += reader.doc_frequency(fieldname, btext)
    return counts


def worth_it(searcher: Any, terms: list[tuple[str, float, float]], fieldnames: tuple[str, ...], top: int = 0,
             k1: float = 1.2) -> bool:
    """Whether :func:`vector_first_pass` should score this query rather than the Python pass.

    ``top``: the pool the first pass is asked for; ``k1``: the model's.  No
    when NumPy is missing; in a one-shot process without NumPy loaded, only
    for :data:`IMPORT_WORTH` postings or more.  Otherwise no when the Python
    pass is as fast: fewer postings than the array work costs
    (:data:`DENSE_COST`: the NumPy pass touches a dense array of each
    segment's documents for every word).  Either pass gives the same
    results; this only decides which is faster.  (A common word beside a
    rare one can be faster in the Python pass, when MaxScore then only looks
    the common word up; telling in advance when it will was not reliable: on
    the 10x Reuters queries such a rule sent 82 queries to Python, 1.2 s
    against 0.6 s in NumPy.)
    """
    loaded = "numpy" in sys.modules
    if not loaded and not numpy_installed():
        return False
    counts = postings_read(searcher, terms, fieldnames)
    total = sum(counts)
    if not loaded and is_one_shot():
        return total >= IMPORT_WORTH
    documents = sum(sub.doc_count_all() for sub, _ in searcher.leaf_searchers())
    if total * DENSE_COST < documents * len(terms):
        return False
    return True


def _arrays(np: Any, reader: Any, fieldname: str, field: Any, btext: bytes, budget: int) -> tuple[Any, Any] | None:
    """``(docnums, weights)`` of a term's postings in a segment, as int64 and float64 arrays (kept per segment)."""
    vectors = vector_reader(reader)
    if vectors is not None:  # the segment's .skv file: arrays without decoding the blocks
        term = term_of(reader, fieldname, btext)
        found = vectors.arrays(term) if term is not None else None
        if found is not None:
            return found
    cache = reader.__dict__.setdefault("_searchkit_vectors", {})
    key = (fieldname, btext)
    found = cache.get(key)
    if found is not None:
        return found
    postings = raw_postings(reader, fieldname, field, btext)
    if not has_blocks(postings):
        return None
    ids: list[int] = []
    weights: list[float] = []
    for block_ids, block_weights in iter_blocks(postings):
        ids.extend(block_ids)
        weights.extend(block_weights)
    found = (np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64))
    held = reader.__dict__.get("_searchkit_vectors_size", 0) + len(ids)
    if held > budget:
        cache.clear()
        held = len(ids)
    reader.__dict__["_searchkit_vectors_size"] = held
    cache[key] = found
    return found


def _lengths(np: Any, reader: Any, fieldname: str) -> Any:
    """The segment's one-byte field lengths as a uint8 array (kept with the segment), or None."""
    cache = reader.__dict__.setdefault("_searchkit_length_arrays", {})
    if fieldname not in cache:
        raw = field_lengths(reader, fieldname)
        cache[fieldname] = None if raw is None else np.frombuffer(raw, dtype=np.uint8)
    return cache[fieldname]


def _deleted(np: Any, reader: Any) -> Any:
    """The segment's deleted docnums as an int64 array (None without deletions)."""
    if not reader.has_deletions():
        return None
    return np.fromiter(reader.deleted_docs_set, dtype=np.int64)


def _kth_highest(np: Any, values: Any, k: int) -> float:
    """The ``k``-th highest of ``values`` (a float64 array of more than ``k``), as ``np.partition`` finds it.

    On a large array a strided sample's ``k``-th highest is found first: it
    is at most the whole array's (the sample is part of it), so every value
    at or above the true one is at or above it, and the true one is the
    ``k``-th highest of those few.  About ``2 * sqrt(len * k)`` values are
    partitioned instead of all of them.
    """
    total = len(values)
    size = int((total * k) ** 0.5)  # the sample; about as many candidates are left
    if size > 2 * k and total > 4 * size:
        sample = values[::total // size]
        low = np.partition(sample, len(sample) - k)[len(sample) - k]
        above = values[values >= low]
        if len(above) >= k:  # (always, unless a NaN made the comparisons false)
            values = above
    return np.partition(values, len(values) - k)[len(values) - k]


def vector_first_pass(
    searcher: Any,
    model: Any,
    terms: list[tuple[str, float, float]],
    fieldnames: tuple[str, ...],
    flt: Any,
    n: int,
) -> tuple[list[tuple[int, float]], int] | None:
    """``(top, matches)``: the ``n`` best ``(global docnum, score)`` best first, and the count of matches.

    ``terms`` are :func:`.bm25f.all_bm25f_scores`'s ``(term, idf, boost)``;
    ``flt`` a filter query or None.  The same result as
    ``top_by_score(searcher, all_bm25f_scores(...).items(), n)`` and its
    ``len`` (tested bit for bit).  None when a segment is not laid out as
    this reads it (the caller then takes the Python pass).
    """
    import numpy as np

    from .bm25f import _bm25f_fields, _length_factors, indexed_bytes
    from .ties import top_by_score

    k1 = model.config.k1
    params = [(fieldname, field, np.array(_length_factors(b, weight, avgfl), dtype=np.float64))
              for fieldname, field, b, weight, avgfl in _bm25f_fields(searcher, model, fieldnames)]
    found_docs = []
    found_scores = []
    leaves = searcher.leaf_searchers()
    budget = CACHE_POSTINGS // max(1, len(leaves))
    for sub, offset in leaves:
        reader = sub.reader()
        size = reader.doc_count_all()
        keep = segment_filter(sub, flt) if flt is not None else None
        if keep is not None and keep.docs is not None and not keep.docs:
            continue
        scores = None
        matched = None
        for term, idf, boost in terms:
            tf = present = None
            for fieldname, field, factors in params:
                btext = indexed_bytes(reader, fieldname, field, term)
                if btext is None:
                    continue
                lengths = _lengths(np, reader, fieldname)
                arrays = _arrays(np, reader, fieldname, field, btext, budget)
                if lengths is None or arrays is None:
                    return None
                ids, weights = arrays
                if not len(ids):
                    continue
                if tf is None:
                    tf = np.zeros(size, dtype=np.float64)
                    present = np.zeros(size, dtype=bool)
                tf[ids] += factors[lengths[ids]] * weights  # ids are distinct within a field
                present[ids] = True
            if tf is None:
                continue
            docs = np.flatnonzero(present)
            freq = tf[docs]
            scale = idf * boost * (k1 + 1.0)
            if scores is None:
                scores = np.zeros(size, dtype=np.float64)
                matched = np.zeros(size, dtype=bool)
            scores[docs] += scale * freq / (freq + k1)
            matched[docs] = True
        if scores is None:
            continue
        deleted = _deleted(np, reader)
        if deleted is not None:
            matched[deleted[deleted < size]] = False
        docs = np.flatnonzero(matched)
        if keep is not None and len(docs):
            docs = np.array(keep.select(docs.tolist()), dtype=np.int64)
        if len(docs):
            found_docs.append(docs + offset)
            found_scores.append(scores[docs])
    if not found_docs:
        return [], 0
    docs = np.concatenate(found_docs)
    values = np.concatenate(found_scores)
    total = len(docs)
    if n <= 0:
        return [], total
    if total > n + 1:
        cut = _kth_highest(np, values, n + 1)
        keep_mask = values >= cut
        docs, values = docs[keep_mask], values[keep_mask]
    return top_by_score(searcher, list(zip(docs.tolist(), values.tolist())), n), total
