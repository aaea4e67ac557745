"""HTML pieces built in Python: highlighted text, safe links, the matches-over-time chart.

Everything from an article or a query is escaped here or by the templates'
autoescaping; nothing from an article is ever inserted as markup.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from markupsafe import Markup, escape

__all__ = ["render_highlighted", "marked_snippet_spans", "safe_link", "doc_path", "timeline_svg", "paragraphs"]

MARK = "**"


def render_highlighted(text: str, spans: list[tuple[int, int]] | list[list[int]]) -> Markup:
    """``text`` escaped, with each ``(start, end)`` character span wrapped in ``<mark>``.

    Spans out of range, empty or overlapping an earlier one are ignored (the
    text is always shown whole); they need not be sorted.
    """
    text = text or ""
    out: list[str] = []
    cursor = 0
    for start, end in sorted((int(s), int(e)) for s, e in spans or ()):
        start, end = max(start, cursor), min(end, len(text))
        if start >= end:
            continue
        out.append(str(escape(text[cursor:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    out.append(str(escape(text[cursor:])))
    return Markup("".join(out))


def marked_snippet_spans(hit: dict[str, Any]) -> tuple[str, list[tuple[int, int]]]:
    """A hit's snippet as ``(plain text, highlight spans)``: the one adapter between the JSON hit and the page.

    When the hit carries ``"highlights"`` (offsets into its plain
    ``snippet_text``), they are used as they are.  Otherwise ``snippet`` marks matched words as
    ``**word**`` and the marks are turned into spans.
    """
    snippet = hit.get("snippet") or ""
    if "highlights" in hit and "snippet_text" in hit:
        return hit.get("snippet_text") or "", [tuple(span) for span in hit.get("highlights") or ()]
    parts = snippet.split(MARK)
    if len(parts) % 2 == 0:  # an unpaired mark: show the text as it is, nothing highlighted
        return snippet, []
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    for i, part in enumerate(parts):
        if i % 2 and part:
            spans.append((length, length + len(part)))
        text.append(part)
        length += len(part)
    return "".join(text), spans


def safe_link(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL a browser may follow, else None.

    ``javascript:``, ``data:``, relative and scheme-less URLs, and URLs with
    control characters or spaces are refused (shown as text, never as links).
    """
    if not url or not isinstance(url, str) or len(url) > 2048:
        return None
    url = url.strip()
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def doc_path(doc_id: str, query: str | None = None) -> str:
    """The document page of ``doc_id`` (``/doc/{id}``, the id percent-encoded, slashes too)."""
    from urllib.parse import urlencode

    encoded = quote(doc_id, safe="")
    if encoded.strip(".") == "":  # "." or ".." would be read as a path step by the browser
        href = "/doc?" + urlencode({"id": doc_id})
        return href + ("&" + urlencode({"q": query}) if query else "")
    return f"/doc/{encoded}" + ("?" + urlencode({"q": query}) if query else "")


def paragraphs(text: str, spans: list[tuple[int, int]]) -> list[Markup]:
    """``text`` split at blank lines into highlighted paragraphs (spans are offsets into ``text``)."""
    out: list[Markup] = []
    spans = sorted(spans)
    i = 0
    start = 0
    length = len(text)
    while start <= length:
        end = text.find("\n\n", start)
        end = length if end < 0 else end
        chunk = text[start:end]
        local = []
        while i < len(spans) and spans[i][0] < end:
            s, e = spans[i]
            if e > start:
                local.append((s - start, min(e, end) - start))
            i += 1
        if chunk.strip():
            out.append(render_highlighted(chunk, local))
        start = end + 2
    return out


def timeline_svg(timeline: dict[str, Any], link: Any, width: int = 1000, height: int = 110) -> Markup:
    """An SVG bar chart of ``timeline`` (:meth:`Timeline.to_dict` shape), each bar a link.

    ``link(period)`` gives the URL a bar leads to.  No inline style or
    script: classes only, so the page's Content-Security-Policy holds.
    """
    counts = timeline.get("counts") or []
    if not counts:
        return Markup("")
    top = max(item["count"] for item in counts) or 1
    n = len(counts)
    label_h = 16
    chart_h = height - label_h
    step = width / n
    gap = min(2.0, step * 0.2)
    unit = "year" if timeline.get("unit") == "year" else "month"
    pieces = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Matches per {unit}" xmlns="http://www.w3.org/2000/svg">'
    ]
    bar_w = min(max(step - gap, 0.5), 44.0)  # a few periods stay bars, not blocks
    for i, item in enumerate(counts):
        count = int(item["count"])
        period = str(item["period"])
        bar_h = 0 if count == 0 else max(2.0, chart_h * count / top)
        x = i * step
        label = f"{period}: {count} match{'es' if count != 1 else ''}"
        pieces.append(
            f'<a href="{escape(link(period))}" class="bar-link"><title>{escape(label)}</title>'
            f'<rect class="hit-area" x="{x:.2f}" y="0" width="{step:.2f}" height="{chart_h}"/>'
            f'<rect class="bar" x="{x + (step - bar_w) / 2:.2f}" y="{chart_h - bar_h:.2f}" '
            f'width="{bar_w:.2f}" height="{bar_h:.2f}"/></a>'
        )
    pieces.append(f'<line class="axis" x1="0" y1="{chart_h}" x2="{width}" y2="{chart_h}"/>')
    every = max(1, -(-n // 8))  # at most about 8 labels
    for i in range(0, n, every):
        anchor = "start" if i == 0 and n > 1 and step < 60 else "middle"
        x = i * step + (0 if anchor == "start" else step / 2)
        pieces.append(f'<text class="tick" x="{x:.2f}" y="{height - 3}" text-anchor="{anchor}">'
                      f'{escape(str(counts[i]["period"]))}</text>')
    pieces.append("</svg>")
    return Markup("".join(pieces))
