"""Finding the files to index under the paths a user gives."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SourceFile", "walk_sources", "is_index_folder", "id_anchor", "INDEX_FOLDER_SKIP"]

#: The reason given for a folder that holds a searchkit index.
INDEX_FOLDER_SKIP = "a searchkit index folder, not articles (never indexed)"


def is_index_folder(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` holds a searchkit index (its ``searchkit.json`` beside
    Whoosh's table of contents or searchkit's lock file).

    A folder of articles that happens to hold a file named ``searchkit.json``
    is not mistaken for an index: the second file is required too.
    """
    try:
        if not os.path.isfile(os.path.join(folder, "searchkit.json")):
            return False
        if os.path.exists(os.path.join(folder, "searchkit.lock")):
            return True
        with os.scandir(folder) as entries:
            return any(e.name.startswith("_MAIN_") and e.name.endswith(".toc") for e in entries)
    except OSError:
        return False


def id_anchor(roots: list[Path]) -> Path | None:
    """The folder that ids are made relative to when several roots are indexed together.

    One root: None (ids are relative to the root itself, or the file's name for
    a file).  Several: the common parent of the folders given (a file counts as
    its folder), so ``bbc/business bbc/sport`` give ``business/001.txt`` and
    ``sport/001.txt``.  Paths are made absolute, not resolved: a symlinked
    folder gives ids under its link name.
    """
    folders = []
    for root in roots:
        absolute = os.path.abspath(root)
        folders.append(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
    if len(set(os.path.abspath(r) for r in roots)) < 2:
        return None
    try:
        return Path(os.path.commonpath(folders))
    except ValueError:  # different drives
        return None


@dataclass(frozen=True)
class SourceFile:
    """A file found under a root: ``path`` on disk and ``rel`` its id base (posix).

    ``skip`` is set (to a one-line reason) for an entry that cannot be
    indexed as found: an unreadable folder (whose indexed documents must be
    kept, not removed as gone), a symlink loop, a file name that is not text.
    """

    path: Path
    rel: str
    skip: str | None = None


def _bad_name(name: str) -> bool:
    """True for a name holding bytes that are not UTF-8 (decoded as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _contains(link: str, folder: Path) -> bool:
    """True when the folder ``link`` leads to is ``folder`` or one of its ancestors."""
    try:
        target = os.path.realpath(link)
        here = os.path.realpath(folder)
    except (OSError, ValueError):
        return False
    return here == target or here.startswith(target.rstrip(os.sep) + os.sep)


def walk_sources(root: Path, anchor: Path | None = None) -> Iterator[SourceFile]:
    """Yield the files under ``root`` (or ``root`` itself when it is a file), sorted.

    ``rel`` is the path relative to ``root`` (a file root: its name), or to
    ``anchor`` when given (see :func:`id_anchor`).  A folder holding a searchkit
    index is never entered: it is yielded with ``skip`` set.

    Hidden files and folders are passed over.  Symlinked folders are followed,
    but each real folder is visited once, and a link to a folder that contains
    it (a loop, such as a link to its own parent) is reported, not followed.
    Dangling links are yielded so that the caller counts them as skipped;
    unreadable folders and undecodable names are yielded with ``skip`` set.
    """
    try:
        is_dir = root.is_dir()
    except OSError:
        is_dir = False
    base = ""
    if anchor is not None:
        base = Path(os.path.relpath(os.path.abspath(root), anchor)).as_posix()
        base = "" if base == "." else base
    if not is_dir:
        name = base or root.name
        if _bad_name(str(root)):
            yield SourceFile(root, name, "file name is not valid UTF-8 (rename the file to index it)")
        else:
            yield SourceFile(root, name)
        return
    seen: set[tuple[int, int]] = set()

    def visit(folder: Path, rel: str, ancestors: frozenset[tuple[int, int]]) -> Iterator[SourceFile]:
        try:
            info = folder.stat()
        except OSError as exc:
            yield SourceFile(folder, rel or folder.name, f"cannot read folder: {exc.strerror or exc}")
            return
        key = (info.st_dev, info.st_ino)
        if key in ancestors:
            yield SourceFile(folder, rel, "symlink loop: the link points to a folder that contains it")
            return
        if key in seen:
            yield SourceFile(folder, rel, "symlink to a folder that is already indexed through another path")
            return
        seen.add(key)
        try:
            with os.scandir(folder) as entries:
                items = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            yield SourceFile(folder, rel or folder.name, f"cannot read folder: {exc.strerror or exc}")
            return
        inside = ancestors | {key}
        for entry in items:
            if entry.name.startswith("."):
                continue
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            if _bad_name(entry.name):
                yield SourceFile(Path(entry.path), child_rel,
                                 "file name is not valid UTF-8 (rename the file to index it)")
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir and entry.is_symlink() and _contains(entry.path, folder):
                yield SourceFile(Path(entry.path), child_rel,
                                 "symlink loop: the link points to a folder that contains it")
            elif is_dir and is_index_folder(entry.path):
                yield SourceFile(Path(entry.path), child_rel, INDEX_FOLDER_SKIP)
            elif is_dir:
                yield from visit(Path(entry.path), child_rel, inside)
            else:
                yield SourceFile(Path(entry.path), child_rel)

    if _bad_name(str(root)):
        yield SourceFile(root, root.name, "folder name is not valid UTF-8 (rename it to index it)")
        return
    if is_index_folder(root):
        yield SourceFile(root, base or root.name, INDEX_FOLDER_SKIP)
        return
    yield from visit(root, base, frozenset())
