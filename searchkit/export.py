"""Writing search results as JSON, NDJSON, CSV or TSV (``searchkit query --format``).

Every writer takes the hits as an iterable and writes each as it comes, so
``--all`` (every match, hits made one at a time) runs in flat memory.  CSV
follows RFC 4180 through Python's ``csv`` module; TSV is its tab-separated
dialect with tabs and newlines inside values replaced by spaces (TSV has no
quoting).  A list value (tags) becomes ``"a; b"`` in CSV/TSV; a missing
value is an empty cell.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import IO, Any

__all__ = ["FORMATS", "HIT_FIELDS", "TABLE_FIELDS", "parse_fields", "hit_record", "write_results"]

FORMATS = ("text", "json", "ndjson", "csv", "tsv")
#: What ``--fields`` may name: a hit's JSON keys, and its rank.
HIT_FIELDS = ("rank", "id", "score", "title", "date", "author", "tags", "source", "url", "path", "snippet",
              "snippet_text", "highlights", "copies", "cluster", "dateline")
#: CSV/TSV columns when ``--fields`` is not given.
TABLE_FIELDS = ("rank", "id", "score", "title", "date", "author", "tags", "source", "url", "path", "copies")


def parse_fields(text: str | None) -> list[str] | None:
    """``"id,title,date"`` -> ``["id", "title", "date"]`` (None for None).

    Raises ``ValueError`` naming an unknown field, or for an empty list.
    """
    if text is None:
        return None
    fields = [name.strip() for name in text.split(",") if name.strip()]
    if not fields:
        raise ValueError("--fields needs at least one field name")
    for name in fields:
        if name not in HIT_FIELDS:
            raise ValueError(f"unknown field {name!r}; use any of {','.join(HIT_FIELDS)}")
    return list(dict.fromkeys(fields))


def hit_record(hit, fields: Sequence[str] | None = None) -> dict[str, Any]:
    """A hit's JSON object (:meth:`searchkit.searching.Hit.to_dict`), limited to ``fields`` in that order."""
    data = hit.to_dict()
    if fields is None:
        return data
    data["rank"] = hit.rank
    data["dateline"] = hit.dateline
    return {name: data.get(name) for name in fields}


def _cell(value: Any, tabs: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(item) for item in value)
    text = str(value)
    if tabs:
        text = " ".join(text.replace("\t", " ").splitlines()) if ("\t" in text or "\n" in text or "\r" in text) else text
    return text


def write_results(results, out: IO[str], fmt: str, fields: Sequence[str] | None = None,
                  hits: Iterable | None = None) -> int:
    """Write ``results`` (a :class:`~searchkit.searching.SearchResults`) to ``out`` in ``fmt``; return the hits written.

    ``hits`` (default: ``results`` itself) may be a generator.  ``json``: one
    object, ``query``, ``total``, ``took_ms``, ``hits`` (each hit limited to
    ``fields``), ``total_uncollapsed``, ``suggestion``, ``facets``;
    ``ndjson``: one hit per line; ``csv``/``tsv``: a header row, then one row
    per hit (columns ``fields`` or :data:`TABLE_FIELDS`).
    Raises ``ValueError`` for another format.
    """
    hits = results if hits is None else hits
    written = 0
    if fmt == "json":
        head = {"query": results.query, "total": results.total, "took_ms": round(results.took_ms, 2)}
        out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "hits": [')
        for hit in hits:
            out.write((", " if written else "") + json.dumps(hit_record(hit, fields), ensure_ascii=False))
            written += 1
        tail = {"total_uncollapsed": results.total_uncollapsed, "suggestion": results.suggestion,
                "facets": results.facets}
        out.write("], " + json.dumps(tail, ensure_ascii=False)[1:] + "\n")
        return written
    if fmt == "ndjson":
        for hit in hits:
            out.write(json.dumps(hit_record(hit, fields), ensure_ascii=False) + "\n")
            written += 1
        return written
    if fmt in ("csv", "tsv"):
        columns = list(fields or TABLE_FIELDS)
        tabs = fmt == "tsv"
        if tabs:
            writer = csv.writer(out, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar=None, quotechar=None,
                                lineterminator="\n")
        else:
            writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for hit in hits:
            record = hit_record(hit, columns)
            writer.writerow([_cell(record[name], tabs) for name in columns])
            written += 1
        return written
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
