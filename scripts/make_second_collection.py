#!/usr/bin/env python3
"""A second relevance collection: "stories about country / organisation / person / exchange X".

Usage::

    python scripts/make_second_collection.py [--corpus DIR] [--out collections/reuters-entities]
                                             [--min-relevant 10] [--max-share 0.1]

Why this collection.  The topic collection (``make_reuters_collection.py``)
asks "stories on subject X" over the ModApte *test* split.  This one is
different in both documents and task, so that ranking ideas tuned on the
first one are checked on data they were not tuned on:

* Documents: every ``LEWISSPLIT="TRAIN"`` story with a title or text (14,667
  stories) - disjoint from the topic collection's documents, and 4.4 times as
  many.  Indexed fields as in the topic collection: id, title, text (the
  dateline, e.g. ``TOKYO, March 3 -``, opens the text as it does on the wire);
  the PLACES/ORGS/PEOPLE/EXCHANGES/TOPICS tags are never indexed.
* Queries: the Reuters *entity* categories (PLACES, ORGS, PEOPLE, EXCHANGES)
  with at least ``--min-relevant`` tagged stories (default 10), minus those
  tagged on more than ``--max-share`` of the documents (default 10%; this only
  drops ``usa``, tagged on 56% of the stories, which is no search task):
  75 countries, 8 organisations, 16 people, 8 exchanges = 107 entities.
  Relevant = the stories tagged with the entity.
* ``<kind>-<code>-short``: the entity's name as a user would type it - the
  country's common English name ("west germany", "soviet union", "britain"),
  an organisation's or exchange's full name from ``cat-descriptions_120396.txt``
  ("international monetary fund", "general agreement on tariffs and trade";
  "world bank" and "nasdaq" where that is the name in use), a person's first
  and last name ("paul volcker").
* ``<kind>-<code>-nl``: a request written by hand, e.g. "news from japan: the
  japanese economy, tokyo markets and government policy" or "what did treasury
  secretary james baker say".

What makes it non-trivial: editors tag a country when a story concerns it,
not when the name occurs, so relevant stories say "Tokyo", "Japanese" or
"Bonn" rather than the query's words, and passing mentions are not relevant;
organisations appear mostly as acronyms (IMF, GATT, OPEC) while the short
queries spell them out (in British spelling, as the category list does:
"organisation"); people are often named by surname only.  Retrieval works
from the text, so many of the relevant stories are findable - a realistic
entity-centric news search rather than a solvable-by-tag task.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_reuters_collection import collection_parser, doc_record, write_collection  # noqa: E402
from reuters import iter_reuters  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "collections" / "reuters-entities"

#: ``{kind: (story field, {code: (short query, natural-language query)})}``.
ENTITIES: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "place": ("places", {
        "uk": ("britain", "news from britain: the british economy, government and london markets"),
        "canada": ("canada", "canadian companies, the economy of canada and news from ottawa"),
        "japan": ("japan", "news from japan: the japanese economy, tokyo markets and government policy"),
        "west-germany": ("west germany", "the west german economy, the bonn government and the bundesbank"),
        "france": ("france", "the french economy, paris markets and the french government"),
        "brazil": ("brazil", "what is happening to brazil's economy and its foreign debt"),
        "australia": ("australia", "australian companies, exports and the government in canberra"),
        "belgium": ("belgium", "news from belgium and belgian companies"),
        "ussr": ("soviet union", "soviet trade and economic policy in moscow"),
        "china": ("china", "the chinese economy, trade and news from peking"),
        "switzerland": ("switzerland", "swiss banks, swiss companies and the economy of switzerland"),
        "netherlands": ("netherlands", "dutch companies and the economy of the netherlands"),
        "italy": ("italy", "the italian economy, italian companies and the government in rome"),
        "iran": ("iran", "what is iran doing in the gulf and with its oil"),
        "hong-kong": ("hong kong", "companies, banks and markets in hong kong"),
        "philippines": ("philippines", "the philippine economy, its debt and the government in manila"),
        "sweden": ("sweden", "swedish companies and the economy of sweden"),
        "new-zealand": ("new zealand", "new zealand's economy, its companies and the wellington government"),
        "taiwan": ("taiwan", "taiwanese exports, its trade surplus and economy"),
        "south-africa": ("south africa", "the south african economy, mining and sanctions"),
        "spain": ("spain", "spanish economy and spanish companies in madrid"),
        "south-korea": ("south korea", "south korean exports and the economy of korea"),
        "argentina": ("argentina", "argentine debt, grain and the economy of argentina"),
        "indonesia": ("indonesia", "the indonesian economy and news from jakarta"),
        "ecuador": ("ecuador", "ecuador's oil output, debt and economy"),
        "iraq": ("iraq", "iraqi oil and the war between iraq and iran"),
        "india": ("india", "indian trade, imports and the government in new delhi"),
        "saudi-arabia": ("saudi arabia", "saudi oil policy and the economy of the kingdom"),
        "mexico": ("mexico", "mexican debt, oil and the economy of mexico"),
        "turkey": ("turkey", "the turkish economy and trade with turkey"),
        "venezuela": ("venezuela", "venezuelan oil and debt talks in caracas"),
        "singapore": ("singapore", "singapore's economy, banks and companies"),
        "thailand": ("thailand", "thai exports and the economy of thailand"),
        "malaysia": ("malaysia", "malaysian commodities and the economy in kuala lumpur"),
        "denmark": ("denmark", "danish economy, danish companies and copenhagen"),
        "yugoslavia": ("yugoslavia", "the yugoslav economy, its debt and prices in belgrade"),
        "colombia": ("colombia", "colombian coffee, oil and economy"),
        "egypt": ("egypt", "the egyptian economy and news from cairo"),
        "greece": ("greece", "the greek economy and the government in athens"),
        "finland": ("finland", "finnish companies and the economy of finland"),
        "peru": ("peru", "peruvian debt and the economy of peru"),
        "kuwait": ("kuwait", "kuwaiti oil, investments and tankers in the gulf"),
        "nigeria": ("nigeria", "nigerian oil, naira and economy in lagos"),
        "portugal": ("portugal", "the portuguese economy and news from lisbon"),
        "uae": ("united arab emirates", "oil policy of the emirates, abu dhabi and dubai"),
        "nicaragua": ("nicaragua", "nicaraguan economy and the sandinista government"),
        "bahrain": ("bahrain", "bahrain and its banks"),
        "algeria": ("algeria", "algerian oil and gas exports"),
        "bolivia": ("bolivia", "bolivian tin, debt and economy"),
        "austria": ("austria", "austrian economy and companies in vienna"),
        "luxembourg": ("luxembourg", "companies and banks in luxembourg"),
        "bangladesh": ("bangladesh", "what does bangladesh import and export"),
        "pakistan": ("pakistan", "pakistani economy and trade"),
        "israel": ("israel", "the israeli economy and government"),
        "sri-lanka": ("sri lanka", "sri lankan tea, economy and news from colombo"),
        "norway": ("norway", "norwegian oil output and the economy of norway"),
        "zambia": ("zambia", "zambian copper and debt"),
        "costa-rica": ("costa rica", "costa rican economy and debt"),
        "ireland": ("ireland", "the irish economy and government in dublin"),
        "hungary": ("hungary", "the hungarian economy and trade"),
        "libya": ("libya", "libyan oil and the government in tripoli"),
        "morocco": ("morocco", "moroccan trade and economy"),
        "poland": ("poland", "polish debt and the economy of poland"),
        "chile": ("chile", "chilean copper and debt"),
        "ivory-coast": ("ivory coast", "news from the ivory coast and abidjan"),
        "jordan": ("jordan", "the jordanian economy and trade"),
        "honduras": ("honduras", "the economy of honduras"),
        "qatar": ("qatar", "qatar and its oil"),
        "cuba": ("cuba", "cuban sugar and trade with cuba"),
        "zimbabwe": ("zimbabwe", "the economy of zimbabwe and news from harare"),
        "panama": ("panama", "panama and its banks"),
        "lebanon": ("lebanon", "lebanese economy and news from beirut"),
        "kenya": ("kenya", "the kenyan economy and news from nairobi"),
        "jamaica": ("jamaica", "the jamaican economy and its bauxite"),
        "ghana": ("ghana", "ghana's economy, cocoa and gold"),
    }),
    "org": ("orgs", {
        "ec": ("european community", "policy decisions of the european community and its member states"),
        "worldbank": ("world bank", "loans and projects financed by the world bank"),
        "imf": ("international monetary fund", "imf lending and talks with debtor countries"),
        "opec": ("organisation of petroleum exporting countries",
                 "oil output quotas and pricing agreed by the opec oil cartel"),
        "gatt": ("general agreement on tariffs and trade", "world trade talks under the gatt and the uruguay round"),
        "ico-coffee": ("international coffee organisation", "coffee export quota talks among producers and consumers"),
        "icco": ("international cocoa organisation", "the cocoa buffer stock and the international cocoa agreement"),
        "oecd": ("organisation for economic cooperation and development",
                 "economic forecasts by the oecd for the industrial countries"),
    }),
    "person": ("people", {
        "james-baker": ("james baker", "what did treasury secretary james baker say"),
        "reagan": ("ronald reagan", "decisions of president reagan and the white house"),
        "yeutter": ("clayton yeutter", "u.s. trade representative yeutter on trade disputes"),
        "volcker": ("paul volcker", "federal reserve chairman volcker on monetary policy"),
        "lawson": ("nigel lawson", "british chancellor of the exchequer lawson"),
        "nakasone": ("yasuhiro nakasone", "what did japanese prime minister nakasone promise"),
        "miyazawa": ("kiichi miyazawa", "japan's finance minister miyazawa"),
        "sumita": ("satoshi sumita", "bank of japan governor sumita"),
        "lyng": ("richard lyng", "agriculture secretary lyng and u.s. farm programs"),
        "ongpin": ("jaime ongpin", "philippine finance secretary ongpin"),
        "balladur": ("edouard balladur", "french finance minister balladur"),
        "thatcher": ("margaret thatcher", "british prime minister thatcher"),
        "conable": ("barber conable", "world bank president conable"),
        "stoltenberg": ("gerhard stoltenberg", "west german finance minister stoltenberg"),
        "herrington": ("john herrington", "energy secretary herrington"),
        "james-miller": ("james miller", "budget director james miller and the federal budget"),
    }),
    "exchange": ("exchanges", {
        "nyse": ("new york stock exchange", "companies listed or trading on the big board in new york"),
        "nasdaq": ("nasdaq", "over-the-counter stocks quoted on nasdaq"),
        "amex": ("american stock exchange", "shares listed on the american exchange"),
        "cbt": ("chicago board of trade", "futures trading on the chicago board of trade"),
        "cme": ("chicago mercantile exchange", "futures contracts traded at the chicago merc"),
        "lse": ("london stock exchange", "trading and listings on the london stock market"),
        "tse": ("tokyo stock exchange", "share trading on the tokyo stock market"),
        "cboe": ("chicago board options exchange", "stock options trading in chicago"),
    }),
}


def build(corpus: Path, out: Path, min_relevant: int = 10, max_share: float = 0.1) -> dict[str, int]:
    stories = [s for s in iter_reuters(corpus) if s["lewissplit"] == "TRAIN" and (s["title"] or s["body"])]
    n_docs = len(stories)
    short: dict[str, str] = {}
    nl: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    kept: Counter[str] = Counter()
    dropped_common: list[str] = []
    unnamed: list[str] = []
    for kind, (field, names) in ENTITIES.items():
        counts = Counter(code for s in stories for code in s[field])
        for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if count < min_relevant:
                continue
            if count > max_share * n_docs:
                dropped_common.append(f"{code} ({count})")
                continue
            if code not in names:
                unnamed.append(code)
                continue
            short_text, nl_text = names[code]
            rel = {s["id"]: 1 for s in stories if code in s[field]}
            short[f"{kind}-{code}-short"] = short_text
            nl[f"{kind}-{code}-nl"] = nl_text
            qrels[f"{kind}-{code}-short"] = rel
            qrels[f"{kind}-{code}-nl"] = dict(rel)
            kept[kind] += 1
    if unnamed:
        print(f"warning: no query text for {unnamed}; left out", file=sys.stderr)
    summary = ", ".join(f"{kept[k]} {k}s" for k in ENTITIES)
    readme = f"""# Reuters-21578 entity collection ("stories about X")

Built by `scripts/make_second_collection.py --min-relevant {min_relevant} --max-share {max_share}`.

* Documents: every `LEWISSPLIT="TRAIN"` story with a title or text ({n_docs} stories),
  disjoint from the topic collection's ModApte test documents. `docs.jsonl` holds
  `id` (NEWID), `title` and `text` (dateline + body); no category field is indexed.
* Queries: PLACES, ORGS, PEOPLE and EXCHANGES categories with at least {min_relevant}
  tagged stories and at most {max_share:.0%} of the documents ({summary};
  dropped as too common: {', '.join(dropped_common) or 'none'}). Relevant = tagged stories.
* `queries-short.tsv` (`<kind>-<code>-short`): the entity's name; `queries-nl.tsv`
  (`<kind>-<code>-nl`): a request written by hand; `queries.tsv`: both; `qrels.txt`.
"""
    counts = write_collection(out, (doc_record(s) for s in stories), {"short": short, "nl": nl}, qrels, readme)
    counts.update(kept)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = collection_parser(__doc__, DEFAULT_OUT)
    parser.add_argument("--min-relevant", type=int, default=10, help="keep entities with at least this many stories")
    parser.add_argument("--max-share", type=float, default=0.1,
                        help="drop entities tagged on more than this share of the documents")
    args = parser.parse_args(argv)
    counts = build(args.corpus, args.out, args.min_relevant, args.max_share)
    print(f"{args.out}: {counts['docs']} docs, {counts['queries']} queries "
          f"({', '.join(f'{counts[k]} {k}s' for k in ENTITIES)}), {counts['qrels']} qrels lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
