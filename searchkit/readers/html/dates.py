"""The publication date: JSON-LD, date metas, a ``<time>`` of the article, a small date
box of the article, the URL -- never a reader comment's or a sidebar's date."""

from __future__ import annotations

import re
from typing import Iterable

from bs4 import Tag

from searchkit.dates import normalise_date

from .boilerplate import _off_story
from .meta import _DATE_META
from .tree import _attr, _box_text, _short_text, _tags

def _time_element_date(root, times: Iterable[Tag]) -> str | None:
    best = None
    for el in times:
        value = el.get("datetime") or el.get("content")
        if not value or _off_story(el):
            continue
        date = normalise_date(value)
        if not date:
            continue
        marks = " ".join(filter(None, (el.get("itemprop"), _attr(el, "class"), el.get("pubdate"),
                                       el.get("id")))).lower()
        if "publish" in marks or "pubdate" in marks or el.get("pubdate") is not None:
            return date
        if best is None and "modif" not in marks and "updat" not in marks:
            best = date
    if best:
        return best
    for el in root.find_all(itemprop=_DATE_PUBLISHED):
        value = el.get("content") or el.get("datetime") or _box_text(el)
        date = normalise_date(value)
        if date:
            return date
    return None


_DATE_PUBLISHED = re.compile(r"^datepublished$", re.IGNORECASE)
_DATE_META_NAME = re.compile(r"(?:pub|post|creat|release|issue|first).{0,12}date|date.{0,12}(?:pub|post|creat|issue)")
_MODIFIED_NAME = re.compile(r"modif|updat|expir|revis")
_MONTHS = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?")
_DATE_TEXT = re.compile(
    r"\b(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|"
    + _MONTHS + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTHS
    + r",?\s+\d{4}|\d{8}|\d{4}-\d{2}-\d{2}T)",
    re.IGNORECASE,
)
_DATE_CLASS = re.compile(r"date|time|publish|posted|dateline|byline|entry-meta|post-meta|article-meta",
                         re.IGNORECASE)
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|-|\b)")


def _visible_date(body: Tag) -> str | None:
    """A date written in a small box whose class/id says date/time/published/byline."""
    for el in _tags(body):
        marks = " ".join(filter(None, (_attr(el, "class"), _attr(el, "id"))))
        if not marks or not _DATE_CLASS.search(marks) or _MODIFIED_NAME.search(marks.lower()):
            continue
        if _off_story(el):
            continue
        text = _short_text(el, 120)
        if not text:
            continue
        match = _DATE_TEXT.search(text)
        if not match:
            continue
        # Parse from the date onwards (a trailing time is welcome, a leading "Updated" is not).
        if re.search(r"updated|modified", text[:match.start()], re.IGNORECASE):
            continue
        date = normalise_date(text[match.start():match.start() + 40].strip(" ,|")) or \
            normalise_date(match.group(0))
        if date:
            return date
    return None


def _meta_date(metas: dict[str, list[str]]) -> str | None:
    """The first date of the known date metas, else of a meta whose name says published."""
    for name in _DATE_META:
        for value in metas.get(name, ()):
            date = normalise_date(value)
            if date:
                return date
    for name, values in metas.items():
        if _DATE_META_NAME.search(name) and not _MODIFIED_NAME.search(name):
            for value in values:
                date = normalise_date(value) if _DATE_TEXT.search(value) else None
                if date:
                    return date
    return None


def _page_date(ld: dict, metas: dict[str, list[str]], root, times: list[Tag], body_el: Tag | None,
               deep: bool, url: str | None) -> str | None:
    date = ld.get("date") or _meta_date(metas) or _time_element_date(root, times)
    if not date and not deep and body_el is not None:
        date = _visible_date(body_el)
    if not date and url:
        match = _URL_DATE.search(url)
        if match:
            date = normalise_date("-".join(match.groups()))
    return date
