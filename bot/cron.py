"""Crontab expressions as APScheduler 3 triggers, with crontab's day-of-week numbering.

APScheduler 3's `CronTrigger.from_crontab` passes the day-of-week field through with its own
numbering (0 = Monday), so the crontab `1-5` would mean Tuesday to Saturday. Crontab counts
0 (and 7) as Sunday. We translate numbers into day names, which both agree on.

When both day-of-month and day-of-week are restricted (neither starts with `*`), crontab
fires on days matching EITHER (`0 9 1 * mon`: the 1st of each month and every Monday);
APScheduler's CronTrigger requires both. Such an expression becomes an OrTrigger of the
two halves. When either field starts with `*`, crontab and CronTrigger agree (AND).
"""

from __future__ import annotations

from datetime import tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def cron_trigger(expression: str, tz: tzinfo) -> BaseTrigger:
    """A trigger for a five-field crontab expression in `tz`; ValueError when invalid."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    minute, hour, day, month, weekday = fields
    days = crontab_weekdays(weekday)

    def trigger(day: str, day_of_week: str) -> CronTrigger:
        return CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone=tz
        )

    if day.startswith("*") or weekday.startswith("*"):
        return trigger(day, days)
    return OrTrigger([trigger(day, "*"), trigger("*", days)])


def crontab_weekdays(field: str) -> str:
    """Translate crontab weekday numbers (0-7, Sunday = 0 or 7) into day names."""
    return ",".join(_part(part) for part in field.lower().split(","))


def _part(part: str) -> str:
    span, _, step_text = part.partition("/")
    step = int(step_text) if step_text else 1
    if span == "*":
        return "*" if step == 1 else _names(range(0, 7, step))
    low, _, high = span.partition("-")
    first = _day(low)
    last = _day(high) if high else (7 if step_text else first)  # 'n/step' runs to the end
    if last < first:
        raise ValueError(f"weekday range {span!r} runs backwards")
    return _names(range(first, last + 1, step))


def _names(days: range) -> str:
    return ",".join(dict.fromkeys(DAYS[d % 7] for d in days))


def _day(text: str) -> int:
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    if text in DAYS:
        return DAYS.index(text)
    raise ValueError(f"weekday {text!r} is not 0-7 or a day name")
