"""Near-duplicate detection at index time: MinHash of word shingles, LSH banding, cluster labels.

A document's body becomes the set of its 5-word shingles (case-folded words);
its MinHash signature (:data:`NUM_PERM` hash values) estimates the Jaccard
similarity of two such sets as the fraction of equal values (Broder, "On the
resemblance and containment of documents", 1997).  LSH banding (Leskovec,
Rajaraman and Ullman, *Mining of Massive Datasets*, ch. 3) cuts the signature
into ``b`` bands of ``r`` rows; documents sharing a band are candidates, and
a candidate whose estimated similarity reaches the threshold is a copy.  The
MinHash and the choice of ``b`` and ``r`` for a threshold come from
``datasketch``: its ``MinHash`` module is loaded without the package root
(which imports SciPy: ~60 MB and half a second), and ``b`` and ``r`` for the
usual thresholds are datasketch's own choice written down here
(:data:`LSH_BANDS`, checked against datasketch by a test); another threshold
asks datasketch's ``MinHashLSH`` (and so imports SciPy).

Every document gets a ``cluster`` label: a new one of its own, or the label
of its most similar earlier copy.  The signature is kept as a column
(``minhash``), so a later run finds copies among committed documents from
band keys rebuilt from that column, and labels never need rewriting: a copy added later joins its story's cluster, and a removed
document simply leaves it.  Clusters are thus single-link and order
dependent in one respect: a document similar to two clusters joins the more
similar one (they are not merged), and removing or editing a document never
splits the cluster it linked (the others keep their labels; an edited document
is assigned again, as a new one).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import zlib
from typing import Any

__all__ = ["SHINGLE_WORDS", "NUM_PERM", "DEFAULT_THRESHOLD", "run_threshold", "shingles", "Deduplicator", "ClusterAssigner",
           "jaccard", "lsh_bands", "LSH_BANDS", "minhash_class"]

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

#: ``(threshold, num_perm) -> (bands, rows)``: what datasketch's ``MinHashLSH``
#: chooses (the least sum of false positive and false negative probabilities,
#: weights 0.5/0.5), for the thresholds a user is likely to give.  Written down
#: so that the build does not import SciPy (datasketch integrates with
#: ``scipy.integrate.quad``); ``tests/test_dedup_memory.py`` checks every entry
#: against datasketch itself.
LSH_BANDS: dict[tuple[float, int], tuple[int, int]] = {
    (0.5, 128): (25, 5),
    (0.7, 128): (14, 9),
    (0.8, 128): (9, 13),
    (0.85, 128): (8, 16),
    (0.9, 128): (5, 25),
}


def lsh_bands(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """``(bands, rows)`` of LSH banding for a similarity ``threshold`` (0 < t <= 1) and ``num_perm`` values.

    datasketch's ``MinHashLSH`` choice: from :data:`LSH_BANDS` when listed,
    else from datasketch (importing SciPy).  A threshold datasketch answers with
    a single band (it refuses those: near 1) gets 2 bands of ``num_perm // 2`` rows.
    """
    known = LSH_BANDS.get((float(threshold), int(num_perm)))
    if known is not None:
        return known
    from datasketch import MinHashLSH

    try:
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)  # optimal bands for the threshold
        return lsh.b, lsh.r
    except ValueError:  # a threshold near 1 is best served by one band, which datasketch refuses
        return 2, num_perm // 2


_MINHASH: list = []


def minhash_class() -> type:
    """datasketch's ``MinHash`` class, loaded once, from ``datasketch/minhash.py`` without the package root.

    ``import datasketch`` imports every sketch it has, among them
    ``datasketch.lsh``, which imports SciPy.  ``MinHash`` needs numpy and
    ``datasketch.hashfunc`` only; its code is datasketch's, unchanged
    (:func:`searchkit.loading.load_alone`).  When datasketch is already
    imported, or cannot be loaded this way, it is the ordinary import.
    """
    if not _MINHASH:
        from .loading import load_alone

        found = load_alone("datasketch.minhash", "MinHash")
        if found is None:
            from datasketch import MinHash as found
        _MINHASH.append(found)
    return _MINHASH[0]



def run_threshold(current: float | None, wanted: float | None, fresh: bool) -> float:
    """The similarity threshold (0 < t <= 1) a run groups copies at.

    ``current``: the index's own (None for an index that never had one);
    ``wanted``: the run's ``duplicate_threshold`` (None: not given); ``fresh``:
    the run starts the index afresh, so it may change.  Raises
    :class:`~searchkit.errors.SearchkitError` for a value outside (0, 1] or a
    change asked of an index that keeps its documents.
    """
    from .errors import SearchkitError

    if wanted is not None and not 0.0 < float(wanted) <= 1.0:
        raise SearchkitError(f"the duplicate threshold must be above 0 and at most 1, not {wanted}")
    if fresh:
        return float(wanted) if wanted is not None else float(current or DEFAULT_THRESHOLD)
    if wanted is not None and current is not None and float(wanted) != float(current):
        raise SearchkitError(f"the index groups copies at similarity {current}; "
                             f"changing it to {wanted} needs --rebuild")
    return float(current if current is not None else (wanted or DEFAULT_THRESHOLD))

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
        import numpy

        MinHash = minhash_class()
        self.threshold = threshold
        self.num_perm = num_perm
        self.bands, self.rows = lsh_bands(threshold, num_perm)
        self._minhash = MinHash
        self._permutations = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations
        self._np = numpy
        self._local = threading.local()

    def signature(self, text: str):
        """The MinHash signature of ``text`` (a numpy uint16 array), or None for a text without words."""
        found = shingles(text)
        if not found:
            return None
        minhash = getattr(self._local, "minhash", None)
        if minhash is None:  # one per thread (a sharded build's tasks may share this object), cleared for each text
            minhash = self._local.minhash = self._minhash(num_perm=self.num_perm, seed=SEED,
                                                          permutations=self._permutations, scheme=SCHEME,
                                                          hashfunc=zlib.crc32)
        else:
            minhash.clear()
        minhash.update_batch(found)
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
    run's own documents are kept in :class:`_RunDocuments` (about 200 bytes
    of memory each, and 256 on disk: ~50 MB for a build of 215,780 documents,
    where a dict per band key held several times that).
    """

    def __init__(self, reader, threshold: float = DEFAULT_THRESHOLD):
        self.dedup = Deduplicator(threshold)
        self.reader = reader if reader is not None and reader.doc_count() else None
        self.gone: set[str] = set()
        self._run = _RunDocuments(self.dedup)
        self._committed = None

    def forget(self, doc_id: str) -> None:
        self.gone.add(doc_id)
        self._run.forget(doc_id)

    def fields(self, doc_id: str, body: str) -> dict[str, Any]:
        """``{"cluster", "minhash"}`` for a document about to be written."""
        return self.assign(doc_id, self.dedup.signature(body or ""))

    def assign(self, doc_id: str, signature) -> dict[str, Any]:
        """:meth:`fields` from the body's signature (:meth:`Deduplicator.signature`, made
        elsewhere: by a read task of a sharded build), None for a body without words."""
        dedup = self.dedup
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
        self._run.add(doc_id, signature, label, keys)
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
        run = self._run
        for other, signature, label in run.sharing(keys):
            if other not in seen:
                seen.add(other)
                yield signature, label
        if self.reader is None:
            return
        if self._committed is None:
            self._load_committed()
        np = self.dedup._np
        tables, docnums, matrix, ids, labels = self._committed
        rows: set[int] = set()
        for band, key in enumerate(keys):
            sorted_keys, order = tables[band]
            low, high = _equal_range(sorted_keys, np.uint64(key))
            if high > low:
                rows.update(int(row) for row in order[low:high])
        for row in sorted(rows):
            docnum = int(docnums[row])
            other = _text(ids[docnum])
            if other in seen or other in self.gone or other in run:
                continue  # deleted, or replaced by this run's version
            seen.add(other)
            yield matrix[row], _text(labels[docnum])


def _equal_range(sorted_keys, value) -> tuple[int, int]:
    """``(low, high)``: where ``value`` (a numpy scalar) is in the ascending array ``sorted_keys``
    (``low == high`` when it is not), as ``searchsorted`` left and right give it.

    Most band keys are found nowhere: one search answers them, the second is
    made only for a key that is there.
    """
    low = int(sorted_keys.searchsorted(value))
    if low == len(sorted_keys) or sorted_keys[low] != value:
        return low, low
    return low, int(sorted_keys.searchsorted(value, "right"))


def _text(value: Any) -> str:
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


class _RunDocuments:
    """The documents an indexing run has assigned so far: id, signature, label, LSH band keys.

    Per document, about 200 bytes of memory and 256 on disk: its signature
    (in fixed blocks of bytes; a full block is written to an anonymous
    temporary file and read back a signature at a time, ``os.pread``, when a
    document shares a band key with it -- a few per document), its label (6 bytes when it is one of :func:`_new_label`'s
    12-hex-digit labels, as every label is unless an older index gave others),
    its band keys per band as sorted numpy runs (an 8-byte key and a 4-byte
    document number each; merged as they grow, like a log-structured merge
    tree) plus a small dict of the latest keys, and its id in a list and a
    dict.  :meth:`sharing` gives the live documents sharing a band key, band
    by band, each band's in the order they were added -- the order a dict of
    lists per band key gave.
    """

    BLOCK = 4096  # documents per signature block
    RECENT = 4096  # documents whose keys stay in the dict before being frozen into a sorted run
    LABEL_BYTES = 6  # a label of _new_label's is 6 bytes as hex digits

    def __init__(self, dedup: Deduplicator):
        self._np = dedup._np
        self._bands = dedup.bands
        self._width = dedup.num_perm * 2
        self._index: dict[str, int] = {}  # live document id -> number
        self._ids: list[str] = []
        self._labels = bytearray()  # LABEL_BYTES per document
        self._other_labels: dict[int, str] = {}  # number -> a label not made of 12 lowercase hex digits
        self._block: bytearray | None = None  # the signatures of the latest block (the others are in _file)
        self._file: Any = None  # tempfile.TemporaryFile of the full blocks, made when the first one is full
        self._recent: list[dict[int, list[int]]] = [{} for _ in range(self._bands)]
        self._recent_count = 0
        self._frozen: list[tuple[list, list]] = []  # per run: per band sorted keys (uint64), their numbers (int32)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._index

    def forget(self, doc_id: str) -> None:
        self._index.pop(doc_id, None)

    def add(self, doc_id: str, signature, label: str, keys: list[int]) -> None:
        number = len(self._ids)
        self._ids.append(doc_id)
        self._add_label(number, label)
        self._index[doc_id] = number
        offset = number % self.BLOCK
        if offset == 0:
            self._block = bytearray(self.BLOCK * self._width)
        self._block[offset * self._width:(offset + 1) * self._width] = signature.tobytes()
        if offset == self.BLOCK - 1:  # full: to the file
            if self._file is None:
                import tempfile

                self._file = tempfile.TemporaryFile(prefix="searchkit-signatures-", buffering=0)
            view = memoryview(self._block)
            while view:  # unbuffered: at once where os.pread finds it
                view = view[self._file.write(view):]
            self._block = None
        for band, key in enumerate(keys):
            self._recent[band].setdefault(key, []).append(number)
        self._recent_count += 1
        if self._recent_count >= self.RECENT:
            self._freeze()

    def _add_label(self, number: int, label: str) -> None:
        packed = None
        if len(label) == 2 * self.LABEL_BYTES:
            try:
                packed = bytes.fromhex(label)
            except ValueError:
                packed = None
            if packed is not None and packed.hex() != label:  # upper case, or spaces: kept as written
                packed = None
        if packed is None:
            self._other_labels[number] = label
            packed = bytes(self.LABEL_BYTES)
        self._labels += packed

    def _label(self, number: int) -> str:
        other = self._other_labels.get(number)
        if other is not None:
            return other
        start = number * self.LABEL_BYTES
        return self._labels[start:start + self.LABEL_BYTES].hex()

    def _signature(self, number: int):
        offset = number % self.BLOCK
        if self._block is not None and number - offset == len(self._ids) - 1 - (len(self._ids) - 1) % self.BLOCK:
            data = self._block  # the latest block, in memory
            start = offset * self._width
        else:
            data = os.pread(self._file.fileno(), self._width, number * self._width)
            start = 0
        return self._np.frombuffer(data, dtype=self._np.uint16, count=self._width // 2, offset=start)

    def _freeze(self) -> None:
        np = self._np
        keys, numbers = [], []
        for band in range(self._bands):
            # keys in first-seen order, each key's numbers ascending: a stable sort on the key
            # gives (key, number) order
            recent = self._recent[band]
            band_keys = np.fromiter((key for key, found in recent.items() for _ in found), dtype=np.uint64)
            band_numbers = np.fromiter((number for found in recent.values() for number in found), dtype=np.int32)
            order = np.argsort(band_keys, kind="stable")
            keys.append(band_keys[order])
            numbers.append(band_numbers[order])
            recent.clear()
        self._frozen.append((keys, numbers))
        self._recent_count = 0
        # merge runs of similar sizes: the older run's numbers are all below the newer's, so a
        # stable sort on the key keeps (key, number) order; band by band, so that only one band's
        # arrays are held twice at a time
        while len(self._frozen) > 1 and len(self._frozen[-1][0][0]) >= len(self._frozen[-2][0][0]) // 2:
            (old_keys, old_numbers), (new_keys, new_numbers) = self._frozen[-2], self._frozen[-1]
            for band in range(self._bands):
                both_keys = np.concatenate((old_keys[band], new_keys[band]))
                order = np.argsort(both_keys, kind="stable")
                old_keys[band] = both_keys[order]
                del both_keys
                old_numbers[band] = np.concatenate((old_numbers[band], new_numbers[band]))[order]
                new_keys[band] = new_numbers[band] = None
            del self._frozen[-1]

    def sharing(self, keys: list[int]):
        """``(id, signature, label)`` of each live document sharing one of ``keys`` (band by band)."""
        np = self._np
        index = self._index
        for band, key in enumerate(keys):
            found: list[int] = []
            if self._frozen:
                value = np.uint64(key)
                for run_keys, run_numbers in self._frozen:  # runs in the order added: numbers ascending
                    low, high = _equal_range(run_keys[band], value)
                    if high > low:
                        found.extend(run_numbers[band][low:high].tolist())
            found.extend(self._recent[band].get(key, ()))
            for number in found:
                doc_id = self._ids[number]
                if index.get(doc_id) == number:  # live, and this is its current version
                    yield doc_id, self._signature(number), self._label(number)
