"""The per-shard phases of a fanned-out search: a shard's searcher in, a small picklable reply out.

:mod:`searchkit.shards.fanout` runs them on every shard (threads, or Dask
tasks through :mod:`searchkit.shards.tasks`) and merges the replies:

* :func:`shard_dfs` -- the shard's part of the collection statistics the
  compiled query needs (document count, field length sums, document and
  collection frequencies of its terms), as Elasticsearch's dfs phase;
* :func:`shard_query` -- the first pass of the ranking
  (:func:`searchkit.ranking.pipeline.first_pass`) with the *global*
  statistics, so its scores are those of one index: the shard's top pool
  (with each pooled document's id, cluster label and date for the merge and
  the collapse), its match count, and when asked its cluster labels and raw
  facet counts over every match;
* :func:`shard_fetch` -- stored fields and snippets of the final page's
  documents it holds, and the shard's counts of the page's cluster labels.

Docnums in requests and replies are the shard's own.  A statistic the
shard is asked for but was not gathered raises :class:`MissingStatistic`
(the coordinator gathers it and asks again), so a score is never computed
from a wrong figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["QueryPlan", "GatheredStats", "MissingStatistic", "shard_dfs", "shard_query", "shard_fetch"]


class MissingStatistic(LookupError):
    """A statistic the gathered set lacks: ``terms`` [(field, text)] to gather before asking again."""

    def __init__(self, terms: list[tuple[str, str]]):
        super().__init__(terms)  # the only argument: the exception pickles (a Dask task's error)
        self.terms = terms

    def __str__(self) -> str:
        return f"statistics not gathered for {self.terms!r}"


@dataclass
class QueryPlan:
    """What every shard's query phase runs (picklable): the compiled query, its filter, the
    ranking configuration (:func:`~searchkit.ranking.pipeline.query_config`'s), how many
    ranked documents the coordinator wants (``wanted``), and what to count over all matches."""

    query: Any
    flt: Any
    compiled: Any
    config: Any
    wanted: int
    facets: tuple[str, ...] = ()
    collapse: bool = False


class GatheredStats:
    """:class:`~searchkit.ranking.stats.CollectionStats` of the whole collection, summed from
    the shards' :func:`shard_dfs` replies.  Strict: a term not gathered raises
    :class:`MissingStatistic` instead of reading 0."""

    def __init__(self, replies: list[dict[str, Any]]):
        self.n = 0
        self.lengths: dict[str, int] = {}
        self.scorable: set[str] = set()
        self.df: dict[tuple[str, str], int] = {}
        self.cf: dict[tuple[str, str], float] = {}
        for reply in replies:
            self.add(reply, counts=True)

    def add(self, reply: dict[str, Any], *, counts: bool = False) -> None:
        """Sum one shard's reply in (``counts``: its N and field lengths too, once per shard)."""
        if counts:
            self.n += reply["n"]
            for name, (length, scorable) in reply["lengths"].items():
                self.lengths[name] = self.lengths.get(name, 0) + length
                if scorable:
                    self.scorable.add(name)
        for key, value in reply["df"].items():
            self.df[key] = self.df.get(key, 0) + value
        for key, value in reply["cf"].items():
            self.cf[key] = self.cf.get(key, 0.0) + value

    def _get(self, table: dict, fieldname: str, text: Any):
        key = (fieldname, text.decode("utf-8") if isinstance(text, bytes) else text)
        try:
            return table[key]
        except KeyError:
            raise MissingStatistic([key]) from None

    def doc_count(self) -> int:
        return self.n

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return self._get(self.df, fieldname, text)

    def field_length(self, fieldname: str) -> int:
        return self.lengths.get(fieldname, 0)

    def avg_field_length(self, fieldname: str) -> float:
        if fieldname not in self.scorable:
            return 0.0
        return self.lengths.get(fieldname, 0) / (self.n or 1)

    def frequency(self, fieldname: str, text: str) -> float:
        return self._get(self.cf, fieldname, text)


class _Recording:
    """``stats`` for one shard's pass: a figure not gathered reads 0 and is recorded, so the pass
    names every missing term at once (its scores are then thrown away and the phase rerun)."""

    def __init__(self, stats: GatheredStats):
        self.stats = stats
        self.missing: list[tuple[str, str]] = []

    def _read(self, name: str, *args: Any):
        try:
            return getattr(self.stats, name)(*args)
        except MissingStatistic as exc:
            self.missing.extend(exc.terms)
            return 0

    def doc_count(self) -> int:
        return self.stats.doc_count()

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return self._read("doc_frequency", fieldname, text)

    def field_length(self, fieldname: str) -> int:
        return self.stats.field_length(fieldname)

    def avg_field_length(self, fieldname: str) -> float:
        return self.stats.avg_field_length(fieldname)

    def frequency(self, fieldname: str, text: str) -> float:
        return self._read("frequency", fieldname, text)


def query_terms(query) -> list[tuple[str, str]]:
    """The ``(field, text)`` terms a compiled Whoosh query scores with, each text also in every
    field a BM25F idf reads (a ``title:`` term's idf counts its body documents too)."""
    from ..ranking.bm25f import DEFAULT_FIELDS, _DOC_FIELDS

    if query is None:
        return []
    out = []
    for fieldname, text in query.iter_all_terms():
        text = text.decode("utf-8") if isinstance(text, bytes) else text
        out.append((fieldname, text))
        if fieldname in DEFAULT_FIELDS or fieldname in _DOC_FIELDS:
            out.extend((other, text) for other in (*DEFAULT_FIELDS, *_DOC_FIELDS))
    return list(dict.fromkeys(out))


def shard_dfs(searcher, terms: list[tuple[str, str]], counts: bool = True,
              frequencies: bool = False) -> dict[str, Any]:
    """This shard's statistics: ``{"n", "lengths": {field: (tokens, scorable)}, "df", "cf"}``
    (``df``/``cf``: ``{(field, text): figure}`` for ``terms``).  ``counts=False`` leaves N and
    the lengths out (a later round for more terms); ``frequencies``: collection frequencies too
    (the first pass reads none: query clarity, which does, runs after the merge)."""
    from ..ranking.stats import SearcherStats

    stats = SearcherStats(searcher)
    reply: dict[str, Any] = {"n": 0, "lengths": {}, "df": {}, "cf": {}}
    if counts:
        schema = searcher.schema
        reply["n"] = stats.doc_count()
        reply["lengths"] = {name: (stats.field_length(name), bool(schema[name].scorable))
                            for name in schema.names() if schema[name].scorable}
    for fieldname, text in terms:
        reply["df"][(fieldname, text)] = stats.doc_frequency(fieldname, text)
        if frequencies:
            reply["cf"][(fieldname, text)] = stats.frequency(fieldname, text)
    return reply


def _label(value) -> str | None:
    """A cluster label as :func:`searchkit.clusters.raw_labels` gives it, as text (None: no cluster)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace") or None
    return value or None if isinstance(value, str) else None


def _date_column(searcher):
    reader = searcher.reader()
    return reader.column_reader("date", translate=False) if reader.has_column("date") else None


def shard_query(searcher, plan: QueryPlan, stats) -> dict[str, Any]:
    """The query phase on one shard: ``{"pool": [(docnum, score, id, label, date)], "total",
    "clusters": (unlabelled count, {label}) | None, "facets": raw counts | None}``.

    ``stats``: the :class:`GatheredStats` of the whole collection; when they lack
    a term the ranking reads, the reply is ``{"missing": [(field, text)]}``.
    """
    from ..clusters import raw_labels
    from ..ranking.matches import _lazy_total
    from ..ranking.pipeline import first_pass
    from ..ranking.ties import doc_ids

    recording = _Recording(stats)
    try:
        top, counted = first_pass(searcher, plan.query, plan.flt, plan.compiled, plan.wanted, plan.config,
                                  stats=recording)
    except Exception:
        if not recording.missing:
            raise
    if recording.missing:  # a reply, not an error: the coordinator gathers them all and asks again
        return {"missing": list(dict.fromkeys(recording.missing))}
    docnums = [docnum for docnum, _ in top]
    ids = doc_ids(searcher, docnums)
    labels = dict(zip(sorted(docnums), raw_labels(searcher, sorted(docnums)))) if docnums else {}
    dates = _date_column(searcher)
    pool = []
    for docnum, score in top:
        label = _label(labels.get(docnum))
        pool.append((docnum, float(score), ids[docnum], label, dates[docnum] if dates is not None else 0))
    reply: dict[str, Any] = {"pool": pool, "total": _lazy_total(counted)(), "clusters": None, "facets": None}
    if plan.collapse or plan.facets:
        from ..facets import matching_docnums

        found = set(matching_docnums(searcher, plan.query, plan.flt))
        found.update(docnums)
        everything = sorted(found)
        raw = raw_labels(searcher, everything) if plan.collapse else None
        if plan.collapse:
            labelled = {_label(value) for value in raw} - {None}
            reply["clusters"] = (sum(1 for value in raw if _label(value) is None), labelled)
        if plan.facets:
            reply["facets"] = _raw_facets(searcher, everything, plan.facets, raw)
    return reply


def _raw_facets(searcher, docnums: list[int], names: tuple[str, ...], raw_groups) -> dict[str, Any]:
    """``{"values": {facet value: [unlabelled, {labels}]}, "days": {day: [unlabelled, {labels}]}}`` over
    ``docnums``: what :func:`searchkit.facets.count_facets` counts, in a form that sums over shards
    (a document without a cluster label is its own group; with ``raw_groups`` None every one is)."""
    from ..facets import DATE_FACETS, TEXT_FACETS, _DAY
    from ..whoosh_ext.columns import column_values

    def weights(values) -> dict:
        out: dict = {}
        for index, value in enumerate(values):
            entry = out.setdefault(value, [0, set()])
            group = _label(raw_groups[index]) if raw_groups is not None else None
            if group is not None:
                entry[1].add(group)
            else:
                entry[0] += 1
        return out

    reply: dict[str, Any] = {"values": {}, "days": {}}
    if any(name in TEXT_FACETS for name in names):
        reply["values"] = weights([value or b"" for value in column_values(searcher, "facet", docnums)])
    if any(name in DATE_FACETS for name in names):
        stamps = column_values(searcher, "date", docnums)
        days = [stamp // _DAY if isinstance(stamp, int) else None for stamp in stamps]
        reply["days"] = {day: entry for day, entry in weights(days).items() if day is not None}
    return reply


def shard_fetch(searcher, docnums: list[int], terms, labels: list[str]) -> dict[str, Any]:
    """The fetch phase on one shard: ``{"docs": {docnum: (stored fields, snippet text, snippet parts,
    label)}, "copies": {label: documents of this shard holding it}}``.  ``terms``: the words to mark
    in snippets (a set of index terms, :class:`~searchkit.highlight.Marks`, or per field as
    :func:`~searchkit.highlight.document_snippet` takes them; None: no snippets)."""
    from ..clusters import labels_of
    from ..highlight import Snippet, document_snippet

    found = labels_of(searcher, docnums) if docnums else {}
    docs = {}
    for docnum in docnums:
        stored = dict(searcher.stored_fields(docnum))
        snippet = Snippet([])
        if terms is not None:
            snippet = document_snippet(stored, terms)
        label = found.get(docnum)
        docs[docnum] = (stored, str(snippet), list(snippet.parts), None if not label or label[0] == "#" else label)
    copies = {}
    if labels:
        from whoosh.query import Term

        has_deletions = searcher.reader().has_deletions()
        for label in labels:
            if not has_deletions:
                copies[label] = searcher.doc_frequency("cluster", label)
            else:
                copies[label] = sum(1 for _ in searcher.docs_for_query(Term("cluster", label)))
    return {"docs": docs, "copies": copies}
