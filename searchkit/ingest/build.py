"""The build driver: the writer an indexing run uses, and what each of its worker processes does.

A run of more than ``serial_docs`` new documents is analysed and written by
worker processes (:class:`~searchkit.whoosh_ext.multiproc.ParallelWriter`),
one segment each, all committed at once; a smaller run, or
``$SEARCHKIT_WORKERS=1``, is written in-process by a
:class:`~searchkit.whoosh_ext.segment.LeanSegmentWriter`.  Each process
buffers at most ``$SEARCHKIT_MEMORY_MB`` of postings before spilling to disk.

Every worker process (:func:`worker_main`) is a fresh interpreter (not a
fork: see :class:`~searchkit.whoosh_ext.multiproc.ParallelWriter`), dies with
its parent, ignores Ctrl-C (the parent handles it and stops the workers),
collects garbage rarely, and reports the ``word -> stem`` pairs it computed
for the index's stem table (:func:`searchkit.analysis.write_stem_table`).
``$SEARCHKIT_PROFILE=DIR`` (a developer's switch) writes a cProfile of each
worker to ``DIR/worker-PID.prof``.
"""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Callable
from typing import Any

from .. import analysis, settings
from ..locking import die_with_parent
from ..whoosh_ext.multiproc import ParallelWriter, WorkerError
from ..whoosh_ext.segment import LeanSegmentWriter

__all__ = ["writer_options", "worker_main", "worker_stems", "indexing_workers", "memory_mb", "WorkerError",
           "DeferredWriter", "DeferredReader"]


def indexing_workers() -> int:
    """Worker processes for big runs: ``$SEARCHKIT_WORKERS``, else one per core (at most 4); 1 = none."""
    return settings.get("SEARCHKIT_WORKERS")


def memory_mb() -> int:
    """Megabytes of postings each indexing process buffers (``$SEARCHKIT_MEMORY_MB``, at least 16)."""
    return settings.get("SEARCHKIT_MEMORY_MB")


def writer_options(serial_docs: int, workers: int | None = None, limitmb: int | None = None) -> dict[str, Any]:
    """The keyword arguments of :meth:`searchkit.Index._writer` for an indexing run.

    ``workers`` (default :func:`indexing_workers`) above 1: a
    :class:`ParallelWriter` that hands documents to that many processes once
    ``serial_docs`` are held back; else a :class:`LeanSegmentWriter`.
    """
    workers = indexing_workers() if workers is None else workers
    limitmb = memory_mb() if limitmb is None else limitmb
    if workers > 1:
        return {"writer_class": ParallelWriter, "procs": workers, "serial_docs": serial_docs, "limitmb": limitmb,
                "worker_main": worker_main}
    return {"writer_class": LeanSegmentWriter, "limitmb": limitmb}


def worker_main(index_jobs: Callable[[], Any]) -> tuple[Any, dict[str, str]]:
    """The body of a worker process: ``index_jobs()`` (its segment), and the stems it computed."""
    die_with_parent()
    # A spawned worker sets that up only once its interpreter has started: a
    # parent killed in the meantime is not noticed by die_with_parent (the
    # worker is already an orphan when it looks), so compare with the pid
    # multiprocessing recorded.  An orphan would wait on its job queue forever.
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid is not None and os.getppid() != parent.pid:
        os._exit(1)
    # A worker builds hundreds of thousands of lists (one per term) and no
    # cycles: the collector's frequent young-generation passes cost ~5% of
    # its time.  Collect rarely, and never scan the modules loaded so far.
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    # Ctrl-C reaches the whole process group: the parent handles it (and
    # stops the workers); a worker must not print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    known = set(analysis.stems_computed())  # none in a spawned worker; a forked one inherits the parent's
    profile_dir = settings.get("SEARCHKIT_PROFILE")
    if profile_dir:
        segment = _profiled(index_jobs, profile_dir)
    else:
        segment = index_jobs()
    stems = {w: s for w, s in analysis.stems_computed().items() if w not in known}
    return segment, stems


def _profiled(body: Callable[[], Any], folder: str) -> Any:
    import cProfile  # a developer's switch: one profile per worker process

    profiler = cProfile.Profile()
    try:
        return profiler.runcall(body)
    finally:
        try:
            profiler.dump_stats(os.path.join(folder, f"worker-{os.getpid()}.prof"))
        except OSError:
            pass


def worker_stems(writer) -> list[dict[str, str]]:
    """The ``word -> stem`` pairs the worker processes of ``writer`` reported (after its commit)."""
    return [report for report in getattr(writer, "worker_reports", ()) if isinstance(report, dict)]


class DeferredWriter:
    """A writer opened on its first write (``open_writer()``): a run that changes nothing opens none.

    Opening a Whoosh writer takes its lock, creates a segment and, for a
    :class:`ParallelWriter`, its queues; an unchanged re-run needs none of it.
    ``commit``/``cancel`` of a writer never opened do nothing.
    """

    def __init__(self, open_writer: Callable[[], Any]):
        self._open = open_writer
        self._writer: Any = None

    @property
    def opened(self) -> bool:
        return self._writer is not None

    def _get(self) -> Any:
        if self._writer is None:
            self._writer = self._open()
        return self._writer

    def add_document(self, **fields: Any) -> None:
        self._get().add_document(**fields)

    def update_document(self, **fields: Any) -> None:
        self._get().update_document(**fields)

    def delete_by_term(self, fieldname: str, text: Any, searcher=None) -> int:
        return self._get().delete_by_term(fieldname, text, searcher=searcher)

    def commit(self, **kwargs: Any) -> None:
        self._get().commit(**kwargs)

    def cancel(self) -> None:
        if self._writer is not None:
            self._writer.cancel()

    @property
    def worker_reports(self) -> list[Any]:
        return getattr(self._writer, "worker_reports", [])


class DeferredReader:
    """A Whoosh reader opened when first used (``open_reader()``); :meth:`close` closes it if it was."""

    def __init__(self, open_reader: Callable[[], Any]):
        self._open = open_reader
        self._reader: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if self._reader is None:
            self._reader = self._open()
        return getattr(self._reader, name)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
