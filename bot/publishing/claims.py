"""Claiming a run, keeping its lease, and taking over one whose owner stopped: the crash-safe
half of exactly once.

A run is claimed in the database (see `bot.store.runs`) under this store's owner id, unique
per process start. While it runs, a `Lease` renews its heartbeat. A run whose heartbeat is
older than RUN_LEASE is taken over (or closed) by the next process to run that schedule,
whatever host or pid it was on: two containers can both be pid 1 on the same hostname, so
neither says anything about liveness. Before that, what the stopped owner had posted is
recorded from Slack's own history (message metadata names the run and its items).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType

from slack_sdk import WebClient

from bot.publishing.posting import posted_by_runs
from bot.slack.client import error_code
from bot.store.runs import RunLedger
from bot.store.store import Store

log = logging.getLogger(__name__)

DIGEST = "digest"
REVIEW = "review"
DIGEST_EVENT = "newsdesk_digest"
REVIEW_EVENT = "newsdesk_review"
STATS = "stats"  # the weekly summary (bot.publishing.weekly): one post, looked up itself
PERSONAL = "personal"  # keyed by user id: one run per follower per due time
PERSONAL_EVENT = "newsdesk_personal"
EVENTS = {DIGEST: DIGEST_EVENT, REVIEW: REVIEW_EVENT}
# Records what a stopped owner's run had posted (from Slack's history); given the run's row.
Reconcile = Callable[[dict], None]
# A run whose heartbeat is older than this is taken over. Its owner renews it every
# BEAT_SECONDS from a thread of its own, so only a process that is gone (or frozen, or cut
# off from the database) lets it lapse; an owner that finds its lease lost stops posting.
RUN_LEASE = timedelta(seconds=30)
BEAT_SECONDS = 5.0
STUCK = "{channel}: cannot resume: reading the channel history failed ({error})"
CLAIM_WAIT_SECONDS = 120  # how long a run waits for another one on the same channel
CLAIM_POLL_SECONDS = 0.25
BUSY = "another {kind} for this channel was still being posted after {seconds} s"
LOST = "lost the run to another process (its lease lapsed): stopped posting"


class Busy(Exception):
    """Another run for the channel kept going past CLAIM_WAIT_SECONDS."""


class LeaseLost(Exception):
    """Another process took this run over: posting on would repeat its posts."""


def claim(
    store: Store,
    client: WebClient,
    kind: str,
    channel: str,
    due,
    now,
    *,
    reconcile: Reconcile | None = None,
) -> int | None:
    """Claim the run for `due`, waiting while another run for the channel is in progress.

    None when another process has (or had) this very run. A run whose lease lapsed is taken
    over when it is this run, and closed otherwise, after recording what it had posted
    (`reconcile`, by default from the channel's history for digests and review rounds).
    Raises `Busy` when another live run holds the channel for longer than the wait.
    """
    if reconcile is None:
        reconcile = lambda run: _recorded(store, client, kind, channel, run["id"], now)  # noqa: E731
    ledger, started, retried = store.runs, time.monotonic(), False
    while True:
        run_id = ledger.claim(kind, channel, due, now)
        if run_id is not None:
            return run_id
        run = ledger.unfinished(kind, channel)
        if run is None:
            if retried:
                return None  # this due time was claimed, and that run is over
            retried = True  # the run in the way may have just finished: try once more
        elif expired(run, now + timedelta(seconds=time.monotonic() - started)):
            if run["due_at"] == due:
                return _take_over(store, reconcile, kind, channel, run, now)
            _close_abandoned(store, reconcile, channel, run, now)
        elif run["due_at"] == due:
            return None
        elif time.monotonic() - started > CLAIM_WAIT_SECONDS:
            raise Busy(BUSY.format(kind=kind, seconds=CLAIM_WAIT_SECONDS))
        else:
            time.sleep(CLAIM_POLL_SECONDS)


def expired(run: dict, now: datetime) -> bool:
    """Has the run's owner let its lease lapse? (The only sign a run's owner is gone.)"""
    return run["heartbeat"] is None or now - run["heartbeat"] > RUN_LEASE


def _take_over(
    store: Store, reconcile: Reconcile, kind: str, channel: str, run: dict, now
) -> int | None:
    ledger = store.runs
    if not ledger.take_over(run["id"], run["owner"], now):
        return None
    log.warning("%s for %s: taking over run %s from %s", kind, channel, run["id"], run["owner"])
    try:
        reconcile(run)
    except Exception as error:
        # Without Slack's history we cannot know what was posted: hand the run back to its
        # stopped owner, untouched, so a later attempt resumes it rather than repeat posts.
        ledger.hand_over(run["id"], ledger.owner, run["owner"], run["heartbeat"])
        ledger.note_error(run["id"], STUCK.format(channel=channel, error=error_code(error)))
        raise
    return run["id"]


def _close_abandoned(store: Store, reconcile: Reconcile, channel: str, run: dict, now) -> None:
    reconcile(run)
    store.runs.abandon(run["id"], run["owner"], now, f"{channel}: owner {run['owner']} stopped")


def _recorded(store: Store, client: WebClient, kind: str, channel: str, run_id: int, now) -> None:
    reconcile(store, client, kind, channel, {run_id}, now)


def reconcile(
    store: Store, client: WebClient, kind: str, channel: str, run_ids: set[int], now
) -> None:
    """Record what the runs `run_ids` had posted but not recorded, from Slack's history."""
    event = EVENTS.get(kind)
    if event is None:
        return  # a run that records no items (stats) checks for its own post
    for run_id, ts, ids in posted_by_runs(client, channel, event, run_ids):
        if kind == DIGEST:
            store.record_publications(ids, channel, ts, run_id, now)
        for item_id in ids if kind == REVIEW else ():
            store.reviews.mark_sent_for_review(item_id, channel, ts, now)


class Lease:
    """Keeps a claimed run's heartbeat fresh from a background thread while it is posted.

    Heartbeats are `now` plus the time elapsed (the caller's clock, moving on). `check()`
    raises `LeaseLost` once a beat found the run taken over; a failed beat (the database
    is away) is only logged: the lease then lapses unless a later beat gets through.
    """

    def __init__(self, ledger: RunLedger, run_id: int, now: datetime) -> None:
        self._ledger, self._run_id, self._now = ledger, run_id, now
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._lost = False
        self._thread = threading.Thread(target=self._run, name=f"lease-{run_id}", daemon=True)

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def now(self) -> datetime:
        return self._now + timedelta(seconds=time.monotonic() - self._started)

    def beat(self) -> None:
        """Renew now (after each post); LeaseLost if the run is no longer ours."""
        if not self._ledger.beat(self._run_id, self.now()):
            self._lost = True
        self.check()

    def check(self) -> None:
        if self._lost:
            raise LeaseLost(LOST)

    def _run(self) -> None:
        while not self._stop.wait(BEAT_SECONDS):
            try:
                if not self._ledger.beat(self._run_id, self.now()):
                    self._lost = True
                    return
            except Exception as error:  # the database is away: the lease may lapse
                log.warning("run %s: heartbeat failed: %s", self._run_id, error_code(error))
