"""Read tasks of a sharded build: files, and byte ranges of big dumps, read and parsed where the work runs.

A sharded run (:func:`searchkit.shards.build.build_sharded`) goes in two phases:

1. the coordinator walks the paths and looks at each file by its size,
   times and content hash only (:class:`ReadPlan`): which files are new or
   changed.  Those are cut into *read tasks*: groups of files of about
   ``task_bytes``, a JSON Lines or Reuters SGML file larger than that cut
   into byte ranges on record boundaries (:func:`split_ranges`), each range
   knowing the number of its first record, so records without an id get the
   ids a whole read gives (``<file>#<n>``);
2. each read task (:func:`read_task`: a Dask task, or a call) reads its
   files through the same pipeline as a one-process run
   (:func:`searchkit.ingest.pipeline.read_items`), derives each document's
   fields but its cluster (:func:`searchkit.derived.derive_fields`), makes
   its MinHash signature (:mod:`searchkit.dedup`), writes the fields to a
   spool file in the index folder, and returns small things only: per
   document its id, size, spool reference and signature; the records it
   skipped, unreadable dates and notices as they are.

The coordinator then replays the run in document order -- exactly the
order, and the code, of a one-process run (:func:`searchkit.ingest.run.index_paths`
with this plan as its ``reading``): id conflicts, cluster labels from the
signatures, the summary's counts, skip reasons and warnings.  Documents go
to their shards as references into the read spools; each shard job loads
them from there (:func:`searchkit.shards.build.write_shard`).

A file whose ids would come out differently than planned (its base id
taken, during the run, by a record of an earlier file) is read again by the
coordinator itself, so ids never depend on how the work was cut.
"""

from __future__ import annotations

import io
import os
import pickle
import time
import zlib
from pathlib import Path
from typing import Any, NamedTuple

from .. import settings
from ..ingest.pipeline import ReadFailed, read_items, sources
from ..ingest.run import LocalReading, document_fields, file_stat

__all__ = ["SpooledDocument", "ReadPlan", "read_task", "split_ranges", "load_fields", "FieldsLoader",
           "MIN_TASK_BYTES",
           "MAX_TASK_BYTES"]

#: Bounds of the automatic read task size (the run's bytes / :data:`TASKS_PER_RUN`).
MIN_TASK_BYTES = 1 << 20
MAX_TASK_BYTES = 16 << 20
TASKS_PER_RUN = 16


class SpooledDocument(NamedTuple):
    """A document a read task wrote to its spool: what the coordinator needs of it."""

    id: str
    path: str | None
    #: Characters of its body (what the batching of a run counts).
    chars: int
    #: (spool file name, byte offset) of its pickled fields.
    ref: tuple[str, int]
    #: Its MinHash signature (bytes of uint16), or None (no words, or no clustering).
    signature: bytes | None
    #: The digest of its fields (:func:`searchkit.ingest.incremental.record_digest`): a record
    #: the index already holds as it is is not written again.
    record: str | None = None


# --- cutting big dumps into byte ranges ------------------------------------------

def _kind(path: Path) -> str | None:
    """``jsonl`` or ``sgml`` for an uncompressed file that can be cut into ranges, else None."""
    from ..readers import JSONL, SGML, format_of

    if path.suffix.lower() == ".gz":
        return None
    kind = format_of(path)
    if kind not in (JSONL, SGML):
        return None
    try:
        with open(path, "rb") as handle:
            if handle.read(2) == b"\x1f\x8b":
                return None  # gzip data: read as one stream
    except OSError:
        return None
    return kind


def split_ranges(path: Path, range_bytes: int) -> list[tuple[int, int, int]] | None:
    """``[(start, end, first record number), ...]``: ``path`` cut into byte ranges of about
    ``range_bytes``, or None when it is not cut (smaller, compressed, not JSON Lines or SGML,
    no records).

    JSON Lines is cut after a newline (the number is the line's, as a whole
    read counts them); SGML between two ``<REUTERS>`` records as the reader
    finds them (:data:`searchkit.readers.sgml.RECORD`), so each range holds
    whole records and a record's number is its place in the file.  Raises
    ``OSError`` when the file cannot be read (the caller reads it whole and
    reports why).
    """
    kind = _kind(path)
    if kind is None:
        return None
    size = path.stat().st_size
    if size <= range_bytes * 3 // 2:
        return None
    if kind == "sgml":
        return _split_sgml(path, size, range_bytes)
    return _split_jsonl(path, size, range_bytes)


#: A whole read judges a file by its first bytes (binary or text): the first range holds them all.
HEAD_BYTES = 8192 + 3


def _split_jsonl(path: Path, size: int, range_bytes: int) -> list[tuple[int, int, int]] | None:
    cuts = [(0, 1)]
    target = max(range_bytes, HEAD_BYTES)
    offset = lines = 0
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(1 << 20)
            if not chunk:
                break
            at = 0
            while True:
                want = max(target - offset, at)
                if want >= len(chunk):
                    break
                found = chunk.find(b"\n", want)
                if found < 0:
                    break
                cut = offset + found + 1
                if cut < size:
                    cuts.append((cut, lines + chunk.count(b"\n", 0, found + 1) + 1))
                target = cut + range_bytes
                at = found + 1
            lines += chunk.count(b"\n")
            offset += len(chunk)
    if len(cuts) < 2:
        return None
    ends = [start for start, _ in cuts[1:]] + [offset]
    return [(start, end, number) for (start, number), end in zip(cuts, ends)]


def _split_sgml(path: Path, size: int, range_bytes: int) -> list[tuple[int, int, int]] | None:
    from ..readers import MAX_FILE_BYTES
    from ..readers.encoding import looks_binary
    from ..readers.sgml import RECORD

    if size > MAX_FILE_BYTES:
        return None  # a whole read skips it: so does this run
    raw = path.read_bytes()
    if looks_binary(raw[:8192]):
        return None
    ranges = []
    start, number, count = 0, 1, 0
    for count, match in enumerate(RECORD.finditer(raw), 1):
        end = match.end()
        if end - start >= (range_bytes if start else max(range_bytes, HEAD_BYTES)) and end < len(raw):
            ranges.append((start, end, number))
            start, number = end, count + 1
    if not ranges:
        return None
    if number > count:  # no record after the last cut: the last range runs to the end
        first, _, first_number = ranges.pop()
        ranges.append((first, len(raw), first_number))
        if len(ranges) < 2:
            return None
    else:
        ranges.append((start, len(raw), number))
    return ranges


class _Window(io.RawIOBase):
    """The next ``length`` bytes of an open file, as a stream."""

    def __init__(self, handle, length: int):
        self._handle = handle
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self._left)
        if n <= 0:
            return 0
        data = self._handle.read(n)
        buffer[:len(data)] = data
        self._left -= len(data)
        return len(data)


def _range_items(path: Path, rel: str, start: int, end: int, number: int, display: str | None = None):
    """The items of one byte range (see :func:`split_ranges`), as :func:`read_items` gives a whole file's
    (``display``: the path documents name, default ``path``'s)."""
    from ..readers import JSONL, SkipFile, _read_error, _read_jsonl, _read_sgml, format_of

    display = path.as_posix() if display is None else display
    try:
        try:
            handle = open(path, "rb")
        except OSError as exc:
            raise SkipFile(f"cannot read: {exc.strerror or exc}") from None
        with handle:
            handle.seek(start)
            if format_of(path) == JSONL:
                stream = io.BufferedReader(_Window(handle, end - start), 1 << 20)
                try:
                    yield from _read_jsonl(stream, rel, display, first=number, whole=False)
                except (OSError, EOFError, zlib.error) as exc:
                    raise _read_error(exc, stream) from None
            else:
                yield from _read_sgml(handle.read(end - start), rel, display, first=number)
    except SkipFile as exc:
        yield ReadFailed(str(exc))
    except Exception as exc:  # a reader bug must not lose the whole run (as read_items)
        yield ReadFailed(f"could not be parsed ({type(exc).__name__}: {str(exc)[:100]})")


# --- the read task ------------------------------------------------------------------

def read_task(task: dict[str, Any]) -> dict[str, Any]:
    """Read, parse and spool some files or byte ranges; the body of a read task (a Dask task, or a call).

    ``task``: ``spool`` (the file to write, in the index folder: every
    worker must reach it), ``cwd`` (the coordinator's folder: relative paths
    are opened from there), ``threshold`` (similarity of copies; None: no
    signatures), ``roots``, ``source``, ``tags`` (the run's, see
    :func:`searchkit.derived.run_defaults`), and ``parts``: each
    ``{"path", "rel" (the base id), "file_key", "digest"}``, with ``range``
    ``(start, end, first record number)`` for a byte range.  Runs again from
    the start when retried.  Returns ``{"parts": [{"items": [...],
    "unlisted": n}, ...], "documents", "seconds", "worker"}``: per part its
    items in file order (:class:`SpooledDocument` for a document, the
    reader's ``RecordError``/``BadDate``/``Notice``/``ReadFailed`` as they
    are), ``unlisted`` the bad JSON Lines lines of a range beyond the first
    hundred (counted, not listed).
    """
    from ..derived import derive_fields
    from ..document import Document
    from ..ingest.incremental import stamp_record
    from ..readers import MAX_LISTED_BAD_LINES, RecordError
    from .build import fault_point

    started = time.perf_counter()
    fault_point("SEARCHKIT_TEST_KILL_READ_TASK")  # tests of killed workers only
    dedup = None
    if task.get("threshold") is not None:
        from ..dedup import Deduplicator

        dedup = Deduplicator(task["threshold"])
    roots, source, tags = task.get("roots") or [], task.get("source"), task.get("tags") or []
    spool = Path(task["spool"])
    name = spool.name
    results = []
    documents = 0
    with open(spool, "wb") as out:
        for part in task["parts"]:
            given, rel, file_key, digest = Path(part["path"]), part["rel"], part["file_key"], part["digest"]
            # a path as the user gave it, relative to the coordinator's folder: opened from there
            path = given if given.is_absolute() or not task.get("cwd") else Path(task["cwd"]) / given
            ranged = part.get("range")
            items = _range_items(path, rel, *ranged, display=given.as_posix()) if ranged else read_items(path, rel)
            capped = bool(ranged) and part.get("kind") == "jsonl"  # bad lines: _merge lists the file's first
            kept: list = []
            listed = unlisted = 0
            for item in items:
                if capped and isinstance(item, RecordError):
                    listed += 1
                    if listed > MAX_LISTED_BAD_LINES:
                        unlisted += 1
                        continue
                if not isinstance(item, Document):
                    kept.append(item)
                    continue
                if path is not given and item.path == path.as_posix():
                    item.path = given.as_posix()  # named as a one-process run names it
                fields = derive_fields(document_fields(item, file_key, digest), roots, source, tags)
                record = stamp_record(fields)
                signature = dedup.signature(fields.get("body") or "") if dedup is not None else None
                offset = out.tell()
                pickle.dump(fields, out, protocol=pickle.HIGHEST_PROTOCOL)
                kept.append(SpooledDocument(item.id, item.path, len(item.body or ""), (name, offset),
                                            None if signature is None else signature.tobytes(), record))
                documents += 1
            results.append({"items": kept, "unlisted": unlisted})
    return {"parts": results, "documents": documents, "seconds": time.perf_counter() - started,
            "worker": os.getpid(), "files": len(task["parts"])}


class FieldsLoader:
    """Loads documents' fields from read spools by :attr:`SpooledDocument.ref` (files kept open)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._files: dict[str, Any] = {}

    def load(self, ref: tuple[str, int]) -> dict[str, Any]:
        name, offset = ref
        handle = self._files.get(name)
        if handle is None:
            handle = self._files[name] = open(self.folder / name, "rb")
        handle.seek(offset)
        return pickle.load(handle)

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()
        self._files.clear()


def load_fields(loader: FieldsLoader, value: dict[str, Any]) -> dict[str, Any]:
    """A spooled operation's document: the fields its read task wrote, with the coordinator's
    (``cluster``, ``minhash``) over them."""
    value = dict(value)
    fields = loader.load(value.pop("_ref"))
    fields.update(value)
    return fields


# --- the coordinator's plan -----------------------------------------------------------

class _Entry(NamedTuple):
    base: str
    digest: str
    #: (task number, part number) of each part of the file, in order.
    parts: list[tuple[int, int]]
    #: ``jsonl`` or ``sgml`` for a file read in byte ranges, else None.
    ranged: str | None


class ReadPlan(LocalReading):
    """The reading of one sharded run (see the module docstring), for
    :func:`searchkit.ingest.run.index_paths`'s ``reading``.

    Made by the coordinator: walks ``paths`` and looks at every file (size,
    times, content hash) once, now.  :meth:`tasks` gives the read tasks to
    run; :meth:`start` takes a ``submit(tasks) -> [handle]`` (each handle's
    ``result()`` gives :func:`read_task`'s result, raising on failure).
    ``wait_seconds`` is then the time the replay spent waiting for them.
    """

    def __init__(self, spool: Path, paths, existing, owners, *, stats=None, threshold=None, roots=(),
                 source=None, tags=(), task_bytes: int | None = None):
        from ..ingest.incremental import base_id
        from ..ingest.walk import id_anchor

        self.spool = Path(spool)
        self._common = {"threshold": threshold, "roots": list(roots), "source": source, "tags": list(tags),
                        "cwd": os.getcwd()}
        stats = stats or {}
        anchor = id_anchor(list(paths))
        self._walks: list[list] = []
        self._facts: dict[str, tuple] = {}
        wanted = []
        for root in paths:
            found = list(sources(Path(root), anchor))
            self._walks.append(found)
            for source_file in found:
                if source_file.skip:
                    continue
                file_key = Path(os.path.abspath(source_file.path)).as_posix()
                if file_key in self._facts:
                    continue
                reason, figures = file_stat(source_file.path)
                old_hash = existing.get(file_key, (None, set()))[0]
                if reason is None and old_hash is not None and figures is not None and stats.get(file_key) == figures:
                    self._facts[file_key] = ((reason, figures), None)  # as when last read: not even hashed
                    continue
                digest = LocalReading.digest(self, source_file.path, file_key) if reason is None else None
                self._facts[file_key] = ((reason, figures), digest)
                if digest is None or digest[0] is not None or digest[1] == old_hash:
                    continue
                wanted.append((source_file.path, base_id(source_file.rel, file_key, existing, owners), file_key,
                               digest[1], figures[0] if figures else 0))
        total = sum(size for *_, size in wanted)
        if task_bytes is None:
            task_bytes = settings.get("SEARCHKIT_READ_TASK_BYTES") or \
                min(MAX_TASK_BYTES, max(MIN_TASK_BYTES, total // TASKS_PER_RUN))
        self.task_bytes = task_bytes
        self._tasks: list[dict[str, Any]] = []
        self._entries: dict[str, _Entry] = {}
        current: list[dict] = []
        current_bytes = 0

        def close_task() -> None:
            nonlocal current, current_bytes
            if current:
                number = len(self._tasks)
                self._tasks.append({**self._common, "spool": str(self.spool / f"read-{number:05d}.docs"),
                                    "parts": current})
                current, current_bytes = [], 0

        for path, base, file_key, digest, size in wanted:
            part = {"path": str(path), "rel": base, "file_key": file_key, "digest": digest}
            try:
                ranges = split_ranges(Path(path), task_bytes)
            except OSError:
                ranges = None
            places = []
            for piece in ranges or [None]:
                if piece is not None:
                    close_task()  # a range is a task of its own
                current.append(part if piece is None else {**part, "range": piece, "kind": _kind(Path(path))})
                places.append((len(self._tasks), len(current) - 1))
                current_bytes += size if piece is None else piece[1] - piece[0]
                if current_bytes >= task_bytes or piece is not None:
                    close_task()
            self._entries[file_key] = _Entry(base, digest, places, _kind(Path(path)) if ranges else None)
        close_task()
        self._handles: list = []
        self._results: dict[int, dict] = {}
        self._next_walk = 0
        self._local = 0
        self.wait_seconds = 0.0
        self.read_results: list[dict[str, Any]] = []

    def tasks(self) -> list[dict[str, Any]]:
        return self._tasks

    def start(self, submit) -> None:
        """Hand the read tasks to ``submit`` (see the class docstring)."""
        self._handles = list(submit(self._tasks)) if self._tasks else []

    # -- LocalReading's questions, answered from the plan --

    def sources(self, root: Path, anchor) -> list:
        found = self._walks[self._next_walk]
        self._next_walk += 1
        return found

    def stat(self, path: Path, file_key: str):
        facts = self._facts.get(file_key)
        return facts[0] if facts else file_stat(path)

    def digest(self, path: Path, file_key: str):
        facts = self._facts.get(file_key)
        if facts is None or facts[1] is None:  # not hashed by the plan (its stat said unchanged)
            return LocalReading.digest(self, path, file_key)
        return facts[1]

    def items(self, path: Path, rel: str, file_key: str, digest: str):
        entry = self._entries.pop(file_key, None)
        if entry is None or entry.base != rel or entry.digest != digest:
            return self._read_here(path, rel, file_key, digest)
        parts = [self._part(task, number) for task, number in entry.parts]
        return _merge(parts, rel, entry.ranged == "jsonl") if entry.ranged else parts[0]["items"]

    def fields(self, doc: Any, file_key: str, digest: str) -> dict[str, Any]:
        return {"id": doc.id, "_ref": doc.ref, "_signature": doc.signature, "_record": doc.record}

    def _part(self, task: int, number: int) -> dict[str, Any]:
        result = self._results.get(task)
        if result is None:
            started = time.perf_counter()
            result = self._results[task] = self._handles[task].result()
            self.wait_seconds += time.perf_counter() - started
            self.read_results.append({key: result[key] for key in ("documents", "seconds", "worker", "files")})
        part = result["parts"][number]
        result["parts"][number] = None  # replayed once: memory goes with it
        if all(p is None for p in result["parts"]):
            self._results[task] = {"parts": []}
        return part

    def _read_here(self, path: Path, rel: str, file_key: str, digest: str):
        """Read one file in this process (its ids came out other than planned)."""
        self._local += 1
        task = {**self._common, "spool": str(self.spool / f"read-here-{self._local:05d}.docs"),
                "parts": [{"path": str(path), "rel": rel, "file_key": file_key, "digest": digest}]}
        return read_task(task)["parts"][0]["items"]


def _merge(parts: list[dict[str, Any]], rel: str, jsonl: bool) -> list:
    """A ranged file's items, as one whole read gives them: up to the first failure; for JSON
    Lines, the first hundred bad lines listed and the rest counted, and a file without a
    line of content a failure ("empty file")."""
    from ..readers import MAX_LISTED_BAD_LINES, RecordError

    out: list = []
    bad = 0
    content = False
    for part in parts:
        for item in part["items"]:
            if isinstance(item, ReadFailed):
                out.append(item)
                return out
            content = True
            if jsonl and isinstance(item, RecordError):
                bad += 1
                if bad > MAX_LISTED_BAD_LINES:
                    continue
            out.append(item)
        bad += part["unlisted"]
        content = content or part["unlisted"] > 0
    if jsonl and not content:
        out.append(ReadFailed("empty file"))
    elif jsonl and bad > MAX_LISTED_BAD_LINES:
        out.append(RecordError(rel, f"{bad - MAX_LISTED_BAD_LINES} more bad lines (not listed one by one)"))
    return out
