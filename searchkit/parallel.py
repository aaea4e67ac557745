"""Kept for old imports only; nothing inside searchkit imports this module.

Moved: the writers to :mod:`searchkit.whoosh_ext` (:mod:`~searchkit.whoosh_ext.posting_writer`,
:mod:`~searchkit.whoosh_ext.segment`, :mod:`~searchkit.whoosh_ext.multiproc`), the build driver to
:mod:`searchkit.ingest.build`.
"""

from .whoosh_ext.multiproc import ParallelWriter, WorkerError, _Worker
from .whoosh_ext.posting_writer import BLOCK_PICKLE_PROTOCOL, _TermBuffer, write_postings
from .whoosh_ext.segment import LeanSegmentWriter

__all__ = ["ParallelWriter", "LeanSegmentWriter", "WorkerError", "write_postings", "BLOCK_PICKLE_PROTOCOL",
           "_TermBuffer", "_Worker"]
