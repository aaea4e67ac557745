"""A word searched in one field is marked only in texts of that field (Elasticsearch's ``require_field_match``).

``title:gold silver`` finds stories with "gold" in the title; its body
snippets mark "silver" (searched everywhere) but not "gold", which the
query never looked for in bodies.  A story without a body shows its title,
where "gold" is marked.
"""

from __future__ import annotations

import json

import pytest

import searchkit
from searchkit.highlight import Marks, document_snippet, match_spans
from searchkit.query import compile_query, parse_query

from ..conftest import write

RECORDS = [
    {"id": "a", "title": "Gold rises", "body": "The price of gold and silver rose on Monday. Gold rises.", "date": "2020-01-01"},
    {"id": "b", "title": "Silver falls", "body": "Gold miners said silver fell.", "date": "2020-01-02"},
    {"id": "c", "title": "Gold only headline", "date": "2020-01-03"},
]


def marked(hit) -> list[str]:
    return [text for text, hit_part in hit.snippet_parts if hit_part]


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    root = tmp_path_factory.mktemp("marks")
    write(root / "news" / "n.jsonl", "".join(json.dumps(r) + "\n" for r in RECORDS))
    with searchkit.Index(root / "ix") as index:
        index.add(root / "news")
        yield index


def test_a_title_word_is_not_marked_in_bodies(ix):
    hits = {hit.id: marked(hit) for hit in ix.search("title:gold silver")}
    assert hits["a"] == ["silver"]  # "gold" is in the body too, but was searched in titles only
    hits = {hit.id: marked(hit) for hit in ix.search("title:gold")}
    assert hits == {"a": [], "c": ["Gold"]}  # a title-only story's snippet is its title
    assert {hit.id: marked(hit) for hit in ix.search("body:gold title:silver")} == {"b": ["Gold"]}


def test_words_without_a_field_are_marked_everywhere(ix):
    hits = {hit.id: marked(hit) for hit in ix.search("gold")}
    assert hits["a"] == ["gold", "Gold"] and hits["b"] == ["Gold"] and hits["c"] == ["Gold"]


def test_a_fielded_phrase_and_prefix_mark_their_field_only(ix):
    compiled = compile_query(parse_query('title:"gold rises" title:sil* body:monday'), ix._searcher_now().reader())
    body, title = compiled.marks_for("body"), compiled.marks_for("title")
    assert body == Marks(frozenset({"monday"}), ())
    assert title.phrases == ((("gold", "rise"), 1),) and title.terms == frozenset({"silver"})
    assert compiled.marks.all_terms() == {"gold", "rise", "silver", "monday"}  # every field's, as before
    assert compiled.snippet_marks == {"body": body, "title": title}


def test_query_marks_per_field_for_a_whole_document(ix):
    doc = ix.get("a")
    spans = match_spans(doc.body, ix.query_marks("title:gold silver", "body"))
    assert [doc.body[a:b] for a, b in spans] == ["silver"]
    assert [doc.title[a:b] for a, b in match_spans(doc.title, ix.query_marks("title:gold silver", "title"))] == ["Gold"]
    assert len(match_spans(doc.body, ix.query_marks("title:gold silver"))) == 3  # no field: every field's words


def test_document_snippet_takes_marks_per_field():
    marks = {"body": Marks(frozenset({"silver"})), "title": Marks(frozenset({"gold"}))}
    assert [t for t, hit in document_snippet({"title": "Gold", "body": "gold silver"}, marks).parts if hit] == ["silver"]
    assert [t for t, hit in document_snippet({"title": "Gold", "body": ""}, marks).parts if hit] == ["Gold"]
    assert [t for t, hit in document_snippet({"title": "Gold", "body": "gold"}, Marks(frozenset({"gold"}))).parts
            if hit] == ["gold"]  # one Marks: every text


def test_the_web_document_page_marks_each_field_with_its_words(ix):
    pytest.importorskip("starlette.testclient")
    from starlette.testclient import TestClient

    from searchkit.web.app import create_app

    with TestClient(create_app(ix)) as client:
        page = client.get("/doc/a", params={"q": "title:gold silver"}).text
    assert "<mark>Gold</mark> rises" in page  # the title
    assert "<mark>silver</mark>" in page and "<mark>gold</mark>" not in page  # the body


@pytest.mark.parametrize("fanout", ["joined", "threads"])
def test_a_sharded_index_marks_the_same(tmp_path, ix, fanout):
    from searchkit.shards.search import ShardedIndex

    write(tmp_path / "news" / "n.jsonl", "".join(json.dumps(r) + "\n" for r in RECORDS))
    sharded = ShardedIndex.create(tmp_path / "s2", 2)
    sharded.add(tmp_path / "news")
    for query in ("title:gold silver", "title:gold", "body:gold title:silver", "gold"):
        ours = sorted((hit.id, hit.snippet_parts) for hit in ix.search(query))
        theirs = sorted((hit.id, [tuple(part) for part in hit.snippet_parts])
                        for hit in sharded.search(query, fanout=fanout))
        assert theirs == ours, query
