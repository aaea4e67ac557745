"""The lexer: query text to tokens (words, phrases, fields, parentheses, operators)."""

from __future__ import annotations

from .operators import (
    _GROUPED_OPERATOR,
    _OPERATOR_SYMBOLS,
    _OPERATOR_WORDS,
    _SEPARATORS,
    _is_sentence,
    _operators_apply,
    _resolve_operators,
)
from .syntax import _ALL_FIELDS, _FIELD_TOKEN, _SPECIAL, _SUFFIXES, _split_suffix, _suffix_modifiers


def _suffix_after(text: str, pos: int) -> tuple[int, dict]:
    """Lucene's ``~N``/``^N`` suffixes right after a phrase or a group at ``pos``: where they end, and what they give.

    Only a suffix that ends the token (followed by a space, a parenthesis, a
    quote or the end) counts; otherwise ``pos`` and ``{}``.
    """
    match = _SUFFIXES.match(text, pos)
    if match and (match.end() == len(text) or text[match.end()].isspace() or text[match.end()] in _SPECIAL):
        return match.end(), _suffix_modifiers(match.group())
    return pos, {}


def _lex(text: str) -> list[tuple]:
    """Tokens of ``text``: ``WORD``, ``PHRASE``, ``LP``, ``RP``, ``NEG``, ``AND``, ``OR``, ``NOT``.

    ``("WORD", text, field, modifiers)``, ``("PHRASE", text, field, modifiers)``:
    ``field`` is None or a known field name, ``modifiers`` what Lucene's
    suffixes gave (``{"boost": 2.0}`` for ``oil^2``, ``{"slop": 3}`` for
    ``"oil prices"~3``; see :func:`~.syntax._split_suffix`); the suffix never
    stays in the text.  ``("LP", field)``: ``field:(`` opens a group whose
    words take that field; a suffix after ``)`` is dropped.

    The operator rule (see :func:`_operators_apply`): ``AND``/``OR``/``NOT``
    written in capitals are operators only when the query also has a
    lower-case letter or explicit syntax (quotes, ``field:``, ``-word``,
    ``word*``, ``&&``, ``||``, or parentheses around or beside an operator
    word: other parentheses, and all parentheses of a typed sentence (see
    :func:`_is_sentence`), are prose), and only where they have operands
    (``AND``/``OR`` between two, ``NOT`` before one); otherwise they are
    words.  ``-`` excludes only at the start of a word (after a space, a
    parenthesis or the start of the query).
    """
    text = "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in text)
    tokens: list[tuple] = []
    explicit = False  # explicit syntax seen: capitalised operator words are operators
    pos, n = 0, len(text)
    while pos < n:
        ch = text[pos]
        if ch.isspace():
            pos += 1
        elif ch == "(":
            tokens.append(("LP",))
            pos += 1
        elif ch == ")":
            tokens.append(("RP",))
            pos, _ = _suffix_after(text, pos + 1)  # "(a b)^2": a group's boost is not kept
        elif ch == '"':
            pos_start = pos
            end = text.find('"', pos + 1)
            if end == -1:  # unbalanced quote: the rest is plain words
                text = text[:pos] + " " + text[pos + 1:]
                continue
            pos, modifiers = _suffix_after(text, end + 1)
            tokens.append(("PHRASE", text[pos_start + 1:end], None, modifiers))
            explicit = True
        elif (ch == "-" and pos + 1 < n and not text[pos + 1].isspace() and text[pos + 1] != "-"
              and (pos == 0 or text[pos - 1].isspace() or text[pos - 1] == "(")):
            tokens.append(("NEG",))
            explicit = True
            pos += 1
        else:
            end = pos
            while end < n and not text[end].isspace() and text[end] not in _SPECIAL:
                end += 1
            if end == pos:  # a "-" that excludes nothing, or one glued after a quote
                end += 1
            word = text[pos:end]
            pos = end
            modifiers: dict = {}
            if word not in _OPERATOR_WORDS and word not in _OPERATOR_SYMBOLS:
                word, modifiers = _split_suffix(word)  # "opec~2", "oil^2": the word, not "opec 2"
            if word in _OPERATOR_WORDS:
                tokens.append(("OPWORD", word))
            elif word in _OPERATOR_SYMBOLS:
                tokens.append((_OPERATOR_SYMBOLS[word],))
                explicit = True
            elif word in _SEPARATORS:
                continue
            else:
                match = _FIELD_TOKEN.match(word)
                name = match.group(1).lower() if match else None
                if match and name in _ALL_FIELDS:
                    explicit = True
                    rest = match.group(2)
                    if rest:
                        tokens.append(("WORD", rest, name, modifiers))
                    elif pos < n and text[pos] == '"':
                        end = text.find('"', pos + 1)
                        if end != -1:
                            phrase = text[pos + 1:end]
                            pos, modifiers = _suffix_after(text, end + 1)
                            tokens.append(("PHRASE", phrase, name, modifiers))
                    elif pos < n and text[pos] == "(":
                        tokens.append(("LP", name))  # "title:(opec OR oil)": the field of every word inside
                        pos += 1
                    # "field:" with nothing usable after it is dropped
                else:  # "unknown:field", "10:30": plain words
                    if word.endswith("*") and len(word) > 1:
                        explicit = True
                    tokens.extend(("WORD", part, None, modifiers) for part in word.lstrip("+").split(":") if part)
    if not explicit and ("(" in text or ")" in text):
        # Parentheses are prose punctuation too ("LIBRARIES (ANY TYPE) AND ..."): they count
        # as syntax only around, or right beside, an operator word, and not in a typed sentence.
        explicit = bool(_GROUPED_OPERATOR.search(text)) and not _is_sentence(text)
    return _resolve_operators(tokens, _operators_apply(text, explicit))
