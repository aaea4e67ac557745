#!/usr/bin/env python3
"""Turn Reuters-21578 into a relevance collection: topic queries over the ModApte test stories.

Usage::

    python scripts/make_reuters_collection.py [--corpus DIR] [--out collections/reuters]
                                              [--docs test|all] [--min-relevant 3]

Writes to ``--out`` (default ``collections/reuters/``, git-ignored):

* ``docs.jsonl`` - ``{"id", "title", "text"}`` per story; **no topics, places or
  other category fields**, so the task is retrieval from the words alone.
  ``id`` is the NEWID; ``text`` is the dateline and the body, as on the wire
  (``SALVADOR, Feb 26 - Showers continued ...``).  A story with no title (``TYPE="UNPROC"``) has no
  ``title`` key; a ``TYPE="BRIEF"`` story has a title and an empty text.
* ``queries-short.tsv`` - ``<topic>-short<TAB>name``: the category's name as
  ``cat-descriptions_120396.txt`` gives it, lowercased, with ``/`` read as a
  space and ``Name (CODE)`` reduced to the name ("money supply", "crude oil",
  "money foreign exchange").  The 78 commodity codes have no long name there;
  they are spelled as words (``veg-oil`` -> "vegetable oil", ``alum`` ->
  "aluminium", ``l-cattle`` -> "live cattle").
* ``queries-nl.tsv`` - ``<topic>-nl<TAB>description``: a natural-language
  request written by hand for each topic (some phrased as questions).
* ``queries.tsv`` - both sets; ``qrels.txt`` - TREC qrels for every qid
  (``<topic>-short`` and ``<topic>-nl`` share their judgements): relevance 1 for
  every story tagged with the topic, nothing else is listed (unjudged =
  not relevant).
* ``README.md`` - what was built, with counts.

Documents (``--docs test``, the default): Lewis' ModApte test split, the
stories with ``LEWISSPLIT="TEST"`` and ``TOPICS="YES"`` (3,299 stories, 280 of
them with no topic at all, which stay in as distractors).  ``--docs all`` uses
every story that has a title or text (21,577).  Topics: those with at least
``--min-relevant`` relevant documents (default 3: 69 topics, 138 queries).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Iterable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reuters import DEFAULT_FOLDER, is_modapte_test, iter_reuters  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "collections" / "reuters"

#: Commodity codes that are abbreviations, spelled out for the short queries.
COMMODITY_NAMES = {
    "alum": "aluminium",
    "veg-oil": "vegetable oil",
    "iron-steel": "iron steel",
    "meal-feed": "meal feed",
    "strategic-metal": "strategic metal",
    "l-cattle": "live cattle",
    "f-cattle": "feeder cattle",
    "sun-meal": "sunflower meal",
    "sun-oil": "sunflower oil",
    "sunseed": "sunflower seed",
    "palmkernel": "palm kernel",
    "lin-meal": "linseed meal",
    "lin-oil": "linseed oil",
    "rape-meal": "rapeseed meal",
    "rape-oil": "rapeseed oil",
    "soy-meal": "soy meal",
    "soy-oil": "soy oil",
    "castorseed": "castor seed",
    "citruspulp": "citrus pulp",
    "cornglutenfeed": "corn gluten feed",
    "cotton-meal": "cotton meal",
    "cotton-oil": "cotton oil",
    "copra-cake": "copra cake",
    "corn-oil": "corn oil",
    "coconut-oil": "coconut oil",
    "groundnut-meal": "groundnut meal",
    "groundnut-oil": "groundnut oil",
    "palm-meal": "palm meal",
    "palm-oil": "palm oil",
    "pork-belly": "pork belly",
    "red-bean": "red bean",
    "tung-oil": "tung oil",
    "castor-meal": "castor meal",
    "castor-oil": "castor oil",
}

#: A natural-language request per topic, written by hand.
NL_QUERIES = {
    "earn": "company reports of quarterly net profit, revenues and dividend payments",
    "acq": "which companies agreed to buy or take over another company or a stake in it",
    "crude": "news about oil prices, OPEC output and petroleum production",
    "money-fx": "central bank intervention and currency exchange rate movements",
    "grain": "world grain harvests, cereal exports and crop estimates",
    "interest": "changes in bank lending rates and central bank rate cuts or rises",
    "trade": "trade deficits and surpluses and disputes over imports and exports between countries",
    "ship": "shipping industry news about ports, tankers, cargo vessels and strikes by seamen",
    "wheat": "how large are the wheat crops and who is buying wheat exports",
    "corn": "maize crop estimates, corn exports and sales to foreign buyers",
    "oilseed": "oilseed production and trade such as soybeans, rapeseed and sunflower seed",
    "dlr": "how is the dollar doing against other currencies on foreign exchange markets",
    "veg-oil": "vegetable oil markets including palm oil, soybean oil and other edible oils",
    "sugar": "sugar production, raw sugar prices and beet or cane harvests",
    "gnp": "economic growth figures: how fast did the national economy grow",
    "money-supply": "reports on changes in the money supply and monetary aggregates",
    "soybean": "soybean crop size, soybean exports and sales of soya beans",
    "nat-gas": "natural gas prices, pipelines and gas field production",
    "gold": "gold mining output and the price of gold",
    "bop": "current account deficit or surplus in a country's external payments",
    "coffee": "coffee export quotas, coffee prices and talks among coffee producers",
    "cpi": "consumer inflation: how much did consumer prices rise last month",
    "rice": "rice harvests and rice exports from asian producers",
    "livestock": "cattle and hog herds, meat and livestock production",
    "alum": "aluminum smelters, aluminium production and prices",
    "jobs": "unemployment rate and jobless figures: how many people are out of work",
    "cotton": "cotton crop sizes, cotton exports and textile fibre markets",
    "meal-feed": "animal feed meal and feedstuffs trade",
    "copper": "copper mines, copper production and prices of the metal",
    "carcass": "meat trade in beef, pork and poultry carcass exports and imports",
    "cocoa": "cocoa bean harvests, cocoa prices and the international cocoa agreement",
    "reserves": "changes in a country's foreign exchange reserves held by the central bank",
    "gas": "gasoline prices and gasoline stocks at refineries",
    "lead": "lead metal smelting and lead prices",
    "yen": "how is the japanese currency moving against the dollar",
    "iron-steel": "steel industry output, steel mills and iron ore",
    "barley": "barley crop and barley export sales",
    "zinc": "zinc mine and smelter output and zinc prices",
    "soy-meal": "soybean meal exports and soymeal prices",
    "tin": "the tin market, tin producers and the international tin council",
    "rubber": "natural rubber prices and the rubber producers' price stabilisation agreement",
    "ipi": "industrial output: how much did factory production rise or fall",
    "pet-chem": "petrochemical plants producing ethylene, plastics and chemicals",
    "soy-oil": "soybean oil exports and soyoil prices",
    "strategic-metal": "supplies of strategic metals such as cobalt, uranium and tungsten",
    "orange": "orange juice concentrate and citrus crop estimates",
    "palm-oil": "palm oil production in malaysia and indonesia and palm oil imports",
    "sorghum": "sorghum crops and sorghum export sales",
    "fuel": "fuel oil prices and residual fuel supplies",
    "wpi": "wholesale price inflation: how much did producer prices change",
    "rapeseed": "rapeseed and canola crops and exports",
    "silver": "silver production and silver prices",
    "platinum": "platinum mining and platinum prices",
    "income": "personal income and consumer spending figures",
    "lumber": "timber and lumber industry, logs and sawn wood exports",
    "hog": "hog prices and pig herds",
    "oat": "oats crop and oat prices",
    "heat": "heating oil prices and distillate supplies",
    "sunseed": "sunflower seed crops and exports",
    "groundnut": "peanut crop and groundnut exports",
    "tea": "tea exports, tea auctions and tea prices",
    "dmk": "movements of the west german mark against other currencies",
    "naphtha": "naphtha prices and naphtha cargoes for petrochemical feedstock",
    "housing": "new home building: housing starts and building permits",
    "rape-oil": "rapeseed oil production and trade",
    "potato": "potato crops and potato futures",
    "lei": "does the index of leading economic indicators point to a recession",
    "coconut-oil": "coconut oil exports and prices",
    "propane": "propane prices and liquefied petroleum gas supply",
    "l-cattle": "live cattle futures and cattle prices",
    "sun-oil": "sunflower oil trade",
    "retail": "retail sales figures: how much did shoppers spend in stores",
    "cotton-oil": "cottonseed oil trade and prices",
    "coconut": "coconut and copra production",
    "nzdlr": "the new zealand dollar exchange rate",
    "nkr": "the norwegian crown exchange rate",
    "nickel": "nickel mining and nickel prices",
    "palladium": "palladium prices and supply",
    "sun-meal": "sunflower meal exports",
    "lin-oil": "linseed oil trade",
    "groundnut-oil": "groundnut oil and peanut oil trade",
    "cottonseed": "cottonseed crop and sales",
    "f-cattle": "feeder cattle prices and placements on feed",
    "copra-cake": "copra cake and copra meal exports",
    "dfl": "the dutch guilder exchange rate",
    "sfr": "the swiss franc exchange rate",
    "instal-debt": "consumer credit and instalment debt figures",
    "rye": "rye crop and rye trade",
    "castor-oil": "castor oil trade",
    "jet": "jet fuel and kerosene supply and prices",
    "palmkernel": "palm kernel production and exports",
    "cpu": "factory capacity utilisation: how much of industrial capacity is in use",
    "rand": "the south african rand exchange rate",
}

_NAMED_CODE = re.compile(r"^\s*(.+?)\s*\(([A-Z][A-Z0-9-]*)\)\s*(?:@\*)?\s*$")
_BARE_CODE = re.compile(r"^\s*([A-Z][A-Z0-9-]*)\s*$")


def category_names(corpus: Path) -> dict[str, str]:
    """``{code: name}`` for the 135 TOPICS categories, read from ``cat-descriptions_120396.txt``.

    ``Money Supply (MONEY-SUPPLY)`` gives ``money-supply: money supply``; a
    slash separates alternatives and is read as a space; a bare commodity
    code becomes words via :data:`COMMODITY_NAMES` (or its own letters).
    """
    text = (corpus / "cat-descriptions_120396.txt").read_text(encoding="latin-1")
    start = text.index("****Subject Codes")
    end = text.index("@heading[Organization Codes")
    names: dict[str, str] = {}
    for line in text[start:end].splitlines():
        if line.startswith("*") or not line.strip():
            continue
        match = _NAMED_CODE.match(line)
        if match:
            name, code = match.groups()
        else:
            bare = _BARE_CODE.match(line)
            if not bare:
                continue
            code = bare.group(1)
            name = COMMODITY_NAMES.get(code.lower(), code.lower().replace("-", " "))
        name = re.sub(r"\s*/\s*", " ", name).lower()
        names[code.lower()] = re.sub(r"\s+", " ", name).strip()
    return names


def write_collection(
    out: Path,
    docs: Iterable[dict],
    queries: dict[str, dict[str, str]],
    qrels: dict[str, dict[str, int]],
    readme: str,
) -> dict[str, int]:
    """Write ``docs.jsonl``, ``queries-<set>.tsv``, ``queries.tsv``, ``qrels.txt`` and ``README.md``.

    ``queries`` is ``{set name: {qid: text}}``; ``qrels`` is keyed by qid.
    Returns counts.
    """
    from devtools.evaluation import write_qrels

    out.mkdir(parents=True, exist_ok=True)
    n_docs = 0
    with open(out / "docs.jsonl", "w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
            n_docs += 1
    every: dict[str, str] = {}
    for name, items in queries.items():
        _write_queries(out / f"queries-{name}.tsv", items)
        every.update(items)
    _write_queries(out / "queries.tsv", every)
    write_qrels(out / "qrels.txt", {qid: qrels[qid] for qid in every})
    (out / "README.md").write_text(readme, encoding="utf-8")
    return {"docs": n_docs, "queries": len(every), "qrels": sum(len(qrels[q]) for q in every)}


def _write_queries(path: Path, queries: dict[str, str]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for qid, text in queries.items():
            if "\t" in text or "\n" in text:
                raise ValueError(f"query {qid} contains a tab or newline")
            handle.write(f"{qid}\t{text}\n")


def doc_record(story: dict) -> dict:
    """The indexed record: id, title (when there is one) and text; never any category field.

    The text is the dateline and the body as on the wire (``TOKYO, March 3 - ...``).
    """
    record = {"id": story["id"]}
    if story["title"]:
        record["title"] = story["title"]
    text = story["body"]
    if story["dateline"]:
        text = f"{story['dateline']} - {text}" if text else story["dateline"]
    record["text"] = text
    return record


def build(corpus: Path, out: Path, docs_mode: str = "test", min_relevant: int = 3) -> dict[str, int]:
    names = category_names(corpus)
    stories = [
        s for s in iter_reuters(corpus)
        if (is_modapte_test(s) if docs_mode == "test" else True) and (s["title"] or s["body"])
    ]
    counts = Counter(topic for s in stories for topic in s["topics"])
    topics = sorted((t for t, n in counts.items() if n >= min_relevant), key=lambda t: (-counts[t], t))
    missing = [t for t in topics if t not in NL_QUERIES or t not in names]
    if missing:
        print(f"warning: no name or description for topics {missing}; they are left out", file=sys.stderr)
        topics = [t for t in topics if t not in missing]
    short = {f"{t}-short": names[t] for t in topics}
    nl = {f"{t}-nl": NL_QUERIES[t] for t in topics}
    judged: dict[str, dict[str, int]] = {}
    for topic in topics:
        rel = {s["id"]: 1 for s in stories if topic in s["topics"]}
        judged[f"{topic}-short"] = rel
        judged[f"{topic}-nl"] = dict(rel)
    split = (
        "Lewis' ModApte **test** split: stories with `LEWISSPLIT=\"TEST\"` and `TOPICS=\"YES\"`"
        if docs_mode == "test" else "**all** Reuters-21578 stories that have a title or text"
    )
    no_topic = sum(1 for s in stories if not s["topics"])
    readme = f"""# Reuters-21578 topic collection

Built by `scripts/make_reuters_collection.py --docs {docs_mode} --min-relevant {min_relevant}`.

* Documents: {split} ({len(stories)} stories; {no_topic} carry no topic and are
  never relevant). `docs.jsonl` holds only `id` (NEWID), `title` and `text` (dateline + body):
  the topic, place and other category fields are kept out of the indexed text.
* Topics: the {len(topics)} TOPICS categories with at least {min_relevant} relevant
  documents; relevant = the stories tagged with the topic (relevance 1).
* `queries-short.tsv` (`<topic>-short`): the category name from
  `cat-descriptions_120396.txt` (commodity codes spelled out as words).
* `queries-nl.tsv` (`<topic>-nl`): a natural-language request written by hand.
* `queries.tsv`: both sets ({2 * len(topics)} queries); `qrels.txt`: TREC qrels for every qid.
"""
    counts_out = write_collection(out, (doc_record(s) for s in stories), {"short": short, "nl": nl}, judged, readme)
    counts_out["topics"] = len(topics)
    return counts_out


def collection_parser(doc: str, default_out: Path) -> argparse.ArgumentParser:
    """The options every collection builder takes: ``--corpus`` (the reuters21578 folder), ``--out``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_FOLDER, help="the reuters21578 folder")
    parser.add_argument("--out", type=Path, default=default_out, help="collection folder to write")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = collection_parser(__doc__, DEFAULT_OUT)
    parser.add_argument("--docs", choices=["test", "all"], default="test",
                        help="ModApte test split (default) or every story")
    parser.add_argument("--min-relevant", type=int, default=3, help="keep topics with at least this many relevant docs")
    args = parser.parse_args(argv)
    counts = build(args.corpus, args.out, args.docs, args.min_relevant)
    print(f"{args.out}: {counts['docs']} docs, {counts['topics']} topics, "
          f"{counts['queries']} queries, {counts['qrels']} qrels lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
