import datetime as dt

import pytest

from searchkit.dates import DateError, normalise_date, parse_date_bound


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
