import json
from pathlib import Path

import pytest

from searchkit.readers import RecordError, SkipFile, read_file
from searchkit.readers.records import record_fields

from .conftest import write


def test_aliases_map_to_fields():
    fields = record_fields(
        {
            "headline": "H",
            "articleBody": "B",
            "datePublished": "2019-06-28T10:00:00+02:00",
            "byline": {"name": "Ann Smith"},
            "keywords": "a, b; c",
            "link": "https://x",
            "publisher": {"name": "Pub"},
        }
    )
    assert fields == {
        "title": "H",
        "body": "B",
        "date": "2019-06-28T08:00:00",
        "author": "Ann Smith",
        "tags": ["a", "b", "c"],
        "url": "https://x",
        "source": "Pub",
        "dateline": None,
    }


@pytest.mark.parametrize(
    "key", ["body", "text", "content", "articleBody"],
)
def test_every_body_alias(key):
    assert record_fields({key: "words"})["body"] == "words"


@pytest.mark.parametrize("key", ["date", "published", "datePublished", "pubDate"])
def test_every_date_alias(key):
    assert record_fields({key: "2020-01-02"})["date"] == "2020-01-02"


def test_authors_list_topics_categories_and_site():
    fields = record_fields({"authors": ["A", {"name": "B"}], "categories": ["x", "X", "y"], "site": "S"})
    assert fields["author"] == "A, B"
    assert fields["tags"] == ["x", "y"]
    assert fields["source"] == "S"


def test_unparseable_date_is_dropped_not_fatal():
    assert record_fields({"title": "t", "date": "sometime soon"})["date"] is None


def test_json_object_list_and_ids(tmp_path: Path):
    path = write(tmp_path / "list.json", json.dumps([{"id": 7, "title": "a"}, {"title": "b"}, 3]))
    items = list(read_file(path, "list.json"))
    assert [i.id for i in items if not isinstance(i, RecordError)] == ["7", "list.json#2"]
    assert isinstance(items[2], RecordError) and "not an object" in items[2].reason


def test_jsonl_bad_line_between_good_ones(tmp_path: Path):
    path = write(tmp_path / "d.jsonl", '{"title": "one"}\n{broken\n\n{"id": "x", "title": "three"}\n[1]\n')
    items = list(read_file(path, "sub/d.jsonl"))
    docs = [i for i in items if not isinstance(i, RecordError)]
    errors = [i for i in items if isinstance(i, RecordError)]
    assert [d.id for d in docs] == ["sub/d.jsonl#1", "x"]
    assert [e.where for e in errors] == ["sub/d.jsonl#2", "sub/d.jsonl#5"]


def test_invalid_json_and_scalar_json_are_skipped(tmp_path: Path):
    with pytest.raises(SkipFile, match="invalid JSON"):
        list(read_file(write(tmp_path / "bad.json", "{nope"), "bad.json"))
    with pytest.raises(SkipFile, match="not an object"):
        list(read_file(write(tmp_path / "n.json", "42"), "n.json"))


def test_body_as_list_of_paragraphs(tmp_path: Path):
    path = write(tmp_path / "p.json", json.dumps({"title": "t", "body": ["p1", "p2"]}))
    assert next(read_file(path, "p.json")).body == "p1\n\np2"
