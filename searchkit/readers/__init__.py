"""Readers: turn one file into the documents it holds.

:func:`read_file` picks a reader by suffix (``.txt``, ``.html``, ``.json``,
``.jsonl`` and each of them ``.gz``-compressed).  A file that cannot be read
raises :class:`SkipFile` with a one-line reason; a JSON Lines file with some
bad lines yields its good records and reports the bad ones through
:class:`RecordError` items.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..document import Document
from .encoding import decode_text, gunzip, looks_binary
from .records import record_fields
from .text import find_dateline

__all__ = [
    "SUFFIXES",
    "SkipFile",
    "RecordError",
    "Notice",
    "BadDate",
    "MAX_BODY_CHARS",
    "format_of",
    "read_file",
    "read_bytes",
    "file_digest",
    "open_decompressed",
    "MAX_FILE_BYTES",
    "MAX_JSON_BYTES",
    "MAX_LINE_BYTES",
]

TEXT, HTML, JSON, JSONL, SGML = "text", "html", "json", "jsonl", "sgml"
SUFFIXES = {
    ".sgm": SGML,
    ".sgml": SGML,
    ".txt": TEXT,
    ".text": TEXT,
    ".html": HTML,
    ".htm": HTML,
    ".json": JSON,
    ".jsonl": JSONL,
    ".ndjson": JSONL,
}
#: Files (after decompression) larger than this are skipped rather than read whole.
#: JSON Lines files are streamed line by line and have no size limit.
MAX_FILE_BYTES = 512 * 1024 * 1024
#: A ``.json`` file is parsed whole (its text and its objects cost about three
#: times its size): larger ones are skipped.  JSON Lines has no such limit.
MAX_JSON_BYTES = 128 * 1024 * 1024
#: A JSON Lines line longer than this is skipped as one bad record without
#: being held in memory (a record's body is indexed up to MAX_BODY_CHARS anyway).
MAX_LINE_BYTES = 64 * 1024 * 1024
#: Bytes read at a time when a file is hashed or streamed.
CHUNK_BYTES = 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
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
#: Control characters (all but tab, newline, carriage return): an escape
#: sequence in an article must not reach a terminal through ``show`` or a snippet.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Either of them: most values hold neither, and are looked at once instead of copied twice.
_UNCLEAN = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


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


@dataclass
class BadDate:
    """A document was indexed without a date: the date it gave could not be read."""

    where: str
    value: str


#: Names of files that document a collection rather than hold an article.
_NOT_ARTICLE_NAMES = re.compile(r"^(?:read[-_ ]?me|licen[cs]e|copying|changelog|changes|install|notice|authors)"
                                r"(?:[-_.][\w.-]*)?$", re.IGNORECASE)
#: Agencies named in a dateline (``MANILA (Reuters) -``) -> the source they stand for.
_AGENCIES = {
    "reuters": "Reuters", "reuter": "Reuters", "ap": "AP", "afp": "AFP", "upi": "UPI", "dpa": "dpa",
    "bloomberg": "Bloomberg", "xinhua": "Xinhua", "ians": "IANS", "pti": "PTI", "ansa": "ANSA", "efe": "EFE",
    "kyodo": "Kyodo", "aap": "AAP", "cp": "CP", "the associated press": "AP", "associated press": "AP",
}
_AGENCY = re.compile(r"\(([^()]{2,25})\)")


def agency_of(dateline: str | None) -> str | None:
    """The news agency a dateline names (``WASHINGTON (Reuters)`` -> ``Reuters``), or None."""
    if not dateline:
        return None
    for match in _AGENCY.finditer(dateline):
        name = _AGENCIES.get(" ".join(match.group(1).split()).casefold())
        if name:
            return name
    return None


def not_an_article(path: Path) -> str | None:
    """Why a text file is plainly not a news article (a README, a licence, the
    documentation and word lists beside an SGML dump), or None."""
    stem = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    if _NOT_ARTICLE_NAMES.match(stem.rsplit(".", 1)[0]):
        return "a README or licence file, not an article"
    if _beside_sgml(str(path.parent)):
        return "documentation beside an SGML news dump (.sgm), not an article"
    return None


_SGML_FOLDERS: dict[str, bool] = {}


def _beside_sgml(folder: str) -> bool:
    known = _SGML_FOLDERS.get(folder)
    if known is None:
        try:
            with os.scandir(folder) as entries:
                known = any(e.name.lower().endswith((".sgm", ".sgml", ".sgm.gz")) for e in entries)
        except OSError:
            known = False
        if len(_SGML_FOLDERS) > 10_000:
            _SGML_FOLDERS.clear()
        _SGML_FOLDERS[folder] = known
    return known


def format_of(path: Path) -> str | None:
    """The reader for ``path`` by suffix (``.gz`` looks at the suffix before it), or None."""
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if not suffixes:
        return None
    return SUFFIXES.get(suffixes[-1])


def _gunzip(raw: bytes, limit: int = _MAX_GZIP_RATIO_BYTES) -> bytes:
    try:
        data, whole = gunzip(raw, limit)
    except zlib.error as exc:
        raise SkipFile(f"corrupt gzip data ({exc})") from None
    if not whole:
        raise SkipFile("gzip data expands beyond the size limit")
    return data


def _too_large(size: int, limit: int) -> SkipFile:
    if limit == MAX_JSON_BYTES:
        return SkipFile(f"JSON file too large to read whole ({size / 2**20:.0f} MB, limit "
                        f"{limit // 2**20} MB): split it, or write it as JSON Lines")
    return SkipFile(f"file too large ({size // (1024 * 1024)} MB)")


def _regular_size(path: Path) -> int:
    """The size of ``path``; SkipFile when it is not a regular file or cannot be looked at."""
    try:
        info = path.stat()
    except OSError as exc:
        raise SkipFile(f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block for ever, a device never end
        raise SkipFile("not a regular file")
    return info.st_size


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, decompressed when it is gzip (by suffix or by magic number).

    A file larger than ``limit`` bytes (before or after decompression) is skipped.
    """
    size = _regular_size(path)
    if size > limit:
        raise _too_large(size, limit)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SkipFile(f"cannot read: {exc.strerror or exc}") from None
    if raw[:2] == _GZIP_MAGIC:
        raw = _gunzip(raw, limit)
    elif path.suffix.lower() == ".gz":
        raise SkipFile("not gzip data despite the .gz name")
    return raw


@contextmanager
def open_decompressed(path: Path) -> Iterator[BinaryIO]:
    """The file's content as a binary stream, decompressed when it is gzip.

    Opening raises :class:`SkipFile` (not a regular file, unreadable, a
    ``.gz`` name on plain data).  Reading may raise ``OSError``, ``EOFError``
    or ``zlib.error`` (a read error, corrupt gzip data): see :func:`_read_error`.
    """
    _regular_size(path)
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise SkipFile(f"cannot read: {exc.strerror or exc}") from None
    with handle:
        try:
            magic = handle.read(2)
            handle.seek(0)
        except OSError as exc:
            raise SkipFile(f"cannot read: {exc.strerror or exc}") from None
        if magic == _GZIP_MAGIC:
            with gzip.GzipFile(fileobj=handle, mode="rb") as stream:
                yield stream
        elif path.suffix.lower() == ".gz":
            raise SkipFile("not gzip data despite the .gz name")
        else:
            yield handle


def _read_error(exc: BaseException, stream: object) -> SkipFile:
    """The one-line reason for an error met while reading a stream of :func:`open_decompressed`."""
    if isinstance(stream, gzip.GzipFile) and not (isinstance(exc, OSError) and exc.errno):
        return SkipFile(f"corrupt gzip data ({_short(exc)})")
    if isinstance(exc, OSError):
        return SkipFile(f"cannot read: {exc.strerror or _short(exc)}")
    return SkipFile(f"cannot read: {_short(exc)}")


def file_digest(path: Path) -> str:
    """The content hash of ``path`` (of its decompressed bytes), read a chunk at a time.

    The same value as hashing :func:`read_bytes` whole.  Files that would be
    read whole (all but JSON Lines) are held to the same size limits here, so
    a file too large to read is skipped before it is hashed.
    """
    kind = format_of(path)
    limit = None if kind == JSONL else MAX_JSON_BYTES if kind == JSON else MAX_FILE_BYTES
    size = _regular_size(path)
    if limit is not None and size > limit:
        raise _too_large(size, limit)
    digest = hashlib.blake2b(digest_size=16)
    total = 0
    with open_decompressed(path) as stream:
        try:
            while True:
                chunk = stream.read(CHUNK_BYTES)
                if not chunk:
                    break
                total += len(chunk)
                if limit is not None and total > limit:
                    if isinstance(stream, gzip.GzipFile):
                        raise SkipFile("gzip data expands beyond the size limit")
                    raise _too_large(total, limit)
                digest.update(chunk)
        except SkipFile:
            raise
        except (OSError, EOFError, zlib.error) as exc:
            raise _read_error(exc, stream) from None
    return digest.hexdigest()


def _decode(raw: bytes) -> str:
    try:
        return decode_text(raw)
    except ValueError as exc:
        raise SkipFile(str(exc)) from None


def _clean(value: str | None, limit: int = MAX_FIELD_CHARS) -> str | None:
    """Text safe to index: no lone surrogates (``"\\ud800"`` in JSON), bounded length."""
    if value is None:
        return None
    if _UNCLEAN.search(value) is not None:
        value = _SURROGATES.sub("\ufffd", value)
        value = _CONTROLS.sub("", value)
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
    source = fields.get("source") or agency_of(dateline)
    if fields.get("date_raw") and not fields.get("date"):
        yield BadDate(doc_id, _clean(str(fields["date_raw"]), 80) or "")
    yield Document(
        id=_clean(doc_id, 4 * MAX_FIELD_CHARS) or doc_id,
        path=path,
        title=_clean(fields.get("title")),
        body=body,
        date=fields.get("date"),
        author=_clean(fields.get("author")),
        tags=[_clean(tag) for tag in list(fields.get("tags") or [])[:MAX_TAGS]],
        source=_clean(source),
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


def _raw_lines(stream: BinaryIO, head: bytes) -> Iterator[bytes | None]:
    """The lines of ``head`` followed by the rest of ``stream``; None for a line
    longer than :data:`MAX_LINE_BYTES`, which is read past without being kept."""
    pending = io.BytesIO(head)
    while True:
        line = pending.readline()
        if not line:
            break
        if not line.endswith(b"\n") and len(head) == pending.tell():
            # the head ends inside this line: its end comes from the stream
            line += stream.readline(max(0, MAX_LINE_BYTES + 1 - len(line)))
        yield _bounded(line, stream)
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        yield _bounded(line, stream)


def _bounded(line: bytes, stream: BinaryIO) -> bytes | None:
    if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
        return line
    while True:  # read past the rest of the line, a chunk at a time
        more = stream.readline(CHUNK_BYTES)
        if not more or more.endswith(b"\n"):
            return None


_TOO_LONG = object()


def _jsonl_lines(stream: BinaryIO, first: int = 1, whole: bool = True) -> Iterator[tuple[int, object]]:
    """(line number, text) for each non-blank line of a JSON Lines stream, decoded
    one by one; text is None for a line that is binary junk, ``_TOO_LONG`` for one
    longer than :data:`MAX_LINE_BYTES`.  Raises SkipFile for a file that is empty
    or binary as a whole (judged by its start, before any line is yielded).

    ``first``: the number of the stream's first line (a byte range of a file
    starting at its line ``first``: the file's start is judged only when 1);
    ``whole=False``: an empty range is not an error."""
    head = stream.read(8192 + 3)
    if first == 1:
        body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
        if looks_binary(body[:8192]):
            raise SkipFile("binary data, not text")
    content = False
    for number, line in enumerate(_raw_lines(stream, head), first):
        if line is None:
            content = True
            yield number, _TOO_LONG
            continue
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if not line.strip():
            continue
        content = True
        try:
            yield number, decode_text(line)
        except ValueError:
            yield number, None
    if not content and whole:
        raise SkipFile("empty file")


def _record_id(record: dict, fallback: str) -> str:
    value = record.get("id")
    if value is None or isinstance(value, (dict, list)) or value == "":
        return fallback
    return str(value)


def read_file(
    path: Path, base_id: str, raw: bytes | None = None
) -> Iterator[Document | RecordError | Notice]:
    """Yield the documents in ``path`` (``base_id``: its id when it has no id of its own).

    JSON Lines files are streamed: records come one at a time, however large
    the file.  Other files are read whole (see :data:`MAX_FILE_BYTES` and
    :data:`MAX_JSON_BYTES`).  ``raw`` may be passed when the caller already
    holds the file's bytes.  Raises :class:`SkipFile` when the file as a whole
    cannot be used -- for JSON Lines possibly after some records were yielded,
    when reading fails midway.
    """
    kind = format_of(path)
    if kind is None:
        raise SkipFile("unsupported file type")
    if kind == JSONL and raw is None:
        with open_decompressed(path) as stream:
            try:
                yield from _read_jsonl(stream, base_id, path.as_posix())
            except (OSError, EOFError, zlib.error) as exc:
                raise _read_error(exc, stream) from None
        return
    if raw is None:
        raw = read_bytes(path, MAX_JSON_BYTES if kind == JSON else MAX_FILE_BYTES)
    elif raw[:2] == _GZIP_MAGIC:
        raw = _gunzip(raw)
    elif path.suffix.lower() == ".gz":
        raise SkipFile("not gzip data despite the .gz name")
    display = path.as_posix()
    if kind == SGML:
        yield from _read_sgml(raw, base_id, display)
        return
    if kind == TEXT:
        reason = not_an_article(path)
        if reason:
            raise SkipFile(reason)
    if kind == HTML:
        yield from _read_html(raw, base_id, display)
        return
    if kind == JSONL:
        yield from _read_jsonl(io.BytesIO(raw), base_id, display)
        return
    if kind == TEXT and len(raw) > MAX_BODY_CHARS + 65536:
        yield from _read_big_text(raw, base_id, display)
        return
    text = _decode(raw)
    del raw  # a JSON file's objects are built from its text: the bytes are not needed any more
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
        del text
        yield from _read_json_value(data, base_id, display)


def _read_html(raw: bytes, base_id: str, display: str) -> Iterator[Document]:
    from .html import extract_html  # bs4 and lxml load only when HTML is read

    if not raw.strip():
        raise SkipFile("empty file")
    if b"\x00" in raw[:8192] and not raw.lstrip()[:1] == b"<":
        raise SkipFile("binary data, not HTML")
    fields = extract_html(raw, inflate=False)  # read_bytes (or read_file) inflated it once
    if not (fields.get("body") or fields.get("title")):
        raise SkipFile("no article text found in the HTML")
    yield from _document(base_id, display, fields)


def _read_big_text(raw: bytes, base_id: str, display: str) -> Iterator[Document | Notice]:
    """A text file longer than can be indexed: only its head is decoded and parsed."""
    size = len(raw)
    text = _decode(_head_of_text(raw, MAX_BODY_CHARS + 65536))
    yield Notice(base_id, f"text of {size / 1e6:.1f} MB: only the first {MAX_BODY_CHARS:,} characters are indexed")
    from .text import parse_text

    fields = parse_text(text)
    del text
    if len(fields["body"]) > MAX_BODY_CHARS:
        fields["body"] = _cut_body(fields["body"])
    yield from _document(base_id, display, fields)


def _read_json_value(data: object, base_id: str, display: str) -> Iterator[Document | RecordError]:
    """The documents of a parsed ``.json`` file: an object, or a list of objects."""
    if isinstance(data, dict):
        yield from _document(_record_id(data, base_id), display, record_fields(data))
    elif isinstance(data, list):
        if not data:
            raise SkipFile("JSON list is empty")
        data.reverse()  # popped one by one: each object is freed once its document is made
        number = 0
        while data:
            item = data.pop()
            number += 1
            where = f"{base_id}#{number}"
            if isinstance(item, dict):
                yield from _document(_record_id(item, where), display, record_fields(item))
            else:
                yield RecordError(where, f"JSON item is {_a(item)}, not an object")
    else:
        raise SkipFile(f"JSON value is {_a(data)}, not an object or a list")


def _read_sgml(raw: bytes, base_id: str, display: str, first: int = 1) -> Iterator[Document | RecordError | Notice]:
    """The records of a Reuters-21578 style SGML file (see :mod:`searchkit.readers.sgml`).

    ``first``: the number of the first record in ``raw`` (a byte range of a
    file, cut between records: the file's start is judged only when 1)."""
    from .sgml import LIST_FIELDS, iter_records

    if first == 1 and looks_binary(raw[:8192]):
        raise SkipFile("binary data, not text")
    count = 0
    for number, record in enumerate(iter_records(raw), first):
        count += 1
        doc_id = record["id"] or f"{base_id}#{number}"
        if not (record["title"] or record["body"]):
            yield RecordError(doc_id, "story with neither title nor text")
            continue
        tags: list[str] = []
        for name in LIST_FIELDS:
            for item in record[name]:
                if item not in tags:
                    tags.append(item)
        fields = {
            "title": record["title"] or None,
            "body": record["body"],  # a headline-only story (TYPE="BRIEF") has none: its title is not counted twice
            "date": record["date"],
            "date_raw": record["date_raw"],
            "dateline": record["dateline"] or None,
            "tags": tags,
            "source": "Reuters",
        }
        yield from _document(doc_id, display, fields)
    if not count:
        raise SkipFile("no <REUTERS> records in this SGML file")


def _a(value: object) -> str:
    """``a string``, ``an int``, ``null`` ... for messages about JSON values."""
    names = {str: "a string", int: "a number", float: "a number", bool: "a boolean", list: "a list"}
    return "null" if value is None else names.get(type(value), f"a {type(value).__name__}")


def _read_jsonl(stream: BinaryIO, base_id: str, display: str, first: int = 1,
                whole: bool = True) -> Iterator[Document | RecordError | Notice]:
    """The records of a JSON Lines stream, one line at a time (memory bounded by the longest line).

    ``first``, ``whole=False``: a byte range of a file (see :func:`_jsonl_lines`);
    its bad lines are then all listed (the caller lists the file's first few)."""
    bad = 0
    for number, line in _jsonl_lines(stream, first, whole):
        where = f"{base_id}#{number}"
        if line is None:
            reason = "binary data, not text"
        elif line is _TOO_LONG:
            reason = f"line longer than {MAX_LINE_BYTES // 2**20} MB"
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
        if bad <= MAX_LISTED_BAD_LINES or not whole:
            yield RecordError(where, reason)
    if bad > MAX_LISTED_BAD_LINES and whole:
        yield RecordError(base_id, f"{bad - MAX_LISTED_BAD_LINES} more bad lines (not listed one by one)")


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]
