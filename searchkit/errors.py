"""Errors searchkit reports to users as one line (never a traceback)."""

from __future__ import annotations

__all__ = [
    "SearchkitError",
    "IndexNotFoundError",
    "IndexVersionError",
    "IndexLockedError",
    "QueryError",
    "rebuild_hint",
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


def rebuild_hint(path, *, sharded: bool = False) -> str:
    """How to rebuild the index at ``path``, for the end of an :class:`IndexVersionError`'s message:
    the command (the sources must be named again) and, for an index of one folder, the library call."""
    from shlex import quote

    command = f"rebuild with --rebuild: searchkit index PATH... --index {quote(str(path))} --rebuild"
    if sharded:
        return command
    return f"{command} (in Python: searchkit.Index.recreate({str(path)!r}).add(PATH, ...))"
