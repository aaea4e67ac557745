"""The analysis chain at index time: a field value to its postings, and the Whoosh analyzer and format.

:class:`NewsPositions` is the posting format of the text fields: it runs the
same chain straight from the regex matches to positions, without building a
Whoosh ``Token`` per word; :func:`buffer_postings` puts the same postings
straight into a writer's per-term buffer (the indexing hot path).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from operator import sub
from pickle import dumps
from typing import Any

from whoosh.analysis.acore import Token
from whoosh.analysis.analyzers import Analyzer
from whoosh.formats import Positions
from whoosh.system import pack_uint

from .cjk import has_nospace
from .stemming import stopwords
from .words import _HYPHENS, WORD_PATTERN, _terms_cache, normalise_word, word_terms

__all__ = ["term_positions", "text_postings", "joined_term", "encoded_postings", "buffer_postings", "NewsPositions",
           "analyze", "NewsAnalyzer"]


def term_positions(text: str, start_pos: int = 0) -> dict[str, list[int]]:
    """``{term: [positions]}`` of ``text`` -- what the index holds for it (see :func:`text_postings`)."""
    return {term: list(positions) for term, positions in text_postings(text, start_pos)[0].items()}


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

    The words are found by one C-level ``findall`` and grouped by surface
    form, so each distinct word of the text is looked up once; a text with a
    word taking several positions (a script without spaces) goes word by
    word (:func:`_text_postings_by_word`).  Both give the same positions and
    length (``tests/analysis`` compares them).
    """
    chunks = _CHUNK_PATTERN.findall(text)
    # A chunk is one word or a hyphenated word ("e-mail"): split the latter
    # into its parts, each at a position of its own.
    if "\u2010" in text or "\u2011" in text:
        hyphenated = [i for i, chunk in enumerate(chunks) if _HYPHEN_SPLIT.search(chunk)]
    elif "-" in text:
        hyphenated = [i for i, chunk in enumerate(chunks) if "-" in chunk]
    else:
        hyphenated = []
    chains: list[tuple[int, list[str]]] = []
    if hyphenated:
        words: list[str] = []
        last = 0
        for i in hyphenated:
            words += chunks[last:i]
            parts = _HYPHEN_SPLIT.split(chunks[i])
            chains.append((start_pos + len(words), parts))
            words += parts
            last = i + 1
        words += chunks[last:]
    else:
        words = chunks
    by_surface: dict[str, list[int]] = {}
    get = by_surface.get
    for pos, surface in enumerate(words, start_pos):
        found = get(surface)
        if found is None:
            by_surface[surface] = [pos]
        else:
            found.append(pos)
    poses: dict[str, list[int]] = {}
    setdefault = poses.setdefault
    cache_get = _terms_cache.get
    stops = stopwords()
    length = 0
    for surface, positions in by_surface.items():
        per_position = cache_get(surface)
        if per_position is None:
            per_position = word_terms(surface)
        if len(per_position) != 1:
            return _text_postings_by_word(text, start_pos)  # a word taking several positions
        terms = per_position[0]
        first = terms[0]
        if not first:
            continue  # not indexed (word_terms gives ("",) or only non-empty terms)
        if first not in stops:
            length += len(positions)
        for term in terms:
            # Lists are never changed in place once here: one surface's terms share one.
            found = setdefault(term, positions)
            if found is not positions:  # another surface form of the term ("Cocoa", "cocoa")
                poses[term] = sorted(found + positions)
    for pos, parts in chains:
        if 1 < len(parts) <= _MAX_JOINED_PARTS:
            _add_joined(poses, parts, pos)
    return poses, length


#: A word (:data:`WORD_PATTERN`) or a hyphenated word: words joined by single hyphens.
_CHUNK_PATTERN = re.compile(rf"{WORD_PATTERN.pattern}(?:[{''.join(sorted(_HYPHENS))}]{WORD_PATTERN.pattern})*",
                            WORD_PATTERN.flags)
_HYPHEN_SPLIT = re.compile(f"[{''.join(sorted(_HYPHENS))}]")


def _text_postings_by_word(text: str, start_pos: int = 0) -> tuple[dict[str, list[int]], int]:
    """:func:`text_postings`, word by word (the straightforward version, for any text)."""
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


def joined_term(parts: list[str]) -> str:
    """The term a hyphenated word written in ``parts`` is also indexed as (``e-mail``: ``email``),
    or ``""``: not 2 to :data:`_MAX_JOINED_PARTS` parts of letters (``1987-03``, ``U.S.-Japan``
    are not one word written in parts)."""
    if not 1 < len(parts) <= _MAX_JOINED_PARTS or not all(part.isalpha() and not has_nospace(part) for part in parts):
        return ""
    return normalise_word("".join(parts))


def _add_joined(poses: dict[str, list[int]], parts: list[str], pos: int) -> None:
    term = joined_term(parts)
    if not term:
        return
    found = poses.get(term)
    if found is None:
        poses[term] = [pos]
    elif pos not in found:
        poses[term] = sorted([*found, pos])  # a new list: text_postings shares lists between terms


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
