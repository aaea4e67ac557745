"""scripts/eval_relevance.py: any collection folder, several at once, peers in the same run."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from ..conftest import REPO, write


@pytest.fixture(scope="module")
def harness():
    spec = importlib.util.spec_from_file_location("eval_relevance", REPO / "scripts" / "eval_relevance.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_relevance"] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("eval_relevance", None)


def _collection(root: Path, name: str) -> Path:
    folder = root / name
    docs = [
        {"id": "d1", "title": "Sorghum exports", "text": "Sorghum exports to China rose sharply this year."},
        {"id": "d2", "title": "Maize", "text": "Maize prices fell; sorghum was steady."},
        {"id": "d3", "title": "Steel", "text": "Steel output rose at the mills."},
        {"id": "d4", "title": "Banks", "text": "The central bank cut its rates."},
    ]
    write(folder / "docs.jsonl", "\n".join(json.dumps(d) for d in docs))
    # q2 is ALL-CAPS with an AND the query language reads as an operator; q3 has no judgement
    write(folder / "queries.tsv", "q1\tsorghum exports\nq2\tSORGHUM AND MAIZE PRICES\nq3\tsteel\n")
    write(folder / "qrels.txt", "q1 0 d1 1\nq1 0 d2 1\nq2 0 d2 1\nq2 0 d1 1\n")
    return folder


def test_all_collections_of_a_folder_with_fts5_peers(harness, tmp_path, capsys):
    root = tmp_path / "relevance"
    _collection(root, "one")
    _collection(root, "two")
    write(root / "not-a-collection" / "README.md", "nothing here")
    out = tmp_path / "figures.json"
    assert harness.main(["--all", str(root), "--peers", "fts5-and,fts5-or", "--json", str(out),
                         "--limit", "10"]) == 0
    printed = capsys.readouterr().out
    figures = json.loads(out.read_text())
    assert set(figures["collections"]) == {"one", "two"}
    systems = set(figures["collections"]["one"])
    assert systems == {"fts5-and", "fts5-or", "searchkit-original", "searchkit-lower"}
    one = figures["collections"]["one"]
    for system in systems:
        assert set(one[system]["metrics"]) == {"map", "ndcg@10", "p@10", "recall@100"}
    # AND of "sorghum maize prices" finds only d2; OR finds d1 as well, so it has the higher MAP
    assert one["fts5-or"]["metrics"]["map"] > one["fts5-and"]["metrics"]["map"]
    assert one["searchkit-lower"]["metrics"]["map"] == pytest.approx(1.0)
    summary = figures["summary"]["vs_best_peer"]["searchkit-lower"]
    assert summary["worst_collection"] in {"one", "two"}
    assert "mean" in printed and "worst collection" in printed


def test_peer_queries(harness):
    assert harness.Fts5Peer.match_expression("Sorghum AND the maize, maize", "and") == '"sorghum" "maize"'
    assert harness.Fts5Peer.match_expression("Sorghum AND the maize", "or") == '"sorghum" OR "maize"'
    assert harness.form_queries({"q": "SORGHUM AND MAIZE"}, "lower") == {"q": "sorghum and maize"}


def test_a_folder_that_is_not_a_collection_is_one_line(harness, tmp_path):
    with pytest.raises(SystemExit) as stop:
        harness.main([str(tmp_path)])
    assert "no docs.jsonl" in str(stop.value)


def test_every_copy_of_a_story_is_ranked(harness, tmp_path):
    """Judgements are per document: copies of a story, which Index.search folds by default, are each listed."""
    folder = tmp_path / "copies"
    story = ("Sorghum exports to China rose sharply this year as buyers turned from maize, traders in "
             "Kansas City said, and shipments are expected to stay high through the spring.")
    docs = [{"id": "a", "title": "Sorghum exports rise", "text": story},
            {"id": "b", "title": "Sorghum exports rise", "text": story},
            {"id": "c", "title": "Steel", "text": "Steel output rose at the mills."}]
    write(folder / "docs.jsonl", "\n".join(json.dumps(d) for d in docs))
    write(folder / "queries.tsv", "q1\tsorghum exports\n")
    write(folder / "qrels.txt", "q1 0 a 1\nq1 0 b 1\n")
    collection = harness.load_collection(folder)
    ix, _, temp = harness.open_index(collection, None)
    try:
        assert len(ix.search("sorghum exports")) == 1  # folded by default: the harness must not rely on it
        found = [doc_id for doc_id, _ in harness.searchkit_search(ix, 10, {})("sorghum exports")]
    finally:
        ix.close()
        if temp:
            import shutil
            shutil.rmtree(temp, ignore_errors=True)
    assert sorted(found) == ["a", "b"]
