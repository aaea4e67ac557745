"""The library under the page: matches per period (Index.timeline) and a query's words in a whole document."""

from __future__ import annotations

import json

import pytest

from searchkit import Index, QueryError
from searchkit.highlight import match_spans

from ..conftest import write


@pytest.fixture
def dated(tmp_path):
    """Twelve articles over 1987 and 1989, two undated; "oil" in seven of them."""
    records = [
        {"id": "a1", "title": "Oil prices rise", "body": "Crude oil rose.", "date": "1987-02-26"},
        {"id": "a2", "title": "Oil output cut", "body": "OPEC cut oil output.", "date": "1987-02-27"},
        {"id": "a3", "title": "Cocoa review", "body": "Cocoa showers.", "date": "1987-03-01"},
        {"id": "a4", "title": "Oil glut", "body": "An oil glut.", "date": "1987-05-10", "tags": ["energy"]},
        {"id": "a5", "title": "Gold steady", "body": "Gold steady.", "date": "1987-05-11"},
        {"id": "a6", "title": "Oil again", "body": "Oil and gas.", "date": "1989-01-02", "tags": ["energy"]},
        {"id": "a7", "title": "Grain", "body": "Wheat exports.", "date": "1989-07-04"},
        {"id": "a8", "title": "Oil undated", "body": "Oil, no date."},
        {"id": "a9", "title": "Coffee", "body": "Coffee quotas."},
        {"id": "a10", "title": "Oil late", "body": "Oil in December.", "date": "1987-12-31T23:30:00"},
        {"id": "a11", "title": "Sugar", "body": "Sugar prices.", "date": "1988-06-01"},
        {"id": "a12", "title": "Oil in 88", "body": "Oil in 1988.", "date": "1988-06-15"},
    ]
    write(tmp_path / "c" / "news.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")
    ix = Index(tmp_path / "ix")
    ix.add(tmp_path / "c")
    yield ix
    ix.close()


@pytest.mark.parametrize("query,kwargs", [
    ("oil", {}),
    ("oil OR cocoa", {}),
    ("-oil", {}),
    ("oil", {"since": "1987-03", "until": "1988"}),
    ("oil", {"tags": "energy"}),
    ("", {"since": "1988"}),
    ("nothing-here", {}),
])
def test_every_match_is_counted_once(dated, query, kwargs):
    timeline = dated.timeline(query, **kwargs)
    assert timeline.total == dated.search(query, limit=0, **kwargs).total


def test_months_with_gaps_filled(dated):
    timeline = dated.timeline("oil", until="1987")
    assert timeline.unit == "month"
    assert timeline.counts == [("1987-02", 2), ("1987-03", 0), ("1987-04", 0), ("1987-05", 1), ("1987-06", 0),
                               ("1987-07", 0), ("1987-08", 0), ("1987-09", 0), ("1987-10", 0), ("1987-11", 0),
                               ("1987-12", 1)]
    assert timeline.undated == 0  # until= leaves undated articles out, as search does


def test_years_when_the_span_is_long_and_on_request(dated):
    assert dated.timeline("oil", unit="year").counts == [("1987", 4), ("1988", 1), ("1989", 1)]
    assert dated.timeline("oil", unit="year").undated == 1
    monthly = dated.timeline("oil")  # 1987-02 .. 1989-01 is 24 months: still months
    assert monthly.unit == "month" and len(monthly.counts) == 24 and sum(c for _, c in monthly.counts) == 6
    assert dated.timeline("oil").to_dict()["counts"][0] == {"period": "1987-02", "count": 2}


def test_removed_documents_are_not_counted(dated):
    before = dated.timeline("oil", unit="year")
    assert dated.remove("a1")
    after = dated.timeline("oil", unit="year")
    assert after.counts[0] == ("1987", before.counts[0][1] - 1)


def test_bad_input(dated):
    with pytest.raises(QueryError):
        dated.timeline("oil", since="1987-13")
    with pytest.raises(ValueError):
        dated.timeline("oil", unit="week")
    assert dated.timeline("").counts == [] and dated.timeline("the").total == 0


def test_query_words_in_a_whole_document(dated):
    text = "Treaties and a treaty; the treatment of TREATY-bound states (retreaty)."
    terms = dated.query_terms("treaty")
    assert [text[a:b] for a, b in match_spans(text, terms)] == ["Treaties", "treaty", "TREATY"]
    assert match_spans(text, set()) == [] and match_spans("", terms) == []
    both = dated.query_terms('"oil glut" -gold title:crude')
    assert {"oil", "glut", "crude"} <= both and "gold" not in both
