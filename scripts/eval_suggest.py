#!/usr/bin/env python3
"""Did-you-mean: searchkit's corrector (Whoosh's Levenshtein automaton over the index terms) against symspellpy.

    python scripts/eval_suggest.py INDEX [--words 300] [--seed 15]

INDEX: a searchkit index (e.g. of Reuters: ``searchkit index reuters.jsonl``).
Typos are made from index words whose stem is in 20 documents or more (6+
letters): one deletion, insertion, substitution or transposition at a random
position.  A correction is right when it has the original word's stem.
symspellpy (``pip install symspellpy``) gets every word of the index's
``stems.tsv`` with its stem's document frequency as its count; its set-up
(building the dictionary, which a fresh ``searchkit query`` process would pay)
is timed apart.
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import searchkit  # noqa: E402
from searchkit.analysis import normalise_word  # noqa: E402
from searchkit.ranking import document_frequency  # noqa: E402
from searchkit.suggest import correct_term  # noqa: E402


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    kind = rng.choice(["delete", "insert", "substitute", "transpose"])
    letter = rng.choice(string.ascii_lowercase)
    if kind == "delete":
        return word[:i] + word[i + 1:]
    if kind == "insert":
        return word[:i] + letter + word[i:]
    if kind == "substitute":
        return word[:i] + (letter if letter != word[i] else "z") + word[i + 1:]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index")
    parser.add_argument("--words", type=int, default=300)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    ix = searchkit.Index(args.index, create=False)
    reader = ix._searcher_now().reader()
    pairs = [line.rstrip("\n").split("\t") for line in open(Path(args.index) / "stems.tsv", encoding="utf-8")]
    df = {}
    for _, stem in pairs:
        if stem not in df:
            df[stem] = document_frequency(reader, stem)
    frequent = sorted(word for word, stem in pairs if word.isalpha() and len(word) >= 6 and df[stem] >= 20)
    cases = []
    for word in rng.sample(frequent, args.words):
        wrong = typo(word, rng)
        if document_frequency(reader, normalise_word(wrong)) <= 1:  # a typo that is not itself a common word
            cases.append((word, wrong))
    stem_of = dict(pairs)

    started = time.perf_counter()
    right = 0
    for word, wrong in cases:
        found = correct_term(reader, normalise_word(wrong))
        right += found == stem_of[word]
    ours = (right, (time.perf_counter() - started) * 1000 / len(cases))
    print(f"{len(cases)} typos of {len(frequent)} frequent words (seed {args.seed})")
    print(f"searchkit (Whoosh automaton, first letter kept): {ours[0]}/{len(cases)} right "
          f"({ours[0] / len(cases):.3f}), {ours[1]:.1f} ms a word, no set-up")
    try:
        from symspellpy import SymSpell, Verbosity
    except ImportError:
        print("symspellpy is not installed: pip install symspellpy")
        return
    started = time.perf_counter()
    speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
    for word, stem in pairs:
        if word.isalpha():
            speller.create_dictionary_entry(word, max(1, df[stem]))
    setup = time.perf_counter() - started
    started = time.perf_counter()
    right = 0
    for word, wrong in cases:
        found = speller.lookup(wrong, Verbosity.CLOSEST, 2)
        best = found[0].term if found else None
        right += best is not None and stem_of.get(best, normalise_word(best)) == stem_of[word]
    print(f"symspellpy: {right}/{len(cases)} right ({right / len(cases):.3f}), "
          f"{(time.perf_counter() - started) * 1000 / len(cases):.2f} ms a word after {setup:.2f} s of set-up")


if __name__ == "__main__":
    main()
