"""Incremental bookkeeping: which file gave which documents, and the ids a file's documents take.

An index remembers, per source file (its absolute posix path, the ``file``
column), the content hash it was read with and the ids it gave.  A re-run
reads a file again only when its hash changed, replaces its documents, and
removes those of files gone from under a root it was given.
"""

from __future__ import annotations

__all__ = ["source_table", "base_id", "under"]


def source_table(reader) -> tuple[dict[str, tuple[str, set[str]]], dict[str, str]]:
    """``({source file: (content hash, its ids)}, {id: source file})``, read from a Whoosh reader's columns."""
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
        digest = digest.decode() if isinstance(digest, bytes) else digest
        doc_id = doc_id.decode() if isinstance(doc_id, bytes) else doc_id
        known[doc_id] = file_key
        entry = existing.setdefault(file_key, (digest, set()))
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
