"""Which shard a document lives in: a stable hash of its id.

The id's UTF-8 bytes (undecodable file-name bytes kept by ``surrogateescape``)
are hashed with BLAKE2b (8-byte digest, :mod:`hashlib`, no key), read as a
big-endian unsigned integer, modulo the shard count.  The result depends on
nothing but the id and the count: not the process (unlike :func:`hash`), the
machine, the Python version or the order of indexing, so an updated or
removed document is always found in the shard that holds it.
"""

from __future__ import annotations

import hashlib

__all__ = ["ROUTING", "shard_of"]

#: How documents are routed, as recorded in the manifest (a reader refuses any other).
ROUTING = "blake2b-64(id utf-8) mod shards"


def shard_of(doc_id: str, shards: int) -> int:
    """The shard (0 .. ``shards`` - 1) of the document ``doc_id``.

    Raises ``ValueError`` when ``shards`` < 1.
    """
    if shards < 1:
        raise ValueError(f"a sharded index needs at least one shard, not {shards}")
    digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards
