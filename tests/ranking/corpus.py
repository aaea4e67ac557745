"""The ranking tests' corpus: short news records whose differences each test relies on,
written as JSON Lines and indexed in one or more runs (one segment per run).

Each test module indexes the selection its expectations were worked out on
(collection statistics such as N and document frequencies depend on it):
:data:`RANKING` for BM25F and coordination, :data:`PROXIMITY` for proximity
and feedback."""

from __future__ import annotations

import json
from pathlib import Path

import searchkit

DOCS = [
    # Two words together, one word repeated, one word alone, a title hit, a related story.
    {"id": "both", "title": "Grain report", "body": "Sorghum exports rose this week as buyers returned."},
    {"id": "repeat", "title": "Market notes",
     "body": "Exports, exports, exports: exports of everything rose, exports everywhere."},
    {"id": "sorghum-only", "title": "Farm notes", "body": "Sorghum fields were dry in the south."},
    {"id": "title-hit", "title": "Sorghum shortage in China", "body": "China faces a shortage of feed grain."},
    # The same words, the same lengths: "far" and "near" differ only in where "cocoa" and
    # "prices" sit; "far" is indexed first, so without a proximity bonus the tie goes its way.
    {"id": "far", "title": "Market report",
     "body": "Cocoa rose in the market today while traders watched shipping and prices"},
    {"id": "near", "title": "Market report",
     "body": "Cocoa prices rose in the market today while traders watched shipping and"},
    {"id": "sugar1", "title": "Sugar harvest", "body": "The sugar cane harvest in Brazil was larger than expected."},
    {"id": "sugar2", "title": "Sugar exports", "body": "Brazil sugar cane exports rose as the harvest ended."},
    {"id": "cane", "title": "Cane growers", "body": "Cane growers in Brazil expect a record harvest."},
    {"id": "steel", "title": "Steel output", "body": "Steel mills cut output again."},
    {"id": "bank", "title": "Bank rates", "body": "The central bank cut lending rates."},
    {"id": "oil", "title": "Oil prices", "body": "Crude oil prices fell on supply news."},
    {"id": "related", "title": "Feed grain shortage", "body": "Feed grain buyers in China look for sorghum and maize."},
]


def pick(*ids: str) -> list[dict]:
    """The records of :data:`DOCS` with these ids, in this order."""
    by_id = {doc["id"]: doc for doc in DOCS}
    return [by_id[doc_id] for doc_id in ids]


RANKING = pick("both", "repeat", "sorghum-only", "title-hit", "steel", "bank", "oil", "related")
PROXIMITY = pick("far", "near", "sugar1", "sugar2", "cane", "steel", "bank")


def write_records(folder: Path, docs: list[dict]) -> Path:
    """``docs`` as ``folder/docs.jsonl`` (the folder made when missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "docs.jsonl"
    data.write_text("\n".join(json.dumps(doc) for doc in docs), "utf-8")
    return data


def index_records(folder: Path, *runs: list[dict]) -> searchkit.Index:
    """An index in ``folder/index`` of each list of ``runs`` added in turn (a segment each)."""
    ix = searchkit.Index(folder / "index")
    for number, docs in enumerate(runs):
        ix.add(write_records(folder / f"run{number}", docs))
    return ix
