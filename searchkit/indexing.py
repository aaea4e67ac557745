"""Kept for old imports only: moved to :mod:`searchkit.ingest.run` (one indexing run).

Nothing inside searchkit imports this module.
"""

from .ingest.run import (BATCH_CHARS, BATCH_DOCS, MAX_DATE_EXAMPLES, PROGRESS_RECORDS, IndexSummary, Progress,
                         base_id, document_fields, index_paths)

__all__ = ["IndexSummary", "index_paths", "document_fields", "Progress", "base_id", "BATCH_CHARS", "BATCH_DOCS",
           "MAX_DATE_EXAMPLES", "PROGRESS_RECORDS"]
