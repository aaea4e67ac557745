"""The one read-and-classify pipeline: from the paths a user gives to documents, and reasons for the rest.

``searchkit extract`` (:func:`searchkit.ingest.extract.extract`) and ``searchkit
index`` (:func:`searchkit.ingest.run.index_paths`) both go through it:

1. :func:`sources` walks a root (:func:`~.walk.walk_sources`) and classifies
   each file found: readable, or a one-line reason it is not (an unreadable
   folder, a symlink loop, an unsupported suffix...), or a searchkit index
   folder, never entered;
2. :func:`read_items` reads one file: its documents, and the records it could
   not read, as items; a file that cannot be read to the end gives a last
   :class:`ReadFailed` item instead of raising.

What each consumer does with the items differs only in what it keeps: extract
prints them, index writes them (incrementally, see :mod:`.incremental`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .walk import INDEX_FOLDER_SKIP, SourceFile, walk_sources

if TYPE_CHECKING:
    from ..document import Document
    from ..readers import BadDate, Notice, RecordError

__all__ = ["sources", "read_items", "ReadFailed", "UNSUPPORTED", "INDEX_FOLDER_SKIP"]

#: The reason given for a file whose suffix no reader takes.
UNSUPPORTED = "unsupported file type"


class ReadFailed(NamedTuple):
    """Reading a file stopped: ``reason`` is one line (items before it were read)."""

    reason: str


def sources(root: Path, anchor: Path | None = None) -> Iterator[SourceFile]:
    """The files under ``root`` (see :func:`~.walk.walk_sources`), each with ``skip`` set when it cannot be read.

    ``skip`` is :data:`INDEX_FOLDER_SKIP` for a searchkit index folder (not a
    failure: neither read nor counted), else a one-line reason to report,
    :data:`UNSUPPORTED` for a suffix no reader takes.
    """
    from ..readers import format_of

    for source in walk_sources(root, anchor):
        if not source.skip and format_of(source.path) is None:
            source = SourceFile(source.path, source.rel, UNSUPPORTED)
        yield source


def read_items(path: Path, rel: str) -> Iterator[Document | RecordError | BadDate | Notice | ReadFailed]:
    """The items :func:`searchkit.readers.read_file` gives for ``path`` (ids based on ``rel``), in order.

    A file that cannot be read (or be read to the end) ends with a
    :class:`ReadFailed` -- a reader's own reason, or for a reader's bug
    ``could not be parsed (TypeError: ...)``: one bad file never ends a run.
    """
    from ..readers import SkipFile, read_file

    try:
        yield from read_file(path, rel)
    except SkipFile as exc:
        yield ReadFailed(str(exc))
    except Exception as exc:  # a reader bug must not lose the whole run
        yield ReadFailed(f"could not be parsed ({type(exc).__name__}: {str(exc)[:100]})")
