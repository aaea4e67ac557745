"""Date normalisation: anything a news source writes -> ISO 8601, or None.

Dates from articles are messy (RFC 2822 ``pubDate``, ``June 28, 2019``,
ISO with offsets, epoch seconds).  An unparseable date is never fatal: the
caller simply gets ``None`` and keeps the document without a date.
"""

from __future__ import annotations

import datetime as _dt
import re

__all__ = ["normalise_date", "parse_date_bound", "to_datetime", "DateError"]

_MIN_YEAR, _MAX_YEAR = 1700, 2200
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_ISO_YEAR = re.compile(r"^(\d{4})$")


class DateError(ValueError):
    """A date given by the user (``--since``, ``date:``) could not be understood."""


def _format(value: _dt.datetime | _dt.date) -> str:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


def _plausible(value: _dt.date) -> bool:
    return _MIN_YEAR <= value.year <= _MAX_YEAR


def normalise_date(value: object) -> str | None:
    """Return ``value`` as an ISO 8601 string (UTC, date-only when there is no time).

    Accepts strings in most formats news sources use, datetimes, dates and
    epoch seconds/milliseconds.  Returns ``None`` for anything it cannot read.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (_dt.datetime, _dt.date)):
        return _format(value) if _plausible(value) else None
    if isinstance(value, (int, float)):
        seconds = float(value)
        if seconds > 1e11:  # milliseconds
            seconds /= 1000.0
        try:
            parsed = _dt.datetime.fromtimestamp(seconds, tz=_dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
        return _format(parsed) if _plausible(parsed) else None
    if isinstance(value, list) and value:
        return normalise_date(value[0])
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 100:
        return None
    if _ISO_DATE.match(text):
        try:
            day = _dt.date.fromisoformat(text)
        except ValueError:
            return None
        return day.isoformat() if _plausible(day) else None
    if text.isdigit() and len(text) in (10, 13):
        return normalise_date(int(text))
    try:
        parsed = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = _parse_loose(text)
    if parsed is None or not _plausible(parsed):
        return None
    return _format(parsed)


def _parse_loose(text: str) -> _dt.datetime | None:
    # dateutil is imported only here: it is not needed on the query path.
    from dateutil import parser as date_parser

    # Reuters style "26-FEB-1987 15:01:01.79" and friends parse fine in dateutil.
    # A default with day=1 keeps "June 2019" meaning the first of the month.
    default = _dt.datetime(2000, 1, 1)
    try:
        return date_parser.parse(text, default=default, fuzzy=False)
    except (ValueError, OverflowError, TypeError, LookupError):
        pass
    try:
        # Last try: ignore words around the date ("Published on June 28, 2019").
        return date_parser.parse(text, default=default, fuzzy=True)
    except (ValueError, OverflowError, TypeError, LookupError):
        return None


def to_datetime(iso: str) -> _dt.datetime:
    """Turn a string produced by :func:`normalise_date` back into a naive UTC datetime."""
    if len(iso) == 10:
        return _dt.datetime.combine(_dt.date.fromisoformat(iso), _dt.time())
    return _dt.datetime.fromisoformat(iso)


def parse_date_bound(text: str, *, end: bool = False) -> _dt.datetime:
    """Parse a user-given date bound: ``2019``, ``2019-06``, ``2019-06-28`` or a full date.

    With ``end=True`` a partial date means the *end* of that period
    (``2019-06`` -> the last instant of June 2019), so ``--until 2019-06``
    includes the whole month.  Raises :class:`DateError` with a readable message.
    """
    text = (text or "").strip()
    if not text:
        raise DateError("empty date")
    try:
        match = _ISO_YEAR.match(text)
        if match:
            year = int(match.group(1))
            start = _dt.datetime(year, 1, 1)
            return _dt.datetime(year, 12, 31, 23, 59, 59, 999999) if end else start
        match = _ISO_MONTH.match(text)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            start = _dt.datetime(year, month, 1)
            if not end:
                return start
            nxt = _dt.datetime(year + (month == 12), month % 12 + 1, 1)
            return nxt - _dt.timedelta(microseconds=1)
        if _ISO_DATE.match(text):
            day = _dt.date.fromisoformat(text)
            if end:
                return _dt.datetime.combine(day, _dt.time.max)
            return _dt.datetime.combine(day, _dt.time())
    except ValueError as exc:
        raise DateError(f"invalid date {text!r}: {exc}") from None
    iso = normalise_date(text)
    if iso is None:
        raise DateError(f"invalid date {text!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
    value = to_datetime(iso)
    if end and len(iso) == 10:
        value = _dt.datetime.combine(value.date(), _dt.time.max)
    return value
