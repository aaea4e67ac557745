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
letter kept to answer in ~35 ms a word).  SymSpell's dictionary of the
whole vocabulary takes a few tenths of a second to build for Reuters (more
for a bigger archive), which a fresh ``searchkit query`` process would pay
on every query with a rare word; so each run also writes the symmetric
deletes of the vocabulary (:data:`DELETES_FILE`, SQLite), and a lookup
reads only the words that share a delete with the typed word and hands
them, in vocabulary order, to a SymSpell dictionary of their own -- the
only words SymSpell's lookup would reach, so the answer is the one of the
whole dictionary.  An index without that file builds the whole dictionary
(kept for the process); one without a vocabulary file falls back on the
Whoosh automaton (:func:`correct_term`).
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["suggest_query", "correct_term", "write_vocabulary", "prefix_deletes", "VOCABULARY_FILE", "DELETES_FILE",
           "RARE_DF", "MIN_RATIO", "MIN_DF", "MIN_LETTERS"]

VOCABULARY_FILE = "vocabulary.tsv"
#: The vocabulary's symmetric deletes (SQLite: ``words(idx, word, count)``, ``deletes(key, ids)``).
DELETES_FILE = "vocabulary.deletes.sqlite"

#: A query word in at most this many documents may be a misspelling.
RARE_DF = 1
#: A correction must be in this many times as many documents as the word...
MIN_RATIO = 20
#: ...and in at least this many.
MIN_DF = 3
#: Shorter words are left alone (too many neighbours within two edits).
MIN_LETTERS = 4
MAX_DISTANCE = 2
#: SymSpell's prefix length: deletes are made of a word's first letters only.
PREFIX_LENGTH = 7
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
    ``stems.tsv`` in :data:`MIN_DF` documents or more, counted as written (the word's exact-form term;
    its stem's count for a word that is its own stem), so that a misspelling sharing a frequent
    word's stem is not as frequent as the word (replaced atomically).

    Raises ``OSError`` when the file cannot be written.
    """
    import os

    from .analysis import EXACT_MARK

    folder = Path(folder)
    try:
        lines = (folder / "stems.tsv").read_text("utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return
    frequencies = document_frequencies(reader)
    out = []
    for line in lines:
        word, _, stem = line.partition("\t")
        if len(word) < MIN_LETTERS or not word.isalpha() or not stem:
            continue
        df = frequencies.get(stem.encode("utf-8"), 0)
        if df < MIN_DF:
            continue
        if word != stem:  # the word's own count (its exact form), not its stem's: "governent" is not "government"
            df = frequencies.get((EXACT_MARK + word).encode("utf-8"), 0) or df  # no exact form indexed: the stem's
        if df >= MIN_DF:
            out.append((word, df))
    _write_deletes(folder, out)
    tmp = folder / (VOCABULARY_FILE + ".tmp")
    tmp.write_text("".join(f"{word}\t{df}\n" for word, df in out), "utf-8")
    os.replace(tmp, folder / VOCABULARY_FILE)


def document_frequencies(reader) -> dict[bytes, int]:
    """``{term bytes: document frequency}`` of every term of title and body, the larger of the two
    (:func:`searchkit.ranking.document_frequency` of each term, deleted documents counted as there).

    Read in one pass over each segment's term dictionary, in order, instead
    of a hashed look-up per word (most of a vocabulary write's time).
    """
    from .ranking.bm25f import _DOC_FIELDS

    best: dict[bytes, int] = {}
    for fieldname in _DOC_FIELDS:
        if fieldname not in reader.schema:
            continue
        counts: dict[bytes, int] = {}
        for leaf in _segments(reader):
            for btext, info in leaf.iter_field(fieldname):
                counts[btext] = counts.get(btext, 0) + info.doc_frequency()
        for btext, count in counts.items():
            if count > best.get(btext, 0):
                best[btext] = count
    return best


def _segments(reader):
    """The one-segment readers under ``reader`` (a segment's, or a multi-reader over segments or shards)."""
    if reader.is_atomic():
        yield reader
        return
    for sub, _ in reader.leaf_readers():
        yield from _segments(sub)


def prefix_deletes(word: str, max_distance: int = MAX_DISTANCE, prefix_length: int = PREFIX_LENGTH) -> set[str]:
    """Every string made by deleting at most ``max_distance`` letters from ``word``'s first ``prefix_length``
    (the prefix itself included; ``""`` too for a word of at most ``max_distance`` letters).

    A superset of the deletes SymSpell files a dictionary word under (Garbe, "1000x faster spelling
    correction algorithm", 2012) and exactly the candidates its lookup tries for a typed word.
    """
    found = {""} if len(word) <= max_distance else set()
    layer = {word[:prefix_length]}
    found |= layer
    for _ in range(max_distance):
        layer = {text[:i] + text[i + 1:] for text in layer for i in range(len(text))} - found
        found |= layer
    return found


def _select_in(db, sql: str, values: list):
    """The rows of ``sql`` whose ``IN ({})`` takes ``values``, 500 at a time (SQLite's limit on parameters)."""
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        yield from db.execute(sql.format(",".join("?" * len(chunk))), chunk)


def _scratch_db(path: Path):
    """A SQLite connection to ``path`` without a journal: a copy, renamed into place only when complete."""
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db


def _write_deletes(folder: Path, entries: list[tuple[str, int]]) -> None:
    """Write :data:`DELETES_FILE` for the vocabulary ``entries`` (``[(word, document frequency)]``),
    replaced atomically.  Raises ``OSError`` when it cannot be written.

    A word keeps its number from one run to the next, so a run adds the deletes of its new words
    only; a word gone from the vocabulary leaves its number in the deletes' lists, where a lookup
    finds no word for it.
    """
    import os
    import shutil
    import sqlite3
    from array import array

    path, tmp = folder / DELETES_FILE, folder / (DELETES_FILE + ".tmp")
    try:
        tmp.unlink(missing_ok=True)
        numbers: dict[str, int] = {}
        next_number = 0
        db = None
        if path.exists():
            try:
                shutil.copyfile(path, tmp)
                db = _scratch_db(tmp)
                numbers = dict(db.execute("SELECT word, idx FROM words"))
                next_number = db.execute("SELECT next FROM meta").fetchone()[0]
            except (sqlite3.Error, TypeError):  # unreadable: written anew
                if db is not None:
                    db.close()
                db, numbers, next_number = None, {}, 0
                tmp.unlink(missing_ok=True)
        if db is None:
            db = _scratch_db(tmp)
            db.execute("CREATE TABLE words (idx INTEGER PRIMARY KEY, word TEXT NOT NULL, count INTEGER NOT NULL)")
            db.execute("CREATE TABLE deletes (key TEXT PRIMARY KEY, ids BLOB NOT NULL) WITHOUT ROWID")
            db.execute("CREATE TABLE meta (next INTEGER NOT NULL)")
            db.execute("INSERT INTO meta VALUES (0)")
        try:
            updating = bool(numbers)
            counts: dict[str, int] = {}
            added: dict[str, array] = {}
            for word, count in entries:
                if word not in counts and word not in numbers:
                    numbers[word] = next_number
                    for key in prefix_deletes(word):
                        ids = added.get(key)
                        if ids is None:
                            ids = added[key] = array("I")
                        ids.append(next_number)
                    next_number += 1
                counts[word] = counts.get(word, 0) + count  # SymSpell adds up a word given twice
            keys = sorted(added)
            if updating:  # the lists some of these keys have already
                for key, blob in _select_in(db, "SELECT key, ids FROM deletes WHERE key IN ({})", keys):
                    old = array("I")
                    old.frombytes(blob)
                    added[key] = old + added[key]
            db.executemany("INSERT OR REPLACE INTO deletes VALUES (?, ?)", ((k, added[k].tobytes()) for k in keys))
            db.execute("DELETE FROM words")
            db.executemany("INSERT INTO words VALUES (?, ?, ?)", ((numbers[w], w, c) for w, c in counts.items()))
            db.execute("UPDATE meta SET next = ?", (next_number,))
            db.commit()
        finally:
            db.close()
        os.replace(tmp, path)
    except sqlite3.Error as exc:
        raise OSError(f"cannot write {DELETES_FILE}: {exc}") from None


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

        speller = SymSpell(max_dictionary_edit_distance=MAX_DISTANCE, prefix_length=PREFIX_LENGTH)
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


def _word_speller(folder: Path | None, word: str):
    """A SymSpell dictionary holding the vocabulary words that share a delete with ``word`` (from
    :data:`DELETES_FILE`, in vocabulary order), or None when the index has no such file."""
    if folder is None:
        return None
    import sqlite3
    from array import array

    path = Path(folder) / DELETES_FILE
    if not path.exists():
        return None
    from symspellpy import SymSpell

    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            keys = sorted(prefix_deletes(word))
            ids: set[int] = set()
            for (blob,) in _select_in(db, "SELECT ids FROM deletes WHERE key IN ({})", keys):
                found = array("I")
                found.frombytes(blob)
                ids.update(found)
            wanted = sorted(ids)
            rows = list(_select_in(db, "SELECT idx, word, count FROM words WHERE idx IN ({})", wanted))
        finally:
            db.close()
    except (sqlite3.Error, ValueError):
        return None
    speller = SymSpell(max_dictionary_edit_distance=MAX_DISTANCE, prefix_length=PREFIX_LENGTH)
    for _, entry, count in sorted(rows):
        speller.create_dictionary_entry(entry, count)
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


def _beside_mark(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is only part of a word: a combining mark touches it (``sume`` in
    ``re\u0301sume\u0301``, a Hindi word between its vowel signs).  Such a piece is no query word."""
    import unicodedata

    return (start > 0 and unicodedata.category(text[start - 1])[0] == "M"
            or end < len(text) and unicodedata.category(text[end])[0] == "M")


def suggest_query(searcher, text: str, index_path: Path | None = None) -> str | None:
    """``text`` with its absent or rare words replaced by frequent spellings, or None when none needs it."""
    from .analysis import fold, normalise_word
    from .ranking.stats import SearcherStats

    reader = searcher.reader()
    stats = SearcherStats(searcher)  # the frequencies the query's ranking just looked up are remembered there
    replacements: list[tuple[int, int, str]] = []
    stems: list[tuple[int, int, str]] = []
    for match in _WORD.finditer(text):
        word = match.group(1)
        if word in _OPERATORS or _beside_mark(text, match.start(1), match.end(1)):
            continue
        term = normalise_word(word)
        if not term or not term.isalpha():
            continue
        own = max(stats.doc_frequency(name, term) for name in _FIELDS)
        if own > RARE_DF:
            continue
        typed = fold(word)
        speller = _word_speller(index_path, typed)
        if speller is None:
            speller = _speller(index_path)
        if speller is not None:
            better = _correct_word(speller, typed, own)
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
