"""Incremental indexing: change, delete, re-run; ids; no duplicates."""

import json
import os
from pathlib import Path

import pytest

import searchkit

from ..conftest import write


def ids(index) -> set[str]:
    return {hit.id for hit in index.search("date:1700..", limit=1000)} | {
        hit.id for hit in index.search("NOT zzzzqqq", limit=1000)
    }


def test_first_run_counts_and_ids(index_dir, corpus):
    index = searchkit.Index(index_dir)
    summary = index.add(corpus)
    assert (summary.added, summary.updated, summary.unchanged, summary.removed, summary.skipped) == (6, 0, 0, 0, 0)
    assert len(index) == 6
    assert ids(index) == {
        "politics/treaty.txt",
        "politics/trade.txt",
        "cocoa-1",
        "w1",
        "wire.jsonl#2",
        "w3",
    }


def test_rerun_unchanged_reads_nothing_new(ix, corpus):
    summary = ix.add(corpus)
    assert (summary.added, summary.updated, summary.unchanged, summary.removed) == (0, 0, 6, 0)
    assert len(ix) == 6


def test_changed_file_replaces_its_documents(ix, corpus):
    write(corpus / "politics" / "trade.txt", "Trade talks resume\n\nNegotiators met again on quotas.")
    summary = ix.add(corpus)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 5)
    assert len(ix) == 6
    assert ix.get("politics/trade.txt").title == "Trade talks resume"
    assert not ix.search("tariffs")
    assert [h.id for h in ix.search("quotas")] == ["politics/trade.txt"]


def test_deleted_file_and_deleted_record_are_removed(ix, corpus):
    (corpus / "business" / "cocoa.json").unlink()
    lines = (corpus / "wire.jsonl").read_text().splitlines()
    write(corpus / "wire.jsonl", "\n".join(lines[:1] + lines[2:]) + "\n")
    summary = ix.add(corpus)
    assert summary.removed == 2
    assert len(ix) == 4
    assert ix.get("cocoa-1") is None and ix.get("wire.jsonl#2") is None
    assert ix.get("w1") is not None


def test_sub_folder_of_an_indexed_root_adds_no_duplicates(ix, corpus):
    summary = ix.add(corpus / "politics")
    assert (summary.added, summary.unchanged) == (0, 2)
    assert len(ix) == 6
    (corpus / "politics" / "trade.txt").unlink()
    summary = ix.add(corpus / "politics")
    assert summary.removed == 1 and ix.get("politics/trade.txt") is None
    assert ix.get("cocoa-1") is not None  # outside that folder: untouched


def test_removal_only_under_the_root_given(index_dir, corpus):
    index = searchkit.Index(index_dir)
    index.add(corpus / "politics")
    index.add(corpus / "business")
    assert len(index) == 3
    (corpus / "politics" / "trade.txt").unlink()
    summary = index.add(corpus / "business")
    assert summary.removed == 0 and index.get("trade.txt") is not None
    summary = index.add(corpus / "politics")
    assert summary.removed == 1 and index.get("trade.txt") is None and index.get("cocoa-1") is not None


def test_no_duplicates_when_ids_collide(index_dir, tmp_path):
    write(tmp_path / "a.jsonl", json.dumps({"id": "same", "title": "first"}) + "\n")
    write(tmp_path / "b.jsonl", json.dumps({"id": "same", "title": "second"}) + "\n")
    index = searchkit.Index(index_dir)
    summary = index.add(tmp_path / "a.jsonl", tmp_path / "b.jsonl")
    assert len(index) == 1
    assert index.get("same").title == "first"  # the first file to give an id keeps it
    assert any("'same'" in w for w in summary.warnings)
    again = index.add(tmp_path / "a.jsonl", tmp_path / "b.jsonl")
    assert len(index) == 1 and index.get("same").title == "first"
    assert any("'same'" in w for w in again.warnings)


def test_single_file_gets_its_name_as_id(index_dir, corpus):
    index = searchkit.Index(index_dir)
    index.add(corpus / "politics" / "treaty.txt")
    assert index.get("treaty.txt").title == "Allies renew security treaty"


def test_rebuild_starts_afresh(ix, corpus, tmp_path):
    other = write(tmp_path / "other" / "x.txt", "Another headline entirely\n\nText.")
    summary = ix.add(other.parent, rebuild=True)
    assert summary.added == 1 and len(ix) == 1


def test_skipped_files_are_counted_with_reasons(index_dir, corpus):
    write(corpus / "notes.md", "# not an article")
    write(corpus / "binary.txt", bytes(range(256)) * 10)
    write(corpus / "empty.txt", "")
    write(corpus / "broken.json", "{")
    write(corpus / ".hidden" / "secret.txt", "Hidden headline\n\nHidden.")
    index = searchkit.Index(index_dir)
    summary = index.add(corpus)
    reasons = dict(summary.skipped_files)
    assert summary.added == 6 and summary.skipped == 4
    assert reasons["notes.md"] == "unsupported file type"
    assert "binary" in reasons["binary.txt"]
    assert reasons["empty.txt"] == "empty file"
    assert "invalid JSON" in reasons["broken.json"]


def test_unreadable_file_keeps_what_it_had(ix, corpus):
    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    target = corpus / "politics" / "trade.txt"
    write(target, "Changed headline here\n\nchanged")
    target.chmod(0)
    try:
        summary = ix.add(corpus)
    finally:
        target.chmod(0o644)
    assert summary.skipped == 1
    assert ix.get("politics/trade.txt") is not None


def test_symlink_loop_is_not_followed_forever(index_dir, corpus):
    (corpus / "politics" / "loop").symlink_to(corpus, target_is_directory=True)
    (corpus / "dangling.txt").symlink_to(corpus / "nowhere.txt")
    summary = searchkit.Index(index_dir).add(corpus)
    assert summary.added == 6
    assert ("dangling.txt", "dangling link") in summary.skipped_files


def test_incompatible_schema_version_asks_for_rebuild(ix, index_dir, corpus):
    meta = index_dir / "searchkit.json"
    data = json.loads(meta.read_text())
    data["schema_version"] = 999
    meta.write_text(json.dumps(data))
    with pytest.raises(searchkit.IndexVersionError, match="--rebuild"):
        searchkit.Index(index_dir)


def test_interrupted_run_commits_nothing(ix, corpus, monkeypatch):
    import searchkit.ingest.run as indexing

    write(corpus / "new.txt", "A brand new headline\n\nnew text")
    calls = {"n": 0}
    real = indexing._index_file

    def explode(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(indexing, "_index_file", explode)
    with pytest.raises(KeyboardInterrupt):
        ix.add(corpus)
    monkeypatch.undo()
    reopened = searchkit.Index(ix.path)
    assert len(reopened) == 6 and reopened.get("new.txt") is None
    assert reopened.add(corpus).added == 1


def test_missing_path_is_an_error(index_dir, tmp_path):
    with pytest.raises(searchkit.SearchkitError, match="no such file"):
        searchkit.Index(index_dir).add(tmp_path / "nope")
