"""The date forms read without dateutil give what the dateutil path gives for them.

``normalise_date`` reads ISO 8601, RFC 822/2822, Reuters' ``26-FEB-1987
15:01:01.79``, ``June 28, 2019`` and ``28 June 2019`` by hand and falls back
to dateutil for anything else.  Every generated form below is normalised both
ways -- as it is, and with the hand-written reader switched off so that
dateutil reads it -- and the two must agree, except for the documented cases
where dateutil is wrong (tested separately with the right value).
"""

import datetime as dt
import re

import pytest

from searchkit import dates

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_FULL = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
         "November", "December"]
_WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_DAYS = [(2019, 6, 28), (1987, 2, 26), (2000, 1, 1), (2024, 2, 29), (1999, 12, 31), (2019, 6, 3), (1970, 1, 1)]
_TIMES = ["", " 22:30", " 22:30:00", " 15:01:01.79", " 10:15 PM", " 10:15 am", " 12:00 AM", " 12:30 p.m.", " 0:05"]
_ZONES = ["", " GMT", " UTC", " UT", " EDT", " EST", " PST", " BST", " CET", " JST", " AEDT", " Z", " +0200",
          " -05:00", " +0530", " XYZ", " IST"]


def _text_forms():
    for year, month, day in _DAYS:
        weekday = _WEEKDAYS[dt.date(year, month, day).weekday()]
        mon, full = _MONTHS[month - 1], _FULL[month - 1]
        for time in _TIMES:
            for zone in _ZONES:
                tail = f"{time}{zone}"
                yield from (f"{weekday}, {day:02d} {mon} {year}{tail}", f"{day} {full} {year}{tail}",
                            f"{day:02d}-{mon.upper()}-{year}{tail}", f"{full} {day}, {year}{tail}",
                            f"{mon}. {day} {year}{tail}", f"{weekday} {mon} {day} {year}{tail}",
                            f"{full} {day}th, {year}{tail}", f"  {day}-{mon.upper()}-{year}{tail}  ")


def _iso_forms():
    for year, month, day in _DAYS:
        for time in ["", "T10:15", "T10:15:30", "T10:15:30.5", " 10:15:30", "T10:15:30Z", "T10:15:30z",
                     "T10:15:30+02:00", "T10:15:30-0500", "T10:15:30 Z", "T23:59:59+05:30", "T00:00:00",
                     "T10:15:30.123456+00:00"]:
            yield f"{year}-{month:02d}-{day:02d}{time}"


#: Forms the hand-written reader leaves to dateutil.
FALLBACK_FORMS = ["2019/06/28", "28.06.2019", "06/28/2019 10:15", "Fri, 28 Jun 2019 22:30:00 XYZ",
                  "Sunday, 28 June 2019, 10:15 IST", "28 Jun 2019 10:15 Europe", "The 28th of June, 2019",
                  "2019 June 28", "28 Jun 2019 25:00", "Friday the 28th of June 2019 at 10am"]


def _via_dateutil(text, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(dates, "_parse_known", lambda text: None)
        return dates.normalise_date(text)


def _dateutil_is_wrong(text: str) -> bool:
    """Forms dateutil misreads (see the tests below), not compared."""
    return (re.search(r"\d{4} [+-]\d\d:?\d\d\s*$", text) is not None  # an offset after a day, no time
            or re.search(r"(GMT|UTC)[+-]\d", text) is not None)


def test_hand_written_forms_agree_with_dateutil(monkeypatch):
    forms = [*_text_forms(), *_iso_forms()]
    assert len(forms) > 8000
    read_by_hand = compared = 0
    for text in forms:
        if dates._parse_known(" ".join(text.split())) is not None:
            read_by_hand += 1
        if _dateutil_is_wrong(text):
            continue
        fast, slow = dates.normalise_date(text), _via_dateutil(text, monkeypatch)
        assert fast == slow, text
        compared += 1
    assert read_by_hand > 0.85 * len(forms)  # all but the unknown zones (XYZ, IST) are read without dateutil
    assert compared > 0.9 * len(forms)


@pytest.mark.parametrize("text", FALLBACK_FORMS)
def test_other_forms_fall_back_to_dateutil(text, monkeypatch):
    assert dates._parse_known(" ".join(text.split())) is None
    assert dates.normalise_date(text) == _via_dateutil(text, monkeypatch)


def test_fallback_forms_are_still_read():
    assert dates.normalise_date("2019/06/28") == "2019-06-28"
    assert dates.normalise_date("06/28/2019 10:15") == "2019-06-28T10:15:00"
    assert dates.normalise_date("Fri, 28 Jun 2019 22:30:00 XYZ") == "2019-06-28T22:30:00"  # unknown zone: wall clock


@pytest.mark.parametrize("text, expected", [
    ("28 June 2019 EDT", "2019-06-28"),
    ("28 June 2019 CET", "2019-06-28"),  # not 2019-06-27T23:00: a day is the day written
    ("Fri, 28 Jun 2019 +0200", "2019-06-28"),  # dateutil reads "0200" as a time of day: 02:00
    ("June 28, 2019 -05:00", "2019-06-28"),  # dateutil: 05:00
])
def test_a_zone_after_a_day_without_time_keeps_the_day(text, expected):
    assert dates.normalise_date(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Fri, 28 Jun 2019 22:30:00 GMT+2", "2019-06-28T20:30:00"),  # dateutil: 2019-06-29T00:30 (POSIX sign)
    ("28 June 2019 22:30 UTC-05:00", "2019-06-29T03:30:00"),
])
def test_gmt_plus_offsets_read_as_written(text, expected):
    assert dates.normalise_date(text) == expected


def test_rfc_2822_two_digit_years():
    # dateutil's path refuses these (no four-digit year written); RFC 2822 says 00-49 -> 20xx, 50-99 -> 19xx
    assert dates.normalise_date("Fri, 28 Jun 19 22:30:00 EDT") == "2019-06-29T02:30:00"
    assert dates.normalise_date("Thu, 26 Feb 87 15:01:01 GMT") == "1987-02-26T15:01:01"
