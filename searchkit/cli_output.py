"""What the ``searchkit`` commands print on a terminal: safe one-line text, the
progress line, hits with their snippets, facet counts and bar charts."""

from __future__ import annotations

import re
import sys
from typing import Any

import click

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def oneline(text: object) -> str:
    """``text`` made safe for one line of a terminal: control characters (a newline
    in a file name), and undecodable bytes of a file name, are shown escaped."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii")
                            if not 0xD800 <= ord(m.group()) <= 0xDFFF else f"\\x{ord(m.group()) & 0xFF:02x}",
                            str(text))


def plural(count: int, word: str, many: str | None = None) -> str:
    """``count`` and ``word`` in agreement: ``plural(1, "result")`` is "1 result", 2 gives "2 results"."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


#: Characters of a query a results header echoes; a longer query is cut there and ends in ``…``.
ECHOED_QUERY_CHARS = 80


def echoed_query(text: str, limit: int = ECHOED_QUERY_CHARS) -> str:
    """The query as a results header quotes it: ``repr(text)``, or for a query of more than ``limit``
    characters its first ``limit`` characters quoted and followed by ``…`` (outside the quotes, so it
    is not read as part of the query)."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "…"


def _display_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def _fit(text: str, width: int) -> str:
    """``text`` cut from the left (``…`` + its end) to at most ``width`` terminal columns."""
    if _display_width(text) <= width:
        return text
    if width <= 1:
        return ""
    kept = ""
    for ch in reversed(text):
        if _display_width(kept) + _display_width(ch) > width - 1:
            break
        kept = ch + kept
    return "…" + kept


class Progress:
    """A one-line progress display on a terminal's stderr (nothing when piped).

    The line always fits the terminal's width (it is never wrapped, so ``\r``
    rewrites it in place): the bar shrinks and the label is cut from the left.
    A JSON Lines or SGML dump reports the records read so far in its label.
    """

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.shown = False
        self.last = 0.0

    def columns(self) -> int:
        import shutil

        return max(20, shutil.get_terminal_size((80, 24)).columns)

    def line(self, done: int, total: int, path: str) -> str:
        """The text shown for this state, at most ``columns() - 1`` columns wide."""
        room = self.columns() - 1
        count = f" {done}/{total} "
        width = max(5, min(30, (room - len(count)) // 3))
        filled = int(width * done / max(total, 1))
        head = f"[{'#' * filled}{'-' * (width - filled)}]{count}"
        if len(head) > room:
            return _fit(count.strip(), room)
        label = _fit(oneline(path), room - len(head))
        return head + label + " " * (room - len(head) - _display_width(label))

    def __call__(self, done: int, total: int, path: str) -> None:
        import time

        if not self.enabled:
            return
        now = time.monotonic()
        if done != total and now - self.last < 0.1:
            return
        self.last = now
        self.stream.write("\r" + self.line(done, total, path))
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * (self.columns() - 1) + "\r")
            self.stream.flush()


def _parts(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut into (text, highlighted?) parts at ``spans`` (in order, not overlapping)."""
    parts, cursor = [], 0
    for start, end in spans:
        parts += [(text[cursor:start], False), (text[start:end], True)]
        cursor = end
    return [part for part in [*parts, (text[cursor:], False)] if part[0]]


def render_snippet(parts: list[tuple[str, bool]], color: bool) -> str:
    """A hit's snippet parts (text, highlighted?) as bold text, or with ``**marks**`` when not in colour."""
    if color:
        return "".join(click.style(text, bold=True) if hit else text for text, hit in parts)
    from .highlight import escape_marks

    return "".join(f"**{escape_marks(text)}**" if hit else escape_marks(text) for text, hit in parts)


def echo_hits(results, color: bool, always_id: bool = True, blank_line: bool = False,
              show_copies: bool = True) -> None:
    """Each hit as a numbered title, a line of date · source · path [id] (+N copies), and its snippet.

    ``always_id=False`` names the id only when it differs from the path shown;
    ``blank_line`` ends each hit with an empty line; ``show_copies=False`` leaves out
    the (+N copies) of each hit (a listing of one document's copies, where each hit is a copy).
    """
    from .highlight import snippet_in_title

    for hit in results:
        title = hit.title or "(untitled)"
        # a story without a body: its snippet is (part of) its title, shown once with its highlights
        in_title = snippet_in_title(hit.title, hit.snippet_text, hit.highlights) if hit.snippet_parts else None
        if in_title is not None:
            parts = _parts(*in_title)
            shown = ("".join(click.style(text, bold=True, underline=marked) for text, marked in parts) if color
                     else render_snippet(parts, color))  # in a bold title, highlights are underlined
            click.echo(f"{hit.rank:>3}. {shown}", color=color)
        else:
            click.echo(f"{hit.rank:>3}. " + (click.style(title, bold=True) if color else title), color=color)
        where = " · ".join(part for part in (hit.date and hit.date[:10], hit.source, hit.path or hit.id) if part)
        ident = f"  [{oneline(hit.id)}]" if always_id or hit.path and hit.id != hit.path else ""
        click.echo(f"     {where}" + ident
                   + (f"  (+{hit.copies} {'copy' if hit.copies == 1 else 'copies'})" if show_copies and hit.copies else ""))
        if hit.snippet_parts and in_title is None:
            click.echo(f"     {render_snippet(hit.snippet_parts, color)}", color=color)
        if blank_line:
            click.echo()


#: Facets shown in time order, as bars (when a story broke).
TIMELINE_FACETS = ("year", "month")


def echo_facets(facets: dict[str, list[dict[str, Any]]], color: bool) -> None:
    """Each facet's values with counts; years and months as a bar chart in time order."""
    bar = "█" if (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "") == "utf8" else "#"
    for name, values in facets.items():
        click.echo(click.style(f"{name}:", bold=True) if color else f"{name}:", color=color)
        if not values:
            click.echo("  (none)")
            continue
        if name in TIMELINE_FACETS:
            top = max(item["count"] for item in values)
            width = max(len(str(top)), 1)
            for item in sorted(values, key=lambda item: item["value"]):
                length = max(1, round(30 * item["count"] / top))
                click.echo(f"  {oneline(item['value'])}  {item['count']:>{width}} {bar * length}")
        else:
            width = max(len(str(item["count"])) for item in values)
            for item in values:
                click.echo(f"  {item['count']:>{width}}  {oneline(item['value'])}")
    if facets:
        click.echo()
