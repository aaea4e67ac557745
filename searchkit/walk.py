"""Finding the files to index under the paths a user gives."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SourceFile", "walk_sources"]


@dataclass(frozen=True)
class SourceFile:
    """A file found under a root: ``path`` on disk and ``rel`` its id base (posix)."""

    path: Path
    rel: str


def walk_sources(root: Path) -> Iterator[SourceFile]:
    """Yield the files under ``root`` (or ``root`` itself when it is a file), sorted.

    Hidden files and folders are passed over; symlinked folders are followed
    but each real folder is visited once, so a link to a parent cannot loop.
    Dangling links and unreadable folders are yielded/ignored for the caller
    to report (a dangling link is yielded so that it is counted as skipped).
    """
    if not root.is_dir():
        yield SourceFile(root, root.name)
        return
    seen: set[tuple[int, int]] = set()

    def visit(folder: Path, rel: str) -> Iterator[SourceFile]:
        try:
            info = folder.stat()
        except OSError:
            return
        key = (info.st_dev, info.st_ino)
        if key in seen:
            return
        seen.add(key)
        try:
            with os.scandir(folder) as entries:
                items = sorted(entries, key=lambda e: e.name)
        except OSError:
            return
        for entry in items:
            if entry.name.startswith("."):
                continue
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                yield from visit(Path(entry.path), child_rel)
            else:
                yield SourceFile(Path(entry.path), child_rel)

    yield from visit(root, "")
