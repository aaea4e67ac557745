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
from searchkit.whoosh_ext.vector_postings import Term, VectorReader, VectorWriter, term_of, vector_reader

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
        lists[Term(key * 1000 + 17, starts[-1] + 900, len(ids), ids[0], ids[-1])] = (ids, weights, starts)
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
    term = next(iter(lists))
    for other in (term._replace(offset=18), term._replace(offset=10**9)):  # not an entry
        assert reader.arrays(other) is None and reader.directory(other) is None
    for other in (term._replace(count=term.count - 1), term._replace(last=term.last + 1),
                  term._replace(first=term.first + 1), term._replace(length=4)):  # not what the segment says
        assert reader.arrays(other) is None and reader.directory(other) is None


@pytest.fixture(params=["whole list", "blocks"])
def spans_way(request, monkeypatch):
    """How spans_at finds documents' positions: from the whole list's arrays, or summing up only their blocks."""
    whole = request.param == "whole list"
    monkeypatch.setattr(VectorReader, "_whole_list", lambda self, at, docnums: whole)
    return request.param


def test_positions_read_back_exactly_in_every_width(spans_way):
    """Counts and positions as uint16 or uint32, beside every kind of ids and weights; lists without positions."""
    from whoosh.filedb.filestore import RamStorage

    rng = random.Random(21)
    storage = RamStorage()
    writer = VectorWriter(_Segment(), storage, 128)
    lists = {}
    for key, (gap, top, most) in enumerate([(3, 500, 4), (70_000, 65_535, 3), (2, 200_000, 2), (5, 300, 70_000),
                                             (4, 100, 0), (6, 4000, 300)]):
        ids = sorted(rng.sample(range(gap * 400), rng.randint(32, 300)))
        positions = [sorted(rng.sample(range(top + 1), rng.randint(1, 3))) for _ in ids]
        positions[rng.randrange(len(ids))] = [top]
        if most > 100:  # one posting with many positions: uint16 counts, or uint32 past 65,535
            positions[0] = list(range(most))
        starts = [4 + 1000 * k for k in range(-(-len(ids) // 128))]
        term = Term(key * 1000 + 17, starts[-1] + 900, len(ids), ids[0], ids[-1])
        lists[term] = (ids, positions if most else None)
        writer.add(term.offset, ids, _float32(1.0 for _ in ids), starts, positions if most else None)
    writer.close()
    reader = VectorReader(storage.open_file("seg.skv").read())
    widths = set()
    for term, (ids, positions) in lists.items():
        found = reader.positions(term)
        assert reader.has_positions(term) is (positions is not None)
        if positions is None:
            assert found is None and reader.arrays(term)[0].tolist() == ids
            assert reader.positions_at(term, ids[:3]) is None
            continue
        starts, flat = found
        widths.add((flat.dtype.itemsize, int(reader._kinds[reader._entry(term)]) & (8 | 32)))
        assert [flat[starts[i]:starts[i + 1]].tolist() for i in range(len(ids))] == positions
        assert reader.arrays(term)[0].tolist() == ids
        held = dict(zip(ids, positions))
        for wanted in ([], [ids[0]], [ids[-1]], [ids[-1] + 1], ids, sorted(rng.sample(range(ids[-1] + 9), 50))):
            assert reader.positions_at(term, wanted) == [(d, held[d]) for d in wanted if d in held]
    # (positions' width, counts' width bits): 65,536 distinct positions or more are uint32 too
    assert widths == {(2, 32), (4, 32), (2, 0), (4, 8)}


def test_a_changed_kind_byte_never_gives_other_arrays():
    """The kind byte (outside the CRC) says how wide each part is: with any of its bits flipped, an entry's
    ids, weights and positions are read right or not at all (then the blocks are read)."""
    from whoosh.filedb.filestore import RamStorage

    rng = random.Random(31)
    lists = {}
    for key, (top, most) in enumerate([(500, 3), (70_000, 2), (300, 400), (40, 1)]):
        storage = RamStorage()
        writer = VectorWriter(_Segment(), storage, 128)
        ids = sorted(rng.sample(range(9000), rng.randint(32, 400)))
        positions = [sorted(rng.sample(range(top), rng.randint(1, min(most, top)))) for _ in ids]
        weights = _float32(float(len(found)) for found in positions)
        starts = [4 + 1000 * k for k in range(-(-len(ids) // 128))]
        term = Term(17, starts[-1] + 900, len(ids), ids[0], ids[-1])
        writer.add(term.offset, ids, weights, starts, positions)
        writer.close()
        lists[key] = (storage.open_file("seg.skv").read(), term, ids, weights, positions)
    refused = 0
    for data, term, ids, weights, positions in lists.values():
        reader = VectorReader(data)
        kind_at = reader._index + len(reader._keys) * (8 + 8 + 4 + 4 + 4 + 2)  # the kinds column, in file order
        kind_at += -(len(reader._keys) * 8) % 8 * 2 + -(len(reader._keys) * 4) % 8 * 3 + -(len(reader._keys) * 2) % 8
        assert data[kind_at] == reader._kinds[0]
        for bit in range(8):
            damaged = bytearray(data)
            damaged[kind_at] ^= 1 << bit
            changed = VectorReader(bytes(damaged))
            found, read = changed.arrays(term), changed.positions(term)
            if found is not None:
                assert found[0].tolist() == ids and found[1].tolist() == weights, bit
            if read is not None:
                assert [read[1][read[0][i]:read[0][i + 1]].tolist() for i in range(len(ids))] == positions, bit
            refused += found is None or read is None
    assert refused >= 4 * 5  # most flips are caught; the others (unused bits) change nothing


def test_a_flipped_bit_in_the_index_or_footer_never_gives_other_positions(spans_way):
    """Every bit of the index columns and the footer (outside every CRC) flipped in turn: a list's positions
    for given documents are read right or not at all -- never other documents' (a wrong block limit maps
    postings to the wrong blocks), never an exception (a lowered weight-table size)."""
    from whoosh.filedb.filestore import RamStorage

    rng = random.Random(17)
    storage = RamStorage()
    writer = VectorWriter(_Segment(), storage, 128)
    ids = sorted(rng.sample(range(40_000), 1100))
    positions = [sorted(rng.sample(range(3000), rng.randint(1, 4))) for _ in ids]
    starts = [4 + 1000 * k for k in range(-(-len(ids) // 128))]
    term = Term(17, starts[-1] + 900, len(ids), ids[0], ids[-1])
    writer.add(term.offset, ids, _float32(rng.choice([1.0, 2.0, 3.0, 5.0]) for _ in ids), starts, positions)
    writer.close()
    data = storage.open_file("seg.skv").read()
    held = dict(zip(ids, positions))
    wanted = sorted(rng.sample(ids, 3) + [ids[0], ids[-1], ids[-1] + 5])
    expected = [(d, held[d]) for d in wanted if d in held]
    sound = VectorReader(data)
    index = sound._index
    assert sound._ntables[0] == 4
    ntables_at = index + 8 + 8 + 8 + 8 + 8  # keys, offsets, counts, nblocks, CRCs: one entry, each padded to 8
    assert data[ntables_at] == 4
    lowered = bytearray(data)
    lowered[ntables_at] = 3  # a table one shorter takes as many (padded) bytes: the layout does not move
    damages = [bytes(lowered)]
    for at in range(index, len(data)):
        for bit in range(8):
            damaged = bytearray(data)
            damaged[at] ^= 1 << bit
            damages.append(bytes(damaged))
    refused = 0
    for n, damaged in enumerate(damages):
        try:
            found = VectorReader(damaged).positions_at(term, wanted)
        except ValueError:  # not taken for a .skv file at all
            found = None
        assert found in (expected, None), n
        refused += found is None
    assert refused > 100


def test_a_damaged_entry_is_not_used():
    """Any byte of an entry changed: its arrays and directory are refused (CRC-32), the other entries still read."""
    from whoosh.filedb.filestore import RamStorage

    rng = random.Random(9)
    storage = RamStorage()
    writer = VectorWriter(_Segment(), storage, 128)
    terms = []
    for key in (100, 5000):
        ids = sorted(rng.sample(range(3000), 300))
        starts = [4 + 700 * k for k in range(3)]
        writer.add(key, ids, _float32(rng.choice([1.0, 2.0, 3.0]) for _ in ids), starts)
        terms.append(Term(key, 3000, len(ids), ids[0], ids[-1]))
    writer.close()
    data = storage.open_file("seg.skv").read()
    entry_size = len(data) // 2 - 200  # well inside the first entry
    for at in rng.sample(range(entry_size), 25):
        damaged = bytearray(data)
        damaged[at] ^= 0x10
        reader = VectorReader(bytes(damaged))
        assert reader.arrays(terms[0]) is None and reader.directory(terms[0]) is None, at
        assert reader.arrays(terms[1]) is not None and reader.directory(terms[1]) is not None


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
            term = term_of(reader, fieldname, btext)
            found = vectors.arrays(term) if term is not None else None
            if len(ids) < vector_postings.MIN_POSTINGS:
                assert found is None
                skipped_short += 1
                continue
            assert found is not None, (fieldname, btext)
            assert found[0].tolist() == ids and found[1].tolist() == [float(w) for w in weights], (fieldname, btext)
            checked += 1
    assert checked > 40 and skipped_short > 5


def test_the_position_arrays_are_the_positions_of_the_blocks(built):
    """Every list with an entry, in a field with positions: the arrays hold each posting's positions."""
    from searchkit.whoosh_ext.postings import position_reader

    searcher = built._searcher_now()
    checked = 0
    for sub, _ in searcher.leaf_searchers():
        reader = sub.reader()
        vectors = vector_reader(reader)
        for fieldname, btext in reader.all_terms():
            term = term_of(reader, fieldname, btext)
            if fieldname not in vector_postings.FIELDS or term is None or vectors.arrays(term) is None:
                continue
            found = vectors.positions(term)
            if not searcher.schema[fieldname].format.supports("positions"):
                assert found is None
                continue
            postings = reader.postings(fieldname, btext)
            read = position_reader(postings)
            expected = []
            while postings.is_active():
                expected.append(read())
                postings.next()
            starts, flat = found
            assert [flat[starts[i]:starts[i + 1]].tolist() for i in range(len(starts) - 1)] == expected
            checked += 1
    assert checked > 40


def test_positions_at_documents_are_those_the_blocks_give(built, spans_way):
    """positions_at (only the blocks holding the wanted documents summed up): each wanted document's
    positions as the block walk reads them, for wanted lists of every shape, in every block."""
    from searchkit.whoosh_ext.postings import position_reader, positioned_at

    rng = random.Random(9)
    compared = 0
    for wanted, postings, walking, where in _both_ways(built._searcher_now(), ("title", "body"),
                                                lambda size: ([], [0], [size - 1], list(range(size)),
                                                              sorted(rng.sample(range(size), rng.randint(1, 60))))):
        if postings is None:
            continue
        read = position_reader(walking)
        expected = [(d, read()) for d in positioned_at(walking, wanted)]
        reader, fieldname, btext = where
        assert vector_reader(reader).positions_at(term_of(reader, fieldname, btext), wanted) == expected
        compared += 1
    assert compared > 100


def test_proximity_reads_the_same_positions_from_the_arrays_as_from_the_blocks(built, monkeypatch, spans_way):
    """read_positions with the .skv arrays and without them; and the rankings that use them."""
    from searchkit.ranking import proximity

    searcher = built._searcher_now()
    rng = random.Random(3)
    size = searcher.doc_count_all()
    cases = [(fieldname, rng.sample([f"w{n}" for n in range(40)] + ["absent"], rng.randint(1, 5)),
              rng.sample(range(size), rng.randint(1, 80))) for fieldname in ("title", "body") for _ in range(20)]
    queries = ["w0 w1", "w3 w0 w5", "w20 w21 w22", "w1 w2 grain", "w30 w0"]
    assert proximity._arrays_loaded()
    with_arrays = [proximity.read_positions(searcher, *case) for case in cases]
    ranked = [[(h.id, h.score) for h in built.search(q, limit=30)] for q in queries]
    monkeypatch.setattr(proximity, "_arrays_loaded", lambda: False)
    assert [proximity.read_positions(searcher, *case) for case in cases] == with_arrays
    assert sum(len(found) for found in with_arrays) > 500
    assert [[(h.id, h.score) for h in built.search(q, limit=30)] for q in queries] == ranked


def _both_ways(searcher, fields, wanted_lists):
    """For each list of ``fields`` and each of ``wanted_lists(segment size)``: ``(wanted, postings with
    its directory, or None when the list has none; postings that walk every block; (segment reader,
    field name, term bytes))``."""
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
                yield wanted, postings if postings._searchkit_directory is not None else None, walking, \
                    (reader, fieldname, btext)


def test_the_directory_finds_the_documents_the_block_walk_finds(built):
    """positioned_at with a list's directory: the same documents, weights and positions as walking every block."""
    from searchkit.whoosh_ext.postings import position_reader, positioned_at

    rng = random.Random(2)
    compared = 0
    for wanted, postings, walking, where in _both_ways(built._searcher_now(), ("title", "body"),
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
    """term_weights_at (the arrays, where a list has them): the pairs of walking every block."""
    from searchkit.whoosh_ext.postings import positioned_at, term_weights_at

    searcher = built._searcher_now()
    rng = random.Random(4)
    compared = 0
    for sub, _ in searcher.leaf_searchers():
        reader = sub.reader()
        vectors = vector_reader(reader)
        size = reader.doc_count_all()
        for fieldname, btext in reader.all_terms():
            if fieldname not in vector_postings.FIELDS:
                continue
            field = searcher.schema[fieldname]
            term = term_of(reader, fieldname, btext)
            from_arrays = term is not None and vectors.arrays(term) is not None
            for wanted in ([], [0], [size - 1], sorted(rng.sample(range(size), 40)), list(range(size))):
                walking = raw_postings(reader, fieldname, field, btext)
                walking._searchkit_directory = None
                assert list(term_weights_at(reader, fieldname, field, btext, wanted)) == \
                    [(d, walking.weight()) for d in positioned_at(walking, wanted)], (fieldname, btext)
                compared += from_arrays
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


def test_an_index_with_a_damaged_skv_file_finds_what_a_sound_one_finds(built, tmp_path):
    """Bytes changed inside a segment's .skv: searches read those lists from their blocks, same results."""
    import shutil

    from whoosh.filedb.compound import CompoundStorage
    from whoosh.filedb.structfile import StructFile

    queries = ["w0", "w0 w1", "w2 w3 w4", "w0 tags:oil", "w5 w0 w1 w2", "grain w1"]
    expected = [[(h.id, h.score) for h in built.search(q, limit=20)] + [built.search(q).total] for q in queries]
    copy = tmp_path / "index"
    shutil.copytree(built.path, copy)
    rng = random.Random(6)
    damaged = 0
    for seg in sorted(copy.glob("*.seg")) + sorted(copy.glob("*.skv")):  # compound segments, or files of their own
        if seg.suffix == ".skv":
            ranges = [(0, seg.stat().st_size)]
        else:
            with open(seg, "rb") as handle:
                storage = CompoundStorage(StructFile(handle), use_mmap=False)
                ranges = [storage.range(name) for name in storage.list() if name.endswith(".skv")]
        data = bytearray(seg.read_bytes())
        for offset, length in ranges:
            for at in rng.sample(range(offset, offset + length // 2), 40):  # entries, not the index or footer
                data[at] ^= 0x5A
                damaged += 1
        seg.write_bytes(bytes(data))
    assert damaged
    again = searchkit.Index(copy, create=False)
    try:
        got = [[(h.id, h.score) for h in again.search(q, limit=20)] + [again.search(q).total] for q in queries]
    finally:
        again.close()
    assert got == expected


def test_a_reader_dropped_without_closing_is_freed_at_once(built):
    """The close hook holds its reader weakly: no reference cycle keeps a segment's memory map open."""
    import gc
    import weakref

    reader = built._ix.reader()
    subs = [sub for sub, _ in reader.leaf_readers()] if not reader.is_atomic() else [reader]
    assert any(vector_reader(sub) is not None for sub in subs)
    refs = [weakref.ref(sub) for sub in subs]
    was = gc.isenabled()
    gc.disable()
    try:
        del reader, subs
        assert all(ref() is None for ref in refs)  # freed by reference counting alone
    finally:
        if was:
            gc.enable()


def test_exact_form_scores_are_the_same_from_the_arrays_as_from_the_blocks(built, monkeypatch):
    """bm25f_scores (the exact-form stage) reads weights from the .skv arrays without making Whoosh's
    matcher; the same scores, bit for bit, as from the blocks."""
    from searchkit.ranking import RankingConfig, bm25f_scores
    from searchkit.ranking.bm25f import _weighting
    from searchkit.whoosh_ext import postings

    searcher = built._searcher_now()
    model = _weighting(RankingConfig())
    rng = random.Random(23)
    size = searcher.doc_count_all()
    cases = [([(f"w{n}", 1.0 + n / 10, 1.5) for n in rng.sample(range(40), rng.randint(1, 4))],
              rng.sample(range(size), rng.randint(1, 120))) for _ in range(30)]
    read = []
    real = postings.vector_reader
    monkeypatch.setattr(postings, "vector_reader", lambda reader: read.append(1) or real(reader))
    with_arrays = [bm25f_scores(searcher, model, terms, docnums, ("title", "body")) for terms, docnums in cases]
    assert read and sum(len(found) for found in with_arrays) > 300
    monkeypatch.setattr(postings, "vector_reader", lambda reader: None)
    without = [bm25f_scores(searcher, model, terms, docnums, ("title", "body")) for terms, docnums in cases]
    assert [{d: s.hex() for d, s in found.items()} for found in with_arrays] == \
        [{d: s.hex() for d, s in found.items()} for found in without]
