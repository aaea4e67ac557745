"""A changed file is read again, but only its changed records are written (the record digest)."""

from __future__ import annotations

import json
import random

import pytest

import searchkit
from searchkit import derived
from searchkit.ingest import incremental
from searchkit.ingest.incremental import FILE_LIST, record_digest, split_hash

from ..conftest import write

WORDS = ["cocoa", "treaty", "security", "crude", "oil", "wheat", "sugar", "bank", "rates", "talks", "grain"]
QUERIES = ("cocoa", "treaty security", '"crude oil"', "wheat OR sugar", "bank", "grain talks")


def record(i: int, extra: str = "") -> dict:
    rng = random.Random(i)  # distinct bodies: no two records are near copies
    body = " ".join(rng.choice(WORDS) for _ in range(25 + i % 7)) + f" story{i}{extra}"
    return {"id": f"r{i}", "title": f"Story {i} {WORDS[i % len(WORDS)]}", "body": body, "date": f"2020-01-{1 + i % 28:02d}"}


def dump(path, records) -> None:
    write(path, "".join(json.dumps(r) + "\n" for r in records))


def results(ix, **kwargs):
    return {q: [(h.id, round(h.score, 6), h.snippet, h.copies) for h in ix.search(q, limit=50, **kwargs)]
            for q in QUERIES}


def new_index(path, sharded: bool):
    """An empty index at ``path``: plain, or of two shards."""
    if sharded:
        from searchkit.shards.search import ShardedIndex

        return ShardedIndex.create(path, 2)
    return searchkit.Index(path)


def run(ix, root, **kwargs):
    summary = ix.add(root, **kwargs)
    return summary.added, summary.updated, summary.unchanged, summary.removed


def test_a_grown_dump_writes_its_new_records_only(tmp_path):
    records = [record(i) for i in range(40)]
    dump(tmp_path / "news" / "dump.jsonl", records)
    with searchkit.Index(tmp_path / "ix") as ix:
        assert run(ix, tmp_path / "news") == (40, 0, 0, 0)
        dump(tmp_path / "news" / "dump.jsonl", records + [record(40), record(41)])
        assert run(ix, tmp_path / "news") == (2, 0, 40, 0)
        grown = results(ix)
        assert run(ix, tmp_path / "news") == (0, 0, 42, 0)
    with searchkit.Index(tmp_path / "fresh") as fresh:
        fresh.add(tmp_path / "news")
        assert results(fresh) == grown  # the same scores, snippets and copies as a build from scratch


def test_changed_and_removed_records_are_updated_and_removed(tmp_path):
    records = [record(i) for i in range(30)]
    dump(tmp_path / "news" / "dump.jsonl", records)
    with searchkit.Index(tmp_path / "ix") as ix:
        ix.add(tmp_path / "news")
        edited = [record(i, " grain" if i == 7 else "") for i in range(30) if i != 12]
        dump(tmp_path / "news" / "dump.jsonl", edited)
        assert run(ix, tmp_path / "news") == (0, 1, 28, 1)
        assert ix.get("r12") is None and ix.get("r7").body.endswith("story7 grain")
        assert "r7" in {hit.id for hit in ix.search("story7")}
        reordered = edited[::-1]  # the same records in another order: nothing to write
        dump(tmp_path / "news" / "dump.jsonl", reordered)
        assert run(ix, tmp_path / "news") == (0, 0, 29, 0)
        ours = results(ix, collapse=False)
    with searchkit.Index(tmp_path / "fresh") as fresh:
        fresh.add(tmp_path / "news")
        assert {q: sorted(h[0] for h in hits) for q, hits in results(fresh, collapse=False).items()} == \
            {q: sorted(h[0] for h in hits) for q, hits in ours.items()}


def test_a_new_run_default_rewrites_the_records_it_changes(tmp_path):
    records = [record(i) for i in range(10)]
    records[3]["source"] = "AP"
    dump(tmp_path / "news" / "dump.jsonl", records)
    with searchkit.Index(tmp_path / "ix") as ix:
        ix.add(tmp_path / "news", source="Reuters")
        dump(tmp_path / "news" / "dump.jsonl", records + [record(10)])
        # the records without a source of their own now get AFP: written again; the AP one is the same
        assert run(ix, tmp_path / "news", source="AFP") == (1, 9, 1, 0)
        assert ix.get("r0").source == "AFP" and ix.get("r3").source == "AP"
        assert {hit.id for hit in ix.search("source:afp", limit=50)} == {f"r{i}" for i in range(11)} - {"r3"}


def test_documents_written_before_the_digest_are_rewritten_once(tmp_path, monkeypatch):
    records = [record(i) for i in range(12)]
    dump(tmp_path / "news" / "dump.jsonl", records)
    with searchkit.Index(tmp_path / "ix") as ix:
        with monkeypatch.context() as old:  # as an index written before record digests
            old.setattr(incremental, "hash_value", lambda file_digest, record: file_digest)
            ix.add(tmp_path / "news")
        dump(tmp_path / "news" / "dump.jsonl", records + [record(12)])
        assert run(ix, tmp_path / "news") == (1, 12, 0, 0)
        dump(tmp_path / "news" / "dump.jsonl", records + [record(12), record(13)])
        assert run(ix, tmp_path / "news") == (1, 0, 13, 0)


def test_without_the_file_list_a_mixed_file_is_read_and_nothing_written(tmp_path):
    records = [record(i) for i in range(12)]
    dump(tmp_path / "news" / "dump.jsonl", records)
    with searchkit.Index(tmp_path / "ix") as ix:
        ix.add(tmp_path / "news")
        dump(tmp_path / "news" / "dump.jsonl", records + [record(12)])
        ix.add(tmp_path / "news")
        before = results(ix)
        (tmp_path / "ix" / FILE_LIST).unlink()  # the columns are read: the file's hashes disagree
        assert run(ix, tmp_path / "news") in ((0, 0, 13, 0),)
        assert results(ix) == before


def test_the_hash_column_holds_the_file_hash_and_the_record_digest(tmp_path):
    dump(tmp_path / "news" / "dump.jsonl", [record(0)])
    with searchkit.Index(tmp_path / "ix") as ix:
        ix.add(tmp_path / "news")
        reader = ix._searcher_now().reader()
        file_digest, digest = split_hash(reader.column_reader("hash")[0])
    from searchkit.readers import file_digest as digest_of

    assert file_digest == digest_of(tmp_path / "news" / "dump.jsonl") and len(digest) == 32
    assert split_hash(b"abc") == ("abc", None) and split_hash("abc def") == ("abc", "def")


def test_record_digests_differ_with_any_field():
    base = {"id": "a", "title": "T", "body": "B", "tag_list": ["x"], "date_iso": "2020-01-01", "hash": "h1"}
    digest = record_digest(base)
    assert record_digest({**base, "hash": "h2", "cluster": "c", "minhash": b"m"}) == digest
    for name, value in (("title", "T2"), ("body", "B "), ("tag_list", ["x", "y"]), ("date_iso", None),
                        ("source", "AP"), ("id", "b")):
        assert record_digest({**base, name: value}) != digest, name


def test_a_sharded_index_still_gives_the_right_documents(tmp_path):
    from searchkit.shards.search import ShardedIndex

    records = [record(i) for i in range(20)]
    dump(tmp_path / "news" / "dump.jsonl", records)
    sharded = ShardedIndex.create(tmp_path / "s2", 2)
    sharded.add(tmp_path / "news")
    dump(tmp_path / "news" / "dump.jsonl", records[:-1] + [record(19, " grain"), record(20)])
    sharded.add(tmp_path / "news")
    with searchkit.Index(tmp_path / "one") as one:
        one.add(tmp_path / "news")
        assert {q: sorted(h[0] for h in hits) for q, hits in results(one, collapse=False).items()} == \
            {q: sorted(h[0] for h in hits) for q, hits in results(sharded, collapse=False).items()}
    assert sharded.get("r19").body.endswith("grain") and sharded.get("r20") is not None


@pytest.mark.parametrize("sharded", [False, True])
def test_a_file_back_at_an_older_version_is_found_changed_without_the_file_list(tmp_path, sharded):
    """Records left as they were keep the file hash they were written with: a file's documents may hold
    several, and then the file has no one hash; a version equal to one of them is not taken as unchanged."""
    v1 = [record(0), record(1)]
    v2 = [record(0, " rose"), record(1), record(2)]
    dump(tmp_path / "news" / "a.jsonl", v1)
    write(tmp_path / "news" / "b.txt", "Other\n\nother story\n")
    with new_index(tmp_path / "ix", sharded) as ix:
        ix.add(tmp_path / "news")
        dump(tmp_path / "news" / "a.jsonl", v2)
        assert run(ix, tmp_path / "news") == (1, 1, 2, 0)
        assert ix.remove_many(["b.txt"]) == 1  # the file list no longer describes the index: columns are read
        dump(tmp_path / "news" / "a.jsonl", v1)  # back to the first version, whose hash r1 still holds
        assert run(ix, tmp_path / "news") == (1, 1, 1, 1)  # b.txt again, r0 as it was, r2 gone
        assert ix.get("r2") is None and not ix.get("r0").body.endswith("rose")
        assert [hit.id for hit in ix.search("rose")] == []


def test_title_only_records_then_a_story_index_and_search(tmp_path):
    """A segment of documents without a body has no MinHash column; runs after it read the others' (it
    crashed with IndexError: Whoosh's joined column reader skipped that segment)."""
    words = " ".join(f"word{i}" for i in range(60))
    story = {"id": "s", "title": "Story", "body": f"seven eight {words}", "date": "2020-01-01"}
    dump(tmp_path / "news" / "a.jsonl", [story])
    with searchkit.Index(tmp_path / "ix") as ix:
        ix.add(tmp_path / "news")
        dump(tmp_path / "news" / "b.jsonl", [{"id": "flash", "title": "headline only", "date": "2020-01-02"}])
        ix.add(tmp_path / "news")
        copy = {**story, "id": "s2", "body": story["body"] + " nine"}
        dump(tmp_path / "news" / "c.jsonl", [copy])
        assert run(ix, tmp_path / "news") == (1, 0, 2, 0)
        hits = ix.search("seven eight", collapse=False)
        assert sorted(hit.id for hit in hits) == ["s", "s2"] and all(hit.copies == 1 for hit in hits)


@pytest.mark.parametrize("sharded", [False, True])
def test_a_renamed_or_moved_dump_keeps_its_documents(tmp_path, sharded):
    """Its records' ids belonged to a file that is gone: they are the renamed file's now, not conflicts
    (the documents were removed with the old name, and none written for the new one)."""
    records = [record(i) for i in range(6)]
    dump(tmp_path / "news" / "b.jsonl", records)
    dump(tmp_path / "news" / "other.jsonl", [record(10)])
    with new_index(tmp_path / "ix", sharded) as ix:
        ix.add(tmp_path / "news")
        (tmp_path / "news" / "b.jsonl").rename(tmp_path / "news" / "a.jsonl")  # walked before its old name
        summary = ix.add(tmp_path / "news")
        assert (summary.added, summary.updated, summary.removed, len(summary.conflicts)) == (0, 6, 0, 0)
        assert len(ix) == 7 and ix.get("r3").path.endswith("a.jsonl")
        (tmp_path / "news" / "old").mkdir()
        (tmp_path / "news" / "a.jsonl").rename(tmp_path / "news" / "old" / "a.jsonl")
        summary = ix.add(tmp_path / "news")
        assert (summary.updated, summary.removed, len(summary.conflicts)) == (6, 0, 0) and len(ix) == 7
        assert run(ix, tmp_path / "news") == (0, 0, 7, 0)
        # a copy of a file that is still there is a conflict, as before: the first file keeps its ids
        dump(tmp_path / "news" / "copy.jsonl", records)
        summary = ix.add(tmp_path / "news")
        assert (summary.added, len(summary.conflicts)) == (0, 6) and ix.get("r3").path.endswith("old/a.jsonl")


def test_a_file_whose_read_failed_half_way_is_read_again_even_if_put_back(tmp_path, monkeypatch):
    """Part of a new version was written before its read failed: put back as it was, the file is read
    again (its hash is no longer the index's), and the old version's records are back."""
    import searchkit.ingest.run as indexing
    from searchkit.ingest.pipeline import ReadFailed

    monkeypatch.setattr(indexing, "BATCH_DOCS", 2)
    v1 = [record(i) for i in range(8)]
    v2 = [record(i, " edited") for i in range(8)]
    dump(tmp_path / "news" / "a.jsonl", v1)
    real = indexing.read_items

    def failing(path, rel):
        for number, item in enumerate(real(path, rel)):
            if number == 5 and "edited" in path.read_text():
                yield ReadFailed("disk error")
                return
            yield item

    with searchkit.Index(tmp_path / "ix") as ix:
        ix.add(tmp_path / "news")
        dump(tmp_path / "news" / "a.jsonl", v2)
        with monkeypatch.context() as patched:
            patched.setattr(indexing, "read_items", failing)
            summary = ix.add(tmp_path / "news")
        assert summary.skipped == 1 and "disk error" in summary.skipped_files[0][1]
        assert ix.get("r0").body.endswith("edited") and not ix.get("r7").body.endswith("edited")
        dump(tmp_path / "news" / "a.jsonl", v1)  # put back
        summary = ix.add(tmp_path / "news")
        assert (summary.updated, summary.unchanged) == (5, 3)  # the 5 records read before the failure
        assert not any(ix.get(f"r{i}").body.endswith("edited") for i in range(8))
