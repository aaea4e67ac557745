"""The operator rule: when capitalised AND/OR/NOT (and their symbols) are operators rather than words."""

from __future__ import annotations

import re

from ..analysis.marks import MARKS

#: Operator words and symbols; the words only count as operators under :func:`_operators_apply`.
_OPERATOR_WORDS = {"AND": "AND", "OR": "OR", "NOT": "NOT"}


_OPERATOR_SYMBOLS = {"&&": "AND", "||": "OR", "|": "OR"}

#: A lone "+" or "&" between words ("x + c", "Procter & Gamble") separates words; it requires nothing.
_SEPARATORS = {"+", "&"}


_OPERAND_END = ("WORD", "PHRASE", "RP")


_OPERAND_START = ("WORD", "PHRASE", "LP", "NEG")

#: A parenthesised group holding an operator word, or an operator word right beside a parenthesis.
_GROUPED_OPERATOR = re.compile(r"\([^()]*\b(?:AND|OR|NOT)\b[^()]*\)|\b(?:AND|OR|NOT)\s*\(|\)\s*(?:AND|OR|NOT)\b")



#: Punctuation of written sentences, which Boolean expressions do not use: a comma, a semicolon,
#: a question mark, or a full stop ending a word of two or more letters ("NETWORKS. THIS"; not "U.S.").
_SENTENCE_PUNCTUATION = re.compile(r"[,;?]|\w\w[.!](?:\s|$)")
#: More words than this (operator words not counted) and a query is a typed sentence.
_SENTENCE_WORDS = 12


def _is_sentence(text: str) -> bool:
    """Whether ``text`` reads as a typed sentence rather than a Boolean expression.

    True when it has sentence punctuation (``,`` ``;`` ``?``, a full stop after a
    word) or more than :data:`_SENTENCE_WORDS` words besides AND/OR/NOT.  Only
    parentheses are weighed by it: in a question pasted in capitals
    ("... WIDE AREA NETWORKS (MESH) AND LOCAL AREA NETWORKS (BUS, RING).") the
    parentheses are prose, while ``(JAPAN OR KOREA) TREATY`` stays a grouping.
    """
    if _SENTENCE_PUNCTUATION.search(text):
        return True
    # a word runs on over combining marks (a Hindi word is one, not one per vowel sign)
    words = [w for w in re.findall(rf"\w[\w{MARKS}]*", text) if w not in _OPERATOR_WORDS]
    return len(words) > _SENTENCE_WORDS


def _operators_apply(text: str, explicit: bool) -> bool:
    """Whether capitalised AND/OR/NOT may be operators in ``text``.

    A question pasted in capitals ("WHAT IS INFORMATION RETRIEVAL AND
    INDEXING") reads AND as a word; a query with a lower-case letter
    (``japan OR korea``) or explicit syntax (``"A" OR "B"``) reads it as an operator.
    """
    if explicit:
        return True
    stripped = text
    for word in _OPERATOR_WORDS:
        stripped = stripped.replace(word, " ")
    return any(ch.islower() for ch in stripped)


def _resolve_operators(tokens: list[tuple], operators: bool) -> list[tuple]:
    """Turn each ``OPWORD`` into an operator where the rule allows and it has operands, else a word."""
    out: list[tuple] = []
    for i, token in enumerate(tokens):
        if token[0] != "OPWORD":
            out.append(token)
            continue
        word = token[1]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        before_operand = following is not None and (
            following[0] in _OPERAND_START or following == ("OPWORD", "NOT"))
        after_operand = bool(out) and out[-1][0] in _OPERAND_END
        if operators and before_operand and (word == "NOT" or after_operand):
            out.append((word,))
        else:
            out.append(("WORD", word, None))
    return out
