"""Dates as Newsdesk reads and shows them: one UTC rule, and locale-free readable forms.

Shared by the Block Kit builders and the terminal and HTML renderers, so a date reads the
same everywhere. Pure functions only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_LONG = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def as_utc(when: datetime) -> datetime:
    """`when` in UTC; a naive time is taken as UTC (the upstream pipeline's zone), never local."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def in_zone(when: datetime, tz: tzinfo) -> datetime:
    """`when` in `tz`; at the ends of the calendar (year 1, year 9999), where the shift would
    leave the range datetime can hold, it stays in UTC rather than raising."""
    try:
        return as_utc(when).astimezone(tz)
    except (OverflowError, ValueError):
        return as_utc(when)


def readable_date(when: datetime, tz: tzinfo) -> str:
    """A locale-free day in `tz`, e.g. "19 Apr 2021"."""
    local = in_zone(when, tz)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def readable_time(when: datetime, tz: tzinfo) -> str:
    """Day and clock time in `tz`, e.g. "19 Apr 2021 10:47 PDT"."""
    local = in_zone(when, tz)
    zone = local.tzname() or ""
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} {local:%H:%M} {zone}".rstrip()


def long_date(day: date) -> str:
    """A locale-free long date, e.g. "Thursday, 26 November 2026"."""
    return f"{WEEKDAYS[day.weekday()]}, {day.day} {MONTHS_LONG[day.month - 1]} {day.year}"
