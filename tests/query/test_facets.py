"""Facet counts and exact facet filters, against the hand-counted fixture in tests/fixtures/newsroom.

The fixture (9 articles, every body holds the word "archive"):

    sport/001     2019-03-02  Football, Manchester   Daily Post    Ann Lee
    sport/002     2019-07-14  Tennis                 Daily Post    Ben Ortiz
    sport/003     2019-03-03  Football               Wire Service            (same body as sport/001)
    business/001  2019-03-20  Economy, Banks         Wire Service  Cara Diaz
    business/002  2020-01-10  Autos                  Daily Post
    business/003  2019-03-21  Economy                Evening Star            (business/001 + a sentence)
    politics/001  2019-11-05  Economy, Parliament    Evening Star  Ann Lee
    politics/002  2020-01-22  Local                  Evening Star
    note          (undated)   economy                (none)                  (no folder: at the root)

Two clusters of copies: {sport/001, sport/003} and {business/001, business/003}.
Collapsed (the default), a value counts once per cluster.
"""

from __future__ import annotations

import json
import shutil

import pytest

import searchkit
from searchkit.errors import QueryError

from ..conftest import NEWSROOM

ALL = ["tags", "source", "year", "month", "author", "folder"]


def counts(facet):
    return [(item["value"], item["count"]) for item in facet]


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    root = tmp_path_factory.mktemp("newsroom")
    corpus = root / "newsroom"
    shutil.copytree(NEWSROOM, corpus)
    ix = searchkit.Index(root / "index")
    summary = ix.add(corpus)
    assert summary.added == 9
    yield ix
    ix.close()


def test_facet_counts_collapsed_match_the_hand_count(newsroom):
    hits = newsroom.search("archive", facets=ALL)
    assert (hits.total, hits.total_uncollapsed) == (7, 9)
    assert counts(hits.facets["tags"]) == [
        ("Economy", 3), ("Autos", 1), ("Banks", 1), ("Football", 1), ("Local", 1), ("Manchester", 1),
        ("Parliament", 1), ("Tennis", 1)]
    assert counts(hits.facets["source"]) == [("Daily Post", 3), ("Evening Star", 3), ("Wire Service", 2)]
    assert counts(hits.facets["year"]) == [("2019", 4), ("2020", 2)]
    assert counts(hits.facets["month"]) == [("2019-03", 2), ("2020-01", 2), ("2019-07", 1), ("2019-11", 1)]
    assert counts(hits.facets["author"]) == [("Ann Lee", 2), ("Ben Ortiz", 1), ("Cara Diaz", 1)]
    assert counts(hits.facets["folder"]) == [("business", 2), ("politics", 2), ("sport", 2)]


def test_facet_counts_uncollapsed_count_every_document(newsroom):
    hits = newsroom.search("archive", facets=ALL, collapse=False)
    assert hits.total == hits.total_uncollapsed == 9
    assert counts(hits.facets["tags"])[:2] == [("Economy", 4), ("Football", 2)]
    assert counts(hits.facets["year"]) == [("2019", 6), ("2020", 2)]
    assert counts(hits.facets["month"])[0] == ("2019-03", 4)
    assert counts(hits.facets["folder"]) == [("business", 3), ("sport", 3), ("politics", 2)]


def test_facets_count_the_whole_result_set_not_the_page(newsroom):
    page = newsroom.search("archive", limit=1, facets=["folder"])
    assert len(page) == 1
    assert sum(item["count"] for item in page.facets["folder"]) == 6  # the note has no folder


def test_facet_size_keeps_the_most_frequent(newsroom):
    hits = newsroom.search("archive", facets=["tags"], facet_size=2)
    assert counts(hits.facets["tags"]) == [("Economy", 3), ("Autos", 1)]


def test_facets_follow_the_query(newsroom):
    hits = newsroom.search("derby", facets=["source", "folder"], collapse=False)
    assert {hit.id for hit in hits} == {"sport/001.json", "sport/003.json"}
    assert counts(hits.facets["source"]) == [("Daily Post", 1), ("Wire Service", 1)]
    assert counts(hits.facets["folder"]) == [("sport", 2)]


@pytest.mark.parametrize("collapse", [True, False])
def test_every_facet_count_is_the_total_of_its_filter(newsroom, collapse):
    """Clicking a count lists exactly that many articles (filters are exact, and only narrow)."""
    hits = newsroom.search("archive", facets=ALL, collapse=collapse, facet_size=100)
    checked = 0
    for name, values in hits.facets.items():
        for item in values:
            narrowed = newsroom.search("archive", where={name: item["value"]}, collapse=collapse, limit=100)
            assert narrowed.total == item["count"], (name, item)
            assert len(narrowed) == item["count"]
            checked += 1
    assert checked == 8 + 3 + 2 + 4 + 3 + 3


def test_filters_are_exact_and_case_insensitive(newsroom):
    ids = lambda **kw: sorted(hit.id for hit in newsroom.search("archive", collapse=False, **kw))  # noqa: E731
    assert ids(folder="sport") == ["sport/001.json", "sport/002.json", "sport/003.json"]
    assert ids(where={"folder": "SPORT"}) == ids(folder="sport")
    assert ids(where={"tags": "economy"}) == ids(where={"tags": "Economy"})
    assert len(ids(where={"tags": "economy"})) == 4
    assert ids(where={"tags": "Econ"}) == []  # a value, not a prefix or a word
    assert ids(where={"source": "Daily"}) == []
    assert ids(where={"source": "daily  post"}) == ["business/002.json", "sport/001.json", "sport/002.json"]
    assert ids(where={"year": "2020"}) == ["business/002.json", "politics/002.json"]
    assert ids(where={"month": "2019-03"}) == ["business/001.json", "business/003.json", "sport/001.json",
                                                "sport/003.json"]


def test_filters_only_narrow(newsroom):
    everything = {hit.id for hit in newsroom.search("archive", collapse=False, limit=100)}
    both = {hit.id for hit in newsroom.search("archive", collapse=False, limit=100,
                                               where={"tags": ["Economy", "Banks"]})}
    assert both == {"business/001.json"}
    crossed = newsroom.search("archive", collapse=False, where={"folder": ["sport", "business"]})
    assert crossed.total == 0  # one folder cannot be two: nothing, never more
    with_words = {hit.id for hit in newsroom.search("central bank", collapse=False, limit=100, folder="politics")}
    assert with_words <= everything and all(doc_id.startswith("politics/") for doc_id in with_words)


def test_a_filter_alone_lists_its_documents(newsroom):
    hits = newsroom.search("", where={"folder": "politics"}, collapse=False)
    assert sorted(hit.id for hit in hits) == ["politics/001.json", "politics/002.json"]


def test_bad_facet_or_filter_is_a_query_error(newsroom):
    with pytest.raises(QueryError, match="unknown facet"):
        newsroom.search("archive", facets=["colour"])
    with pytest.raises(QueryError, match="unknown filter"):
        newsroom.search("archive", where={"colour": "red"})
    with pytest.raises(QueryError, match="year"):
        newsroom.search("archive", where={"year": "19"})


def test_no_match_gives_empty_facets(newsroom):
    hits = newsroom.search("zeppelin", facets=["tags", "year"])
    assert hits.total == 0 and hits.facets == {"tags": [], "year": []}


def test_cli_facets_filters_and_text_chart(newsroom, tmp_path):
    from click.testing import CliRunner

    from searchkit.cli import cli

    runner = CliRunner()
    index_dir = str(newsroom.path)
    result = runner.invoke(cli, ["query", "archive", "--index", index_dir, "--json", "--facet", "folder",
                                 "--facet", "year", "--filter", "folder=sport"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 2 and data["total_uncollapsed"] == 3
    assert data["facets"] == {"folder": [{"value": "sport", "count": 2}], "year": [{"value": "2019", "count": 2}]}
    text = runner.invoke(cli, ["query", "archive", "--index", index_dir, "--facet", "month", "--no-color"])
    assert text.exit_code == 0
    chart = text.output[text.output.index("month:"):].splitlines()[1:5]
    assert [line.split()[0] for line in chart] == ["2019-03", "2019-07", "2019-11", "2020-01"]  # in time order
    assert "(+1 copy)" in text.output
    bad = runner.invoke(cli, ["query", "archive", "--index", index_dir, "--filter", "colour=red"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_in_query_folder_filter_is_the_keyword_filter(newsroom):
    """``folder:sport`` in the query goes through the same filter path as ``folder="sport"``: exact, only narrowing."""
    def ids(text, **kw):
        return sorted(hit.id for hit in newsroom.search(text, collapse=False, limit=100, **kw))

    assert ids("archive folder:sport") == ids("archive", folder="sport") == [
        "sport/001.json", "sport/002.json", "sport/003.json"]
    assert ids("archive folder:SPORT") == ids("archive", where={"folder": "sport"})
    assert ids("folder:politics") == ["politics/001.json", "politics/002.json"]  # a filter alone lists its documents
    assert ids("archive folder:spo") == []  # a value, not a prefix
    assert ids("archive folder:sport", folder="business") == []  # both must hold: never wider
    assert ids("archive folder:sport", since="2019-07") == ["sport/002.json"]


def test_cli_newsroom_options_are_options_not_query_words(newsroom):
    """The query command reads its words as the query; --facet/--filter/--format/... stay options wherever they are."""
    from click.testing import CliRunner

    from searchkit.cli import cli

    runner = CliRunner()
    index_dir = str(newsroom.path)
    result = runner.invoke(cli, ["query", "--facet", "folder", "archive", "--filter", "folder=sport", "--no-collapse",
                                 "--index", index_dir, "--format", "ndjson", "--fields", "id,copies,snippet_text"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert sorted(row["id"] for row in rows) == ["sport/001.json", "sport/002.json", "sport/003.json"]
    assert all(list(row) == ["id", "copies", "snippet_text"] and "archive" in row["snippet_text"] for row in rows)
    result = runner.invoke(cli, ["query", "-football", "archive", "--all", "--index", index_dir, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["query"] == "-football archive"
    assert "sport/002.json" in {hit["id"] for hit in data["hits"]}
    assert not {"sport/001.json", "sport/003.json"} & {hit["id"] for hit in data["hits"]}
    result = runner.invoke(cli, ["query", "archive", "--facett", "folder", "--index", index_dir])
    assert result.exit_code == 2 and "No such option" in result.output
