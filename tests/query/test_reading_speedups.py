"""``_ViewReader.peek``: the unpickler reads block headers through it, with the same objects and position as ``read``."""

from __future__ import annotations

import pickle
from io import BytesIO

from hypothesis import given, settings, strategies as st

from searchkit.whoosh_ext.speedups import _PEEK, _ViewReader

values = st.recursive(st.none() | st.integers() | st.floats(allow_nan=False) | st.binary(max_size=40)
                      | st.text(max_size=40), lambda inner: st.tuples(inner, inner) | st.lists(inner, max_size=5),
                      max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(before=st.binary(max_size=20), objs=st.lists(values, min_size=1, max_size=4), after=st.binary(max_size=20),
       big=st.booleans())
def test_pickles_load_from_a_view_as_from_bytesio(before, objs, after, big):
    if big:
        objs = objs + [b"x" * (_PEEK * 3)]  # longer than one peek: the unpickler reads on
    data = before + b"".join(pickle.dumps(obj, -1) for obj in objs) + after
    view, reference = _ViewReader(memoryview(data)), BytesIO(data)
    view.seek(len(before))
    reference.seek(len(before))
    for _ in objs:
        assert pickle.load(view) == pickle.load(reference)
        assert view.tell() == reference.tell()
    assert view.read() == reference.read() == after


def test_peek_does_not_move_and_is_empty_only_at_the_end():
    view = _ViewReader(memoryview(b"abc"))
    assert view.peek(2) == b"ab" and view.tell() == 0
    assert view.peek(0) == b"a"  # at least one byte, as io.BufferedReader.peek
    view.seek(3)
    assert view.peek(5) == b""


def test_posting_ids_and_term_places_read_as_whoosh_reads_them(tmp_path):
    """The patched readers give Whoosh's own values: ids undone from deltas, term places and absences."""
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.filedb.filetables import HashReader
    from whoosh.util.numlists import delta_decode

    import searchkit
    from searchkit.whoosh_ext import speedups

    from ..conftest import REPO

    ix = searchkit.Index(tmp_path / "index")
    ix.add(REPO / "tests" / "fixtures" / "reuters")
    speedups.fast_term_reading()
    whoosh_ranges = speedups.WHOOSH_ORIGINALS["ranges_for_key"]
    assert HashReader.ranges_for_key is not whoosh_ranges
    with ix._ix.searcher() as searcher:
        for sub, _ in searcher.leaf_searchers():
            reader = sub.reader()
            table = reader._terms._tindex
            keys = [key for key, _ in zip(table.keys(), range(300))] + [b"\x00\x00no such term", b"\xff\xffx"]
            for key in keys * 2:  # the second time from the memo
                whoosh = list(whoosh_ranges(table, key))
                assert list(table.ranges_for_key(key)) == whoosh
                assert (key in table) == bool(whoosh)
            for fieldname, text in list(reader.all_terms())[:400]:
                matcher = reader.postings(fieldname, text)
                if not isinstance(matcher, W3LeafMatcher):
                    continue
                while matcher.is_active():
                    matcher._read_ids()
                    if not matcher._byteids:
                        assert matcher._ids == tuple(delta_decode(matcher._data[0]))
                    matcher._next_block()
    ix.close()


def _blocks(reader, fieldname, text):
    matcher = reader.postings(fieldname, text)
    out = []
    while matcher.is_active():
        out.append((matcher.id(), matcher.block_max_id(), matcher.block_max_weight(), matcher.block_min_length(),
                    matcher.block_max_length(), matcher.weight(), matcher.value()))
        matcher.next()
    return out


def test_remembered_blocks_read_as_whoosh_reads_them(tmp_path, monkeypatch):
    """Every posting (id, block figures, weight, value) the same with the block memo, also when it is full."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    import searchkit
    from searchkit.whoosh_ext import speedups

    from ..conftest import REPO

    ix = searchkit.Index(tmp_path / "index")
    ix.add(REPO / "tests" / "fixtures" / "reuters")
    speedups.fast_term_reading()
    with ix._ix.searcher() as searcher:
        for sub, _ in searcher.leaf_searchers():
            reader = sub.reader()
            terms = [t for t in reader.all_terms() if t[0] in ("body", "title")][:300]
            with monkeypatch.context() as whoosh:
                whoosh.setattr(W3LeafMatcher, "_goto", speedups.WHOOSH_ORIGINALS["_goto"])
                whoosh.setattr(W3LeafMatcher, "_read_data", speedups.WHOOSH_ORIGINALS["_read_data"])
                expected = [_blocks(reader, f, t) for f, t in terms]
            monkeypatch.setattr(speedups, "BLOCK_MEMO", 7)  # forgotten again and again
            assert [_blocks(reader, f, t) for f, t in terms] == expected
            monkeypatch.setattr(speedups, "BLOCK_MEMO", 100000)
            assert [_blocks(reader, f, t) for f, t in terms] == expected
            assert [_blocks(reader, f, t) for f, t in terms] == expected  # from the memo
    ix.close()


def test_position_reader_gives_whoosh_positions(tmp_path):
    """Positions decoded from the block values are ``value_as("positions")``, on every posting, with deletions too."""
    import searchkit
    from searchkit.whoosh_ext.postings import position_reader, raw_postings

    from ..conftest import REPO

    ix = searchkit.Index(tmp_path / "index")
    ix.add(REPO / "tests" / "fixtures" / "reuters")
    checked = 0
    with ix._ix.searcher() as searcher:
        for sub, _ in searcher.leaf_searchers():
            reader = sub.reader()
            for fieldname, text in reader.all_terms():
                if fieldname not in ("body", "title", "tags"):
                    continue
                field = reader.schema[fieldname]
                for postings in (raw_postings(reader, fieldname, field, text), reader.postings(fieldname, text)):
                    positions = position_reader(postings)
                    while postings.is_active():
                        assert positions() == postings.value_as("positions")
                        checked += 1
                        postings.next()
    assert checked > 100
    ix.close()


def test_positioned_at_finds_what_skip_to_finds(tmp_path):
    """The block path of ``positioned_at`` (bisection from the last place) yields the documents, weights and
    positions the generic ``skip_to`` path yields, for random sorted sets of wanted documents."""
    import random

    import searchkit
    from searchkit.whoosh_ext.postings import positioned_at, raw_postings

    from ..conftest import REPO

    class Generic:  # a matcher without the block API: positioned_at steps it with skip_to
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            if name.startswith("_") or name == "block_max_id":
                raise AttributeError(name)
            return getattr(self.inner, name)

    ix = searchkit.Index(tmp_path / "index")
    ix.add(REPO / "tests" / "fixtures" / "reuters", REPO / "tests" / "fixtures" / "newsroom")
    rng = random.Random(5)
    with ix._ix.searcher() as searcher:
        for sub, _ in searcher.leaf_searchers():
            reader = sub.reader()
            size = reader.doc_count_all()
            terms = [t for t in reader.all_terms() if t[0] == "body"]
            for fieldname, text in rng.sample(terms, min(200, len(terms))):
                field = reader.schema[fieldname]
                wanted = sorted(rng.sample(range(size), rng.randint(0, size)))
                fast, slow = raw_postings(reader, fieldname, field, text), raw_postings(reader, fieldname, field, text)
                got = [(d, fast.weight(), fast.value()) for d in positioned_at(fast, wanted)]
                generic = Generic(slow)
                expected = [(d, slow.weight(), slow.value()) for d in positioned_at(generic, wanted)]
                assert got == expected, text
    ix.close()
