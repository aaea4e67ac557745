"""Snippets: the best window of a document's text, with the matched words marked.

Words are matched through the same analysis as the index (so ``treaty``
marks ``treaties``), but the snippet shows them as written in the article.

Cost: one C-level ``split`` of the text into words and the gaps between them
(an ASCII-only, possessive form of :data:`~searchkit.analysis.WORD_PATTERN`
when the text is ASCII: the same words, found faster), one memo-table
lookup per word (:func:`~searchkit.analysis.normalise_word` is memoized
per surface form, so nothing is re-stemmed), a linear sweep for the best
window, and the window's character offsets summed from the pieces it
spans (no second pass over the text).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate, compress, count

from . import analysis
from .analysis import WORD_PATTERN, normalise_word
from .analysis.chain import joined_term
from .analysis.cjk import NOSPACE_CHAR, NOSPACE_PARTS, has_nospace
from .analysis.words import _HYPHENS

__all__ = ["Snippet", "Marks", "make_snippet", "document_snippet", "snippet_in_title", "escape_marks", "match_spans", "MARK_OPEN", "MARK_CLOSE"]

MARK_OPEN, MARK_CLOSE = "**", "**"
_WINDOW_WORDS = 32
_SCAN_CHARS = 200_000  # bound the work on huge bodies
#: After a snippet's last word, at most this many characters of punctuation ending the text are
#: shown (``."``, ``!)``) instead of "…".
_LAST_MARKS = 8
#: A snippet longer than this many characters is cut around its first match (:func:`_capped`),
#: keeping up to ``_LEAD_CHARS`` before it.
_MAX_CHARS = 400
_LEAD_CHARS = 80
_SPACES = re.compile(r"\s+")
#: WORD_PATTERN as one capturing group: ``split`` gives gaps at even indices, words at odd ones.
_PIECES = re.compile(f"({WORD_PATTERN.pattern})", WORD_PATTERN.flags)
#: The same on ASCII text: ``\w`` is then ``[A-Za-z0-9_]`` either way, and nothing after a
#: word can give back characters (the word is the longest run), so possessive repeats find
#: the same words with less backtracking bookkeeping.
_ASCII_PIECES = re.compile(r"(\w++(?:['’.]\w++)*+)", re.ASCII)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_ESCAPE = re.compile(r"([\\*])")


def escape_marks(text: str) -> str:
    """``text`` with ``*`` and ``\\`` backslash-escaped, so that only searchkit's own
    ``**`` marks a highlight in a marked snippet (a literal ``**`` in an article
    becomes ``\\*\\*``)."""
    return _ESCAPE.sub(r"\\\1", text) if ("*" in text or "\\" in text) else text


@dataclass(frozen=True)
class Marks:
    """What to mark in a text: ``terms`` wherever they occur, and each phrase's words only where they form it.

    ``terms``: index terms (analysed) matched on their own; ``phrases``:
    ``((term, ...), slop)`` -- the terms in order, each at most ``slop`` words
    after the one before (as the phrase query matches them:
    :attr:`CompiledQuery.phrases <searchkit.query.CompiledQuery>`).  For
    ``"white house" budget``, ``budget`` is marked anywhere but ``white`` and
    ``house`` only side by side.
    """

    terms: frozenset[str] = frozenset()
    phrases: tuple[tuple[tuple[str, ...], int], ...] = ()

    def all_terms(self) -> set[str]:
        """Every term that may be marked somewhere."""
        return set(self.terms).union(*(words for words, _ in self.phrases))


@dataclass
class Snippet:
    """``parts``: (text, highlighted) pieces of plain text (no markup, no control characters).

    ``str(snippet)`` is the marked form: highlights between ``**``, a literal
    ``*`` or backslash escaped with a backslash.  ``plain`` is the text alone
    and ``highlights`` the ``[start, end)`` offsets of the highlights in it
    (Python string indices, i.e. code points).
    """

    parts: list[tuple[str, bool]]

    def __str__(self) -> str:
        return "".join(f"{MARK_OPEN}{escape_marks(text)}{MARK_CLOSE}" if hit else escape_marks(text)
                       for text, hit in self.parts)

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.parts)

    @property
    def highlights(self) -> list[tuple[int, int]]:
        spans = []
        offset = 0
        for text, hit in self.parts:
            if hit:
                spans.append((offset, offset + len(text)))
            offset += len(text)
        return spans


def make_snippet(text: str, terms: set[str] | Marks, window: int = _WINDOW_WORDS,
                 positions: dict[str, list[int]] | None = None) -> Snippet:
    """The ``window``-word stretch of ``text`` holding the most distinct ``terms``.

    ``terms`` are index terms (already analysed), marked wherever they occur,
    or :class:`Marks` (whose phrases' words are marked only where they form
    the phrase).  When none occurs the snippet is the start of the text.
    Only the first ``_SCAN_CHARS`` characters are searched.

    ``positions``: ``{term: [word positions]}`` of every one of ``terms`` in
    ``text`` as the index holds them (a body's postings: a term missing has
    none), e.g. read for ranking.  Then only the words at those positions
    are looked up, not every word; the snippet is the same.  (Not for a
    text longer than ``_SCAN_CHARS``, whose last word searched may be cut.)
    """
    if not text:
        return Snippet([])
    scanned = text[:_SCAN_CHARS]
    ascii_text = scanned.isascii()
    phrases, lone = (), frozenset()
    if isinstance(terms, Marks):
        phrases, lone, terms = terms.phrases, terms.terms, terms.all_terms()
    at = None
    split_words = 0  # all
    if positions is not None and terms and len(text) <= _SCAN_CHARS and (ascii_text or not has_nospace(scanned)):
        # Every word takes one index position (none is a run of a script without spaces):
        # the words at the terms' positions are the only ones that can be hits, and the
        # words after the last of them and its window need not be split out.
        at = sorted({p for term in terms for p in positions.get(term, ())})
        split_words = (at[-1] if at else 0) + window + 1
    pieces = (_ASCII_PIECES if ascii_text else _PIECES).split(scanned, split_words)
    words = pieces[1::2]
    if not words:
        return Snippet([(_clip(text, 240), False)])
    if at and at[-1] >= len(words):
        at = [p for p in at if p < len(words)]
    hits, hit_terms, inner = _marked(words, lambda: pieces[0::2], scanned, terms, lone, phrases, at) \
        if terms else ([], [], {})
    best_start = 0
    if hits:
        # For each match as anchor, the window [anchor - lead, anchor - lead + window)
        # (three words before it, fewer in a window of under four words, which must hold it):
        # the one with the most distinct terms (then the most matches) wins,
        # the earliest on ties.  Windows only move right: a sliding count.
        lead = max(0, min(3, window - 1))
        best_key = (-1, -1)
        counts: dict[str, int] = {}
        lo = hi = 0
        for anchor in hits:
            first = max(0, anchor - lead)  # a little context before the first match
            last = first + window
            while hi < len(hits) and hits[hi] < last:
                counts[hit_terms[hi]] = counts.get(hit_terms[hi], 0) + 1
                hi += 1
            while hits[lo] < first:
                term = hit_terms[lo]
                counts[term] -= 1
                if not counts[term]:
                    del counts[term]
                lo += 1
            key = (len(counts), hi - lo)
            if key > best_key:
                best_key, best_start = key, first
        # a window running past the last word starts earlier: a short text is shown whole, and a
        # match near the end gets more of what comes before it (the same matches in the window)
        best_start = max(0, min(best_start, len(words) - window))
    end_word = min(len(words), best_start + window)
    # word i is pieces[2 * i + 1]: the window's offsets from the lengths of the pieces before it;
    # bounds[2 * j] and bounds[2 * j + 1] are where the window's word j starts and ends
    first_piece = 2 * best_start + 1
    offset = sum(map(len, pieces[:first_piece]))
    char_start = offset if best_start > 0 else 0
    bounds = list(accumulate(map(len, pieces[first_piece:2 * end_word]), initial=offset))
    char_end = bounds[-1]
    parts: list[tuple[str, bool]] = []
    if char_start > 0:
        parts.append(("…", False))
    cursor = char_start
    for i in hits:
        if i < best_start:
            continue
        if i >= end_word:
            break
        start, end = bounds[2 * (i - best_start)], bounds[2 * (i - best_start) + 1]
        for a, b in inner.get(i) or ((0, end - start),):
            if start + a > cursor:
                parts.append((_flatten(scanned[cursor:start + a]), False))
            word = scanned[start + a:start + b]
            parts.append((word if word.isprintable() else _CONTROL.sub("", word), True))
            cursor = start + b
    # after the window: words, the part of a long text not searched, or only closing punctuation
    at_end = end_word == len(words) and len(text) <= _SCAN_CHARS
    rest = text[char_end:].rstrip() if at_end else "…"
    if at_end and rest and len(rest) <= _LAST_MARKS and not WORD_PATTERN.search(rest):
        char_end += len(rest)  # only the final full stop (or "!", "。", "।", a closing quote) is left
        rest = ""
    if char_end > cursor:
        parts.append((_flatten(scanned[cursor:char_end]), False))
    if rest:
        parts.append(("…", False))
    return Snippet(_merge(_capped(parts)))


def document_snippet(stored, marks: set[str] | Marks | dict[str, Marks],
                     body_positions: dict[str, list[int]] | None = None) -> Snippet:
    """The snippet of a stored document (a mapping of field names to values): of its body, or of its
    title when it has no body text.

    ``marks``: what to mark, as for :func:`make_snippet`, or per field,
    ``{"body": Marks, "title": Marks}`` (:attr:`CompiledQuery.snippet_marks
    <searchkit.query.CompiledQuery>`): then a title-only document marks
    what was searched in titles.  ``body_positions``: the body's
    ``positions`` for :func:`make_snippet`, if known.
    """
    body = stored.get("body")
    if body:
        if isinstance(marks, dict):
            marks = marks.get("body") or Marks()
        return make_snippet(body, marks, positions=body_positions)
    if isinstance(marks, dict):
        marks = marks.get("title") or Marks()
    return make_snippet(stored.get("title") or "", marks)


def _marked(words: list[str], gaps: Callable[[], list[str]], text: str, terms: set[str],
            lone: frozenset[str], phrases: tuple, at: list[int] | None = None
            ) -> tuple[list[int], list[str], dict[int, list[tuple[int, int]]]]:
    """The words of ``text`` to mark: their positions in ``words`` (ascending), their terms, and for
    a run of a script without spaces the spans in it (the query's characters, not the run).

    ``terms``: every term that may be marked, ``lone``/``phrases`` as in :class:`Marks` (no
    phrases: every term is marked anywhere); ``gaps()``: the text before each word and after
    the last; ``at``: the only positions that may be hits (:func:`_hits`).
    """
    inner: dict[int, list[tuple[int, int]]] = {}
    run_terms = lone if phrases else terms  # in a run, a phrase's words could not be placed
    if at is None and not text.isascii() and has_nospace(text):
        hits, hit_terms, inner = _nospace_hits(words, terms, text, run_terms)
    else:
        hits, hit_terms = _hits(words, terms, text, at)
    if any(hyphen in text for hyphen in _HYPHENS):
        hits, hit_terms = _joined_hits(hits, hit_terms, words, gaps(), run_terms)
    if phrases and hits:
        hits, hit_terms = _phrase_hits(hits, hit_terms, lone, phrases)
    return hits, hit_terms, inner


def _hits(words: list[str], terms: set[str], scanned: str,
          at: list[int] | None = None) -> tuple[list[int], list[str]]:
    """The positions in ``words`` (ascending) of the words whose index term is in ``terms``, and those terms.

    A word's term is its first in :func:`~searchkit.analysis.word_terms`,
    or, for a word with an apostrophe whose term is not wanted, a later one
    that is (``l'Élysée``: ``elyse``, ``Ankara'da``: ``ankara``).  ``scanned``:
    the text ``words`` come from (apostrophes are looked for in a word only
    when it has one).  ``at``: ascending positions, the only words that may
    be hits (the rest are not looked at).
    """
    memo = analysis._cache.get
    # A word's term starts with the word's first letter, lower-cased (the
    # stemmer only cuts and rewrites endings): an ASCII word whose first
    # letter starts no query term need not be analysed (a cold process
    # would look every word of ten articles up in the stem table).
    initials = {term[:1] for term in terms}
    marks = "'" in scanned or "’" in scanned  # no apostrophe in the text: no word has one
    hits: list[int] = []
    hit_terms: list[str] = []
    for i, word in enumerate(words) if at is None else zip(at, map(words.__getitem__, at)):
        term = memo(word)
        if term in terms:
            hits.append(i)
            hit_terms.append(term)
            continue
        clitic = marks and ("'" in word or "’" in word)  # "l'Élysée" is also "elysee", "Ankara'da" "ankara"
        if term is None:
            first = word[0]
            if first.isascii() and first.lower() not in initials and not clitic:
                continue
            term = normalise_word(word)
        elif not clitic:
            continue  # memoized, not wanted, no other term
        if clitic and term not in terms:
            term = next((t for t in analysis.word_terms(word)[0][1:] if t in terms), term)
        if term in terms:
            hits.append(i)
            hit_terms.append(term)
    return hits, hit_terms


def _joined_hits(hits: list[int], hit_terms: list[str], words: list[str], gaps: list[str],
                 terms: set[str]) -> tuple[list[int], list[str]]:
    """``hits``/``hit_terms`` (see :func:`_hits`) with the parts of each hyphenated word whose
    joined form is in ``terms`` (``email`` marks ``e-mail``), as the index adds that form:
    parts joined by single hyphens (:func:`~searchkit.analysis.chain.joined_term`).  ``gaps``: the text before each word
    and after the last (gap ``k`` is between words ``k - 1`` and ``k``)."""
    links = list(compress(count(), map(_HYPHENS.__contains__, gaps)))  # gaps that are one hyphen
    chains: list[list[int]] = []
    for gap in links:
        if 0 < gap < len(words):
            if chains and chains[-1][-1] == gap - 1:
                chains[-1].append(gap)
            else:
                chains.append([gap - 1, gap])
    extra = {}
    for chain in chains:
        joined = joined_term([words[i] for i in chain])
        if joined and joined in terms:
            extra.update((i, joined) for i in chain)
    if not extra:
        return hits, hit_terms
    pairs = dict(zip(hits, hit_terms))
    for i, term in extra.items():
        pairs.setdefault(i, term)
    ordered = sorted(pairs)
    return ordered, [pairs[i] for i in ordered]


def _nospace_hits(words: list[str], terms: set[str], scanned: str,
                  run_terms: set[str]) -> tuple[list[int], list[str], dict[int, list[tuple[int, int]]]]:
    """:func:`_hits` for a text holding a script without spaces, and, for each word holding a run
    of it that is a hit, the spans to mark in it (:func:`_nospace_spans` of ``run_terms``): the
    query's characters, not the whole run."""
    runs = set(filter(NOSPACE_CHAR.search, set(words)))  # the distinct words holding such a run
    hits, hit_terms = _hits(words, terms, scanned)
    pairs = [(i, term) for i, term in zip(hits, hit_terms) if words[i] not in runs]
    seen: set[str] = set()
    spans_of = {word: _nospace_spans(word, run_terms, seen) for word in runs}
    unseen = {term for term in run_terms if len(term) > 2 and term not in seen and not term.isascii()
              and has_nospace(term)}
    if unseen:
        pieces = _across_runs(words, unseen)
        if pieces:
            run_terms = set(run_terms) | pieces
            spans_of = {word: _nospace_spans(word, run_terms) for word in runs}
    inner: dict[int, list[tuple[int, int]]] = {}
    for i in compress(count(), map(runs.__contains__, words)):
        spans = spans_of[words[i]]
        if spans:
            pairs.append((i, spans[0][2]))
            inner[i] = [(a, b) for a, b, _ in spans]
    pairs.sort()
    return [i for i, _ in pairs], [term for _, term in pairs], inner


def _across_runs(words: list[str], unseen: set[str]) -> set[str]:
    """The pieces to mark of query words (folded, as :func:`_nospace_spans` takes them) found in no
    run whole but across two neighbouring ones, as the phrase of their bigrams matches them
    (``東京都`` in ``東京 京都``: the end of one run, ``東京``, and the start of the next, ``京都``)."""
    pieces: set[str] = set()
    for first, second in zip(words, words[1:]):
        tail, head = NOSPACE_PARTS.findall(first)[-1], NOSPACE_PARTS.findall(second)[0]
        if not (NOSPACE_CHAR.match(tail) and NOSPACE_CHAR.match(head)):
            continue
        tail, head = analysis.fold(tail), analysis.fold(head)
        for term in unseen:
            for cut in range(2, len(term)):  # the first run ends with term[:cut], the next starts with term[cut - 1:]
                if tail.endswith(term[:cut]) and head.startswith(term[cut - 1:]):
                    pieces.update((term[:cut], term[cut - 1:]))
    return pieces


#: A character of a script without spaces -> its folded characters (the run's folding, one at a time).
_FOLDED: dict[str, str] = {}
#: Runs whose characters each fold to one character: ideographs and full-width kana.  (A Thai run can
#: fold to as many characters as it has and still be out of step: ``ำ`` gives two, a tone mark none.)
_ONE_FOR_ONE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]*")


def _folded_chars(text: str) -> list[tuple[int, str]]:
    """``(index in text, folded character)`` of each character ``text`` folds to, in order: a run
    as :func:`~searchkit.analysis.fold` folds it (``ำ`` gives two, a dropped mark none)."""
    if _ONE_FOR_ONE.fullmatch(text) and len(folded := analysis.fold(text)) == len(text):
        return list(enumerate(folded))  # one for one: ideographs and kana (not Thai, whose marks fold to none)
    out = []
    for k, char in enumerate(text):
        found = _FOLDED.get(char)
        if found is None:
            found = _FOLDED[char] = analysis.fold(char)
        out.extend((k, ch) for ch in found)
    return out


def _after_marks(text: str, end: int) -> int:
    """``end`` moved past the combining marks that follow it in ``text`` (a Thai tone mark the
    folding dropped belongs to the character before it: a mark must not be cut from its letter)."""
    while end < len(text) and unicodedata.category(text[end])[0] == "M":
        end += 1
    return end


def _nospace_spans(word: str, terms: set[str], seen: set[str] | None = None) -> list[tuple[int, int, str]]:
    """``(start, end, term)`` in ``word`` (one :data:`WORD_PATTERN` match holding a script without
    spaces) of each part whose index term is in ``terms``, as the index reads it
    (:func:`~searchkit.analysis.cjk.nospace_terms`): two adjacent characters forming a wanted
    bigram (``金利`` in ``金利上昇``) or the longer sequence a query word spells, a run of one
    character that is wanted, or a word of digits or letters beside them; with the combining
    marks after them.  Overlapping spans are joined.  ``seen`` collects the terms found."""
    found: list[tuple[int, int, str]] = []
    # bigrams, and the query words they spell (:func:`~searchkit.query.compiler.nospace_chains`)
    sequences = [term for term in terms if len(term) == 2 or len(term) > 2 and not term.isascii() and has_nospace(term)]
    for part in NOSPACE_PARTS.finditer(word):
        text, base = part.group(), part.start()
        if NOSPACE_CHAR.match(text):
            chars = _folded_chars(text)
            if len(chars) == 1:
                if chars[0][1] in terms:
                    found.append((base, base + _after_marks(text, len(text)), chars[0][1]))
                continue
            folded = "".join(ch for _, ch in chars)
            for term in sequences:
                at = folded.find(term)
                while at >= 0:
                    end = _after_marks(text, chars[at + len(term) - 1][0] + 1)
                    found.append((base + chars[at][0], base + end, term))
                    at = folded.find(term, at + 1)
        else:
            stripped = text.strip("'’.")
            if stripped:
                term = next((t for t in analysis.word_terms(stripped)[0] if t in terms), None)
                if term is not None:
                    lead = base + len(text) - len(text.lstrip("'’."))
                    found.append((lead, lead + len(stripped), term))
    if seen is not None:
        seen.update(term for _, _, term in found)
    joined: list[tuple[int, int, str]] = []
    for start, end, term in sorted(found):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]), joined[-1][2])
        else:
            joined.append((start, end, term))
    return joined


def _phrase_hits(hits: list[int], hit_terms: list[str], lone: frozenset[str],
                 phrases: tuple[tuple[tuple[str, ...], int], ...]) -> tuple[list[int], list[str]]:
    """The hits (ascending word positions, and their terms) whose term is in ``lone`` or that are
    a word of some occurrence of one of ``phrases`` (see :class:`Marks`).

    An occurrence of ``((t0, ..., tn), slop)``: positions ``p0 < ... < pn``
    holding those terms, each at most ``slop`` after the one before.  The
    positions on some occurrence are found in two sweeps: forward, those a
    chain from a ``t0`` reaches; backward, those of them from which a chain
    reaches a ``tn`` (linear in the hits, whatever the repeats).
    """
    where: dict[str, list[int]] = {}
    for i, term in zip(hits, hit_terms):
        where.setdefault(term, []).append(i)
    kept: set[int] = set()
    for words, slop in phrases:
        if any(word not in where for word in words):
            continue
        reached = [where[words[0]]]
        for word in words[1:]:
            before = reached[-1]
            reached.append([q for q in where[word]
                            if (at := bisect_left(before, q - slop)) < len(before) and before[at] < q])
            if not reached[-1]:
                break
        else:
            onward = reached[-1]
            kept.update(onward)
            for k in range(len(words) - 2, -1, -1):
                onward = [p for p in reached[k] if (at := bisect_right(onward, p)) < len(onward) and onward[at] <= p + slop]
                kept.update(onward)
    pairs = [(i, term) for i, term in zip(hits, hit_terms) if term in lone or i in kept]
    return [i for i, _ in pairs], [term for _, term in pairs]


def snippet_in_title(title: str | None, text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]] | None:
    """When a snippet (its plain ``text``, highlight ``spans`` in it) is a stretch of ``title`` -- the
    snippet of a story without a body --, ``(title, spans)``: the title with its spaces flattened
    as a snippet's are and the highlights moved onto it, so that it is shown once; else None."""
    if not title or not text:
        return None
    flat = " ".join(_CONTROL.sub("", title).split())
    lead = 1 if text.startswith("…") else 0
    core = text[lead:-1] if text.endswith("…") else text[lead:]
    lead += len(core) - len(core.lstrip())
    core = core.strip()
    at = flat.find(core) if core else -1
    if at < 0:
        return None
    return flat, [(a - lead + at, b - lead + at) for a, b in spans if a >= lead and b - lead <= len(core)]


def _flatten(text: str) -> str:
    if text.isprintable() and "  " not in text:
        return text  # no control character, no space but single ASCII ones: nothing to do
    return _SPACES.sub(" ", _CONTROL.sub("", text))


def _clip(text: str, limit: int) -> str:
    text = " ".join(_CONTROL.sub("", text).split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _capped(parts: list[tuple[str, bool]], limit: int = _MAX_CHARS) -> list[tuple[str, bool]]:
    """``parts`` cut to about ``limit`` characters around the first match, when longer: a window
    of 32 "words" of a script without spaces (a Chinese sentence, a Thai clause each) can run to
    thousands of characters.  Cuts fall at a space when one is near, never before a combining
    mark; "…" marks each cut."""
    total = sum(len(text) for text, _ in parts)
    if total <= limit:
        return parts
    starts = list(accumulate((len(text) for text, _ in parts), initial=0))
    whole = "".join(text for text, _ in parts)
    anchor = next((start for start, (_, hit) in zip(starts, parts) if hit), 0)
    low = max(0, anchor - _LEAD_CHARS)
    high = min(total, low + limit)
    if low > 0:
        space = whole.find(" ", low, min(low + 20, anchor))
        low = space + 1 if space >= 0 else low
        while low < anchor and unicodedata.category(whole[low])[0] == "M":
            low += 1
    if high < total:
        space = whole.rfind(" ", max(high - 20, anchor + 1), high)
        high = space if space >= 0 else high
        while high < total and unicodedata.category(whole[high])[0] == "M":
            high += 1
    for start, (text, hit) in zip(starts, parts):  # a match is not cut in two (unless itself very long)
        if hit and start < high < start + len(text) <= high + _LEAD_CHARS // 2:
            high = start + len(text)
    out: list[tuple[str, bool]] = [("…", False)] if low > 0 else []
    for start, (text, hit) in zip(starts, parts):
        end = start + len(text)
        if end > low and start < high:
            out.append((text[max(low, start) - start:min(high, end) - start], hit))
    if high < total:
        out.append(("…", False))
    return out


def _merge(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    merged: list[tuple[str, bool]] = []
    for text, hit in parts:
        if not text:
            continue
        if merged and merged[-1][1] == hit and not hit:
            merged[-1] = (merged[-1][0] + text, hit)
        else:
            merged.append((text, hit))
    return merged


def match_spans(text: str, terms: set[str] | Marks) -> list[tuple[int, int]]:
    """Character spans ``[(start, end)]`` of every word of ``text`` whose index term is in ``terms``.

    ``terms`` are index terms (analysed, as :attr:`CompiledQuery.terms
    <searchkit.query.CompiledQuery>`), or :class:`Marks` (a phrase's words
    only where they form it, as :attr:`CompiledQuery.marks`); words are
    matched as snippets match them.  Spans are in order and do not overlap.
    """
    phrases, lone = (), frozenset()
    if isinstance(terms, Marks):
        phrases, lone, terms = terms.phrases, terms.terms, terms.all_terms()
    if not text or not terms:
        return []
    matches = list(WORD_PATTERN.finditer(text))
    words = [match.group() for match in matches]
    starts, ends = [m.start() for m in matches] + [len(text)], [0] + [m.end() for m in matches]
    hits, _, inner = _marked(words, lambda: [text[a:b] for a, b in zip(ends, starts)], text, terms,
                             lone, phrases)  # as a snippet marks them
    spans = []
    for i in hits:
        start, end = matches[i].span()
        spans.extend((start + a, start + b) for a, b in inner.get(i) or ((0, end - start),))
    return spans
