#!/usr/bin/env python3
"""Choose ranking defaults by leave-one-collection-out (LOO) over candidate settings.

Usage::

    python scripts/tune_relevance.py [--all [DIR ...]] [--candidates FILE.json] [--cache FILE.json]
                                     [--index-root DIR] [--form lower|original] [--first N]
                                     [--only-cached] [--keep-margin POINTS] [--keep-unless-significant]

Every candidate (a dict of :class:`searchkit.ranking.RankingConfig` overrides;
``scripts/tune_candidates.json`` unless ``--candidates``, its first N with
``--first N``; about a minute each on an idle machine) is run on every collection
(``scripts/eval_relevance.py``'s collections, peers and metrics; results
cached in ``--cache`` by setting, so a re-run only computes new ones).  The
objective of a setting on a set of collections is the mean over those
collections of its relative MAP difference to each collection's best peer,
less five times every loss beyond 1% (the rule: beat the best peer on the
mean, lose no more than 1% anywhere).  Leave-one-out: for each collection, the setting
with the best objective on the *other* collections is chosen, and its figure
on the left-out collection is the held-out figure reported; the mean of the
held-out figures estimates how the selection procedure does on a collection
it has not seen.

``--aboutness`` (the default) first drops the settings under which, on the
shipped ``seeds/``, ``security treaty`` ranks the two-line wire brief that
mentions the treaty once above the article about the security treaty (the
news requirement that ``tests/test_ranking.py`` checks), with feedback on and
off; ``--no-aboutness`` keeps every setting.

``--keep-margin POINTS``: a selection that prefers the incumbent: in each
fold the shipped defaults (the empty override ``{}``, when it is a candidate)
are kept unless another setting beats them by at least POINTS percentage
points on the other collections (differences of a few tenths are ties).

``--keep-unless-significant``: the same preference, with the margin set by
the data rather than by hand: in each fold the defaults are kept unless the
chosen setting's per-collection gain over them on the other collections is
significant by a one-sided paired t-test at 5% (mean gain > t(0.95, n-1) x
its standard error), so a setting must win across collections, not by one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_relevance import PEERS, best_peer, default_roots, evaluate_collections, find_collections, relative  # noqa: E402

#: The settings docs/relevance.md reports, as overrides of today's defaults ({} is the defaults themselves;
#: the 49 settings of the round before, on older defaults, are in this file's git history).
CANDIDATES_FILE = Path(__file__).resolve().parent / "tune_candidates.json"


def key_of(setting: dict) -> str:
    return json.dumps(setting, sort_keys=True)


def objective(diffs: list[float]) -> float:
    """Mean relative MAP difference to the best peer, less 5 x every loss beyond 1% (the rule's bound)."""
    return statistics.mean(diffs) - 5 * sum(max(0.0, -d - 0.01) for d in diffs)


#: One-sided 95% quantiles of Student's t by degrees of freedom (1..12).
T95 = {1: 6.314, 2: 2.920, 3: 2.353, 4: 2.132, 5: 2.015, 6: 1.943, 7: 1.895, 8: 1.860, 9: 1.833,
       10: 1.812, 11: 1.796, 12: 1.782}


def significant_gain(gains: list[float]) -> bool:
    """Is the mean of per-collection ``gains`` above zero by a one-sided paired t-test at 5%?"""
    if len(gains) < 2:
        return False
    sd = statistics.stdev(gains)
    mean = statistics.mean(gains)
    if sd == 0:
        return mean > 0
    return mean / (sd / len(gains) ** 0.5) > T95.get(len(gains) - 1, 1.645)


def passes_aboutness(setting: dict, _cache: dict = {}) -> bool:
    """On the seeds, does ``security treaty`` put the treaty article above the wire brief (feedback on and off)?"""
    import tempfile

    import searchkit

    if "ix" not in _cache:
        ix = searchkit.Index(Path(tempfile.mkdtemp(prefix="searchkit-seeds-")) / "index")
        ix.add(Path(__file__).resolve().parent.parent / "seeds")
        _cache["ix"] = ix
    ix = _cache["ix"]
    for feedback in (True, False):
        found = [hit.id for hit in ix.search("security treaty", ranking=setting, feedback=feedback)]
        article = next((i for i, doc_id in enumerate(found) if doc_id.startswith("000_")), None)
        if article is None or "wire-0001" in found and found.index("wire-0001") < article:
            return False
    return True


def choose(settings: list[str], table: dict[str, list[float]], among, args) -> str:
    """The setting the selection rule picks on the collections ``among`` (indexes into each row of ``table``)."""
    among = list(among)
    chosen = max(settings, key=lambda k: objective([table[k][j] for j in among]))
    if "{}" not in table or chosen == "{}":
        return chosen
    if args.keep_margin and (objective([table[chosen][j] for j in among])
                             - objective([table["{}"][j] for j in among])) * 100 < args.keep_margin:
        return "{}"
    if args.keep_unless_significant and not significant_gain([table[chosen][j] - table["{}"][j] for j in among]):
        return "{}"
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", type=Path, nargs="*", default=[])
    parser.add_argument("--candidates", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("bench-out/tune-cache.json"))
    parser.add_argument("--index-root", type=Path, default=Path("bench-out/indexes"))
    parser.add_argument("--form", choices=["lower", "original"], default="original",
                        help="query form judged (default: as written, the rule's form)")
    parser.add_argument("--aboutness", action=argparse.BooleanOptionalAction, default=True,
                        help="only settings that pass the seeds' aboutness check (default)")
    parser.add_argument("--only-cached", action="store_true", help="report on the cached candidates, run nothing")
    parser.add_argument("--first", type=int, metavar="N",
                        help="only the first N candidates (the first 15 of tune_candidates.json: the round before's set)")
    parser.add_argument("--keep-margin", type=float, default=0.0, metavar="POINTS",
                        help="leave-one-out keeps the shipped defaults ({}) unless another setting beats them "
                             "by at least POINTS percentage points of the objective on the other collections")
    parser.add_argument("--keep-unless-significant", action="store_true",
                        help="leave-one-out keeps the shipped defaults ({}) unless another setting's gain over "
                             "them on the other collections passes a one-sided paired t-test at 5%%")
    parser.add_argument("--merge-cache", type=Path, nargs="*", default=[], metavar="FILE",
                        help="also read the settings cached in these files (runs made in parallel)")
    args = parser.parse_args(argv)
    folders = find_collections(args.all or default_roots())
    candidates = json.loads((args.candidates or CANDIDATES_FILE).read_text())[:args.first]
    cache = json.loads(args.cache.read_text()) if args.cache.is_file() else {}
    for extra in args.merge_cache:
        cache = {**json.loads(extra.read_text()), **cache}
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    if "__peers__" not in cache:
        res = evaluate_collections(folders, forms=[], verbose=False)
        cache["__peers__"] = {n: {s: r["metrics"]["map"] for s, r in rs.items()} for n, rs in res.items()}
        args.cache.write_text(json.dumps(cache))
    peers = cache["__peers__"]
    names = [f.name for f in folders]
    best = {n: max(peers[n].values()) for n in names}
    system = f"searchkit-{args.form}"
    for setting in candidates:
        k = key_of(setting)
        if k in cache or args.only_cached:
            continue
        res = evaluate_collections(folders, forms=[args.form], peers=[], config={"ranking": setting},
                                   index_root=args.index_root, verbose=False)
        cache[k] = {n: {"map": r[system]["metrics"]["map"], "ms": r[system]["ms"]} for n, r in res.items()}
        args.cache.write_text(json.dumps(cache))
        diffs = [relative(best[n], cache[k][n]["map"]) for n in names]
        print(f"{k:<70} mean {statistics.mean(diffs)*100:+5.1f}% worst {min(diffs)*100:+5.1f}% | "
              + " ".join(f"{n[:5]}{d*100:+.1f}" for n, d in zip(names, diffs)), flush=True)
    settings = [key_of(c) for c in candidates]
    missing = [k for k in settings if k not in cache or not all(n in cache[k] for n in names)]
    if missing:
        print(f"not run yet (left out): {', '.join(missing)}")
    settings = [k for k in dict.fromkeys(settings) if k not in missing]
    if args.aboutness:
        failing = [k for k in settings if not passes_aboutness(json.loads(k))]
        print(f"\naboutness on the seeds: {len(failing)} of {len(settings)} settings rank the wire brief "
              "above the treaty article and are left out")
        settings = [k for k in settings if k not in failing]
    table = {k: [relative(best[n], cache[k][n]["map"]) for n in names] for k in settings}
    print(f"\n{len(settings)} settings; per collection: relative MAP difference to its best peer")
    for k in sorted(settings, key=lambda k: -objective(table[k]))[:15]:
        d = table[k]
        print(f"{objective(d)*100:+6.2f} mean {statistics.mean(d)*100:+5.1f}% worst {min(d)*100:+5.1f}%  {k}")
    print("\nleave-one-collection-out:")
    held = []
    for i, n in enumerate(names):
        rest = [j for j in range(len(names)) if j != i]
        chosen = choose(settings, table, rest, args)
        held.append(table[chosen][i])
        print(f"  {n:<18} held-out {table[chosen][i]*100:+6.1f}%  chosen on the others: {chosen}")
    print(f"  mean held-out difference {statistics.mean(held)*100:+.2f}%, worst {min(held)*100:+.1f}%")
    everywhere = range(len(names))
    chosen = choose(settings, table, everywhere, args)
    print(f"chosen the same way on all {len(names)}: {chosen}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
