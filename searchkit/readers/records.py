"""JSON and JSON Lines records: field aliases and value clean-up."""

from __future__ import annotations

import re
from typing import Any

from ..dates import normalise_date

__all__ = ["record_fields", "FIELD_ALIASES"]

#: Document field -> keys accepted for it, most specific first.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "webTitle"),
    # description/summary/abstract come last: a teaser is the body only when there is no body
    "body": ("body", "text", "content", "articleBody", "bodyText", "description", "summary", "abstract"),
    "date": ("date", "published", "datePublished", "pubDate", "publishedAt", "published_at", "pub_date",
             "date_published", "publishedDate", "published_date", "publicationDate", "webPublicationDate",
             "created_at", "createdAt", "dateCreated"),
    "author": ("author", "byline", "authors", "creator", "dc:creator"),
    "tags": ("tags", "keywords", "topics", "categories", "subjects"),
    "url": ("url", "link", "webUrl", "permalink"),
    "source": ("source", "publisher", "site", "source_name", "sourceName", "site_name"),
    "dateline": ("dateline",),
}
#: Fields whose text is converted from HTML when it holds markup.
_TEXT_FIELDS = ("title", "body", "author", "source", "dateline")
_TAG_NAMES = (r"p|br|div|span|a|b|i|u|em|strong|script|style|img|ul|ol|li|h[1-6]|iframe|blockquote|figure|"
              r"figcaption|table|tr|td|th|section|article|aside|noscript|sup|sub|small|font|center|hr|pre|code|"
              r"header|footer|nav|form|input|button|svg|picture|source|video|audio|embed|object|link|meta")
_MARKUP = re.compile(rf"<(?:/?(?:{_TAG_NAMES})\b[^>]*|!--.*?--)>", re.IGNORECASE | re.DOTALL)
#: A ``<`` that starts no tag of :data:`_MARKUP`'s: text (``a < b``, a ticker ``<GOLD.N>``, a
#: Reuters company name ``<Texaco Inc>``), which an HTML parser would take for an element and drop.
_TEXT_LT = re.compile(rf"<(?!/?(?:{_TAG_NAMES})\b[^>]*>|!--.*?-->)", re.IGNORECASE | re.DOTALL)
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,30}|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_DROP = ("script", "style", "noscript", "template", "iframe", "svg", "object", "embed", "form", "button")
_BLOCKS = ("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure",
           "figcaption", "table", "tr", "section", "article", "aside", "header", "footer", "pre", "hr")


def html_to_text(value: str) -> str:
    """Text from a field that holds HTML: tags and scripts dropped, entities decoded,
    block elements as paragraphs (a blank line apart), ``<br>`` as a line break.

    A value without markup or entities is returned unchanged.
    """
    if "<" not in value and "&" not in value:
        return value
    if not _MARKUP.search(value):
        if _ENTITY.search(value):
            import html

            return html.unescape(value)
        return value
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(_TEXT_LT.sub("&lt;", value), create_parent="div")
    except (etree.ParserError, ValueError):
        import html

        return html.unescape(_MARKUP.sub(" ", value))
    for el in list(root.iter(*_DROP)):
        el.drop_tree()
    for el in root.iter(etree.Comment):
        el.text = ""
    for el in root.iter("br"):
        el.tail = "\n" + (el.tail or "")
    for el in root.iter(*_BLOCKS):
        el.text = "\n\n" + (el.text or "")
        el.tail = "\n\n" + (el.tail or "")
    text = root.text_content()
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [" ".join(line.split()) for line in block.split("\n")]
        block = "\n".join(line for line in lines if line)
        if block:
            paragraphs.append(block)
    return "\n\n".join(paragraphs)


def _text(value: Any) -> str | None:
    """A readable string from a JSON value (strings, numbers, {"name": ...}, lists)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        for key in ("name", "@value", "value", "text", "title"):
            if key in value:
                return _text(value[key])
        return None
    if isinstance(value, list):
        parts = [part for part in (_text(item) for item in value) if part]
        return ", ".join(parts) or None
    return None


def _body(value: Any) -> str:
    if isinstance(value, list):  # a list of paragraphs
        return "\n\n".join(part for part in (_text(item) for item in value) if part)
    return _text(value) or ""


def _tags(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = re.split(r"[,;|]", value) if re.search(r"[,;|]", value) else [value]
    elif isinstance(value, list):
        parts = [_text(item) or "" for item in value]
    else:
        parts = [_text(value) or ""]
    seen: dict[str, None] = {}
    for part in parts:
        part = part.strip()
        if part and part.casefold() not in {t.casefold() for t in seen}:
            seen[part] = None
    return list(seen)


def _first(record: dict[str, Any], field: str) -> Any:
    for key in FIELD_ALIASES[field]:
        value = record.get(key)
        if value not in (None, "", []):
            return value
    return None


def record_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Map one JSON object to document fields (``title, body, date, ...``).

    Unknown keys are ignored; an unparseable date becomes ``None`` and the value
    as written is added as ``date_raw`` (for the run's summary).  HTML in text
    fields is converted to text (:func:`html_to_text`).
    """
    raw_date = _first(record, "date")
    fields = {
        "title": _text(_first(record, "title")),
        "body": _body(_first(record, "body")),
        "date": normalise_date(raw_date),
        "author": _text(_first(record, "author")),
        "tags": _tags(_first(record, "tags")),
        "url": _text(_first(record, "url")),
        "source": _text(_first(record, "source")),
        "dateline": _text(_first(record, "dateline")),
    }
    for name in _TEXT_FIELDS:
        value = fields[name]
        if value:
            value = html_to_text(value)
            fields[name] = value if name == "body" else (" ".join(value.split()) or None)
    fields["tags"] = [html_to_text(tag) for tag in fields["tags"]]
    if fields["date"] is None and isinstance(raw_date, (str, int, float)) and not isinstance(raw_date, bool):
        fields["date_raw"] = raw_date
    return fields
