"""Searching a sharded index: :class:`ShardedIndex`, the :class:`searchkit.Index` of a sharded folder.

Every shard is a normal searchkit index.  A query is searched one of three
ways (the ``fanout`` option; results are the same, to the last digit):

* ``"joined"``: one Whoosh searcher whose reader joins the segments of every
  shard's committed generation (named by the manifest) into one
  :class:`whoosh.reading.MultiReader`, with the collection statistics summed
  over all shards *before* any document is scored;
* ``"threads"``: shard by shard, one thread each
  (:mod:`searchkit.shards.fanout`: statistics gathered first, first passes
  apart, pools merged, the page fetched from its shards: Elasticsearch's
  ``dfs_query_then_fetch``);
* ``"dask"``: the same phases as Dask tasks on the workers of a cluster
  (``scheduler=``; :mod:`searchkit.shards.tasks`).

What only the whole collection answers exactly (a date sort, ``stream=True``,
feedback that adds documents) always runs on the joined reader.

Reading needs every shard folder on a path this process can reach (one disk
or a shared filesystem); see ``docs/scale-out.md``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import settings
from ..errors import IndexNotFoundError, IndexVersionError, SearchkitError, rebuild_hint
from ..index import DEFAULT_LOCK_TIMEOUT, INDEX_NAME, Index, flat_paths
from .manifest import MANIFEST_FILE, Manifest, read_manifest

__all__ = ["ShardedIndex", "open_shard_readers", "FANOUTS", "DEFAULT_FANOUT"]

#: How a sharded index searches (see the module docstring).
FANOUTS = ("joined", "threads", "dask")
#: The default for a local sharded index (docs/scale-out.md gives the figures behind it).
DEFAULT_FANOUT = "threads"


def open_shard_readers(path: Path, manifest: Manifest) -> list:
    """One reader per shard (its committed generation), in shard order.

    Raises :class:`IndexVersionError` when a shard folder is missing, empty or
    of another schema version, or when the shards' postings were written with
    different title boosts (recorded in each shard's metadata; never the case
    for shards written by one build).
    """
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import FileIndex

    from ..index import read_meta
    from ..schema import make_schema, recorded_title_boost

    try:
        boosts = {recorded_title_boost(read_meta(path / name)) for name in manifest.dirs}
    except ValueError as exc:
        raise IndexVersionError(f"a shard of the index at {path} has damaged metadata ({exc}); "
                                f"{rebuild_hint(path, sharded=True)}") from None
    if len(boosts) > 1:
        raise IndexVersionError(f"the shards of the index at {path} were written with different title boosts "
                                f"({', '.join(map(str, sorted(boosts)))}); {rebuild_hint(path, sharded=True)}")
    readers = []
    schema = make_schema(title_boost=boosts.pop() if boosts else 1.0)
    try:
        for name in manifest.dirs:
            try:
                ix = FileIndex(FileStorage(str(path / name)), schema=schema, indexname=INDEX_NAME)
                readers.append(ix.reader())
            except Exception as exc:
                raise IndexVersionError(f"shard {name} of the index at {path} cannot be opened "
                                        f"({type(exc).__name__}); {rebuild_hint(path, sharded=True)}") from None
    except BaseException:
        for reader in readers:
            reader.close()
        raise
    return readers


def joined_reader(readers: Sequence):
    """One reader over every segment of ``readers`` (shard order, then segment order)."""
    from whoosh.reading import EmptyReader, MultiReader

    leaves = [leaf for reader in readers for leaf, _ in reader.leaf_readers()
              if not isinstance(leaf, EmptyReader)]
    if not leaves:
        return EmptyReader(readers[0].schema) if readers else None
    return leaves[0] if len(leaves) == 1 else MultiReader(leaves)


class ShardedIndex(Index):
    """A sharded searchkit index: the public API of :class:`~searchkit.Index`.

    ``searchkit.Index(path)`` returns one when ``path`` holds a manifest;
    :meth:`create` makes an empty one with ``shards`` shards.
    """

    #: True only while :meth:`for_run` opens an index of another schema to rebuild it.
    _rebuilding = False

    def __init__(self, path: str | os.PathLike[str] = "index", *, create: bool = True,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT, scheduler: str | None = None,
                 fanout: str | None = None):
        """``scheduler``: the address of a Dask scheduler whose workers search the shards
        (``fanout="dask"``); ``fanout``: ``"joined"``, ``"threads"`` or ``"dask"`` (default
        :data:`DEFAULT_FANOUT`, or ``"dask"`` with a scheduler).  Raises :class:`SearchkitError`
        for an unknown ``fanout`` or ``"dask"`` without a scheduler."""
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._searcher = None
        self._readers: list = []
        self._seen: tuple | None = None
        self._threads = None  # ThreadShards over self._readers
        self._client = None  # a Dask client (fanout "dask")
        self._runner_lock = threading.Lock()  # serve's concurrent requests make one of each
        self.scheduler = scheduler or None
        self.fanout = fanout or ("dask" if self.scheduler else DEFAULT_FANOUT)
        if self.fanout not in FANOUTS:
            raise SearchkitError(f"unknown fanout {self.fanout!r}; use one of {', '.join(FANOUTS)}")
        if self.fanout == "dask" and not self.scheduler:
            raise SearchkitError("fanout 'dask' needs the address of a Dask scheduler (scheduler=...)")
        self.manifest = self._load()
        from ..analysis import use_stem_table
        from ..whoosh_ext.columns import fix_multi_column_reader
        from ..whoosh_ext.speedups import lazy_buffer_files

        use_stem_table(self.path)
        lazy_buffer_files()
        fix_multi_column_reader()  # a segment (or shard) without a column has its documents' defaults

    @classmethod
    def create(cls, path: str | os.PathLike[str], shards: int, *,
               lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> ShardedIndex:
        """Make an empty sharded index of ``shards`` shards at ``path`` (or open the sharded one there).

        Raises :class:`SearchkitError` when ``path`` holds an unsharded index, or
        a sharded one with another shard count.
        """
        from .build import create_sharded

        create_sharded(Path(path), shards, lock_timeout)
        return cls(path, lock_timeout=lock_timeout)

    # --- the committed state ------------------------------------------------

    def _load(self) -> Manifest:
        from ..schema import SCHEMA_VERSION, version_error

        if not (self.path / MANIFEST_FILE).is_file():
            raise IndexNotFoundError(f"no index at {self.path}")
        manifest = read_manifest(self.path)
        if manifest.schema_version != SCHEMA_VERSION and not self._rebuilding:
            raise version_error(self.path, manifest.schema_version, sharded=True)
        return manifest

    def _stamp(self) -> tuple:
        st = os.stat(self.path / MANIFEST_FILE)
        return st.st_mtime_ns, st.st_ino, st.st_size

    def _read_meta(self) -> dict[str, Any]:
        return self.manifest.to_dict()

    def _searcher_now(self):
        """A searcher over every shard's committed generation (reopened after a commit)."""
        from whoosh.searching import Searcher

        try:
            stamp = self._stamp()
        except OSError:
            stamp = self._seen
        if self._searcher is not None and stamp == self._seen:
            return self._searcher
        self._close_readers()
        self.manifest = self._load()
        self._readers = open_shard_readers(self.path, self.manifest)
        self._searcher = Searcher(joined_reader(self._readers))
        self._seen = stamp
        return self._searcher

    def close(self) -> None:
        """Close the shards' readers, the search threads and the Dask client (reopened when next used)."""
        self._close_readers()
        if self._client is not None:
            try:
                self._client.close()
            except Exception:
                pass
            self._client = None

    def _close_readers(self) -> None:
        if self._threads is not None:
            self._threads.close()
            self._threads = None
        if self._searcher is not None:
            self._searcher.close()  # closes the joined reader and so every shard's segments
            self._searcher = None
        for reader in self._readers:
            try:
                reader.close()
            except Exception:
                pass
        self._readers = []

    def __repr__(self) -> str:
        return f"ShardedIndex({str(self.path)!r}, shards={self.manifest.shards})"

    @property
    def shards(self) -> int:
        return self.manifest.shards

    def shard_paths(self) -> list[Path]:
        """The folder of each shard's committed index (each opens as a plain :class:`Index`)."""
        self._searcher_now()  # the latest manifest
        return [self.path / name for name in self.manifest.dirs]

    # --- writing ----------------------------------------------------------

    def add(self, *paths: str | os.PathLike[str], rebuild: bool = False, progress=None,
            source: str | None = None, tags: Sequence[str] = (), duplicate_threshold: float | None = None,
            workers: int | None = None, scheduler: str | None = None, shards: int | None = None):
        """:meth:`Index.add` for a sharded index; the run's shard writes go to Dask when
        ``workers`` (a LocalCluster of that many workers) or ``scheduler`` (an address) is given.

        ``shards`` with ``rebuild=True`` re-shards (the sources are read again).
        """
        from .build import build_sharded

        self.close()
        try:
            return build_sharded(self.path, [Path(p) for p in flat_paths(paths)], rebuild=rebuild, progress=progress,
                                 source=source, tags=tags, duplicate_threshold=duplicate_threshold,
                                 workers=workers, scheduler=scheduler, shards=shards,
                                 lock_timeout=self.lock_timeout)
        finally:
            self._seen = None

    def remove_many(self, doc_ids: Sequence[str]) -> int:
        """Delete these documents (each from its shard) in one commit; return how many there were."""
        from .build import remove_sharded

        self.close()
        try:
            return remove_sharded(self.path, list(dict.fromkeys(doc_ids)), lock_timeout=self.lock_timeout)
        finally:
            self._seen = None

    @classmethod
    def recreate(cls, path, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT):
        raise SearchkitError(f"the sharded index at {path} cannot be opened; delete the folder and index again")

    # --- reading ----------------------------------------------------------

    def search(self, text: str, limit: int = 10, **filters: Any):
        """:meth:`Index.search`; ``fanout=`` (``"joined"``, ``"threads"``, ``"dask"``) overrides the
        index's for this call.  Every way gives the same hits, scores, totals, facets and snippets;
        a date sort, ``stream=True`` and feedback that adds documents run on the joined reader.
        Raises :class:`SearchkitError` (one line) when the Dask scheduler cannot be reached or a
        shard task fails."""
        mode = filters.pop("fanout", None) or self.fanout
        if mode not in FANOUTS:
            raise SearchkitError(f"unknown fanout {mode!r}; use one of {', '.join(FANOUTS)}")
        if mode != "joined" and filters.get("sort", "relevance") == "relevance" and not filters.get("stream"):
            from .fanout import fanout_search

            suggest = filters.pop("suggest", True)
            results = fanout_search(self, self._shard_runner(mode), text, limit=limit, **filters)
            if results is not None:
                if suggest:
                    from ..suggest import suggest_query

                    results.suggestion = suggest_query(self._searcher_now(), text, self.path)
                return results
            filters["suggest"] = suggest
        return super().search(text, limit, **filters)

    def connect(self) -> None:
        """Connect to the Dask scheduler now (searches connect when first run).

        Raises :class:`SearchkitError` (one line) when no scheduler was given or it cannot be reached."""
        self._shard_runner("dask")

    def _shard_runner(self, mode: str):
        """The executor of the shard phases: threads over this process's readers, or Dask tasks."""
        self._searcher_now()  # the latest generation
        with self._runner_lock:
            if mode == "threads":
                if self._threads is None:
                    from .fanout import ThreadShards

                    self._threads = ThreadShards(self._readers)
                return self._threads
            if not self.scheduler:
                raise SearchkitError("fanout 'dask' needs the address of a Dask scheduler (scheduler=...)")
            from .tasks import DaskShards

            if self._client is None:
                from .cluster import connect

                self._client, _ = connect(scheduler=self.scheduler)
            return DaskShards(self._client, self.path, self.manifest.dirs)

    def stats(self) -> dict[str, Any]:
        """:meth:`Index.stats` over every shard (one joined searcher), plus ``shards``."""
        return {**super().stats(), "shards": self.manifest.shards}

    def _folders(self) -> list[Path]:
        return [self.path, *self.shard_paths()]

    def _last_indexed(self) -> str | None:
        return self.manifest.last_indexed

    def shard_sizes(self) -> list[int]:
        """Documents per shard, in shard order."""
        self._searcher_now()
        return [reader.doc_count() for reader in self._readers]


    @classmethod
    def _for_rebuild(cls, folder: Path, lock_timeout: float) -> ShardedIndex:
        """The index at ``folder`` whatever its schema, for a rebuild: its manifest is read, no shard
        (searching it still raises :class:`IndexVersionError`; :meth:`add` with ``rebuild=True`` works)."""
        ix = cls.__new__(cls)
        ix._rebuilding = True
        ix.__init__(folder, lock_timeout=lock_timeout)
        ix._rebuilding = False
        return ix

    @classmethod
    def for_run(cls, path: str | os.PathLike[str], *, shards: int | None = None, workers: int | None = None,
                scheduler: str | None = None, rebuild: bool = False,
                lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> tuple[ShardedIndex, dict[str, Any]]:
        """The sharded index an indexing run writes to, and the keyword options of its :meth:`add`.

        ``shards``: create it when absent; ``scheduler`` defaults to
        ``$SEARCHKIT_SCHEDULER`` (only for a sharded index).  Raises
        :class:`SearchkitError` when ``path`` is an unsharded index, or when
        ``workers``/``scheduler`` are given without a sharded index or ``shards``.
        """
        from .build import create_sharded
        from .cluster import SCHEDULER_ENV
        from .manifest import is_sharded

        folder = Path(path)
        if workers and scheduler:
            raise SearchkitError("give --workers (a local Dask cluster) or --scheduler (an existing one), not both")
        if not is_sharded(folder):
            if shards is None:
                if folder.is_dir() and any(folder.iterdir()):
                    raise SearchkitError(f"--workers and --scheduler build sharded indexes, and the index at {folder} "
                                         f"is not sharded: index into a new --index folder with --shards N")
                raise SearchkitError(f"--workers and --scheduler build a sharded index: add --shards N "
                                     f"to make one at {folder}")
            create_sharded(folder, shards, lock_timeout)
        if not workers and not scheduler:
            scheduler = settings.get(SCHEDULER_ENV) or None
        try:
            ix = cls(folder, lock_timeout=lock_timeout)
        except IndexVersionError:
            if not rebuild:
                raise
            ix = cls._for_rebuild(folder, lock_timeout)  # an older schema: a rebuild is the way out
        options: dict[str, Any] = {"workers": workers, "scheduler": scheduler}
        if shards is not None:
            if not rebuild and shards != ix.shards:
                raise SearchkitError(f"the index at {folder} has {ix.shards} shards; "
                                     f"re-shard with --rebuild --shards {shards}")
            options["shards"] = shards
        return ix, options
