"""Pseudo-relevance feedback: the relevance model (RM1/RM3) of a first pass's top documents, query clarity, and the feedback re-rank.

Lavrenko & Croft, "Relevance-based language models" (SIGIR 2001);
Cronen-Townsend, Zhou & Croft, "Predicting query performance" (SIGIR 2002).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from whoosh.query.compound import Or

from ..analysis import analyze
from .bm25f import DEFAULT_FIELDS
from .ties import order_ties, whoosh_top
from .stats import CollectionStats, stats_of
from .bm25f import FieldsTerm, _run, _weighting, bm25f_scores
from .config import RankingConfig
from .filtering import filter_docnums


def relevance_model(
    documents: list[tuple[str, float]],
    *,
    exclude: set[str] | frozenset[str] = frozenset(),
    min_length: int = 2,
    support: Counter[str] | None = None,
) -> Counter[str]:
    """Relevance model RM1 over feedback documents: ``Counter(term -> P(w|R))``, summing to 1 (or empty).

    ``documents`` are ``(text, score)`` of the top documents of a first pass.
    ``P(w|R) = sum_D P(w|D) * P(D|q)`` with ``P(w|D) = tf / |D|`` and
    ``P(D|q)`` proportional to the document's score (Lavrenko & Croft,
    "Relevance-based language models", SIGIR 2001).  Terms in ``exclude``,
    numbers and terms shorter than ``min_length`` are left out.  ``support``,
    when given, is filled with each term's count of feedback documents
    holding it (how many of the top documents agree on the term).
    """
    model: Counter[str] = Counter()
    total_score = sum(max(score, 0.0) for _, score in documents)
    if not documents or total_score <= 0:
        return model
    for text, score in documents:
        terms = [t for t in analyze(text) if len(t) >= min_length and not _numeric(t) and t not in exclude]
        if not terms or score <= 0:
            continue
        p_doc = score / total_score
        length = len(terms)
        counts = Counter(terms)
        if support is not None:
            support.update(counts.keys())
        for term, count in counts.items():
            model[term] += p_doc * count / length
    norm = sum(model.values())
    if norm > 0 and abs(norm - 1.0) > 1e-9:  # documents without terms took their share with them
        for term in model:
            model[term] /= norm
    return model


def rm3_expansion(
    documents: list[tuple[str, float]],
    n_terms: int,
    *,
    exclude: set[str] | frozenset[str] = frozenset(),
    min_length: int = 2,
    model: Counter[str] | None = None,
) -> list[tuple[str, float]]:
    """The ``n_terms`` most likely terms of :func:`relevance_model`: ``[(term, weight)]``, weights summing to 1.

    ``model``: the relevance model when already computed (``documents`` are then not read).
    """
    if model is None:
        model = relevance_model(documents, exclude=exclude, min_length=min_length)
    top = model.most_common(n_terms)
    norm = sum(weight for _, weight in top)
    return [(term, weight / norm) for term, weight in top] if norm > 0 else []


def query_clarity(model: Counter[str], reader: Any, n_terms: int = 100,
                  fieldnames: tuple[str, ...] = ("body",), stats: CollectionStats | None = None) -> float:
    """Clarity of a query (bits): the KL divergence of its relevance model from the collection's language.

    Cronen-Townsend, Zhou & Croft, "Predicting query performance", SIGIR
    2002: ``sum_w P(w|R) log2(P(w|R) / P(w|C))``.  High when the top
    documents of a first pass agree on a vocabulary of their own, low when
    they share little beyond what any document says.  ``model`` is
    :func:`relevance_model`'s; the sum runs over its ``n_terms`` most likely
    terms (renormalised; they carry most of the divergence), ``P(w|C)`` is
    the term's share of all tokens of ``fieldnames`` in ``reader`` (a term
    not indexed there counts once; the body by default, as the title's
    stored frequencies carry its index-time boost).  0.0 for an empty model.
    ``stats``: the collection's statistics (default: ``reader``'s index).
    """
    top = model.most_common(n_terms)
    norm = sum(p for _, p in top)
    if norm <= 0:
        return 0.0
    stats = stats_of(reader, stats)
    total = sum(stats.field_length(f) for f in fieldnames) or 1
    clarity = 0.0
    for term, p in top:
        p /= norm
        cf = sum(stats.frequency(f, term) for f in fieldnames)
        clarity += p * math.log2(p * total / max(cf, 1.0))
    return clarity


def _numeric(term: str) -> bool:
    return any(ch.isdigit() for ch in term)


def _expansion_terms(searcher, ranked, compiled, config: RankingConfig,
                     stats: CollectionStats | None = None) -> list[tuple[str, float, float]]:
    """RM3's expansion terms from the top ``fb_docs`` of ``ranked``: ``[(term, idf, boost)]``.

    Terms in more than ``fb_max_df`` of the documents ("said", "pct") are
    skipped.  With the user's words at weight 1 each, the expansion terms
    share ``n_words * (1 - w) / w`` so that the user's words hold the fraction
    ``w`` (``fb_original``) of the query's weight.  With ``fb_min_support`` >
    1, only the terms at least that many feedback documents hold are kept,
    at their own weights (the share of the others is dropped, not handed on).
    """
    original = min(max(config.fb_original, 0.01), 1.0)
    share = len(compiled.clauses) * (1.0 - original) / original
    if share <= 0 or config.fb_terms <= 0:
        return []
    documents = []
    for docnum, score in ranked[:max(1, config.fb_docs)]:
        stored = searcher.stored_fields(docnum)
        text = " ".join(part for part in (stored.get("title"), stored.get("body")) if part)
        documents.append((text, score))
    support: Counter[str] = Counter()
    relevance = relevance_model(documents, support=support)
    model = _weighting(config, stats)
    collection = model.collection(searcher)
    if config.fb_min_clarity > 0 and query_clarity(relevance, searcher.reader(), stats=collection) < config.fb_min_clarity:
        return []  # the feedback documents do not agree on a subject: feedback would drift
    candidates = rm3_expansion(documents, config.fb_terms * 4 if config.fb_max_df < 1 else config.fb_terms,
                               model=relevance)
    n_docs = max(1, collection.doc_count())
    kept = []
    for term, weight in candidates:
        df = max(collection.doc_frequency(f, term) for f in ("title", "body"))
        if df > config.fb_max_df * n_docs:
            continue
        kept.append((term, model.idf_of(df, n_docs), weight))
        if len(kept) >= config.fb_terms:
            break
    norm = sum(weight for _, _, weight in kept)
    if norm <= 0:
        return []
    if config.fb_min_support > 1:
        # A term only one or two of the top documents use is their own vocabulary, not the
        # query's subject.  The agreed terms keep their own weights (not renormalised): the
        # expansion weighs as much as the top documents agree, and nothing where they agree on nothing.
        kept = [item for item in kept if support[item[0]] >= config.fb_min_support]
    return [(term, idf, share * weight / norm) for term, idf, weight in kept]


def _expanded(searcher, query, flt, compiled, config: RankingConfig, context):
    """RM3: the user's query plus weighted terms from the top documents of a first pass."""
    keep = None if flt is None else filter_docnums(searcher, flt)
    first, _ = whoosh_top(lambda limit: _run(searcher, query, context, limit=limit, filter=keep),
                          searcher, max(1, config.fb_docs))
    extra = _expansion_terms(searcher, first, compiled, config, stats=context.weighting.stats)
    if not extra:
        return query
    extra = [FieldsTerm(DEFAULT_FIELDS, term, boost=boost) for term, _, boost in extra]
    # Expansion terms also find documents without any of the user's words.
    return Or([query, *extra])


def _feedback_rerank(searcher, ranked, compiled, config: RankingConfig, context):
    """RM3 as a re-ranking: the expansion terms re-score the top ``fb_depth`` documents of ``ranked``.

    Returns the re-ranked list (the same documents) and the expansion terms
    (``[(term, idf, boost)]``; empty when the feedback documents gave none).
    """
    extra = _expansion_terms(searcher, ranked, compiled, config, stats=context.weighting.stats)
    if not extra:
        return ranked, extra
    depth = min(config.fb_depth, len(ranked))
    head, tail = ranked[:depth], ranked[depth:]
    bonus = bm25f_scores(searcher, context.weighting, extra, [docnum for docnum, _ in head], DEFAULT_FIELDS)
    head = [(docnum, score + bonus.get(docnum, 0.0)) for docnum, score in head]
    head.sort(key=lambda item: -item[1])
    head = order_ties(searcher, head)  # equal scores by id, whatever the index's layout
    return head + tail, extra
