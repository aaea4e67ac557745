"""datasketch's MinHash loaded without the package root (no SciPy) gives datasketch's signatures bit for bit,
and the written-down LSH bands are datasketch's own choice."""

import subprocess
import sys
from pathlib import Path

import pytest

from searchkit import dedup

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

PROBE = r"""
import re, sys, zlib
from pathlib import Path
from searchkit import dedup

d = dedup.Deduplicator()  # the default threshold
assert not [m for m in sys.modules if m == "datasketch" or m.startswith("datasketch.")], "stand-ins left behind"
assert "scipy" not in sys.modules, "datasketch's package root (or SciPy) was imported"
texts = []
for path in sorted(Path(sys.argv[1]).rglob("*")):
    if path.is_file() and path.suffix in (".sgm", ".json", ".jsonl", ".txt", ".html"):
        text = path.read_text("utf-8", "replace")
        texts.extend(text[i:i + 3000] for i in range(0, len(text), 3000))
texts += ["", "one", "two words", "a b c d e", "a b c d e f", "Ünïcödé wörds ä ö ü ß " * 7]
ours = [d.signature(text) for text in texts]

import datasketch  # the whole package, as usual (SciPy with it)
assert d._minhash is not datasketch.MinHash  # a class loaded apart from the package's
permutations = datasketch.MinHash(num_perm=dedup.NUM_PERM, seed=dedup.SEED, scheme=dedup.SCHEME).permutations
compared = 0
for text, got in zip(texts, ours):
    found = dedup.shingles(text)
    if not found:
        assert got is None
        continue
    reference = datasketch.MinHash(num_perm=dedup.NUM_PERM, seed=dedup.SEED, permutations=permutations,
                                   scheme=dedup.SCHEME, hashfunc=zlib.crc32)
    reference.update_batch(list(found))
    assert got.tobytes() == (reference.hashvalues & 0xFFFF).astype("uint16").tobytes(), text[:80]
    compared += 1
assert datasketch.MinHashLSH(threshold=0.8, num_perm=128).b == 9  # the real package works afterwards
print(compared)
"""


def test_minhash_without_datasketch_root_gives_datasketchs_signatures():
    result = subprocess.run([sys.executable, "-c", PROBE, str(FIXTURES)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert int(result.stdout) > 100  # the fixtures' texts were compared, not a handful


@pytest.mark.parametrize("threshold, num_perm", sorted(dedup.LSH_BANDS))
def test_written_down_bands_are_datasketchs(threshold, num_perm):
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    assert dedup.LSH_BANDS[threshold, num_perm] == (lsh.b, lsh.r)
    assert dedup.lsh_bands(threshold, num_perm) == (lsh.b, lsh.r)


def test_other_thresholds_ask_datasketch():
    from datasketch import MinHashLSH

    assert (0.6, 128) not in dedup.LSH_BANDS
    lsh = MinHashLSH(threshold=0.6, num_perm=128)
    assert dedup.lsh_bands(0.6) == (lsh.b, lsh.r)
    assert dedup.lsh_bands(1.0) == (2, 64)  # one band would be best: datasketch refuses it


def test_signatures_made_in_several_threads_are_each_texts_own():
    """A Deduplicator keeps one MinHash per thread, cleared for each text: threads sharing it do not mix."""
    from concurrent.futures import ThreadPoolExecutor

    d = dedup.Deduplicator()
    texts = [f"story {i} " + " ".join(f"w{(i * 7 + j) % 97}" for j in range(40 + i % 30)) for i in range(300)]
    texts += ["", "one", "Ünïcödé wörds ä ö ü ß " * 7]
    serial = [d.signature(text) for text in texts]
    fresh = [dedup.Deduplicator().signature(text) for text in texts[::-1]][::-1]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(d.signature, texts * 3))
    for i, text in enumerate(texts * 3):
        want = serial[i % len(texts)]
        assert (threaded[i] is None) == (want is None) == (fresh[i % len(texts)] is None)
        if want is not None:
            assert threaded[i].tobytes() == want.tobytes() == fresh[i % len(texts)].tobytes()
    assert len({s.tobytes() for s in serial if s is not None}) == len(texts) - 1  # distinct texts, distinct signatures ("" has none)
