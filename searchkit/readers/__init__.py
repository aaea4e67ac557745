"""Readers: turn one file into the documents it holds.

:func:`read_file` picks a reader by suffix (``.txt``, ``.html``, ``.json``,
``.jsonl`` and each of them ``.gz``-compressed).  A file that cannot be read
raises :class:`SkipFile` with a one-line reason; a JSON Lines file with some
bad lines yields its good records and reports the bad ones through
:class:`RecordError` items.
"""

from __future__ import annotations

import io
import json
import re
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..document import Document
from .encoding import decode_text, looks_binary
from .records import record_fields
from .text import find_dateline

__all__ = [
    "SUFFIXES",
    "SkipFile",
    "RecordError",
    "Notice",
    "MAX_BODY_CHARS",
    "format_of",
    "read_file",
    "read_bytes",
    "MAX_FILE_BYTES",
]

TEXT, HTML, JSON, JSONL = "text", "html", "json", "jsonl"
SUFFIXES = {
    ".txt": TEXT,
    ".text": TEXT,
    ".html": HTML,
    ".htm": HTML,
    ".json": JSON,
    ".jsonl": JSONL,
    ".ndjson": JSONL,
}
#: Files (after decompression) larger than this are skipped rather than read whole.
MAX_FILE_BYTES = 512 * 1024 * 1024
_MAX_GZIP_RATIO_BYTES = MAX_FILE_BYTES
#: A document's body is indexed up to this many characters (the rest is
#: dropped with a notice): indexing costs several times the text's size in
#: memory, so this bounds what one huge file can cost.
MAX_BODY_CHARS = 5_000_000
#: Short fields (title, author, ...) and the id are cut at this length; at most this many tags.
MAX_FIELD_CHARS = 1000
MAX_TAGS = 200
#: At most this many bad lines of one JSON Lines file are listed one by one.
MAX_LISTED_BAD_LINES = 100
_SURROGATES = re.compile(r"[\ud800-\udfff]")


class SkipFile(Exception):
    """The file cannot be indexed; ``str(exc)`` is the one-line reason."""


@dataclass
class RecordError:
    """One bad record inside an otherwise readable file (a bad JSON Lines line)."""

    where: str
    reason: str


@dataclass
class Notice:
    """A document was indexed, but not whole (a body cut at :data:`MAX_BODY_CHARS`)."""

    where: str
    message: str


def format_of(path: Path) -> str | None:
    """The reader for ``path`` by suffix (``.gz`` looks at the suffix before it), or None."""
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if not suffixes:
        return None
    return SUFFIXES.get(suffixes[-1])


def _gunzip(raw: bytes) -> bytes:
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(raw, _MAX_GZIP_RATIO_BYTES)
    except zlib.error as exc:
        raise SkipFile(f"corrupt gzip data ({exc})") from None
    if decompressor.unconsumed_tail:
        raise SkipFile("gzip data expands beyond the size limit")
    return data


def read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when it is gzip (by suffix or by magic number)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block for ever, a device never end
            raise SkipFile("not a regular file")
        size = info.st_size
        if size > MAX_FILE_BYTES:
            raise SkipFile(f"file too large ({size // (1024 * 1024)} MB)")
        raw = path.read_bytes()
    except SkipFile:
        raise
    except OSError as exc:
        raise SkipFile(f"cannot read: {exc.strerror or exc}") from None
    if raw[:2] == b"\x1f\x8b":
        raw = _gunzip(raw)
    elif path.suffix.lower() == ".gz":
        raise SkipFile("not gzip data despite the .gz name")
    return raw


def _decode(raw: bytes) -> str:
    try:
        return decode_text(raw)
    except ValueError as exc:
        raise SkipFile(str(exc)) from None


def _clean(value: str | None, limit: int = MAX_FIELD_CHARS) -> str | None:
    """Text safe to index: no lone surrogates (``"\\ud800"`` in JSON), bounded length."""
    if value is None:
        return None
    value = _SURROGATES.sub("\ufffd", value)
    return value[:limit] if len(value) > limit else value


def _cut_body(body: str) -> str:
    cut = body.rfind(" ", MAX_BODY_CHARS - 1000, MAX_BODY_CHARS)
    return body[:cut if cut > 0 else MAX_BODY_CHARS]


def _document(doc_id: str, path: str, fields: dict) -> Iterator[Document | Notice]:
    body = fields.get("body") or ""
    if len(body) > MAX_BODY_CHARS:
        yield Notice(doc_id, f"text of {len(body):,} characters: only the first {MAX_BODY_CHARS:,} are indexed")
        body = _cut_body(body)
    body = _clean(body, MAX_BODY_CHARS) or ""
    dateline = fields.get("dateline")
    if not dateline and body:
        dateline = find_dateline(body)
    yield Document(
        id=_clean(doc_id, 4 * MAX_FIELD_CHARS) or doc_id,
        path=path,
        title=_clean(fields.get("title")),
        body=body,
        date=fields.get("date"),
        author=_clean(fields.get("author")),
        tags=[_clean(tag) for tag in list(fields.get("tags") or [])[:MAX_TAGS]],
        source=_clean(fields.get("source")),
        url=_clean(fields.get("url"), 4 * MAX_FIELD_CHARS),
        dateline=_clean(dateline),
    )


def _head_of_text(raw: bytes, limit: int) -> bytes:
    """The first ``limit`` bytes or so of ``raw``, cut after a line (or a whole UTF-8 character)."""
    if len(raw) <= limit:
        return raw
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw[:limit - limit % 2]
    cut = raw.rfind(b"\n", limit // 2, limit)
    if cut == -1:
        cut = limit
        while cut > limit - 4 and 0x80 <= raw[cut] < 0xC0:  # not inside a UTF-8 character
            cut -= 1
    return raw[:cut]


def _jsonl_lines(raw: bytes) -> Iterator[tuple[int, str | None]]:
    """(line number, text) for each line of a JSON Lines file, decoded one by one
    (no copy of the whole file); text is None for a line that is binary junk."""
    stream = io.BytesIO(raw)
    for number, line in enumerate(stream, 1):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if not line.strip():
            continue
        try:
            yield number, decode_text(line)
        except ValueError:
            yield number, None


def _record_id(record: dict, fallback: str) -> str:
    value = record.get("id")
    if value is None or isinstance(value, (dict, list)) or value == "":
        return fallback
    return str(value)


def read_file(
    path: Path, base_id: str, raw: bytes | None = None
) -> Iterator[Document | RecordError | Notice]:
    """Yield the documents in ``path`` (``base_id``: its id when it has no id of its own).

    ``raw`` may be passed when the caller already read the file (to hash it).
    Raises :class:`SkipFile` when the file as a whole cannot be used.
    """
    kind = format_of(path)
    if kind is None:
        raise SkipFile("unsupported file type")
    if raw is None:
        raw = read_bytes(path)
    elif raw[:2] == b"\x1f\x8b":
        raw = _gunzip(raw)
    elif path.suffix.lower() == ".gz":
        raise SkipFile("not gzip data despite the .gz name")
    display = path.as_posix()
    if kind == HTML:
        from .html import extract_html  # bs4 and lxml load only when HTML is read

        if not raw.strip():
            raise SkipFile("empty file")
        if b"\x00" in raw[:8192] and not raw.lstrip()[:1] == b"<":
            raise SkipFile("binary data, not HTML")
        fields = extract_html(raw)
        if not (fields.get("body") or fields.get("title")):
            raise SkipFile("no article text found in the HTML")
        yield from _document(base_id, display, fields)
        return
    if kind == JSONL:
        yield from _read_jsonl(raw, base_id, display)
        return
    if kind == TEXT and len(raw) > MAX_BODY_CHARS + 65536:
        # Decode only what can be indexed: the rest would cost memory for nothing.
        size = len(raw)
        text = _decode(_head_of_text(raw, MAX_BODY_CHARS + 65536))
        yield Notice(base_id, f"text of {size / 1e6:.1f} MB: only the first {MAX_BODY_CHARS:,} characters are indexed")
        from .text import parse_text

        fields = parse_text(text)
        del text
        if len(fields["body"]) > MAX_BODY_CHARS:
            fields["body"] = _cut_body(fields["body"])
        yield from _document(base_id, display, fields)
        return
    text = _decode(raw)
    if not text.strip():
        raise SkipFile("empty file")
    if kind == TEXT:
        from .text import parse_text

        yield from _document(base_id, display, parse_text(text))
    elif kind == JSON:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise SkipFile(f"invalid JSON ({_short(exc)})") from None
        if isinstance(data, dict):
            yield from _document(_record_id(data, base_id), display, record_fields(data))
        elif isinstance(data, list):
            if not data:
                raise SkipFile("JSON list is empty")
            for number, item in enumerate(data, 1):
                where = f"{base_id}#{number}"
                if isinstance(item, dict):
                    yield from _document(_record_id(item, where), display, record_fields(item))
                else:
                    yield RecordError(where, f"JSON item is {_a(item)}, not an object")
        else:
            raise SkipFile(f"JSON value is {_a(data)}, not an object or a list")


def _a(value: object) -> str:
    """``a string``, ``an int``, ``null`` ... for messages about JSON values."""
    names = {str: "a string", int: "a number", float: "a number", bool: "a boolean", list: "a list"}
    return "null" if value is None else names.get(type(value), f"a {type(value).__name__}")


def _read_jsonl(raw: bytes, base_id: str, display: str) -> Iterator[Document | RecordError | Notice]:
    if not raw.strip():
        raise SkipFile("empty file")
    if looks_binary(raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw):
        raise SkipFile("binary data, not text")
    bad = 0
    for number, line in _jsonl_lines(raw):
        where = f"{base_id}#{number}"
        if line is None:
            reason = "binary data, not text"
        else:
            try:
                item = json.loads(line)
            except (ValueError, RecursionError) as exc:
                reason = f"invalid JSON ({_short(exc)})"
            else:
                if isinstance(item, dict):
                    yield from _document(_record_id(item, where), display, record_fields(item))
                    continue
                reason = f"JSON value is {_a(item)}, not an object"
        bad += 1
        if bad <= MAX_LISTED_BAD_LINES:
            yield RecordError(where, reason)
    if bad > MAX_LISTED_BAD_LINES:
        yield RecordError(base_id, f"{bad - MAX_LISTED_BAD_LINES} more bad lines (not listed one by one)")


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]
