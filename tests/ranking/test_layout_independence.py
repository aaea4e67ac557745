"""Scores do not depend on how the index is laid out in segments.

The same collection is indexed in three layouts, deterministically: one run
(one segment), the records backwards in one run, and three runs of
interleaved records in another order (three segments, every document at
another document number).  Every kind of query -- plain words, phrases,
hyphenated words (a disjunction-max of a phrase and the joined word),
field queries, prefixes, exclusions, AND, parentheses -- must return the
same ids with the same scores in each.  Whoosh's own ``DisjunctionMaxMatcher``
scored a document with the phrase score of *another* document whenever the
phrase side stood further on, so a hyphenated word scored by layout.
"""

from __future__ import annotations

import random

import pytest

from whoosh.query import DisjunctionMax, Or, Term

from searchkit.whoosh_ext import matchers
from searchkit.whoosh_ext.matchers import DisMax, DisMaxMatcher, OrderedOr, layout_stable
from searchkit.whoosh_ext.phrases import _ScoredList

from .corpus import index_records

_FILLER = ("market prices rose fell traders week report bank rates shares trading oil grain exports china "
           "output mills central lending supply news harvest buyers record data index file retrieval "
           "cluster document system search model").split() + ["central bank", "data processing"]
_HYPHENATED = ["non-relevant", "nonrelevant", "data-processing", "dataprocessing", "e-mail", "email",
               "x-ray", "xray", "co-operation", "cooperation"]


def records() -> list[dict]:
    """80 short stories of filler words, hyphenated words (some written joined) sprinkled in."""
    rng = random.Random(20261201)
    rows = []
    for number in range(80):
        body = [rng.choice(_FILLER) for _ in range(rng.randint(6, 40))]
        for _ in range(rng.randint(0, 3)):
            body.insert(rng.randrange(len(body) + 1), rng.choice(_HYPHENATED))
        title = [rng.choice(_FILLER) for _ in range(rng.randint(2, 5))]
        if rng.random() < 0.3:
            title.append(rng.choice(_HYPHENATED))
        rows.append({"id": f"s{number:03d}", "title": " ".join(title).capitalize(), "body": " ".join(body) + "."})
    return rows


QUERIES = [
    "market prices",  # plain words (term at a time)
    "grain exports china harvest",
    '"central bank"',  # phrase
    '"data processing" retrieval',
    "non-relevant",  # hyphenated: DisMax(phrase, joined word) + the parts
    "non-relevant documents retrieval",
    "data-processing system",
    "e-mail x-ray co-operation",
    "title:market",  # field query
    "title:market prices",
    "title:non-relevant cluster",
    "retr* model",  # prefix
    "clust* non-relevant",
    "market -oil",  # exclusion
    "non-relevant -bank",
    "-market",
    "market AND bank rates",  # required word
    "(oil OR grain) exports",  # parentheses
    "(non-relevant OR data-processing) (search OR retrieval)",
    "market OR email",
]


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    rows = records()
    tmp = tmp_path_factory.mktemp("layout")
    one = index_records(tmp / "one", rows)
    backwards = index_records(tmp / "backwards", rows[::-1])
    several = index_records(tmp / "several", rows[2::3], rows[1::3][::-1], rows[0::3])
    return {"one": one, "backwards": backwards, "several": several}


def ranked(ix, text: str, **options) -> list[tuple[str, float]]:
    hits = ix.search(text, limit=50, collapse=False, snippets=False, suggest=False, **options)
    return [(hit.id, hit.score) for hit in hits]


def test_the_layouts_differ(layouts):
    assert len(layouts["one"]._searcher_now().leaf_searchers()) == 1
    assert len(layouts["several"]._searcher_now().leaf_searchers()) == 3
    docnums = {name: ix._searcher_now().document_number(id="s000") for name, ix in layouts.items()}
    assert len(set(docnums.values())) == 3


@pytest.mark.parametrize("union", ["array", "tree"])
@pytest.mark.parametrize("options", [{}, {"ranking": {"proximity": 0.0}, "feedback": False}],
                         ids=["default", "first-pass"])
@pytest.mark.parametrize("text", QUERIES)
def test_every_layout_scores_identically(layouts, text, options, union, monkeypatch):
    if union == "tree":  # as over a large collection: an Or is a tree of unions, not a score array
        monkeypatch.setattr(matchers, "ARRAY_UNION_DOCS", 0)
    expected = ranked(layouts["one"], text, **options)
    assert expected, text
    for name in ("backwards", "several"):
        got = ranked(layouts[name], text, **options)
        assert [doc_id for doc_id, _ in got] == [doc_id for doc_id, _ in expected], (name, text)
        for (doc_id, score), (_, want) in zip(got, expected):
            assert score == want, (name, text, doc_id)  # bit for bit: ties are broken by id


def test_dismax_scores_only_the_sides_on_the_document():
    # a on documents 1 and 5 (scores 1 and 9), b on document 3 (score 2): document 3 scores 2, not 9
    m = DisMaxMatcher(_ScoredList([1, 5], [1.0, 9.0]), _ScoredList([3], [2.0]))
    seen = []
    while m.is_active():
        seen.append((m.id(), m.score()))
        m.next()
    assert seen == [(1, 1.0), (3, 2.0), (5, 9.0)]
    both = DisMaxMatcher(_ScoredList([4], [1.0]), _ScoredList([4], [3.0]), tiebreak=0.5)
    assert both.score() == 3.5
    # tiebreak 0.5: b's 2.0 lifts document 7 (a: 2.6) to 3.6, above 3.5, though neither side reaches it alone
    lifted = DisMaxMatcher(_ScoredList([7, 8], [2.6, 1.0]), _ScoredList([7], [2.0]), tiebreak=0.5).replace(3.5)
    assert lifted.is_active() and lifted.id() == 7 and lifted.score() == pytest.approx(3.6)


def test_layout_stable_rewrites_whoosh_compounds():
    query = Or([DisjunctionMax([Term("body", "a"), Term("body", "b")], tiebreak=0.25), Term("body", "c")],
               boost=2.0)
    stable = layout_stable(query)
    assert type(stable) is OrderedOr and stable.boost == 2.0
    assert type(stable.subqueries[0]) is DisMax and stable.subqueries[0].tiebreak == 0.25
    assert type(query) is Or and type(query.subqueries[0]) is DisjunctionMax  # the given query left alone
