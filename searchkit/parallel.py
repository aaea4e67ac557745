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

All of them are :class:`LeanSegmentWriter` instances: Whoosh's segment writer with two
per-posting costs removed (the pool's per-posting assertions, and a file
seek and read per posting for the document's field length when the segment
is written -- the length columns are read once instead).  The index files are
the same.
"""

from __future__ import annotations

import pickle
import queue
import signal
import time
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

from . import analysis
from .analysis import NewsAnalyzer, NewsPositions, encoded_postings
from .errors import SearchkitError
from .locking import die_with_parent

__all__ = ["ParallelWriter", "LeanSegmentWriter", "WorkerError"]

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

    def doc_field_length_reader(self, fieldname, default=0):
        column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        try:
            if column is None or column._typecode != "B" or column._fixedlen != 1:
                raise AttributeError
            raw = column._dbfile.get(column._basepos, column._count)
        except AttributeError:  # not the column layout this was written for
            return self._reader.doc_field_length_reader(fieldname, default)
        count = len(raw)

        def get(docnum, _raw=raw, _table=_LENGTHS, _count=count):
            return _table[_raw[docnum]] if docnum < _count else None

        return get


class _Lean:
    """What :class:`LeanSegmentWriter` changes in a Whoosh segment writer."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pool.__class__ = _LeanPool

    def per_document_reader(self):
        return _Lengths(super().per_document_reader())

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``SegmentWriter.add_document``, with the postings of
        :class:`~searchkit.analysis.NewsPositions` fields put in the pool per
        document instead of per posting (the same tuples, the same order)."""
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        add_post = pool.add
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
                    scorable = field.scorable
                    if (type(field.format) is NewsPositions and type(field.analyzer) is NewsAnalyzer
                            and isinstance(value, str)):
                        fb = field.format.field_boost
                        append = pool.current.append
                        size = 0
                        for tbytes, n, vbytes in encoded_postings(value):
                            if scorable:
                                length += n
                            append((fieldname, tbytes, docnum, float(n) * fb * fieldboost, vbytes))
                            size += 150 + len(fieldname) + 2 * len(tbytes) + len(vbytes)
                        if size:
                            pool.fieldnames.add(fieldname)
                            pool.currentsize += size
                            if pool.currentsize > pool.limit:
                                pool.save()
                    else:
                        for tbytes, freq, weight, vbytes in field.index(value):
                            weight *= fieldboost
                            if scorable:
                                length += freq
                            add_post((fieldname, tbytes, docnum, weight, vbytes))
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


class LeanSegmentWriter(_Lean, SegmentWriter):
    """Whoosh's ``SegmentWriter``, leaner per posting (see the module documentation)."""


class WorkerError(SearchkitError):
    """A worker process failed: nothing of the run is committed."""


class _Worker(SubWriterTask):
    """One worker process: documents from job files into a segment of its own."""

    def run(self) -> None:
        die_with_parent()
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
                self.jobqueue.put(None)
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
