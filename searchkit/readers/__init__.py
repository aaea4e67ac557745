"""Readers: turn one file into the documents it holds.

:func:`read_file` picks a reader by suffix (``.txt``, ``.html``, ``.json``,
``.jsonl`` and each of them ``.gz``-compressed).  A file that cannot be read
raises :class:`SkipFile` with a one-line reason; a JSON Lines file with some
bad lines yields its good records and reports the bad ones through
:class:`RecordError` items.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..document import Document
from .encoding import decode_text
from .records import record_fields
from .text import find_dateline

__all__ = [
    "SUFFIXES",
    "SkipFile",
    "RecordError",
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


class SkipFile(Exception):
    """The file cannot be indexed; ``str(exc)`` is the one-line reason."""


@dataclass
class RecordError:
    """One bad record inside an otherwise readable file (a bad JSON Lines line)."""

    where: str
    reason: str


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
        size = path.stat().st_size
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


def _document(doc_id: str, path: str, fields: dict) -> Document:
    body = fields.get("body") or ""
    dateline = fields.get("dateline")
    if not dateline and body:
        dateline = find_dateline(body)
    return Document(
        id=doc_id,
        path=path,
        title=fields.get("title"),
        body=body,
        date=fields.get("date"),
        author=fields.get("author"),
        tags=list(fields.get("tags") or []),
        source=fields.get("source"),
        url=fields.get("url"),
        dateline=dateline,
    )


def _record_id(record: dict, fallback: str) -> str:
    value = record.get("id")
    if value is None or isinstance(value, (dict, list)) or value == "":
        return fallback
    return str(value)


def read_file(
    path: Path, base_id: str, raw: bytes | None = None
) -> Iterator[Document | RecordError]:
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
        yield _document(base_id, display, fields)
        return
    text = _decode(raw)
    if not text.strip():
        raise SkipFile("empty file")
    if kind == TEXT:
        from .text import parse_text

        yield _document(base_id, display, parse_text(text))
    elif kind == JSON:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise SkipFile(f"invalid JSON ({_short(exc)})") from None
        if isinstance(data, dict):
            yield _document(_record_id(data, base_id), display, record_fields(data))
        elif isinstance(data, list):
            if not data:
                raise SkipFile("JSON list is empty")
            for number, item in enumerate(data, 1):
                where = f"{base_id}#{number}"
                if isinstance(item, dict):
                    yield _document(_record_id(item, where), display, record_fields(item))
                else:
                    yield RecordError(where, f"JSON item is a {type(item).__name__}, not an object")
        else:
            raise SkipFile(f"JSON value is a {type(data).__name__}, not an object or a list")
    else:  # JSONL
        for number, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            where = f"{base_id}#{number}"
            try:
                item = json.loads(line)
            except (ValueError, RecursionError) as exc:
                yield RecordError(where, f"invalid JSON ({_short(exc)})")
                continue
            if not isinstance(item, dict):
                yield RecordError(where, f"JSON value is a {type(item).__name__}, not an object")
                continue
            yield _document(_record_id(item, where), display, record_fields(item))


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]
