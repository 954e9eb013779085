"""Dates as Newsdesk reads and shows them: one UTC rule, the range a record's date must
fall in, and locale-free readable forms.

Shared by record parsing, the Block Kit builders and the terminal and HTML renderers, so a
date reads the same everywhere. Pure functions only (callers pass `now`).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, tzinfo
from typing import Any

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_LONG = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# A record's date outside this range is an upstream error (a default of year 1, a typo):
# it is taken as unknown rather than ranked first or shown as nonsense (SPEC §1).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
NOT_ISO = "publishedDateTime is not an ISO 8601 date ({value}): the date is unknown"
OUT_OF_RANGE = (
    "publishedDateTime {value} is not between 1970 and a year from now: the date is unknown"
)


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


def published_date(value: Any, now: datetime | None) -> tuple[datetime | None, str | None]:
    """A record's `publishedDateTime` (ISO text, or a date YAML read) in UTC, and None;
    or None and a one-line warning when it is no real date from 1970 to a year after
    `now` (without `now`, only the lower bound is checked)."""
    if value is None or value == "":
        return None, None
    when = _as_datetime(value)
    if when is None:
        return None, NOT_ISO.format(value=_shown(value))
    try:
        utc = as_utc(when)
    except (OverflowError, ValueError):  # the shift leaves year 1..9999: out of range
        return None, OUT_OF_RANGE.format(value=_shown(when))
    if utc < EARLIEST or (now is not None and utc > _year_after(now)):
        return None, OUT_OF_RANGE.format(value=_shown(when))
    return utc, None


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value.strip())
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value if isinstance(value, datetime) else None


def _year_after(now: datetime) -> datetime:
    now = as_utc(now)
    try:
        return now.replace(year=now.year + 1)
    except ValueError:  # 29 February
        return now.replace(year=now.year + 1, day=28)


def _shown(value: Any) -> str:
    text = value.isoformat() if isinstance(value, datetime) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


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
