"""Plain job functions that take `now`: the scheduler calls them, and so do tests."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, tzinfo

from slack_sdk import WebClient

from bot.config import DigestSettings, Settings
from bot.content.article import Record, ScanResult
from bot.content.scan import CHUNK, Progress, ScanCounts, scan_chunks
from bot.cron import cron_trigger
from bot.publishing.claims import DIGEST, REVIEW
from bot.publishing.digest import run_digest
from bot.publishing.personal import Round, run_personal
from bot.publishing.review import run_review
from bot.publishing.runner import Outcome
from bot.store.store import Store

log = logging.getLogger(__name__)

STEP = timedelta(seconds=1)


def rescan(
    settings: Settings,
    store: Store,
    now: datetime,
    *,
    progress: Progress | None = None,
    chunk: int = CHUNK,
) -> ScanCounts:
    """Bring the store up to date with the content folder (only changed files are read).

    The scan is stored a chunk at a time, each in its own transaction, so memory stays
    flat however large the library (and an interrupted cold start keeps what it stored).
    A record whose id a stored item holds at another path waits for the scan's end, when
    the removals are known: a moved file takes its id along, a second copy is a duplicate.
    """
    counts = ScanCounts()
    deferred: list[Record] = []
    known = store.file_index()
    parts = scan_chunks(settings.content_dir, known, size=chunk, progress=progress, now=now)
    for part in parts:
        deferred += store.apply_scan(part, now, defer=True)
        counts.add(part)
    store.apply_scan(ScanResult(deferred, [], []), now)
    if counts.changed:
        log.info(
            "content: %d new or changed, %d bad, %d removed, %d unchanged",
            counts.records,
            counts.bad,
            counts.removed,
            counts.unchanged,
        )
    return counts


def due_time(cron: str, tz: tzinfo, now: datetime, window: timedelta) -> datetime | None:
    """The latest time `cron` fired at or before `now`, looking back at most `window`.

    Every process computes the same value for the same schedule, so the run claimed in the
    database under it is the same run everywhere (and after a restart). A wall-clock time
    that happens twice (the hour repeated when clocks go back) is due once, the first time,
    for a fixed-hour schedule, as with cron.
    """
    trigger = cron_trigger(cron, tz)
    fixed_hour = "*" not in cron.split()[1]
    fire = trigger.get_next_fire_time(None, (now - window).astimezone(tz))
    last = None
    while fire is not None and fire <= now:
        if not (fixed_hour and _repeated(fire, tz)):
            last = fire
        # Step in UTC: local arithmetic would fall back into the first of a repeated hour.
        fire = trigger.get_next_fire_time(fire, (fire.astimezone(UTC) + STEP).astimezone(tz))
    return last.astimezone(UTC) if last else None


def _repeated(when: datetime, tz: tzinfo) -> bool:
    """Is this the second time this wall-clock time happens today (clocks went back)?

    Like cron, a job at a fixed hour runs once then; an hourly one runs every real hour.
    """
    local = when.astimezone(tz)
    first = local.replace(fold=0)
    return first.astimezone(UTC) < local.astimezone(UTC)


def scheduled_digest(
    settings: Settings, store: Store, client: WebClient, digest: DigestSettings, now: datetime
) -> Outcome | None:
    """The digest run due at `now` (within the grace period), or None when none is due."""
    due = due_time(digest.schedule, settings.timezone, now, _grace(settings))
    if due is None:
        return None
    return run_digest(settings, store, client, digest, now, due_at=due)


def scheduled_review(
    settings: Settings, store: Store, client: WebClient, now: datetime
) -> Outcome | None:
    """The review round due at `now` (within the grace period), or None."""
    if settings.review is None:
        return None
    due = due_time(settings.review.schedule, settings.timezone, now, _grace(settings))
    if due is None:
        return None
    return run_review(settings, store, client, now, due_at=due)


def scheduled_personal(
    settings: Settings, store: Store, client: WebClient, now: datetime, should_stop=None
) -> Round | None:
    """The personal digests due at `now` (within the grace period), or None."""
    due = due_time(settings.personal.schedule, settings.timezone, now, _grace(settings))
    if due is None:
        return None
    stop = should_stop or (lambda: False)
    return run_personal(settings, store, client, now, due_at=due, should_stop=stop)


def _grace(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.misfire_grace_minutes)


MISSED = "missed"
MISSED_ERROR = "missed while Newsdesk was down (grace period {grace} min)"
MISSED_LOOKBACK = timedelta(days=7)


def catch_up(
    settings: Settings, store: Store, client: WebClient, now: datetime, should_stop=None
) -> list[Outcome]:
    """At start-up: run what was due within the grace period; report older misses.

    Personal digests due within the grace period are finished too (people already served
    are skipped at the cost of one query).
    """
    outcomes = []
    for digest in settings.digests:
        _report_missed(settings, store, DIGEST, digest.channel, digest.schedule, now)
        outcomes.append(scheduled_digest(settings, store, client, digest, now))
    if settings.review:
        review = settings.review
        _report_missed(settings, store, REVIEW, review.channel, review.schedule, now)
        outcomes.append(scheduled_review(settings, store, client, now))
    scheduled_personal(settings, store, client, now, should_stop)
    return [o for o in outcomes if o is not None]


def _report_missed(
    settings: Settings, store: Store, kind: str, key: str, cron: str, now: datetime
) -> None:
    """Record (once) a run that fell due while the bot was down and is now too old to run."""
    last = store.runs.last_due(kind, key)
    cutoff = now - _grace(settings)
    if last is None or last >= cutoff:
        return  # never ran here before, or nothing fell due outside the grace period
    missed = due_time(cron, settings.timezone, cutoff, min(cutoff - last, MISSED_LOOKBACK))
    if missed is None or missed <= last:
        return
    run_id = store.runs.claim(kind, key, missed, now)
    if run_id is not None:
        error = MISSED_ERROR.format(grace=settings.misfire_grace_minutes)
        store.runs.finish(run_id, MISSED, now, error=error)
        log.warning("%s for %s due %s was %s", kind, key, missed.isoformat(), error)
