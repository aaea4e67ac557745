"""Search results: :class:`Hit`, :class:`SearchResults` and :class:`StreamedResults` (their JSON shapes are the CLI's)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Hit", "SearchResults", "StreamedResults"]


@dataclass
class Hit:
    """One search result.

    ``snippet`` marks matched words with ``**`` (a literal ``*`` in the text is
    escaped as ``\\*``); ``snippet_text`` is the same text without marks and
    ``highlights`` the ``(start, end)`` offsets of the matched words in it.
    """

    id: str
    score: float
    title: str | None
    date: str | None
    author: str | None
    tags: list[str]
    source: str | None
    url: str | None
    path: str | None
    snippet: str
    rank: int = 0
    dateline: str | None = None
    snippet_parts: list[tuple[str, bool]] = field(default_factory=list, repr=False)
    copies: int = 0
    cluster: str | None = None

    @property
    def snippet_text(self) -> str:
        """The snippet as plain text (no marks): safe to show once escaped for the medium."""
        return "".join(text for text, _ in self.snippet_parts)

    @property
    def highlights(self) -> list[tuple[int, int]]:
        """``[start, end)`` offsets of the matched words in :attr:`snippet_text` (code points)."""
        spans, offset = [], 0
        for text, hit in self.snippet_parts:
            if hit:
                spans.append((offset, offset + len(text)))
            offset += len(text)
        return spans

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a hit (``searchkit query --json``)."""
        return {
            "id": self.id,
            "score": round(self.score, 4),
            "title": self.title,
            "date": self.date,
            "author": self.author,
            "tags": self.tags or None,
            "source": self.source,
            "url": self.url,
            "path": self.path,
            "snippet": self.snippet or None,
            "snippet_text": self.snippet_text or None,
            "highlights": [list(span) for span in self.highlights],
            "copies": self.copies,
            "cluster": self.cluster,
        }


class SearchResults(list):
    """A list of :class:`Hit` with ``total`` (all matches), ``took_ms`` and ``query``.

    Also ``total_uncollapsed`` (matches with every copy counted; ``total``
    counts one per near-duplicate cluster when results are collapsed),
    ``facets`` (``{name: [{"value", "count"}]}``, see :mod:`searchkit.facets`)
    and ``suggestion`` (a corrected query, or None).
    """

    @property
    def total(self) -> int:
        """Every match, not only those listed (counted on first access)."""
        if callable(self._total):
            self._total = self._total()
        return self._total

    @property
    def total_uncollapsed(self) -> int:
        """Every match, each copy of a story counted (the same as ``total`` when not collapsed)."""
        if self._uncollapsed is None:
            return self.total
        if callable(self._uncollapsed):
            self._uncollapsed = self._uncollapsed()
        return self._uncollapsed

    def __init__(self, hits: list[Hit], total: int | Callable[[], int], took_ms: float, query: str,
                 total_uncollapsed: int | Callable[[], int] | None = None,
                 facets: dict[str, list[dict[str, Any]]] | None = None, suggestion: str | None = None):
        super().__init__(hits)
        self._total = total
        self._uncollapsed = total_uncollapsed
        self.took_ms = took_ms
        self.query = query
        self.facets = facets if facets is not None else {}
        self.suggestion = suggestion

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "took_ms": round(self.took_ms, 2),
            "hits": [hit.to_dict() for hit in self],
            "total_uncollapsed": self.total_uncollapsed,
            "suggestion": self.suggestion,
            "facets": self.facets,
        }


class StreamedResults(SearchResults):
    """Search results whose hits are made as they are iterated (once): ``searchkit query --all``."""

    def __init__(self, hits, total, took_ms: float, query: str, **kwargs: Any):
        super().__init__([], total, took_ms, query, **kwargs)
        self._stream = hits

    def __iter__(self):
        return iter(self._stream)
