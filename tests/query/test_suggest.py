"""Did you mean: corrections from the index vocabulary, shown as words (not stems)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import searchkit
from searchkit.cli import cli
from searchkit.suggest import distance


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    root = tmp_path_factory.mktemp("suggest")
    folder = root / "docs"
    folder.mkdir()
    records = []
    for i in range(5):
        records.append({"id": f"g{i}", "title": f"Guantanamo Bay report {i}",
                        "body": f"Detainees at Guantanamo Bay, item {i}. The treaty and the treaties were discussed."})
    for i in range(4):
        records.append({"id": f"m{i}", "title": f"Mourinho speaks {i}",
                        "body": f"Jose Mourinho said the players did well in match {i}."})
    records.append({"id": "rare", "title": "Kanon", "body": "Bra Kanon chaired the council meeting."})
    (folder / "all.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    index = searchkit.Index(root / "index")
    index.add(folder)
    yield index
    index.close()


def test_distance_counts_a_transposition_once():
    assert distance("teh", "the") == 1
    assert distance("mourhino", "mourinho") == 2
    assert distance("cocoa", "cocoa") == 0


@pytest.mark.parametrize("typed,expected", [
    ("Guantanomo", "guantanamo"),
    ("Guantanomo bay", "guantanamo bay"),
    ("Mourhino", "mourinho"),
    ("traety", "treaty"),  # the stem "treati" is shown as its shortest word
    ("Guantanomo AND detainees", "guantanamo AND detainees"),  # operators kept as typed
])
def test_suggestions(ix, typed, expected):
    assert ix.search(typed).suggestion == expected


@pytest.mark.parametrize("typed", ["guantanamo bay", "Kanon", "Kanun", "title:Mourhino", "zzzzzzzz", "", "bay"])
def test_no_suggestion_for_known_rare_or_hopeless_words(ix, typed):
    # "Kanun": its neighbour "kanon" is in one document only, not a frequent spelling
    assert ix.search(typed).suggestion is None


def test_suggestion_in_json_and_text(ix):
    runner = CliRunner()
    data = json.loads(runner.invoke(cli, ["query", "Mourhino", "--index", str(ix.path), "--json"]).output)
    assert data["suggestion"] == "mourinho"
    text = runner.invoke(cli, ["query", "Mourhino", "--index", str(ix.path)]).output
    assert "Did you mean: mourinho" in text
    assert ix.search("Mourhino", suggest=False).suggestion is None
