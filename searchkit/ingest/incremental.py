"""Incremental bookkeeping: which file gave which documents, and the ids a file's documents take.

An index remembers, per source file (its absolute posix path, the ``file``
column), the content hash it was read with and the ids it gave.  A re-run
reads a file again only when its hash changed, replaces its documents, and
removes those of files gone from under a root it was given.

The *file list* (:data:`FILE_LIST`, in the index folder) keeps the same, plus
each file's size and modification and change times when it was read, so that a
re-run stats files instead of reading the index's columns and hashing every
file: a content hash only when the size or a time changed (the change time
moves with a ``chmod`` too: a file made unreadable is tried, and reported).  It is written after each
run and names the index generation it describes; when that is not the
index's latest (a run killed between its commit and the list, a ``remove``),
the columns are read instead -- they are the truth, the list a shortcut.  A
time within :data:`RACY_SECONDS` of the list's writing is not kept (a file
changed again in the same clock tick would look unchanged): such a file is
hashed next time.

A changed file is read again, but only its records that changed are written:
each document's ``hash`` column holds the content hash of its file and, after
a space, the *record digest* of the fields it was written with
(:func:`record_digest`); a record whose digest is the committed document's
is left as it is (a JSON Lines dump that grew by ten records writes ten).
Documents written before the digest existed have the file hash alone, and are
rewritten once.  The file hash of a document left as it is stays the one it
was written with: the columns then disagree within a file, which only makes a
later run that has no file list read that file again (and write nothing).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

__all__ = ["source_table", "base_id", "under", "read_file_list", "write_file_list", "ids_from_file", "FILE_LIST",
           "record_digest", "stamp_record", "hash_value", "split_hash"]

#: The file list, beside the index's own files.
FILE_LIST = "files.json"
FILE_LIST_VERSION = 1
#: Entries: ``{file: [size, mtime_ns, ctime_ns, content hash, [ids]]}`` (times None: hash it next time).
#: A modification time this close to the list's writing is not trusted next time.
RACY_SECONDS = 2.0

Existing = dict[str, tuple[str, set[str]]]
Stats = dict[str, tuple[int, int, int]]


def read_file_list(folder: str | os.PathLike[str], generation: int) -> tuple[Existing, dict[str, str], Stats] | None:
    """``(existing, owners, stats)`` from the file list of the index in ``folder``, or None when
    there is none, it cannot be read, or it does not describe index generation ``generation``.

    ``existing`` and ``owners`` are :func:`source_table`'s; ``stats`` maps
    files to ``(size, mtime_ns, ctime_ns)`` (see :func:`~searchkit.ingest.run.index_paths`).
    """
    try:
        data = json.loads((Path(folder) / FILE_LIST).read_text("utf-8"))
        if data.get("version") != FILE_LIST_VERSION or data.get("generation") != generation:
            return None
        existing: Existing = {}
        owners: dict[str, str] = {}
        stats: Stats = {}
        for file_key, (size, mtime_ns, ctime_ns, digest, ids) in data["files"].items():
            existing[file_key] = (digest, set(ids))
            for doc_id in ids:
                owners[doc_id] = file_key
            if mtime_ns is not None:
                stats[file_key] = (size, mtime_ns, ctime_ns)
        return existing, owners, stats
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def write_file_list(folder: str | os.PathLike[str], generation: int, existing: Existing, stats: Stats) -> None:
    """Replace the file list of the index in ``folder`` (atomically) with ``existing`` and ``stats``,
    describing index generation ``generation``.  Raises ``OSError``."""
    recent = time.time_ns() - int(RACY_SECONDS * 1e9)
    files: dict[str, Any] = {}
    for file_key, (digest, ids) in existing.items():
        if not ids:  # as in the columns: a file that gave no document is read again (and its reasons given)
            continue
        size, mtime_ns, ctime_ns = stats.get(file_key, (None, None, None))
        if mtime_ns is not None and max(mtime_ns, ctime_ns) >= recent:
            mtime_ns = ctime_ns = None
        files[file_key] = [size, mtime_ns, ctime_ns, digest, sorted(ids)]
    path = Path(folder) / FILE_LIST
    tmp = path.with_name(FILE_LIST + ".tmp")
    tmp.write_text(json.dumps({"version": FILE_LIST_VERSION, "generation": generation, "files": files},
                              separators=(",", ":")), "utf-8")
    os.replace(tmp, path)


#: Bumped when what a record digest covers changes (every record is then written once more).
RECORD_DIGEST_VERSION = b"1"


def record_digest(fields: dict[str, Any]) -> str:
    """A digest of the fields a document is written with (``hash``, ``cluster`` and ``minhash``
    left out: the first is the file's, the others follow from the body): equal digests, equal
    documents.  ``fields``: Whoosh field name -> str, list of str, datetime or None."""
    import hashlib

    skipped = ("hash", "cluster", "minhash")
    text = repr(sorted((name, value) for name, value in fields.items() if name not in skipped))
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16, person=RECORD_DIGEST_VERSION)
    return digest.hexdigest()


def stamp_record(fields: dict[str, Any]) -> str:
    """The record digest of ``fields`` (as they will be written), also put after the file's hash in
    ``fields["hash"]``; returns the digest."""
    record = record_digest(fields)
    fields["hash"] = hash_value(str(fields.get("hash") or ""), record)
    return record


def hash_value(file_digest: str, record: str | None) -> str:
    """The ``hash`` column's value: the file's content hash, and the record digest after a space."""
    return f"{file_digest} {record}" if record else file_digest


def split_hash(value: Any) -> tuple[str, str | None]:
    """``(file content hash, record digest or None)`` of a ``hash`` column value (str or bytes)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    file_digest, _, record = (value or "").partition(" ")
    return file_digest, record or None


def source_table(reader) -> tuple[dict[str, tuple[str, set[str]]], dict[str, str]]:
    """``({source file: (content hash, its ids)}, {id: source file})``, read from a Whoosh reader's columns.

    A file whose documents were written from different versions of it (records left as they
    were when it changed) has no one content hash: ``""``, so that it is read again and its
    records compared -- its current content may be an older version's."""
    existing: dict[str, tuple[str, set[str]]] = {}
    known: dict[str, str] = {}
    if reader.doc_count() == 0:
        return existing, known
    files = reader.column_reader("file")
    hashes = reader.column_reader("hash")
    ids = reader.column_reader("id")
    for docnum in reader.all_doc_ids():
        file_key, digest, doc_id = files[docnum], hashes[docnum], ids[docnum]
        file_key = file_key.decode() if isinstance(file_key, bytes) else file_key
        digest = split_hash(digest)[0]
        doc_id = doc_id.decode() if isinstance(doc_id, bytes) else doc_id
        known[doc_id] = file_key
        entry = existing.setdefault(file_key, (digest, set()))
        if entry[0] != digest:
            entry = existing[file_key] = ("", entry[1])
        entry[1].add(doc_id)
    return existing, known


def under(file_key: str, root_key: str) -> bool:
    """True when ``file_key`` is ``root_key`` or lies under it (both absolute posix paths)."""
    return file_key == root_key or file_key.startswith(root_key.rstrip("/") + "/")


def _stem(doc_id: str) -> str:
    return doc_id.split("#", 1)[0]


def base_id(rel: str, file_key: str, existing: dict, owners: dict) -> str:
    """The id a file's documents are named after (its own id, or ``<base>#<line>``).

    * a file already in the index keeps the base its documents have (ids never
      change on a re-run, whatever the paths given this time);
    * otherwise ``rel`` (its path relative to the root, or to the common parent
      of several roots), unless another file already owns that id: then the
      path is lengthened by the folders above it, one at a time
      (``001.txt`` -> ``2020/001.txt``), up to the absolute path.
    """
    parts = file_key.split("/")
    tails = ["/".join(parts[i:]) for i in range(len(parts) - 1, -1, -1)]
    old = existing.get(file_key)
    if old and old[1]:
        stems = {_stem(i) for i in old[1]}
        for tail in tails:
            if tail in stems:
                return tail
        if rel in stems:
            return rel

    def free(candidate: str) -> bool:
        return owners.get(candidate, file_key) == file_key and owners.get(candidate + "#1", file_key) == file_key

    if free(rel):
        return rel
    for tail in tails:
        if len(tail) > len(rel) and tail.endswith("/" + rel) and free(tail):
            return tail
    return file_key


def ids_from_file(reader: Any, path: str | os.PathLike[str]) -> list[str]:
    """The ids of the documents ``reader`` holds from the file ``path`` (as printed by a query: the
    path given when indexing, or any path to the same file), in index order; [] when none."""
    given = os.fspath(path)
    absolute = Path(os.path.abspath(given)).as_posix()
    if not reader.doc_count():
        return []
    files = reader.column_reader("file")
    ids = reader.column_reader("id")

    def text(value: Any) -> str:
        return value.decode() if isinstance(value, bytes) else value

    found = [text(ids[n]) for n in reader.all_doc_ids() if text(files[n]) == absolute]
    if not found:  # indexed from another folder: compare the path as it was given
        found = [fields.get("id") for fields in reader.all_stored_fields() if fields.get("path") == given]
    return found
