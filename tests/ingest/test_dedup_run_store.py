"""The compact store of a run's documents gives the clusters the dict-per-band-key store gave."""

from __future__ import annotations

import random
import re
from pathlib import Path

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


def test_labels_of_any_form_come_back_as_given():
    """Labels are packed to 6 bytes when they are _new_label's 12 hex digits; any other (an older index's) is kept."""
    d = dedup.Deduplicator()
    run = dedup._RunDocuments(d)
    signature = d.signature("the same story told once more in the same words")
    labels = ["0123456789ab", "000000000000", "ABCDEF012345", "0123456789a", "abc", "", "Ünï", "0123456789abc",
              "01234567 9ab"]
    for number, label in enumerate(labels):
        run.add(f"d{number}", signature, label, d.band_keys(signature))
    found = [label for _, _, label in run.sharing(d.band_keys(signature)[:1])]
    assert found == labels


_REPO = Path(__file__).resolve().parents[2]
#: ../shared of the repository (or of the folder holding its worktree)
REUTERS = next((base / "shared" / "corpora" / "reuters21578" for base in (_REPO.parent, _REPO.parent.parent)
                if (base / "shared" / "corpora" / "reuters21578").is_dir()), _REPO.parent / "shared")


def _reuters_bodies() -> list[str]:
    """Bodies of the fixtures' Reuters file, and of the first 3,000 stories of Reuters-21578 when it is there."""
    files = [Path(__file__).resolve().parent.parent / "fixtures" / "reuters" / "reut2-000.sgm"]
    if (REUTERS / "reut2-000.sgm").exists():
        files += [REUTERS / "reut2-000.sgm", REUTERS / "reut2-001.sgm", REUTERS / "reut2-002.sgm"]
    return [body for path in files for body in re.findall(r"<BODY>(.*?)</BODY>", path.read_text("latin-1"), re.S)]


def test_compact_store_gives_the_same_clusters_on_reuters_stories(monkeypatch):
    """Reuters bodies, each also as a copy with a changed word and as an exact copy later on
    (Reuters itself holds copies: the same story sent twice)."""
    monkeypatch.setattr(dedup._RunDocuments, "BLOCK", 64)
    monkeypatch.setattr(dedup._RunDocuments, "RECENT", 50)
    bodies = _reuters_bodies()
    stories = [(f"r{i}", body) for i, body in enumerate(bodies)]
    stories += [(f"n{i}", body.replace(" the ", " a ", 1)) for i, body in enumerate(bodies[::2])]
    stories += [(f"c{i}", body) for i, body in enumerate(bodies[::3])]
    compact, plain = ClusterAssigner(None, 0.8), DictAssigner(None, 0.8)
    labels = []
    for number, (doc_id, body) in enumerate(stories):
        if number % 97 == 50:
            compact.forget(stories[number - 40][0])
            plain.forget(stories[number - 40][0])
        got = compact.fields(doc_id, body)
        assert got == plain.fields(doc_id, body)
        labels.append(got["cluster"])
    assert len(set(labels)) < len(stories) - len(bodies) // 3  # copies joined their stories
