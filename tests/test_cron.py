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
