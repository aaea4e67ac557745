"""Incremental runs: the file list (sizes, times, hashes, ids) and the merging of small segments."""

from __future__ import annotations

import json
import os

import pytest

import searchkit
import searchkit.readers as readers
from searchkit.ingest import incremental
from searchkit.ingest.incremental import FILE_LIST
from searchkit.whoosh_ext import merging
from searchkit.whoosh_ext.merging import segment_count

from ..conftest import write

QUERIES = ("cocoa", "treaty security", '"crude oil"', "wheat OR sugar", "bank")


def _corpus(root, n=12):
    words = ["cocoa", "treaty", "security", "crude", "oil", "wheat", "sugar", "bank", "rates", "talks"]
    for i in range(n):
        body = " ".join(words[(i + k) % len(words)] for k in range(30)) + f" story{i}"
        write(root / f"d{i // 4}" / f"s{i:02d}.txt", f"Headline number {i}\n\n{body}\n")
    write(root / "wire.jsonl", "".join(json.dumps({"id": f"w{i}", "title": f"Wire {i}", "body": f"crude oil wire{i}"})
                                       + "\n" for i in range(5)))
    return root


def _results(ix):
    return {q: [(h.id, round(h.score, 6)) for h in ix.search(q, limit=50, snippets=False)] for q in QUERIES}


@pytest.fixture
def trusting(monkeypatch):
    """Times just written are trusted (the tests cannot wait out the racy window)."""
    monkeypatch.setattr(incremental, "RACY_SECONDS", -1e9)


def _forbid_reading(monkeypatch, calls=None):
    def no(*args, **kwargs):
        if calls is None:
            raise AssertionError("a file was read")
        calls.append(args[0])
        return real_digest(*args, **kwargs)

    real_digest = readers.file_digest
    monkeypatch.setattr(readers, "read_file", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read")))
    monkeypatch.setattr(readers, "file_digest", no)


def test_unchanged_rerun_only_stats_and_gives_identical_results(tmp_path, monkeypatch, trusting):
    root = _corpus(tmp_path / "c")
    ix = searchkit.Index(tmp_path / "ix")
    first = ix.add(root)
    assert first.added == 17 and (tmp_path / "ix" / FILE_LIST).exists()
    before = _results(ix)
    with monkeypatch.context() as m:
        _forbid_reading(m)
        again = ix.add(root)
    assert (again.added, again.updated, again.removed, again.unchanged, again.skipped) == (0, 0, 0, 17, 0)
    assert _results(ix) == before and len(ix) == 17
    ix.close()


def test_touched_file_is_hashed_not_read_and_changes_are_found(tmp_path, monkeypatch, trusting):
    root = _corpus(tmp_path / "c")
    ix = searchkit.Index(tmp_path / "ix")
    ix.add(root)
    before = _results(ix)
    touched = root / "d0" / "s01.txt"
    os.utime(touched, ns=(1_000_000_000, 1_000_000_000))  # new time, same content
    hashed: list = []
    with monkeypatch.context() as m:
        _forbid_reading(m, hashed)
        again = ix.add(root)
    assert [str(p) for p in hashed] == [str(touched)] and again.unchanged == 17
    assert _results(ix) == before
    # same size, new content (the time moves): updated
    text = touched.read_text()
    touched.write_text(text.replace("number 1", "digits 1"))
    assert touched.stat().st_size == len(text)
    changed = ix.add(root)
    assert (changed.updated, changed.unchanged) == (1, 16) and ix.get("d0/s01.txt").title == "Headline digits 1"
    # removed and renamed
    (root / "d1" / "s04.txt").unlink()
    (root / "d2" / "s08.txt").rename(root / "d2" / "moved.txt")
    moved = ix.add(root)
    assert (moved.removed, moved.added) == (2, 1)
    assert ix.get("d1/s04.txt") is None and ix.get("d2/s08.txt") is None
    assert ix.get("d2/moved.txt").title == "Headline number 8" and len(ix) == 16
    ix.close()


def test_a_list_that_is_not_of_the_latest_commit_is_not_trusted(tmp_path, monkeypatch, trusting):
    root = _corpus(tmp_path / "c")
    ix = searchkit.Index(tmp_path / "ix")
    ix.add(root)
    # a remove commits without a list: the next run reads the columns and puts the document back
    ix.remove("d0/s00.txt")
    back = ix.add(root)
    assert (back.added, back.unchanged) == (1, 16) and ix.get("d0/s00.txt") is not None
    # a run killed between its commit and its list: the old list is ignored
    write(root / "d0" / "s02.txt", "Headline two rewritten\n\nlonger body than before, cocoa\n")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(searchkit.Index, "_write_file_list", killed)
        with pytest.raises(KeyboardInterrupt):
            ix.add(root)
    assert ix.get("d0/s02.txt").title == "Headline two rewritten"
    again = ix.add(root)
    assert (again.updated, again.added, again.unchanged) == (0, 0, 17)
    ix.close()


def test_small_segments_are_merged_and_every_document_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(merging, "MAX_SEGMENTS", 3)
    root = _corpus(tmp_path / "c")
    ix = searchkit.Index(tmp_path / "ix")
    ix.add(root)
    ids = {f"w{i}" for i in range(5)} | {f"d{i // 4}/s{i:02d}.txt" for i in range(12)}
    counts = []
    for run in range(8):
        write(root / "new" / f"n{run}.txt", f"Update {run}\n\nupdateword{run} cocoa\n")
        if run % 2:
            write(root / "d0" / "s00.txt", f"Headline number 0\n\nrevised {run} cocoa\n")
        summary = ix.add(root)
        assert summary.added == 1
        ids.add(f"new/n{run}.txt")
        counts.append(segment_count(ix._ix))
    assert max(counts) <= 4, counts  # at most the bound, plus the segment a run writes
    assert len(ix) == len(ids) and all(doc_id in ix for doc_id in ids)
    for run in range(8):
        assert [h.id for h in ix.search(f"updateword{run}")] == [f"new/n{run}.txt"]
    assert ix.get("d0/s00.txt").body.startswith("revised 7")
    assert len(ix.search("cocoa", limit=100, collapse=False)) == len([i for i in ids if i.startswith(("new/", "d"))
                                                      and ("cocoa" in (ix.get(i).body or ""))])
    ix.close()


def test_merge_bounded_policy_merges_only_the_smallest(tmp_path):
    from whoosh.writing import NO_MERGE

    root = _corpus(tmp_path / "c")
    ix = searchkit.Index(tmp_path / "ix")
    ix.add(root)
    for run in range(3):  # three small segments: too few for Whoosh's MERGE_SMALL to merge
        with ix._lock():
            writer = ix._writer()
            writer.add_document(id=f"x{run}", path="", file=f"/x{run}", hash="h", title=f"x{run}", body="extra",
                                date_iso=None)
            writer.commit(mergetype=NO_MERGE)
    assert segment_count(ix._ix) == 4
    sizes = sorted(s.doc_count() for s in ix._ix._segments())
    with ix._lock():
        writer = ix._writer()
        writer.add_document(id="last", path="", file="/last", hash="h", title="last", body="extra", date_iso=None)
        writer.commit(mergetype=merging.merge_bounded(2))
    after = sorted(s.doc_count() for s in ix._ix._segments())
    assert len(after) == 3 and sizes[-1] in after  # two smallest merged; the big segment stays as it was
    assert len(ix) == 17 + 4 and all(f"x{run}" in ix for run in range(3)) and "last" in ix
    ix.close()
