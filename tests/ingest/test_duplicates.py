"""Near-duplicate clusters: detection, collapsed results, copies, incremental runs (tests/fixtures/newsroom)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import searchkit
from searchkit.dedup import Deduplicator, jaccard, shingles


@pytest.fixture()
def corpus(newsroom_corpus):
    return newsroom_corpus


@pytest.fixture()
def ix(tmp_path, corpus):
    index = searchkit.Index(tmp_path / "index")
    index.add(corpus)
    yield index
    index.close()


def copy_ids(ix, doc_id):
    return [hit.id for hit in ix.copies(doc_id)]


def write(path: Path, **doc) -> None:
    path.write_text(json.dumps(doc), "utf-8")


def test_shingles_are_five_word_windows_of_folded_words():
    assert shingles("The Cat sat on the mat today") == {b"the cat sat on the", b"cat sat on the mat",
                                                         b"sat on the mat today"}
    assert shingles("Too short") == {b"too short"}
    assert shingles("  ,.; ") == set()


def test_signature_similarity_estimates_jaccard():
    dedup = Deduplicator()
    base = " ".join(f"word{i}" for i in range(200))
    for edited, exact in [(base, 1.0), (base + " " + " ".join(f"extra{i}" for i in range(30)), None),
                          (" ".join(f"other{i}" for i in range(200)), 0.0)]:
        truth = jaccard(shingles(base), shingles(edited)) if exact is None else exact
        estimate = dedup.similarity(dedup.signature(base), dedup.signature(edited))
        assert abs(estimate - truth) < 0.12, (truth, estimate)
    assert dedup.signature("") is None
    with pytest.raises(ValueError):
        Deduplicator(0)


def test_exact_and_near_copies_share_a_cluster(ix):
    assert copy_ids(ix, "sport/001.json") == ["sport/003.json"]
    assert copy_ids(ix, "sport/003.json") == ["sport/001.json"]
    assert copy_ids(ix, "business/001.json") == ["business/003.json"]  # new headline, a sentence added
    for alone in ("sport/002.json", "business/002.json", "politics/001.json", "politics/002.json", "note.json"):
        assert copy_ids(ix, alone) == []
    assert ix.copies("nope") is None
    assert ix.stats()["clusters"] == 2 and ix.stats()["documents_in_clusters"] == 4


def test_results_collapse_copies_by_default(ix):
    hits = ix.search("derby")
    assert [hit.id for hit in hits] == ["sport/001.json"]  # tied scores: the earliest dated
    assert hits[0].copies == 1 and hits[0].cluster
    assert (hits.total, hits.total_uncollapsed) == (1, 2)
    every = ix.search("derby", collapse=False)
    assert sorted(hit.id for hit in every) == ["sport/001.json", "sport/003.json"]
    assert every.total == every.total_uncollapsed == 2
    assert len({hit.cluster for hit in every}) == 1 and all(hit.copies == 1 for hit in every)
    data = hits.to_dict()
    assert data["hits"][0]["copies"] == 1 and data["hits"][0]["cluster"] == hits[0].cluster
    assert data["total_uncollapsed"] == 2


def test_collapsed_pages_are_full_and_do_not_repeat_a_story(ix):
    seen = []
    for offset in range(0, 7):
        page = ix.search("archive", limit=1, offset=offset)
        assert len(page) == 1
        seen.append(page[0].id)
    assert len(set(seen)) == 7 == ix.search("archive").total
    clusters = [hit.cluster for hit in ix.search("archive", limit=20)]
    assert len(clusters) == len(set(clusters)) == 7


def test_best_scoring_copy_represents_its_cluster(ix):
    # "Rates unchanged" is in business/003's title only: it outranks its copy
    hits = ix.search("rates unchanged")
    ids = [hit.id for hit in hits]
    assert "business/003.json" in ids and "business/001.json" not in ids


def test_incremental_runs_keep_clusters_right(ix, corpus):
    budget = json.loads((corpus / "politics" / "001.json").read_text())
    write(corpus / "politics" / "004.json", title="Budget approved after late debate", date="2019-11-06",
          body=budget["body"])
    summary = ix.add(corpus)
    assert summary.added == 1
    assert copy_ids(ix, "politics/001.json") == ["politics/004.json"]
    assert ix.stats()["clusters"] == 3
    # an edit that makes a copy a different story takes it out of its cluster
    write(corpus / "business" / "003.json", title="Rates unchanged at central bank", date="2019-03-21",
          body="An entirely different story about shipping lanes, harbour fees and the price of diesel fuel.")
    ix.add(corpus)
    assert copy_ids(ix, "business/001.json") == []
    # removing a copy leaves its story alone
    (corpus / "sport" / "003.json").unlink()
    ix.add(corpus)
    assert copy_ids(ix, "sport/001.json") == []
    assert ix.search("derby").to_dict()["hits"][0]["copies"] == 0
    stats = ix.stats()
    assert (stats["clusters"], stats["documents_in_clusters"]) == (1, 2)


def test_removing_the_first_copy_keeps_the_others_together(ix, corpus):
    write(corpus / "sport" / "004.json", title="Derby goes to United", date="2019-03-04",
          body=json.loads((corpus / "sport" / "001.json").read_text())["body"])
    ix.add(corpus)
    assert copy_ids(ix, "sport/003.json") == ["sport/001.json", "sport/004.json"]
    assert ix.remove("sport/001.json")
    assert copy_ids(ix, "sport/003.json") == ["sport/004.json"]


def test_a_rebuild_finds_the_same_clusters(ix, corpus, tmp_path):
    again = searchkit.Index(tmp_path / "again")
    again.add(corpus)
    before = {hit.id: hit.cluster for hit in ix.search("archive", collapse=False, limit=20)}
    after = {hit.id: hit.cluster for hit in again.search("archive", collapse=False, limit=20)}
    group = lambda table: sorted(sorted(k for k in table if table[k] == c) for c in set(table.values()))  # noqa: E731
    assert group(before) == group(after)
    again.close()


def test_duplicate_threshold_is_set_per_index(ix, corpus, tmp_path):
    strict = searchkit.Index(tmp_path / "strict")
    strict.add(corpus, duplicate_threshold=1.0)
    assert copy_ids(strict, "sport/001.json") == ["sport/003.json"]  # identical bodies
    assert copy_ids(strict, "business/001.json") == []  # a sentence added: no longer "the same"
    with pytest.raises(searchkit.SearchkitError, match="--rebuild"):
        strict.add(corpus, duplicate_threshold=0.5)
    strict.add(corpus, rebuild=True, duplicate_threshold=0.8)
    assert copy_ids(strict, "business/001.json") == ["business/003.json"]
    strict.close()


def test_cli_copies_and_no_collapse(ix):
    from click.testing import CliRunner

    from searchkit.cli import cli

    runner = CliRunner()
    index_dir = str(ix.path)
    listed = runner.invoke(cli, ["copies", "sport/001.json", "--index", index_dir, "--json"])
    assert listed.exit_code == 0
    assert [hit["id"] for hit in json.loads(listed.output)["hits"]] == ["sport/003.json"]
    text = runner.invoke(cli, ["copies", "sport/001.json", "--index", index_dir])
    assert "1 copy of sport/001.json" in text.output and "sport/003.json" in text.output
    missing = runner.invoke(cli, ["copies", "nope", "--index", index_dir])
    assert missing.exit_code == 1 and "no document" in missing.output
    both = json.loads(runner.invoke(cli, ["query", "derby", "--index", index_dir, "--json", "--no-collapse"]).output)
    assert both["total"] == 2
    stats = json.loads(runner.invoke(cli, ["stats", "--index", index_dir, "--json"]).output)
    assert (stats["clusters"], stats["documents_in_clusters"]) == (2, 4)
