import json
from pathlib import Path

import pytest

from searchkit.readers import RecordError, SkipFile, read_file
from searchkit.readers.records import record_fields

from ..conftest import write


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


# --- JSON Lines read as a stream (issue 6: a 500 MB dump is not held in memory) ---


def test_jsonl_is_streamed_not_read_whole(tmp_path: Path, monkeypatch):
    lines = [json.dumps({"id": f"r{i}", "title": f"record {i}"}) for i in range(50)]
    lines[20] = "{broken"
    path = write(tmp_path / "s.jsonl", "\n".join(lines) + "\n")

    def no_whole_reads(self, *args, **kwargs):
        raise AssertionError(f"{self} read whole")

    monkeypatch.setattr(Path, "read_bytes", no_whole_reads)
    items = read_file(path, "s.jsonl")
    first = next(items)  # the first record comes before the file has been read to the end
    assert first.id == "r0"
    rest = list(items)
    assert [i.where for i in rest if isinstance(i, RecordError)] == ["s.jsonl#21"]
    assert len([i for i in rest if not isinstance(i, RecordError)]) == 48


def test_file_digest_is_the_hash_of_the_whole_content(tmp_path: Path):
    import gzip
    import hashlib

    from searchkit.readers import file_digest

    content = "".join(json.dumps({"id": f"r{i}", "body": "x" * i}) + "\n" for i in range(3000)).encode()
    assert len(content) > 2 * 1024 * 1024  # several chunks
    plain = write(tmp_path / "p.jsonl", content)
    packed = write(tmp_path / "p.jsonl.gz", gzip.compress(content))
    expected = hashlib.blake2b(content, digest_size=16).hexdigest()  # what earlier versions stored
    assert file_digest(plain) == expected
    assert file_digest(packed) == expected


def test_overlong_jsonl_line_is_one_bad_record(tmp_path: Path, monkeypatch):
    import searchkit.readers as readers

    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 1000)
    lines = [json.dumps({"id": "a", "title": "before"}), json.dumps({"id": "big", "body": "y" * 50_000}),
             json.dumps({"id": "b", "title": "after"})]
    path = write(tmp_path / "long.jsonl", "\n".join(lines) + "\n")
    items = list(read_file(path, "long.jsonl"))
    assert [i.id for i in items if not isinstance(i, RecordError)] == ["a", "b"]
    errors = [i for i in items if isinstance(i, RecordError)]
    assert [e.where for e in errors] == ["long.jsonl#2"] and "longer than" in errors[0].reason


def test_oversized_json_is_skipped_with_one_line(tmp_path: Path, monkeypatch):
    import searchkit.readers as readers
    from searchkit.readers import file_digest

    monkeypatch.setattr(readers, "MAX_JSON_BYTES", 10_000)
    path = write(tmp_path / "big.json", json.dumps([{"id": str(i), "body": "z" * 100} for i in range(200)]))
    with pytest.raises(SkipFile, match="JSON file too large") as caught:
        file_digest(path)
    assert "\n" not in str(caught.value) and "JSON Lines" in str(caught.value)
    with pytest.raises(SkipFile, match="JSON file too large"):
        list(read_file(path, "big.json"))
