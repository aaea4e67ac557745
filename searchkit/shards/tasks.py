"""The search phases as Dask tasks: each shard searched on a cluster worker, from the shared path.

:class:`DaskShards` is the Dask form of :class:`searchkit.shards.fanout.ThreadShards`:
a phase of :mod:`searchkit.shards.phases` on a shard is one task
(:func:`run_phase`) that opens the shard on the worker from its folder
(every worker must reach the index folder at the same path, see
``docs/scale-out.md``) and keeps it open for the next queries: open shard
searchers are cached per worker process, keyed by the shard folder and the
generation of its Whoosh table of contents (a new commit writes a new
folder, so a stale searcher is never used).  Shard ``i`` prefers worker
``i mod workers`` (sorted by address), so each worker keeps its own shards
open; another worker runs the task when that one is gone.  Only the small picklable
requests and replies of :mod:`.phases` travel.

Imported only when a search is given a scheduler (``--scheduler``,
``Index(path, scheduler=...)``): a plain query never loads Dask.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from ..errors import SearchkitError

__all__ = ["DaskShards", "run_phase", "open_shard_searcher", "CACHED_SHARDS"]

#: Open shard searchers a worker process keeps (least recently used closed first).
CACHED_SHARDS = 64

_open: OrderedDict[tuple[str, int], Any] = OrderedDict()
_lock = threading.Lock()


def open_shard_searcher(root: str, folder: str):
    """A Whoosh searcher of the shard ``folder`` of the sharded index at ``root``, cached in this process.

    Raises :class:`~searchkit.errors.IndexVersionError` when the shard cannot be opened.
    """
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC, FileIndex
    from whoosh.searching import Searcher

    from ..analysis import use_stem_table
    from ..errors import IndexVersionError
    from ..index import INDEX_NAME, read_meta
    from ..schema import make_schema, recorded_title_boost
    from ..whoosh_ext.speedups import lazy_buffer_files
    from ..whoosh_ext.columns import fix_multi_column_reader

    path = Path(root) / folder
    storage = FileStorage(str(path))
    try:
        generation = TOC._latest_generation(storage, INDEX_NAME)
    except Exception:
        generation = -1
    key = (str(path), generation)
    with _lock:
        searcher = _open.get(key)
        if searcher is not None:
            _open.move_to_end(key)
            return searcher
        use_stem_table(root)
        lazy_buffer_files()
        fix_multi_column_reader()
        try:
            schema = make_schema(title_boost=recorded_title_boost(read_meta(path)))
            reader = FileIndex(storage, schema=schema, indexname=INDEX_NAME).reader()
        except Exception as exc:
            raise IndexVersionError(f"shard {folder} of the index at {root} cannot be opened on this worker "
                                    f"({type(exc).__name__}: {str(exc)[:120]})") from None
        searcher = _open[key] = Searcher(reader)
        while len(_open) > CACHED_SHARDS:
            _, old = _open.popitem(last=False)
            try:
                old.close()
            except Exception:
                pass
        return searcher


def run_phase(root: str, folder: str, phase: str, *args: Any) -> Any:
    """The task body: :mod:`~searchkit.shards.phases` ``phase`` on the shard ``folder`` of ``root``."""
    from . import phases

    return getattr(phases, phase)(open_shard_searcher(root, folder), *args)


class DaskShards:
    """Runs a phase on the shards of the sharded index at ``root`` (folders ``dirs``), one Dask task each.

    ``client``: an open :class:`distributed.Client`.
    """

    kind = "dask"

    def __init__(self, client, root: Path, dirs: list[str]):
        self.client = client
        self.root = str(Path(root).resolve())
        self.dirs = list(dirs)
        self.count = len(self.dirs)

    def run(self, phase: str, calls: dict[int, tuple]) -> dict[int, Any]:
        """``{shard: reply}``; a shard's :class:`~.phases.MissingStatistic` or query error is raised as
        is, any other failure (a worker lost, a shard unreadable there) as one-line :class:`SearchkitError`."""
        from ..errors import QueryError
        from .phases import MissingStatistic

        shards = list(calls)
        workers = sorted(self.client.scheduler_info().get("workers", {}))
        # shard i prefers one worker (the one caching it open); any other may run it when that one is busy or gone
        placement = {}
        futures = []
        for shard in shards:
            if workers:  # none known yet (a cluster still starting): the scheduler places the task
                placement = {"workers": [workers[shard % len(workers)]], "allow_other_workers": True}
            futures.append(self.client.submit(run_phase, self.root, self.dirs[shard], phase, *calls[shard],
                                              pure=False, **placement))
        try:
            replies = self.client.gather(futures)
        except (MissingStatistic, QueryError, SearchkitError):
            raise
        except Exception as exc:
            for future in futures:
                future.cancel()
            reason = " ".join(str(exc).split())[:160] or type(exc).__name__
            raise SearchkitError(f"searching the shards on the Dask cluster failed "
                                 f"({type(exc).__name__}: {reason})") from None
        return dict(zip(shards, replies))

    def close(self) -> None:
        pass
