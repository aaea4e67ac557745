"""Sharded indexes: one index split into N shard indexes, built locally or on a Dask cluster.

* :mod:`.manifest` -- the ``shards.json`` that makes a folder a sharded index (atomic commits);
* :mod:`.routing` -- which shard a document id lives in (a stable hash);
* :mod:`.build` -- indexing runs: documents routed to their shards, one writer per shard,
  the manifest committed last (locally, or as Dask tasks: :mod:`.cluster`);
* :mod:`.reading` -- the read tasks of a run: files and byte ranges of big dumps read and
  parsed where the tasks run, replayed by the coordinator in document order;
* :mod:`.search` -- :class:`ShardedIndex`, the :class:`searchkit.Index` of a sharded folder.

Nothing here is imported by an unsharded index beyond :func:`.manifest.is_sharded`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ShardedIndex", "is_sharded", "shard_of"]


def __getattr__(name: str) -> Any:
    if name == "ShardedIndex":
        from .search import ShardedIndex

        return ShardedIndex
    if name == "is_sharded":
        from .manifest import is_sharded

        return is_sharded
    if name == "shard_of":
        from .routing import shard_of

        return shard_of
    raise AttributeError(name)
