"""Moved to :mod:`searchkit.ingest.run` (one indexing run); this name keeps old imports working."""

from .ingest.run import (BATCH_CHARS, BATCH_DOCS, MAX_DATE_EXAMPLES, PROGRESS_RECORDS, IndexSummary, Progress,
                         base_id, document_fields, index_paths)

__all__ = ["IndexSummary", "index_paths", "document_fields", "Progress", "base_id", "BATCH_CHARS", "BATCH_DOCS",
           "MAX_DATE_EXAMPLES", "PROGRESS_RECORDS"]
