"""Dates from query strings and the years the programme's pages speak of."""

from datetime import date

from django.utils.dateparse import parse_date


def parse_day(text: str | None) -> date | None:
    """A YYYY-MM-DD query parameter, or None when it is missing, malformed or impossible (2016-02-30)."""
    try:
        return parse_date((text or "").strip())
    except ValueError:
        return None


def end_of(year: int, today: date) -> date:
    """The day a year's figures are taken at: 31 December, or today while the year is running."""
    return min(date(year, 12, 31), today)
