"""The author: JSON-LD, author metas, else an ``itemprop``/``rel=author`` element or a
byline box of the article -- never a commenter, and never a date read as a name."""

from __future__ import annotations

import re
from itertools import islice

from bs4 import Tag

from .boilerplate import _off_story
from .dates import _DATE_TEXT, _MONTHS
from .meta import _AUTHOR_META
from .tree import _BOX_NODES, _attr, _box_text, _clean, _lead_text, _parent, _short_text, _tags

_BYLINE_CLASS = re.compile(r"byline|\bbyl\b|author|writer|reporter", re.IGNORECASE)
_BYLINE_SKIP = re.compile(r"comment|avatar|bio|image|img|photo|url|link|social|follow|date|time",
                          re.IGNORECASE)


def _byline_name(text: str) -> str | None:
    text = _clean(text)
    text = re.sub(r"^(?:written |posted |reported )?by\s*:?\s+", "", text, flags=re.IGNORECASE)
    text = re.split(r"\s+(?:\||—|–|-|on|updated|published|posted)\s+|\s*,\s*(?=\w+\s+\d)|\s*\(",
                    text, maxsplit=1, flags=re.IGNORECASE)[0]
    text = text.strip(" ,;:|-")
    if not text or len(text) > 60 or _DATE_TEXT.search(text) or "@" in text or "://" in text:
        return None
    if _DATE_WORDS.search(text):  # "Monday August 27", "Aug 27", "27 August": a date, not a name
        return None
    if len(text.split()) > 6 or not re.search(r"[^\W\d_]", text):
        return None
    return text


_DATE_WORDS = re.compile(
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b" + _MONTHS + r"\s+\d{1,2}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+"
    + _MONTHS + r"(?!\w)|\b(?:today|yesterday|ago)\b|\d{1,2}:\d{2}",
    re.IGNORECASE,
)


def _in_comments(el) -> bool:
    if _off_story(el):
        return True
    for _ in range(12):
        el = _parent(el)
        if el is None:
            return False
        marks = " ".join(filter(None, (_attr(el, "class"), _attr(el, "id"))))
        if marks and re.search(r"comment|respond|reply", marks, re.IGNORECASE):
            return True
    return False


def _dom_author(body: Tag) -> str | None:
    for el in _tags(body):
        itemprop = (el.get("itemprop") or "").lower()
        rel = (_attr(el, "rel") or "").lower()
        if itemprop == "author" or rel == "author":
            if _in_comments(el):
                continue
            name = None
            for sub in islice(_tags(el), _BOX_NODES):
                if (sub.get("itemprop") or "").lower() == "name":
                    name = sub.get("content") or _box_text(sub)
                    break
            name = _byline_name(name or el.get("content") or _box_text(el))
            if name:
                return name
    # Boxes whose class/id says byline/author: the first short name-like text.
    for el in _tags(body):
        marks = " ".join(filter(None, (_attr(el, "class"), _attr(el, "id"))))
        if not marks or not _BYLINE_CLASS.search(marks) or _BYLINE_SKIP.search(marks):
            continue
        if el.name in ("input", "label", "textarea", "form", "img") or _in_comments(el):
            continue
        lead = _lead_text(el)
        if el.name == "a" and not lead:
            continue
        own = _clean(lead)
        text = own if own and len(own) > 3 else _short_text(el, 150)
        if not text or len(text) > 150:
            continue
        name = _byline_name(text)
        if name:
            return name
    return None


def _page_author(ld: dict, metas: dict[str, list[str]], body_root: Tag, deep: bool) -> str | None:
    author = ld.get("author")
    if not author:
        for name in _AUTHOR_META:
            for value in metas.get(name, ()):
                value = _clean(value)
                if value and not value.startswith(("http://", "https://", "@")) and len(value) < 150:
                    author = value
                    break
            if author:
                break
    if not author and not deep:
        author = _dom_author(body_root)
    if author:
        author = re.sub(r"^by\s*:?\s+", "", author, flags=re.IGNORECASE).strip() or None
    return author
