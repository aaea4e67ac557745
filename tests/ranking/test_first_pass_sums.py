"""The term-at-a-time first pass's C-level sums give the Python loops' scores bit for bit, in the same order."""

from __future__ import annotations

from datetime import datetime

import pytest

import searchkit.ranking.bm25f as bm25f
from searchkit.query import compile_query, date_range_query, parse_query
from searchkit.ranking import RankingConfig, all_bm25f_scores
from searchkit.ranking.bm25f import _weighting, indexed_bytes
from searchkit.ranking.filtering import segment_filter
from searchkit.whoosh_ext.postings import field_lengths, iter_blocks, raw_postings

from .test_first_pass import FIELDS, PRUNE_QUERIES, zipf_index  # noqa: F401 - the fixture


def reference_scores(searcher, model, terms, flt) -> dict[int, float]:
    """The first pass as plain Python loops: per segment, per word, per field, per posting (filter and deletions after)."""
    k1 = model.config.k1
    params = [(fieldname, field, bm25f._length_factors(b, weight, avgfl))
              for fieldname, field, b, weight, avgfl in bm25f._bm25f_fields(searcher, model, FIELDS)]
    scores: dict[int, float] = {}
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
        keep = segment_filter(sub, flt) if flt is not None else None
        per_word = []
        for term, idf, boost in terms:
            tfs: dict[int, float] = {}
            for fieldname, field, factors in params:
                btext = indexed_bytes(reader, fieldname, field, term)
                if btext is None:
                    continue
                lengths = field_lengths(reader, fieldname)
                for ids, weights in iter_blocks(raw_postings(reader, fieldname, field, btext)):
                    for docnum, freq in zip(ids, weights):
                        tfs[docnum] = tfs.get(docnum, 0.0) + factors[lengths[docnum]] * freq
            if keep is not None:
                tfs = {docnum: tfs[docnum] for docnum in keep.select(tfs)}
            scale = idf * boost * (k1 + 1.0)
            per_word.append({docnum: scale * tf / (tf + k1) for docnum, tf in tfs.items() if docnum not in deleted})
        for mine in per_word:
            for docnum, value in mine.items():
                scores[docnum + offset] = scores.get(docnum + offset, 0.0) + value
    return scores


@pytest.mark.parametrize("flt", [None, "date", "source", "date and source"])
@pytest.mark.parametrize("narrow", [bm25f.NARROW_FILTER, 0])  # 0: a filter's words always read whole
def test_first_pass_sums_are_the_python_loops(zipf_index, monkeypatch, flt, narrow):  # noqa: F811
    monkeypatch.setattr(bm25f, "NARROW_FILTER", narrow)
    searcher = zipf_index._searcher_now()
    assert len(searcher.leaf_searchers()) >= 2 and searcher.reader().has_deletions()
    model = _weighting(RankingConfig())
    dates = date_range_query(datetime(1987, 3, 1), datetime(1987, 8, 31))
    source = compile_query(parse_query("w0 source:reuters"), searcher.reader()).filter
    query_filter = {None: None, "date": dates, "source": source,
                    "date and source": compile_query(parse_query("w0 source:reuters date:1987-03..1987-08"),
                                                     searcher.reader()).filter}[flt]
    checked = 0
    for words in PRUNE_QUERIES:
        for boosts in ([1.0] * len(words), [1.0 + i * 0.5 for i in range(len(words))]):
            terms = [(w, model.term_idf(searcher, "body", w), b) for w, b in zip(words, boosts)]
            mine = all_bm25f_scores(searcher, model, terms, FIELDS, query_filter)
            expected = reference_scores(searcher, model, terms, query_filter)
            assert list(mine.items()) == list(expected.items()), words  # scores bit for bit, in the same order
            checked += len(expected)
    assert checked > 500
