"""Indexing on several cores: Whoosh segment writers in worker processes.

:class:`ParallelWriter` is a Whoosh writer that holds back the first
``serial_docs`` documents of a run: when the run ends before more come, it
indexes them itself (small runs -- a few changed files -- never start a
process); otherwise all of them go, in batches, to ``procs`` worker
processes.  Each worker analyses its documents and writes its own segment;
the segments are committed as they are (Whoosh's ``multisegment``), since
merging them into one would cost as much as the indexing saved.  Compared
with Whoosh's own ``MpWriter``, on which it is built:

* workers die with their parent (``PR_SET_PDEATHSIG``), and :meth:`cancel`
  terminates them instead of leaving them blocked on their job queue;
* a worker that fails (crashed, killed, out of memory) fails the commit --
  Whoosh would commit without that worker's documents;
* results are read before the workers are joined (a worker holding a big
  result in its queue's pipe would otherwise never exit);
* each worker reports the ``word -> stem`` pairs it computed, for the
  index's stem table (:func:`searchkit.analysis.write_stem_table`).

Memory: each process (the parent and every worker) buffers at most
``limitmb`` megabytes of postings before spilling a sorted run to disk.

All of them are :class:`LeanSegmentWriter` instances: Whoosh's segment
writer, leaner per document and per posting.  It writes Whoosh's files, the
same bytes except that posting blocks with positions are pickled with
protocol 5 instead of 2 (:data:`BLOCK_PICKLE_PROTOCOL`; stock Whoosh reads
either -- and with 2 the files are identical, which
``tests/test_postings_writer.py`` checks):

* postings go to a per-term buffer (:class:`_TermBuffer`: ``{term: [docnum,
  weight, value, ...]}`` per field) instead of Whoosh's pool of one tuple per
  posting sorted at the end; only the terms are sorted.  Past ``limitmb`` the
  buffer is spilled to a temporary file as a sorted run, and the runs are
  merged when the segment is written (at most :data:`_MAX_RUNS` open at once);
* the posting lists and the term table are written by :func:`write_postings`,
  Whoosh's W3 block format built from each term's lists (a one-posting term --
  most dates, ids and rare words -- in a few steps), the field lengths read
  once per field as the bytes Whoosh stores;
* ``add_document`` works out each field's handling once per field name, and
  the text fields' postings come straight from
  :func:`~searchkit.analysis.buffer_postings` (no Token objects, no tuples);
* a segment whose commit merges other segments in (their postings come
  through Whoosh's pool) is written by Whoosh's own code.

Workers also import NLTK's stemmer once, in the parent before they are
forked, and collect garbage rarely (they create no cycles).
``$SEARCHKIT_PROFILE=DIR`` (a developer's switch) writes a cProfile of each
worker to ``DIR/worker-PID.prof``.
"""

from __future__ import annotations

import gc
import heapq
import os
import pickle
import queue
import signal
import time
import zlib
from array import array
from collections.abc import Iterable, Iterator
from datetime import datetime
from operator import itemgetter, sub
from typing import Any

from whoosh.analysis.tokenizers import IDTokenizer
from whoosh.codec.whoosh3 import (COMPRESSION_MIN_SIZE, LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec,
                                  W3FieldWriter, W3PerDocWriter, W3TermInfo, _lenfield)
from whoosh.fields import DATETIME, ID
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.filedb.filetables import _lengths as _row_lengths
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Existence
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length, length_to_byte, to_sortable
from whoosh.util.times import datetime_to_long
from whoosh.writing import PostingPool, SegmentWriter

from . import analysis
from .analysis import NewsAnalyzer, NewsPositions, buffer_postings
from .errors import SearchkitError
from .locking import die_with_parent

__all__ = ["ParallelWriter", "LeanSegmentWriter", "WorkerError"]

_ROW_LENGTHS = _row_lengths.pack
_LENGTHS = [byte_to_length(b) if b else None for b in range(256)]


class _LeanPool(PostingPool):
    def add(self, item):
        # PostingPool.add without its assertions; the same size estimate
        self.fieldnames.add(item[0])
        self.currentsize += 150 + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)


class _Lengths:
    """A per-document reader whose field lengths are read once per field, not once per posting."""

    def __init__(self, reader):
        self._reader = reader

    def __getattr__(self, name: str):
        return getattr(self._reader, name)

    def length_bytes(self, fieldname) -> bytes | None:
        """The field's length column as bytes (one length byte per document), or None."""
        column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        try:
            if column is None or column._typecode != "B" or column._fixedlen != 1:
                return None
            return column._dbfile.get(column._basepos, column._count)
        except AttributeError:  # not the column layout this was written for
            return None

    def doc_field_length_reader(self, fieldname, default=0):
        raw = self.length_bytes(fieldname)
        if raw is None:
            return self._reader.doc_field_length_reader(fieldname, default)
        count = len(raw)

        def get(docnum, _raw=raw, _table=_LENGTHS, _count=count):
            return _table[_raw[docnum]] if docnum < _count else None

        return get


#: Estimated memory (bytes) of one buffered posting (three list slots, a float,
#: an int) and of a term's first posting (plus its key, dict slot and list),
#: not counting the value bytes: what :class:`_TermBuffer` holds against ``limitmb``.
_POSTING_SIZE = 100
_TERM_SIZE = 260
#: Runs merged at once (each an open file).
_MAX_RUNS = 64


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
        handle = self._storage.create_file(name)
        try:
            dump = pickle.dump
            for item in self._sorted():
                dump(item, handle, pickle.HIGHEST_PROTOCOL)
        finally:
            handle.close()
        self._runs.append(name)
        self._fields = {}
        self.size = 0

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
                    item = load(handle)
                except EOFError:
                    return
                yield item
        finally:
            handle.close()

    def items(self) -> Iterator[tuple[str, bytes, list]]:
        """``(fieldname, term bytes, flat postings)`` in Whoosh's order (field name, then term bytes)."""
        if not self._runs:
            yield from self._sorted()
            return
        while len(self._runs) >= _MAX_RUNS:  # bounded open files: merge the oldest runs into one
            oldest, self._runs = self._runs[:_MAX_RUNS], self._runs[_MAX_RUNS:]
            name = f"{random_name()}.terms"
            handle = self._storage.create_file(name)
            try:
                for item in self._merge([self._read_run(run) for run in oldest]):
                    pickle.dump(item, handle, pickle.HIGHEST_PROTOCOL)
            finally:
                handle.close()
            self._runs.insert(0, name)
            for run in oldest:
                self._storage.delete_file(run)
        yield from self._merge([self._read_run(name) for name in self._runs] + [self._sorted()])

    @staticmethod
    def _merge(sources: list[Iterator[tuple[str, bytes, list]]]) -> Iterator[tuple[str, bytes, list]]:
        # Runs are in document order and heapq.merge is stable, so a term's
        # pieces come out in docnum order: concatenating them keeps it.
        current = None
        for item in heapq.merge(*sources, key=_term_key):
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


def _term_key(item: tuple[str, bytes, list]) -> tuple[str, bytes]:
    return item[0], item[1]


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
    calls and three writes per row.  Any other table type gets its own ``add``.
    """

    def __init__(self, table):
        self._table = table
        self._lastkey = None
        if type(table) is OrderedHashWriter and type(table.dbfile) is StructFile:
            self._write = table.dbfile.file.write
            self._pos = table.dbfile.tell()
            self._index = table.index.append
            self._hash = table.hashfn
            self._buckets = table.buckets
        else:
            self.add = table.add

    def add(self, key: bytes, value: bytes) -> None:
        if self._lastkey is not None and key <= self._lastkey:
            raise ValueError(f"Keys must increase: {self._lastkey!r}..{key!r}")
        pos = self._pos
        self._index(pos)
        self._write(_ROW_LENGTHS(len(key), len(value)) + key + value)
        h = self._hash(key)
        self._buckets[h & 255].append((h, pos))
        self._pos = pos + 8 + len(key) + len(value)
        self._lastkey = key

    def close(self) -> None:
        if self._lastkey is not None:
            self._table.lastkey = self._lastkey


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
    add_term = table.add
    dumps = pickle.dumps
    compress = zlib.compress
    pack_info = W3TermInfo._struct.pack
    f32 = _float32
    minsize = COMPRESSION_MIN_SIZE
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
        for start in range(0, count, blocklimit):
            end = start + blocklimit
            block_ids = ids[start:end]
            block_weights = weights[start:end]
            stored = array("f", block_weights).tolist()  # what Whoosh keeps of a weight
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
    table.close()
    if lastfield is not None:
        fieldwriter.finish_field()


def _index(field, value):
    """``field.index(value)``: Whoosh's, with shortcuts (the same postings) for ID and DATETIME values."""
    kind = type(field)
    if kind is ID and isinstance(value, str) and type(field.format) is Existence \
            and type(field.analyzer) is IDTokenizer:
        return ((value.encode("utf-8"), 1, field.format.field_boost, b""),)
    if kind is DATETIME and type(value) is datetime and field.shift_step:
        # NUMERIC.index converts the datetime once per tier; this converts it once
        number = to_sortable(field.numtype, field.bits, field.signed,
                             field.prepare_number(datetime_to_long(value)))
        encode = field.sortable_to_bytes
        return [(encode(number, shift), 1, 1.0, b"") for shift in range(0, field.bits, field.shift_step)]
    return field.index(value)


class _Lean:
    """What :class:`LeanSegmentWriter` changes in a Whoosh segment writer."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pool.__class__ = _LeanPool
        self._terms = _TermBuffer(self.temp_storage(), self.pool.limit)
        self._plans: dict[str, tuple] = {}

    def per_document_reader(self):
        return _Lengths(super().per_document_reader())

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``SegmentWriter.add_document``, with each posting put in a
        per-term buffer (:class:`_TermBuffer`) instead of Whoosh's sorting pool.

        What Whoosh works out per field of every document (the field's type,
        format, boost keywords, column and length writers) is worked out once
        per field name (:meth:`_plan`).  Documents with ``_boost``/``_stored_``
        keywords, or another codec, take :meth:`_add_document_generic`.
        """
        perdocwriter = self.perdocwriter
        if type(perdocwriter) is not W3PerDocWriter or any(name[:1] == "_" for name in fields):
            self._add_document_generic(**fields)
            return
        self._check_state()
        plans = self._plans
        docnum = self.docnum
        buffer = self._terms
        fieldlengths = perdocwriter._fieldlengths
        size = 0
        perdocwriter.start_doc(docnum)
        stored = perdocwriter._storedfields
        try:
            for fieldname in sorted(fields):
                plan = plans.get(fieldname)
                if plan is None:
                    plan = self._plan(fieldname)
                value = fields[fieldname]
                if value is None:
                    continue
                field, news, format_boost, scorable, lenfield, column, unsupported = plan
                if unsupported:
                    raise NotImplementedError(unsupported)
                length = 0
                if field.indexed:
                    terms = buffer.field(fieldname)
                    if news and isinstance(value, str):
                        length, added, count = buffer_postings(value, docnum, format_boost, 1.0, terms)
                        size += added * _TERM_SIZE + count * _POSTING_SIZE
                    else:
                        get = terms.get
                        for tbytes, freq, weight, vbytes in _index(field, value):
                            length += freq
                            vbytes = vbytes or b""
                            entry = get(tbytes)
                            if entry is None:
                                terms[tbytes] = [docnum, weight * 1.0, vbytes]
                                size += _TERM_SIZE + len(tbytes) + len(vbytes)
                            else:
                                entry += (docnum, weight * 1.0, vbytes)
                                size += _POSTING_SIZE + len(vbytes)
                if field.stored:
                    stored[fieldname] = value
                if length and scorable:  # PerDocWriter.add_field
                    perdocwriter.add_column_value(lenfield, LENGTHS_COLUMN, length_to_byte(length))
                    fieldlengths[fieldname] += length
                if column:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
        except ValueError:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        buffer.grew(size)

    def _plan(self, fieldname: str) -> tuple:
        """What :meth:`add_document` needs to know of a field, once."""
        self._check_fields(self.schema, [fieldname])  # UnknownFieldError
        field = self.schema[fieldname]
        news = type(field.format) is NewsPositions and type(field.analyzer) is NewsAnalyzer
        unsupported = None
        if field.separate_spelling():
            unsupported = "spelling fields are not used by searchkit"
        elif field.vector:
            unsupported = "term vectors are not used by searchkit"
        plan = (field, news, field.format.field_boost if news else 1.0, field.scorable, _lenfield(fieldname),
                field.column_type, unsupported)
        self._plans[fieldname] = plan
        return plan

    def _add_document_generic(self, **fields: Any) -> None:
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        buffer = self._terms
        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields if not name.startswith("_")])
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    terms = buffer.field(fieldname)
                    get = terms.get
                    size = 0
                    if (type(field.format) is NewsPositions and type(field.analyzer) is NewsAnalyzer
                            and isinstance(value, str)):
                        length, added, count = buffer_postings(value, docnum, field.format.field_boost,
                                                               fieldboost, terms)
                        size += added * _TERM_SIZE + count * _POSTING_SIZE
                    else:
                        for tbytes, freq, weight, vbytes in _index(field, value):
                            length += freq
                            vbytes = vbytes or b""  # what Whoosh's add_postings writes for None
                            entry = get(tbytes)
                            if entry is None:
                                terms[tbytes] = [docnum, weight * fieldboost, vbytes]
                                size += _TERM_SIZE + len(tbytes) + len(vbytes)
                            else:
                                entry += (docnum, weight * fieldboost, vbytes)
                                size += _POSTING_SIZE + len(vbytes)
                    if not field.scorable:
                        length = 0
                    buffer.grew(size)
                if field.separate_spelling():
                    raise NotImplementedError("spelling fields are not used by searchkit")
                if field.vector:
                    raise NotImplementedError("term vectors are not used by searchkit")
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        except ValueError:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        pool = self.pool
        fieldwriter = self.fieldwriter
        codec = self.codec
        if (pool.current or pool.runs or type(fieldwriter) is not W3FieldWriter
                or type(codec) is not W3Codec or codec._inlinelimit > 1 or not codec.length_stats):
            # Postings merged in from other segments are in Whoosh's pool (or a
            # codec this was not written for): let Whoosh write everything.
            for fieldname, tbytes, flat in self._terms.items():
                for i in range(0, len(flat), 3):
                    pool.add((fieldname, tbytes, flat[i], flat[i + 1], flat[i + 2]))
            super()._flush_segment()
            return
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            write_postings(fieldwriter, self.schema, lengths, self._terms.items(),
                           codec._blocklimit, codec._compression)
            fieldwriter.close()
        finally:
            lengths.close()

    def _close_segment(self) -> None:
        try:
            super()._close_segment()
        finally:
            self._terms.cleanup()


class LeanSegmentWriter(_Lean, SegmentWriter):
    """Whoosh's ``SegmentWriter``, leaner per posting (see the module documentation)."""


class WorkerError(SearchkitError):
    """A worker process failed: nothing of the run is committed."""


class _Worker(SubWriterTask):
    """One worker process: documents from job files into a segment of its own."""

    def run(self) -> None:
        profile_dir = os.environ.get("SEARCHKIT_PROFILE")
        if not profile_dir:
            self._run()
            return
        import cProfile  # a developer's switch: one profile per worker process

        profiler = cProfile.Profile()
        try:
            profiler.runcall(self._run)
        finally:
            try:
                profiler.dump_stats(os.path.join(profile_dir, f"worker-{os.getpid()}.prof"))
            except OSError:
                pass

    def _run(self) -> None:
        die_with_parent()
        # A worker builds hundreds of thousands of lists (one per term) and no
        # cycles: the collector's frequent young-generation passes cost ~5% of
        # its time.  Collect rarely, and never scan what was inherited at fork.
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        # Ctrl-C reaches the whole process group: the parent handles it (and
        # stops the workers); a worker must not print a traceback of its own.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        known = set(analysis.stems_computed())  # inherited from the parent at fork
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = LeanSegmentWriter(ix, _lk=False, **self.kwargs)
        while True:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        stems = {w: s for w, s in analysis.stems_computed().items() if w not in known}
        if writer.docnum:
            segment = writer._finalize_segment()
        else:  # every batch went to the other workers
            # Not cancel(): that deletes the temporary folder the other workers
            # read their job files from.  The unused segment's files are
            # deleted by the commit (Whoosh cleans files no segment refers to).
            writer._close_segment()
            segment = None
        self.resultqueue.put((segment, stems))

    def _process_file(self, filename: str, doc_count: int) -> None:
        writer = self.writer
        tempstorage = writer.temp_storage()
        load = pickle.load
        with tempstorage.open_file(filename).raw_file() as handle:
            for _ in range(doc_count):
                code, args = load(handle)
                writer.add_document(**args)
        tempstorage.delete_file(filename)


class ParallelWriter(_Lean, MpWriter):
    """See the module documentation.  ``procs`` workers, started once ``serial_docs`` are indexed."""

    def __init__(self, ix, procs: int = 2, serial_docs: int = 1000, batchsize: int = 100, **kwargs: Any):
        super().__init__(ix, procs=procs, batchsize=batchsize, multisegment=True, **kwargs)
        self.serial_docs = serial_docs
        self._pending: list[dict[str, Any]] = []  # the first documents, until the run proves big

    def _new_task(self):
        if not self.tasks:
            # Imported once here rather than once in every worker (forked: they inherit it)
            analysis.load_stemmer()
        task = _Worker(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, True)
        task.daemon = True  # never outlive the parent's interpreter either
        self.tasks.append(task)
        task.start()
        return task

    def add_document(self, **fields: Any) -> None:
        if self._pending is not None:
            # Held back until the run proves big (then all go to the workers:
            # one segment per worker, no small extra one) or ends small (then
            # they are indexed here and no process is ever started).
            self._pending.append(fields)
            if len(self._pending) <= self.serial_docs:
                return
            pending, self._pending = self._pending, None
            for held in pending:
                MpWriter.add_document(self, **held)
            return
        MpWriter.add_document(self, **fields)  # into a job file for the workers

    def _enqueue(self) -> None:
        """Whoosh's ``MpWriter._enqueue`` (documents to a job file), with a watched put."""
        docbuffer, self.docbuffer = self.docbuffer, []
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as handle:
            for item in docbuffer:
                pickle.dump(item, handle, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put_job((filename, len(docbuffer)))

    def _put_job(self, job: Any) -> None:
        """Put on the (bounded) job queue; a dead worker raises instead of blocking forever.

        Workers leave only after the end-of-jobs sentinel, so one found dead
        while the queue is full has failed (an exception, the OOM killer).
        """
        while True:
            try:
                self.jobqueue.put(job, timeout=0.5)
                return
            except queue.Full:
                dead = [task.exitcode for task in self.tasks if not task.is_alive()]
                if dead:
                    raise WorkerError(f"an indexing worker process failed (exit status {dead[0]}); "
                                      "nothing was committed, the index is as it was") from None

    def commit(self, mergetype=None, optimize=None, merge=None) -> None:
        pending, self._pending = self._pending, None
        try:
            for held in pending or ():
                _Lean.add_document(self, **held)  # a small run: indexed in this process
        except BaseException:
            self.cancel()
            raise
        super().commit(mergetype=mergetype, optimize=optimize, merge=merge)

    def cancel(self) -> None:
        self._pending = None
        try:
            for task in self.tasks:
                if task.is_alive():
                    task.terminate()
            for task in self.tasks:
                task.join(5)
        finally:
            SegmentWriter.cancel(self)

    def _commit(self, mergetype, optimize, merge) -> None:
        try:
            if self.docbuffer:
                self._enqueue()
            for _ in self.tasks:
                self._put_job(None)
            finalsegments = self._merge_segments(mergetype, optimize, merge)
            results = self._results()
        except BaseException:
            self.cancel()
            raise
        stems: dict[str, str] = {}
        for segment, worker_stems in results:
            if segment is not None:
                finalsegments.append(segment)
            stems.update(worker_stems)
        self.worker_stems = stems
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()

    def _results(self) -> list[tuple[Any, dict[str, str]]]:
        """One result per worker, read before joining them; a failed worker raises :class:`WorkerError`."""
        results = []
        while len(results) < len(self.tasks):
            try:
                results.append(self.resultqueue.get(timeout=0.2))
                continue
            except queue.Empty:
                pass
            if any(not task.is_alive() and task.exitcode != 0 for task in self.tasks):
                break
            if all(not task.is_alive() for task in self.tasks):
                time.sleep(0.2)  # a last result may still be in the pipe
                try:
                    results.append(self.resultqueue.get(timeout=1))
                    continue
                except queue.Empty:
                    break
        for task in self.tasks:
            task.join()
        failed = [task.exitcode for task in self.tasks if task.exitcode != 0]
        if failed or len(results) < len(self.tasks):
            raise WorkerError(f"an indexing worker process failed (exit status {failed[0] if failed else '?'}); "
                              "nothing was committed, the index is as it was")
        return results
