"""Did you mean: a frequent spelling from the index vocabulary for a query word that is absent or rare.

A word of the query (letters only, :data:`MIN_LETTERS` or more, not an
operator, not a field name) whose index term is in at most :data:`RARE_DF`
documents is looked up with ``symspellpy`` (symmetric-delete spelling
correction, Wolf Garbe's SymSpell) among the index's words within edit
distance 2, closest first, then most frequent.  A correction is kept only
when it is in :data:`MIN_DF` documents or more and :data:`MIN_RATIO` times
as many as the word.  The vocabulary (``vocabulary.tsv`` in the index
folder: each word seen while indexing, from ``stems.tsv``, with the document
frequency of its index term, if at least :data:`MIN_DF`) is written after
each indexing run.  Measured on typos of Reuters words
(``scripts/eval_suggest.py``): symspellpy 0.961 right, against 0.651 for
Whoosh's own corrector (a Levenshtein automaton over the index terms, which
are stems, so a typo's stem is often three edits away; it needs the first
letter kept to answer in ~35 ms a word).  The dictionary is built when a
query first has a rare word (a few tenths of a second for Reuters), then
kept for the process.  An index without a vocabulary file falls back on the
Whoosh automaton (:func:`correct_term`).
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["suggest_query", "correct_term", "write_vocabulary", "VOCABULARY_FILE", "RARE_DF", "MIN_RATIO", "MIN_DF",
           "MIN_LETTERS"]

VOCABULARY_FILE = "vocabulary.tsv"

#: A query word in at most this many documents may be a misspelling.
RARE_DF = 1
#: A correction must be in this many times as many documents as the word...
MIN_RATIO = 20
#: ...and in at least this many.
MIN_DF = 3
#: Shorter words are left alone (too many neighbours within two edits).
MIN_LETTERS = 4
MAX_DISTANCE = 2
#: Candidates share the word's first letter (few typos change it; without
#: this Whoosh's automaton walks the whole lexicon: 0.6-1.5 s instead of ~25 ms on Reuters).
PREFIX = 1
_FIELDS = ("body", "title")
_WORD = re.compile(r"(?<![\w:\-])([^\W\d_]{%d,})(?![\w:*])" % MIN_LETTERS)
_OPERATORS = {"AND", "OR", "NOT"}


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment: a transposition counts 1)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def correct_term(reader, term: str) -> str | None:
    """A frequent index term within two edits of ``term`` (an index term), or None.

    Raises nothing: a field the index lacks is skipped.
    """
    from .ranking import document_frequency

    own = document_frequency(reader, term)
    if own > RARE_DF:
        return None
    best = None
    for fieldname in _FIELDS:
        if fieldname not in reader.schema:
            continue
        try:
            found = list(reader.terms_within(fieldname, term, MAX_DISTANCE, prefix=PREFIX))
        except Exception:  # an odd term the automaton cannot take
            continue
        for candidate in found:
            if candidate == term or not candidate.isalpha():
                continue
            df = document_frequency(reader, candidate)
            if df < max(MIN_DF, MIN_RATIO * own):
                continue
            key = (distance(term, candidate), -df, candidate)
            if best is None or key < best:
                best = key
    return best[2] if best else None


def _surface_words(index_path: Path | None, stems: set[str]) -> dict[str, str]:
    """For each stem, the word to show: the stem itself when it is a word, else its shortest word."""
    shown: dict[str, str] = {}
    if index_path is None:
        return shown
    try:
        with open(Path(index_path) / "stems.tsv", encoding="utf-8") as handle:
            for line in handle:
                word, _, stem = line.rstrip("\n").partition("\t")
                if stem in stems:
                    known = shown.get(stem)
                    if known is None or (known != stem and (word == stem or (len(word), word) < (len(known), known))):
                        shown[stem] = word
    except OSError:
        pass
    return shown


def write_vocabulary(folder: Path, reader) -> None:
    """Write ``vocabulary.tsv`` in the index ``folder``: ``word<TAB>document frequency`` of the words of
    ``stems.tsv`` whose index term is in :data:`MIN_DF` documents or more (replaced atomically).

    Raises ``OSError`` when the file cannot be written.
    """
    import os

    from .ranking import document_frequency

    folder = Path(folder)
    try:
        lines = (folder / "stems.tsv").read_text("utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return
    counts: dict[str, int] = {}
    out = []
    for line in lines:
        word, _, stem = line.partition("\t")
        if len(word) < MIN_LETTERS or not word.isalpha() or not stem:
            continue
        df = counts.get(stem)
        if df is None:
            df = counts[stem] = document_frequency(reader, stem)
        if df >= MIN_DF:
            out.append(f"{word}\t{df}\n")
    tmp = folder / (VOCABULARY_FILE + ".tmp")
    tmp.write_text("".join(out), "utf-8")
    os.replace(tmp, folder / VOCABULARY_FILE)


_SPELLERS: dict[tuple[str, float], object] = {}


def _speller(folder: Path | None):
    """A SymSpell dictionary of the index's vocabulary (kept per file version), or None without one."""
    if folder is None:
        return None
    path = Path(folder) / VOCABULARY_FILE
    try:
        key = (str(path), path.stat().st_mtime)
    except OSError:
        return None
    speller = _SPELLERS.get(key)
    if speller is None:
        from symspellpy import SymSpell

        speller = SymSpell(max_dictionary_edit_distance=MAX_DISTANCE, prefix_length=7)
        try:
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    word, _, count = line.rstrip("\n").partition("\t")
                    if word and count.isdigit():
                        speller.create_dictionary_entry(word, int(count))
        except (OSError, UnicodeDecodeError):
            return None
        _SPELLERS.clear()
        _SPELLERS[key] = speller
    return speller


def _correct_word(speller, word: str, own: int) -> str | None:
    from symspellpy import Verbosity

    best = None
    for item in speller.lookup(word, Verbosity.CLOSEST, MAX_DISTANCE):
        if item.term == word or item.count < max(MIN_DF, MIN_RATIO * own):
            continue
        key = (item.distance, -item.count, item.term)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def suggest_query(searcher, text: str, index_path: Path | None = None) -> str | None:
    """``text`` with its absent or rare words replaced by frequent spellings, or None when none needs it."""
    from .analysis import fold, normalise_word
    from .ranking import document_frequency

    reader = searcher.reader()
    replacements: list[tuple[int, int, str]] = []
    stems: list[tuple[int, int, str]] = []
    for match in _WORD.finditer(text):
        word = match.group(1)
        if word in _OPERATORS:
            continue
        term = normalise_word(word)
        if not term or not term.isalpha():
            continue
        own = document_frequency(reader, term)
        if own > RARE_DF:
            continue
        speller = _speller(index_path)
        if speller is not None:
            better = _correct_word(speller, fold(word), own)
            if better is not None:
                replacements.append((match.start(1), match.end(1), better))
            continue
        better = correct_term(reader, term)
        if better is not None:
            stems.append((match.start(1), match.end(1), better))
    if stems:
        shown = _surface_words(index_path, {stem for _, _, stem in stems})
        replacements.extend((start, end, shown.get(stem, stem)) for start, end, stem in stems)
    if not replacements:
        return None
    out, last = [], 0
    for start, end, word in sorted(replacements):  # the rest of the query as typed (operators keep their meaning)
        out.append(text[last:start])
        out.append(word)
        last = end
    out.append(text[last:])
    return "".join(out)
