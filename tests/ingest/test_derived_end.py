"""The near-duplicate store is freed when a run has handed over its last document, before the commit."""

import pytest

from searchkit.derived import DerivedFieldsWriter
from searchkit.ingest.run import index_paths


class _Recorder:
    def __init__(self):
        self.docs = []

    def add_document(self, **fields):
        self.docs.append(fields)

    update_document = add_document

    def delete_by_term(self, fieldname, text, searcher=None):
        return 0


def test_store_is_freed_at_the_end_of_the_run_and_later_writes_refuse(tmp_path):
    story = "Showers continued throughout the week in the Bahia cocoa zone, alleviating the drought. " * 3
    (tmp_path / "a.txt").write_text(story, "utf-8")
    (tmp_path / "b.txt").write_text(story, "utf-8")  # a copy: same cluster
    (tmp_path / "c.txt").write_text("Something else entirely, told in other words for once.", "utf-8")
    recorder = _Recorder()
    feed = DerivedFieldsWriter(recorder, [tmp_path], threshold=0.8)
    seen = []
    original = DerivedFieldsWriter._derive

    def derive(self, fields):
        out = original(self, fields)
        seen.append(self._assigner is not None)  # the store was there while documents came
        return out

    DerivedFieldsWriter._derive = derive
    try:
        summary = index_paths(feed, {}, {}, [tmp_path])
    finally:
        DerivedFieldsWriter._derive = original
    assert summary.added == 3 and all(seen)
    clusters = {doc["file"].rsplit("/", 1)[1]: doc["cluster"] for doc in recorder.docs}
    assert clusters["a.txt"] == clusters["b.txt"] != clusters["c.txt"]
    assert feed._assigner is None  # freed
    with pytest.raises(RuntimeError):
        feed.add_document(id="late", body="a late document")
    with pytest.raises(RuntimeError):
        feed.update_document(id="late", body="a late document")
