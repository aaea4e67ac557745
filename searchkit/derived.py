"""Fields derived while indexing: default metadata, facet lines, folders, near-duplicate clusters.

:class:`DerivedFieldsWriter` sits between the indexing run
(:func:`searchkit.indexing.index_paths`) and the Whoosh writer: every
document passing through gets, besides the fields its reader gave,

* ``source`` and tags from the run's defaults when the document has none
  (``searchkit index PATH --source NAME --tag TAG``);
* ``facet``: its tags, source, author and folder as ``name=value`` lines
  (:func:`searchkit.facets.facet_lines`), the folder being the first folder
  of its file under the indexed root (``bbc/sport/001.txt`` -> ``sport``);
* ``cluster``, ``minhash``: its near-duplicate cluster
  (:class:`searchkit.dedup.ClusterAssigner`).

A sharded build's read tasks derive the fields but the cluster where they read
(:func:`derive_fields`) and hand the writer a reference to the document with
its MinHash signature (``_ref``, ``_signature``): the cluster is assigned here,
in document order, from the signature alone.

Deletions and replacements are passed on to the cluster assigner so that a
document replaced in this run is not taken for a copy of its new version.
Once the run has handed over its last document, :meth:`DerivedFieldsWriter.end_of_documents`
drops the assigner's store (~50 MB at 215,780 documents) before the commit,
which waits for the worker processes at their largest.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .facets import facet_lines, folder_of

__all__ = ["DerivedFieldsWriter", "run_defaults", "derive_fields"]


def run_defaults(roots: Sequence[str | os.PathLike[str]], source: str | None,
                 tags: Sequence[str]) -> tuple[list[str], str | None, list[str]]:
    """``(roots as absolute posix paths, the run's source or None, its tags)``, spaces tidied."""
    return ([Path(os.path.abspath(root)).as_posix() for root in roots],
            " ".join(source.split()) if source and source.strip() else None,
            [" ".join(tag.split()) for tag in tags if tag and tag.strip()])


def derive_fields(fields: dict[str, Any], roots: list[str], source: str | None, tags: list[str]) -> dict[str, Any]:
    """Add to a document's ``fields`` (in place) what depends on it alone and the run's defaults
    (:func:`run_defaults`): ``source`` and tags when it has none, ``facet`` lines.  The cluster,
    which depends on the documents before it, is not among them."""
    if source and not fields.get("source"):
        fields["source"] = source
    if tags and not fields.get("tag_list"):
        fields["tag_list"] = list(tags)
        fields["tags"] = "\n".join(tags)
    folder = folder_of(str(fields.get("file") or ""), roots)
    lines = facet_lines(fields.get("tag_list") or (), fields.get("source"), fields.get("author"), folder)
    if lines:
        fields["facet"] = lines
    return fields


class DerivedFieldsWriter:
    """Wraps a Whoosh writer; see the module docstring.

    ``roots``: the paths of the run; ``reader``: a reader of the committed
    index (None when rebuilding); ``threshold``: the similarity from which
    two bodies are copies (None: no clustering).
    """

    def __init__(self, writer, roots: Sequence[str | os.PathLike[str]], reader=None, *,
                 source: str | None = None, tags: Sequence[str] = (), threshold: float | None = None):
        self._writer = writer
        self._roots, self._source, self._tags = run_defaults(roots, source, tags)
        self._reader = reader
        self._threshold = threshold
        self._assigner = None  # made for the first document: a run that writes none never imports datasketch
        self._forgotten: list[str] = []
        self._ended = False
        self._records: dict[str, str] | None = None  # committed record digests, read when first asked

    def __getattr__(self, name: str) -> Any:
        return getattr(self._writer, name)

    def end_of_documents(self) -> None:
        """No more documents, updates or deletions come: free the near-duplicate store now.

        Called by :func:`searchkit.ingest.run.index_paths` when it is done,
        before the caller commits: the store is what grows with the run, and
        the commit is where the workers are at their largest.  A write after
        this raises ``RuntimeError`` (its copies could no longer be found).
        """
        self._ended = True
        self._assigner = None
        self._forgotten = []
        from .loading import release_free_memory

        release_free_memory()

    @property
    def _clusters(self):
        if self._ended:
            raise RuntimeError("a document was written after end_of_documents(): its copies cannot be found")
        if self._assigner is None and self._threshold is not None:
            from .dedup import ClusterAssigner

            self._assigner = ClusterAssigner(self._reader, self._threshold)
            for doc_id in self._forgotten:
                self._assigner.forget(doc_id)
        return self._assigner

    def _derive(self, fields: dict[str, Any]) -> dict[str, Any]:
        if "_ref" in fields:  # read by a read task: derived there but for the cluster (see below)
            signature = fields.pop("_signature", None)
            fields.pop("_record", None)
            if self._clusters is not None:
                fields.update(self._clusters.assign(
                    str(fields["id"]), None if signature is None else self._clusters.dedup.from_bytes(signature)))
            return fields
        derive_fields(fields, self._roots, self._source, self._tags)
        if self._clusters is not None:
            fields.update(self._clusters.fields(str(fields["id"]), fields.get("body") or ""))
        return fields

    def add_document(self, **fields: Any) -> None:
        self._writer.add_document(**self._derive(fields))

    def same_as_committed(self, fields: dict[str, Any], committed: bool = True) -> bool:
        """Whether the committed document of ``fields["id"]`` was written from these very fields
        (so it need not be written again); ``committed=False``: the id has no committed document
        of this file, so the answer is no (and the committed digests are not read for it).

        Either way, ``fields["hash"]`` (the file's content hash) gets the record digest after it
        (:func:`searchkit.ingest.incremental.record_digest`), over the fields as they would be
        written (the run's defaults and facets derived).  A sharded read task's reference
        (``_ref``) carries the digest its read task made (``_record``, taken out here), and the
        fields it refers to already hold it."""
        from .ingest.incremental import stamp_record

        if "_ref" in fields:
            record = fields.pop("_record", None)
        else:  # derived here (writing derives again: the same fields, nothing added twice)
            record = stamp_record(derive_fields(fields, self._roots, self._source, self._tags))
        if record is None or not committed or self._reader is None:
            return False
        if self._records is None:
            self._records = self._committed_records()
        return self._records.get(str(fields["id"])) == record

    def _committed_records(self) -> dict[str, str]:
        """``{id: record digest}`` of the committed documents that have one (one pass over two columns)."""
        from .ingest.incremental import split_hash

        reader = self._reader
        if not reader.doc_count():
            return {}
        ids, hashes = reader.column_reader("id"), reader.column_reader("hash")
        found = {}
        for docnum in reader.all_doc_ids():
            record = split_hash(hashes[docnum])[1]
            if record is not None:
                doc_id = ids[docnum]
                found[doc_id.decode("utf-8", "surrogateescape") if isinstance(doc_id, bytes) else doc_id] = record
        return found

    def _forget(self, doc_id: str) -> None:
        if self._ended:
            raise RuntimeError("a document was written after end_of_documents(): its copies cannot be found")
        if self._assigner is not None:
            self._assigner.forget(doc_id)
        elif self._threshold is not None:
            self._forgotten.append(doc_id)

    def update_document(self, **fields: Any) -> None:
        self._forget(str(fields["id"]))
        self._writer.update_document(**self._derive(fields))

    def delete_by_term(self, fieldname: str, text: Any, searcher=None) -> int:
        if fieldname == "id":
            self._forget(str(text))
        return self._writer.delete_by_term(fieldname, text, searcher=searcher)
