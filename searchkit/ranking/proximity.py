"""Term proximity (BM25TP): a bonus for query words that occur near each other in the top documents.

Positions are read only for the re-ranked documents (postings skipped to
them), so the cost grows with the re-rank depth, not with the matches:
from a list's position arrays in the segment's ``.skv`` file when NumPy is
loaded (only the blocks holding those documents are summed up,
:meth:`~searchkit.whoosh_ext.vector_postings.VectorReader.positions_at`),
else from the posting blocks that hold them.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

from .bm25f import indexed_bytes, segments_of
from .ties import order_ties
from .config import RankingConfig
from ..whoosh_ext.postings import position_reader, positioned_at, raw_postings
from ..whoosh_ext.vector_postings import term_of, vector_reader


def read_positions(searcher: Any, fieldname: str, terms: list[str], docnums: list[int]) -> dict[int, dict[str, list[int]]]:
    """``{docnum: {term: positions}}`` of ``terms`` in ``fieldname``, for the (global) ``docnums``.

    Reads the postings of each term once per segment, skipping straight to
    the wanted documents: the cost grows with ``len(terms) * len(docnums)``,
    not with how many documents contain the terms.  The same positions
    from the ``.skv`` arrays as from the blocks.
    """
    out: dict[int, dict[str, list[int]]] = {}
    if fieldname not in searcher.schema or not docnums:
        return out
    field = searcher.schema[fieldname]
    wanted = sorted(set(docnums))
    arrays = _arrays_loaded()
    for reader, offset, local in segments_of(searcher, wanted):
        vectors = vector_reader(reader) if arrays else None
        for term in terms:
            btext = indexed_bytes(reader, fieldname, field, term)
            if btext is None:
                continue
            if vectors is not None:
                entry = term_of(reader, fieldname, btext)
                found = vectors.positions_at(entry, local) if entry is not None else None
                if found is not None:
                    for docnum, spots in found:
                        out.setdefault(docnum + offset, {})[term] = spots
                    continue
            postings = raw_postings(reader, fieldname, field, btext)
            if not postings.supports("positions"):
                continue
            positions = position_reader(postings)
            for docnum in positioned_at(postings, local):
                out.setdefault(docnum + offset, {})[term] = positions()
    return out


@dataclass
class BodyPositions:
    """The body positions a proximity re-rank read, kept for the same query's snippets.

    ``terms``: the words read; ``docnums``: the documents they were read
    for (one holding none of them has no entry in ``positions``);
    ``positions``: ``{docnum: {term: [positions]}}`` (:func:`read_positions`).
    """

    terms: frozenset[str] = frozenset()
    docnums: frozenset[int] = frozenset()
    positions: dict[int, dict[str, list[int]]] = field(default_factory=dict)

    def of(self, docnum: int, terms: set[str] | frozenset[str]) -> dict[str, list[int]] | None:
        """``{term: positions}`` of ``terms`` in ``docnum``'s body, or None when they were not all read for it."""
        if docnum in self.docnums and terms <= self.terms:
            return self.positions.get(docnum, {})
        return None


def _arrays_loaded() -> bool:
    """Whether :func:`read_positions` reads the ``.skv`` arrays: when NumPy is loaded (not imported for them alone)."""
    return "numpy" in sys.modules


def pair_frequency(first: list[int], second: list[int], window: int) -> float:
    """How often two words occur within ``window`` positions of each other, nearer counting more.

    Each occurrence of the rarer word pairs with the nearest occurrence of
    the other; a pair at distance ``d`` adds ``1 / d**2`` (BM25TP's term-pair
    instance weight), so adjacent words add 1.
    """
    if len(first) > len(second):
        first, second = second, first
    total = 0.0
    n = len(second)
    j = 0
    for pos in first:
        while j < n and second[j] < pos:
            j += 1
        best = window + 1
        if j < n:
            best = second[j] - pos
        if j > 0 and pos - second[j - 1] < best:
            best = pos - second[j - 1]
        if 0 < best <= window:
            total += 1.0 / (best * best)
    return total


def _single_words(clauses) -> list[str]:
    """The query's one-term word clauses, in query order (phrases and prefixes left out)."""
    words = []
    for clause in clauses:
        terms = {term for _, term in clause}
        if len(terms) == 1:
            words.append(next(iter(terms)))
    return words

#: Proximity looks at the first this many single words of a query (a pasted
#: paragraph would otherwise cost the square of its length).
MAX_PROXIMITY_WORDS = 32


def _proximity_rerank(searcher, ranked, words, config: RankingConfig, model, kept: BodyPositions | None = None):
    """Add a term-proximity bonus to the top ``prox_depth`` documents and re-sort them.

    ``kept``, when given, is filled with the body positions read (for snippets)."""
    depth = min(config.prox_depth, len(ranked))
    head, tail = ranked[:depth], ranked[depth:]
    docnums = [docnum for docnum, _ in head]
    words = words[:MAX_PROXIMITY_WORDS]  # pairs grow with the square of the words
    idf = {w: model.term_idf(searcher, "body", w) for w in words}
    stats = model.collection(searcher)
    adjacent = [(a, b, min(idf[a], idf[b])) for a, b in zip(words, words[1:]) if a != b]
    body_b = config.b if config.prox_b is None else config.prox_b
    fields = [("body", 1.0, body_b), ("title", config.title_weight, config.title_b)]
    per_field = []
    for fieldname, weight, b in fields:
        if fieldname not in searcher.schema:
            continue
        avg = stats.avg_field_length(fieldname) or 1.0
        per_field.append((fieldname, weight, b, avg, read_positions(searcher, fieldname, words, docnums)))
        if kept is not None and fieldname == "body":
            kept.terms, kept.docnums, kept.positions = frozenset(words), frozenset(docnums), per_field[-1][-1]
    k = config.prox_k
    window = config.prox_window
    found_pairs: list[list[tuple[tuple[str, str], float, float]]] = []  # per document: (pair, idf, tf)
    both: Counter = Counter()  # pair -> head documents holding both words
    near: Counter = Counter()  # pair -> head documents where they occur within the window
    for docnum, _ in head:
        if config.prox_pairs == "adjacent":
            pairs = adjacent
        else:  # every pair of the query's words that are both in this document
            present = set().union(*(positions.get(docnum, ()) for *_, positions in per_field))
            here = [w for w in words if w in present]
            pairs = [(a, b, min(idf[a], idf[b])) for i, a in enumerate(here) for b in here[i + 1:] if a != b]
        entries = []
        for a, b_, pair_idf in pairs:
            tf = 0.0
            held = False
            for fieldname, weight, b, avg, positions in per_field:
                found = positions.get(docnum)
                if not found or a not in found or b_ not in found:
                    continue
                held = True
                freq = pair_frequency(found[a], found[b_], window)
                if freq:
                    length = searcher.doc_field_length(docnum, fieldname, 1) or 0  # None: only stopwords
                    freq /= 1.0 - b + b * length / avg
                tf += weight * freq
            if held:
                both[(a, b_)] += 1
            if tf:
                near[(a, b_)] += 1
                entries.append(((a, b_), pair_idf, tf))
        found_pairs.append(entries)
    # How much each pair's words keep together where both occur (1: always near).
    # Words that merely share documents (a long request's "interested ... information")
    # get little of the bonus; a name or a term of art ("security treaty") all of it.
    scale = {pair: (near[pair] / both[pair]) ** config.prox_cooc if config.prox_cooc else 1.0 for pair in near}
    rescored = []
    for (docnum, score), entries in zip(head, found_pairs):
        bonus = 0.0
        for pair, pair_idf, tf in entries:
            bonus += scale[pair] * pair_idf * tf * (k + 1.0) / (tf + k)
        rescored.append((docnum, score + config.proximity * bonus))
    rescored.sort(key=lambda item: -item[1])
    rescored = order_ties(searcher, rescored)  # equal scores by id, whatever the index's layout
    return rescored + tail
