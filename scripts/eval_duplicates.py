#!/usr/bin/env python3
"""Precision and recall of searchkit's near-duplicate clusters on a labelled sample built from Reuters-21578.

    python scripts/eval_duplicates.py [--reuters DIR] [--bases 300] [--seed 15] [--threshold 0.8] [--json]

The sample: ``--bases`` stories (bodies of 60 words or more, no other story
with the same body) and, for each, five edited copies, as a wire desk makes them:

* ``exact``      the same title and body under a new id;
* ``headline``   a new headline, the same body;
* ``para_added`` a paragraph (the first of another story) appended;
* ``para_dropped`` a paragraph dropped (the last sentence when there is one paragraph);
* ``reworded``   one sentence reworded: a number changed and three of its words replaced.

All of Reuters-21578 is indexed with them (so every other story is a chance
for a false match), twice: in one run, and with the edited copies added by
a second, incremental run.

Truth: an edited copy and its base, and two copies of one base, are the same
story.  Two documents of Reuters itself are the same story when the exact
Jaccard similarity of their 5-word shingle sets reaches the threshold (the
corpus holds its own duplicates).  Scores: recall of (base, copy) pairs per
kind of edit; precision over every pair of documents the index put in one
cluster; recall of Reuters' own exact duplicate pairs (identical bodies).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from reuters import iter_reuters  # noqa: E402

import searchkit  # noqa: E402
from searchkit.whoosh_ext.columns import column_values  # noqa: E402
from searchkit.dedup import jaccard, shingles  # noqa: E402

EDITS = ("exact", "headline", "para_added", "para_dropped", "reworded")
DEFAULT_REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"])")
_WORD = re.compile(r"[A-Za-z]{4,}")
REPLACEMENTS = ["reported", "announced", "expected", "company", "officials", "market", "earlier", "further"]


def paragraphs(body: str) -> list[str]:
    parts = [part.strip() for part in re.split(r"\n\s+|\n\n", body) if part.strip()]
    return parts or [body]


def edit(kind: str, story: dict, other: dict, rng: random.Random) -> dict:
    """An edited copy of ``story`` (``other`` lends a paragraph)."""
    title, body = story["title"], story["body"]
    if kind == "headline":
        title = f"UPDATE 1-{title.title()} - sources"
    elif kind == "para_added":
        body = body + "\n    " + paragraphs(other["body"])[0]
    elif kind == "para_dropped":
        parts = paragraphs(body)
        if len(parts) >= 2:
            drop = rng.randrange(1, len(parts))  # never the lead
            body = "\n    ".join(parts[:drop] + parts[drop + 1:])
        else:
            sentences = _SENTENCE.split(body)
            body = " ".join(sentences[:-1]) if len(sentences) > 1 else body
    elif kind == "reworded":
        sentences = _SENTENCE.split(body)
        index = max(range(len(sentences)), key=lambda i: len(sentences[i]))
        sentence = sentences[index]
        sentence = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), sentence, count=1)
        words = list(dict.fromkeys(_WORD.findall(sentence)))
        for word in rng.sample(words, min(3, len(words))):
            sentence = re.sub(rf"\b{word}\b", rng.choice(REPLACEMENTS), sentence, count=1)
        sentences[index] = sentence
        body = " ".join(sentences)
    return {"title": title, "body": body, "date": story.get("date"), "tags": story.get("tags")}


def build_sample(folder: Path, bases: int, seed: int):
    rng = random.Random(seed)
    stories = []
    for story in iter_reuters(folder):
        stories.append({"id": story["id"], "title": story["title"], "body": story["body"],
                        "date": story["date"], "tags": story["topics"]})
    by_body = defaultdict(list)
    for story in stories:
        key = " ".join(story["body"].split()).lower()
        if key:
            by_body[key].append(story["id"])
    natural_exact = [ids for ids in by_body.values() if len(ids) > 1]
    eligible = [s for s in stories if len(s["body"].split()) >= 60
                and len(by_body[" ".join(s["body"].split()).lower()]) == 1]
    chosen = rng.sample(eligible, bases)
    copies = []
    groups = {}
    for story in chosen:
        other = rng.choice(eligible)
        while other is story:
            other = rng.choice(eligible)
        members = [story["id"]]
        for kind in EDITS:
            copy = edit(kind, story, other, rng)
            copy["id"] = f"{story['id']}-{kind}"
            copies.append(copy)
            members.append(copy["id"])
        for member in members:
            groups[member] = story["id"]
    return stories, copies, groups, natural_exact


def cluster_labels(ix) -> dict[str, str]:
    searcher = ix._searcher_now()
    reader = searcher.reader()
    docnums = sorted(reader.all_doc_ids())
    ids = column_values(searcher, "id", docnums)
    labels = column_values(searcher, "cluster", docnums)
    return {i.decode(): l.decode() for i, l in zip(ids, labels)}


def score(labels: dict[str, str], groups: dict[str, str], natural_exact, bodies: dict[str, str], threshold: float):
    by_label = defaultdict(list)
    for doc_id, label in labels.items():
        by_label[label].append(doc_id)
    predicted = true = 0
    false_pairs = []
    cache = {}

    def sh(doc_id):
        if doc_id not in cache:
            cache[doc_id] = shingles(bodies[doc_id])
        return cache[doc_id]

    for members in by_label.values():
        for a, b in itertools.combinations(sorted(members), 2):
            predicted += 1
            if (a in groups and b in groups and groups[a] == groups[b]) or jaccard(sh(a), sh(b)) >= threshold:
                true += 1
            else:
                false_pairs.append((a, b, round(jaccard(sh(a), sh(b)), 3)))
    recall = {}
    for kind in EDITS:
        pairs = [(base, f"{base}-{kind}") for base in {g for g in groups.values()}]
        found = sum(1 for base, copy in pairs if labels[base] == labels[copy])
        recall[kind] = (found, len(pairs))
    labelled = [(base, f"{base}-{kind}") for base in {g for g in groups.values()} for kind in EDITS]
    similar_enough = [(a, b) for a, b in labelled if jaccard(sh(a), sh(b)) >= threshold]
    found_similar = sum(1 for a, b in similar_enough if labels[a] == labels[b])
    natural_pairs = [(a, b) for ids in natural_exact for a, b in itertools.combinations(ids, 2)]
    natural_found = sum(1 for a, b in natural_pairs if labels[a] == labels[b])
    return {
        "predicted_pairs": predicted,
        "true_pairs": true,
        "precision": round(true / predicted, 4) if predicted else None,
        "recall_by_edit": {k: {"found": f, "pairs": n, "recall": round(f / n, 4)} for k, (f, n) in recall.items()},
        "recall_edited": round(sum(f for f, _ in recall.values()) / sum(n for _, n in recall.values()), 4),
        "recall_edited_at_threshold": {"found": found_similar, "pairs": len(similar_enough),
                                       "recall": round(found_similar / len(similar_enough), 4)
                                       if similar_enough else None},
        "edited_pairs_jaccard_quartiles": _quartiles([jaccard(sh(a), sh(b)) for a, b in labelled]),
        "recall_reuters_exact": {"found": natural_found, "pairs": len(natural_pairs),
                                 "recall": round(natural_found / len(natural_pairs), 4) if natural_pairs else None},
        "false_pairs_sample": false_pairs[:10],
    }


def _quartiles(values: list[float]) -> list[float]:
    values = sorted(values)
    if not values:
        return []
    return [round(values[int(q * (len(values) - 1))], 3) for q in (0.0, 0.25, 0.5, 0.75, 1.0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reuters", default=str(DEFAULT_REUTERS))
    parser.add_argument("--bases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--sweep", default="", metavar="T,T,...",
                        help="also score one-run indexes at these thresholds (e.g. 0.7,0.6,0.5)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    stories, copies, groups, natural_exact = build_sample(Path(args.reuters), args.bases, args.seed)
    bodies = {s["id"]: s["body"] for s in stories + copies}
    report = {"stories": len(stories), "edited_copies": len(copies), "bases": args.bases,
              "threshold": args.threshold, "seed": args.seed}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "reuters.jsonl"
        extra = Path(tmp) / "copies.jsonl"
        with corpus.open("w") as handle:
            for story in stories:
                handle.write(json.dumps(story) + "\n")
        with extra.open("w") as handle:
            for copy in copies:
                handle.write(json.dumps(copy) + "\n")
        for mode in ("one_run", "incremental"):
            with searchkit.Index(Path(tmp) / mode) as ix:
                started = time.perf_counter()
                if mode == "one_run":
                    ix.add(corpus, extra, duplicate_threshold=args.threshold)
                else:
                    ix.add(corpus, duplicate_threshold=args.threshold)
                    ix.add(extra)
                seconds = time.perf_counter() - started
                result = score(cluster_labels(ix), groups, natural_exact, bodies, args.threshold)
                result["index_seconds"] = round(seconds, 1)
                result["stats"] = {k: ix.stats()[k] for k in ("documents", "clusters", "documents_in_clusters")}
                report[mode] = result
        for value in [float(t) for t in args.sweep.split(",") if t.strip()]:
            with searchkit.Index(Path(tmp) / f"sweep-{value}") as ix:
                ix.add(corpus, extra, duplicate_threshold=value)
                result = score(cluster_labels(ix), groups, natural_exact, bodies, value)
                report.setdefault("sweep", {})[str(value)] = {
                    key: result[key] for key in ("precision", "predicted_pairs", "recall_edited",
                                                 "recall_edited_at_threshold", "recall_reuters_exact")}
                report["sweep"][str(value)]["recall_by_edit"] = {
                    kind: figures["recall"] for kind, figures in result["recall_by_edit"].items()}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['stories']} Reuters stories + {report['edited_copies']} edited copies of {args.bases} of them "
          f"(seed {args.seed}, threshold {args.threshold})")
    for mode in ("one_run", "incremental"):
        result = report[mode]
        print(f"\n{mode}: precision {result['precision']} ({result['true_pairs']}/{result['predicted_pairs']} "
              f"pairs), recall of edited copies {result['recall_edited']}, of Reuters' exact duplicates "
              f"{result['recall_reuters_exact']['recall']} ({result['recall_reuters_exact']['found']}/"
              f"{result['recall_reuters_exact']['pairs']}); indexed in {result['index_seconds']} s")
        at = result["recall_edited_at_threshold"]
        print(f"  edited copies whose exact Jaccard reaches the threshold: {at['pairs']}, found {at['found']} "
              f"(recall {at['recall']}); Jaccard of all edited pairs, quartiles: "
              f"{result['edited_pairs_jaccard_quartiles']}")
        for kind, figures in result["recall_by_edit"].items():
            print(f"  {kind:<13} recall {figures['recall']:.3f} ({figures['found']}/{figures['pairs']})")
        if result["false_pairs_sample"]:
            print("  false pairs (id, id, exact Jaccard):", result["false_pairs_sample"][:5])

    for value, result in report.get("sweep", {}).items():
        print(f"\nthreshold {value}: precision {result['precision']} ({result['predicted_pairs']} pairs), "
              f"recall of edited copies {result['recall_edited']}, by edit {result['recall_by_edit']}")


if __name__ == "__main__":
    main()
