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
