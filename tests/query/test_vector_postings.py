"""A segment's ``.skv`` arrays hold exactly the ids and weights of its posting blocks."""

from __future__ import annotations

import json
import random
from array import array

import pytest

import searchkit
from searchkit.ranking.bm25f import DEFAULT_FIELDS
from searchkit.whoosh_ext import vector_postings
from searchkit.whoosh_ext.postings import iter_blocks, raw_postings
from searchkit.whoosh_ext.vector_postings import VectorReader, VectorWriter, postings_key, vector_reader

np = pytest.importorskip("numpy")


class _Segment:
    """What :class:`VectorWriter` uses of a Whoosh segment."""

    def make_filename(self, ext):
        return "seg" + ext

    def create_file(self, storage, ext):
        return storage.create_file(self.make_filename(ext))


def _float32(values):
    return array("f", values).tolist()


def test_every_kind_of_entry_reads_back_exactly():
    from whoosh.filedb.filestore import RamStorage

    rng = random.Random(5)
    storage = RamStorage()
    writer = VectorWriter(_Segment(), storage, 128)
    lists = {}
    for key, (gap, distinct) in enumerate([(3, 4), (70_000, 4), (3, 1000), (90_000, 300), (1, 1), (65_535, 256)]):
        ids, doc = [], rng.randrange(gap + 1)
        for _ in range(rng.randint(32, 600)):
            ids.append(doc)
            doc += rng.randint(1, gap)
        weights = _float32(rng.choice([rng.random() * 9 for _ in range(distinct)]) for _ in ids)
        starts = [4 + 1000 * k for k in range(-(-len(ids) // 128))]
        lists[key * 1000 + 17] = (ids, weights, starts)
        writer.add(key * 1000 + 17, ids, weights, starts)
    writer.close()
    data = storage.open_file("seg.skv").read()
    for reader in (VectorReader(data), VectorReader(memoryview(data))):  # bytes, or a view of a memory map
        _check_entries(reader, lists)


def _check_entries(reader, lists):
    assert len(set(int(k) for k in reader._kinds)) == 4  # uint16/uint32 ids x coded/float weights
    for key, (ids, weights, starts) in lists.items():
        got_ids, got_weights = reader.arrays(key)
        assert got_ids.tolist() == ids
        assert got_weights.tolist() == weights  # the float32 values, exactly
        got_starts, got_last = reader.directory(key)
        assert list(got_starts) == starts
        assert list(got_last) == [ids[min(k + 128, len(ids)) - 1] for k in range(0, len(ids), 128)]
    assert reader.arrays(18) is None and reader.arrays(10**9) is None  # not an entry
    assert reader.directory(18) is None


def test_no_entry_writes_no_file():
    from whoosh.filedb.filestore import RamStorage

    storage = RamStorage()
    VectorWriter(_Segment(), storage, 128).close()
    assert not storage.file_exists("seg.skv")


def test_the_skv_fields_are_the_fields_plain_words_are_scored_in():
    assert set(DEFAULT_FIELDS) <= vector_postings.FIELDS


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    rng = random.Random(11)
    vocab = [f"w{n}" for n in range(40)]
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
    folder = tmp_path_factory.mktemp("skv")
    ix = searchkit.Index(folder / "index")
    for part in range(2):
        docs = [{"id": f"d{part}-{n}", "title": " ".join(rng.choices(vocab, weights, k=rng.randint(1, 6))),
                 "body": " ".join(rng.choices(vocab, weights, k=rng.randint(5, 120))),
                 "tags": rng.sample(["oil", "gas", "grain"], rng.randint(0, 2))} for n in range(300)]
        (folder / f"p{part}").mkdir()
        (folder / f"p{part}" / "docs.jsonl").write_text("\n".join(json.dumps(d) for d in docs), "utf-8")
        ix.add(folder / f"p{part}")
    yield ix
    ix.close()


def test_the_arrays_are_the_posting_blocks(built):
    searcher = built._searcher_now()
    checked = skipped_short = 0
    for sub, _ in searcher.leaf_searchers():
        reader = sub.reader()
        vectors = vector_reader(reader)
        assert vectors is not None  # written with the segment
        for fieldname, btext in reader.all_terms():
            if fieldname not in vector_postings.FIELDS:
                continue
            field = searcher.schema[fieldname]
            ids, weights = [], []
            for block_ids, block_weights in iter_blocks(raw_postings(reader, fieldname, field, btext)):
                ids.extend(block_ids)
                weights.extend(block_weights)
            key = postings_key(reader, fieldname, btext)
            found = vectors.arrays(key) if key is not None else None
            if len(ids) < vector_postings.MIN_POSTINGS:
                assert found is None
                skipped_short += 1
                continue
            assert found is not None, (fieldname, btext)
            assert found[0].tolist() == ids and found[1].tolist() == [float(w) for w in weights], (fieldname, btext)
            checked += 1
    assert checked > 40 and skipped_short > 5


def _both_ways(searcher, fields, wanted_lists):
    """For each list of ``fields`` and each of ``wanted_lists(segment size)``: ``(wanted, postings with
    its directory, or None when the list has none; postings that walk every block)``."""
    for sub, _ in searcher.leaf_searchers():
        reader = sub.reader()
        for fieldname, btext in reader.all_terms():
            if fieldname not in fields:
                continue
            field = searcher.schema[fieldname]
            for wanted in wanted_lists(reader.doc_count_all()):
                postings = raw_postings(reader, fieldname, field, btext)
                walking = raw_postings(reader, fieldname, field, btext)
                walking._searchkit_directory = None
                yield wanted, postings if postings._searchkit_directory is not None else None, walking


def test_the_directory_finds_the_documents_the_block_walk_finds(built):
    """positioned_at with a list's directory: the same documents, weights and positions as walking every block."""
    from searchkit.whoosh_ext.postings import position_reader, positioned_at

    rng = random.Random(2)
    compared = 0
    for wanted, postings, walking in _both_ways(built._searcher_now(), ("title", "body"),
                                                lambda size: [sorted(rng.sample(range(size), rng.randint(1, 60)))
                                                              for _ in range(3)]):
        if postings is None:
            continue
        read, read_walking = position_reader(postings), position_reader(walking)
        assert [(d, postings.weight(), read()) for d in positioned_at(postings, wanted)] == \
            [(d, walking.weight(), read_walking()) for d in positioned_at(walking, wanted)]
        compared += 1
    assert compared > 50


def test_weights_from_the_arrays_are_those_of_the_blocks(built):
    from searchkit.whoosh_ext.postings import positioned_at, weights_at

    rng = random.Random(4)
    compared = 0
    for wanted, postings, walking in _both_ways(built._searcher_now(), vector_postings.FIELDS,
                                                lambda size: ([], [0], [size - 1], sorted(rng.sample(range(size), 40)),
                                                              list(range(size)))):
        if postings is None:
            continue
        assert list(weights_at(postings, wanted)) == [(d, walking.weight()) for d in positioned_at(walking, wanted)]
        compared += 1
    assert compared > 50


def test_a_segment_without_the_file_is_read_from_its_blocks(built, monkeypatch):
    queries = ["w0 w1", "w3 oil", "w20 w21 w22", "grain"]
    expected = [[(h.id, h.score) for h in built.search(q)] for q in queries]
    searcher = built._searcher_now()
    for sub, _ in searcher.leaf_searchers():  # as for an index written before .skv files
        sub.reader().__dict__["_searchkit_vector_reader"] = None
        sub.reader().__dict__.pop("_searchkit_vectors", None)
    assert [[(h.id, h.score) for h in built.search(q)] for q in queries] == expected


def test_closing_a_searcher_lets_go_of_the_memory_map(tmp_path, monkeypatch):
    """The arrays' buffer is dropped before the segment's storage closes: no forced collection, no open map."""
    import gc

    rng = random.Random(8)
    ix = searchkit.Index(tmp_path / "index")
    docs = [{"id": f"d{n}", "title": "oil prices", "body": " ".join(rng.choice(["oil", "gas", "price", "tanker"])
                                                                   for _ in range(30))} for n in range(200)]
    (tmp_path / "docs.jsonl").write_text("\n".join(json.dumps(d) for d in docs), "utf-8")
    ix.add(tmp_path / "docs.jsonl")
    assert [h.id for h in ix.search("oil tanker")]
    readers = [sub.reader() for sub, _ in ix._searcher_now().leaf_searchers()]
    held = [vector_reader(r) for r in readers]
    assert any(v is not None and isinstance(v._buf, memoryview) for v in held)  # a view of the segment's map
    collections = []
    real = gc.collect
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(1) or real(*args))
    ix.close()
    assert not collections  # Whoosh collects garbage only when a view of a map it closes is still held
    assert all(v is None or v._buf is None for v in held)
