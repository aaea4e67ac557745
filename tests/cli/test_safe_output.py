"""Safe output: plain snippets with highlight offsets, marks that cannot be forged,
a progress line that fits the terminal, ``show`` by path."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

import searchkit
from searchkit.cli import _display_width, _Progress, cli

from ..conftest import write

HOSTILE = ("Markets fall as the \x1b[31m treaty \x1b[0m **talks** stall <b>now</b> <script>alert(1)</script>; "
           "a treaty is still possible.")


@pytest.fixture
def hostile_index(tmp_path, index_dir):
    write(tmp_path / "docs" / "hostile.txt", "Hostile page\n\n" + HOSTILE + "\n")
    write(tmp_path / "docs" / "feed.jsonl", json.dumps(
        {"id": "html-1", "title": "<b>Bold</b> treaty", "body": "<p>The treaty <script>evil()</script>"
                                                                   "was signed.</p>"}) + "\n")
    index = searchkit.Index(index_dir)
    index.add(tmp_path / "docs")
    return index


def test_hits_carry_plain_text_and_highlight_offsets(hostile_index):
    hit = next(h for h in hostile_index.search("treaty") if h.id == "hostile.txt")
    text = hit.snippet_text
    assert "**" in text and "<script>" in text  # the article's own characters, as text
    assert "\x1b" not in text  # no terminal control sequences
    assert "\x1b" not in hostile_index.get("hostile.txt").body
    assert [text[a:b] for a, b in hit.highlights] == ["treaty", "treaty"]
    # the marked form: a literal ** is escaped, so only real highlights are marked
    assert hit.snippet.count("**treaty**") == 2
    assert "\\*\\*talks\\*\\*" in hit.snippet
    data = hit.to_dict()
    assert data["snippet_text"] == text and data["highlights"] == [list(s) for s in hit.highlights]


def test_html_in_json_fields_is_text_by_the_time_it_is_searched(hostile_index):
    doc = hostile_index.get("html-1")
    assert doc.title == "Bold treaty" and doc.body == "The treaty was signed."
    hit = next(h for h in hostile_index.search("treaty") if h.id == "html-1")
    assert "<" not in hit.snippet_text


def test_query_json_has_highlights(hostile_index, index_dir):
    result = CliRunner().invoke(cli, ["query", "treaty", "--json", "--index", str(index_dir)])
    for hit in json.loads(result.output)["hits"]:
        assert all(hit["snippet_text"][a:b].lower() == "treaty" for a, b in hit["highlights"])


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("columns", [20, 40, 80, 132])
@pytest.mark.parametrize("label", ["a.txt", "deep/" * 40 + "story.txt", "reut2-000.sgm: 12,500 records",
                                   "日本語のファイル名" * 8, "bad\nname\x1b[2J.txt"])
def test_progress_line_fits_the_terminal(columns, label):
    progress = _Progress(_Tty())
    progress.columns = lambda: columns
    line = progress.line(7, 1234, label)
    assert _display_width(line) <= columns - 1
    assert "\n" not in line and "\x1b" not in line
    assert "7/1234" in line


def test_progress_shows_records_of_a_dump(tmp_path, index_dir):
    lines = "".join(json.dumps({"id": f"r{i}", "title": f"story {i}"}) + "\n" for i in range(1200))
    write(tmp_path / "dump.jsonl", lines)
    seen = []
    searchkit.Index(index_dir).add(tmp_path / "dump.jsonl", progress=lambda d, t, p: seen.append(p))
    assert any("1,000 records" in label for label in seen)


def test_show_accepts_the_printed_path(tmp_path, index_dir, monkeypatch):
    write(tmp_path / "docs" / "one.txt", "One headline\n\nBody of one.\n")
    write(tmp_path / "docs" / "many.jsonl", '{"id": "m1", "title": "a"}\n{"id": "m2", "title": "b"}\n')
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["index", "docs", "--index", str(index_dir)]).exit_code == 0
    shown = runner.invoke(cli, ["show", "docs/one.txt", "--index", str(index_dir)])
    assert shown.exit_code == 0 and "One headline" in shown.output
    many = runner.invoke(cli, ["show", "docs/many.jsonl", "--index", str(index_dir)])
    assert many.exit_code == 1 and "'m1'" in many.output and "'m2'" in many.output
    missing = runner.invoke(cli, ["show", "docs/nothing.txt", "--index", str(index_dir)])
    assert missing.exit_code == 1 and "no document" in missing.output
