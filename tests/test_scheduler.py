"""Schedules: due times across daylight-saving changes, start-up catch-up, the Scheduler.

Clocks are injected (`now` for the job functions, `clock=` for the Scheduler); what is
checked is what people see: messages in the fake Slack channel, the store, `status`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from factories import fake_settings
from fakeslack import FakeSlack
from newsdeskproc import until
from recordfiles import short_record, write_numbered

from bot.config import Settings
from bot.publishing.jobs import catch_up, due_time, rescan
from bot.publishing.scheduler import Scheduler
from bot.slack.client import make_client
from bot.status import collect
from bot.store.store import Store

ROOT = Path(__file__).resolve().parent.parent
NEWS = "C0NEWS"
BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
GRACE = timedelta(minutes=120)  # the default misfire_grace_minutes
DUE_SUBPROCESS_TIMEOUT = 20.0


def record(n: int) -> str:
    return short_record("Scheduled", "sched", n, quality=95 - n)


def configure(
    tmp_path: Path, fake: FakeSlack, schedule: str, count: int, size: int = 5
) -> tuple[Settings, list[str]]:
    """Settings of one digest on `schedule`, and the ids of `count` eligible records, best
    first (quality falls with n)."""
    config = (
        f"content_dir: articles\ndigests:\n  - channel: {NEWS}\n"
        f'    schedule: "{schedule}"\n    size: {size}\n'
    )
    settings = fake_settings(tmp_path, fake, config)
    return settings, write_numbered(settings.content_dir, "sched", count, record)


def runs(settings: Settings, store: Store, now: datetime) -> list[tuple[str, str, str]]:
    """(due_at, status, kind) of the runs `status` shows, newest first."""
    return [
        (r["due_at"], r["status"], r["kind"]) for r in collect(settings, store, now)["last_runs"]
    ]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- due_time across daylight-saving changes --------------------------------------------


def steps(first: datetime, last: datetime, every: timedelta) -> Iterator[datetime]:
    while first <= last:
        yield first
        first += every


@pytest.mark.parametrize(
    ("zone", "day", "utc_hours"),
    [
        (BERLIN, datetime(2026, 3, 28), (8, 7, 7)),  # spring forward on the 29th
        (BERLIN, datetime(2026, 10, 24), (7, 8, 8)),  # fall back on the 25th
        (NEW_YORK, datetime(2026, 3, 7), (14, 13, 13)),  # spring forward on the 8th
        (NEW_YORK, datetime(2026, 10, 31), (13, 14, 14)),  # fall back on November 1st
    ],
)
def test_a_daily_digest_is_due_at_nine_local_once_a_day_across_a_dst_change(
    zone: str, day: datetime, utc_hours: tuple[int, int, int]
) -> None:
    tz = ZoneInfo(zone)
    first = day.replace(tzinfo=UTC)
    seen = Counter()
    for now in steps(first, first + timedelta(days=3), timedelta(minutes=10)):
        due = due_time("0 9 * * *", tz, now, GRACE)
        if due is not None:
            assert due <= now <= due + GRACE
            seen[due] += 1

    dues = sorted(seen)
    assert [d.hour for d in dues] == list(utc_hours)  # the UTC offset shifts...
    for due in dues:  # ...and the local time stays 09:00, one run per day
        assert due.astimezone(tz).strftime("%H:%M") == "09:00"
    assert len({d.astimezone(tz).date() for d in dues}) == 3


# The child run by due_times_bounded: each due_time call gets a 1 s alarm.
DUE_TIME_CHILD = """
import json, signal, sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from bot.publishing.jobs import due_time

def hang(*_):
    raise TimeoutError
signal.signal(signal.SIGALRM, hang)
cron, zone, window, nows = json.loads(sys.argv[1])
out = []
for now in nows:
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        due = due_time(cron, ZoneInfo(zone), datetime.fromisoformat(now), timedelta(minutes=window))
    except TimeoutError:
        print(json.dumps({"hang": now}))
        sys.exit(0)
    signal.setitimer(signal.ITIMER_REAL, 0)
    out.append(due.isoformat() if due else None)
print(json.dumps({"dues": out}))
"""


def due_times_bounded(cron: str, zone: str, nows: list[datetime]) -> list[str | None]:
    """due_time(cron, zone, now, GRACE) for each `now`, in a child process.

    A call that does not return within a second fails the test (rather than hanging it);
    the child is killed by `subprocess.run` if it outlives the whole timeout.
    """
    arg = json.dumps([cron, zone, GRACE.total_seconds() // 60, [n.isoformat() for n in nows]])
    done = subprocess.run(
        [sys.executable, "-c", DUE_TIME_CHILD, arg],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=DUE_SUBPROCESS_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    if "hang" in answer:
        pytest.fail(f"due_time({cron!r}, {zone}, now={answer['hang']}) never returned (>1 s)")
    return answer["dues"]


@pytest.mark.parametrize(
    ("cron", "zone", "day"),
    [
        ("30 2 * * *", BERLIN, utc(2026, 3, 29)),  # 02:30 does not exist that night
        ("30 2 * * *", NEW_YORK, utc(2026, 3, 8)),
        ("30 2 * * *", BERLIN, utc(2026, 10, 25)),  # 02:30 happens twice that night
        ("30 1 * * *", NEW_YORK, utc(2026, 11, 1)),
    ],
)
def test_a_daily_schedule_inside_the_skipped_or_repeated_hour_fires_once(
    cron: str, zone: str, day: datetime
) -> None:
    nows = list(steps(day - timedelta(hours=6), day + timedelta(hours=30), timedelta(minutes=15)))

    dues = due_times_bounded(cron, zone, nows)

    fired = sorted({datetime.fromisoformat(d) for d in dues if d})
    local_days = [d.astimezone(ZoneInfo(zone)).date() for d in fired]
    assert local_days.count(day.date()) == 1, f"fired at {[str(d) for d in fired]}"


def test_an_hourly_schedule_runs_every_real_hour_through_the_repeated_hour() -> None:
    """Berlin, 2026-10-25: 02:00 CEST (00:00Z) and 02:00 CET (01:00Z) are both real hours."""
    nows = list(steps(utc(2026, 10, 24, 23, 5), utc(2026, 10, 25, 3, 5), timedelta(minutes=10)))

    dues = due_times_bounded("0 * * * *", BERLIN, nows)

    for now, due in zip(nows, dues, strict=True):
        expected = now.replace(minute=0)  # the latest full hour, in real (UTC) time
        assert due == expected.isoformat(), f"at {now}: {due}"


# --- start-up catch-up with an injected now ----------------------------------------------


def test_a_digest_missed_30_minutes_ago_is_run_at_start_up(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    settings, ids = configure(tmp_path, fake, "0 9 * * *", 3)
    now = utc(2026, 11, 27, 9, 30)
    rescan(settings, store, now)

    [outcome] = catch_up(settings, store, make_client(settings), now)

    assert outcome.error is None and sorted(outcome.posted) == ids
    [message] = fake.messages(NEWS)
    assert sorted(message["metadata"]["event_payload"]["items"]) == ids
    assert all(store.is_published(i, NEWS) for i in ids)
    assert runs(settings, store, now) == [(utc(2026, 11, 27, 9).isoformat(), "done", "digest")]


def test_a_digest_missed_beyond_the_grace_period_is_reported_not_posted(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    settings, ids = configure(tmp_path, fake, "0 9 * * *", 4, size=2)
    client = make_client(settings)
    yesterday = utc(2026, 11, 26, 9, 5)
    rescan(settings, store, yesterday)
    catch_up(settings, store, client, yesterday)  # the bot ran yesterday's digest
    assert len(fake.messages(NEWS)) == 1

    now = utc(2026, 11, 27, 12, 0)  # down from before 09:00 until noon: 3 h late
    outcomes = catch_up(settings, store, client, now)

    assert outcomes == []
    assert len(fake.messages(NEWS)) == 1  # nothing posted today
    assert not any(store.is_published(i, NEWS) for i in ids[2:])
    report = collect(settings, store, now)
    missed, earlier = report["last_runs"]
    assert (missed["due_at"], missed["status"]) == (utc(2026, 11, 27, 9).isoformat(), "missed")
    assert "grace period 120 min" in missed["error"]
    assert (earlier["due_at"], earlier["status"]) == (utc(2026, 11, 26, 9).isoformat(), "done")
    assert report["failures"] == []

    catch_up(settings, store, client, now + timedelta(minutes=5))  # a second restart

    assert len(collect(settings, store, now)["last_runs"]) == 2  # reported once
    assert len(fake.messages(NEWS)) == 1


def test_a_first_start_long_after_the_schedule_reports_nothing(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    """No earlier run of this schedule in the store: nothing was "missed" here (see
    `_report_missed`), and nothing is posted outside the grace period."""
    settings, _ = configure(tmp_path, fake, "0 9 * * *", 2)
    now = utc(2026, 11, 27, 12, 0)
    rescan(settings, store, now)

    assert catch_up(settings, store, make_client(settings), now) == []
    assert fake.messages(NEWS) == []
    assert collect(settings, store, now)["last_runs"] == []


def test_several_missed_fire_times_make_one_run(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    settings, ids = configure(tmp_path, fake, "*/10 * * * *", 6, size=2)
    client = make_client(settings)
    rescan(settings, store, utc(2026, 11, 27, 6, 0, 30))
    catch_up(settings, store, client, utc(2026, 11, 27, 6, 0, 30))  # last run before going down

    now = utc(2026, 11, 27, 9, 35)  # 20 fire times were missed since 06:00
    [outcome] = catch_up(settings, store, client, now)

    assert sorted(outcome.posted) == ids[2:4]
    assert len(fake.messages(NEWS)) == 2  # one digest for the whole gap
    assert Counter(fake.posted_items(NEWS)) == Counter(ids[:4])
    assert runs(settings, store, now) == [
        (utc(2026, 11, 27, 9, 30).isoformat(), "done", "digest"),  # latest, within grace
        (utc(2026, 11, 27, 7, 30).isoformat(), "missed", "digest"),  # one report of the rest
        (utc(2026, 11, 27, 6, 0).isoformat(), "done", "digest"),
    ]


def test_catching_up_twice_posts_once(tmp_path: Path, fake: FakeSlack, store: Store) -> None:
    settings, ids = configure(tmp_path, fake, "0 9 * * *", 3)
    client = make_client(settings)
    now = utc(2026, 11, 27, 9, 30)
    rescan(settings, store, now)

    [first] = catch_up(settings, store, client, now)
    [second] = catch_up(settings, store, client, now + timedelta(minutes=1))  # a quick restart

    assert sorted(first.posted) == ids
    assert second.skipped and second.posted == []
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert Counter(fake.posted_items(NEWS)) == Counter(ids)
    assert [status for _, status, _ in runs(settings, store, now)] == ["done"]


# --- the Scheduler (APScheduler 3) --------------------------------------------------------


def run_statuses(store: Store) -> list[str]:
    return [r["status"] for r in store.runs.recent()]


def test_the_scheduler_posts_a_due_digest_once_at_start_up_and_stops_promptly(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    # The records are not scanned yet: start-up reads them.
    settings, ids = configure(tmp_path, fake, "* * * * *", 4, size=5)
    clock_now = utc(2026, 11, 27, 9, 0, 30)
    scheduler = Scheduler(settings, store, make_client(settings), clock=lambda: clock_now)
    scheduler.start()
    try:
        until(lambda: run_statuses(store) == ["done"], pause=0.05)
        jobs = scheduler.next_runs()
        assert {"rescan", f"digest:{NEWS}"} <= set(jobs)
        upcoming = jobs[f"digest:{NEWS}"]
        assert upcoming is not None and upcoming > datetime.now(UTC)
        assert upcoming.second == 0  # the next minute
        assert jobs["rescan"] is not None
    finally:
        started = time.monotonic()
        scheduler.shutdown(wait=True)
        took = time.monotonic() - started
    assert took < 2.0
    [message] = fake.messages(NEWS)
    assert sorted(message["metadata"]["event_payload"]["items"]) == ids
    assert all(store.is_published(i, NEWS) for i in ids)
    [run] = store.runs.recent()
    assert run["due_at"] == utc(2026, 11, 27, 9, 0)  # the injected clock's minute


def test_a_failing_job_is_logged_and_the_scheduler_goes_on(
    tmp_path: Path, fake: FakeSlack, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    settings, ids = configure(tmp_path, fake, "0 9 * * *", 2)
    clock_now = utc(2026, 11, 27, 9, 10)
    rescan(settings, store, clock_now)  # the articles are in the store already
    gone = dataclasses.replace(settings, content_dir=tmp_path / "unmounted")  # a bad folder
    scheduler = Scheduler(gone, store, make_client(settings), clock=lambda: clock_now)
    caplog.set_level(logging.ERROR, logger="bot.publishing.scheduler")
    scheduler.start()
    try:
        until(lambda: run_statuses(store) == ["done"], pause=0.05)
        jobs = scheduler.next_runs()  # still scheduled after the failure
    finally:
        scheduler.shutdown(wait=True)

    failures = [r for r in caplog.records if r.name == "bot.publishing.scheduler"]
    assert any("rescan job failed" in r.getMessage() for r in failures)
    assert any("unmounted" in str(r.exc_info[1]) for r in failures if r.exc_info)
    assert jobs["rescan"] is not None and jobs[f"digest:{NEWS}"] is not None
    # the catch-up that came after the failed rescan still posted the digest
    assert Counter(fake.posted_items(NEWS)) == Counter(ids)
