"""APScheduler wiring only: cron triggers for digests and review rounds, content rescans,
and a feed poll every minute (each feed is polled when its own interval is due).

The jobs themselves are plain functions in `bot.publishing.jobs` that take `now`. Exactly-once does
not depend on the scheduler: every run is claimed in the database under its due time, so
two processes (or a restart) firing the same schedule post once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from bot.clock import utcnow
from bot.config import DigestSettings, Settings
from bot.cron import cron_trigger
from bot.publishing.feeds import feed_client, poll_due
from bot.publishing.jobs import (
    catch_up,
    rescan,
    scheduled_digest,
    scheduled_personal,
    scheduled_review,
)
from bot.publishing.weekly import scheduled_stats
from bot.store.store import Store

log = logging.getLogger(__name__)


class Scheduler:
    """Runs the configured schedules in background threads of this process."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        client: WebClient,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings, self.store, self.client, self.clock = settings, store, client, clock
        self._stopping = threading.Event()  # a personal round stops between people
        self._feed_client = feed_client() if settings.feeds else None
        self._scheduler = BackgroundScheduler(
            timezone=settings.timezone,
            job_defaults={
                "coalesce": True,  # several missed fire times make one run
                "max_instances": 1,
                "misfire_grace_time": settings.misfire_grace_minutes * 60,
            },
        )

    def start(self) -> None:
        """Add the jobs, run start-up catch-up in the background, and start."""
        settings = self.settings
        minutes = settings.rescan_minutes
        self._add(self._rescan, IntervalTrigger(minutes=minutes), "rescan")
        for digest in settings.digests:
            self._add(self._digest, self._cron(digest.schedule), f"digest:{digest.channel}", digest)
        if settings.review:
            self._add(self._review, self._cron(settings.review.schedule), "review")
        self._add(self._personal, self._cron(settings.personal.schedule), "personal")
        if self._feed_client is not None:
            self._add(self._feeds, IntervalTrigger(minutes=1), "feeds")
        if settings.stats:
            self._add(self._stats, self._cron(settings.stats.schedule), "stats")
        self._scheduler.add_job(self._start_up, id="start-up")  # once, right away
        self._scheduler.start()

    def shutdown(self, wait: bool = True) -> None:
        """Stop; with `wait`, a digest being posted finishes first (no half-posted digest)."""
        self._stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)
        if self._feed_client is not None:
            self._feed_client.close()

    def next_runs(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    def _add(self, func: Callable[..., object], trigger, job_id: str, *args: object) -> None:
        self._scheduler.add_job(func, trigger, args=args, id=job_id, replace_existing=True)

    def _cron(self, expression: str) -> CronTrigger:
        return cron_trigger(expression, self.settings.timezone)

    def _rescan(self) -> None:
        _guarded("rescan", rescan, self.settings, self.store, self.clock())

    def _digest(self, digest: DigestSettings) -> None:
        now = self.clock()
        _guarded("digest", scheduled_digest, self.settings, self.store, self.client, digest, now)

    def _review(self) -> None:
        now = self.clock()
        _guarded("review", scheduled_review, self.settings, self.store, self.client, now)

    def _personal(self) -> None:
        now, stop = self.clock(), self._stopping.is_set
        _guarded("personal", scheduled_personal, self.settings, self.store, self.client, now, stop)

    def _feeds(self) -> None:
        if self._feed_client is not None:
            now = self.clock()
            _guarded("feeds", poll_due, self.settings, self.store, self._feed_client, now)

    def _stats(self) -> None:
        now = self.clock()
        _guarded("stats", scheduled_stats, self.settings, self.store, self.client, now)

    def _start_up(self) -> None:
        # Read the content folder and feeds first, so runs caught up on start see today's.
        self._rescan()
        self._feeds()
        args = (self.settings, self.store, self.client, self.clock(), self._stopping.is_set)
        _guarded("catch-up", catch_up, *args)
        self._stats()  # a summary that fell due within the grace period


def _guarded(name: str, func: Callable[..., object], *args: object) -> None:
    # A failing job is logged and the schedule goes on: one bad run never stops the bot.
    try:
        func(*args)
    except Exception:
        log.exception("%s job failed", name)
