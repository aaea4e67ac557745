"""The compact store of a run's documents gives the clusters the dict-per-band-key store gave."""

from __future__ import annotations

import random

import pytest

from searchkit import dedup
from searchkit.dedup import ClusterAssigner


class DictAssigner(ClusterAssigner):
    """The previous store: a dict of lists per (band, key), a dict of (signature, label) per id."""

    def __init__(self, reader, threshold):
        super().__init__(reader, threshold)
        self._bands, self._docs = {}, {}

    def forget(self, doc_id):
        self.gone.add(doc_id)
        self._docs.pop(doc_id, None)

    def fields(self, doc_id, body):
        d = self.dedup
        signature = d.signature(body or "")
        if signature is None:
            return {"cluster": dedup._new_label(doc_id, None)}
        keys = d.band_keys(signature)
        best, label = 0.0, None
        seen = {doc_id}
        for band, key in enumerate(keys):
            for other in self._bands.get((band, key), ()):
                if other not in seen and other in self._docs:
                    seen.add(other)
                    other_signature, other_label = self._docs[other]
                    score = d.similarity(signature, other_signature)
                    if score >= d.threshold and score > best:
                        best, label = score, other_label
        if label is None:
            label = dedup._new_label(doc_id, signature)
        self.gone.discard(doc_id)
        self._docs[doc_id] = (signature, label)
        for band, key in enumerate(keys):
            self._bands.setdefault((band, key), []).append(doc_id)
        return {"cluster": label, "minhash": signature.tobytes()}


def _stories(n: int, seed: int = 3) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(400)]
    bases = [[rng.choice(vocab) for _ in range(rng.randint(20, 80))] for _ in range(n // 4)]
    out = []
    for i in range(n):
        words = list(rng.choice(bases))
        for _ in range(rng.choice([0, 0, 1, 2, 10, 40])):  # copies, near copies and new texts
            words[rng.randrange(len(words))] = rng.choice(vocab)
        out.append((f"d{i}", " ".join(words)))
    return out


@pytest.mark.parametrize("threshold", [0.5, 0.8])
def test_compact_store_gives_the_same_clusters(monkeypatch, threshold):
    monkeypatch.setattr(dedup._RunDocuments, "BLOCK", 7)  # several blocks
    monkeypatch.setattr(dedup._RunDocuments, "RECENT", 13)  # many frozen runs, merged
    compact, plain = ClusterAssigner(None, threshold), DictAssigner(None, threshold)
    rng = random.Random(5)
    stories = _stories(600)
    labels = set()
    for number, (doc_id, body) in enumerate(stories):
        if number % 37 == 5:  # a document forgotten (deleted or replaced) in the run
            gone = stories[rng.randrange(number)][0]
            compact.forget(gone)
            plain.forget(gone)
        got = compact.fields(doc_id, body)
        assert got == plain.fields(doc_id, body)
        labels.add(got["cluster"])
    assert len(labels) < len(stories) * 0.9  # copies were found (and joined their stories)
