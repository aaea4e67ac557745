"""The title's weight is RankingConfig.title_weight alone, whatever boost an index's postings carry.

New indexes store plain title term counts and record ``title_boost: 1.0`` in
``searchkit.json``; indexes written before stored the title's counts doubled
(Whoosh ``field_boost`` 2.0) and record nothing.  The ranking divides out the
recorded boost (2.0 when absent), so such an index scores exactly as a new one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import searchkit
import searchkit.index as index_module
from searchkit.errors import IndexVersionError
from searchkit.index import META_FILE
from searchkit.schema import LEGACY_TITLE_BOOST, TITLE_BOOST_KEY, make_schema
from searchkit.shards.search import ShardedIndex

from ..shards.test_shards import QUERIES
from ..shards.test_shards import corpus as wires_and_newsroom


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return wires_and_newsroom(tmp_path_factory.mktemp("boost"))


def forget_boost(folder: Path) -> None:
    """Remove the recorded boost from every index metadata file under ``folder`` (as written before)."""
    for meta_file in folder.rglob(META_FILE):
        meta = json.loads(meta_file.read_text("utf-8"))
        meta.pop(TITLE_BOOST_KEY, None)
        meta_file.write_text(json.dumps(meta), "utf-8")


def build(folder: Path, corpus: Path, monkeypatch, *, legacy: bool, shards: int | None = None,
          workers: int = 1) -> searchkit.Index:
    """An index of ``corpus``; ``legacy``: written as searchkit wrote it before the boost was recorded."""
    with monkeypatch.context() as m:
        m.setenv("SEARCHKIT_WORKERS", str(workers))
        if workers > 1:
            m.setattr(index_module, "SERIAL_DOCS", 30)
        if legacy:  # the schema of old indexes, every title weight doubled at indexing
            m.setattr(index_module, "make_schema",
                      lambda title_boost=LEGACY_TITLE_BOOST: make_schema(title_boost=title_boost))
        ix = ShardedIndex.create(folder, shards) if shards else searchkit.Index(folder)
        ix.add(corpus)
        ix.close()
    if legacy:
        forget_boost(folder)
    return searchkit.Index(folder)


def scores(ix: searchkit.Index, text: str) -> list[tuple[str, float]]:
    return [(hit.id, hit.score) for hit in ix.search(text, limit=20, snippets=False)]


def title_weights(ix: searchkit.Index, word: str) -> dict[str, float]:
    """The stored weight of ``word``'s title postings, by document id."""
    with ix._ix.reader() as reader:
        ids = reader.column_reader("id")
        postings = reader.postings("title", word)
        out = {}
        while postings.is_active():
            out[ids[postings.id()]] = postings.weight()
            postings.next()
        return out


def assert_same_scores(old: searchkit.Index, new: searchkit.Index) -> None:
    assert all(scores(new, text) for text in QUERIES)  # every query finds something to compare
    for text in QUERIES:
        got, expected = scores(old, text), scores(new, text)
        assert len(got) == len(expected), text
        for (_, a), (_, b) in zip(got, expected):
            assert a == pytest.approx(b, abs=1e-9), text
        # the same documents at each score (the order among equal scores is document order, which a
        # parallel build may change; the last score's group may be cut differently by the limit)
        last = round(expected[-1][1], 9) if expected else None
        for score in {round(b, 9) for _, b in expected} - {last}:
            assert {i for i, a in got if round(a, 9) == score} == {i for i, b in expected if round(b, 9) == score}, text


def test_new_index_records_no_boost_and_stores_plain_counts(tmp_path, corpus, monkeypatch):
    old = build(tmp_path / "old", corpus, monkeypatch, legacy=True)
    new = build(tmp_path / "new", corpus, monkeypatch, legacy=False)
    assert json.loads((tmp_path / "new" / META_FILE).read_text())[TITLE_BOOST_KEY] == 1.0
    assert TITLE_BOOST_KEY not in json.loads((tmp_path / "old" / META_FILE).read_text())
    new_weights, old_weights = title_weights(new, "oil"), title_weights(old, "oil")
    assert new_weights and set(new_weights) == set(old_weights)
    assert all(weight == int(weight) for weight in new_weights.values())  # term counts
    assert {doc_id: 2 * weight for doc_id, weight in new_weights.items()} == old_weights


def test_an_index_built_with_the_old_boost_scores_as_a_new_one(tmp_path, corpus, monkeypatch):
    old = build(tmp_path / "old", corpus, monkeypatch, legacy=True)
    new = build(tmp_path / "new", corpus, monkeypatch, legacy=False)
    assert_same_scores(old, new)
    # the title weighs RankingConfig.title_weight: halving it changes a title hit's score
    lighter = old.search("oil prices", snippets=False, ranking={"title_weight": 1.5})
    assert [hit.score for hit in lighter] != [hit.score for hit in old.search("oil prices", snippets=False)]
    doc = old.search("oil prices", limit=1)[0].id
    assert [(h.id, round(h.score, 9)) for h in old.similar(doc)] == [
        (h.id, round(h.score, 9)) for h in new.similar(doc)]


def test_an_old_index_keeps_its_boost_through_incremental_runs_and_rebuilds(tmp_path, corpus, monkeypatch):
    old = build(tmp_path / "old", corpus, monkeypatch, legacy=True)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "oil.json").write_text(json.dumps({"id": "extra-oil", "title": "Oil prices climb",
                                                 "body": "Oil prices climbed again."}))
    old.add(extra)
    assert json.loads((tmp_path / "old" / META_FILE).read_text())[TITLE_BOOST_KEY] == LEGACY_TITLE_BOOST
    assert title_weights(old, "oil")["extra-oil"] == 2.0  # its new segment written as the old ones
    new = build(tmp_path / "new", corpus, monkeypatch, legacy=False)
    new.add(extra)
    assert_same_scores(old, new)
    old.add(corpus, extra, rebuild=True)
    new.add(corpus, extra, rebuild=True)
    assert title_weights(old, "oil")["extra-oil"] == 2.0
    assert title_weights(new, "oil")["extra-oil"] == 1.0
    assert_same_scores(old, new)


@pytest.mark.slow
def test_parallel_builds_write_the_recorded_boost(tmp_path, corpus, monkeypatch):
    old = build(tmp_path / "old", corpus, monkeypatch, legacy=True, workers=2)
    new = build(tmp_path / "new", corpus, monkeypatch, legacy=False, workers=2)
    assert {2 * w for w in title_weights(new, "oil").values()} == set(title_weights(old, "oil").values())
    assert_same_scores(old, new)


def test_sharded_index_built_with_the_old_boost_scores_as_a_new_one(tmp_path, corpus, monkeypatch):
    old = build(tmp_path / "old", corpus, monkeypatch, legacy=True, shards=3)
    new = build(tmp_path / "new", corpus, monkeypatch, legacy=False, shards=3)
    assert isinstance(old, ShardedIndex)
    assert_same_scores(old, new)


def test_shards_of_different_boosts_or_a_damaged_boost_are_an_error(tmp_path, corpus, monkeypatch):
    build(tmp_path / "sharded", corpus, monkeypatch, legacy=False, shards=2)
    first = sorted((tmp_path / "sharded").glob(f"*/{META_FILE}"))[0]
    forget_boost(first.parent)  # one shard now reads as written with the old boost
    with pytest.raises(IndexVersionError, match="different title boosts"):
        searchkit.Index(tmp_path / "sharded").search("oil")
    build(tmp_path / "plain", corpus, monkeypatch, legacy=False)
    meta_file = tmp_path / "plain" / META_FILE
    meta_file.write_text(json.dumps({**json.loads(meta_file.read_text()), TITLE_BOOST_KEY: "x"}))
    with pytest.raises(IndexVersionError, match="damaged metadata"):
        searchkit.Index(tmp_path / "plain")
