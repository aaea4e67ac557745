"""A segment's longer posting lists as plain arrays (``.skv``), beside Whoosh's posting blocks.

Whoosh keeps a posting block as one pickled, zlib-compressed tuple of ids,
weights and positions: reading a word's ids and weights means decompressing
and unpickling its positions too, a Python object per value.  The first
pass of a query needs only ids and weights; on a large archive decoding
them was most of a query's time.  So when a segment is written
(:func:`searchkit.whoosh_ext.posting_writer.write_postings`), each posting
list of at least :data:`MIN_POSTINGS` postings in one of :data:`FIELDS` is
also written here, as arrays NumPy reads without a Python step per posting:

* docnums as deltas (the first one absolute), ``uint16`` when every delta
  fits, else ``uint32``;
* weights (the float32 values Whoosh stores) as ``uint8`` codes into a table
  of the list's distinct weights when there are at most 256, else ``float32``;
* a directory of the list's posting blocks: each block's offset (from the
  list's start) and last docnum, so the blocks holding given documents are
  found by bisection (:meth:`VectorReader.directory`) instead of reading
  every block header from the start of the list (proximity, exact forms);
* for a field with positions, each posting's count of positions (``uint8``,
  ``uint16`` or ``uint32``: the narrowest that holds them all) and the positions themselves, absolute,
  document after document (``uint16`` when every one fits, else ``uint32``),
  so a phrase is matched with array operations
  (:func:`searchkit.whoosh_ext.phrases.phrase_matches`) instead of unpickling
  a position list per document, and proximity reads its top documents'
  positions by summing up only the blocks that hold them
  (:meth:`VectorReader.positions_at`).

The file is written with the array module (the writer needs no NumPy);
:meth:`VectorReader.arrays` needs NumPy, the directory does not.
Entries are found by the posting list's offset in the segment's ``.pst``
file (its term info's extent), so the term table is not repeated.  Layout
(little-endian; each part padded to 8 bytes)::

    entries: weight table float32[ntable], block offsets uint32[nblocks],
             block last docnums uint32[nblocks], ids, weights
             [, position counts, positions]   (kind bit 4)
    index:   keys uint64[n], offsets uint64[n], counts uint32[n], nblocks uint32[n],
             CRC-32s of the entries uint32[n], ntables uint16[n], kinds uint8[n]
    footer:  n uint64, index offset uint64, block limit uint32, b"SKV2"

The positions were added to the format later without a new magic: a
reader that does not know kind bit 4 reads the rest of such an entry as
before (the CRC covers the whole entry), and an entry without the bit has
no positions.

An entry is used only when it agrees with the segment's term info (count,
first and last docnum, block count and offsets within the list's extent),
its CRC-32 matches and its parts, at the widths its kind byte (outside the
CRC) says, fill it exactly (checked once per entry and reader); else, as for
a segment without the file, the list is read from its blocks.  On a
big-endian machine no file is written or read.

A segment without the file (written before it existed, or merged by
Whoosh's own writer) is read from its blocks as before.
"""

from __future__ import annotations

import struct
import sys
from array import array
from bisect import bisect_left
import weakref
import zlib
from operator import sub
from typing import Any, Iterable, NamedTuple, Sequence

__all__ = ["EXT", "FIELDS", "MIN_POSTINGS", "Term", "VectorWriter", "VectorReader", "term_of", "term_from_info",
           "vector_reader"]

EXT = ".skv"
MAGIC = b"SKV2"
#: The fields a query's plain words are scored in (``searchkit.ranking.bm25f.DEFAULT_FIELDS``).
FIELDS = frozenset(("title", "body", "tags"))
#: Shorter lists are a block or two: decoding them costs less than an entry here would.
MIN_POSTINGS = 32

_FOOTER = struct.Struct("<QQI4s")
_SHORT_IDS = 1  # kind bit: ids as uint16 deltas (else uint32)
_CODED = 2  # kind bit: weights as uint8 codes into the entry's table (else float32)
_POSITIONS = 4  # kind bit: position counts and positions follow the weights
_LONG_COUNTS = 8  # kind bit: position counts as uint32 (else uint16, or uint8 with _BYTE_COUNTS)
_LONG_POSITIONS = 16  # kind bit: positions as uint32 (else uint16)
_BYTE_COUNTS = 32  # kind bit: position counts as uint8
_LITTLE = sys.byteorder == "little"  # the array module writes native order
#: The index's columns: (array typecode, bytes each), in file order.
_INDEX = (("Q", 8), ("Q", 8), ("I", 4), ("I", 4), ("I", 4), ("H", 2), ("B", 1))


_COUNT_TYPES = {1: "u1", 2: "<u2", 4: "<u4"}


def _count_size(kind: int) -> int:
    """Bytes of each position count of an entry of this kind."""
    return 1 if kind & _BYTE_COUNTS else 4 if kind & _LONG_COUNTS else 2


def _pad(size: int) -> bytes:
    return b"\0" * (-size % 8)


class VectorWriter:
    """Writes a segment's ``.skv`` file (created at the first entry; nothing when there is none)."""

    def __init__(self, segment: Any, storage: Any, blocklimit: int):
        self._segment = segment
        self._storage = storage
        self._blocklimit = blocklimit
        self._file = None
        self._pos = 0
        self._columns = tuple(array(code) for code, _ in _INDEX)

    def add(self, key: int, ids: list[int], weights: list[float], block_starts: list[int],
            positions: Iterable[Sequence[int]] | None = None) -> None:
        """One posting list.

        ``key``: its offset in the ``.pst`` file; ``ids``: its docnums,
        ascending; ``weights``: as stored (float32 values); ``block_starts``:
        each block's offset from ``key`` (blocks of ``blocklimit`` postings
        but the last); ``positions``: each posting's positions, ascending,
        read once (None for a field without positions).
        """
        if not _LITTLE or ids[-1] >= 1 << 32 or block_starts[-1] >= 1 << 32:
            return
        if self._file is None:
            self._file = self._segment.create_file(self._storage, EXT)
        deltas = array("I", map(sub, ids, [0, *ids[:-1]]))
        kind = 0
        if max(deltas) < 65536:
            deltas = array("H", deltas)
            kind |= _SHORT_IDS
        distinct = set(weights)
        if len(distinct) <= 256:
            table = sorted(distinct)
            code = {value: i for i, value in enumerate(table)}
            values = array("B", map(code.__getitem__, weights))
            kind |= _CODED
        else:
            table = []
            values = array("f", weights)
        size = self._blocklimit
        last_ids = array("I", ids[size - 1::size])
        if len(last_ids) < len(block_starts):
            last_ids.append(ids[-1])
        parts = [array("f", table).tobytes(), array("I", block_starts).tobytes(), last_ids.tobytes(),
                 deltas.tobytes(), values.tobytes()]
        if positions is not None:
            counts = array("I")
            flat = array("I")
            count_of = counts.append
            add = flat.extend
            for found in positions:  # one posting at a time: no list of them all
                count_of(len(found))
                add(found)
            if len(counts) != len(ids) or (flat and max(flat) >= 1 << 32):
                return
            kind |= _POSITIONS
            most = max(counts)
            if most < 256:
                counts = array("B", counts)
                kind |= _BYTE_COUNTS
            elif most < 65536:
                counts = array("H", counts)
            else:
                kind |= _LONG_COUNTS
            if not flat or max(flat) < 65536:
                flat = array("H", flat)
            else:
                kind |= _LONG_POSITIONS
            parts += [counts.tobytes(), flat.tobytes()]
        data = b"".join(part + _pad(len(part)) for part in parts)
        for column, value in zip(self._columns, (key, self._pos, len(ids), len(block_starts), zlib.crc32(data),
                                                 len(table), kind)):
            column.append(value)
        self._file.write(data)
        self._pos += len(data)

    def close(self) -> None:
        if self._file is None:
            return
        index = self._pos
        for column in self._columns:
            data = column.tobytes()
            self._file.write(data + _pad(len(data)))
        self._file.write(_FOOTER.pack(len(self._columns[0]), index, self._blocklimit, MAGIC))
        self._file.close()
        self._file = None


class VectorReader:
    """The entries of one segment's ``.skv`` file (``buf``: its bytes or a memoryview of them).

    Raises ValueError when ``buf`` is not such a file.  :meth:`arrays` makes
    views of ``buf`` only while it runs; :meth:`positions` returns one (the
    positions), which a caller keeps no longer than its reader.
    """

    def __init__(self, buf: Any):
        with memoryview(buf) as whole, whole.cast("B") as view:
            if len(view) < _FOOTER.size:
                raise ValueError("not a searchkit vector postings file")
            n, index, blocklimit, magic = _FOOTER.unpack_from(view, len(view) - _FOOTER.size)
            if magic != MAGIC or not blocklimit or index + n * 31 > len(view):
                raise ValueError("not a searchkit vector postings file")
            at = index
            columns = []
            for code, size in _INDEX:  # copies (a few bytes an entry): no view of the file outlives this
                column = array(code)
                column.frombytes(view[at:at + n * size])
                columns.append(column)
                at += n * size + (-(n * size) % 8)
        self._keys, self._offsets, self._counts, self._nblocks, self._crcs, self._ntables, self._kinds = columns
        if n and max(self._offsets) >= index:
            raise ValueError("damaged searchkit vector postings file")
        self._blocklimit = blocklimit
        self._index = index
        self._buf = buf
        self._checked: dict[int, Any] = {}
        self._fitted: set[int] = set()  # entries found to fill their extent (_entry_read)
        self._block_starts: dict[int, Any] = {}  # entry -> where each block's positions start (_block_positions)

    def release(self) -> None:
        """Let go of the file's buffer (before the segment's storage, and its memory map, is closed)."""
        self._buf = None
        self._keys = array("Q")

    def _entry(self, term: Term) -> int | None:
        """The entry of a posting list, if there is one that agrees with the list's term info and its CRC-32."""
        key = term.offset
        at = bisect_left(self._keys, key)
        if at >= len(self._keys) or self._keys[at] != key:
            return None
        agreed = self._checked.get(at)  # the term info an entry was found to agree with (False: none)
        if agreed is None:
            agreed = self._checked[at] = term if self._agrees(at, term) else False
        return at if agreed == term else None

    def _agrees(self, at: int, term: Term) -> bool:
        count = self._counts[at]
        nblocks = self._nblocks[at]
        if count != term.count or nblocks != -(-count // self._blocklimit) or not nblocks:
            return False
        start = self._offsets[at]
        end = self._end(at)
        parts = self._parts(at)
        kind = self._kinds[at]
        if end > self._index or kind & _BYTE_COUNTS and kind & _LONG_COUNTS:
            return False
        # The entry fills its extent exactly (the kind byte, which says how wide each part is, lies
        # outside the CRC): without positions it ends with the weights; with them, the positions'
        # own length is checked against the counts' sum when they are read (positions()).
        if kind & _POSITIONS:
            if end < parts[6]:
                return False
        elif end != parts[5]:
            return False
        with memoryview(self._buf) as view:
            if zlib.crc32(view[start:end]) != self._crcs[at]:
                return False
        starts, last = self._read_directory(at)
        if last[-1] != term.last or starts[0] != 4 or starts[-1] >= term.length:
            return False
        if any(b <= a for a, b in zip(starts, starts[1:])) or any(b <= a for a, b in zip(last, last[1:])):
            return False
        first_delta = array("I" if self._kinds[at] & _SHORT_IDS == 0 else "H")
        with memoryview(self._buf) as view:
            ids_at = self._parts(at)[3]
            first_delta.frombytes(view[ids_at:ids_at + first_delta.itemsize])
        return first_delta[0] == term.first

    def _parts(self, at: int) -> tuple[int, int, int, int, int, int, int]:
        """``(table, starts, last ids, ids, weights, position counts, positions)`` byte offsets of entry ``at``.

        The last two are where those parts are (or would be, for an entry without positions).
        """
        pos = self._offsets[at]
        offsets = []
        kind = self._kinds[at]
        count = self._counts[at]
        for size in (4 * self._ntables[at], 4 * self._nblocks[at], 4 * self._nblocks[at],
                     (2 if kind & _SHORT_IDS else 4) * count, (1 if kind & _CODED else 4) * count,
                     _count_size(kind) * count):
            offsets.append(pos)
            pos += size + (-size % 8)
        offsets.append(pos)
        return tuple(offsets)

    def _end(self, at: int) -> int:
        return self._offsets[at + 1] if at + 1 < len(self._offsets) else self._index

    def directory(self, term: Term) -> tuple[Any, Any] | None:
        """``(block offsets, block last docnums)`` of a posting list (int sequences), or None.

        ``term``: the list's :class:`Term` (:func:`term_of`).  Block ``k``
        starts at ``term.offset + offsets[k]`` and holds the docnums after
        ``last[k - 1]`` up to ``last[k]``.
        """
        at = self._entry(term)
        if at is None:
            return None
        return self._read_directory(at)

    def _read_directory(self, at: int) -> tuple[Any, Any]:
        _, starts, last = self._parts(at)[:3]
        size = 4 * self._nblocks[at]
        offsets, last_ids = array("I"), array("I")
        with memoryview(self._buf) as view:
            offsets.frombytes(view[starts:starts + size])
            last_ids.frombytes(view[last:last + size])
        return offsets, last_ids

    def arrays(self, term: Term) -> tuple[Any, Any] | None:
        """``(docnums int64, weights float64)`` NumPy arrays of a posting list (``term``: :func:`term_of`), or None."""
        import numpy as np

        at = self._entry_read(term)
        if at is None:
            return None
        table_at, _, _, _, weights_at = self._parts(at)[:5]
        count = self._counts[at]
        kind = self._kinds[at]
        buf = self._buf
        ids = self._ids(np, at)
        if kind & _CODED:
            table = np.frombuffer(buf, dtype="<f4", count=self._ntables[at], offset=table_at).astype(np.float64)
            codes = np.frombuffer(buf, dtype="u1", count=count, offset=weights_at)
            if int(codes.max()) >= len(table):
                self._checked[at] = False
                return None
            weights = table[codes]
        else:
            weights = np.frombuffer(buf, dtype="<f4", count=count, offset=weights_at).astype(np.float64)
        return ids, weights

    def _ids(self, np: Any, at: int) -> Any:
        """Entry ``at``'s docnums (int64), summed up from its deltas."""
        deltas = np.frombuffer(self._buf, dtype=self._deltas_type(at), count=self._counts[at],
                               offset=self._parts(at)[3])
        return np.cumsum(deltas, dtype=np.int64)

    def _deltas_type(self, at: int) -> str:
        return "<u2" if self._kinds[at] & _SHORT_IDS else "<u4"

    def has_positions(self, term: Term) -> bool:
        """Whether a posting list has an entry here with its positions (see :meth:`positions`)."""
        at = self._entry(term)
        return at is not None and bool(self._kinds[at] & _POSITIONS)

    def positions(self, term: Term) -> tuple[Any, Any] | None:
        """``(starts, positions)`` of a posting list's positions as NumPy arrays, or None.

        Posting ``i`` (in :meth:`arrays` order) is at positions
        ``positions[starts[i]:starts[i + 1]]``, ascending; ``starts`` is int64
        of one more than the postings, ``positions`` uint16 or uint32.  None
        without an entry, or for an entry without positions.
        """
        import numpy as np

        at = self._entry_read(term)
        if at is None or not self._kinds[at] & _POSITIONS:
            return None
        counts = self._position_counts(np, at)
        starts = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        dtype = "<u4" if self._kinds[at] & _LONG_POSITIONS else "<u2"
        positions = np.frombuffer(self._buf, dtype=dtype, count=int(starts[-1]), offset=self._parts(at)[6])
        return starts, positions

    def positions_at(self, term: Term, docnums: Sequence[int]) -> list[tuple[int, list[int]]] | None:
        """``(docnum, positions)`` of each of the strictly ascending segment ``docnums`` the list holds (needs
        NumPy), or None.

        None as for :meth:`positions`, or when the entry is found damaged.
        The same values as decoding the blocks
        (:func:`searchkit.whoosh_ext.postings.position_reader`), for a cost
        that grows with the blocks holding ``docnums``, not with the list,
        once an entry's first use (a pass over it) is paid (:meth:`spans_at`).
        """
        import numpy as np

        found = self.spans_at(term, np.asarray(docnums, dtype=np.int64))
        if found is None:
            return None
        docs, firsts, ends, positions = found
        return [(docnum, positions[first:end].tolist())
                for docnum, first, end in zip(docs.tolist(), firsts.tolist(), ends.tolist())]

    def spans_at(self, term: Term, docnums: Any) -> tuple[Any, Any, Any, Any] | None:
        """``(docnums, firsts, ends, positions)``: where the positions of each of ``docnums`` the list holds are.

        ``docnums``: strictly ascending segment docnums (int64 NumPy array).  Returns
        the ones the list holds (int64) and, for each, its positions'
        ``positions[first:end]`` (``firsts``, ``ends`` int64; ``positions``
        as :meth:`positions`).  None as for :meth:`positions`, or when the
        entry is found damaged (:meth:`_block_positions`).  On a long
        list only the blocks holding ``docnums`` are summed up
        (:meth:`_in_blocks`), and their positions start where each block's
        do (:meth:`_block_positions`): the cost grows with those blocks, not
        with the list.
        """
        import numpy as np

        at = self._entry_read(term)
        if at is None or not self._kinds[at] & _POSITIONS:
            return None
        if self._whole_list(at, docnums):
            ids = self._ids(np, at)
            starts, positions = self.positions(term)
            found = self._found(np, ids, docnums)
            return ids[found], starts[found], starts[found + 1], positions
        block_starts = self._block_positions(np, at)
        if block_starts is None:
            return None
        kind = self._kinds[at]
        dtype = "<u4" if kind & _LONG_POSITIONS else "<u2"
        blocks, index, inside, ids = self._in_blocks(np, at, docnums)
        counts = self._position_counts(np, at)[index].astype(np.int64)
        ends = np.cumsum(counts, axis=1)  # (a short last block's padding comes after its postings)
        ends += block_starts[blocks][:, None]
        ids, ends, counts = ids[inside], ends[inside], counts[inside]  # ascending, as the list
        found = self._found(np, ids, docnums)
        ends = ends[found]
        positions = np.frombuffer(self._buf, dtype=dtype, count=int(ends[-1]) if len(ends) else 0,
                                  offset=self._parts(at)[6])
        return ids[found], ends - counts[found], ends, positions

    def _whole_list(self, at: int, docnums: Any) -> bool:
        """Whether reading all of entry ``at`` costs no more than summing up the blocks holding ``docnums``:
        when those blocks could hold a quarter of its postings or more (a short list, or many documents;
        measured on the Reuters bench's proximity reads at 1x and 10x)."""
        return len(docnums) * self._blocklimit * 4 >= self._counts[at]

    def _in_blocks(self, np: Any, at: int, docnums: Any) -> tuple[Any, Any, Any, Any]:
        """``(blocks, index, inside, ids)`` of the blocks of entry ``at`` that would hold ``docnums``.

        A row per block (ascending): ``index`` its postings' numbers in the
        list, ``inside`` which of them exist (the list's last block may be
        short: its missing places repeat the list's last posting), ``ids``
        their docnums, summed up from the block before's last docnum (the
        directory).
        """
        count = self._counts[at]
        nblocks = self._nblocks[at]
        size = self._blocklimit
        _, _, last_at, ids_at = self._parts(at)[:4]
        last = np.frombuffer(self._buf, dtype="<u4", count=nblocks, offset=last_at).astype(np.int64)
        block = np.searchsorted(last, docnums)  # the block each document would be in
        blocks = np.unique(block[block < nblocks])
        index = blocks[:, None] * size + np.arange(size, dtype=np.int64)
        inside = index < count
        index = np.minimum(index, count - 1)
        deltas = np.frombuffer(self._buf, dtype=self._deltas_type(at), count=count, offset=ids_at)
        ids = np.cumsum(deltas[index], axis=1, dtype=np.int64)
        ids += np.where(blocks > 0, last[blocks - 1], 0)[:, None]
        return blocks, index, inside, ids

    @staticmethod
    def _found(np: Any, ids: Any, docnums: Any) -> Any:
        """Where in the ascending ``ids`` each of ``docnums`` it holds is (the others left out)."""
        if not len(ids):
            return np.zeros(0, dtype=np.int64)
        found = np.minimum(np.searchsorted(ids, docnums), len(ids) - 1)
        return found[ids[found] == docnums]

    def _block_positions(self, np: Any, at: int) -> Any:
        """Where each block's positions start in entry ``at``'s positions (int64, one per block; kept), or None.

        Made once per entry, when the list's docnums are also checked to end
        each block where the directory says: the block limit (in the footer,
        outside every CRC) is what maps postings to blocks, and a wrong one
        would give other documents' positions.  None (the entry is not used
        again) when they do not.
        """
        found = self._block_starts.get(at)
        if found is None:
            size = self._blocklimit
            ids = self._ids(np, at)
            last = np.frombuffer(self._buf, dtype="<u4", count=self._nblocks[at], offset=self._parts(at)[2])
            ends = ids[size - 1::size]
            if len(ends) < len(last):
                ends = np.append(ends, ids[-1])
            if not np.array_equal(ends, last):
                self._checked[at] = False
                return None
            counts = self._position_counts(np, at)
            sums = np.add.reduceat(counts, np.arange(0, len(counts), self._blocklimit), dtype=np.int64)
            found = np.zeros(len(sums), dtype=np.int64)
            np.cumsum(sums[:-1], out=found[1:])
            self._block_starts[at] = found
        return found

    def _position_counts(self, np: Any, at: int) -> Any:
        """Entry ``at``'s count of positions per posting, as the NumPy view its kind byte says."""
        kind = self._kinds[at]
        return np.frombuffer(self._buf, dtype=_COUNT_TYPES[_count_size(kind)], count=self._counts[at],
                             offset=self._parts(at)[5])

    def _entry_read(self, term: Term) -> int | None:
        """:meth:`_entry`, for reading its arrays: also checked to fill its extent exactly (needs NumPy).

        The kind byte, which says how wide each part is, lies outside the
        CRC; an entry whose parts, read at the widths it says, do not end
        exactly where the entry ends is not used.  Checked once per entry.
        """
        at = self._entry(term)
        if at is None or at in self._fitted:
            return at
        kind = self._kinds[at]
        fits = True
        if kind & _POSITIONS:
            import numpy as np

            length = (4 if kind & _LONG_POSITIONS else 2) * int(self._position_counts(np, at).sum(dtype=np.int64))
            fits = self._parts(at)[6] + length + (-length % 8) == self._end(at)
        if not fits:
            self._checked[at] = False
            return None
        self._fitted.add(at)
        return at


def vector_reader(reader: Any) -> VectorReader | None:
    """The :class:`VectorReader` of a Whoosh segment reader (kept with it), or None without a ``.skv`` file."""
    cache = reader.__dict__
    if "_searchkit_vector_reader" in cache:
        return cache["_searchkit_vector_reader"]
    found = None
    segment = getattr(reader, "_segment", None)
    storage = getattr(reader, "_storage", None)
    if _LITTLE and segment is not None and storage is not None:
        try:
            name = segment.make_filename(EXT)
            if storage.file_exists(name):
                handle = storage.open_file(name)
                buf = getattr(handle, "_buf", None)
                found = VectorReader(buf if buf is not None else handle.read())
        except (OSError, ValueError, TypeError, struct.error, KeyError, NameError):
            found = None  # unreadable: the blocks are read instead
    stored = cache.setdefault("_searchkit_vector_reader", found)
    if stored is found and found is not None:  # (another thread may have stored its own first)
        owner = weakref.ref(reader)

        def close_reader() -> None:  # the buffer goes first, so the memory map can be closed
            reader = owner()
            if reader is None:
                return
            vectors = reader.__dict__.pop("_searchkit_vector_reader", None)
            if vectors is not None:
                vectors.release()
            reader.__dict__.pop("close", None)  # the class's close again
            reader.close()

        reader.close = close_reader
    return stored


class Term(NamedTuple):
    """What a segment's term info says of a posting list: where it is and what it holds."""

    offset: int  #: in the ``.pst`` file (the list's key here)
    length: int  #: of the list in the ``.pst`` file, bytes
    count: int  #: postings
    first: int  #: docnum
    last: int  #: docnum


def term_of(reader: Any, fieldname: str, btext: bytes) -> Term | None:
    """The :class:`Term` of a term's posting list in a segment, or None (no such term, or inlined postings)."""
    terms = getattr(reader, "_terms", None)
    if terms is None or not hasattr(terms, "term_info"):
        return None
    try:
        info = terms.term_info(fieldname, btext)
    except KeyError:
        return None
    return term_from_info(info)


def term_from_info(info: Any) -> Term | None:
    """The :class:`Term` of a segment's term info (Whoosh's ``TermInfo``), or None for inlined postings."""
    if info.is_inlined():
        return None
    offset, length = info.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes keeps the length as a 1-tuple
        length = length[0]
    return Term(offset, length, info.doc_frequency(), info.min_id(), info.max_id())
