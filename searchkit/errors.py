"""Errors searchkit reports to users as one line (never a traceback)."""

from __future__ import annotations

__all__ = [
    "SearchkitError",
    "IndexNotFoundError",
    "IndexVersionError",
    "IndexLockedError",
    "QueryError",
]


class SearchkitError(Exception):
    """Base class: ``str(exc)`` is a complete one-line message for the user."""


class IndexNotFoundError(SearchkitError):
    """No index at the given location."""


class IndexVersionError(SearchkitError):
    """The index was written by an incompatible searchkit; it must be rebuilt."""


class IndexLockedError(SearchkitError):
    """Another process holds the index's write lock."""


class QueryError(SearchkitError):
    """The query cannot be run as written (e.g. an impossible date)."""
