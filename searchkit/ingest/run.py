"""One indexing run: the files under some paths into a writer, incrementally (committed by the caller)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..schema import NO_DATE
from .incremental import base_id, under
from .pipeline import INDEX_FOLDER_SKIP, UNSUPPORTED, ReadFailed, read_items, sources

if TYPE_CHECKING:
    from ..document import Document

# The readers and date parsing are imported when a run needs them: a query needs neither.

__all__ = ["IndexSummary", "index_paths", "document_fields", "Progress", "base_id", "LocalReading", "file_stat",
           "item_chars"]

#: ``progress(done, total, path)`` is called after each file (``done`` files of
#: ``total``), and every 500 records while a dump (JSON Lines, SGML, a JSON list)
#: is read, with ``path`` then ``"<path>: <n> records"``.
Progress = Callable[[int, int, str], None]


@dataclass
class IndexSummary:
    """What one ``add`` run did.  Counts are documents except ``skipped`` (files and bad records)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0
    files: int = 0
    skipped_files: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: Records not indexed because another source already gave their id:
    #: ``(id, source kept, source skipped)``.
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)
    #: Documents whose date could not be read (indexed without a date).
    bad_dates: int = 0
    #: The first few of them: ``(where, the date as written)``.
    bad_date_examples: list[tuple[str, str]] = field(default_factory=list)
    #: Things passed over on purpose, not failures (a searchkit index folder).
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "skipped": self.skipped,
            "files": self.files,
            "skipped_files": [{"path": p, "reason": r} for p, r in self.skipped_files],
            "conflicts": len(self.conflicts),
            "conflict_list": [{"id": i, "kept": k, "skipped": s} for i, k, s in self.conflicts],
            "bad_dates": self.bad_dates,
            "bad_date_examples": [{"where": w, "date": d} for w, d in self.bad_date_examples],
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }

    def __str__(self) -> str:
        text = (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"removed {self.removed}, skipped {self.skipped}"
        )
        if self.conflicts:
            text += f", conflicts {len(self.conflicts)}"
        if self.bad_dates:
            text += f", unreadable dates {self.bad_dates}"
        return text


def document_fields(doc: Document, file_key: str, digest: str) -> dict[str, Any]:
    """The Whoosh fields for ``doc`` (see :func:`searchkit.schema.make_schema`)."""
    fields: dict[str, Any] = {
        "id": doc.id,
        "path": doc.path or "",
        "file": file_key,
        "hash": digest,
        "title": doc.title or "",
        "body": doc.body or "",
        "tag_list": list(doc.tags),
        "date_iso": doc.date,
        "date": NO_DATE,
    }
    if doc.tags:
        fields["tags"] = "\n".join(doc.tags)
    for name in ("author", "source", "dateline"):
        value = getattr(doc, name)
        if value:
            fields[name] = value
    if doc.url:
        fields["url"] = doc.url
    if doc.date:
        from ..dates import to_datetime

        try:
            fields["date"] = to_datetime(doc.date)
        except ValueError:
            fields["date_iso"] = None
    return fields


def file_stat(path: Path) -> tuple[str | None, tuple[int, int, int] | None]:
    """``(reason to skip, None)``, or ``(None, (size, mtime_ns, ctime_ns))`` -- figures None when the
    file cannot be looked at (its read then says why)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return ("dangling link" if path.is_symlink() else "file vanished"), None
    except OSError:
        return None, None
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file", None
    return None, (info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def item_chars(item: Any) -> int:
    """What an item counts towards a batch of :data:`BATCH_CHARS` (its text, plus 200)."""
    chars = getattr(item, "chars", None)
    return (chars if chars is not None else len(getattr(item, "body", "") or "")) + 200


class LocalReading:
    """How :func:`index_paths` walks, looks at and reads files: here, in this process, when asked.

    The sharded build gives its own (:class:`searchkit.shards.reading.ReadPlan`):
    the same answers, worked out beforehand by read tasks.
    """

    def sources(self, root: Path, anchor: Path | None) -> list:
        return list(sources(root, anchor))

    def stat(self, path: Path, file_key: str) -> tuple[str | None, tuple[int, int, int] | None]:
        return file_stat(path)

    def digest(self, path: Path, file_key: str) -> tuple[str | None, str | None]:
        """``(reason to skip, None)`` or ``(None, content hash)``."""
        from ..readers import SkipFile, file_digest

        try:
            return None, file_digest(path)  # streamed: a 500 MB file is not held in memory to be hashed
        except SkipFile as exc:
            return str(exc), None

    def items(self, path: Path, rel: str, file_key: str, digest: str):
        return read_items(path, rel)

    def fields(self, doc: Any, file_key: str, digest: str) -> dict[str, Any]:
        return document_fields(doc, file_key, digest)


def index_paths(
    writer,
    existing: dict[str, tuple[str, set[str]]],
    owners: dict[str, str],
    paths: list[Path],
    progress: Progress | None = None,
    stats: dict[str, tuple[int, int, int]] | None = None,
    *,
    reading: LocalReading | None = None,
) -> IndexSummary:
    """Add ``paths`` through ``writer`` (not committed here).

    ``existing`` maps each indexed source file to (content hash, its document
    ids); ``owners`` maps every id in the index to its source file.  An id
    belongs to the first file that gave it: another file giving the same id
    is skipped for that record, with a warning (no duplicates, ever).  Files whose hash did not
    change are not read further; documents of files that disappeared from
    under a root are deleted.  A file that cannot be read this time keeps the
    documents it had.

    ``stats`` maps source files to the ``(size, mtime_ns, ctime_ns)`` they had
    when last read (see :mod:`.incremental`): a file whose size and times are
    unchanged is not even hashed.  It is updated in place: files read or
    hashed this run get their new figures, files gone or failed lose theirs.

    ``reading`` (default :class:`LocalReading`) walks, looks at and reads the
    files; whatever it is, documents reach ``writer`` in the same order: file
    by file as walked, records in file order.  When done, the writer's
    ``end_of_documents()`` is called if it has one
    (:meth:`searchkit.derived.DerivedFieldsWriter.end_of_documents`: its
    near-duplicate store is freed before the caller commits).
    """
    from .walk import id_anchor

    reading = LocalReading() if reading is None else reading
    summary = IndexSummary()
    stats = {} if stats is None else stats
    written: set[str] = set()
    anchor = id_anchor(paths)
    walks = [(root, reading.sources(Path(root), anchor)) for root in paths]
    # Files that are gone: their ids are free for the files that give them now (a dump renamed
    # or moved), not conflicts -- their documents would otherwise be removed with none to replace them.
    gone = set()
    for root, found in walks:
        gone |= set(_gone_files(existing, root, found))
    for root, found in walks:
        for number, source in enumerate(found, 1):
            file_key = Path(os.path.abspath(source.path)).as_posix()
            if source.skip == INDEX_FOLDER_SKIP:
                summary.notes.append(f"{source.rel}: {source.skip}")
                continue
            summary.files += 1
            if source.skip:
                _skip(summary, source.rel, source.skip)
            else:
                base = base_id(source.rel, file_key, existing, owners)
                report = None
                if progress:
                    def report(records: int, _n=number, _total=len(found), _rel=source.rel) -> None:
                        progress(_n - 1, _total, f"{_rel}: {records:,} records")
                _index_file(writer, source.path, base, file_key, existing, owners, written, summary, report,
                            stats=stats, reading=reading, gone=gone)
            if progress:
                progress(number, len(found), source.rel)
        for file_key in _gone_files(existing, root, found):
            for doc_id in existing[file_key][1]:
                if doc_id not in written and owners.get(doc_id) == file_key:
                    writer.delete_by_term("id", doc_id)
                    summary.removed += 1
                    del owners[doc_id]
            del existing[file_key]
            stats.pop(file_key, None)
    end = getattr(writer, "end_of_documents", None)
    if end is not None:
        end()
    return summary


def _gone_files(existing: dict, root, found: list) -> list[str]:
    """The indexed files under ``root`` its walk ``found`` no longer has: their documents are removed
    (but not those under a folder or of a file that could not be read this time, nor of an index
    folder passed over: kept as they were)."""
    root_key = Path(os.path.abspath(root)).as_posix()
    seen = {Path(os.path.abspath(source.path)).as_posix() for source in found}
    kept = [Path(os.path.abspath(source.path)).as_posix() for source in found
            if source.skip and source.skip != UNSUPPORTED]
    return [file_key for file_key in existing
            if under(file_key, root_key) and file_key not in seen and not any(under(file_key, k) for k in kept)]


def _skip(summary: IndexSummary, where: str, reason: str) -> None:
    summary.skipped += 1
    summary.skipped_files.append((where, reason))


#: Documents of one file are handed to the writer in batches of about this many
#: characters of text (or :data:`BATCH_DOCS` documents): memory is bounded by a
#: batch, not by the file.  A file whose documents fit in one batch is indexed
#: all or nothing, as before streaming: if it cannot be read to the end, it keeps
#: the documents it had.
BATCH_CHARS = 8_000_000
#: Unreadable dates listed by example in the summary.
MAX_DATE_EXAMPLES = 5
BATCH_DOCS = 2_000


#: A dump's progress is reported every this many records.
PROGRESS_RECORDS = 500


def _index_file(writer, path: Path, rel: str, file_key: str, existing, owners, written, summary,
                report: Callable[[int], None] | None = None, *, stats: dict | None = None,
                reading: LocalReading | None = None, gone: set[str] = frozenset()) -> None:
    stats = {} if stats is None else stats
    reading = LocalReading() if reading is None else reading
    reason, figures = reading.stat(path, file_key)
    if reason is not None:
        _skip(summary, rel, reason)
        return
    old_hash, old_ids = existing.get(file_key, (None, set()))
    if old_hash is not None and figures is not None and stats.get(file_key) == figures:
        summary.unchanged += len(old_ids)  # same size and time as when read: not even hashed
        return
    stats.pop(file_key, None)
    reason, digest = reading.digest(path, file_key)
    if reason is not None:
        _skip(summary, rel, reason)
        return
    if old_hash == digest:
        summary.unchanged += len(old_ids)
        if figures is not None:
            stats[file_key] = figures
        return
    new_ids: set[str] = set()
    batch: list = []
    size = 0
    flushed = False
    failure = None
    records = 0
    for item in reading.items(path, rel, file_key, digest):
        if isinstance(item, ReadFailed):
            failure = item.reason
            break
        if report is not None:
            records += 1
            if records % PROGRESS_RECORDS == 0:
                report(records)
        batch.append(item)
        size += item_chars(item)
        if size >= BATCH_CHARS or len(batch) >= BATCH_DOCS:
            _write_batch(writer, batch, rel, file_key, digest, existing, owners, written, new_ids, summary,
                         reading, gone)
            batch, size, flushed = [], 0, True
    if failure is not None and not flushed:
        _skip(summary, rel, failure)  # nothing written: the file keeps the documents it had
        return
    _write_batch(writer, batch, rel, file_key, digest, existing, owners, written, new_ids, summary,
                 reading, gone)
    if failure is not None:
        # Part of a big file was written before reading failed: those documents
        # stay (each is whole), the file's other documents are kept as they were.
        _skip(summary, rel, f"{failure} (after {len(new_ids):,} documents, which were indexed)")
        # no one version of the file is indexed now: no hash, so that the next run reads it again
        # (put back as it was, it would otherwise look unchanged and keep this version's records)
        existing[file_key] = ("", old_ids | new_ids)
        return
    for doc_id in old_ids - new_ids:
        if doc_id not in written:
            writer.delete_by_term("id", doc_id)
            summary.removed += 1
            owners.pop(doc_id, None)
    existing[file_key] = (digest, new_ids)
    if figures is not None:
        stats[file_key] = figures


def _write_batch(writer, batch, rel, file_key, digest, existing, owners, written, new_ids, summary,
                 reading: LocalReading | None = None, gone: set[str] = frozenset()) -> None:
    from ..readers import BadDate, Notice, RecordError

    for item in batch:
        if isinstance(item, RecordError):
            _skip(summary, item.where, item.reason)
            continue
        if isinstance(item, BadDate):
            summary.bad_dates += 1
            if len(summary.bad_date_examples) < MAX_DATE_EXAMPLES:
                summary.bad_date_examples.append((item.where, item.value))
            continue
        if isinstance(item, Notice):
            summary.warnings.append(f"{item.where}: {item.message}")
            continue
        doc = item
        owner = owners.get(doc.id)
        if doc.id in new_ids:
            summary.conflicts.append((doc.id, doc.path or rel, doc.path or rel))
            summary.warnings.append(f"{rel}: id {doc.id!r} occurs twice; the first record is kept")
            continue
        if doc.id in written or (owner is not None and owner != file_key and owner in existing
                                 and owner not in gone):
            summary.conflicts.append((doc.id, owner or "", doc.path or rel))
            summary.warnings.append(f"{rel}: id {doc.id!r} is already used by {owner}; record skipped")
            continue
        fields = document_fields(doc, file_key, digest) if reading is None else reading.fields(doc, file_key, digest)
        same = getattr(writer, "same_as_committed", None)
        if same is not None and same(fields, committed=(owner == file_key)):
            summary.unchanged += 1  # a record of a changed file that did not change: left as it is
        elif owner is not None:
            writer.update_document(**fields)
            summary.updated += 1
        else:
            writer.add_document(**fields)
            summary.added += 1
        owners[doc.id] = file_key
        new_ids.add(doc.id)
        written.add(doc.id)
    batch.clear()
