#!/usr/bin/env python3
"""Time facets and collapsing against the query alone, in one warm process.

    python scripts/bench_facets.py INDEX [QUERY...] [--runs 5]

For each query (default: "said", "year", "oil prices", "cocoa"), the best of
``--runs`` of: the query alone (uncollapsed, total counted), collapsed
(the default; total counted), and collapsed with all six facets.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import searchkit  # noqa: E402

FACETS = ["tags", "source", "year", "month", "author", "folder"]


def best(ix, text: str, runs: int, **options) -> tuple[float, object]:
    fastest, results = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        results = ix.search(text, suggest=False, **options)
        results.total  # noqa: B018 -- counted, as the CLI does
        fastest = min(fastest, time.perf_counter() - started)
    return fastest * 1000, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index")
    parser.add_argument("queries", nargs="*", default=["said", "year", "oil prices", "cocoa"])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ix = searchkit.Index(args.index, create=False)
    ix.search("warm up", suggest=False)
    print(f"{len(ix):,} documents")
    print(f"{'query':<14} {'matches':>8} {'alone ms':>9} {'collapsed':>10} {'+6 facets':>10} {'ratio':>6}")
    for text in args.queries:
        alone, plain = best(ix, text, args.runs, collapse=False)
        collapsed, _ = best(ix, text, args.runs)
        faceted, _ = best(ix, text, args.runs, facets=FACETS)
        print(f"{text:<14} {plain.total:>8,} {alone:>9.1f} {collapsed:>10.1f} {faceted:>10.1f} {faceted / alone:>6.1f}")


if __name__ == "__main__":
    main()
