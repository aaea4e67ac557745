"""Kept for old imports only: ``extract`` lives in :mod:`searchkit.ingest.extract` (``searchkit.extract``).

Nothing inside searchkit imports this module.
"""

from .ingest.extract import Skipped, extract

__all__ = ["extract", "Skipped"]
