"""Reading Whoosh 3's posting blocks and length columns directly (private attributes of its W3 codec).

The ranking's re-rank stages and its first pass for plain words read
postings a block at a time, skipping blocks that hold no wanted document,
and a segment's one-byte field lengths as one bytes object: several times
faster than Whoosh's matchers, whose per-posting method calls cost more
than the arithmetic.  Every function here falls back to Whoosh's public
API (or returns None for the caller to) when a segment is not laid out so.
"""

from __future__ import annotations

import sys
from bisect import bisect_left
from itertools import accumulate
from pickle import loads
from typing import Any, Callable, Generator, Iterable, Iterator, Sequence

from .vector_postings import term_of, vector_reader

__all__ = ["BLOCK_API", "has_blocks", "iter_blocks", "positioned_at", "weights_at", "term_weights_at", "raw_postings",
           "field_lengths", "posting_ids", "position_reader"]

#: What the block readers here use of Whoosh 3's on-disk posting matcher.
BLOCK_API = ("is_active", "_read_ids", "_read_weights", "_next_block", "block_max_id", "_maxid", "_i")


def positioned_at(postings: Any, docnums: list[int]) -> Iterator[int]:
    """Each of the sorted ``docnums`` that ``postings`` holds, with the matcher on it when yielded.

    Whoosh's on-disk postings come in blocks with a known last id: a block
    holding none of the wanted documents is never decoded, and within a block
    the wanted ids are found by bisection rather than by stepping through
    every posting.  When :func:`raw_postings` found the list's block
    directory (a segment's ``.skv`` file, :mod:`.vector_postings`), the
    blocks holding wanted documents are found by bisection too, and the
    headers of the others are never read.  Other matchers take the generic
    ``skip_to`` path.
    """
    directory = getattr(postings, "_searchkit_directory", None)
    if directory is not None:
        yield from _jumping_to(postings, docnums, directory)
        return
    if not all(hasattr(postings, name) for name in BLOCK_API):
        for docnum in docnums:
            if not postings.is_active():
                return
            if postings.id() < docnum:
                postings.skip_to(docnum)
                if not postings.is_active():
                    return
            if postings.id() == docnum:
                yield docnum
        return
    i, n = 0, len(docnums)
    while i < n and postings.is_active():
        last = postings._maxid  # block_max_id()
        if docnums[i] <= last:
            if postings._ids is None:
                postings._read_ids()
            i = yield from _within_block(postings, docnums, i, last)
            if i >= n:
                return
        postings._next_block()


def _within_block(postings: Any, docnums: list[int], i: int, last: int) -> Generator[int, None, int]:
    """Each of ``docnums[i:]`` up to ``last`` that the matcher's current block holds (the matcher on it when
    yielded); returns the index of the first docnum after ``last`` (``len(docnums)`` when none is)."""
    ids = postings._ids
    size = len(ids)
    n = len(docnums)
    at = 0
    wanted = docnums[i]
    while True:
        at = bisect_left(ids, wanted, at)  # the wanted ids rise: search on from the last place
        if at < size and ids[at] == wanted:
            postings._i = at  # the matcher's in-block cursor: weight() and value() read there
            yield wanted
        i += 1
        if i >= n:
            return i
        wanted = docnums[i]
        if wanted > last:
            return i


def _jumping_to(postings: Any, docnums: list[int], directory: tuple[Sequence[int], Sequence[int]]) -> Iterator[int]:
    """:func:`positioned_at` with the list's block directory: ``(block offsets from the list's start, block last ids)``."""
    starts, last = directory
    base = postings._startoffset
    nblocks = len(last)
    i, n = 0, len(docnums)
    block = 0
    while i < n:
        block = bisect_left(last, docnums[i], block)
        if block >= nblocks:
            return
        postings._goto(base + starts[block])
        postings._read_ids()
        i = yield from _within_block(postings, docnums, i, last[block])


def weights_at(postings: Any, docnums: list[int]) -> Iterable[tuple[int, float]]:
    """``(docnum, weight)`` for each of the sorted segment ``docnums`` that ``postings`` holds, from its blocks
    (through :func:`positioned_at`; :func:`term_weights_at` reads the ``.skv`` arrays where they serve)."""
    return ((docnum, postings.weight()) for docnum in positioned_at(postings, docnums))


def term_weights_at(reader: Any, fieldname: str, field: Any, btext: bytes,
                    docnums: list[int]) -> Iterable[tuple[int, float]]:
    """:func:`weights_at` of a term's postings in a segment: from the list's arrays in the segment's ``.skv``
    file when NumPy is loaded and the list is there (docnums found by NumPy's bisection; no block decoded,
    no Whoosh matcher made), else from the blocks.  The same pairs either way (the weights are the
    float32 values Whoosh stores)."""
    if "numpy" in sys.modules and docnums:
        vectors = vector_reader(reader)
        term = term_of(reader, fieldname, btext) if vectors is not None else None
        arrays = vectors.arrays(term) if term is not None else None
        if arrays is not None:
            return _weights_from(arrays, docnums)
    return weights_at(raw_postings(reader, fieldname, field, btext), docnums)


def _weights_from(arrays: tuple[Any, Any], docnums: list[int]) -> Iterable[tuple[int, float]]:
    """``(docnum, weight)`` of each of the sorted ``docnums`` in a list's ``(ids, weights)`` arrays."""
    import numpy as np

    ids, weights = arrays
    wanted = np.asarray(docnums, dtype=np.int64)
    at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    hit = ids[at] == wanted
    return zip(wanted[hit].tolist(), weights[at[hit]].tolist())


def raw_postings(reader: Any, fieldname: str, field: Any, btext: bytes) -> Any:
    """A segment's postings of a term, without Whoosh's deleted-documents filter where it can be had.

    For looking up documents already known to be live (the top of a ranking):
    the filter only adds a method call per posting.  The list's block
    directory, when the segment's ``.skv`` file has it, goes with the
    matcher for :func:`positioned_at`.
    """
    terms = getattr(reader, "_terms", None)
    if terms is not None and hasattr(terms, "matcher"):
        postings = terms.matcher(fieldname, btext, field.format)
        vectors = vector_reader(reader)
        if vectors is not None and all(hasattr(postings, name) for name in (*BLOCK_API, "_goto", "_startoffset")):
            term = term_of(reader, fieldname, btext)
            if term is not None and term.offset == postings._startoffset:
                postings._searchkit_directory = vectors.directory(term)
        return postings
    return reader.postings(fieldname, btext)


def field_lengths(reader: Any, fieldname: str) -> bytes | None:
    """A segment's length bytes for ``fieldname``, one per document (cached on the reader), or None."""
    cache = reader.__dict__.setdefault("_searchkit_lengths", {})
    if fieldname not in cache:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN

        lengths = None
        try:
            column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            if column is not None and column._fixedlen == 1:
                raw = bytes(column._dbfile.get(column._basepos, column._count))
                lengths = raw + bytes(max(0, reader.doc_count_all() - len(raw)))  # missing: length 0
        except AttributeError:  # another codec
            lengths = None
        cache[fieldname] = lengths
    return cache[fieldname]


def has_blocks(postings: Any) -> bool:
    """``postings`` is Whoosh 3's on-disk block matcher (what :func:`iter_blocks` reads)."""
    return all(hasattr(postings, name) for name in BLOCK_API)


def iter_blocks(postings: Any) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """``(ids, weights)`` of each block of a :func:`has_blocks` matcher, from its current block on.

    Segment docnums, deleted documents included (the caller drops them).
    """
    while postings.is_active():
        postings._read_ids()
        postings._read_weights()
        yield postings._ids, postings._weights
        postings._next_block()


def posting_ids(postings: Any, into: set[int]) -> None:
    """Add every docnum of ``postings`` to ``into`` (ids a block at a time when the layout allows; no scoring)."""
    if hasattr(postings, "_read_ids") and hasattr(postings, "_next_block"):
        while postings.is_active():  # Whoosh's W3 posting blocks
            if postings._ids is None:
                postings._read_ids()
            into.update(postings._ids)
            postings._next_block()
    else:  # e.g. deletions filtered out: the generic way
        into.update(postings.all_ids())


_INT_SIZE = 4  # the count Whoosh's Positions.encode puts before the pickled deltas


def position_reader(postings: Any) -> Callable[[], list[int]]:
    """A function giving the positions of the posting ``postings`` is on: ``postings.value_as("positions")``.

    For Whoosh's ``Positions`` format on a W3 block matcher the block's value
    strings are decoded here (a 4-byte count, then the pickled deltas, summed
    up), without the per-call format look-ups of ``value_as``; any other
    format or matcher goes through ``value_as``.
    """
    fmt = getattr(postings, "format", None)
    if not (is_positions_format(fmt) and hasattr(postings, "_read_values") and hasattr(postings, "_values") and hasattr(postings, "_i")):
        return lambda: postings.value_as("positions")

    def positions() -> list[int]:
        values = postings._values
        if values is None:
            postings._read_values()
            values = postings._values
        return decoded_positions(values[postings._i])

    return positions


def decoded_positions(value: bytes) -> list[int]:
    """The positions in one posting value of Whoosh's ``Positions`` format (``Positions.decode_positions``).

    ``value``: a 4-byte count, then the pickled deltas (the pickle's stop mark
    is added when the writer left it off).
    """
    return list(accumulate(loads(value[_INT_SIZE:] if value[-1:] == b"." else value[_INT_SIZE:] + b".")))


def is_positions_format(fmt: Any) -> bool:
    """Whether posting values of ``fmt`` are decoded by :func:`decoded_positions`."""
    from whoosh.formats import Positions

    return isinstance(fmt, Positions) and type(fmt).decode_positions is Positions.decode_positions
