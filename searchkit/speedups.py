"""Small, behaviour-preserving speed-ups of Whoosh's reading path.

:func:`lazy_buffer_files`: Whoosh reads a segment (a compound ``.seg`` file)
through an mmap, handing out each part as a ``BufferFile`` over a memoryview
-- and ``BufferFile.__init__`` wraps that view in a ``BytesIO``, which copies
it.  Opening a searcher therefore copied the whole index into memory (about
30 ms and 65 MB for Reuters-21578), although nearly every read goes through
``BufferFile.get``, which slices the view and never touches the copy.  Here
the ``BytesIO`` is made on first use of ``.file`` only.  Nothing else changes.
"""

from __future__ import annotations

from io import BytesIO

__all__ = ["lazy_buffer_files"]

_done = False


def lazy_buffer_files() -> None:
    """Make ``whoosh.filedb.structfile.BufferFile`` create its ``BytesIO`` lazily (idempotent)."""
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
            handle = self.__dict__["_file"] = BytesIO(self._buf if self._buf is not None else b"")
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
    _done = True
