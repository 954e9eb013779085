"""Crontab schedules fire on the days a crontab user expects (Sunday = 0 or 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.cron import cron_trigger


def fire_days(expression: str, count: int = 7) -> list[str]:
    trigger = cron_trigger(expression, UTC)
    now, days, previous = datetime(2026, 11, 22, tzinfo=UTC), [], None  # a Sunday
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, now)
        days.append(previous.strftime("%a"))
        now = previous + timedelta(seconds=1)
    return days


@pytest.mark.parametrize(
    ("weekday", "expected"),
    [
        ("1-5", ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon", "Tue"]),
        ("0", ["Sun"] * 3),
        ("7", ["Sun"] * 3),
        ("6,0", ["Sun", "Sat", "Sun"]),
        ("mon-fri", ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon", "Tue"]),
        ("0-6/2", ["Sun", "Tue", "Thu", "Sat", "Sun"]),
        ("*", ["Sun", "Mon", "Tue"]),
    ],
)
def test_weekdays_use_crontab_numbering(weekday: str, expected: list[str]) -> None:
    assert fire_days(f"0 9 * * {weekday}", len(expected)) == expected


@pytest.mark.parametrize("bad", ["0 9 * *", "0 9 * * 8", "0 9 * * 5-1", "61 9 * * *"])
def test_invalid_expressions_raise_value_error(bad: str) -> None:
    with pytest.raises(ValueError):
        cron_trigger(bad, UTC)


def fire_times(expression: str, start: datetime, count: int) -> list[str]:
    trigger = cron_trigger(expression, UTC)
    now, out, previous = start, [], None
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, now)
        out.append(previous.strftime("%a %d %b"))
        now = previous + timedelta(seconds=1)
    return out


def test_day_of_month_and_weekday_both_restricted_fire_on_either_like_crontab() -> None:
    """`0 9 1 * mon` is the 1st of the month AND every Monday (crontab's OR), not only a
    1st that falls on a Monday (which next happens in February 2027)."""
    start = datetime(2026, 11, 25, tzinfo=UTC)  # Wednesday 25 November 2026
    assert fire_times("0 9 1 * mon", start, 5) == [
        "Mon 30 Nov",
        "Tue 01 Dec",
        "Mon 07 Dec",
        "Mon 14 Dec",
        "Mon 21 Dec",
    ]


def test_the_or_rule_uses_crontab_weekday_numbers_and_ranges() -> None:
    start = datetime(2026, 11, 26, tzinfo=UTC)  # Thursday
    # the 13th, or any Friday: Fri 27 Nov, Fri 4 Dec, Fri 11 Dec, Sun 13 Dec, Fri 18 Dec
    assert fire_times("30 8 13 * 5", start, 5) == [
        "Fri 27 Nov",
        "Fri 04 Dec",
        "Fri 11 Dec",
        "Sun 13 Dec",
        "Fri 18 Dec",
    ]
    # 1st-2nd of the month, or Sunday (0): Sun 29 Nov, Tue 1 Dec, Wed 2 Dec, Sun 6 Dec
    assert fire_times("0 9 1-2 * 0", start, 4) == [
        "Sun 29 Nov",
        "Tue 01 Dec",
        "Wed 02 Dec",
        "Sun 06 Dec",
    ]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # a star in either field: both must match (crontab agrees with AND here)
        ("0 9 * * mon", ["Mon 30 Nov", "Mon 07 Dec", "Mon 14 Dec"]),
        ("0 9 1 * *", ["Tue 01 Dec", "Fri 01 Jan", "Mon 01 Feb"]),
        ("0 9 */10 * mon", ["Mon 21 Dec", "Mon 11 Jan", "Mon 01 Feb"]),
    ],
)
def test_a_star_in_either_day_field_keeps_and(expression: str, expected: list[str]) -> None:
    start = datetime(2026, 11, 25, tzinfo=UTC)
    assert fire_times(expression, start, len(expected)) == expected
