"""The lean segment writer writes what Whoosh's own writer writes (issue 5).

:class:`~searchkit.whoosh_ext.segment.LeanSegmentWriter` buffers postings per term and
writes the posting lists and the term table itself
(:func:`searchkit.whoosh_ext.posting_writer.write_postings`).  These tests index the same
documents with Whoosh's ``SegmentWriter`` and compare the segment files byte
for byte; with searchkit's block pickle protocol (5, where Whoosh writes 2), where
the postings went through temporary runs on disk (pickling loses the sharing
of equal value strings, so Whoosh's own bytes depend on where it spilled) or
through Whoosh's merge path, they compare every term's statistics and
postings instead.  No timings here: ``scripts/bench.py`` measures.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from whoosh.index import create_in, open_dir
from whoosh.query import Term
from whoosh.writing import SegmentWriter

from searchkit.whoosh_ext import posting_writer as postings_module
from searchkit.analysis import buffer_postings, encoded_postings, text_postings
from searchkit.whoosh_ext.segment import LeanSegmentWriter
from searchkit.schema import UNINDEXED_FIELDS, make_schema

WORDS = ("cocoa prices rose fell bank banks banking treaty treaties security oil crude Japan Japan's "
         "U.S. 15.8m café naïve the of and said will market markets marketing running runs 1960").split()


def make_docs(count: int, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    start = datetime(1987, 2, 26, 15, 1, 1)
    docs = []
    for n in range(count):
        # "cocoa" in every body (a posting list of several 128-posting blocks),
        # a word only this document has (single-posting terms), varied frequencies
        body = " ".join([f"unique{n}", "cocoa", *(rng.choice(WORDS) for _ in range(rng.randint(3, 70)))])
        doc = {
            "id": f"d{n}",
            "path": f"part-{n // 50}.jsonl",
            "file": f"/corpus/part-{n // 50}.jsonl",
            "hash": f"h{n // 50}",
            "title": " ".join(rng.sample(WORDS, 3)),
            "body": body,
            "tag_list": ["cocoa"],
            "date_iso": None,
            "date": start + timedelta(seconds=rng.randint(0, 10**6)),
        }
        if n % 3:
            doc["tags"] = rng.choice(WORDS)
            doc["dateline"] = rng.choice(["TOKYO", "NEW YORK", "LONDON"])
        if n % 7 == 0:
            doc["url"] = f"https://example.com/{n}"
        if n % 11 == 0:  # Whoosh's keyword arguments: the writer's general path
            doc["_title_boost"] = 1.5
            doc["_stored_path"] = f"shown as {n}"
        docs.append(doc)
    return docs


def build(folder: Path, writer_class, batches: list[list[dict]], optimize: bool = False, **kwargs) -> None:
    folder.mkdir(parents=True)
    ix = create_in(str(folder), make_schema())
    for docs in batches:
        writer = writer_class(ix, **kwargs)
        for doc in docs:
            writer.add_document(**doc)
        writer.commit(optimize=optimize)


def segment_files(folder: Path) -> dict[str, bytes]:
    """The segment's files by what follows the segment id (``.pst``, ``.trm``, ``_stored.col``...)."""
    files = {}
    for path in folder.iterdir():
        if path.name.startswith("MAIN_") and "." in path.name and "WRITELOCK" not in path.name:
            files[path.name.split(".", 1)[1]] = path.read_bytes()
    return files


def postings(folder: Path) -> dict:
    """Every term's statistics and postings (ids, weights, values), segment by segment."""
    ix = open_dir(str(folder))
    content = []
    with ix.reader() as top:
        for reader, _ in top.leaf_readers():
            terms = {}
            for fieldname, text in reader.all_terms():
                info = reader.term_info(fieldname, text)
                stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                         info.max_weight(), info.min_id(), info.max_id())
                matcher = reader.postings(fieldname, text)
                items = []
                while matcher.is_active():
                    items.append((matcher.id(), matcher.weight(), matcher.value()))
                    matcher.next()
                terms[(fieldname, text)] = (stats, items)
            content.append(terms)
    return content


def test_lean_writer_writes_whooshs_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(postings_module, "BLOCK_PICKLE_PROTOCOL", 2)  # Whoosh's
    docs = make_docs(700)
    build(tmp_path / "whoosh", SegmentWriter, [docs], compound=False)
    build(tmp_path / "lean", LeanSegmentWriter, [docs], compound=False)
    expected = segment_files(tmp_path / "whoosh")
    assert {"pst", "trm", "_stored.col", "_body_len.col"} <= set(expected)
    written = segment_files(tmp_path / "lean")
    assert written.pop("skv")  # searchkit's arrays of the longer lists (whoosh_ext/vector_postings.py), besides
    assert written == expected


def test_protocol_5_blocks_hold_the_same_postings_and_stock_whoosh_reads_them(tmp_path):
    docs = make_docs(700)
    build(tmp_path / "whoosh", SegmentWriter, [docs], compound=False)
    build(tmp_path / "lean", LeanSegmentWriter, [docs], compound=False)
    expected, written = segment_files(tmp_path / "whoosh"), segment_files(tmp_path / "lean")
    assert written.pop("skv")  # searchkit's arrays of the longer lists, besides Whoosh's files
    assert set(written) == set(expected)
    assert {name for name in expected if written[name] != expected[name]} == {"pst", "trm"}
    assert len(written["pst"]) < len(expected["pst"])
    assert postings(tmp_path / "lean") == postings(tmp_path / "whoosh")
    # stock Whoosh searches it: a multi-block posting list, a single-posting term, stored fields
    ix = open_dir(str(tmp_path / "lean"))
    with ix.searcher() as searcher:
        assert len(searcher.search(Term("body", "cocoa"), limit=None)) == 700
        assert [hit["id"] for hit in searcher.search(Term("body", "unique123"))] == ["d123"]
        assert searcher.document(id="d5")["path"] == "part-0.jsonl"


def test_searchkits_bookkeeping_fields_are_not_indexed(tmp_path):
    build(tmp_path / "lean", LeanSegmentWriter, [make_docs(60)])
    ix = open_dir(str(tmp_path / "lean"))
    with ix.reader() as reader:
        indexed = {fieldname for fieldname, _ in reader.all_terms()}
        assert not indexed & set(UNINDEXED_FIELDS)
        assert {"id", "body", "title", "date"} <= indexed
        # still stored, still columns (what incremental runs read)
        assert reader.stored_fields(0)["file"] == "/corpus/part-0.jsonl"
        assert reader.column_reader("hash")[59] in ("h1", b"h1")


def test_spilled_runs_give_the_same_postings(tmp_path, monkeypatch):
    docs = make_docs(1500)
    spills = []
    spill = postings_module._TermBuffer.spill
    monkeypatch.setattr(postings_module._TermBuffer, "spill", lambda self: spills.append(1) or spill(self))
    monkeypatch.setattr(postings_module, "_MAX_RUNS", 3)  # runs merged into bigger runs before the last merge
    build(tmp_path / "whoosh", SegmentWriter, [docs])
    build(tmp_path / "lean", LeanSegmentWriter, [docs], limitmb=1)
    assert len(spills) >= 5  # the 1 MB limit was passed several times: runs were merged twice
    assert postings(tmp_path / "lean") == postings(tmp_path / "whoosh")
    assert not list((tmp_path / "lean").rglob("*.terms"))  # no run left behind


def test_merged_segments_take_whooshs_path_and_give_the_same_postings(tmp_path):
    docs = make_docs(300)
    batches = [docs[:20], docs[20:40], docs[40:]]
    # each commit merges the earlier segments in, through Whoosh's pool
    build(tmp_path / "whoosh", SegmentWriter, batches, optimize=True)
    build(tmp_path / "lean", LeanSegmentWriter, batches, optimize=True)
    lean = postings(tmp_path / "lean")
    assert len(lean) == 1  # merged
    assert lean == postings(tmp_path / "whoosh")


def test_a_cancelled_writer_leaves_no_runs(tmp_path):
    folder = tmp_path / "ix"
    folder.mkdir()
    ix = create_in(str(folder), make_schema())
    writer = LeanSegmentWriter(ix, limitmb=1)
    for doc in make_docs(400):
        writer.add_document(**doc)
    assert writer._terms._runs  # spilled
    writer.cancel()
    assert not list(folder.rglob("*.terms"))
    assert open_dir(str(folder)).doc_count() == 0


def test_buffered_postings_are_the_news_positions_postings():
    rng = random.Random(5)
    for _ in range(120):
        # long texts too: positions past the table of one-word values, frequencies past 255
        words = [rng.choice(WORDS + ["—", "...", "'s"]) for _ in range(rng.choice([0, 5, 80, 10000]))]
        text = " ".join(words)
        docnum = rng.randint(0, 10**6)
        for format_boost, boost in ((1.0, 1.0), (2.0, 1.0), (0.3, 1.7)):
            terms: dict[bytes, list] = {b"cocoa": [0, 1.0, b"x"]}  # an existing term gets appended to
            length, added, count = buffer_postings(text, docnum, format_boost, boost, terms)
            expected = encoded_postings(text)
            assert count == len(expected) and length == text_postings(text)[1]  # stopwords and extra terms aside
            assert added == len([1 for tbytes, _, _ in expected if tbytes != b"cocoa"])
            for tbytes, n, value in expected:
                posting = [docnum, float(n) * format_boost * boost, value]
                assert terms[tbytes] == ([0, 1.0, b"x"] + posting if tbytes == b"cocoa" else posting)


def test_term_table_buckets_behave_as_whooshs_lists():
    """The arrays behind a term table's buckets take Whoosh's own appends too, and give back the same pairs."""
    from array import array

    from searchkit.whoosh_ext.posting_writer import _Buckets

    hashes, positions = [array("Q") for _ in range(256)], [array("q") for _ in range(256)]
    buckets, lists = _Buckets(hashes, positions), [[] for _ in range(256)]
    for i in range(2000):
        pair = ((i * 2654435761) & 0xFFFFFFFF, 16 + 9 * i)
        buckets[pair[0] & 255].append(pair)  # what HashWriter.add does
        lists[pair[0] & 255].append(pair)
    assert len(buckets) == 256
    assert [(len(b), list(b)) for b in buckets] == [(len(b), b) for b in lists]
