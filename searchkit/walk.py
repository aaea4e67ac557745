"""Kept for old imports only: moved to :mod:`searchkit.ingest.walk`.  Nothing inside searchkit imports this module."""

from .ingest.walk import INDEX_FOLDER_SKIP, SourceFile, id_anchor, is_index_folder, walk_sources

__all__ = ["SourceFile", "walk_sources", "is_index_folder", "id_anchor", "INDEX_FOLDER_SKIP"]
