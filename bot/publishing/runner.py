"""Running one claimed digest or review round: claim, post under a lease, always finish.

Whatever happens after the claim (Slack refusing, an unreadable answer, the database going
away for a moment, a bug), the run ends finished as failed, with the reason in `status`,
so the channel's next run goes ahead. A run is finished only once every post that landed
is recorded: if the database stays away, the run is left to its lease, and whoever takes
it over records those posts from the channel's history. A run after failed ones first
records what they may have posted without knowing (an answer lost for good).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient

from bot.config import Settings
from bot.publishing.claims import Busy, Lease, claim, reconcile
from bot.publishing.posting import POST_ERRORS
from bot.slack.blockkit.mrkdwn import escape
from bot.slack.client import error_code, posting_client
from bot.store.store import Store

log = logging.getLogger(__name__)

CLAIM_FAILED = "could not start: {error}"
FINISH_DELAYS = (0.5, 1.0, 2.0, 4.0)  # seconds between attempts to record and finish a run
FAILED_NOTE = (
    ":warning: Newsdesk could not post the {kind} to <#{channel}>: `{error}`. "
    "{count} item(s) stay unpublished and will be retried on the next run."
)


@dataclass
class Outcome:
    """What one digest or review run did, for logs, `status` and replies to users."""

    kind: str
    channel: str
    posted: list[str] = field(default_factory=list)
    error: str | None = None
    skipped: bool = False
    pending: int = 0  # items picked but not posted

    def __str__(self) -> str:
        if self.skipped:
            return f"{self.kind} for {self.channel}: already run by another process"
        if self.error:
            return (
                f"{self.kind} for {self.channel} failed: {self.error} "
                f"({len(self.posted)} posted, {self.pending} left unpublished)"
            )
        if not self.posted:
            return f"{self.kind} for {self.channel}: nothing to post"
        return f"{self.kind} for {self.channel}: posted {len(self.posted)} item(s)"


Recorder = Callable[[list[str], str, int, datetime], object]  # (ids, ts, run id, now)


@dataclass
class Run:
    """One claimed run being posted: what each of its posts needs."""

    store: Store
    client: WebClient
    run_id: int
    now: datetime
    outcome: Outcome
    record: Recorder
    lease: Lease
    picked: int = 0
    unrecorded: list[tuple[list[str], str]] = field(default_factory=list)

    @property
    def channel(self) -> str:
        return self.outcome.channel

    def landed(self, ids: list[str], ts: str) -> None:
        """A post of `ids` is in Slack: record it now (or, failing that, before finishing)."""
        self.unrecorded.append((ids, ts))
        self.record(ids, ts, self.run_id, self.now)
        self.unrecorded.pop()
        self.outcome.posted += ids
        self.lease.beat()


def run_claimed(
    settings: Settings,
    store: Store,
    client: WebClient,
    outcome: Outcome,
    record: Recorder,
    due: datetime,
    now: datetime,
    body: Callable[[Run], None],
) -> Outcome:
    """Claim the run for `due`, then `body(run)` under a lease; the run is always finished."""
    client = posting_client(client)
    run_id = _claimed(store, client, outcome, due, now)
    if run_id is None:
        return outcome
    with Lease(store.runs, run_id, now) as lease:
        run = Run(store, client, run_id, now, outcome, record, lease)
        try:
            _resume_failed(run)
            body(run)
        except POST_ERRORS as error:
            outcome.error = error_code(error)
        except Exception as error:
            log.exception("%s for %s: run %s failed", outcome.kind, outcome.channel, run_id)
            outcome.error = error_code(error)
        outcome.pending = max(0, run.picked - len(outcome.posted))
        _finish(settings, run)
    return outcome


def _claimed(store: Store, client: WebClient, outcome: Outcome, due, now) -> int | None:
    """The run's id; None (and the outcome says why) when this run must not post."""
    try:
        run_id = claim(store, client, outcome.kind, outcome.channel, due, now)
    except Busy as busy:
        outcome.error = str(busy)
        store.runs.record_failed(outcome.kind, outcome.channel, due, now, _error_line(outcome))
        log.error("%s", outcome)
        return None
    except Exception as error:  # reading Slack's history to resume, or the database
        outcome.error = CLAIM_FAILED.format(error=error_code(error))
        log.error("%s", outcome)
        return None
    outcome.skipped = run_id is None
    return run_id


def _resume_failed(run: Run) -> None:
    """Record what earlier failed runs of this channel may have posted without knowing."""
    failed = run.store.runs.failed_since_success(run.outcome.kind, run.channel, run.run_id)
    if failed:
        reconcile(run.store, run.client, run.outcome.kind, run.channel, set(failed), run.now)


def _finish(settings: Settings, run: Run) -> None:
    outcome = run.outcome
    status = "failed" if outcome.error else ("done" if outcome.posted else "empty")
    for delay in (*FINISH_DELAYS, None):
        try:
            _record_and_finish(run, status)
            break
        except Exception as error:
            if delay is None:
                log.error(
                    "%s for %s: run %s left to its lease (%s): the next run records its posts",
                    outcome.kind, outcome.channel, run.run_id, error_code(error),
                )  # fmt: skip
                outcome.error = outcome.error or error_code(error)
            else:
                time.sleep(delay)
    if outcome.error:
        log.error("%s", outcome)
        _note_failure(settings, run.client, outcome)
    else:
        log.info("%s", outcome)


def _record_and_finish(run: Run, status: str) -> None:
    while run.unrecorded:
        ids, ts = run.unrecorded[0]
        run.record(ids, ts, run.run_id, run.now)
        run.unrecorded.pop(0)
        run.outcome.posted += ids
    when = run.lease.now()
    posted = len(run.outcome.posted)
    run.store.runs.finish(run.run_id, status, when, posted=posted, error=_error_line(run.outcome))


def _error_line(outcome: Outcome) -> str | None:
    return f"{outcome.channel}: {outcome.error}" if outcome.error else None


def _note_failure(settings: Settings, client: WebClient, outcome: Outcome) -> None:
    """In review mode, approvers hear about a failed post in the review channel."""
    review = settings.review
    if review is None or outcome.channel == review.channel:
        return
    text = FAILED_NOTE.format(
        kind=outcome.kind,
        channel=outcome.channel,
        error=escape(outcome.error or ""),
        count=outcome.pending,
    )
    try:
        client.chat_postMessage(channel=review.channel, text=text)
    except POST_ERRORS as error:
        log.warning("could not post the failure note to %s: %s", review.channel, error)
