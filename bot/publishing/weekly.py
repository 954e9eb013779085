"""The weekly stats summary (SPEC §9): posted on `stats.schedule`, exactly once per due time.

The run is claimed like a digest's (kind `stats`, keyed by the channel), so two processes,
two scheduler ticks or a restart post it once. The post carries message metadata naming the
run; a run taken over from a process that died mid-post looks for it before posting.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.config import Settings
from bot.publishing.charts import report_message
from bot.publishing.claims import STATS, Busy, claim
from bot.publishing.jobs import due_time
from bot.publishing.posting import find_posted
from bot.publishing.runner import Outcome
from bot.publishing.stats import DEFAULT_DAYS, collect_stats
from bot.slack.client import error_code, post, posting_client
from bot.store.store import Store

log = logging.getLogger(__name__)

STATS_EVENT = "newsdesk_stats"
SUMMARY = "summary"


def scheduled_stats(
    settings: Settings, store: Store, client: WebClient, now: datetime
) -> Outcome | None:
    """The summary due at `now` (within the grace period), or None when none is due."""
    if settings.stats is None:
        return None
    grace = timedelta(minutes=settings.misfire_grace_minutes)
    due = due_time(settings.stats.schedule, settings.timezone, now, grace)
    if due is None:
        return None
    return run_stats(settings, store, client, now, due_at=due)


def run_stats(
    settings: Settings, store: Store, client: WebClient, now: datetime, *, due_at: datetime
) -> Outcome:
    """Claim the run for `due_at` and post the last week's report, unless it was posted."""
    channel = settings.stats.channel if settings.stats else ""
    outcome = Outcome(STATS, channel)
    client = posting_client(client)
    try:
        run_id = claim(store, client, STATS, channel, due_at, now)
    except (Busy, SlackClientError, OSError) as error:
        outcome.error = error_code(error)
        log.error("%s", outcome)
        return outcome
    if run_id is None:
        outcome.skipped = True
        return outcome
    meta = {"event_type": STATS_EVENT, "event_payload": {"run": run_id, "part": 0, "items": []}}
    try:
        if not find_posted(client, channel, meta):
            post(
                client,
                channel,
                report_message(collect_stats(store, now, DEFAULT_DAYS)),
                metadata=meta,
            )
        outcome.posted.append(SUMMARY)
    except Exception as error:  # whatever it was, the run ends as failed, never wedged
        outcome.error = error_code(error)
    status = "failed" if outcome.error else "done"
    error_line = f"{channel}: {outcome.error}" if outcome.error else None
    store.runs.finish(run_id, status, now, posted=len(outcome.posted), error=error_line)
    log.log(logging.ERROR if outcome.error else logging.INFO, "%s", outcome)
    return outcome
