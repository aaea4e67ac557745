"""Text analysis: the one chain used at index time and at query time.

Each word goes through: Unicode NFKC, case folding, accent folding,
possessive removal (``Japan's`` -> ``japan``), English stopwords, and NLTK's
Snowball English stemmer.  The whole chain is memoized per surface form, so
a word already seen costs one dict lookup: news vocabularies are small
compared with their token counts, and stemming every token afresh is the
classic indexing bottleneck.

NLTK is imported lazily, the first time an unseen word needs stemming.  An
index keeps a *stem table* (:data:`STEM_TABLE_FILE`: every ``word -> stem``
pair NLTK computed while indexing it, written by :func:`write_stem_table`);
:func:`use_stem_table` registers it, and a word found there is stemmed
without NLTK, so a cold query process for known words never imports NLTK
(whose package root costs ~250 ms).  :func:`preload_terms` seeds the memo
table directly.

:class:`NewsPositions` is the posting format of the text fields: it runs the
same chain straight from the regex matches to positions, without building a
Whoosh ``Token`` per word; :func:`buffer_postings` puts the same postings
straight into a writer's per-term buffer (the indexing hot path).  Stems are
memoized per surface form and per folded word (``Cocoa``, ``COCOA``).
"""

from __future__ import annotations

import os
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from functools import lru_cache
from operator import sub
from pathlib import Path
from pickle import dumps
from typing import Any

from whoosh.analysis.acore import Token
from whoosh.analysis.analyzers import Analyzer
from whoosh.formats import Positions
from whoosh.system import pack_uint

__all__ = [
    "NewsAnalyzer",
    "analyze",
    "normalise_word",
    "word_terms",
    "text_postings",
    "is_stopword",
    "EXACT_MARK",
    "stopwords",
    "preload_terms",
    "WORD_PATTERN",
    "NewsPositions",
    "STEM_TABLE_FILE",
    "use_stem_table",
    "write_stem_table",
    "stems_computed",
    "encoded_postings",
    "buffer_postings",
    "load_stemmer",
]

#: Scripts written without spaces between words (Thai, Japanese kana, CJK
#: ideographs): a run of them is indexed as overlapping bigrams.
_NOSPACE = "\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: Words: letters/digits, joined by inner apostrophes or dots (``U.S``, ``15.8m``, ``don't``).
#: A word holding a script without spaces (``金利3.5``) is split further by :func:`word_terms`.
WORD_PATTERN = re.compile(r"\w+(?:['’.]\w+)*", re.UNICODE)
_NOSPACE_RUN = re.compile(rf"[{_NOSPACE}]")
_NOSPACE_PARTS = re.compile(rf"[{_NOSPACE}]+|[^{_NOSPACE}]+")
#: Between two parts of one hyphenated word ("e-mail", "co-operation"): ASCII, Unicode and non-breaking hyphens.
_HYPHENS = frozenset("-\u2010\u2011")
#: A dotted abbreviation: single letters joined by dots (``U.S``, ``U.K``, ``e.g``).
_ABBREVIATION = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")
#: Elided articles and pronouns before an apostrophe (French, Italian, Catalan):
#: ``l'Élysée`` is also indexed as ``Élysée``.
_ELISIONS = frozenset({"l", "d", "j", "m", "n", "s", "t", "c", "qu", "lorsqu", "puisqu", "jusqu", "quoiqu",
                       "dell", "all", "nell", "sull", "dall", "un", "gl"})
#: English contractions after an apostrophe: ``don't`` is not also indexed as ``don``.
_CONTRACTIONS = frozenset({"t", "s", "ll", "re", "ve", "d", "m"})
#: The longest suffix after an apostrophe that marks an inflected name (Turkish
#: ``Ankara'da``, ``Erdoğan'ın``, ``İstanbul'dan``): the part before is indexed as well.
_MAX_SUFFIX = 4
#: Marks an exact-form term: the folded word as written (``=executive``), kept
#: beside its stem (``execut``) when the two differ.
EXACT_MARK = "="

#: Letters that Unicode decomposition leaves alone, folded as Lucene's
#: ASCIIFoldingFilter does (after case folding, so lower case only).
_FOLD_TABLE = str.maketrans({
    "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ß": "ss",
    "ħ": "h", "ŧ": "t", "ŀ": "l", "ĸ": "q", "ŋ": "n", "ſ": "s", "ƀ": "b", "ƃ": "b", "ƈ": "c", "ɗ": "d",
    "ƌ": "d", "ɖ": "d", "ƒ": "f", "ɠ": "g", "ǥ": "g", "ɦ": "h", "ɨ": "i", "ƙ": "k", "ƚ": "l", "ɫ": "l",
    "ɬ": "l", "ɭ": "l", "ɱ": "m", "ɲ": "n", "ƞ": "n", "ɳ": "n", "ɵ": "o", "ƥ": "p", "ɋ": "q", "ɍ": "r",
    "ɽ": "r", "ʂ": "s", "ƭ": "t", "ʈ": "t", "ʉ": "u", "ʋ": "v", "ⱳ": "w", "ƴ": "y", "ɏ": "y", "ƶ": "z",
    "ʐ": "z", "ʑ": "z", "ȥ": "z", "ɀ": "z", "ʒ": "z", "ǝ": "e", "ə": "e", "ɛ": "e", "ɔ": "o", "ĳ": "ij",
    "ǆ": "dz", "ǉ": "lj", "ǌ": "nj", "ʣ": "dz", "ʤ": "dz", "ʦ": "ts", "ʧ": "tsh", "ꝏ": "oo", "ȣ": "ou",
    "ᵫ": "ue", "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st",
    "’": "'", "‘": "'", "ʼ": "'", "ʻ": "'",
})

_POSSESSIVE = re.compile(r"['’]s$")
_MAX_WORD = 100  # longer "words" (base64, URLs gone wrong) are not indexed
_CACHE_LIMIT = 1_000_000  # bound on memoized surface forms (memory stays bounded)

# surface form -> term (str), or "" for a stopword/unindexable word
_cache: dict[str, str] = {}
_stemmer: Any = None

#: The stem table of an index, in its folder.  One ``word<TAB>stem`` line per
#: folded word NLTK was asked about while indexing.
STEM_TABLE_FILE = "stems.tsv"
# folded word -> stem, computed by NLTK in this process (what write_stem_table saves)
_computed: dict[str, str] = {}
_tables: list[Path] = []  # registered stem tables, read on the first stem they may answer
_table_data: list[bytes] | None = None  # their bytes (sorted lines): a lookup is a bisection


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The shipped English stopword list."""
    text = (Path(__file__).parent / "data" / "stopwords-en.txt").read_text("utf-8")
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

    Importing ``nltk.stem.snowball`` pulls in NLTK's package root (~250 ms),
    so it happens only when a word is neither memoized nor in a stem table --
    or here, when a parent process is about to fork indexing workers that
    would each import it again.
    """
    global _stemmer
    if _stemmer is None:
        from nltk.stem.snowball import EnglishStemmer

        _stemmer = EnglishStemmer(ignore_stopwords=False)
    return _stemmer


def use_stem_table(folder: str | os.PathLike[str]) -> None:
    """Let words be stemmed from the stem table in ``folder`` (read lazily, when first needed)."""
    global _table_data
    path = Path(folder) / STEM_TABLE_FILE
    if path not in _tables:
        _tables.append(path)
        _table_data = None


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
    global _table_data
    if _table_data is None:
        _table_data = [data for data in map(_read_table_bytes, _tables) if data]
    key = (word + "\t").encode("utf-8", "surrogatepass")
    for data in _table_data:
        stem = _bisect_table(data, key)
        if stem is not None:
            return stem
    return None


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
    global _table_data
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
        _table_data = None  # re-read when next needed


def fold(word: str) -> str:
    """NFKC, case folding and letter folding of one word (no stemming).

    Accents go by Unicode decomposition (``é`` -> ``e``); letters that do not
    decompose by :data:`_FOLD_TABLE` (``ł`` -> ``l``, ``ø`` -> ``o``,
    ``đ`` -> ``d``, ``ı``/``İ`` -> ``i``, ``æ`` -> ``ae``, ``ß`` -> ``ss``, ``þ`` -> ``th``).
    """
    if word.isascii():
        return word.lower()  # what NFKC and casefold do to ASCII
    word = unicodedata.normalize("NFKC", word).casefold().translate(_FOLD_TABLE)
    if not word.isascii():
        decomposed = unicodedata.normalize("NFKD", word)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        word = unicodedata.normalize("NFKC", stripped).translate(_FOLD_TABLE)
    return word


# surface form -> ((term, extra terms...), ...) one tuple per position; see word_terms
_terms_cache: dict[str, tuple[tuple[str, ...], ...]] = {}


def _word_term(word: str) -> str:
    """The term of one folded word without possessive: stopwords as they are, numbers kept, words stemmed."""
    if not word or len(word) > _MAX_WORD:
        return ""
    if word in stopwords():
        return word
    if word.isdigit() or not word.isalpha() and not word.replace("'", "").isalpha():
        # numbers, "15.8m": stemming would only damage them
        return word.replace("'", "")
    word = word.replace("'", "")
    stem = _stem(word)
    # "others" -> "other" would make it the stopword "other": the word stays as it is
    return word if stem in stopwords() else stem


def word_terms(surface: str) -> tuple[tuple[str, ...], ...]:
    """The index terms of one :data:`WORD_PATTERN` match, per position it takes.

    Most words take one position: ``(term, extra...)``, the term first
    (``""`` when not indexed), then other terms at the same position -- the
    exact form (``=executive`` beside ``execut``), the name without an elided
    article (``l'Élysée``: ``elyse``) or without a suffix after an apostrophe
    (``Ankara'da``: ``ankara``).  A run of a script without spaces takes one
    position per overlapping bigram (``金利上昇``: ``金利``, ``利上``, ``上昇``).
    Memoized per surface form.
    """
    found = _terms_cache.get(surface)
    if found is not None:
        return found
    if _NOSPACE_RUN.search(surface):
        # runs of a script without spaces as bigrams, the digits or Latin letters beside them as words
        parts: list[tuple[str, ...]] = []
        for part in _NOSPACE_PARTS.findall(surface[:_MAX_WORD * 4]):
            if _NOSPACE_RUN.match(part):
                chars = fold(part)[:_MAX_WORD]
                parts.extend((chars[i:i + 2],) for i in range(len(chars) - 1))
                if len(chars) == 1:
                    parts.append((chars,))
            elif part.strip("'’."):
                parts.extend(word_terms(part.strip("'’.")))
        result = tuple(parts) or (("",),)
    else:
        word = _POSSESSIVE.sub("", fold(surface)).strip("'.")
        if _ABBREVIATION.match(word) and word.replace(".", "") not in stopwords():
            word = word.replace(".", "")  # "U.S." and "US" are one term ("a.m." is not "am")
        term = _word_term(word)
        terms = [term]
        if term and term.isalpha() and word.isalpha() and term != word and word not in stopwords():
            terms.append(EXACT_MARK + word)
        if "'" in word and term:
            before, _, after = word.partition("'")
            if before in _ELISIONS and after:
                terms.append(_word_term(after))
            elif len(before) > 1 and 0 < len(after) <= _MAX_SUFFIX and after not in _CONTRACTIONS:
                terms.append(_word_term(before))
        result = (tuple(dict.fromkeys(t for t in terms if t)) or ("",),)
    if len(_terms_cache) >= _CACHE_LIMIT:
        _terms_cache.clear()
    _terms_cache[surface] = result
    return result


def normalise_word(surface: str) -> str:
    """Map one surface word to its index term (the first of :func:`word_terms`); ``""`` when not indexed.

    Stopwords are index terms (unstemmed), so phrases and all-stopword queries
    can find them; ranking leaves them out of plain-word queries (see
    :func:`is_stopword`).
    """
    term = _cache.get(surface)
    if term is not None:
        return term
    term = word_terms(surface)[0][0]
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[surface] = term
    return term


def is_stopword(term: str) -> bool:
    """Whether ``term`` is a stopword's term (kept in the index, left out of plain-word scoring)."""
    return term in stopwords()


def preload_terms(pairs: Iterable[tuple[str, str]]) -> None:
    """Seed the memo table with known ``(surface, term)`` pairs."""
    for surface, term in pairs:
        _cache.setdefault(surface, term)


def term_positions(text: str, start_pos: int = 0) -> dict[str, list[int]]:
    """``{term: [positions]}`` of ``text`` -- what the index holds for it (see :func:`text_postings`)."""
    return text_postings(text, start_pos)[0]


#: At most this many parts of a hyphenated word are joined (``state-of-the-art``).
_MAX_JOINED_PARTS = 4


def text_postings(text: str, start_pos: int = 0) -> tuple[dict[str, list[int]], int]:
    """``({term: [positions]}, length)`` of ``text``: the postings of one field value.

    Every word takes a position, stopwords included; the terms of
    :func:`word_terms` share it, and a hyphenated word (``e-mail``,
    ``co-operation``) is also indexed joined (``email``, ``cooper``) at its
    first part's position.  ``length`` -- what BM25 normalises by -- counts
    the positions of words other than stopwords, as it did when stopwords
    were not indexed, so that ranking is unchanged by them.
    """
    poses: dict[str, list[int]] = {}
    cache_get = _terms_cache.get
    stops = stopwords()
    length = 0
    pos = start_pos
    chain: list[str] = []  # the parts of the current hyphenated word
    chain_pos = 0
    last_end = -1
    for match in WORD_PATTERN.finditer(text):
        surface = match.group(0)
        start = match.start()
        if chain and not (start - last_end == 1 and text[last_end] in _HYPHENS):
            if len(chain) > 1:
                _add_joined(poses, chain, chain_pos)
            chain = []
        if not chain:
            chain_pos = pos
        if len(chain) < _MAX_JOINED_PARTS + 1:
            chain.append(surface)
        last_end = match.end()
        per_position = cache_get(surface)
        if per_position is None:
            per_position = word_terms(surface)
        for terms in per_position:
            if terms[0] and terms[0] not in stops:
                length += 1
            for term in terms:
                if not term:
                    continue
                found = poses.get(term)
                if found is None:
                    poses[term] = [pos]
                elif found[-1] != pos:
                    found.append(pos)
            pos += 1
    if len(chain) > 1:
        _add_joined(poses, chain, chain_pos)
    return poses, length


def _add_joined(poses: dict[str, list[int]], parts: list[str], pos: int) -> None:
    if len(parts) > _MAX_JOINED_PARTS or not all(part.isalpha() and not _NOSPACE_RUN.search(part) for part in parts):
        return  # "1987-03", "U.S.-Japan": not one word written in parts
    term = normalise_word("".join(parts))
    if not term:
        return
    found = poses.get(term)
    if found is None:
        poses[term] = [pos]
    elif pos not in found:
        found.append(pos)
        found.sort()


_SINGLE: list[bytes] = []  # encoded values of a term seen once, at positions 0..n


def encoded_postings(text: str) -> list[tuple[bytes, int, bytes]]:
    """``(term as UTF-8, frequency, Whoosh Positions value)`` for each term of ``text``."""
    return _encoded(text_postings(text)[0])


def _encoded(poses: dict[str, list[int]]) -> list[tuple[bytes, int, bytes]]:
    single = _SINGLE
    if not single:
        single.extend(pack_uint(1) + dumps([pos], 2) for pos in range(4096))
    out = []
    for term, poslist in poses.items():
        n = len(poslist)
        if n == 1 and poslist[0] < 4096:
            value = single[poslist[0]]
        else:
            deltas = [poslist[0]]
            previous = poslist[0]
            for pos in poslist[1:]:
                deltas.append(pos - previous)
                previous = pos
            value = pack_uint(n) + dumps(deltas, 2)
        out.append((term.encode("utf-8"), n, value))
    return out


_WEIGHTS: dict[tuple[float, float], list[float]] = {}  # (format boost, field boost) -> weight of n


def buffer_postings(text: str, docnum: int, format_boost: float, boost: float,
                    terms: dict[bytes, list]) -> tuple[int, int, int]:
    """Add the postings of ``text`` (document ``docnum``) to ``terms``, a writer's buffer.

    ``terms`` maps UTF-8 terms to ``[docnum, weight, value, docnum, ...]``;
    each posting is what :func:`encoded_postings` gives, with Whoosh's weight
    ``frequency * format_boost * boost``.  Returns (the field length -- words
    indexed --, the number of terms new to ``terms``, the number of postings).
    """
    single = _SINGLE
    if not single:
        single.extend(pack_uint(1) + dumps([pos], 2) for pos in range(4096))
    weights = _WEIGHTS.get((format_boost, boost))
    if weights is None:
        weights = _WEIGHTS[(format_boost, boost)] = [float(n) * format_boost * boost for n in range(256)]
    get = terms.get
    added = 0
    poses, length = text_postings(text)
    for term, poslist in poses.items():
        n = len(poslist)
        if n == 1:
            pos = poslist[0]
            value = single[pos] if pos < 4096 else pack_uint(1) + dumps(poslist, 2)
            weight = weights[1]
        else:
            value = pack_uint(n) + dumps([poslist[0], *map(sub, poslist[1:], poslist)], 2)
            weight = weights[n] if n < 256 else float(n) * format_boost * boost
        tbytes = term.encode("utf-8")
        entry = get(tbytes)
        if entry is None:
            terms[tbytes] = [docnum, weight, value]
            added += 1
        else:
            entry += (docnum, weight, value)
    return length, added, len(poses)


class NewsPositions(Positions):
    """Whoosh's ``Positions`` format, fed by :func:`term_positions` for :class:`NewsAnalyzer` fields.

    Postings are byte for byte those of ``Positions``; only the Token-per-word
    machinery is skipped.  Any other analyzer (or a list value) takes Whoosh's path.
    """

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any):
        if not isinstance(value, str) or type(analyzer) is not NewsAnalyzer:
            yield from Positions.word_values(self, value, analyzer, **kwargs)
            return
        fb = self.field_boost
        poses, length = text_postings(value)
        # Whoosh adds up the second item as the field's length (and uses it
        # for nothing else): the first term carries the length of
        # text_postings, which leaves out stopwords and extra terms.
        for tbytes, n, encoded in _encoded(poses):
            yield tbytes.decode("utf-8"), length, float(n) * fb, encoded
            length = 0


def analyze(text: str) -> list[str]:
    """The terms of ``text``'s words, in order, stopwords left out (what ranking weighs)."""
    out = []
    stops = stopwords()
    for match in WORD_PATTERN.finditer(text):
        for terms in word_terms(match.group(0)):
            if terms[0] and terms[0] not in stops:
                out.append(terms[0])
    return out


class NewsAnalyzer(Analyzer):
    """A Whoosh analyzer giving the first term of :func:`word_terms` at each position.

    Positions count every word, stopwords included (they are index terms;
    ``removestops=True``, Whoosh's default, leaves them out of the tokens
    but not of the positions; a stopword token has ``stopped = True``).
    Character offsets point into the original text, which is what lets
    snippets show words as written.  A run of a script without spaces gives
    one token per bigram, all with the run's offsets.
    """

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = normalise_word(value) or value
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return
        stops = stopwords()
        pos = start_pos
        for match in WORD_PATTERN.finditer(value):
            surface = match.group(0)
            for terms in word_terms(surface):
                term = terms[0]
                pos += 1
                if not term:
                    continue
                stopped = term in stops
                if stopped and removestops:
                    continue
                token.stopped = stopped
                token.text = term
                token.boost = 1.0
                if keeporiginal:
                    token.original = surface
                if positions:
                    token.pos = pos - 1
                if chars:
                    token.startchar = start_char + match.start()
                    token.endchar = start_char + match.end()
                yield token
