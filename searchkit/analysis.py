"""Text analysis: the one chain used at index time and at query time.

Each word goes through: Unicode NFKC, case folding, accent folding,
possessive removal (``Japan's`` -> ``japan``), English stopwords, and NLTK's
Snowball English stemmer.  The whole chain is memoized per surface form, so
a word already seen costs one dict lookup: news vocabularies are small
compared with their token counts, and stemming every token afresh is the
classic indexing bottleneck.

NLTK is imported lazily, the first time an unseen word needs stemming, and a
table of known ``word -> term`` pairs can be preloaded (see
:func:`preload_terms`) so a cold query process need not import NLTK at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from typing import Any

from whoosh.analysis.acore import Token
from whoosh.analysis.analyzers import Analyzer

__all__ = [
    "NewsAnalyzer",
    "analyze",
    "normalise_word",
    "stopwords",
    "preload_terms",
    "WORD_PATTERN",
]

#: Words: letters/digits, joined by inner apostrophes or dots (``U.S``, ``15.8m``, ``don't``).
WORD_PATTERN = re.compile(r"\w+(?:['’.]\w+)*", re.UNICODE)

_POSSESSIVE = re.compile(r"['’]s$")
_MAX_WORD = 100  # longer "words" (base64, URLs gone wrong) are not indexed
_CACHE_LIMIT = 1_000_000  # bound on memoized surface forms (memory stays bounded)

# surface form -> term (str), or "" for a stopword/unindexable word
_cache: dict[str, str] = {}
_stemmer: Any = None


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The shipped English stopword list."""
    text = resources.files("searchkit").joinpath("data/stopwords-en.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _stem(word: str) -> str:
    global _stemmer
    if _stemmer is None:
        # Importing nltk.stem.snowball pulls in NLTK's package root (~150 ms),
        # so it happens only when a word is not in the memo table.
        from nltk.stem.snowball import EnglishStemmer

        _stemmer = EnglishStemmer(ignore_stopwords=False)
    return _stemmer.stem(word)


def fold(word: str) -> str:
    """NFKC, case folding and accent folding of one word (no stemming)."""
    word = unicodedata.normalize("NFKC", word).casefold()
    if not word.isascii():
        decomposed = unicodedata.normalize("NFKD", word)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        word = unicodedata.normalize("NFKC", stripped)
    return word.replace("’", "'")


def normalise_word(surface: str) -> str:
    """Map one surface word to its index term; ``""`` when it is not indexed."""
    term = _cache.get(surface)
    if term is not None:
        return term
    word = fold(surface)
    word = _POSSESSIVE.sub("", word)
    word = word.strip("'.")
    if not word or len(word) > _MAX_WORD or word in stopwords():
        term = ""
    elif word.isdigit() or not word.isalpha() and not word.replace("'", "").isalpha():
        # numbers, "15.8m", "u.s": stemming would only damage them
        term = word.replace("'", "")
    else:
        term = _stem(word.replace("'", ""))
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[surface] = term
    return term


def preload_terms(pairs: Iterable[tuple[str, str]]) -> None:
    """Seed the memo table with known ``(surface, term)`` pairs."""
    for surface, term in pairs:
        _cache.setdefault(surface, term)


def analyze(text: str) -> list[str]:
    """The index terms of ``text``, in order (stopwords removed)."""
    out = []
    for match in WORD_PATTERN.finditer(text):
        term = normalise_word(match.group(0))
        if term:
            out.append(term)
    return out


class NewsAnalyzer(Analyzer):
    """A Whoosh analyzer running :func:`normalise_word` over :data:`WORD_PATTERN` matches.

    Positions count every word, stopwords included, so that phrase queries
    can allow for the stopwords they dropped.  Character offsets point into
    the original text, which is what lets snippets show words as written.
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
        cache_get = _cache.get
        for pos, match in enumerate(WORD_PATTERN.finditer(value), start_pos):
            surface = match.group(0)
            term = cache_get(surface)
            if term is None:
                term = normalise_word(surface)
            if not term:
                if removestops:
                    continue
                token.stopped = True
                token.text = surface.casefold()
            else:
                token.stopped = False
                token.text = term
            token.boost = 1.0
            if keeporiginal:
                token.original = surface
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token
