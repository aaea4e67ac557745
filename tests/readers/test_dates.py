import datetime as dt

import pytest

from searchkit.dates import DateError, normalise_date, parse_date_bound, to_datetime


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2019-06-28", "2019-06-28"),
        ("2019-06-28T10:15:00Z", "2019-06-28T10:15:00"),
        ("2019-06-28T10:15:00+02:00", "2019-06-28T08:15:00"),
        ("Fri, 28 Jun 2019 10:15:00 GMT", "2019-06-28T10:15:00"),
        ("June 28, 2019", "2019-06-28"),
        ("26-FEB-1987 15:01:01.79", "1987-02-26T15:01:01"),
        (1561716900, "2019-06-28T10:15:00"),
        ("not a date", None),
        ("", None),
        (None, None),
        ("9999-01-01", None),
    ],
)
def test_normalise_date(value, expected):
    assert normalise_date(value) == expected


def test_bounds_cover_whole_periods():
    assert parse_date_bound("2019-06") == dt.datetime(2019, 6, 1)
    assert parse_date_bound("2019-06", end=True).date() == dt.date(2019, 6, 30)
    assert parse_date_bound("2019", end=True).date() == dt.date(2019, 12, 31)
    assert parse_date_bound("2019-12", end=True).date() == dt.date(2019, 12, 31)


@pytest.mark.parametrize("bad", ["2019-13", "yesterday-ish", "2019-02-30", ""])
def test_bad_bounds_raise_date_error(bad):
    with pytest.raises(DateError):
        parse_date_bound(bad)


@pytest.mark.parametrize(
    "value, expected",
    [
        # RFC 822 zone names are honoured
        ("Fri, 28 Jun 2019 22:30:00 EDT", "2019-06-29T02:30:00"),
        ("Fri, 28 Jun 2019 19:30:00 PDT", "2019-06-29T02:30:00"),
        ("Fri, 28 Jun 2019 10:15:00 BST", "2019-06-28T09:15:00"),
        ("Tue, 10 Mar 2020 12:00:00 CET", "2020-03-10T11:00:00"),
        ("Fri, 28 Jun 19 22:30:00 +0200", "2019-06-28T20:30:00"),
        ("Jun 28, 2019 10:15 PM EDT", "2019-06-29T02:15:00"),
        ("28 June 2019", "2019-06-28"),
        ("  3-MAR-1987 00:43:42.82", "1987-03-03T00:43:42"),
        ("Published on June 28, 2019", "2019-06-28"),
        # no year written: never a date (no default year 2000)
        ("Updated 3 hours ago", None),
        ("15:04", None),
        ("5 comments", None),
        ("Friday, June 28", None),
        ("yesterday", None),
    ],
)
def test_dates_are_read_never_invented(value, expected):
    assert normalise_date(value) == expected


def test_relative_phrases_need_a_reference_time():
    crawled = dt.datetime(2019, 6, 28, 12, 0)
    assert normalise_date("Updated 3 hours ago", reference=crawled) == "2019-06-28T09:00:00"
    assert normalise_date("yesterday", reference=crawled) == "2019-06-27"
    assert normalise_date("3 hours ago") is None


def test_known_formats_need_no_dateutil_and_nothing_warns(monkeypatch, recwarn):
    import sys

    monkeypatch.setitem(sys.modules, "dateutil", None)  # importing it would fail
    assert normalise_date("Fri, 28 Jun 2019 22:30:00 EDT") == "2019-06-29T02:30:00"
    assert normalise_date("26-FEB-1987 15:01:01.79") == "1987-02-26T15:01:01"
    assert normalise_date("2019-06-28T10:15:00.000Z") == "2019-06-28T10:15:00"
    assert normalise_date("June 28, 2019") == "2019-06-28"
    monkeypatch.delitem(sys.modules, "dateutil")
    assert normalise_date("28 Jun 2019 22:30 XYZT") is not None  # the fallback, silently
    assert not [w for w in recwarn.list if "dateutil" in str(w.filename) or "timezone" in str(w.message)]


@pytest.mark.parametrize("bad", ["May", "19", "next friday", "01-03-1987", "June 2019", "2019/06/28"])
def test_user_bounds_accept_only_iso_forms(bad):
    with pytest.raises(DateError, match="YYYY, YYYY-MM, YYYY-MM-DD"):
        parse_date_bound(bad)


def test_user_bounds_accept_iso_datetimes():
    assert parse_date_bound("2019-06-28T10:15") == dt.datetime(2019, 6, 28, 10, 15)
    assert parse_date_bound("2019-06-28T10:15:00+02:00") == dt.datetime(2019, 6, 28, 8, 15)
    assert parse_date_bound("2019-06-28 10:15:00Z") == dt.datetime(2019, 6, 28, 10, 15)


@pytest.mark.parametrize("value", ["28 June 2019", "Fri, 28 Jun 2019 22:30:00 EDT", "2019-06-28T10:15:00+02:00",
                                   "26-FEB-1987 15:01:01.79", "1987-02-26"])
def test_a_normalised_date_reads_back_as_naive_utc(value):
    iso = normalise_date(value)
    back = to_datetime(iso)
    assert back.tzinfo is None
    assert back.isoformat().startswith(iso)  # a date is midnight, a date-time is itself
    assert normalise_date(back) == iso


@pytest.mark.parametrize("value", ["June 2019", "2019-06", "2019", "12 Juin 2019", "Juin 12, 2019",
                                   "Friday, 2019", "spring 2019", "12 2019"])
def test_a_month_or_day_not_written_is_never_filled_in(value):
    # dateutil's fallback fills what the text lacks from its default (June 2019 -> June 1st,
    # an unknown month name -> the number beside it read as the month): no date rather than an invented one
    assert normalise_date(value) is None


@pytest.mark.parametrize("value, expected", [("The 28th of June, 2019", "2019-06-28"), ("2019 June 28", "2019-06-28"),
                                             ("28.06.2019", "2019-06-28"), ("Friday the 28th of June 2019 at 10am",
                                                                            "2019-06-28T10:00:00")])
def test_the_fallback_still_reads_whole_dates(value, expected):
    assert normalise_date(value) == expected
