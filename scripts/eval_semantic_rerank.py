#!/usr/bin/env python3
"""Would a small semantic re-ranker pay?  ``wordllama`` over searchkit's top documents.

Usage::

    python scripts/eval_relevance.py --all --peers '' --forms original --runs bench-out/runs
    python scripts/eval_semantic_rerank.py --runs bench-out/runs [--depth 100] [--mix 0.1,0.2,0.3]

For each collection (the ``--all`` folders of ``eval_relevance.py``) and each
judged query, the top ``--depth`` documents of searchkit's run
(``RUNS/<collection>/searchkit-original.txt``) are re-scored by
``(1 - mix) * s + mix * cos(query, document)``, where ``s`` is the searchkit
score min-max normalised over those documents and ``cos`` the cosine of the
``wordllama`` (256 dimensions, the model its wheel ships) embeddings of the
query and of the document's title and body.  Prints MAP per collection for
each mix against the run as it was, and the time to embed a query and the
re-ranked documents (which a real re-ranker would have to pay at query time
unless the documents' embeddings were stored at index time).

Needs ``wordllama`` (not a dependency of searchkit; ``pip install wordllama``).
Its wheel ships the model and the tokenizer configuration, but
``WordLlama.load()`` looks for the latter in a folder the wheel does not
use and then downloads it; ``cache_dir`` pointed at the installed package
finds both files and ``disable_download`` keeps it offline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_relevance import default_roots, find_collections, load_collection  # noqa: E402

from searchkit.evaluation import average_precision, read_run  # noqa: E402


def load_model():
    import wordllama
    from wordllama import WordLlama

    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", type=Path, nargs="*", default=[])
    parser.add_argument("--runs", type=Path, required=True)
    parser.add_argument("--system", default="searchkit-original")
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--mix", default="0.1,0.2,0.3")
    args = parser.parse_args(argv)
    import numpy as np

    model = load_model()
    mixes = [float(m) for m in args.mix.split(",")]
    print(f"{'collection':<18} {'as is':>7} " + " ".join(f"{'mix ' + str(m):>8}" for m in mixes) + "  ms/query")
    rows = []
    for folder in find_collections(args.all or default_roots()):
        run_file = args.runs / folder.name / f"{args.system}.txt"
        if not run_file.is_file():
            print(f"{folder.name}: no run {run_file}", file=sys.stderr)
            continue
        collection = load_collection(folder)
        text = {doc_id: f"{title}\n{body}" for doc_id, title, body in collection.docs}
        run = read_run(run_file)
        aps = {m: [] for m in [0.0] + mixes}
        times = []
        for qid in collection.judged:
            ranked = run.get(qid, [])
            top, rest = ranked[:args.depth], ranked[args.depth:]
            judgements = collection.qrels.get(qid, {})
            aps[0.0].append(average_precision(ranked, judgements))
            if not top:
                for m in mixes:
                    aps[m].append(0.0)
                continue
            started = time.perf_counter()
            vectors = model.embed([collection.queries[qid]] + [text[d] for d, _ in top], norm=True)
            cos = vectors[1:] @ vectors[0]
            times.append((time.perf_counter() - started) * 1000)
            scores = np.array([s for _, s in top], dtype=float)
            span = scores.max() - scores.min()
            norm = (scores - scores.min()) / span if span > 0 else np.ones_like(scores)
            for m in mixes:
                mixed = (1 - m) * norm + m * cos
                order = sorted(range(len(top)), key=lambda i: -mixed[i])
                reranked = [(top[i][0], float(len(top) - r)) for r, i in enumerate(order)] + rest
                aps[m].append(average_precision(reranked, judgements))
        maps = {m: statistics.mean(v) if v else 0.0 for m, v in aps.items()}
        rows.append(maps)
        print(f"{folder.name:<18} {maps[0.0]:7.4f} "
              + " ".join(f"{(maps[m] / maps[0.0] - 1) * 100 if maps[0.0] else 0:+7.1f}%" for m in mixes)
              + f"  {statistics.mean(times) if times else 0:8.1f}", flush=True)
    if rows:
        print(f"{'mean':<18} {statistics.mean(r[0.0] for r in rows):7.4f} "
              + " ".join(f"{statistics.mean((r[m] / r[0.0] - 1) * 100 for r in rows if r[0.0]):+7.1f}%"
                         for m in mixes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
