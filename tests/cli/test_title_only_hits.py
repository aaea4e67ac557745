"""A story without a body: its snippet is its title, shown once (text output, search page), not twice."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from searchkit.cli import cli

from ..conftest import write

RECORDS = [
    {"id": "flash", "title": "Bundesbank leaves discount rate unchanged", "date": "1987-03-02"},
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
    assert result.output.count("Bundesbank leaves discount rate unchanged") == 1
    assert result.output.count("leaves **discount** **rate**") == 0
    assert "left the **discount** **rate** at three pct" in result.output  # a story with a body keeps its snippet
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
    assert page.count("leaves <mark>discount</mark> <mark>rate</mark> unchanged") == 1  # in the title link
    assert len(re.findall(r'<p class="snippet">', page)) == 1  # the story with a body only
    assert "leaves discount rate unchanged" not in page
