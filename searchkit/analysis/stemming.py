"""Stemming: NLTK's Snowball English stemmer, memoized, and an index's stem table.

NLTK's stemmer is loaded lazily, the first time an unseen word needs
stemming, and without NLTK's package root (:func:`_load_snowball_alone`).  An
index keeps a *stem table* (:data:`STEM_TABLE_FILE`: every ``word -> stem``
pair NLTK computed while indexing it, written by :func:`write_stem_table`);
:func:`use_stem_table` registers it, and a word found there is stemmed
without NLTK, so a cold query process for known words never imports NLTK
(whose package root costs ~250 ms).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..loading import is_one_shot

__all__ = ["stopwords", "load_stemmer", "use_stem_table", "write_stem_table", "stems_computed",
           "STEM_TABLE_FILE", "CACHE_LIMIT"]

#: Bound on memoized words (memory stays bounded).
CACHE_LIMIT = 1_000_000
_CACHE_LIMIT = CACHE_LIMIT
_stemmer: Any = None

#: The stem table of an index, in its folder.  One ``word<TAB>stem`` line per
#: folded word NLTK was asked about while indexing.
STEM_TABLE_FILE = "stems.tsv"
# folded word -> stem, computed by NLTK in this process (what write_stem_table saves)
_computed: dict[str, str] = {}
_tables: list[Path] = []  # registered stem tables, read on the first stem they may answer
_table_data: list[bytes] | None = None  # their bytes (sorted lines): a lookup is a bisection
_table_dict: dict[str, str] | bool | None = None  # their pairs, once a long-lived process has looked up
# enough words (False: they cannot be a dict, see _tables_as_dict)
_table_lookups = 0
#: Table look-ups after which a process that is not one-shot reads the tables into a dict (tens of
#: milliseconds once, a few MB): a bisection costs a few microseconds, and a long-lived process
#: (the web page, a library user) meets new words at every query (snippets of unseen articles).
TABLE_DICT_AFTER = 1024


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The shipped English stopword list."""
    text = (Path(__file__).parent.parent / "data" / "stopwords-en.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _stem(word: str) -> str:
    stem = _computed.get(word)  # another surface form of this word ("Cocoa", "COCOA") was stemmed
    if stem is not None:
        return stem
    if _tables:
        stem = _table_stem(word)
        if stem is not None:
            return stem
    stem = (_stemmer or load_stemmer()).stem(word)
    if len(_computed) < _CACHE_LIMIT:
        _computed[word] = stem
    return stem


def load_stemmer() -> Any:
    """NLTK's English Snowball stemmer, imported on first use.

    It is loaded only when a word is neither memoized nor in a stem table --
    or here, when a parent process is about to fork indexing workers that
    would each load it again -- and without NLTK's package root where
    possible (:func:`_load_snowball_alone`).
    """
    global _stemmer
    if _stemmer is None:
        stemmer_class = _load_snowball_alone()
        if stemmer_class is None:
            from nltk.stem.snowball import EnglishStemmer as stemmer_class
        _stemmer = stemmer_class(ignore_stopwords=False)
    return _stemmer


class _NoCorpus:
    """What ``nltk.corpus.stopwords`` is while :func:`_load_snowball_alone` loads the stemmer's module."""

    def words(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("NLTK's corpora are not loaded (searchkit stems with ignore_stopwords=False)")


def _load_snowball_alone() -> Any:
    """NLTK's ``EnglishStemmer`` class, loaded from ``nltk/stem/snowball.py`` without NLTK's package root.

    ``import nltk`` runs the package root, which imports nearly all of NLTK
    and SciPy: about 95 MB of memory and a second of CPU, in every indexing
    process, for a stemmer that needs four small modules (``nltk.stem.api``,
    ``porter``, ``util``, ``nltk.redos``).  The stemmer's own code is NLTK's,
    unchanged; only the packages around it (``nltk``, ``nltk.stem``) are
    empty stand-ins while it loads, and ``nltk.corpus`` (whose stopword lists
    the stemmer reads only with ``ignore_stopwords=True``) one whose
    ``stopwords`` refuses to be used.  Afterwards every module this loaded is
    taken out of ``sys.modules`` again, so a later ``import nltk`` gets the
    whole, ordinary package.  Returns None (the caller imports NLTK the usual
    way) when NLTK is already imported, or when loading this way fails
    (:func:`searchkit.loading.load_alone`).
    """
    import types

    from ..loading import load_alone

    corpus = types.ModuleType("nltk.corpus")
    corpus.stopwords = _NoCorpus()  # type: ignore[attr-defined]
    return load_alone("nltk.stem.snowball", "EnglishStemmer", {"nltk.corpus": corpus})


def use_stem_table(folder: str | os.PathLike[str]) -> None:
    """Let words be stemmed from the stem table in ``folder`` (read lazily, when first needed)."""
    global _table_data, _table_dict
    path = Path(folder) / STEM_TABLE_FILE
    if path not in _tables:
        _tables.append(path)
        _table_data = _table_dict = None


def _read_table(path: Path) -> list[str]:
    """The sorted ``word<TAB>stem`` lines of a stem table (none when unreadable)."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    lines = text.split("\n")
    lines.pop()  # "" after the last newline, or a partial line (never written so)
    if any(lines[i] > lines[i + 1] for i in range(0, len(lines) - 1, max(1, len(lines) // 16))):
        lines.sort()  # not written by write_stem_table: make it searchable anyway
    return lines


def _table_stem(word: str) -> str | None:
    global _table_data, _table_dict, _table_lookups
    if _table_dict:  # (False: the tables cannot be a dict; keep bisecting)
        return _table_dict.get(word)
    if _table_data is None:
        _table_data = [data for data in map(_read_table_bytes, _tables) if data]
    _table_lookups += 1
    if _table_lookups >= TABLE_DICT_AFTER and _table_dict is None and not is_one_shot():
        _table_dict = _tables_as_dict(_table_data) or False  # False for a table out of order (or empty)
        if _table_dict:
            return _table_dict.get(word)
    key = (word + "\t").encode("utf-8", "surrogatepass")
    for data in _table_data:
        stem = _bisect_table(data, key)
        if stem is not None:
            return stem
    return None


def _tables_as_dict(tables: list[bytes]) -> dict[str, str] | None:
    """``word -> stem``: what :func:`_bisect_table` answers over ``tables``, or None when that is not a dict.

    The first table answering wins; within a table, a word's first line (the
    one bisection finds); a stem that is not UTF-8 is no answer (a later
    table's stands).  A table whose lines are out of order is bisected
    exactly as it is, misses and all: then None, and lookups keep bisecting.
    """
    pairs: dict[str, str] = {}
    for data in tables:
        lines = data.split(b"\n")
        if lines and not lines[-1]:
            lines.pop()  # after the last newline
        if any(a > b for a, b in zip(lines, lines[1:])):
            return None
        seen: set[bytes] = set()
        for line in lines:
            word, tab, stem = line.partition(b"\t")
            if not tab or word in seen:
                continue
            seen.add(word)
            key = word.decode("utf-8", "surrogatepass")
            if key in pairs:
                continue
            try:
                pairs[key] = stem.decode("utf-8")
            except UnicodeDecodeError:
                continue  # the bisection answers None: a later table's stem, if any, stands
    return pairs


def _read_table_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return b""


def _bisect_table(data: bytes, key: bytes) -> str | None:
    """The stem on the line of ``data`` starting with ``key`` (``word\\t``), by bisection.

    Works on the file's bytes, without splitting it into lines: a cold query
    looks up a handful of words in a table of tens of thousands.  UTF-8 byte
    order is code point order, the order the lines are written in; a table
    out of order only makes lookups miss (NLTK then answers), never wrong.
    """
    lo, hi = 0, len(data)  # both line starts; lines before lo sort below key, from hi on not
    while lo < hi:
        mid = (lo + hi) // 2
        start = max(lo, data.rfind(b"\n", lo, mid) + 1)
        end = data.find(b"\n", start)
        if end < 0:
            end = len(data)
        if data[start:end] < key:
            lo = end + 1
        else:
            hi = start
    if not data.startswith(key, lo):
        return None
    end = data.find(b"\n", lo)
    try:
        return data[lo + len(key): end if end >= 0 else len(data)].decode("utf-8")
    except UnicodeDecodeError:
        return None


def stems_computed() -> dict[str, str]:
    """The ``word -> stem`` pairs NLTK computed in this process (for :func:`write_stem_table`)."""
    return _computed


def write_stem_table(folder: str | os.PathLike[str], *extra: dict[str, str]) -> None:
    """Merge this process's stems (and ``extra`` ones) into the stem table of ``folder``.

    The file (sorted lines, so lookups bisect it without parsing) is replaced
    atomically; nothing is written when no pair is new.  Every pair comes from
    NLTK itself, so a table can only ever be incomplete, never wrong.
    """
    global _table_data, _table_dict
    path = Path(folder) / STEM_TABLE_FILE
    lines = _read_table(path)
    known = {line.partition("\t")[0] for line in lines}
    new = set()
    for pairs in (_computed, *extra):
        for word, stem in pairs.items():
            if word not in known and "\n" not in word and "\t" not in word and "\n" not in stem:
                known.add(word)
                new.add(f"{word}\t{stem}")
    if not new:
        return
    lines.extend(new)
    lines.sort()
    tmp = path.with_name(STEM_TABLE_FILE + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", "utf-8")
    os.replace(tmp, path)
    if path in _tables:
        _table_data = _table_dict = None  # re-read when next needed
