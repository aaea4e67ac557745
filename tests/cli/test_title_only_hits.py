"""A story without a body: its snippet is its title, shown once (text output, search page), not twice."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from searchkit.cli import cli

from ..conftest import write

LONG = ("Oil prices rise sharply in early trade as OPEC ministers meet in Vienna to discuss output cuts "
        "for the coming months while traders wait for word from Saudi Arabia on quotas and prices")
RECORDS = [
    {"id": "flash", "title": "Bundesbank leaves discount rate unchanged", "date": "1987-03-02"},
    {"id": "ask", "title": "Will the Fed cut  interest\nrates?", "date": "1987-03-04"},
    {"id": "long", "title": LONG, "date": "1987-03-05"},
    {"id": "story", "title": "Bundesbank meets", "date": "1987-03-03",
     "body": "The Bundesbank council left the discount rate at three pct, dealers said."},
]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("briefs")
    write(root / "news" / "n.jsonl", "".join(json.dumps(r) + "\n" for r in RECORDS))
    result = CliRunner().invoke(cli, ["index", str(root / "news"), "--index", str(root / "ix")])
    assert result.exit_code == 0, result.output
    return root / "ix"


def test_text_output_shows_a_title_only_story_once(index_dir):
    result = CliRunner().invoke(cli, ["query", "discount rate", "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert result.output.count("Bundesbank leaves") == 1  # the title line, with its highlights
    assert "1. Bundesbank leaves **discount** **rate** unchanged\n" in result.output
    assert "left the **discount** **rate** at three pct" in result.output  # a story with a body keeps its snippet
    # the snippet is a window of the title (cut before the first hit, after the last word): still once
    for query, line in (("interest rates", "Will the Fed cut **interest** **rates**?"),
                        ("saudi quotas", LONG.replace("Saudi", "**Saudi**").replace("quotas", "**quotas**"))):
        output = CliRunner().invoke(cli, ["query", query, "--index", str(index_dir)]).output
        assert f". {line}\n" in output, output
        lines = output.splitlines()
        at = next(i for i, text in enumerate(lines) if text.endswith(f". {line}"))
        assert not lines[at + 2].startswith("     "), output  # the date line, then no snippet line
    as_json = json.loads(CliRunner().invoke(cli, ["query", "discount rate", "--index", str(index_dir),
                                                  "--format", "json"]).output)
    flash = next(hit for hit in as_json["hits"] if hit["id"] == "flash")
    assert flash["snippet"] == "Bundesbank leaves **discount** **rate** unchanged"  # JSON keeps it whole


def test_the_search_page_marks_the_title_of_a_title_only_story(index_dir):
    pytest.importorskip("starlette.testclient")
    from starlette.testclient import TestClient

    from searchkit import Index
    from searchkit.web.app import create_app

    with Index(index_dir, create=False) as ix, TestClient(create_app(ix)) as client:
        page = client.get("/", params={"q": "discount rate"}).text
        asked = client.get("/", params={"q": "rates fed"}).text
    assert page.count("leaves <mark>discount</mark> <mark>rate</mark> unchanged") == 1  # in the title link
    assert len(re.findall(r'<p class="snippet">', page)) == 1  # the story with a body only
    assert "leaves discount rate unchanged" not in page
    assert "Will the <mark>Fed</mark> cut interest <mark>rates</mark>?" in asked  # spaces flattened, as HTML shows them
    assert len(re.findall(r'<p class="snippet">', asked)) == 1


def test_snippet_in_title_moves_the_highlights_onto_the_title():
    from searchkit.highlight import snippet_in_title

    assert snippet_in_title("Will the Fed cut rates?", "…the Fed cut rates…", [(13, 18)]) == \
        ("Will the Fed cut rates?", [(17, 22)])
    assert snippet_in_title("A  b\nc", "A b c", [(0, 1)]) == ("A b c", [(0, 1)])
    assert snippet_in_title("Oil prices", "Oil output fell", [(0, 3)]) is None  # a body's snippet
    assert snippet_in_title(None, "x", []) is None and snippet_in_title("x", "", []) is None
