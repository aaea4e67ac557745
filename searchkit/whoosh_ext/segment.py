"""Whoosh's segment writer, leaner per document and per posting (:class:`LeanSegmentWriter`).

It writes Whoosh's files (see :mod:`.postings` for the one difference):

* postings go to a per-term buffer (:class:`~.postings._TermBuffer`) instead
  of Whoosh's pool of one tuple per posting sorted at the end, and are
  written by :func:`~.postings.write_postings`;
* ``add_document`` works out each field's handling once per field name, and
  the text fields' postings come straight from
  :func:`~searchkit.analysis.buffer_postings` (no Token objects, no tuples);
* a segment whose commit merges other segments in (their postings come
  through Whoosh's pool) is written by Whoosh's own code.

Memory: the writer buffers at most ``limitmb`` megabytes of postings before
spilling a sorted run to disk.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from whoosh.analysis.tokenizers import IDTokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3FieldWriter, W3PerDocWriter, _lenfield
from whoosh.fields import DATETIME, ID
from whoosh.formats import Existence
from whoosh.util.numeric import byte_to_length, length_to_byte, to_sortable
from whoosh.util.times import datetime_to_long
from whoosh.writing import PostingPool, SegmentWriter

from ..analysis import NewsAnalyzer, NewsPositions, buffer_postings
from .posting_writer import _POSTING_SIZE, _TERM_SIZE, _TermBuffer, write_postings

__all__ = ["LeanSegmentWriter"]

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


def _buffer_field(terms: dict[bytes, list], field, news: bool, format_boost: float, boost: float,
                  value: Any, docnum: int) -> tuple[int, int]:
    """Put one field value's postings into ``terms`` (a :class:`_TermBuffer` field); return
    (the field's length, the estimated bytes added)."""
    if news and isinstance(value, str):
        length, added, count = buffer_postings(value, docnum, format_boost, boost, terms)
        return length, added * _TERM_SIZE + count * _POSTING_SIZE
    length = size = 0
    get = terms.get
    for tbytes, freq, weight, vbytes in _index(field, value):
        length += freq
        vbytes = vbytes or b""  # what Whoosh's add_postings writes for None
        entry = get(tbytes)
        if entry is None:
            terms[tbytes] = [docnum, weight * boost, vbytes]
            size += _TERM_SIZE + len(tbytes) + len(vbytes)
        else:
            entry += (docnum, weight * boost, vbytes)
            size += _POSTING_SIZE + len(vbytes)
    return length, size


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
                    length, added = _buffer_field(buffer.field(fieldname), field, news, format_boost, 1.0,
                                                  value, docnum)
                    size += added
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
        self._end_doc()
        buffer.grew(size)

    def _end_doc(self) -> None:
        self.perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

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
                    news = type(field.format) is NewsPositions and type(field.analyzer) is NewsAnalyzer
                    length, size = _buffer_field(buffer.field(fieldname), field, news,
                                                 field.format.field_boost if news else 1.0, fieldboost,
                                                 value, docnum)
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
        self._end_doc()

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

