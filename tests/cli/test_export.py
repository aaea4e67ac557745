"""Export formats (each parsed back), --all, --fields; similar; remove by query/path; index --source/--tag."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

import searchkit
from searchkit.cli import cli
from searchkit.export import TABLE_FIELDS, parse_fields


@pytest.fixture()
def corpus(newsroom_corpus):
    return newsroom_corpus


@pytest.fixture()
def index_dir(tmp_path, corpus):
    path = tmp_path / "index"
    with searchkit.Index(path) as ix:
        ix.add(corpus)
    return str(path)


def run(*args):
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    return result


def expected_ids(index_dir, **options):
    with searchkit.Index(index_dir) as ix:
        return [hit.id for hit in ix.search("archive", limit=100, **options)]


def test_json_format_is_the_json_flag(index_dir):
    a = json.loads(run("query", "archive", "--index", index_dir, "--json").output)
    b = json.loads(run("query", "archive", "--index", index_dir, "--format", "json").output)
    a.pop("took_ms"), b.pop("took_ms")
    assert a == b and [hit["id"] for hit in a["hits"]] == expected_ids(index_dir)[:10]
    clash = run("query", "archive", "--index", index_dir, "--json", "--format", "csv")
    assert clash.exit_code == 2


def test_ndjson_is_one_hit_per_line(index_dir):
    result = run("query", "archive", "--index", index_dir, "--format", "ndjson", "--limit", "3")
    lines = result.output.splitlines()
    assert len(lines) == 3
    hits = [json.loads(line) for line in lines]
    assert [hit["id"] for hit in hits] == expected_ids(index_dir)[:3]
    assert set(hits[0]) >= {"id", "score", "title", "snippet", "copies", "cluster"}


@pytest.mark.parametrize("fmt,delimiter", [("csv", ","), ("tsv", "\t")])
def test_csv_and_tsv_parse_back(index_dir, fmt, delimiter):
    result = run("query", "archive", "--index", index_dir, "--format", fmt, "--no-collapse", "--limit", "20")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.output), delimiter=delimiter))
    assert rows[0] == list(TABLE_FIELDS)
    records = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert [record["id"] for record in records] == expected_ids(index_dir, collapse=False)
    by_id = {record["id"]: record for record in records}
    assert by_id["business/001.json"]["tags"] == "Economy; Banks"
    assert by_id["business/001.json"]["title"] == "Central bank holds rates"
    assert by_id["note.json"]["date"] == "" and by_id["note.json"]["source"] == ""
    assert by_id["sport/001.json"]["copies"] == "1"
    assert [int(record["rank"]) for record in records] == list(range(1, len(records) + 1))


def test_fields_choose_the_columns(index_dir):
    result = run("query", "archive", "--index", index_dir, "--format", "csv", "--fields", "id,date,url", "--limit", "2")
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["id", "date", "url"] and len(rows) == 3
    lines = run("query", "archive", "--index", index_dir, "--format", "ndjson", "--fields", "title,rank").output
    assert list(json.loads(lines.splitlines()[0])) == ["title", "rank"]
    bad = run("query", "archive", "--index", index_dir, "--format", "csv", "--fields", "id,colour")
    assert bad.exit_code == 2 and "colour" in bad.output
    with pytest.raises(ValueError):
        parse_fields(" , ")


def test_tsv_values_never_break_a_row(tmp_path):
    # Ingestion already folds a tab in a title to a space, so the writer is also
    # given a hit whose values hold a tab and line breaks directly.
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps({"title": "Tabs\there, and \"quotes\"", "body": "archive text"}))
    index = tmp_path / "ix"
    run("index", folder, "--index", index)
    rows = run("query", "archive", "--index", index, "--format", "tsv", "--fields", "title").output.splitlines()
    assert rows == ["title", 'Tabs here, and "quotes"']
    stored = json.loads(run("query", "archive", "--index", index, "--json").output)["hits"][0]["title"]
    rows = list(csv.reader(io.StringIO(run("query", "archive", "--index", index, "--format", "csv",
                                           "--fields", "title").output)))
    assert rows == [["title"], [stored]]

    from searchkit.export import write_results
    from searchkit.results import Hit, SearchResults

    hit = Hit(id="x", score=1.0, title="a\tb\nc", date=None, author=None, tags=["t\t1", "t2"], source=None,
              url=None, path=None, snippet="s\r\nt", rank=1)
    out = io.StringIO()
    write_results(SearchResults([hit], 1, 0.0, "q"), out, "tsv", ["id", "title", "tags", "snippet"])
    assert out.getvalue().splitlines() == ["id\ttitle\ttags\tsnippet", "x\ta b c\tt 1; t2\ts t"]
    out = io.StringIO()
    write_results(SearchResults([hit], 1, 0.0, "q"), out, "csv", ["title", "snippet"])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["title", "snippet"], ["a\tb\nc", "s\r\nt"]]


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv", "text"])
def test_all_lists_every_match_in_order(index_dir, fmt):
    result = run("query", "archive", "--index", index_dir, "--format", fmt, "--all", "--limit", "2",
                 "--no-collapse", "--fields" if fmt != "text" else "--offset", "id" if fmt != "text" else "0")
    assert result.exit_code == 0, result.output
    every = expected_ids(index_dir, collapse=False)
    assert len(every) == 9
    if fmt == "json":
        data = json.loads(result.output)
        assert [hit["id"] for hit in data["hits"]] == every and data["total"] == 9
    elif fmt == "ndjson":
        assert [json.loads(line)["id"] for line in result.output.splitlines()] == every
    elif fmt == "csv":
        assert [row[0] for row in csv.reader(io.StringIO(result.output))][1:] == every
    else:
        assert "showing 1-9" in result.output and all(doc_id in result.output for doc_id in every)


def test_library_stream_makes_hits_one_at_a_time(index_dir):
    with searchkit.Index(index_dir) as ix:
        streamed = ix.search("archive", stream=True, sort="date")
        first = next(iter(streamed))
        assert first.id == "sport/001.json"  # the earliest dated story
        assert [hit.id for hit in ix.search("archive", stream=True, offset=5)] == \
            [hit.id for hit in ix.search("archive", limit=100)][5:]


def test_similar_finds_the_same_subject_without_copies(index_dir):
    with searchkit.Index(index_dir) as ix:
        hits = ix.similar("business/001.json", limit=3)
        ids = [hit.id for hit in hits]
        assert "business/001.json" not in ids and "business/003.json" not in ids  # itself, its copy
        assert ix.similar("nope") is None
    result = run("similar", "sport/002.json", "--index", index_dir, "--json", "--limit", "2")
    data = json.loads(result.output)
    assert len(data["hits"]) <= 2 and all(hit["id"] != "sport/002.json" for hit in data["hits"])
    assert run("similar", "nope", "--index", index_dir).exit_code == 1


def test_similar_ranks_stories_on_the_same_subject_first(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    stories = {
        "cocoa1": "Cocoa prices rose in London as Ivory Coast growers held back beans from the mid-crop harvest.",
        "cocoa2": "Ivory Coast cocoa growers expect a smaller mid-crop harvest after dry weather, traders in London said.",
        "cocoa3": "Ghana raised the price paid to cocoa growers for the main crop beans.",
        "goal1": "The striker scored twice as the home side won the league match in the rain.",
        "goal2": "A late goal from the striker won the cup match for the visitors.",
        "rates": "The central bank raised interest rates by a quarter point to slow inflation.",
    }
    with (folder / "all.jsonl").open("w") as handle:
        for doc_id, body in stories.items():
            handle.write(json.dumps({"id": doc_id, "title": "", "body": body}) + "\n")
    with searchkit.Index(tmp_path / "ix") as ix:
        ix.add(folder)
        ids = [hit.id for hit in ix.similar("cocoa1", limit=5)]
        assert ids[:2] == ["cocoa2", "cocoa3"] and "cocoa1" not in ids
        assert [hit.id for hit in ix.similar("goal1", limit=1)] == ["goal2"]


def test_remove_by_query_with_a_dry_run(index_dir):
    dry = run("remove", "--query", "derby", "--dry-run", "--index", index_dir)
    assert dry.exit_code == 0
    assert sorted(dry.stdout.split()) == ["sport/001.json", "sport/003.json"]  # copies too
    with searchkit.Index(index_dir) as ix:
        assert len(ix) == 9
    done = run("remove", "--query", "derby", "--index", index_dir)
    assert done.output.strip() == "removed 2"
    with searchkit.Index(index_dir) as ix:
        assert len(ix) == 7 and "sport/001.json" not in ix


def test_remove_by_path_and_both(index_dir, corpus):
    both = run("remove", "--path", corpus / "business", "--query", "bank", "--dry-run", "--index", index_dir)
    assert sorted(both.stdout.split()) == ["business/001.json", "business/003.json"]
    done = run("remove", "--path", corpus / "sport", "--index", index_dir)
    assert done.output.strip() == "removed 3"
    with searchkit.Index(index_dir) as ix:
        assert sorted(hit.id for hit in ix.search("archive", collapse=False, limit=20)) == [
            "business/001.json", "business/002.json", "business/003.json", "note.json",
            "politics/001.json", "politics/002.json"]
    nothing = run("remove", "--path", corpus / "nowhere", "--index", index_dir)
    assert nothing.output.strip() == "removed 0"
    usage = run("remove", "--index", index_dir)
    assert usage.exit_code == 2


def test_index_source_and_tag_fill_only_missing_metadata(tmp_path, corpus):
    index = tmp_path / "ix2"
    result = run("index", corpus, "--index", index, "--source", "Archive Desk", "--tag", "Imported", "--tag", "2024")
    assert result.exit_code == 0, result.output
    with searchkit.Index(index) as ix:
        note = ix.get("note.json")
        assert note.source == "Archive Desk" and note.tags == ["economy"]  # its own tags kept
        sport = ix.get("sport/001.json")
        assert sport.source == "Daily Post"
        hits = ix.search("archive", facets=["source"], where={"source": "archive desk"}, collapse=False)
        assert [hit.id for hit in hits] == ["note.json"]
    folder = tmp_path / "bare"
    folder.mkdir()
    (folder / "a.txt").write_text("A headline\n\nSome archive text without metadata.\n")
    run("index", folder, "--index", index, "--tag", "Imported")
    with searchkit.Index(index) as ix:
        assert ix.get("a.txt").tags == ["Imported"]
        assert [hit.id for hit in ix.search("archive", where={"tags": "imported"})] == ["a.txt"]


def test_copies_text_names_each_copy_without_a_copy_count(index_dir):
    listed = run("copies", "sport/001.json", "--index", index_dir)
    assert listed.exit_code == 0
    assert listed.output.startswith("1 copy of sport/001.json:") and "[sport/003.json]" in listed.output
    assert "(+" not in listed.output
    data = json.loads(run("copies", "sport/001.json", "--index", index_dir, "--json").output)
    assert [(hit["id"], hit["copies"]) for hit in data["hits"]] == [("sport/003.json", 1)]  # the JSON as it was
    assert "[sport/001.json]  (+1 copy)" in run("query", "derby", "--index", index_dir).output  # a query still counts


@pytest.mark.parametrize("extra", [[], ["--format", "text"]])
def test_fields_with_text_output_is_an_error_not_ignored(index_dir, extra):
    result = run("query", "archive", "--index", index_dir, "--fields", "id,title", *extra)
    assert result.exit_code == 2
    assert "--fields" in result.output and "--format" in result.output
    assert "Traceback" not in result.output and "archive" not in result.output.split("\n", 1)[-1]
    assert run("query", "archive", "--index", index_dir, "--format", "tsv", "--fields", "id,title").exit_code == 0
