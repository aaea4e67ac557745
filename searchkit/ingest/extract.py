"""Extraction without an index: what ``searchkit extract`` prints (``searchkit.extract``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ..document import Document
from ..readers import BadDate, Notice, RecordError
from .pipeline import INDEX_FOLDER_SKIP, ReadFailed, read_items, sources
from .walk import id_anchor

__all__ = ["extract", "Skipped"]


class Skipped(tuple):
    """``(where, reason)`` for a file or record that could not be extracted."""

    @property
    def where(self) -> str:
        return self[0]

    @property
    def reason(self) -> str:
        return self[1]


def extract(*paths: str | os.PathLike[str], notices: bool = False) -> Iterator[Document | Skipped]:
    """Yield each document exactly as ``Index.add`` would index it, or a :class:`Skipped`.

    ``notices=True`` also yields :class:`~searchkit.readers.Notice` items (a
    document indexed only in part, such as a huge text cut short, or a date
    that could not be read: a ``Notice`` whose message starts ``unreadable date``).
    Ids are made as ``Index.add`` makes them for a fresh index (relative to the
    common parent of several paths).
    """
    anchor = id_anchor([Path(p) for p in paths if os.path.lexists(p)])
    for root in paths:
        root = Path(root)
        if not os.path.lexists(root):
            yield Skipped((str(root), "no such file or directory"))
            continue
        for source in sources(root, anchor):
            if source.skip == INDEX_FOLDER_SKIP:
                continue
            if source.skip:
                yield Skipped((source.rel, source.skip))
                continue
            for item in read_items(source.path, source.rel):
                if isinstance(item, ReadFailed):
                    yield Skipped((source.rel, item.reason))
                elif isinstance(item, RecordError):
                    yield Skipped((item.where, item.reason))
                elif isinstance(item, BadDate):
                    if notices:
                        yield Notice(item.where, f"unreadable date {item.value!r}: indexed without a date")
                elif isinstance(item, Notice):
                    if notices:
                        yield item
                else:
                    yield item
