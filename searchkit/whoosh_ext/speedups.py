"""Small, behaviour-preserving speed-ups of Whoosh's reading path.

:func:`lazy_buffer_files`: Whoosh reads a segment (a compound ``.seg`` file)
through an mmap, handing out each part as a ``BufferFile`` over a memoryview
-- and ``BufferFile.__init__`` wraps that view in a ``BytesIO``, which copies
it.  Opening a searcher therefore copied the whole index into memory (about
30 ms and 65 MB for Reuters-21578), although nearly every read goes through
``BufferFile.get``, which slices the view and never touches the copy.  Here
``.file`` is a :class:`_ViewReader` instead: ``seek``/``tell``/``read``/
``readline`` over the same view, without a copy.  (A lazy ``BytesIO`` was not
enough: reading a posting list's header seeks, and the first seek copied the
whole part -- the postings file of a Reuters index, on every cold query.)
Whoosh only ever reads through a ``BufferFile``.  :class:`_ViewReader` also
has ``peek``, which the C unpickler uses to take a whole posting block's
pickled header in one call, where it otherwise calls ``read`` once per
opcode (about 20 calls a header, the largest single cost of opening a
block).

:func:`fast_term_reading` (called by :func:`lazy_buffer_files`): a posting
block's ids are undone from deltas by ``itertools.accumulate`` instead of
Whoosh's Python generator (the same tuple of ints), and a term dictionary
remembers where each term it was asked for lies (an md5 hash and several
reads a look-up otherwise; a query asks for the same terms many times: idf,
each field, each re-rank stage).  Segments never change once written, so
the memo is always right; it is bounded per dictionary.  Likewise a
segment's postings file remembers its most recently read blocks: the
header (block length, last id, max weight, ...) and the decompressed,
unpickled data tuple, so the blocks of a common word are decoded once per
searcher, not once per query and stage (:data:`BLOCK_MEMO` blocks per
file, forgotten all at once when full).
"""

from __future__ import annotations

__all__ = ["lazy_buffer_files", "fast_term_reading"]

_done = False

#: The most ``_ViewReader.peek`` copies (the unpickler asks for 8 KB; a block header is ~50 bytes).
_PEEK = 512


class _ViewReader:
    """A read-only, seekable file over a bytes-like object (no copy)."""

    __slots__ = ("_view", "_pos")

    def __init__(self, buf) -> None:
        self._view = memoryview(buf) if buf is not None else memoryview(b"")
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._pos = max(start, end)
        return bytes(self._view[start:end])

    def peek(self, size: int = 0) -> bytes:
        """Bytes from the position on (up to ``_PEEK``, at least 1 unless at the end), without moving."""
        start = self._pos
        return bytes(self._view[start:start + max(1, min(size, _PEEK))])

    def readline(self, size: int = -1) -> bytes:
        start = self._pos
        limit = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        chunk = self._view[start:limit].tobytes()
        cut = chunk.find(b"\n")
        line = chunk if cut < 0 else chunk[: cut + 1]
        self._pos = start + len(line)
        return line

    def readinto(self, target) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        base = 0 if whence == 0 else self._pos if whence == 1 else len(self._view)
        position = base + offset
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self._pos = position
        return position

    def tell(self) -> int:
        return self._pos

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def close(self) -> None:
        self._view.release()


def lazy_buffer_files() -> None:
    """Make ``whoosh.filedb.structfile.BufferFile`` read its buffer in place (idempotent)."""
    global _done
    if _done:
        return
    from whoosh.filedb.structfile import BufferFile

    original_close = BufferFile.close

    def __init__(self, buf, name=None, onclose=None):
        self._buf = buf
        self._name = name
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def _get_file(self):
        try:
            return self.__dict__["_file"]
        except KeyError:
            handle = self.__dict__["_file"] = _ViewReader(self._buf)
            return handle

    def _set_file(self, value):
        self.__dict__["_file"] = value

    def close(self):
        if "_file" not in self.__dict__ and not self.is_closed:
            self.__dict__["_file"] = None  # nothing to close: do not make a copy just for that
        return original_close(self)

    BufferFile.__init__ = __init__
    BufferFile.file = property(_get_file, _set_file)
    BufferFile.close = close
    fast_term_reading()
    _done = True


#: Terms a dictionary remembers the place of (then it starts again).
TERM_MEMO = 4096

#: Posting blocks a postings file remembers, headers and decoded data (then it starts again).
BLOCK_MEMO = 2048

_fast_terms = False

#: Whoosh's own functions replaced by :func:`fast_term_reading` (the tests compare against them).
WHOOSH_ORIGINALS: dict = {}


def fast_term_reading() -> None:
    """Posting ids undone from deltas in C, and term places memoized per term dictionary (idempotent)."""
    global _fast_terms
    if _fast_terms:
        return
    from itertools import accumulate

    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.filedb.filetables import HashReader

    def _read_ids(self):
        if self._data is None:
            self._read_data()
        ids = self._data[0]
        if not self._byteids:
            ids = tuple(accumulate(ids))  # Whoosh: tuple(delta_decode(ids)), the same running sums
        self._ids = ids

    original_ranges = WHOOSH_ORIGINALS["ranges_for_key"] = HashReader.ranges_for_key

    def ranges_for_key(self, key):
        memo = self.__dict__.get("_searchkit_ranges")
        if memo is None:
            memo = self.__dict__["_searchkit_ranges"] = {}
        found = memo.get(key)
        if found is None:
            found = tuple(original_ranges(self, key))
            if len(memo) >= TERM_MEMO:
                memo.clear()
            memo[key] = found
        return iter(found)

    original_goto = WHOOSH_ORIGINALS["_goto"] = W3LeafMatcher._goto
    original_read_data = WHOOSH_ORIGINALS["_read_data"] = W3LeafMatcher._read_data

    def _blocks_of(postfile) -> dict:
        memo = postfile.__dict__.get("_searchkit_blocks")
        if memo is None:
            memo = postfile.__dict__["_searchkit_blocks"] = {}
        elif len(memo) >= BLOCK_MEMO:
            memo.clear()
        return memo

    def _goto(self, position):
        memo = _blocks_of(self._postfile)
        header = memo.get(position)
        if header is None:
            original_goto(self, position)
            memo[position] = (self._lastblock, self._nextoffset, self._dataoffset, self._blocklength,
                              self._maxid, self._maxweight, self._compression, self._minlength,
                              self._maxlength)
            return
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        (self._lastblock, self._nextoffset, self._dataoffset, self._blocklength, self._maxid,
         self._maxweight, self._compression, self._minlength, self._maxlength) = header

    def _read_data(self):
        memo = _blocks_of(self._postfile)
        key = -1 - self._dataoffset  # beside the headers (by block position >= 0) in one memo
        data = memo.get(key)
        if data is None:
            original_read_data(self)
            memo[key] = self._data
        else:
            self._data = data

    W3LeafMatcher._read_ids = _read_ids
    W3LeafMatcher._goto = _goto
    W3LeafMatcher._read_data = _read_data
    HashReader.ranges_for_key = ranges_for_key
    _fast_terms = True


_MORPH = "whoosh.lang.morph_en"


def defer_whoosh_morphology() -> None:
    """Import ``whoosh.lang.morph_en`` on first use, not when ``whoosh.query`` is imported.

    ``whoosh.query.terms`` imports ``variations`` from it at import time for
    its ``Variations`` query, which searchkit never builds; compiling that
    module's regular expressions was the largest single import of a cold
    query (~5 ms).  A stand-in module takes its place in ``sys.modules``; its
    ``variations`` loads the real module (and puts it in ``sys.modules``) on
    the first call.  Must run before ``whoosh.query`` is first imported;
    does nothing after.
    """
    import sys

    if _MORPH in sys.modules or "whoosh.query.terms" in sys.modules:
        return
    from types import ModuleType

    stand_in = ModuleType(_MORPH, "Stand-in: the real module is loaded on first use (searchkit.whoosh_ext.speedups).")
    stand_in.variations = _variations  # type: ignore[attr-defined]
    sys.modules[_MORPH] = stand_in


def _real_morph_en():
    import importlib.util
    import os
    import sys

    module = sys.modules.get(_MORPH)
    if module is not None and hasattr(module, "rules"):  # the real one
        return module
    import whoosh.lang

    path = os.path.join(os.path.dirname(whoosh.lang.__file__), "morph_en.py")
    spec = importlib.util.spec_from_file_location(_MORPH, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[_MORPH] = module
    return module


def _variations(word: str):
    return _real_morph_en().variations(word)
