"""Collection statistics: the one source of N, document frequencies and field lengths for scoring.

Every cross-document figure the ranking uses -- the document count ``N`` and
the document frequencies of the idf, the average field lengths of BM25's
length normalisation, the collection term frequencies of query clarity --
is read through a :class:`CollectionStats`.  By default it is
:class:`SearcherStats`, read from the Whoosh searcher that runs the query;
a sharded search passes one object holding the statistics of the whole
collection (summed over the shards, as Elasticsearch's dfs_query_then_fetch
gathers them first), so that every shard scores its documents exactly as one
index holding all of them would.  Per-document figures (a document's field
length, a term's frequency in it) are always read locally.

Contract for a sharded searcher (see :mod:`searchkit.ranking.pipeline`):

1. gather global statistics: ``N = sum(doc_count)``, ``df = sum(doc_frequency)``,
   ``field_length = sum(field_length)``, ``frequency = sum(frequency)`` over the
   shards; ``avg_field_length = field_length / N`` (Whoosh's definition);
2. run :func:`~searchkit.ranking.pipeline.first_pass` on each shard with
   ``stats=`` those statistics (scores are then comparable across shards);
3. merge the pools by score and run :func:`~searchkit.ranking.pipeline.rerank`
   on the merged pool (with the same ``stats``), through a searcher that sees
   every pooled document (e.g. a Whoosh searcher over a ``MultiReader`` of the
   shards' readers, whose docnums are the pool's): the re-rank stages take
   their cross-document figures (the feedback model of the top documents, the
   co-occurrence share of a pair of words) from the pool itself.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["CollectionStats", "SearcherStats", "FixedStats", "stats_of"]


@runtime_checkable
class CollectionStats(Protocol):
    """What the ranking asks of a collection.  Field names are schema names; ``text`` an index term."""

    def doc_count(self) -> int:
        """N of the idf: every document of the collection (Whoosh counts deleted ones until merged away)."""

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """How many documents hold ``text`` in ``fieldname`` (0 when the field or term is absent)."""

    def field_length(self, fieldname: str) -> int:
        """Total tokens of ``fieldname`` over the collection (as stored by Whoosh, boosts included)."""

    def avg_field_length(self, fieldname: str) -> float:
        """Average length of ``fieldname`` per document: ``field_length / doc_count`` (0.0 when absent)."""

    def frequency(self, fieldname: str, text: str) -> float:
        """Total occurrences of ``text`` in ``fieldname`` over the collection (query clarity's ``P(w|C)``)."""


class SearcherStats:
    """:class:`CollectionStats` of one Whoosh index, read from a searcher (or a reader).

    The default: the figures are the ones the ranking read directly from
    Whoosh before this hook existed, so scores are unchanged.
    """

    __slots__ = ("source",)

    def __init__(self, source: Any):
        get_parent = getattr(source, "get_parent", None)
        self.source = get_parent() if get_parent is not None else source

    def _reader(self) -> Any:
        reader = getattr(self.source, "reader", None)
        return reader() if callable(reader) else self.source

    def doc_count(self) -> int:
        return self.source.doc_count_all()

    def doc_frequency(self, fieldname: str, text: str) -> int:
        source = self.source
        memo = _memo(source)
        key = (fieldname, text)
        found = memo.get(key) if memo is not None else None
        if found is None:
            found = source.doc_frequency(fieldname, text) if fieldname in source.schema else 0
            if memo is not None:
                if len(memo) >= _MEMO_SIZE:
                    memo.clear()
                memo[key] = found
        return found

    def field_length(self, fieldname: str) -> int:
        if fieldname not in self.source.schema:
            return 0
        return self.source.field_length(fieldname)

    def avg_field_length(self, fieldname: str) -> float:
        schema = self.source.schema
        if fieldname not in schema or not schema[fieldname].scorable:
            return 0.0
        return self.source.field_length(fieldname) / (self.source.doc_count_all() or 1)

    def frequency(self, fieldname: str, text: str) -> float:
        schema = self.source.schema
        if fieldname not in schema:
            return 0.0
        reader = self._reader()
        try:
            btext = schema[fieldname].to_bytes(text) if isinstance(text, str) else text
        except ValueError:
            return 0.0
        if (fieldname, btext) not in reader:
            return 0.0
        return reader.frequency(fieldname, btext)


#: Document frequencies remembered per searcher (a searcher reads one unchanging set of segments;
#: a query asks for a word's in each segment it scores and each field of its BM25F sum).
_MEMO_SIZE = 1 << 16


def _memo(source: Any) -> dict | None:
    """The document-frequency memo kept on a searcher or reader, or None where none can be kept."""
    held = getattr(source, "__dict__", None)
    if held is None:
        return None
    memo = held.get("_searchkit_df")
    if memo is None:
        memo = held["_searchkit_df"] = {}
    return memo


class FixedStats:
    """:class:`CollectionStats` from given figures, e.g. summed over shards.

    ``doc_count``: N; ``doc_frequencies``: ``{(field, term): df}``;
    ``field_lengths``: ``{field: total tokens}``; ``frequencies``:
    ``{(field, term): occurrences}``.  Missing entries count 0.
    """

    def __init__(self, doc_count: int, doc_frequencies: dict | None = None,
                 field_lengths: dict | None = None, frequencies: dict | None = None):
        self._n = int(doc_count)
        self._df = dict(doc_frequencies or {})
        self._lengths = dict(field_lengths or {})
        self._cf = dict(frequencies or {})

    def doc_count(self) -> int:
        return self._n

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return self._df.get((fieldname, _text(text)), 0)

    def field_length(self, fieldname: str) -> int:
        return self._lengths.get(fieldname, 0)

    def avg_field_length(self, fieldname: str) -> float:
        return self.field_length(fieldname) / (self._n or 1)

    def frequency(self, fieldname: str, text: str) -> float:
        return self._cf.get((fieldname, _text(text)), 0.0)


def _text(text: Any) -> str:
    return text.decode("utf-8") if isinstance(text, bytes) else text


def stats_of(searcher: Any, stats: CollectionStats | None = None) -> CollectionStats:
    """``stats`` when given, else the statistics of ``searcher``'s index."""
    return stats if stats is not None else SearcherStats(searcher)
