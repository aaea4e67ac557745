"""The ASGI app of ``searchkit serve``: a search page, document pages and a JSON API.

A thin layer over :class:`searchkit.Index`: ``GET /api/search`` returns
:meth:`SearchResults.to_dict` (what ``searchkit query --json`` prints), the
page renders that same dict.  Read-only: no route changes the index.

Routes: ``/`` (search page), ``/doc/{id}`` (a stored article; ids may hold
slashes), ``/api/search``, ``/api/doc/{id}``, ``/api/stats``, ``/static/...``.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..errors import QueryError
from ..highlight import match_spans, snippet_in_title
from ..search import FILTER_FIELDS, SORTS
from .render import doc_path, marked_snippet_spans, paragraphs, render_highlighted, safe_link, timeline_svg

__all__ = ["create_app", "SearchParams", "BadRequest", "LIMITS"]

HERE = Path(__file__).resolve().parent

#: Bounds on what a request may ask for (a local tool, but a page can be linked to).
LIMITS = {
    "query_chars": 1000,  # characters of ``q``
    "limit": 100,  # hits per request
    "offset": 10_000,  # deepest page
    "filters": 20,  # ``filter=`` parameters
    "query_string_bytes": 8192,  # the whole ``?...``: longer gets 414
    "body_bytes": 1024,  # no route reads a body: more gets 413
}
#: Seconds a page reuses the index's statistics (the header's article count and years).
STATS_SECONDS = 10.0
#: Hits per page (and the API's default ``limit``, as the CLI's).
PAGE_SIZE = 10
#: Facets the page asks for when the library can count them (see :func:`_library_has_facets`).
PAGE_FACETS = ("source", "tags", "author", "year")
SORT_LABELS = {"relevance": "Relevance", "-date": "Newest first", "date": "Oldest first"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # an article's site never sees the query
    (b"x-frame-options", b"DENY"),
]
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


class BadRequest(Exception):
    """A parameter the API cannot take: HTTP 400 with this message."""


@dataclass
class SearchParams:
    """The search a request asks for, checked.  ``from_query`` raises :class:`BadRequest`."""

    q: str = ""
    limit: int = PAGE_SIZE
    offset: int = 0
    sort: str = "relevance"
    since: str | None = None
    until: str | None = None
    filters: list[tuple[str, str]] = field(default_factory=list)
    facets: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params, default_limit: int = PAGE_SIZE) -> SearchParams:
        q = params.get("q", "")
        if len(q) > LIMITS["query_chars"]:
            raise BadRequest(f"query too long: {len(q)} characters (at most {LIMITS['query_chars']})")
        if "\x00" in q:
            raise BadRequest("query holds a NUL character")
        limit = _integer(params, "limit", default_limit, 0, LIMITS["limit"])
        offset = _integer(params, "offset", 0, 0, LIMITS["offset"])
        sort = params.get("sort") or "relevance"
        if sort not in SORTS:
            raise BadRequest(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
        filters = []
        for item in params.getlist("filter"):
            name, sep, value = item.partition("=")
            name = name.strip()
            if not sep or name not in FILTER_FIELDS or not value.strip():
                raise BadRequest(f"bad filter {item!r}: use filter=FIELD=VALUE with FIELD one of "
                                 f"{', '.join(FILTER_FIELDS)}")
            if len(value) > LIMITS["query_chars"]:
                raise BadRequest("filter value too long")
            filters.append((name, value.strip()))
        if len(filters) > LIMITS["filters"]:
            raise BadRequest(f"too many filters (at most {LIMITS['filters']})")
        facets = [name.strip() for name in params.getlist("facet") if name.strip()]
        if len(facets) > LIMITS["filters"]:
            raise BadRequest(f"too many facets (at most {LIMITS['filters']})")
        return cls(q=q, limit=limit, offset=offset, sort=sort, since=(params.get("since") or "").strip() or None,
                   until=(params.get("until") or "").strip() or None, filters=filters, facets=facets)

    @property
    def active(self) -> bool:
        """Whether there is anything to search for (words, a date range or a filter)."""
        return bool(self.q.strip() or self.since or self.until or self.filters)

    def filter_kwargs(self) -> dict[str, list[str]]:
        """The field filters as :meth:`Index.search` keywords (``{"tags": ["G7 Summit"]}``)."""
        kwargs: dict[str, list[str]] = {}
        for name, value in self.filters:
            kwargs.setdefault(name, []).append(value)
        return kwargs

    def url(self, path: str = "/", **changes: Any) -> str:
        """This search's page URL with ``changes`` (None removes a parameter); offset resets unless given."""
        values: dict[str, Any] = {"q": self.q, "sort": self.sort, "since": self.since, "until": self.until,
                                  "filters": list(self.filters), "offset": 0, "limit": self.limit}
        values.update(changes)
        pairs: list[tuple[str, Any]] = []
        if values["q"]:
            pairs.append(("q", values["q"]))
        if values["sort"] and values["sort"] != "relevance":
            pairs.append(("sort", values["sort"]))
        for name in ("since", "until"):
            if values[name]:
                pairs.append((name, values[name]))
        pairs.extend(("filter", f"{name}={value}") for name, value in values["filters"])
        if values["limit"] != PAGE_SIZE:
            pairs.append(("limit", values["limit"]))
        if values["offset"]:
            pairs.append(("offset", values["offset"]))
        return path + ("?" + urlencode(pairs) if pairs else "")


def _integer(params, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}, not {value}")
    return value


class _Guard:
    """Pure ASGI middleware: host check, request size limits and security headers on every response."""

    def __init__(self, app, allowed_hosts: tuple[str, ...] | None):
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    header for header in SECURITY_HEADERS if header[0] not in names]
            await send(message)

        headers = {name.lower(): value for name, value in scope.get("headers", [])}
        problem = None
        if self.allowed_hosts is not None:
            host = headers.get(b"host", b"").decode("latin-1").lower()
            hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if hostname not in self.allowed_hosts:
                problem = (400, "unknown Host header (this server answers only to its own address)")
        if problem is None and len(scope.get("query_string", b"")) > LIMITS["query_string_bytes"]:
            problem = (414, f"request too long (at most {LIMITS['query_string_bytes']} bytes of parameters)")
        if problem is None:
            try:
                length = int(headers.get(b"content-length", b"0") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > LIMITS["body_bytes"] or b"chunked" in headers.get(b"transfer-encoding", b""):
                problem = (413, "request body too large (this server only reads)")
        if problem is not None:
            status, message = problem
            await JSONResponse({"error": message}, status_code=status)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def _library_has_facets(ix) -> bool:
    """Whether this version of the library counts facets (``Index.search(..., facets=[...])``)."""
    try:
        ix.search("facets", limit=0, snippets=False, facets=["source"])
    except TypeError:
        return False
    except Exception:
        return False
    return True


class SearchApp:
    """The routes, bound to one open :class:`Index` (library calls are serialised by a lock)."""

    def __init__(self, ix, *, allowed_hosts: tuple[str, ...] | None = None):
        self.ix = ix
        self.lock = threading.Lock()
        self._page_stats: tuple[float, dict[str, Any]] | None = None
        with self.lock:
            self.has_facets = _library_has_facets(ix)
        self.env = Environment(
            loader=FileSystemLoader(str(HERE / "templates")),
            autoescape=select_autoescape(["html", "xml"], default=True, default_for_string=True),
        )
        self.env.globals.update(doc_path=doc_path, version=__version__, sort_labels=SORT_LABELS,
                                filter_fields=FILTER_FIELDS)
        routes = [
            Route("/", self.page, methods=["GET", "HEAD"]),
            Route("/doc", self.doc_page_by_param, methods=["GET", "HEAD"]),
            Route("/doc/{doc_id:path}", self.doc_page, methods=["GET", "HEAD"]),
            Route("/api/search", self.api_search, methods=["GET", "HEAD"]),
            Route("/api/doc/{doc_id:path}", self.api_doc, methods=["GET", "HEAD"]),
            Route("/api/stats", self.api_stats, methods=["GET", "HEAD"]),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ]
        handlers = {HTTPException: self.http_error, Exception: self.server_error}
        self.starlette = Starlette(routes=routes, exception_handlers=handlers)
        self.asgi = _Guard(self.starlette, allowed_hosts)

    # --- library calls ------------------------------------------------------

    def search(self, params: SearchParams, *, facets: list[str] | None = None):
        kwargs: dict[str, Any] = dict(limit=params.limit, offset=params.offset, sort=params.sort,
                                      since=params.since, until=params.until, **params.filter_kwargs())
        if facets:
            kwargs["facets"] = facets
        with self.lock:
            try:
                return self.ix.search(params.q, **kwargs)
            except QueryError as exc:
                raise BadRequest(str(exc)) from None

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return self.ix.stats()

    def page_stats(self) -> dict[str, Any]:
        """The header's counts: :meth:`Index.stats` reads every date, so pages reuse it for a few seconds."""
        now = time.monotonic()
        if self._page_stats is None or now - self._page_stats[0] > STATS_SECONDS:
            self._page_stats = (now, self.stats())
        return self._page_stats[1]

    # --- JSON API -------------------------------------------------------------

    def api_search(self, request: Request) -> Response:
        try:
            params = SearchParams.from_query(request.query_params)
            if params.facets and not self.has_facets:
                raise BadRequest("facets are not available in this version of searchkit")
            results = self.search(params, facets=params.facets)
        except BadRequest as exc:
            return _json_error(str(exc), 400)
        with self.lock:
            data = results.to_dict()
        return _json(data)

    def api_doc(self, request: Request) -> Response:
        doc_id = request.path_params["doc_id"]
        with self.lock:
            doc = self.ix.get(doc_id)
        if doc is None:
            return _json_error(f"no document with id {doc_id!r}", 404)
        return _json(doc.to_dict())

    def api_stats(self, request: Request) -> Response:
        return _json(self.stats())

    # --- pages ----------------------------------------------------------------

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("stats", self.page_stats())
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status)

    def page(self, request: Request) -> Response:
        try:
            params = SearchParams.from_query(request.query_params)
        except BadRequest as exc:
            raw = SearchParams(q=request.query_params.get("q", "")[:LIMITS["query_chars"]])
            return self.render("search.html", 400, params=raw, error=str(exc), results=None)
        if not params.active:
            return self.render("search.html", params=params, error=None, results=None)
        try:
            results = self.search(params, facets=list(PAGE_FACETS) if self.has_facets else None)
            with self.lock:
                data = results.to_dict()
                timeline = self.ix.timeline(params.q, since=params.since, until=params.until,
                                            **params.filter_kwargs()).to_dict()
        except BadRequest as exc:
            return self.render("search.html", 400, params=params, error=str(exc), results=None)
        hits = [self._hit_view(hit, params) for hit in data["hits"]]
        chart = timeline_svg(timeline, lambda period: params.url(since=period, until=period))
        total = data["total"]
        pages = {
            "first": params.offset + 1 if hits else 0,
            "last": params.offset + len(hits),
            "prev": params.url(offset=max(0, params.offset - params.limit)) if params.offset > 0 else None,
            "next": params.url(offset=params.offset + params.limit)
            if params.offset + len(hits) < total and params.offset + params.limit <= LIMITS["offset"] else None,
        }
        active = []
        if params.since or params.until:
            label = " – ".join(part or "…" for part in (params.since, params.until))
            if params.since and params.since == params.until:
                label = params.since
            active.append({"label": "date", "value": label, "remove": params.url(since=None, until=None)})
        for i, (name, value) in enumerate(params.filters):
            rest = params.filters[:i] + params.filters[i + 1:]
            active.append({"label": name, "value": value, "remove": params.url(filters=rest)})
        facets = self._facet_views(data.get("facets"), params)
        suggestion = data.get("suggestion")
        return self.render("search.html", params=params, error=None, results=data, hits=hits, pages=pages,
                           chart=chart, timeline=timeline, active=active, facets=facets,
                           peak=max(timeline["counts"], key=lambda item: item["count"], default=None),
                           suggestion_url=params.url(q=suggestion) if suggestion else None)

    def _hit_view(self, hit: dict[str, Any], params: SearchParams) -> dict[str, Any]:
        text, spans = marked_snippet_spans(hit)
        link = safe_link(hit.get("url"))
        local = doc_path(hit["id"], params.q or None)
        tags = hit.get("tags") or []
        # a story without a body: its snippet is (part of) its title, shown once with its highlights
        in_title = snippet_in_title(hit.get("title"), text, spans)
        return {
            **hit,
            "href": link or local,
            "external": bool(link),
            "doc_href": local,
            "title_html": render_highlighted(*in_title) if in_title else None,
            "snippet_html": None if in_title else render_highlighted(text, spans),
            "day": (hit.get("date") or "")[:10] or None,
            "tag_links": [(tag, params.url(filters=[*params.filters, ("tags", tag)])) for tag in tags],
            "source_link": params.url(filters=[*params.filters, ("source", hit["source"])])
            if hit.get("source") else None,
            "copies": hit.get("copies") or 0,
            "copy_list": self._copy_views(hit, params) if hit.get("copies") else [],
        }

    def _copy_views(self, hit: dict[str, Any], params: SearchParams) -> list[dict[str, Any]]:
        """The collapsed copies of a hit, for its expandable "+N copies" list (read only for hits that have some)."""
        found = self.ix.copies(hit["id"]) if hasattr(self.ix, "copies") else None
        return [{"title": copy.title, "id": copy.id, "day": (copy.date or "")[:10] or None, "source": copy.source,
                 "doc_href": doc_path(copy.id, params.q or None)} for copy in (found or [])]

    def _facet_views(self, facets: Any, params: SearchParams) -> list[dict[str, Any]]:
        """The sidebar: each facet's values as filter links (empty when the library gave no facets)."""
        if not isinstance(facets, dict):
            return []
        views = []
        for name, values in facets.items():
            items = []
            for item in values or []:
                value, count = str(item.get("value")), item.get("count")
                if name == "year":
                    href = params.url(since=value, until=value)
                elif name in FILTER_FIELDS:
                    href = params.url(filters=[*params.filters, (name, value)])
                else:
                    href = None
                items.append({"value": value, "count": count, "href": href})
            if items:
                views.append({"name": name, "values": items})
        return views

    def doc_page(self, request: Request) -> Response:
        return self._doc_page(request, request.path_params["doc_id"])

    def doc_page_by_param(self, request: Request) -> Response:
        return self._doc_page(request, request.query_params.get("id", ""))

    def _doc_page(self, request: Request, doc_id: str) -> Response:
        q = request.query_params.get("q", "")
        if len(q) > LIMITS["query_chars"]:
            return self.render("error.html", 400, message="query too long", params=SearchParams())
        params = SearchParams(q=q)
        with self.lock:
            doc = self.ix.get(doc_id)
            wanted = doc is not None and q.strip()
            title_marks = self.ix.query_marks(q, "title") if wanted else set()
            body_marks = self.ix.query_marks(q, "body") if wanted else set()
        if doc is None:
            return self.render("error.html", 404, message=f"No document with id {doc_id!r}.", params=params)
        similar = self._similar(doc.id)
        title_spans = match_spans(doc.title or "", title_marks)
        body = paragraphs(doc.body or "", match_spans(doc.body or "", body_marks))
        return self.render("doc.html", params=params, doc=doc.to_dict(), body=body,
                           title_html=render_highlighted(doc.title or "(untitled)", title_spans),
                           link=safe_link(doc.url), similar=similar)

    def _similar(self, doc_id: str) -> list[dict[str, Any]]:
        """"More like this" when the library offers it (``Index.similar``); else nothing."""
        similar = getattr(self.ix, "similar", None)
        if not callable(similar):
            return []
        try:
            with self.lock:
                found = similar(doc_id, limit=5)
                return [hit.to_dict() if hasattr(hit, "to_dict") else dict(hit) for hit in found]
        except Exception:
            return []

    # --- errors ---------------------------------------------------------------

    def _wants_json(self, request: Request) -> bool:
        return request.url.path.startswith("/api/")

    async def http_error(self, request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        message = {404: "not found", 405: "method not allowed"}.get(status, getattr(exc, "detail", "error"))
        headers = getattr(exc, "headers", None)
        if self._wants_json(request):
            return _json_error(str(message), status, headers=headers)
        html = self.env.get_template("error.html").render(message=str(message).capitalize() + ".",
                                                          params=SearchParams(), stats=None)
        return HTMLResponse(html, status_code=status, headers=headers)

    async def server_error(self, request: Request, exc: Exception) -> Response:
        """Any failure: one line on the server's stderr, a plain message to the client, never a traceback."""
        print(f"searchkit serve: error on {request.url.path}: {type(exc).__name__}: {exc}"[:300], file=sys.stderr)
        if self._wants_json(request):
            return _json_error("internal error", 500)
        html = self.env.get_template("error.html").render(message="Something went wrong on the server.",
                                                          params=SearchParams(), stats=None)
        return HTMLResponse(html, status_code=500)


def _json(data: Any, status: int = 200, headers=None) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status_code=status, headers=headers,
                    media_type="application/json")


def _json_error(message: str, status: int, headers=None) -> Response:
    return _json({"error": message}, status, headers)


def create_app(index, *, allowed_hosts: tuple[str, ...] | None = None):
    """The ASGI app serving ``index`` (an :class:`Index` or an index folder, opened read-only).

    ``allowed_hosts``: the ``Host`` header values answered (None: any); ``serve``
    passes the loopback names when bound to loopback, which stops DNS-rebinding
    pages from reading the index.  Raises :class:`~searchkit.errors.IndexNotFoundError`
    when there is no index.
    """
    from ..index import Index

    ix = index if isinstance(index, Index) else Index(index, create=False)
    return SearchApp(ix, allowed_hosts=allowed_hosts).asgi

