"""Date normalisation: what a news source writes -> ISO 8601 (UTC), or None.

Rules (see the README, "Dates"):

* A date is never invented.  A text date needs its year written in it
  (``Friday, June 28``, ``15:04`` and ``5 comments`` are not dates);
  a relative phrase (``3 hours ago``, ``yesterday``) is resolved only against
  a known publication or crawl time passed as ``reference``.
* The formats news sources use are read by hand, without dateutil: ISO 8601,
  RFC 822/2822 (``Fri, 28 Jun 2019 22:30:00 EDT``, zone names honoured, see
  :data:`ZONES`), Reuters' ``26-FEB-1987 15:01:01.79``, ``June 28, 2019`` and
  ``28 June 2019``, epoch seconds or milliseconds.  dateutil is the fallback
  for anything else holding a year, with its warnings silenced and the same
  zone table; its answer is kept only when its year is one written in the text.
* A date given by a user (``--since``, ``--until``, ``date:``) must be
  ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or an ISO 8601 date-time:
  :func:`parse_date_bound` raises :class:`DateError` for anything else.
"""

from __future__ import annotations

import datetime as _dt
import re

__all__ = ["normalise_date", "parse_date_bound", "to_datetime", "DateError", "ZONES", "BOUND_FORMS"]

_MIN_YEAR, _MAX_YEAR = 1700, 2200
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_ISO_YEAR = re.compile(r"^(\d{4})$")
_UNPADDED = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$", re.I
)

#: What ``--since``/``--until``/``date:`` accept, for error messages.
BOUND_FORMS = "YYYY, YYYY-MM, YYYY-MM-DD or an ISO date-time such as 2019-06-28T10:15"

#: Time zone names -> offset in minutes east of UTC.  RFC 822's own names
#: (UT, GMT, EST/EDT, CST/CDT, MST/MDT, PST/PDT) and those common in news feeds.
#: Ambiguous names (IST: India or Ireland) are left out: such a date keeps its
#: wall-clock time rather than get a guessed offset.
ZONES: dict[str, int] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600, "AST": -240, "ADT": -180,
    "NST": -210, "NDT": -150,
    "BST": 60, "CET": 60, "CEST": 120, "MET": 60, "MEST": 120, "WEST": 60, "EET": 120, "EEST": 180,
    "MSK": 180, "JST": 540, "KST": 540, "HKT": 480, "SGT": 480, "AWST": 480, "ACST": 570,
    "ACDT": 630, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
}
_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")], 1)
    for name in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_TIME = (r"(?:(?:,|\s+at|\s*T)?\s*(?P<hh>\d{1,2}):(?P<mm>\d{2})(?::(?P<ss>\d{2})(?:[.,]\d+)?)?"
         r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?))?)?")
_ZONE = r"(?:\s*(?P<zone>[+-]\d{2}:?\d{2}|[A-Za-z]{1,5}(?:[+-]\d{1,2}(?::?\d{2})?)?))?"
_WEEKDAY = r"(?:[A-Za-z]{3,9}\.?,?\s+)?"
#: ``Fri, 28 Jun 2019 22:30:00 EDT`` (RFC 822/2822), ``28 June 2019``, ``28-FEB-1987 15:01:01.79``.
_DAY_MONTH_YEAR = re.compile(
    rf"^{_WEEKDAY}(?P<day>\d{{1,2}})(?:\s+|-){_MONTH}(?:\s+|-)(?P<year>\d{{4}}|\d{{2}}){_TIME}{_ZONE}$"
)
#: ``June 28, 2019``, ``Fri, Jun 28 2019 10:15 PM EDT``.
_MONTH_DAY_YEAR = re.compile(
    rf"^{_WEEKDAY}{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}}){_TIME}{_ZONE}$"
)
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(1[7-9]\d\d|2[0-2]\d\d)(?!\d)")
_RELATIVE = re.compile(
    r"^(?:(?:updated|published|posted)\s+)?(?:(?P<n>\d+|an?|one)\s+(?P<unit>second|sec|minute|min|hour|hr|day|week)s?"
    r"\s+ago|(?P<word>just now|now|today|yesterday))$",
    re.I,
)
_UNIT_SECONDS = {"second": 1, "sec": 1, "minute": 60, "min": 60, "hour": 3600, "hr": 3600, "day": 86400,
                 "week": 604800}


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


def _zone(text: str | None) -> _dt.tzinfo | None | bool:
    """A tzinfo for a zone written after a time; None for none; False for an unknown name."""
    if not text:
        return None
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", text)
    if match:
        minutes = int(match.group(2)) * 60 + int(match.group(3))
        return _dt.timezone(_dt.timedelta(minutes=-minutes if match.group(1) == "-" else minutes))
    match = re.fullmatch(r"([A-Za-z]{1,5})(?:([+-])(\d{1,2})(?::?(\d{2}))?)?", text)
    if match and match.group(1).upper() in ZONES:
        minutes = ZONES[match.group(1).upper()]
        if match.group(2):  # "GMT+2", "UTC-05:00"
            extra = int(match.group(3)) * 60 + int(match.group(4) or 0)
            minutes += -extra if match.group(2) == "-" else extra
        return _dt.timezone(_dt.timedelta(minutes=minutes))
    return False


def _from_match(match: re.Match[str]) -> _dt.datetime | None:
    month = _MONTHS.get(match.group("month").lower())
    if month is None:
        return None
    year = int(match.group("year"))
    if len(match.group("year")) == 2:  # RFC 2822's obsolete two-digit years
        year += 2000 if year < 50 else 1900
    zone = _zone(match.group("zone"))
    if zone is False:
        return None  # an unknown word after the date: leave it to the fallback
    if match.group("hh") is None:
        # A day without a time of day: the day as written, whatever zone
        # follows (midnight in CET is the day before in UTC), as dateutil reads it.
        zone = None
    hour = int(match.group("hh") or 0)
    ampm = (match.group("ampm") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    try:
        return _dt.datetime(year, month, int(match.group("day")), hour, int(match.group("mm") or 0),
                            int(match.group("ss") or 0), tzinfo=zone)
    except ValueError:
        return None


def _relative(text: str, reference: _dt.datetime | None) -> _dt.datetime | None | bool:
    """A relative phrase resolved against ``reference``; False when ``text`` is not one."""
    match = _RELATIVE.match(text)
    if not match:
        return False
    if reference is None:
        return None  # never resolved against "now" or a default year
    word = (match.group("word") or "").lower()
    if word in ("just now", "now", "today"):
        return reference if word != "today" else reference.replace(hour=0, minute=0, second=0, microsecond=0)
    if word == "yesterday":
        return (reference - _dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    count = match.group("n").lower()
    n = 1 if count in ("a", "an", "one") else int(count)
    return reference - _dt.timedelta(seconds=n * _UNIT_SECONDS[match.group("unit").lower()])


def normalise_date(value: object, *, reference: _dt.datetime | None = None) -> str | None:
    """Return ``value`` as an ISO 8601 string (UTC, date-only when there is no time).

    ``value``: a string in a format news sources use, a datetime or date, epoch
    seconds or milliseconds (int, float or a 10/13-digit string), or a list
    (its first item).  ``reference``: the publication or crawl time that
    relative phrases (``3 hours ago``) are counted back from; without it they
    give None.  Returns ``None`` for anything it cannot read, and for a text
    without a year (a date is never completed with a default year).
    Years outside 1700-2200 are refused.
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
        return normalise_date(value[0], reference=reference)
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
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
    parsed = _parse_known(text)
    if parsed is None:
        relative = _relative(text, reference)
        if relative is not False:
            parsed = relative
        elif _YEAR_IN_TEXT.search(text):
            parsed = _parse_loose(text)
    if parsed is None or not _plausible(parsed):
        return None
    return _format(parsed)


def _parse_known(text: str) -> _dt.datetime | None:
    """ISO 8601, RFC 822, Reuters and ``Month day, year`` forms, read without dateutil."""
    if text[:4].isdigit() and len(text) >= 10 and text[4] == "-":
        try:
            return _dt.datetime.fromisoformat(text.replace("z", "Z").replace(" Z", "Z"))
        except ValueError:
            pass
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        match = pattern.match(text)
        if match:
            return _from_match(match)
    return None


def _parse_loose(text: str) -> _dt.datetime | None:
    """dateutil, for the rare forms :func:`_parse_known` does not read.

    Kept only when the year it found is written in the text (fuzzy parsing can
    otherwise build a date out of unrelated numbers), and only when the text
    gives the month and the day too: dateutil fills what is missing from its
    default (``June 2019`` -> June 1st, ``Friday, 2019`` -> the first Friday,
    a month name it does not know, ``12 Juin 2019``, -> December), so the text
    is read against two defaults differing in month and day, and a date that
    moves with the default was invented, not read.
    """
    import warnings

    from dateutil import parser as date_parser  # imported only here: not needed on the query path

    years = {int(y) for y in _YEAR_IN_TEXT.findall(text)}
    tzinfos = {name: offset * 60 for name, offset in ZONES.items()}
    defaults = (_dt.datetime(2000, 1, 1), _dt.datetime(2000, 12, 28))  # day 28: valid in every month
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # UnknownTimezoneWarning and friends never reach stderr
        for fuzzy in (False, True):
            try:
                parsed, other = (date_parser.parse(text, default=default, fuzzy=fuzzy, tzinfos=tzinfos)
                                 for default in defaults)
            except (ValueError, OverflowError, TypeError, LookupError):
                continue
            if parsed.year not in years or (parsed.month, parsed.day) != (other.month, other.day):
                return None  # a year not written, or a month or day taken from the default
            return parsed
    return None


def to_datetime(iso: str) -> _dt.datetime:
    """Turn a string produced by :func:`normalise_date` (``2019-06-28`` or
    ``2019-06-28T10:15:00``, naive UTC) back into a naive UTC datetime (a date is midnight).

    ``datetime.fromisoformat`` reads both forms on every supported Python (3.7+).
    Raises ``ValueError`` for any other string.
    """
    return _dt.datetime.fromisoformat(iso)


def parse_date_bound(text: str, *, end: bool = False) -> _dt.datetime:
    """Parse a user-given date bound: ``2019``, ``2019-06``, ``2019-06-28`` or an ISO date-time.

    ``2019-06-28T10:15``, ``2019-06-28 10:15:00Z`` and ``2019-06-28T10:15+02:00``
    are date-times (an offset is converted to UTC).  With ``end=True`` a
    partial date means the *end* of that period (``2019-06`` -> the last
    instant of June 2019), so ``--until 2019-06`` includes the whole month.
    Anything else (``May``, ``19``, ``next friday``, ``01-03-1987``) raises
    :class:`DateError` naming the accepted forms; so does an impossible date.
    """
    text = (text or "").strip()
    if text.endswith("*") and text[:-1].strip():  # date:2019-06* is June 2019, as a prefix reads
        text = text[:-1].rstrip("-")
    if not text:
        raise DateError(f"empty date (use {BOUND_FORMS})")
    unpadded = _UNPADDED.match(text)
    if unpadded:  # 1999-1-1: year first, so as plain as its padded form
        text = "-".join([unpadded.group(1)] + [f"{int(g):02d}" for g in unpadded.groups()[1:] if g])
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
        if _ISO_DATETIME.match(text):
            value = _dt.datetime.fromisoformat(re.sub(r"\s+(?=[Zz+-]\d*)", "", text).replace(",", "."))
            if value.tzinfo is not None:
                value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
            return value
    except (ValueError, OverflowError) as exc:
        raise DateError(f"invalid date {text!r}: {exc}") from None
    raise DateError(f"invalid date {text!r} (use {BOUND_FORMS})")
