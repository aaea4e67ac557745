"""extract and index share one read-and-classify pipeline: the same documents, the same reasons."""

from __future__ import annotations

import json

import searchkit
from searchkit.ingest.extract import Skipped
from searchkit.ingest.pipeline import UNSUPPORTED, ReadFailed, read_items, sources

from ..conftest import write


def _folder(root):
    write(root / "a.txt", "First headline\n\nfirst body about cocoa")
    write(root / "b.json", json.dumps({"id": "b1", "title": "Second", "body": "second body"}))
    write(root / "c.jsonl", '{"id": "c1", "title": "Third", "body": "third"}\n{"id": \n')
    write(root / "d.pdf", b"%PDF-1.4 not an article")
    write(root / "e.json", "{not json")
    write(root / "sub" / "f.txt", "Fourth headline\n\nfourth body")
    return root


def test_extract_and_index_agree_on_documents_and_reasons(tmp_path):
    root = _folder(tmp_path / "docs")
    extracted = list(searchkit.extract(root))
    docs = {item.id: item for item in extracted if not isinstance(item, Skipped)}
    skipped = sorted((item.where, item.reason) for item in extracted if isinstance(item, Skipped))
    ix = searchkit.Index(tmp_path / "ix")
    summary = ix.add(root)
    assert summary.added == len(docs) == 4
    assert sorted(summary.skipped_files) == skipped
    assert ("d.pdf", UNSUPPORTED) in skipped and any(where == "e.json" for where, _ in skipped)
    for doc_id, doc in docs.items():
        stored = ix.get(doc_id)
        assert stored is not None and (stored.title, stored.body) == (doc.title, doc.body)
    ix.close()


def test_sources_classify_and_read_items_end_with_the_failure(tmp_path):
    root = _folder(tmp_path / "docs")
    found = {s.rel: s.skip for s in sources(root)}
    assert found["d.pdf"] == UNSUPPORTED and found["a.txt"] is None and found["sub/f.txt"] is None
    items = list(read_items(root / "e.json", "e.json"))
    assert len(items) == 1 and isinstance(items[0], ReadFailed) and "JSON" in items[0].reason
    assert [type(i).__name__ for i in read_items(root / "a.txt", "a.txt")] == ["Document"]
