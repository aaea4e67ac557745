"""Indexing on several cores: Whoosh segment writers in worker processes (:class:`ParallelWriter`).

:class:`ParallelWriter` is a Whoosh writer that holds back the first
``serial_docs`` documents of a run: when the run ends before more come, it
indexes them itself (small runs -- a few changed files -- never start a
process); otherwise all of them go, in batches, to ``procs`` worker
processes.  Each worker analyses its documents and writes its own segment;
the segments are committed as they are (Whoosh's ``multisegment``), since
merging them into one would cost as much as the indexing saved.  Compared
with Whoosh's own ``MpWriter``, on which it is built:

* :meth:`cancel` terminates the workers instead of leaving them blocked on
  their job queue;
* a worker that fails (crashed, killed, out of memory) fails the commit --
  Whoosh would commit without that worker's documents;
* results are read before the workers are joined (a worker holding a big
  result in its queue's pipe would otherwise never exit);
* workers are spawned (fresh interpreters), not forked: a forked worker's
  RSS starts at the parent's (~100 MB of modules and what was read so far);
  the parent's ``__main__`` is not re-run in them;
* what a worker process does around its jobs (dying with its parent, what it
  reports besides its segment) is the ``worker_main`` given by the caller
  (:func:`searchkit.ingest.build.worker_main`).

Every process (the parent and each worker) is a :class:`~.segment.LeanSegmentWriter`.
"""

from __future__ import annotations

import pickle
import queue
import time
from collections.abc import Callable
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from ..errors import SearchkitError
from .segment import LeanSegmentWriter, _Lean

__all__ = ["ParallelWriter", "WorkerError"]


class WorkerError(SearchkitError):
    """A worker process failed: nothing of the run is committed."""


class _Worker(SubWriterTask):
    """One worker process: documents from job files into a segment of its own.

    ``worker_main(index_jobs)`` runs the process: it calls ``index_jobs()``
    (which returns the segment written, or None) and returns what the worker
    reports: ``(segment, report)``.
    """

    worker_main: Callable[[Callable[[], Any]], tuple[Any, Any]] | None = None
    #: The parent writer's schema: a worker writes exactly the postings the parent
    #: would (the same title boost), whatever schema the last commit pickled.
    schema: Any = None

    @staticmethod
    def _Popen(process_obj):  # noqa: N802 -- multiprocessing's name
        """Start the worker as a fresh interpreter ("spawn"), not a fork of the parent.

        A forked worker starts with the parent's whole memory mapped (all of
        its modules and what it has read so far): each worker's RSS began at
        the parent's, ~100 MB, before it indexed anything.  A spawned worker
        imports only what it needs.  Nothing of the parent's ``__main__`` is
        run in it (multiprocessing would re-run a user's script that lacks an
        ``if __name__ == "__main__"`` guard): the worker needs only
        importable modules.
        """
        from multiprocessing import popen_spawn_posix, spawn

        original = spawn.get_preparation_data

        def without_main(name: str) -> dict:
            data = original(name)
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
            return data

        spawn.get_preparation_data = without_main
        try:
            return popen_spawn_posix.Popen(process_obj)
        finally:
            spawn.get_preparation_data = original

    def run(self) -> None:
        main = self.worker_main or (lambda index_jobs: (index_jobs(), None))
        self.resultqueue.put(main(self._index_jobs))

    def _index_jobs(self) -> Any:
        ix = self.storage.open_index(self.indexname, schema=self.schema)
        writer = self.writer = LeanSegmentWriter(ix, _lk=False, **self.kwargs)
        while True:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        if writer.docnum:
            return writer._finalize_segment()
        # Every batch went to the other workers.  Not cancel(): that deletes the
        # temporary folder the other workers read their job files from.  The
        # unused segment's files are deleted by the commit (Whoosh cleans files
        # no segment refers to).
        writer._close_segment()
        return None

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

    def __init__(self, ix, procs: int = 2, serial_docs: int = 1000, batchsize: int = 100,
                 worker_main: Callable | None = None, before_fork: Callable[[], None] | None = None,
                 **kwargs: Any):
        super().__init__(ix, procs=procs, batchsize=batchsize, multisegment=True, start_method="spawn", **kwargs)
        self.serial_docs = serial_docs
        self.worker_main = worker_main
        self.before_fork = before_fork
        #: What each worker reported besides its segment (see ``worker_main``), after the commit.
        self.worker_reports: list[Any] = []
        self._pending: list[dict[str, Any]] = []  # the first documents, until the run proves big

    def _new_task(self):
        if not self.tasks and self.before_fork is not None:
            self.before_fork()  # e.g. what every worker would import: once, inherited at fork
        task = _Worker(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, True)
        task.worker_main = self.worker_main
        task.schema = self.schema
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
        """Whoosh's ``MpWriter._enqueue`` (documents to a job file), with a watched put.

        Documents are pickled with the highest protocol, not Whoosh's 2: with
        2 every ``bytes`` value (a document's MinHash) is pickled as a call to
        ``_codecs.encode``, and a job file takes three times as long to write
        and to read back.
        """
        docbuffer, self.docbuffer = self.docbuffer, []
        filename = f"{random_name()}.doclist"
        dump = pickle.dump
        with self.temp_storage().create_file(filename).raw_file() as handle:
            for item in docbuffer:
                dump(item, handle, pickle.HIGHEST_PROTOCOL)
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
        for segment, report in results:
            if segment is not None:
                finalsegments.append(segment)
            self.worker_reports.append(report)
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()

    def _results(self) -> list[tuple[Any, Any]]:
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
