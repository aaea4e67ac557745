"""Near-duplicate detection at index time: MinHash of word shingles, LSH banding, cluster labels.

A document's body becomes the set of its 5-word shingles (case-folded words);
its MinHash signature (:data:`NUM_PERM` hash values) estimates the Jaccard
similarity of two such sets as the fraction of equal values (Broder, "On the
resemblance and containment of documents", 1997).  LSH banding (Leskovec,
Rajaraman and Ullman, *Mining of Massive Datasets*, ch. 3) cuts the signature
into ``b`` bands of ``r`` rows; documents sharing a band are candidates, and
a candidate whose estimated similarity reaches the threshold is a copy.  The
MinHash and the choice of ``b`` and ``r`` for a threshold come from
``datasketch`` (imported only when indexing: it brings numpy and scipy).

Every document gets a ``cluster`` label: a new one of its own, or the label
of its most similar earlier copy.  The signature is kept as a column
(``minhash``), so a later run finds copies among committed documents from
band keys rebuilt from that column, and labels never need rewriting: a copy added later joins its story's cluster, and a removed
document simply leaves it.  Clusters are thus single-link and order
dependent in one respect: a document similar to two clusters joins the more
similar one (they are not merged), and removing a document never splits the
cluster it linked.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from typing import Any

__all__ = ["SHINGLE_WORDS", "NUM_PERM", "DEFAULT_THRESHOLD", "shingles", "Deduplicator", "ClusterAssigner",
           "jaccard"]

#: Words per shingle.
SHINGLE_WORDS = 5
#: Hash functions in a MinHash signature (the standard error of the estimated
#: similarity is about sqrt(J(1-J)/NUM_PERM): 0.035 at J = 0.8).
NUM_PERM = 128
#: Estimated Jaccard similarity of shingle sets from which two bodies are copies.
DEFAULT_THRESHOLD = 0.8
#: Seed of the MinHash permutations: fixed, or signatures of two runs would not compare.
SEED = 1
#: datasketch's permutation scheme (32-bit values), named so that a new default cannot change signatures.
SCHEME = "affine32"

_WORD = re.compile(r"\w+")


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[bytes]:
    """The set of ``k``-word shingles of ``text`` (case-folded ``\\w+`` words, UTF-8).

    A text of fewer than ``k`` words is one shingle; an empty text has none.
    """
    words = _WORD.findall(text.casefold())
    if not words:
        return set()
    if len(words) <= k:
        return {" ".join(words).encode()}
    return {" ".join(words[i:i + k]).encode() for i in range(len(words) - k + 1)}


def jaccard(a: set, b: set) -> float:
    """|a & b| / |a | b| (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


class Deduplicator:
    """Signatures and LSH band keys for a similarity ``threshold`` (0 < threshold <= 1).

    A signature is :data:`NUM_PERM` MinHash values cut to 16 bits (two
    different values collide with probability 1/65,536, which moves an
    estimate by less than 0.001; it halves what the index stores).  Raises
    ``ValueError`` for a threshold outside that range.
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, num_perm: int = NUM_PERM):
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"the similarity threshold must be above 0 and at most 1, not {threshold}")
        from datasketch import MinHash, MinHashLSH

        import numpy

        self.threshold = threshold
        self.num_perm = num_perm
        try:
            lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)  # optimal bands for the threshold
            self.bands, self.rows = lsh.b, lsh.r
        except ValueError:  # a threshold near 1 is best served by one band, which datasketch refuses
            self.bands, self.rows = 2, num_perm // 2
        self._minhash = MinHash
        self._permutations = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations
        self._np = numpy

    def signature(self, text: str):
        """The MinHash signature of ``text`` (a numpy uint16 array), or None for a text without words."""
        found = shingles(text)
        if not found:
            return None
        minhash = self._minhash(num_perm=self.num_perm, seed=SEED, permutations=self._permutations,
                                scheme=SCHEME, hashfunc=zlib.crc32)
        minhash.update_batch(list(found))
        return (minhash.hashvalues & 0xFFFF).astype(self._np.uint16)

    def band_keys(self, signature) -> list[int]:
        """The LSH band keys of a signature: per band, a 64-bit hash (BLAKE2b keyed by the band) of its values."""
        data = signature.tobytes()
        width = self.rows * 2
        return [int.from_bytes(hashlib.blake2b(data[band * width:(band + 1) * width], digest_size=8,
                                               salt=band.to_bytes(2, "little")).digest(), "little")
                for band in range(self.bands)]

    def similarity(self, a, b) -> float:
        """The estimated Jaccard similarity of two signatures."""
        return float(self._np.count_nonzero(a == b)) / len(a)

    def from_bytes(self, data: bytes):
        return self._np.frombuffer(data, dtype=self._np.uint16)


def _new_label(doc_id: str, signature) -> str:
    digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=6)
    if signature is not None:
        digest.update(signature.tobytes())
    return digest.hexdigest()


class ClusterAssigner:
    """Gives each document written in one indexing run its ``cluster`` and ``minhash`` fields.

    ``reader``: a Whoosh reader of the committed index (None when the run
    rebuilds it); its signatures are read from the ``minhash`` column, once,
    when the run writes its first document, into sorted band-key arrays
    (about 110 bytes per committed document).  Call :meth:`forget` for every
    id the run deletes or replaces, before the replacement is assigned.  The
    run's own documents cost about 1 KB each (signature and band keys).
    """

    def __init__(self, reader, threshold: float = DEFAULT_THRESHOLD):
        self.dedup = Deduplicator(threshold)
        self.reader = reader if reader is not None and reader.doc_count() else None
        self.gone: set[str] = set()
        self._bands: dict[tuple[int, int], list[str]] = {}
        self._docs: dict[str, tuple[Any, str]] = {}
        self._committed = None

    def forget(self, doc_id: str) -> None:
        self.gone.add(doc_id)
        self._docs.pop(doc_id, None)

    def fields(self, doc_id: str, body: str) -> dict[str, Any]:
        """``{"cluster", "minhash"}`` for a document about to be written."""
        dedup = self.dedup
        signature = dedup.signature(body or "")
        if signature is None:  # no words: alone
            return {"cluster": _new_label(doc_id, None)}
        keys = dedup.band_keys(signature)
        best, label = 0.0, None
        for other_signature, other_label in self._candidates(keys, doc_id):
            score = dedup.similarity(signature, other_signature)
            if score >= dedup.threshold and score > best:
                best, label = score, other_label
        if label is None:
            label = _new_label(doc_id, signature)
        self.gone.discard(doc_id)
        self._docs[doc_id] = (signature, label)
        for band, key in enumerate(keys):
            self._bands.setdefault((band, key), []).append(doc_id)
        return {"cluster": label, "minhash": signature.tobytes()}

    def _load_committed(self) -> None:
        """Band-key tables of the committed documents: per band, sorted keys and their docnums."""
        np = self.dedup._np
        reader = self.reader
        ids, labels, signatures = (reader.column_reader(name, translate=False) for name in ("id", "cluster", "minhash"))
        docnums, rows = [], []
        width = self.dedup.num_perm * 2
        for docnum in reader.all_doc_ids():
            raw = signatures[docnum]
            if raw and len(raw) == width:
                docnums.append(docnum)
                rows.append(raw)
        matrix = np.frombuffer(b"".join(rows), dtype=np.uint16).reshape(len(rows), self.dedup.num_perm)
        keys = np.array([self.dedup.band_keys(row) for row in matrix], dtype=np.uint64).reshape(
            len(rows), self.dedup.bands)
        tables = []
        for band in range(self.dedup.bands):
            order = np.argsort(keys[:, band], kind="stable")
            tables.append((keys[order, band], order))
        self._committed = (tables, np.asarray(docnums, dtype=np.int64), matrix, ids, labels)

    def _candidates(self, keys: list[int], doc_id: str):
        """(signature, label) of the documents sharing a band with these keys, each once."""
        seen: set[str] = {doc_id}
        for band, key in enumerate(keys):
            for other in self._bands.get((band, key), ()):
                if other not in seen and other in self._docs:
                    seen.add(other)
                    yield self._docs[other]
        if self.reader is None:
            return
        if self._committed is None:
            self._load_committed()
        np = self.dedup._np
        tables, docnums, matrix, ids, labels = self._committed
        rows: set[int] = set()
        for band, key in enumerate(keys):
            sorted_keys, order = tables[band]
            value = np.uint64(key)
            low = int(np.searchsorted(sorted_keys, value, side="left"))
            high = int(np.searchsorted(sorted_keys, value, side="right"))
            rows.update(int(row) for row in order[low:high])
        for row in sorted(rows):
            docnum = int(docnums[row])
            other = _text(ids[docnum])
            if other in seen or other in self.gone or other in self._docs:
                continue  # deleted, or replaced by this run's version
            seen.add(other)
            yield matrix[row], _text(labels[docnum])


def _text(value: Any) -> str:
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value
