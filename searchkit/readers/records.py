"""JSON and JSON Lines records: field aliases and value clean-up."""

from __future__ import annotations

import re
from typing import Any

from ..dates import normalise_date

__all__ = ["record_fields", "FIELD_ALIASES"]

#: Document field -> keys accepted for it, most specific first.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "body": ("body", "text", "content", "articleBody"),
    "date": ("date", "published", "datePublished", "pubDate"),
    "author": ("author", "byline", "authors"),
    "tags": ("tags", "keywords", "topics", "categories"),
    "url": ("url", "link"),
    "source": ("source", "publisher", "site"),
    "dateline": ("dateline",),
}


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

    Unknown keys are ignored; an unparseable date becomes ``None``.
    """
    return {
        "title": _text(_first(record, "title")),
        "body": _body(_first(record, "body")),
        "date": normalise_date(_first(record, "date")),
        "author": _text(_first(record, "author")),
        "tags": _tags(_first(record, "tags")),
        "url": _text(_first(record, "url")),
        "source": _text(_first(record, "source")),
        "dateline": _text(_first(record, "dateline")),
    }
