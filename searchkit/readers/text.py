"""Plain-text articles: headline, dateline, body paragraphs and trailing tag bullets."""

from __future__ import annotations

import re

__all__ = ["parse_text", "find_dateline"]

_BULLET = re.compile(r"^\s*[•·▪‣◦●■]\s*(.+?)\s*$")
# "OSAKA —", "WASHINGTON (Reuters) -", "NEW YORK, June 3 (Reuters) -", "LONDON, March 2 -"
_DATELINE = re.compile(
    r"^\s*(?P<dl>[A-Z][A-Z.'\- ]{1,40}[A-Z.](?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?(?:\s*\([^)\n]{1,40}\))?)"
    r"\s*[—–-]{1,2}\s+"
)
_BOILERPLATE_WORDS = {
    "print", "share", "email", "e-mail", "tweet", "menu", "advertisement", "subscribe",
    "skip", "to", "content", "main", "close", "search", "home", "login", "log", "in",
    "sign", "facebook", "twitter", "linkedin", "whatsapp", "copy", "link", "comments",
    "comment", "listen", "save", "font", "size", "text", "a", "ad",
}


def _is_boilerplate(line: str) -> bool:
    words = re.findall(r"[\w'-]+", line.casefold())
    if not words:
        return True
    if len(set(words)) == 1 and len(words) > 1:  # "print PRINT", "Share share"
        return True
    return all(word in _BOILERPLATE_WORDS for word in words)


def _paragraphs(text: str) -> list[str]:
    blocks = re.split(r"\n\s*\n", text)
    paragraphs = []
    for block in blocks:
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if any(_BULLET.match(line) for line in lines) and not all(_BULLET.match(line) for line in lines):
            # a paragraph followed by bullets without a blank line: keep them apart
            run: list[str] = []
            for line in lines:
                if _BULLET.match(line):
                    if run:
                        paragraphs.append(" ".join(run))
                        run = []
                    paragraphs.append(line)
                else:
                    run.append(line)
            if run:
                paragraphs.append(" ".join(run))
        elif all(_BULLET.match(line) for line in lines):
            paragraphs.extend(lines)
        else:
            paragraphs.append(" ".join(lines))
    return paragraphs


def find_dateline(text: str) -> str | None:
    """The dateline opening ``text`` (``OSAKA``, ``WASHINGTON (Reuters)``), or None."""
    match = _DATELINE.match(text[:200])
    return re.sub(r"\s+", " ", match.group("dl")).strip() if match else None


def parse_text(text: str) -> dict:
    """Split a plain-text article into ``title, body, dateline, tags``.

    Leading site boilerplate (``print PRINT``, ``Share``) is dropped, the
    first substantial line is the headline, a dateline at the start of the
    first paragraph (``OSAKA —``) is recorded (and kept in the body), and a
    trailing run of bullet lines becomes the tags.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    paragraphs = _paragraphs(text)
    while paragraphs and _is_boilerplate(paragraphs[0]) and len(paragraphs) > 1:
        paragraphs.pop(0)

    # The first substantial line is the headline; in wrapped dumps the first
    # paragraph may be headline + body, so only its first line is the title.
    title = None
    lines = text.split("\n")
    for line in lines:
        stripped = line.strip()
        if stripped and not _is_boilerplate(stripped):
            title = stripped
            break
    if title is not None and paragraphs:
        first = paragraphs[0]
        if first == title:
            paragraphs.pop(0)
        elif first.startswith(title):
            paragraphs[0] = first[len(title):].strip()
            if not paragraphs[0]:
                paragraphs.pop(0)

    tags: list[str] = []
    while paragraphs:
        match = _BULLET.match(paragraphs[-1])
        if not match:
            break
        tags.insert(0, match.group(1))
        paragraphs.pop()

    dateline = find_dateline(paragraphs[0]) if paragraphs else None

    if not paragraphs and title:
        paragraphs = [title]  # a one-paragraph file: its text is the body too
    if title is not None and len(title) > 300:
        title = title[:297].rsplit(" ", 1)[0] + "…"
    return {
        "title": title,
        "body": "\n\n".join(paragraphs),
        "dateline": dateline,
        "tags": tags,
    }
