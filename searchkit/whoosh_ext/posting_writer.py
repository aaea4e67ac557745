"""Posting lists written the way Whoosh's W3 codec writes them, from a per-term buffer.

* :class:`_TermBuffer` holds a segment's postings per field and term
  (``{term: [docnum, weight, value, ...]}``) instead of Whoosh's pool of one
  tuple per posting sorted at the end; only the terms are sorted.  Past its
  memory limit it is spilled to a temporary file as a sorted run, and the runs
  are merged when the segment is written (at most :data:`_MAX_RUNS` open at once);
* :func:`write_postings` writes the posting lists and the term table in
  Whoosh's W3 block format, built from each term's lists (a one-posting term
  -- most dates, ids and rare words -- in a few steps), the field lengths read
  once per field as the bytes Whoosh stores.

Longer posting lists of the fields queries score are also written as plain
arrays (:mod:`.vector_postings`, a ``.skv`` file in the segment).

The bytes are Whoosh's, except that posting blocks with positions are pickled
with protocol 5 instead of 2 (:data:`BLOCK_PICKLE_PROTOCOL`; stock Whoosh
reads either -- and with 2 the files are identical, which
``tests/test_postings_writer.py`` checks).
"""

from __future__ import annotations

import heapq
import pickle
import zlib
from array import array
from collections.abc import Iterable, Iterator
from operator import itemgetter, sub

from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.filedb.filetables import _lengths as _row_lengths
from whoosh.filedb.structfile import StructFile
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util import random_name
from whoosh.util.numeric import length_to_byte

from .postings import decoded_positions, is_positions_format
from .vector_postings import FIELDS as VECTOR_FIELDS
from .vector_postings import MIN_POSTINGS as VECTOR_MIN_POSTINGS
from .vector_postings import VectorWriter

__all__ = ["write_postings", "BLOCK_PICKLE_PROTOCOL"]

_ROW_LENGTHS = _row_lengths.pack

#: Estimated memory (bytes) of one buffered posting (three list slots, a float,
#: an int) and of a term's first posting (plus its key, dict slot and list),
#: not counting the value bytes: what :class:`_TermBuffer` holds against ``limitmb``.
_POSTING_SIZE = 100
_TERM_SIZE = 260
#: Runs merged at once (each an open file).
_MAX_RUNS = 64
#: Terms written to a run file per pickle (a chunk is what a run being merged holds in memory).
_RUN_CHUNK = 128


class _TermBuffer:
    """The postings of a segment being written, per field and term, in memory.

    ``field(name)`` is a dict ``{term bytes: [docnum, weight, value, docnum,
    weight, value, ...]}`` (docnums ascending).  Whoosh's pool keeps one tuple
    per posting and sorts them all when the segment is written; here only the
    terms are sorted, and each term's postings are at hand as lists, which is
    what :func:`write_postings` needs to write a posting list in a few calls.
    When the estimated size passes ``limit`` bytes, the buffer is written to a
    temporary file as a sorted run and emptied; :meth:`items` merges the runs.
    """

    def __init__(self, storage, limit: int):
        self._storage = storage
        self.limit = limit
        self.size = 0
        self._fields: dict[str, dict[bytes, list]] = {}
        self._runs: list[str] = []

    def field(self, name: str) -> dict[bytes, list]:
        terms = self._fields.get(name)
        if terms is None:
            terms = self._fields[name] = {}
        return terms

    def grew(self, size: int) -> None:
        self.size += size
        if self.size > self.limit:
            self.spill()

    def spill(self) -> None:
        """Write the buffered postings to a temporary file (a sorted run) and empty the buffer."""
        if not self._fields:
            return
        name = f"{random_name()}.terms"
        self._write_run(name, self._sorted())
        self._runs.append(name)
        self._fields = {}
        self.size = 0

    def _write_run(self, name: str, items: Iterable[tuple[str, bytes, list]]) -> None:
        """Write ``items`` to a run file, :data:`_RUN_CHUNK` to a pickle (fewer calls than one each)."""
        handle = self._storage.create_file(name)
        try:
            dump = pickle.dump
            chunk: list = []
            for item in items:
                chunk.append(item)
                if len(chunk) >= _RUN_CHUNK:
                    dump(chunk, handle, pickle.HIGHEST_PROTOCOL)
                    chunk = []
            if chunk:
                dump(chunk, handle, pickle.HIGHEST_PROTOCOL)
        finally:
            handle.close()

    def _sorted(self) -> Iterator[tuple[str, bytes, list]]:
        fields = self._fields
        for fieldname in sorted(fields):
            terms = fields[fieldname]
            for tbytes in sorted(terms):
                yield fieldname, tbytes, terms[tbytes]

    def _read_run(self, name: str) -> Iterator[tuple[str, bytes, list]]:
        handle = self._storage.open_file(name)
        load = pickle.load
        try:
            while True:
                try:
                    chunk = load(handle)
                except EOFError:
                    return
                yield from chunk
        finally:
            handle.close()

    def items(self) -> Iterator[tuple[str, bytes, list]]:
        """``(fieldname, term bytes, flat postings)`` in Whoosh's order (field name, then term bytes)."""
        if not self._runs:
            yield from self._sorted()
            return
        # Spilled before: the rest goes to a run too, and its memory back to the system, so that
        # the merge (and the term table) do not come on top of a full buffer.
        self.spill()
        from ..loading import release_free_memory

        release_free_memory()
        while len(self._runs) >= _MAX_RUNS:  # bounded open files: merge the oldest runs into one
            oldest, self._runs = self._runs[:_MAX_RUNS], self._runs[_MAX_RUNS:]
            name = f"{random_name()}.terms"
            self._write_run(name, self._merge([self._read_run(run) for run in oldest]))
            self._runs.insert(0, name)
            for run in oldest:
                self._storage.delete_file(run)
        yield from self._merge([self._read_run(name) for name in self._runs])

    @staticmethod
    def _merge(sources: list[Iterator[tuple[str, bytes, list]]]) -> Iterator[tuple[str, bytes, list]]:
        # Runs are in document order and hold disjoint documents, so a term's
        # pieces come out in docnum order: concatenating them keeps it.  Items
        # are compared as they are: field name, term, then (for one term in two
        # runs) the postings lists, whose first docnums differ and are in run order.
        current = None
        for item in heapq.merge(*sources):
            if current is not None and item[0] == current[0] and item[1] == current[1]:
                current[2].extend(item[2])
                continue
            if current is not None:
                yield current
            current = item
        if current is not None:
            yield current

    def cleanup(self) -> None:
        runs, self._runs = self._runs, []
        for name in runs:
            try:
                self._storage.delete_file(name)
            except OSError:
                pass
        self._fields = {}
        self.size = 0


#: Pickle protocol of the data of posting blocks that carry values (positions).
#: Whoosh writes protocol 2, where every value string is pickled as a call to
#: ``_codecs.encode`` on a latin-1 string (~40 bytes and a function call
#: each); protocol 5 stores bytes as bytes.  Whoosh reads blocks with
#: ``pickle.load``/``loads``, which take any protocol, so the segments stay
#: readable by stock Whoosh; Reuters' are 14% smaller and written faster.
#: Block info tuples and value-less blocks (ids, dates) stay protocol 2 (no
#: bytes to gain on, and no 9-byte frame header), and so does each position
#: list inside a value.  With 2, the files are Whoosh's byte for byte
#: (``tests/test_postings_writer.py``).
BLOCK_PICKLE_PROTOCOL = 5

_float32: dict[float, float] = {}  # weight -> the float32 value Whoosh's array("f") keeps of it


class _TermTable:
    """``OrderedHashWriter.add`` for keys known to come in order, with one write per row.

    Whoosh's term table (``.trm``): each row is written as it comes, its
    position kept in the ordered index and in one of 256 hash buckets -- as
    ``OrderedHashWriter.add`` does (the same bytes), without its two ``tell()``
    calls and three writes per row.  The buckets hold each row's (hash,
    position) in two arrays (16 bytes a term) instead of a list of tuples
    (~120 bytes a term), which Whoosh reads through a view when the table
    is written (:class:`_Buckets`).  Any other table type gets its own ``add``.
    """

    def __init__(self, table):
        self._table = table
        self._lastkey = None
        if type(table) is OrderedHashWriter and type(table.dbfile) is StructFile and not any(table.buckets):
            self._write = table.dbfile.file.write
            self._pos = table.dbfile.tell()
            self._index = table.index.append
            self._hash = table.hashfn
            self._hashes = [array("Q") for _ in range(256)]
            self._positions = [array("q") for _ in range(256)]
            table.buckets = _Buckets(self._hashes, self._positions)
        else:
            self.add = table.add

    def add(self, key: bytes, value: bytes) -> None:
        if self._lastkey is not None and key <= self._lastkey:
            raise ValueError(f"Keys must increase: {self._lastkey!r}..{key!r}")
        pos = self._pos
        self._index(pos)
        self._write(_ROW_LENGTHS(len(key), len(value)) + key + value)
        h = self._hash(key)
        self._hashes[h & 255].append(h)
        self._positions[h & 255].append(pos)
        self._pos = pos + 8 + len(key) + len(value)
        self._lastkey = key

    def close(self) -> None:
        if self._lastkey is not None:
            self._table.lastkey = self._lastkey


class _Buckets:
    """Whoosh's ``HashWriter.buckets`` (256 lists of ``(hash, position)``) kept as arrays.

    ``HashWriter`` appends to a bucket (``buckets[i].append((h, pos))``) and,
    when the table is written, iterates over the buckets taking each one's
    ``len`` and pairs: each bucket is a :class:`_Bucket` view that does both
    on the arrays, so no tuple is kept.
    """

    def __init__(self, hashes: list, positions: list):
        self._hashes, self._positions = hashes, positions

    def __len__(self) -> int:
        return len(self._hashes)

    def __getitem__(self, bucket: int) -> _Bucket:
        return _Bucket(self._hashes[bucket], self._positions[bucket])

    def __iter__(self) -> Iterator[_Bucket]:
        for bucket in range(len(self._hashes)):
            yield self[bucket]


class _Bucket:
    """One bucket of :class:`_Buckets`: ``append((hash, position))``, ``len``, iteration over the pairs."""

    __slots__ = ("_hashes", "_positions")

    def __init__(self, hashes: array, positions: array):
        self._hashes, self._positions = hashes, positions

    def append(self, pair: tuple[int, int]) -> None:
        self._hashes.append(pair[0])
        self._positions.append(pair[1])

    def __len__(self) -> int:
        return len(self._hashes)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self._hashes, self._positions)


#: Distinct posting values whose decoded positions a segment's writer keeps (most postings are
#: a word once at one of the first few thousand positions: a few thousand values).
_DECODED_KEPT = 1 << 13


def _decode_kept(decoded: dict[bytes, list[int]], value: bytes) -> list[int]:
    positions = decoded_positions(value)
    if len(decoded) < _DECODED_KEPT:
        decoded[value] = positions
    return positions


def write_postings(fieldwriter, schema, lengths, items: Iterable[tuple[str, bytes, list]],
                   blocklimit: int = 128, compression: int = 3, protocol: int | None = None) -> None:
    """Write posting lists the way Whoosh's W3 codec does, a term at a time.

    ``items`` are ``(fieldname, term bytes, [docnum, weight, value, ...])`` in
    Whoosh's order.  This is ``FieldWriter.add_postings`` with
    ``W3PostingsWriter`` inlined: the same blocks of ``blocklimit`` postings
    (header, block info, pickled and, from ``COMPRESSION_MIN_SIZE`` bytes on,
    compressed data), the same term info rows -- built from each term's lists
    with list operations instead of a few method calls per posting.  The
    blocks are pickled with ``protocol`` (default :data:`BLOCK_PICKLE_PROTOCOL`);
    with protocol 2 the bytes are exactly Whoosh's.
    """
    if protocol is None:
        protocol = BLOCK_PICKLE_PROTOCOL
    postfile = fieldwriter._postfile
    write = postfile.file.write
    pos = postfile.tell()
    table = _TermTable(fieldwriter._tindex)
    vectors = VectorWriter(fieldwriter._segment, fieldwriter._storage, blocklimit)
    vector_min = VECTOR_MIN_POSTINGS
    add_term = table.add
    dumps = pickle.dumps
    compress = zlib.compress
    pack_info = W3TermInfo._struct.pack
    f32 = _float32
    minsize = COMPRESSION_MIN_SIZE
    decoded: dict[bytes, list[int]] = {}
    lastfield = None
    for fieldname, tbytes, flat in items:
        if fieldname != lastfield:
            if lastfield is not None:
                fieldwriter.finish_field()
            fieldobj = schema[fieldname]
            fieldwriter.start_field(fieldname, fieldobj)
            prefix = pack_ushort(fieldwriter._fieldid)
            fixedsize = fieldobj.format.fixed_value_size()
            variable = fixedsize is None or fixedsize < 0
            # Lengths are handled as Whoosh stores them, one byte each (byte_to_length
            # and length_to_byte are inverse and monotonic): min/max of the bytes
            # are the bytes of the min/max lengths.
            dfl = raw = None
            if fieldobj.scorable:
                raw = lengths.length_bytes(fieldname)
                if raw is None:
                    dfl = lengths.doc_field_length_reader(fieldname)
            rawcount = len(raw) if raw is not None else 0
            lastfield = fieldname
            vector_field = fieldname in VECTOR_FIELDS
            vector_positions = vector_field and is_positions_format(fieldobj.format)
        termstart = pos
        if len(flat) == 3:
            # One posting (most terms: dates, ids, rare words): the same bytes, fewer steps
            docnum, weight, value = flat
            stored = f32.get(weight)
            if stored is None:
                stored = f32[weight] = array("f", (weight,))[0]
            maxweight = weight if weight > 0 else 0
            if docnum < rawcount:
                lengthbyte = raw[docnum]
            elif dfl is not None:
                lengthbyte = length_to_byte(dfl(docnum) or None)
            else:
                lengthbyte = 0
            if variable:
                mini_values = (value,) if value else ()
            elif fixedsize == 0:
                mini_values = None
            else:
                mini_values = value
            data = dumps(((docnum,), None if stored == 1.0 else stored, mini_values), protocol if value else 2)
            level = compression if len(data) >= minsize else 0
            if level:
                data = compress(data, level)
            info = dumps((1, docnum, maxweight, level, lengthbyte, lengthbyte), 2)
            size = len(info) + len(data)
            write(WHOOSH3_HEADER_MAGIC + pack_int(-size) + info + data)
            pos += 8 + size
            add_term(prefix + tbytes,
                     pack_info(False, stored, 1, lengthbyte, lengthbyte, maxweight, docnum, docnum)
                     + pack_long(termstart) + pack_int(pos - termstart))
            continue
        ids = flat[0::3]
        weights = flat[1::3]
        values = flat[2::3]
        count = len(ids)
        write(WHOOSH3_HEADER_MAGIC)
        pos += 4
        total = 0
        minlength = 0  # as length bytes; 0 = none
        maxlength = 0
        maxweight = 0
        all_stored = [] if vector_field and count >= vector_min else None
        block_starts = []
        for start in range(0, count, blocklimit):
            block_starts.append(pos - termstart)
            end = start + blocklimit
            block_ids = ids[start:end]
            block_weights = weights[start:end]
            stored = array("f", block_weights).tolist()  # what Whoosh keeps of a weight
            if all_stored is not None:
                all_stored.extend(stored)
            total += sum(stored)
            block_max = max(block_weights)
            if not block_max > 0:
                block_max = 0
            if block_max > maxweight:
                maxweight = block_max
            if block_ids[-1] < rawcount:  # docnums ascend: all in the column
                found = itemgetter(*block_ids)(raw) if len(block_ids) > 1 else (raw[block_ids[0]],)
            elif dfl is not None:
                found = [length_to_byte(dfl(d) or None) for d in block_ids]
            elif raw is not None:
                found = [raw[d] if d < rawcount else 0 for d in block_ids]
            else:
                found = (0,)
            block_maxlen = max(found)
            block_min = min(found)
            if not block_min and block_maxlen:
                block_min = min([b for b in found if b])
            if block_min and (not minlength or block_min < minlength):
                minlength = block_min
            if block_maxlen > maxlength:
                maxlength = block_maxlen
            first = stored[0]
            if stored.count(first) == len(stored):
                mini_weights = None if first == 1.0 else first
            else:
                mini_weights = tuple(stored)
            block_values = [v for v in values[start:end] if v]
            if variable:
                mini_values = tuple(block_values)
            elif fixedsize == 0:
                mini_values = None
            else:
                mini_values = b"".join(block_values)
            deltas = tuple(map(sub, block_ids, [0, *block_ids[:-1]]))
            data = dumps((deltas, mini_weights, mini_values), protocol if block_values else 2)
            level = compression if len(data) >= minsize else 0
            if level:
                data = compress(data, level)
            info = dumps((len(block_ids), block_ids[-1], block_max, level,
                          block_min, block_maxlen), 2)
            size = len(info) + len(data)
            write(pack_int(-size if end >= count else size) + info + data)
            pos += 4 + size
        add_term(prefix + tbytes,
                 pack_info(False, total, count, minlength, maxlength, maxweight, ids[0], ids[-1])
                 + pack_long(termstart) + pack_int(pos - termstart))
        if all_stored is not None:
            positions = None
            if vector_positions:  # the values decoded (the same few values recur: one position, 0..4095)
                positions = (decoded.get(value) or _decode_kept(decoded, value) for value in values)
            vectors.add(termstart, ids, all_stored, block_starts, positions)
    table.close()
    vectors.close()
    if lastfield is not None:
        fieldwriter.finish_field()

