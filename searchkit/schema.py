"""The Whoosh schema of a searchkit index, and its version."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from .analysis import NewsAnalyzer, NewsPositions

__all__ = ["SCHEMA_VERSION", "SCHEMA_CHANGES", "rebuild_reason", "version_error", "SEARCH_FIELDS", "UNINDEXED_FIELDS", "make_schema", "NO_DATE",
           "FIRST_DATE", "LEGACY_TITLE_BOOST", "TITLE_BOOST_KEY", "recorded_title_boost", "title_boost_of"]

#: Written in the date column of undated documents (Whoosh columns need a value
#: in every document); real dates are never earlier than :data:`FIRST_DATE`.
NO_DATE = datetime(1000, 1, 1)
FIRST_DATE = datetime(1700, 1, 1)

#: Bump when the schema or the analysis changes in a way old indexes cannot follow,
#: and say why in :data:`SCHEMA_CHANGES` (the "rebuild" message quotes it).
#: 2: the analysis changes of issue 11 and the ``facet``, ``cluster`` and
#: ``minhash`` fields (facet counts and filters, near-duplicate clusters);
#: one bump, as no release came between them.
#: 3: words with combining marks indexed whole, long runs of scripts without spaces in full.
SCHEMA_VERSION = 3

#: Why each version needs a rebuild of indexes written before it.
SCHEMA_CHANGES = {
    2: "stopwords, exact word forms, letter folding (ł, ø, ß...), apostrophe and hyphen forms "
       "and CJK bigrams are now indexed; facets and near-duplicate clusters need fields "
       "that older indexes lack",
    3: "words holding combining marks (Thai and Indic vowel signs and tone marks, Arabic and Hebrew "
       "diacritics, accents written apart) are now indexed whole instead of in pieces, runs of "
       "Chinese, Japanese or Thai longer than 100 characters in full, and Arabic tatweel, alef "
       "maksura and teh marbuta and Hindi chandrabindu folded",
}


def version_error(path, version: object, *, sharded: bool = False):
    """The :class:`~searchkit.errors.IndexVersionError` for the index at ``path`` of schema ``version``:
    why (:func:`rebuild_reason`) and how (:func:`~searchkit.errors.rebuild_hint`) to rebuild it."""
    from .errors import IndexVersionError, rebuild_hint

    reason = rebuild_reason(version)
    return IndexVersionError(
        f"the index at {path} was built by an incompatible version of searchkit "
        f"(schema {version}, this version uses {SCHEMA_VERSION}" + (f": {reason}" if reason else "")
        + f"); {rebuild_hint(path, sharded=sharded)}")


def rebuild_reason(version: object) -> str | None:
    """Why an index of schema ``version`` must be rebuilt: the changes of every later version, or
    None when ``version`` is not an older version's number."""
    if not isinstance(version, int) or isinstance(version, bool) or version >= SCHEMA_VERSION:
        return None
    reasons = [SCHEMA_CHANGES[v] for v in range(max(version + 1, 1), SCHEMA_VERSION + 1) if v in SCHEMA_CHANGES]
    return "; ".join(reasons) or None

#: The reason for the current version (kept for callers of the single-reason name).
SCHEMA_CHANGE = SCHEMA_CHANGES[SCHEMA_VERSION]

#: The index-time boost of the title (Whoosh's ``field_boost``: every stored
#: title term weight multiplied by it) of indexes written before the boost was
#: recorded.  New indexes store plain term counts (no boost); an index keeps the
#: boost it was created with (a rebuild in place too) and records it in its
#: metadata under :data:`TITLE_BOOST_KEY`.  The ranking divides the recorded
#: boost out, so a title occurrence weighs ``RankingConfig.title_weight`` alone,
#: whichever the index.  No schema version change: old indexes score as before.
LEGACY_TITLE_BOOST = 2.0

#: The key of the title boost in the index metadata (``searchkit.json``).
TITLE_BOOST_KEY = "title_boost"

#: Fields stored and/or kept as columns but not indexed (no query can name them).
#: Indexes written before had them indexed: their old segments keep those
#: terms, which nothing reads -- no version change is needed either way.
UNINDEXED_FIELDS = ("path", "file", "hash", "minhash")

#: Text fields a query may name as ``field:value``.
SEARCH_FIELDS = ("title", "body", "author", "tags", "source", "dateline")


def recorded_title_boost(meta: Mapping[str, Any]) -> float:
    """The title boost an index's postings were written with, from its metadata dict.

    ``meta`` is the parsed ``searchkit.json``; an index written before the
    boost was recorded has none and was written with :data:`LEGACY_TITLE_BOOST`.
    A value that is not a positive number raises ``ValueError``.
    """
    boost = meta.get(TITLE_BOOST_KEY, LEGACY_TITLE_BOOST)
    if isinstance(boost, bool) or not isinstance(boost, (int, float)) or not boost > 0:
        raise ValueError(f"{TITLE_BOOST_KEY} must be a positive number, not {boost!r}")
    return float(boost)


def title_boost_of(schema: Schema) -> float:
    """The title boost ``schema`` writes (and the ranking divides out): its title format's ``field_boost``."""
    return float(getattr(schema["title"].format, "field_boost", 1.0) or 1.0)


def make_schema(title_boost: float = 1.0) -> Schema:
    """Fields: the searchable text, the sortable date, and bookkeeping for incremental runs.

    ``title_boost`` is the index-time title boost the index was created with
    (see :data:`LEGACY_TITLE_BOOST`): 1.0, none, for every new index.

    ``file`` is the absolute source file (one file can hold many documents)
    and ``hash`` its content hash; both are columns so a re-run can compare
    them without loading the stored documents.  Neither is indexed, nor is
    ``path`` (see :data:`UNINDEXED_FIELDS`).
    """
    analyzer = NewsAnalyzer()
    schema = Schema(
        id=ID(stored=True, unique=True, sortable=True),
        path=ID(stored=True),
        file=ID(stored=True, sortable=True),
        hash=ID(sortable=True),
        title=TEXT(analyzer=analyzer, stored=True, phrase=True, field_boost=title_boost),
        body=TEXT(analyzer=analyzer, stored=True, phrase=True),
        author=TEXT(analyzer=analyzer, stored=True, phrase=True),
        tags=TEXT(analyzer=analyzer, phrase=True),
        tag_list=STORED,
        source=TEXT(analyzer=analyzer, stored=True, phrase=True),
        url=ID(stored=True),
        dateline=TEXT(analyzer=analyzer, stored=True, phrase=True),
        date=DATETIME(sortable=True),
        date_iso=STORED,
        # Facets (searchkit.facets): one line "name=value" per tag, source,
        # author and folder; indexed case-folded (exact-value filters), the
        # column keeps the lines as written (counts).
        facet=ID(sortable=True, analyzer=RegexTokenizer(r"[^\n]+") | LowercaseFilter()),
        # Near-duplicate clusters (searchkit.dedup): the cluster label shared
        # by a document's copies, and its MinHash signature.
        cluster=ID(sortable=True),
        minhash=ID(sortable=True),
    )
    # Never searched: ``path`` is only shown, ``file`` and ``hash`` are read
    # from their columns.  Not indexing them saves three postings per document.
    for name in UNINDEXED_FIELDS:
        schema[name].indexed = False
    for name in SEARCH_FIELDS:  # same postings as Whoosh's Positions, built without Token objects
        field = schema[name]
        field.format = NewsPositions(field_boost=field.format.field_boost)
    return schema
