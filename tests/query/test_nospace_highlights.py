"""Scripts without spaces (CJK, kana, Thai): a snippet marks the query's characters, not the whole run.

A run such as ``東京都の金利上昇について`` is one word of the text but is indexed
as overlapping bigrams; the query ``金利`` finds it through the bigram
``金利``.  The snippet and the document page mark those two characters (and
overlapping bigrams as one stretch: ``金利上昇``), as they would a word.
The reference below is brute force: every place two adjacent ideographs
form a query bigram, and every lone ideograph that is a query term.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings, strategies as st

import searchkit
from searchkit.analysis import normalise_word
from searchkit.highlight import Marks, make_snippet, match_spans
from searchkit.query import compile_query, parse_query

from ..conftest import write


def marked(snippet) -> list[str]:
    return [text for text, hit in snippet.parts if hit]


@pytest.mark.parametrize("query, text, expected", [
    ("金利", "東京都の金利上昇について、日銀は金利を据え置いた。", ["金利", "金利"]),
    ("金利上昇", "東京都の金利上昇について", ["金利上昇"]),
    ("上昇", "金利上昇。上昇", ["上昇", "上昇"]),
    ("3.5 金利", "東京3.5金利", ["3.5金利"]),
    ("ภาษา", "เรียนภาษาไทย", ["ภาษา"]),
    ("日本銀行", "東京 日本銀行 発表", ["日本銀行"]),
    ("oil 石油", "oil価格と石油", ["oil", "石油"]),
    ("利上", "金利上昇", ["利上"]),
    ("金利", "金 利", []),  # not adjacent: not the bigram
    ("ทำ", "เขาทำงานหนัก", ["ทำ"]),  # ำ folds to two characters, in the index and here alike
    ("ทำงาน", "เขาทำงานหนัก", ["ทำงาน"]),
    ('東京 "oil prices"', "東京oil gas", ["東京"]),  # a phrase's word beside a run, without the phrase
])
def test_the_query_characters_are_marked_inside_a_run(query, text, expected):
    marks = compile_query(parse_query(query), None).marks
    assert marked(make_snippet(text, marks)) == expected
    assert [text[a:b] for a, b in match_spans(text, marks)] == expected


def test_characters_are_matched_folded_and_shown_as_written():
    text = "プロパンガス供給"  # ガ is folded to カ in the index and the query alike
    marks = compile_query(parse_query("ガス"), None).marks
    assert [text[a:b] for a, b in match_spans(text, marks)] == ["ガス"]
    assert marked(make_snippet(text, marks)) == ["ガス"]


IDEOGRAPHS = "金利上昇日本銀行"


def reference_marked(text: str, terms: set[str]) -> set[int]:
    """Character offsets to mark: brute force over the text's ideograph runs and Latin words."""
    chars = set()
    for run in re.finditer(f"[{IDEOGRAPHS}]+", text):
        start, body = run.start(), run.group()
        if len(body) == 1:
            if body in terms:
                chars.add(start)
            continue
        for k in range(len(body) - 1):
            if body[k:k + 2] in terms:
                chars.update((start + k, start + k + 1))
    for word in re.finditer(r"[a-z]+", text):
        if normalise_word(word.group()) in terms:
            chars.update(range(word.start(), word.end()))
    return chars


@settings(max_examples=300, deadline=None)
@given(tokens=st.lists(st.one_of(st.text(alphabet=IDEOGRAPHS, min_size=1, max_size=7),
                                 st.sampled_from(["oil", "prices", "bank"])), min_size=1, max_size=30),
       seps=st.lists(st.sampled_from([" ", "", "、"]), max_size=30),
       wanted=st.lists(st.text(alphabet=IDEOGRAPHS, min_size=1, max_size=2), max_size=4),
       latin=st.sets(st.sampled_from(["oil", "price"]), max_size=1))
def test_marks_are_the_brute_force_ones(tokens, seps, wanted, latin):
    text = "".join(token + (seps[i] if i < len(seps) else " ") for i, token in enumerate(tokens)).strip(" 、")
    terms = set(wanted) | latin
    expected = reference_marked(text, terms)
    got = {i for a, b in match_spans(text, Marks(frozenset(terms))) for i in range(a, b)}
    assert got == expected
    snippet = make_snippet(text, Marks(frozenset(terms)), window=10_000)
    # the window holds every word from a little before the first hit on
    cut = 1 if snippet.plain.startswith("…") else 0
    shown = snippet.plain[cut:]
    assert text.endswith(shown)
    shift = len(text) - len(shown) - cut
    assert {i + shift for a, b in snippet.highlights for i in range(a, b)} == expected


def test_search_and_the_document_page_mark_the_characters(tmp_path):
    records = [{"id": "ja", "title": "金融政策", "body": "東京都の金利上昇について、日銀は金利を据え置いた。",
                "date": "2020-01-01"}]
    write(tmp_path / "n" / "n.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    with searchkit.Index(tmp_path / "ix") as ix:
        ix.add(tmp_path / "n")
        hits = ix.search("金利")
        assert [hit.id for hit in hits] == ["ja"]
        assert [hits[0].snippet_text[a:b] for a, b in hits[0].highlights] == ["金利", "金利"]
        pytest.importorskip("starlette.testclient")
        from starlette.testclient import TestClient

        from searchkit.web.app import create_app

        with TestClient(create_app(ix)) as client:
            page = client.get("/doc/ja", params={"q": "金利"}).text
        assert "東京都の<mark>金利</mark>上昇について" in page
