"""Reading Whoosh column values for many documents at once (facet counts, collapsing).

Whoosh's column readers answer one document at a time through a few layers
of calls (a microsecond or more each); for a query matching most of an index
that is most of the cost of its facets.  :func:`column_values` reads a
segment's whole column as one block of bytes when many of its documents are
wanted, and slices it.  Values are the raw column values: bytes for
variable-length columns, integers for numeric ones (a ``DATETIME`` column
holds microseconds since 0001-01-01).
"""

from __future__ import annotations

import sys
from array import array
from typing import Any

__all__ = ["column_values", "segment_docnums", "raw_column", "reader_cache", "whole_column",
           "fix_multi_column_reader"]

_fixed = False


def fix_multi_column_reader() -> None:
    """Make Whoosh's ``MultiReader.column_reader`` give every segment's documents their own values.

    Whoosh leaves out the segments without a file for the column (none of
    their documents had a value: a segment of title-only records has no
    ``minhash``), and the joined reader then answers for their documents
    from the segment before -- another document's value, or ``IndexError``
    past its end.  A segment's own ``column_reader`` already stands in the
    column's default for a missing column; here every segment is asked.
    """
    global _fixed
    if _fixed:
        return
    from whoosh.columns import MultiColumnReader
    from whoosh.reading import MultiReader

    def column_reader(self, fieldname, column=None, reverse=False, translate=True):
        readers = [r.column_reader(fieldname, column=column, reverse=reverse, translate=translate)
                   for r in self.readers]
        return MultiColumnReader(readers, list(self.doc_offsets))

    MultiReader.column_reader = column_reader
    _fixed = True


def segment_docnums(searcher, docnums: list[int]):
    """Yield ``(sub_reader, local docnums)`` per segment for ascending global ``docnums``."""
    from bisect import bisect_left

    leaves = searcher.leaf_searchers()
    ends = [offset for _, offset in leaves[1:]]
    start = 0
    for index, (sub, offset) in enumerate(leaves):
        stop = bisect_left(docnums, ends[index], start) if index < len(ends) else len(docnums)
        if stop > start:
            chunk = docnums[start:stop]
            yield sub.reader(), ([docnum - offset for docnum in chunk] if offset else chunk)
        start = stop


def _whole(column) -> Any:
    """All values of a raw segment column reader as a list, or None when its layout is not known here."""
    try:
        if hasattr(column, "_offsets") and hasattr(column, "_lengths"):  # VarBytesColumn
            lengths = column._lengths
            if not len(lengths):
                return []
            size = column._offsets[-1] + lengths[-1]
            blob = column._dbfile.get(column._basepos, size) if size else b""
            values, position = [], 0
            append = values.append
            for length in lengths:
                append(blob[position:position + length])
                position += length
            return values
        if hasattr(column, "_typecode") and hasattr(column, "_count") and hasattr(column, "_unpack"):  # numeric
            if column._fixedlen != array(column._typecode).itemsize:
                return None
            numbers = array(column._typecode, column._dbfile.get(column._basepos, column._count * column._fixedlen))
            if sys.byteorder == "little":
                numbers.byteswap()  # stored in network order
            values = numbers.tolist()
            if len(values) < column._doccount:  # documents past the last written value have the default
                values.extend([column._default] * (column._doccount - len(values)))
            return values
    except (AttributeError, OSError, ValueError, TypeError):
        return None
    return None


def column_values(searcher, name: str, docnums: list[int]) -> list:
    """The raw values of column ``name`` for ascending global ``docnums`` (None where a segment lacks it)."""
    values: list = []
    for reader, mine in segment_docnums(searcher, docnums):
        if not reader.has_column(name):
            values.extend([None] * len(mine))
            continue
        column = raw_column(reader, name)
        every = _whole(column) if len(mine) > reader.doc_count_all() // 16 else None
        if every is not None:
            values.extend([every[docnum] for docnum in mine])
        else:
            values.extend([column[docnum] for docnum in mine])
    return values


def reader_cache(reader, name: str) -> dict:
    """A dict kept on a segment ``reader`` for as long as it lives (segments never change once written)."""
    return reader.__dict__.setdefault(f"_searchkit_{name}", {})


def raw_column(reader, name: str):
    """A segment's raw column reader for ``name``, made once per segment reader.

    Making one reads the column's whole offset table (a variable-length
    column such as the cluster labels: a few milliseconds on Reuters), which
    a query paid every time before.
    """
    cache = reader_cache(reader, "column_readers")
    column = cache.get(name)
    if column is None:
        column = cache[name] = reader.column_reader(name, translate=False)
    return column


def whole_column(reader, name: str) -> list | None:
    """Every raw value of a segment's column ``name`` as one list (cached on the reader), or None when unreadable."""
    cache = reader_cache(reader, "columns")
    if name not in cache:
        values = None
        if reader.has_column(name):
            values = _whole(raw_column(reader, name))
        cache[name] = values
    return cache[name]
