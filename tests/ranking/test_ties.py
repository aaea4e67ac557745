"""Equal scores in a layout-independent order (ties by document id): one segment, several segments,
another write order, 1 or 4 shards, and after a segment merge all rank identically."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import searchkit
from searchkit.ranking import ties
from searchkit.shards.search import ShardedIndex

WIRES = Path(__file__).parent.parent / "fixtures" / "shards" / "wires.jsonl"
COPIES = 3  # every story three times: ties are certain

QUERIES = ["money market", "oil prices", "bank of england", "trade deficit japan", "rates", "net profit",
           "shares rose sharply in active trading", '"money market"', "stg*", "dollar -yen", "title:oil",
           "interest rates cut by the central bank"]


def records() -> list[dict]:
    stories = [json.loads(line) for line in WIRES.read_text("utf-8").splitlines() if line.strip()][:80]
    return [{**story, "id": f"{story['id']}~{copy}"} for copy in range(COPIES) for story in stories]


def write(folder: Path, name: str, rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), "utf-8")
    return folder


def segments(ix) -> int:
    return len(ix._searcher_now().leaf_searchers())


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ties")
    rows = records()
    one = searchkit.Index(tmp / "one")
    one.add(write(tmp / "c-one", "all.jsonl", rows))
    backwards = searchkit.Index(tmp / "backwards")
    backwards.add(write(tmp / "c-back", "all.jsonl", rows[::-1]))
    several = searchkit.Index(tmp / "several")
    for part in range(3):  # three runs, three segments, the copies in another order
        several.add(write(tmp / f"c-part{part}", "part.jsonl", rows[part::3][::-1]))
    s1 = ShardedIndex.create(tmp / "s1", 1)
    s1.add(write(tmp / "c-s1", "all.jsonl", rows))
    s4 = ShardedIndex.create(tmp / "s4", 4)
    s4.add(write(tmp / "c-s4", "all.jsonl", rows[::-1]))
    return {"one": one, "backwards": backwards, "several": several, "s1": s1, "s4": s4, "tmp": tmp}


def top(ix, text: str, **options) -> list[tuple[str, float]]:
    return [(hit.id, round(hit.score, 6)) for hit in ix.search(text, limit=10, snippets=False, **options)]


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("collapse", [False, True])
def test_every_layout_ranks_identically(layouts, text, collapse):
    expected = top(layouts["one"], text, collapse=collapse)
    assert expected, text
    for name in ("backwards", "several", "s1", "s4"):
        assert top(layouts[name], text, collapse=collapse) == expected, (name, text)
    for offset in (3, 7):  # pages cut ties too
        page = [(h.id, round(h.score, 6)) for h in
                layouts["s4"].search(text, limit=5, offset=offset, snippets=False, collapse=collapse)]
        assert page == [(h.id, round(h.score, 6)) for h in
                        layouts["one"].search(text, limit=5, offset=offset, snippets=False, collapse=collapse)]


def test_layouts_really_differ_in_document_numbers(layouts):
    assert segments(layouts["several"]) > 1
    first = [hit.id for hit in layouts["one"].search("oil", limit=3, snippets=False, collapse=False)]
    one = layouts["one"]._searcher_now()
    back = layouts["backwards"]._searcher_now()
    assert [one.document_number(id=i) for i in first] != [back.document_number(id=i) for i in first]


@pytest.mark.parametrize("text", ["money market", "oil prices", "rates"])
def test_equal_scores_come_in_ascending_id_order(layouts, text):
    hits = layouts["s4"].search(text, limit=30, snippets=False, collapse=False)
    pairs = [(round(-hit.score, 9), hit.id) for hit in hits]
    assert pairs == sorted(pairs)
    assert any(a[0] == b[0] for a, b in zip(pairs, pairs[1:]))  # the copies do tie


@pytest.mark.parametrize("sort", ["date", "-date"])
def test_date_sort_ties_by_id_on_every_layout(layouts, sort):
    expected = [hit.id for hit in layouts["one"].search("oil", sort=sort, limit=12, snippets=False, collapse=False)]
    for name in ("backwards", "several", "s4"):
        got = [hit.id for hit in layouts[name].search("oil", sort=sort, limit=12, snippets=False, collapse=False)]
        assert got == expected, name
    assert expected[0].endswith("~0") and expected[1].endswith("~1")  # copies share a date: by id


def test_collapse_representative_is_the_smallest_id(layouts):
    for name in ("one", "backwards", "s4"):
        hits = layouts[name].search("oil prices", limit=10, snippets=False)
        assert hits and all(hit.id.endswith("~0") for hit in hits if hit.copies), name


def test_fanout_ranking_equals_one_index_with_ties(layouts):
    from searchkit.shards.fanout import fanout_ranking

    for text in QUERIES:
        expected = top(layouts["one"], text, collapse=False)
        got = [(i, round(s, 6)) for i, s in fanout_ranking(layouts["s4"], text, 10)]
        assert got == expected, text


def test_a_segment_merge_keeps_the_ranking(layouts):
    from whoosh import index as whoosh_index

    before = {text: top(layouts["several"], text, collapse=False) for text in QUERIES}
    path = layouts["tmp"] / "merged"  # a copy: the other tests keep the unmerged layout
    shutil.copytree(layouts["tmp"] / "several", path)
    writer = whoosh_index.open_dir(str(path)).writer()
    writer.commit(optimize=True)  # one segment, document numbers renumbered
    merged = searchkit.Index(path, create=False)
    assert segments(merged) == 1
    for text in QUERIES:  # the order only: Whoosh's merge sums the field lengths anew, scores move a little
        assert [i for i, _ in top(merged, text, collapse=False)] == [i for i, _ in before[text]], text


def test_ids_are_read_only_for_ties(layouts):
    ix = layouts["one"]
    ix.search("the", limit=1, snippets=False, collapse=False)  # warm
    before = ties.ids_read
    hits = ix.search("said", limit=10, snippets=False, collapse=False)
    read = ties.ids_read - before
    assert hits.total > 100
    assert read < hits.total / 2  # the tied groups at the cut and in the page, not every match


def test_top_by_score_keeps_the_smallest_ids_of_a_cut_tie(layouts):
    searcher = layouts["one"]._searcher_now()
    docnums = list(range(12))
    ids = ties.doc_ids(searcher, docnums)
    items = [(docnum, 1.0) for docnum in docnums] + [(99, 2.0)]
    got = ties.top_by_score(searcher, items, 5)
    assert got[0] == (99, 2.0)
    assert [ids[d] for d, _ in got[1:]] == sorted(ids.values())[:4]


def test_similar_documents_rank_identically(layouts):
    for doc_id in ("3001~1", "3010~2"):
        expected = [(hit.id, round(hit.score, 6)) for hit in layouts["one"].similar(doc_id, limit=8, snippets=False,
                                                                                  collapse=False)]
        assert expected
        for name in ("backwards", "several", "s4"):
            got = layouts[name].similar(doc_id, limit=8, snippets=False, collapse=False)
            assert [(hit.id, round(hit.score, 6)) for hit in got] == expected, (name, doc_id)
