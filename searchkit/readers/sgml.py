"""SGML news dumps: Reuters-21578 style ``.sgm`` files of ``<REUTERS>`` records.

Each record (``<REUTERS ... NEWID="11">``) holds ``<DATE>``, the category
lists ``<TOPICS>``, ``<PLACES>``, ``<PEOPLE>``, ``<ORGS>``, ``<EXCHANGES>``
(each ``<D>item</D>...``) and ``<TEXT>`` with ``<TITLE>``, ``<DATELINE>`` and
``<BODY>`` (a ``TYPE="BRIEF"`` story has a title only, a ``TYPE="UNPROC"``
one unmarked text).  The format is described in the collection's README.txt
and ``lewis.dtd``.

Decoding is per record (UTF-8, else Windows-1252, else Latin-1), so one stray
byte -- there is one in ``reut2-017.sgm`` -- costs nothing.  Character
references (``&#3;``, ``&lt;``, ``&amp;``) are decoded and the control
characters the wire format carries (``&#2;``/``&#3;`` start and end of text,
``&#5;``, ``&#22;``, ``&#31;``, ``&#127;``) removed.  The ``Reuter`` sign-off
ending most bodies is dropped.

A few records (38 in Reuters-21578) have a ``<DATELINE>`` that runs on into
the story: ``THE HAGUE, March 2 - Dutch imports of fat-`` with the body going
on ``and oil-bearing raw materials...``.  The words after the place and date's
`` - `` go back to the start of the body (:func:`split_dateline`) and the
dateline keeps the place and date.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

__all__ = ["iter_records", "parse_record", "clean_text", "split_dateline", "LIST_FIELDS", "RECORD"]

#: One record: (attributes, inside), as bytes.
RECORD = re.compile(rb"<REUTERS\b([^>]*)>(.*?)</REUTERS\s*>", re.S | re.I)
_ATTR = re.compile(r'([A-Za-z]+)\s*=\s*"([^"]*)"')
_TEXT = re.compile(r"<TEXT\b([^>]*)>(.*?)</TEXT\s*>", re.S | re.I)
_D = re.compile(r"<D>(.*?)</D>", re.S | re.I)
_NUMERIC_REF = re.compile(r"&#(\d+);?")
_NAMED_REF = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,8});")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SIGN_OFF = re.compile(r"\s*\breuter\s*$", re.I)
_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})(?:\s+(\d{1,2}):(\d{2}):(\d{2}))?")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
#: A dateline that runs on into the story: place, date (``March 2``), `` - `` and words with a letter or digit.
_RUN_ON = re.compile(rf"(.+?\b{_MONTH}\s+\d{{1,2}})\s+-+\s+(.*\w.*)", re.S | re.I)
#: The words after which a hyphen ends a word of its own (``fat- and oil-bearing``, ``Vereins- und``).
_SUSPENDED_BEFORE = {"and", "or", "nor", "und", "oder"}
#: The category lists, in the order they become tags.
LIST_FIELDS = ("topics", "places", "people", "orgs", "exchanges", "companies")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _numeric(match: re.Match[str]) -> str:
    try:
        return chr(int(match.group(1)))
    except (ValueError, OverflowError):
        return ""


def clean_text(text: str) -> str:
    """Decode SGML character references and drop control characters (tabs and newlines stay)."""
    if "&" in text:
        text = _NUMERIC_REF.sub(_numeric, text)
        text = _NAMED_REF.sub(lambda m: html.unescape(m.group(0)), text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


_ELEMENTS: dict[str, re.Pattern[str]] = {}


def _element(name: str, text: str) -> str | None:
    pattern = _ELEMENTS.get(name)
    if pattern is None:
        pattern = _ELEMENTS[name] = re.compile(rf"<{name}\b[^>]*>(.*?)</{name}\s*>", re.S | re.I)
    match = pattern.search(text)
    return match.group(1) if match else None


def _tidy(text: str | None) -> str:
    """Cleaned text with trailing spaces and surrounding blank lines removed."""
    if not text:
        return ""
    lines = [line.rstrip() for line in clean_text(text).split("\n")]
    return "\n".join(lines).strip()


def _paragraphs(text: str) -> str:
    """Wire text -> paragraphs: an indented line starts a new paragraph, wrapped lines are joined."""
    paragraphs: list[list[str]] = []
    for line in text.split("\n"):
        if not line.strip():
            if paragraphs and paragraphs[-1]:
                paragraphs.append([])
            continue
        if not paragraphs or (line[:1] in (" ", "\t") and paragraphs[-1]):
            paragraphs.append([])
        paragraphs[-1].append(line.strip())
    return "\n\n".join(" ".join(p) for p in paragraphs if p)


def _date(raw: str | None) -> str | None:
    from ..dates import normalise_date

    if not raw:
        return None
    text = clean_text(raw).strip()
    match = _DATE.search(text)
    if match:
        day, month, year, hh, mm, ss = match.groups()
        if hh is None:
            return normalise_date(f"{int(day):02d}-{month.upper()}-{year}")
        return normalise_date(f"{int(day):02d}-{month.upper()}-{year} {int(hh):02d}:{mm}:{ss}")
    return normalise_date(text)


def split_dateline(dateline: str, body: str) -> tuple[str, str]:
    """``(dateline, body)`` with the words a dateline runs on with moved to the start of the body.

    ``dateline`` is one line (spaces collapsed), ``body`` the story's text.  A
    dateline ``PLACE, Month D - words`` gives ``PLACE, Month D`` and
    ``words`` + ``body``: a word broken at its hyphen at the end of the
    dateline is joined to the body's first word (``Iraq-`` + ``Turkey``,
    ``anti-`` + ``inflation``), except before *and*/*or*/*und*/*oder*, where
    the hyphen is a word's own (``fat- and oil-bearing``); a dash after a
    space (``items -``) is followed by a space.  Any other dateline (most:
    ``PLACE, Month D -``) comes back as it is.
    """
    match = _RUN_ON.fullmatch(dateline)
    if match is None:
        return dateline, body
    place_date, words = match.group(1), match.group(2).rstrip()
    if not body:
        return place_date, words
    first = body.split(None, 1)[0].lower()
    broken_word = re.search(r"\w-$", words) is not None and first not in _SUSPENDED_BEFORE
    return place_date, words + ("" if broken_word else " ") + body


def parse_record(attrs: str, inner: str, *, reflow: bool = True) -> dict:
    """One record from its attribute string and the inside of its ``<REUTERS>`` element.

    Returns ``{"id", "title", "body", "date", "date_raw", "dateline", "topics",
    "places", ..., "attributes", "text_type"}``; ``id`` is the ``NEWID``
    attribute ("" when absent), ``date`` ISO 8601 or None, ``body`` paragraphs
    separated by blank lines (``reflow=False``: the wire's lines as they are).
    """
    attributes = dict(_ATTR.findall(attrs))
    text_match = _TEXT.search(inner)
    text_attrs = dict(_ATTR.findall(text_match.group(1))) if text_match else {}
    text = text_match.group(2) if text_match else ""
    title = _element("TITLE", text)
    dateline = _element("DATELINE", text)
    body = _element("BODY", text)
    if body is None and title is None and dateline is None:
        body = text  # TYPE="UNPROC": the text is not marked up
    date_raw = _element("DATE", inner)
    body_text = _SIGN_OFF.sub("", _tidy(body))
    dateline_text = " ".join(_tidy(dateline).split())
    if body is not None:
        dateline_text, body_text = split_dateline(dateline_text, body_text)
    record: dict = {
        "id": attributes.get("NEWID", ""),
        "title": " ".join(_tidy(title).split()),
        "body": (_paragraphs if reflow else str)(body_text),
        "date": _date(date_raw),
        "date_raw": " ".join(clean_text(date_raw).split()) if date_raw else None,
        "dateline": re.sub(r"[\s-]+$", "", dateline_text),
    }
    for name in LIST_FIELDS:
        element = _element(name.upper(), inner) or ""
        record[name] = [item for item in (clean_text(d).strip() for d in _D.findall(element)) if item] \
            if element else []
    record["attributes"] = attributes
    record["text_type"] = text_attrs.get("TYPE", "NORM")
    return record


def iter_records(raw: bytes) -> Iterator[dict]:
    """Every ``<REUTERS>`` record of an SGML file's bytes, in file order (see :func:`parse_record`)."""
    for match in RECORD.finditer(raw):
        yield parse_record(_decode(match.group(1)), _decode(match.group(2)))
