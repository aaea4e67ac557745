"""Facets: counts of tags, sources, years, months, authors and folders over a whole result set, and exact filters.

At index time each document gets a ``facet`` field of lines ``name=value``
(:func:`facet_lines`): indexed case-folded, one term per line, so a filter
``folder=sport`` is one posting list (:func:`where_query`); kept as written
in a column, so counts read a column value per matching document
(:func:`count_facets`) instead of loading stored documents.  Years and months
come from the ``date`` column.  A facet value is counted once per document,
or once per near-duplicate cluster when results are collapsed: the count is
then what the ``total`` of the query filtered on that value would be.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from .whoosh_ext.columns import column_values
from .errors import QueryError

__all__ = ["FACETS", "TEXT_FACETS", "DATE_FACETS", "DEFAULT_FACET_SIZE", "facet_lines", "facet_listing", "facet_term",
           "where_query", "merge_where", "matching_docnums", "count_facets", "folder_of"]

#: Facets stored in the ``facet`` field.
TEXT_FACETS = ("tags", "source", "author", "folder")
#: Facets read from the ``date`` column.
DATE_FACETS = ("year", "month")
FACETS = ("tags", "source", "year", "month", "author", "folder")
DEFAULT_FACET_SIZE = 10


def _clean(value: Any) -> str:
    return " ".join(str(value).split())


def facet_lines(tags: Iterable[str] = (), source: str | None = None, author: str | None = None,
                folder: str | None = None) -> str:
    """The ``facet`` field of a document: ``"tags=G7 Summit\\nsource=Reuters\\n..."`` (blank values left out)."""
    lines = []
    seen = set()
    for tag in tags or ():
        tag = _clean(tag)
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            lines.append(f"tags={tag}")
    for name, value in (("source", source), ("author", author), ("folder", folder)):
        value = _clean(value) if value else ""
        if value:
            lines.append(f"{name}={value}")
    return "\n".join(lines)


def folder_of(file_key: str, roots: Sequence[str]) -> str | None:
    """The first folder of ``file_key`` (an absolute posix path) under the root that holds it, or None.

    ``/data/bbc/sport/001.txt`` under root ``/data/bbc`` is in folder ``sport``;
    a file directly in the root (or a root that is a file) has none.
    """
    for root in roots:
        root = root.rstrip("/")
        if file_key.startswith(root + "/"):
            rel = file_key[len(root) + 1:]
            return rel.split("/", 1)[0] if "/" in rel else None
    return None


def facet_term(name: str, value: str) -> str:
    """The indexed term of ``name=value`` in the ``facet`` field (case-folded as the analyzer does)."""
    return f"{name}={_clean(value)}".lower()


def _date_range(name: str, value: str):
    from .dates import DateError, parse_date_bound
    from .query.filters import date_range_query

    text = str(value).strip()
    if name == "year" and not (len(text) == 4 and text.isdigit()):
        raise QueryError(f"year filter needs a year like 2019, not {text!r}")
    if name == "month" and not (len(text) == 7 and text[4] == "-"):
        raise QueryError(f"month filter needs a month like 2019-06, not {text!r}")
    try:
        return date_range_query(parse_date_bound(text, end=False), parse_date_bound(text, end=True))
    except DateError as exc:
        raise QueryError(str(exc)) from None


def merge_where(where: dict[str, Any] | None, **more: Any) -> dict[str, list] | None:
    """``where`` with the values of ``more`` (``folder="sport"``) added to it; None values are left out."""
    merged: dict[str, list] = {}
    for source in (where or {}, more):
        for name, value in source.items():
            if value is None:
                continue
            values = list(value) if isinstance(value, (list, tuple, set)) else [value]
            merged.setdefault(name, []).extend(values)
    return merged or None


def where_query(where: dict[str, Any] | None):
    """A Whoosh query that every one of ``where``'s ``{facet: value or [values]}`` holds, or None.

    Values are exact (case and spacing aside): ``{"tags": "G7 Summit"}``
    matches documents with that tag, not those whose tags merely contain the
    words.  Several values of one facet must all hold (filters only narrow).
    Raises :class:`QueryError` for an unknown facet or a bad year/month.
    """
    if not where:
        return None
    from whoosh.query import And, Term

    parts = []
    for name, value in where.items():
        if name not in FACETS:
            raise QueryError(f"unknown filter {name!r}; use one of {', '.join(FACETS)}")
        values = value if isinstance(value, (list, tuple, set)) else [value]
        for item in values:
            if item is None:
                continue
            if name in DATE_FACETS:
                parts.append(_date_range(name, item))
            else:
                parts.append(Term("facet", facet_term(name, item)))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)


def matching_docnums(searcher, query, flt) -> list[int]:
    """Every live document number matching ``query`` and the filter query ``flt``, ascending.

    A query that only ORs words together (the common case) is read as the
    union of their posting lists, a block of ids at a time; any other goes
    through Whoosh's matchers.
    """
    from .ranking.matches import _or_leaves

    allowed = None
    if flt is not None:
        from .ranking.filtering import filter_docnums

        allowed = filter_docnums(searcher, flt)
    leaves = _or_leaves(query)
    found: list[int] = []
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        ids = _union_ids(sub, leaves) if leaves is not None else None
        if ids is None:
            matcher = query.matcher(sub, sub.boolean_context())
            ids = set(matcher.all_ids()) if matcher.is_active() else set()
        if reader.has_deletions():
            ids = {docnum for docnum in ids if not reader.is_deleted(docnum)}
        if offset:
            ids = {docnum + offset for docnum in ids}
        if allowed is not None:
            ids &= allowed
        found.extend(ids)
    found.sort()
    return found


def _union_ids(sub, leaves) -> set[int]:
    """The ids of one segment's documents holding any of the ``(field, text)`` terms (deleted ones left out)."""
    from .ranking.matches import segment_union_ids

    return segment_union_ids(sub, leaves)


#: Microseconds per day in a ``DATETIME`` column (values count from 0001-01-01).
_DAY = 86_400_000_000


def count_facets(searcher, docnums: list[int], names: Sequence[str], size: int = DEFAULT_FACET_SIZE,
                 groups: list | None = None) -> dict[str, list[dict[str, Any]]]:
    """``{name: [{"value", "count"}, ...]}`` over ``docnums``: the ``size`` most frequent values per facet.

    Sorted by count (descending), then value.  ``groups`` (parallel to
    ``docnums``, e.g. cluster labels) counts a value once per group instead
    of once per document.  Tags are grouped case-insensitively and shown as
    most often written.  Raises :class:`QueryError` for an unknown facet name.
    """
    for name in names:
        if name not in FACETS:
            raise QueryError(f"unknown facet {name!r}; use one of {', '.join(FACETS)}")
    wanted = list(dict.fromkeys(names))
    counts: dict[str, Counter] = {name: Counter() for name in wanted}
    spellings: dict[str, dict[str, Counter]] = {name: defaultdict(Counter) for name in wanted}
    text_names = [name for name in wanted if name in TEXT_FACETS]
    date_names = [name for name in wanted if name in DATE_FACETS]
    keys = groups if groups is not None else None
    if text_names:
        raw = column_values(searcher, "facet", docnums)
        grouped: dict[tuple[str, str], set] = defaultdict(set)
        if keys is None:
            per_value: dict[bytes, Any] = Counter(value or b"" for value in raw)
        else:  # each distinct facet value once, with the groups of its documents
            per_value = defaultdict(set)
            for value, group in zip(raw, keys):
                per_value[value or b""].add(group)
        for value, weight in per_value.items():  # weight: a count, or a set of groups (clusters)
            if not value:
                continue
            for line in value.decode("utf-8", "replace").split("\n"):
                name, _, text = line.partition("=")
                if name in counts:
                    key = text.casefold()
                    if keys is None:
                        counts[name][key] += weight
                        spellings[name][key][text] += weight
                    else:
                        grouped[(name, key)] |= weight
                        spellings[name][key][text] += len(weight)
        for (name, key), members in grouped.items():
            counts[name][key] = len(members)
    if date_names:
        from datetime import date

        from .schema import FIRST_DATE

        first_day = FIRST_DATE.toordinal() - 1
        stamps = column_values(searcher, "date", docnums)
        per_day: Counter = Counter()
        day_groups: dict[int, set] = defaultdict(set)
        for index, stamp in enumerate(stamps):
            if not isinstance(stamp, int):
                continue
            day = stamp // _DAY
            if day < first_day:  # undated (see NO_DATE)
                continue
            if keys is None:
                per_day[day] += 1
            else:
                day_groups[day].add(keys[index])
        labels: dict[tuple[str, str], set] = defaultdict(set)
        for day in per_day.keys() | day_groups.keys():
            when = date.fromordinal(day + 1)
            for name in date_names:
                label = f"{when.year:04d}" if name == "year" else f"{when.year:04d}-{when.month:02d}"
                if keys is None:
                    counts[name][label] += per_day[day]
                else:
                    labels[(name, label)].update(day_groups[day])
        for (name, label), members in labels.items():
            counts[name][label] = len(members)
    return facet_listing(counts, spellings, wanted, size)


def facet_listing(counts, spellings, names, size: int) -> dict[str, list[dict[str, Any]]]:
    """``{name: [{"value", "count"}, ...]}``: each facet's ``size`` largest counts (ties by value), a value
    shown in its most frequent spelling (``spellings[name][key]``: ``{spelling: uses}``; ties by spelling).

    ``counts[name]``: ``{key: count}`` with keys as folded for counting.  Shared by one index's facets
    and the shards' summed ones, so both list the same page.
    """
    result: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        shown = []
        for key, count in counts[name].items():
            forms = spellings[name].get(key)
            value = min(forms.items(), key=lambda item: (-item[1], item[0]))[0] if forms else key
            shown.append((value, count))
        shown.sort(key=lambda item: (-item[1], item[0]))
        result[name] = [{"value": value, "count": count} for value, count in shown[:max(0, size)]]
    return result
