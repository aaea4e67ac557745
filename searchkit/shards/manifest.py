"""The manifest (``shards.json``): what makes a folder a sharded index, and its commit point.

It names the shard count, the routing rule, the schema version, a generation
number and, for each shard, the folder holding its current index
(``shard-003.g7``).  A run writes changed shards into *new* folders and then
replaces the manifest atomically (temporary file, fsync, :func:`os.replace`,
fsync of the folder): readers see either the old set of shard folders or the
new one, never a mix, and a run killed before the replace leaves the previous
index whole (its new folders are deleted by the next run).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["MANIFEST_FILE", "FORMAT", "Manifest", "is_sharded", "read_manifest", "write_manifest",
           "shard_folder_name"]

MANIFEST_FILE = "shards.json"
#: Version of the manifest's own layout.
FORMAT = 1


def is_sharded(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a sharded index folder (it holds a manifest); one stat."""
    return os.path.isfile(os.path.join(os.fspath(path), MANIFEST_FILE))


def shard_folder_name(shard: int, generation: int) -> str:
    return f"shard-{shard:03d}.g{generation}"


@dataclass
class Manifest:
    """The committed state of a sharded index.  ``dirs[i]`` is shard ``i``'s folder (relative)."""

    shards: int
    routing: str
    schema_version: int
    generation: int = 0
    dirs: list[str] = field(default_factory=list)
    duplicate_threshold: float | None = None
    last_indexed: str | None = None
    format: int = FORMAT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_manifest(path: str | os.PathLike[str]) -> Manifest:
    """The manifest of the sharded index at ``path``.

    Raises :class:`~searchkit.errors.IndexVersionError` when it cannot be read,
    has another layout or routing rule, or does not name one folder per shard.
    """
    from ..errors import IndexVersionError
    from .routing import ROUTING

    where = Path(path) / MANIFEST_FILE
    try:
        data = json.loads(where.read_text("utf-8"))
        manifest = Manifest(**{k: data[k] for k in Manifest.__dataclass_fields__ if k in data})
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise IndexVersionError(f"the shard manifest {where} cannot be read ({type(exc).__name__})") from None
    if manifest.format != FORMAT or manifest.routing != ROUTING:
        raise IndexVersionError(f"the sharded index at {path} was made by another version of searchkit "
                                f"(manifest format {manifest.format}, routing {manifest.routing!r})")
    if manifest.shards < 1 or len(manifest.dirs) != manifest.shards or any(
            not isinstance(d, str) or "/" in d or d.startswith(".") for d in manifest.dirs):
        raise IndexVersionError(f"the shard manifest {where} is damaged (its shard folders do not add up)")
    return manifest


def write_manifest(path: str | os.PathLike[str], manifest: Manifest) -> None:
    """Replace the manifest of ``path`` atomically and durably (the commit point of a run)."""
    folder = Path(path)
    tmp = folder / (MANIFEST_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(manifest.to_dict(), out, indent=2)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, folder / MANIFEST_FILE)
    fsync_folder(folder)


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
