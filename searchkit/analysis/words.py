"""Words: the tokenizer's pattern, case/accent/letter folding, and each word's index terms.

Each word goes through: Unicode NFKC, case folding, accent folding,
possessive removal (``Japan's`` -> ``japan``), stopwords (kept as they are)
and NLTK's Snowball stemmer (:mod:`.stemming`).  The whole chain is memoized
per surface form, so a word already seen costs one dict lookup: news
vocabularies are small compared with their token counts, and stemming every
token afresh is the classic indexing bottleneck.
"""

from __future__ import annotations

import re
import unicodedata

from .cjk import has_nospace, nospace_terms
from .marks import MARKS
from .stemming import CACHE_LIMIT as _CACHE_LIMIT, _stem, stopwords

__all__ = ["WORD_PATTERN", "EXACT_MARK", "fold", "word_terms", "normalise_word", "is_stopword"]

#: Words: letters/digits and the combining marks after them (:mod:`.marks`: ``น้ำมัน``, ``नीति``,
#: ``كَتَبَ``), joined by inner apostrophes or dots (``U.S``, ``15.8m``, ``don't``).  A word holding
#: a script without spaces (``金利3.5``) is split further by :func:`word_terms`.  (Possessive
#: quantifiers: the same matches as ``\w+(?:['’.]\w+)*`` on text without marks, as fast.)
WORD_PATTERN = re.compile(rf"\w[\w{MARKS}]*+(?:['’.]\w[\w{MARKS}]*+)*+", re.UNICODE)
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
#: ASCIIFoldingFilter does (after case folding, so lower case only), and the
#: spelling variants of Arabic and Hindi that Lucene's normalizers fold.
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
    # Arabic as Lucene's ArabicNormalizer writes it (after Larkey et al., "Light stemming for
    # Arabic information retrieval", 2002): tatweel (elongation) dropped, alef maksura as yeh,
    # teh marbuta as heh (the diacritics and the hamza or madda on an alef go with the marks)
    "\u0640": "", "\u0649": "\u064a", "\u0629": "\u0647",
    # Hindi as Lucene's HindiNormalizer writes it: chandrabindu as anusvara (the nukta goes with the marks)
    "\u0901": "\u0902",
    # presentation only: variation selectors (a glyph's variant: 葛 + U+E0100, the emoji form of 5)
    # and enclosing marks (the keycap of 5️⃣): the letter or digit is the word
    **{chr(code): "" for code in (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0), 0x180B, 0x180C, 0x180D, 0x180F,
                                 0x0488, 0x0489, 0x1ABE, *range(0x20DD, 0x20E1), *range(0x20E2, 0x20E5),
                                 0xA670, 0xA671, 0xA672)},
})

_POSSESSIVE = re.compile(r"['’]s$")
_MAX_WORD = 100  # longer "words" (base64, URLs gone wrong) are not indexed

# surface form -> term (str), or "" for a stopword/unindexable word
_cache: dict[str, str] = {}


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
    if has_nospace(surface):
        # runs of a script without spaces as bigrams, the digits or Latin letters beside them as words
        result = nospace_terms(surface, fold, word_terms, _MAX_WORD)
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
    if len(surface) <= _MAX_WORD:  # a long run of a script without spaces is text, seldom seen twice:
        if len(_terms_cache) >= _CACHE_LIMIT:  # kept, its bigrams took ~130 bytes a character
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
    if len(surface) <= _MAX_WORD:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[surface] = term
    return term


def is_stopword(term: str) -> bool:
    """Whether ``term`` is a stopword's term (kept in the index, left out of plain-word scoring)."""
    return term in stopwords()

