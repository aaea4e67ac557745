"""The document record that every reader produces and the index stores."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Document", "DOCUMENT_FIELDS", "stored_metadata"]

#: The public fields of a document, in the order ``searchkit extract`` prints them.
DOCUMENT_FIELDS = (
    "id",
    "path",
    "title",
    "body",
    "date",
    "author",
    "tags",
    "source",
    "url",
    "dateline",
)


@dataclass
class Document:
    """One article, as extracted from a file and as stored in the index.

    ``date`` is an ISO 8601 string (see :func:`searchkit.dates.normalise_date`)
    or ``None``; ``tags`` is a list of strings; absent metadata is ``None``.
    """

    id: str
    path: str | None = None
    title: str | None = None
    body: str = ""
    date: str | None = None
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    source: str | None = None
    url: str | None = None
    dateline: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The document as a JSON-ready dict with the fields in canonical order."""
        data = asdict(self)
        return {name: data[name] for name in DOCUMENT_FIELDS}


def stored_metadata(stored: dict[str, Any]) -> dict[str, Any]:
    """A document's metadata (every public field but the body) from its stored index fields."""
    return {
        "id": stored.get("id"),
        "path": stored.get("path") or None,
        "title": stored.get("title") or None,
        "date": stored.get("date_iso"),
        "author": stored.get("author"),
        "tags": list(stored.get("tag_list") or []),
        "source": stored.get("source"),
        "url": stored.get("url"),
        "dateline": stored.get("dateline"),
    }
