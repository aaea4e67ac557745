"""A field on a parenthesised group (``title:(opec OR oil)``), and Lucene's ``~N``/``^N`` suffixes."""

from __future__ import annotations

import json

import pytest

from searchkit.errors import QueryError

from ..conftest import write

RECORDS = [
    # OPEC in the title only
    {"id": "t-opec", "title": "OPEC ministers meet", "text": "Ministers met in Vienna on output.",
     "tags": ["energy"], "date": "2020-03-01"},
    # oil in the title only
    {"id": "t-oil", "title": "Oil prices rise", "text": "Crude gained on Monday.", "tags": ["markets"],
     "date": "2020-06-01"},
    # both in the title
    {"id": "t-both", "title": "Oil output and OPEC", "text": "A long meeting.", "tags": ["energy", "markets"],
     "date": "2019-06-01"},
    # both only in the body: a title search must not find it
    {"id": "b-both", "title": "Wheat harvest", "text": "Oil and OPEC were discussed after the wheat harvest.",
     "tags": ["farming"], "date": "2019-06-02"},
    # oil only in the body, prices in the title
    {"id": "b-oil", "title": "Budget prices", "text": "Parliament passed the budget; oil was not discussed.",
     "tags": ["politics"], "date": "2021-01-01"},
    # "oil ... prices" apart in the body
    {"id": "apart", "title": "Markets", "text": "Energy markets: oil and gas prices fell.", "date": "2021-02-01"},
]


@pytest.fixture
def oix(tmp_path):
    import searchkit

    path = write(tmp_path / "oil.jsonl", "\n".join(json.dumps(r) for r in RECORDS) + "\n")
    index = searchkit.Index(tmp_path / "oix")
    index.add(path)
    yield index
    index.close()


def ids(ix, text, **kw):
    return sorted(hit.id for hit in ix.search(text, limit=100, **kw))


def scores(ix, text):
    return {hit.id: hit.score for hit in ix.search(text, limit=100)}


# --- a field on a group ------------------------------------------------------------------------


@pytest.mark.parametrize("grouped, spelled_out, expected", [
    ("title:(opec OR oil)", "title:opec OR title:oil", ["t-both", "t-oil", "t-opec"]),
    ("title:(opec oil)", "title:opec OR title:oil", ["t-both", "t-oil", "t-opec"]),
    ("title:(opec AND oil)", "title:opec AND title:oil", ["t-both"]),
    ("title:(oil -opec)", "title:oil -title:opec", ["t-oil"]),
    ("title:(oil NOT opec)", "title:oil -title:opec", ["t-oil"]),
    ("title:((oil AND prices) OR ministers)", "(title:oil AND title:prices) OR title:ministers",
     ["t-oil", "t-opec"]),
    ('title:("oil prices" OR vienna)', 'title:"oil prices" OR title:vienna', ["t-oil"]),
    ("title:(opec* OR pric*)", "title:opec* OR title:pric*", ["b-oil", "t-both", "t-opec", "t-oil"]),
    ("tags:(energy farming)", "tags:energy OR tags:farming", ["b-both", "t-both", "t-opec"]),
    ("body:(vienna OR rise)", "body:vienna OR body:rise", ["t-opec"]),
])
def test_field_applies_to_every_word_of_the_group(oix, grouped, spelled_out, expected):
    assert ids(oix, grouped) == ids(oix, spelled_out) == sorted(expected)


def test_field_group_never_matches_other_fields(oix):
    # "oil" and "opec" alone also find the body-only stories: the title group must not
    assert set(ids(oix, "oil OR opec")) - set(ids(oix, "title:(opec OR oil)")) == {"apart", "b-both", "b-oil"}


def test_field_group_is_a_filter_like_a_field_word(oix):
    # beside other words it narrows them, as title:oil does; it never widens
    assert ids(oix, "prices title:(oil OR opec)") == ids(oix, "prices title:oil") == ["t-oil"]
    assert set(ids(oix, "crude title:(oil OR opec)")) <= set(ids(oix, "crude"))
    assert ids(oix, "wheat title:(oil OR opec)") == []
    # excluded as a whole
    assert ids(oix, "oil -title:(oil OR opec)") == ["apart", "b-both", "b-oil"]


def test_inner_field_wins(oix):
    assert ids(oix, "title:(body:vienna OR prices)") == ["b-oil", "t-oil", "t-opec"]


def test_date_and_id_groups_read_each_word_as_their_field(oix):
    assert ids(oix, "date:(2019 OR 2021-02)") == ["apart", "b-both", "t-both"]
    assert ids(oix, "date:(2019 2021-02)") == ids(oix, "date:(2019 OR 2021-02)")
    assert ids(oix, "oil date:(2020 OR 2021-01)") == ["b-oil", "t-oil"]
    assert ids(oix, "id:(t-oil OR apart)") == ["apart", "t-oil"]
    with pytest.raises(QueryError, match="date:") as error:
        oix.search("date:(2019 OR someday)")
    assert "\n" not in str(error.value)


def test_field_group_ranks_when_alone(oix):
    # only the group: it ranks by its words (both words in the title first)
    assert [hit.id for hit in oix.search("title:(opec oil)")][0] == "t-both"


def test_unbalanced_or_empty_field_group_degrades(oix):
    assert ids(oix, "title:(opec OR oil") == ids(oix, "title:(opec OR oil)") == ["t-both", "t-oil", "t-opec"]
    assert ids(oix, "title:() oil") == ids(oix, "oil")


# --- Lucene's suffixes ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["opec~2", "opec~", "opec~0.8", "opec^3", "opec^", "opec^2.5", "opec!", "opec~2^3"])
def test_suffix_keeps_the_word(oix, text):
    assert ids(oix, text) == ids(oix, "opec") == ["b-both", "t-both", "t-opec"]


def test_boost_weighs_the_word(oix):
    # "oil^2 prices" is "oil" weighed twice, as "oil oil prices" is: not "prices" alone
    assert ids(oix, "oil^2 prices") == ids(oix, "oil prices")
    assert scores(oix, "oil^2 prices") == pytest.approx(scores(oix, "oil oil prices"))
    assert scores(oix, "oil^2 prices") != pytest.approx(scores(oix, "oil prices"))
    assert scores(oix, "title:(oil^2 opec)") == pytest.approx(scores(oix, "title:(oil oil opec)"))
    # a phrase's and a prefix's boost scales their scores
    plain, boosted = scores(oix, '"oil prices"'), scores(oix, '"oil prices"^3')
    assert boosted.keys() == plain.keys() == {"t-oil"}
    assert boosted["t-oil"] == pytest.approx(3 * plain["t-oil"])
    assert scores(oix, "ministe*^2")["t-opec"] == pytest.approx(2 * scores(oix, "ministe*")["t-opec"])


def test_phrase_slop(oix):
    # "Oil and gas prices": two words between "oil" and "prices"
    assert ids(oix, '"oil prices"') == ["t-oil"]
    assert ids(oix, '"oil prices"~1') == ["t-oil"]
    assert ids(oix, '"oil prices"~2') == ["apart", "t-oil"]
    assert ids(oix, 'body:"oil prices"~2') == ["apart"]
    assert ids(oix, 'title:("oil prices"~5)') == ["t-oil"]


def test_suffix_on_field_words_and_groups(oix):
    assert ids(oix, "title:opec^2") == ids(oix, "title:opec") == ["t-both", "t-opec"]
    assert ids(oix, "id:t-oil^2") == ["t-oil"]
    # a group's suffix is accepted and dropped, never searched as a word ("2")
    assert ids(oix, "(opec OR ministers)^2") == ids(oix, "opec OR ministers")
    assert ids(oix, "title:(opec OR oil)~2") == ids(oix, "title:(opec OR oil)")


def test_suffix_only_is_left_alone(oix):
    # nothing before the suffix: searched as it is (no word lost, none made up)
    from searchkit.query import parse_query
    from searchkit.query.syntax import Words

    assert parse_query("^3").items[0][0] == Words("^3")
