"""Ingestion that never silently loses or invents data: ids, index folders, SGML dumps, JSON aliases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import searchkit
from searchkit.readers import read_file
from searchkit.readers.records import html_to_text, record_fields

from ..conftest import FIXTURES, write

REUTERS = FIXTURES / "reuters"


def _folder(root: Path, name: str, count: int) -> Path:
    for i in range(1, count + 1):
        write(root / name / f"{i:03d}.txt", f"{name} story {i}\n\nThe {name} desk reports item number {i}.\n")
    return root / name


# --- ids ------------------------------------------------------------------------------


def test_two_folders_with_the_same_file_names_keep_every_file(tmp_path, index_dir):
    business, sport = _folder(tmp_path / "bbc", "business", 5), _folder(tmp_path / "bbc", "sport", 4)
    index = searchkit.Index(index_dir)
    summary = index.add(business, sport)
    assert (summary.added, summary.skipped, len(summary.conflicts)) == (9, 0, 0)
    assert len(index) == 9
    assert index.get("business/001.txt").title == "business story 1"
    assert index.get("sport/001.txt").title == "sport story 1"
    again = index.add(business, sport)
    assert (again.added, again.unchanged, again.removed) == (0, 9, 0)


def test_folders_indexed_one_run_after_another_keep_every_file_and_their_ids(tmp_path, index_dir):
    y2019, y2020 = _folder(tmp_path, "2019", 3), _folder(tmp_path, "2020", 3)
    index = searchkit.Index(index_dir)
    index.add(y2019)
    summary = index.add(y2020)
    assert summary.added == 3 and len(index) == 6
    assert index.get("001.txt").title == "2019 story 1"  # the index made before keeps its ids
    assert index.get("2020/001.txt").title == "2020 story 1"
    # re-runs, alone or together, never rename a document
    for paths in ((y2020,), (y2019,), (y2019, y2020)):
        again = index.add(*paths)
        assert (again.added, again.updated, again.removed) == (0, 0, 0), paths
    assert index.get("001.txt").title == "2019 story 1" and index.get("2020/001.txt").title == "2020 story 1"
    assert len(index) == 6
    # a changed file is updated under its id
    write(y2020 / "001.txt", "2020 story 1, corrected\n\nNew text.\n")
    changed = index.add(y2020)
    assert (changed.updated, changed.added) == (1, 0)
    assert index.get("2020/001.txt").title == "2020 story 1, corrected"


def test_json_id_collision_is_a_counted_conflict_naming_both_sources(tmp_path, index_dir):
    write(tmp_path / "a.jsonl", json.dumps({"id": "same", "title": "first"}) + "\n")
    write(tmp_path / "b.jsonl", json.dumps({"id": "same", "title": "second"}) + "\n")
    summary = searchkit.Index(index_dir).add(tmp_path / "a.jsonl", tmp_path / "b.jsonl")
    assert len(summary.conflicts) == 1
    doc_id, kept, skipped = summary.conflicts[0]
    assert doc_id == "same" and kept.endswith("a.jsonl") and skipped.endswith("b.jsonl")
    assert "conflicts 1" in str(summary)
    data = summary.to_dict()
    assert data["conflicts"] == 1 and data["conflict_list"][0]["id"] == "same"


def test_the_index_folder_is_never_walked_into(tmp_path, index_dir):
    archive = tmp_path / "archive"
    _folder(archive, "news", 2)
    index = searchkit.Index(archive / "index")
    first = index.add(archive)
    assert first.added == 2 and first.skipped == 0
    second = index.add(archive)
    assert (second.added, second.updated, second.skipped) == (0, 0, 0)
    assert len(index) == 2 and index.get("index/searchkit.json") is None
    # another searchkit index inside the folder is passed over as well
    other = searchkit.Index(archive / "old-index")
    other.add(archive / "news")
    third = searchkit.Index(index_dir).add(archive)
    assert third.added == 2 and any("old-index" in note for note in third.notes)


def test_a_folder_with_a_file_named_searchkit_json_is_still_indexed(tmp_path, index_dir):
    write(tmp_path / "feed" / "searchkit.json", json.dumps({"id": "x", "title": "an article"}))
    summary = searchkit.Index(index_dir).add(tmp_path / "feed")
    assert summary.added == 1


def test_index_create_false_raises_for_a_missing_index(tmp_path):
    with pytest.raises(searchkit.IndexNotFoundError):
        searchkit.Index(tmp_path / "typo", create=False)
    assert not (tmp_path / "typo").exists()


# --- JSON records ---------------------------------------------------------------------


def test_news_api_field_spellings():
    fields = record_fields({
        "title": "Markets rally",
        "description": "Stocks rose on Friday.",
        "publishedAt": "2019-06-28T22:30:00Z",
        "source": {"id": None, "name": "BBC News"},
        "authors": [{"name": "Ann Lee"}, {"name": "Bo Chen"}],
    })
    assert fields["body"] == "Stocks rose on Friday."
    assert fields["date"] == "2019-06-28T22:30:00"
    assert fields["source"] == "BBC News" and fields["author"] == "Ann Lee, Bo Chen"
    for key in ("published_at", "pub_date", "date_published", "created_at"):
        assert record_fields({key: "Fri, 28 Jun 2019 22:30:00 EDT"})["date"] == "2019-06-29T02:30:00", key
    assert record_fields({"summary": "a teaser", "body": "the story"})["body"] == "the story"


def test_html_in_json_fields_becomes_text():
    fields = record_fields({"title": "AT&amp;T <b>wins</b>",
                            "body": "<p>First <script>alert(1)</script>part.</p><p>Second<br>line</p>"})
    assert fields["title"] == "AT&T wins"
    assert fields["body"] == "First part.\n\nSecond\nline"
    assert html_to_text("x < y & z") == "x < y & z"


def test_unreadable_dates_are_counted_with_examples(tmp_path, index_dir):
    lines = [{"id": "a", "title": "one", "date": "Friday"}, {"id": "b", "title": "two", "date": "2019-06-28"},
             {"id": "c", "title": "three", "pubDate": "3 hours ago"}]
    write(tmp_path / "feed.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    summary = searchkit.Index(index_dir).add(tmp_path / "feed.jsonl")
    assert summary.added == 3 and summary.bad_dates == 2
    assert summary.bad_date_examples == [("a", "Friday"), ("c", "3 hours ago")]
    assert "unreadable dates 2" in str(summary)


# --- SGML dumps and agency datelines ----------------------------------------------------


def test_reuters_sgml_records(tmp_path):
    docs = list(read_file(REUTERS / "reut2-000.sgm", "reut2-000.sgm"))
    by_id = {d.id: d for d in docs}
    assert sorted(by_id) == ["11", "12", "13", "14"]
    cocoa = by_id["11"]
    assert cocoa.title == "BAHIA COCOA REVIEW <BAH>"
    assert cocoa.date == "1987-02-26T15:01:01"
    assert cocoa.dateline == "SALVADOR, Feb 26"
    assert cocoa.tags == ["cocoa", "money-supply", "el-salvador", "usa", "icco"]
    assert cocoa.source == "Reuters"
    assert "<Comissaria Smith> said & added" in cocoa.body and "&#" not in cocoa.body
    assert not cocoa.body.rstrip().endswith("Reuter")
    assert "\x03" not in cocoa.body and "\x02" not in cocoa.body
    assert by_id["12"].title == "GHANA COCOA PURCHASES FALL"  # a title-only brief
    assert "FEDERAL RESERVE WEEKLY REPORT" in by_id["14"].body  # unmarked text
    assert by_id["14"].tags == ["japan", "usa", "james-baker"]


def test_sgml_folder_indexes_stories_not_its_documentation(tmp_path, index_dir):
    folder = tmp_path / "reuters21578"
    shutil.copytree(REUTERS, folder)
    write(folder / "README.txt", "Reuters-21578 text categorization test collection\n\nDistribution 1.0\n")
    raw = (REUTERS / "reut2-000.sgm").read_bytes().replace(b'NEWID="1', b'NEWID="9')
    write(folder / "reut2-017.sgm", raw.replace(b"Showers continued", b"Z\xfcrich showers continued"))
    summary = searchkit.Index(index_dir).add(folder)
    assert summary.added == 8
    reasons = dict(summary.skipped_files)
    assert set(reasons) == {"README.txt", "cat-descriptions_120396.txt"}
    index = searchkit.Index(index_dir)
    assert "Zürich showers continued" in index.get("91").body  # the stray byte is Windows-1252
    assert [hit.id for hit in index.search("zürich")] == ["91"]


def test_dateline_agency_sets_the_source(tmp_path):
    write(tmp_path / "a.txt", "Storm hits\n\nMANILA (Reuters) - A typhoon struck the capital on Monday.\n")
    write(tmp_path / "b.json", json.dumps({"title": "x", "body": "MANILA (Reuters) - text", "source": "Inquirer"}))
    docs = {d.id: d for d in searchkit.extract(tmp_path)}
    assert docs["a.txt"].source == "Reuters"
    assert docs["b.json"].source == "Inquirer"  # a source given is never overridden


def test_an_edition_label_is_not_a_source():
    from searchkit.readers.html import extract_html

    page = (b'<html><head><title>Oil falls | Reuters</title><meta property="og:site_name" content="U.S.">'
            b'</head><body><article><h1>Oil falls</h1><p>NEW YORK (Reuters) - Oil prices fell sharply on '
            b'Tuesday on oversupply concerns, traders said, as stocks drifted near record highs.</p></article>'
            b'</body></html>')
    fields = extract_html(page)
    assert fields["source"] != "U.S."
    docs = list(read_file(Path("page.html"), "page.html", raw=page))
    assert docs[0].source == "Reuters"


@pytest.mark.parametrize("bad", ["May", "19", "next friday", "01-03-1987"])
def test_since_accepts_only_iso_forms_cli_and_library(bad, corpus, index_dir):
    from click.testing import CliRunner

    from searchkit.cli import cli

    index = searchkit.Index(index_dir)
    index.add(corpus)
    with pytest.raises(searchkit.QueryError, match="YYYY-MM-DD"):
        index.search("treaty", since=bad)
    result = CliRunner().invoke(cli, ["query", "treaty", "--since", bad, "--index", str(index_dir)])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and "YYYY, YYYY-MM, YYYY-MM-DD" in result.output


@pytest.mark.parametrize("value, expected", [
    ("Ticker <GOLD.N> rose <b>sharply</b>.", "Ticker <GOLD.N> rose sharply."),
    ("<p>Shares of <Texaco Inc> fell 3 < 4.</p><p>Next</p>", "Shares of <Texaco Inc> fell 3 < 4.\n\nNext"),
    ("<P CLASS=x>Hi <AMERICAN EXPRESS CO></P>", "Hi <AMERICAN EXPRESS CO>"),
    ("<script>x</script> &amp; <b>bold</b> headline", "& bold headline"),
    ("AT&T <CEO>", "AT&T <CEO>"),  # no markup: as it is
])
def test_text_in_angle_brackets_beside_markup_is_kept(value, expected):
    """A ``<`` that starts no HTML tag is text (a ticker, a Reuters company name, a comparison):
    an HTML parser would take ``<GOLD.N>`` for an element and drop it."""
    assert html_to_text(value) == expected
