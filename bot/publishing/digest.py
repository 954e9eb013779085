"""Compose and send digests and review rounds: the edge between the store and Slack.

Exactly once: a run is claimed in the database (unique per schedule and due time), and each
message's items are recorded as published the moment Slack accepts it. Every post carries
Slack message metadata naming the run and part, so a post whose answer was lost (a timeout
after Slack accepted it) is found with `conversations.history` instead of being repeated.
"""

from __future__ import annotations

import logging
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.clock import utcnow
from bot.config import DigestSettings, Policy, Settings
from bot.content.article import Article
from bot.content.ranking import Affinity
from bot.content.select import pick
from bot.publishing.affinity import team_affinity
from bot.publishing.claims import DIGEST, DIGEST_EVENT, REVIEW, REVIEW_EVENT, Busy, claim
from bot.slack.blockkit.cards import Message
from bot.slack.blockkit.messages import review_message
from bot.slack.blockkit.mrkdwn import escape
from bot.slack.blockkit.packing import digest_messages
from bot.slack.client import error_code, post, posting_client
from bot.store.store import Store

log = logging.getLogger(__name__)

POST_ATTEMPTS = 4  # an ambiguous failure is checked, then retried, this many times in all
LANDING_WAIT_MAX = 5  # seconds a lost post may still take to land: Slack answers in far less
RESUME_FAILED = "could not read the channel's history to resume an interrupted run: {error}"
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


def preview_digest(
    settings: Settings,
    store: Store,
    digest: DigestSettings,
    now: datetime,
    *,
    approved_only: bool | None = None,
    affinity: Affinity | None = None,
) -> list[Article]:
    """The articles the next digest for `digest.channel` would post (edits applied).

    In review mode a digest takes approved items only; `approved_only=False` shows the
    best candidates whatever their review state (what `/newsdesk next` lists).
    """
    policy = settings.digest_policy(digest)
    if approved_only is None:
        approved_only = settings.review is not None
    ranked = store.candidates(
        channel=digest.channel, quality_min=policy.quality_min, approved_only=approved_only
    )
    urls, titles = store.taken_keys(digest.channel)
    affinity = affinity or team_affinity(settings, store, now)  # SPEC §9: the order learns
    return _picked(store, ranked, policy, now, urls, titles, affinity)


def preview_review(settings: Settings, store: Store, now: datetime) -> list[Article]:
    """The best eligible items never sent for review, up to the review batch."""
    policy = settings.review_policy()
    ranked = store.candidates(
        channel=None, quality_min=policy.quality_min, not_sent_for_review=True
    )
    urls, titles = store.taken_keys(None)
    return _picked(store, ranked, policy, now, urls, titles, team_affinity(settings, store, now))


def _picked(store, ranked, policy: Policy, now: datetime, urls, titles, affinity) -> list[Article]:
    with closing(ranked):
        chosen = pick(ranked, policy, now, taken_urls=urls, taken_titles=titles, affinity=affinity)
    return store.articles([c.id for c in chosen])


def run_digest(
    settings: Settings,
    store: Store,
    client: WebClient,
    digest: DigestSettings,
    now: datetime,
    *,
    due_at: datetime | None = None,
) -> Outcome:
    """Post one digest to its channel, exactly once per (channel, due time)."""
    outcome = Outcome(DIGEST, digest.channel)
    client = posting_client(client)
    run_id = _claimed(store, client, outcome, due_at or now, now)
    if run_id is None:
        return outcome
    articles = preview_digest(settings, store, digest, now)
    day = now.astimezone(settings.timezone).date()
    messages = digest_messages(articles, day, settings.timezone)
    _send_digest(store, client, digest.channel, messages, run_id, now, outcome)
    outcome.pending = len(articles) - len(outcome.posted)
    return _finish(settings, store, client, run_id, now, outcome)


def _claimed(store: Store, client: WebClient, outcome: Outcome, due, now) -> int | None:
    """The run's id; None (and the outcome says why) when this run must not post."""
    try:
        run_id = claim(store, client, outcome.kind, outcome.channel, due, now)
    except Busy as busy:
        outcome.error = str(busy)
        store.record_failed_run(outcome.kind, outcome.channel, due, now, _error_line(outcome))
        log.error("%s", outcome)
        return None
    except (SlackClientError, OSError) as error:
        outcome.error = RESUME_FAILED.format(error=error_code(error))
        log.error("%s", outcome)
        return None
    outcome.skipped = run_id is None
    return run_id


def _send_digest(store, client, channel, messages, run_id, now, outcome: Outcome) -> None:
    thread_ts: str | None = None
    for part, message in enumerate(messages):
        ids = list(message.get("item_ids", ()))
        meta = _metadata(DIGEST_EVENT, run_id, part, ids)
        try:
            ts = _post_once(client, channel, message, meta, thread_ts)
        except (SlackApiError, SlackClientError, OSError) as error:
            outcome.error = error_code(error)
            return
        store.record_publications(ids, channel, ts, run_id, now)
        store.beat(run_id, utcnow())  # real time: a long run must not look abandoned
        outcome.posted += ids
        thread_ts = thread_ts or ts


def run_review(
    settings: Settings, store: Store, client: WebClient, now: datetime, *, due_at=None
) -> Outcome:
    """Post the next review round: one message per item, each recorded as it lands."""
    if settings.review is None:
        return Outcome(REVIEW, "-", error="review is not configured (set review.channel)")
    channel = settings.review.channel
    outcome = Outcome(REVIEW, channel)
    client = posting_client(client)
    run_id = _claimed(store, client, outcome, due_at or now, now)
    if run_id is None:
        return outcome
    articles = preview_review(settings, store, now)
    for part, article in enumerate(articles):
        if not _send_review(settings, store, client, article, run_id, part, now, outcome):
            break
    outcome.pending = len(articles) - len(outcome.posted)
    return _finish(settings, store, client, run_id, now, outcome)


def _send_review(settings, store, client, article, run_id, part, now, outcome) -> bool:
    channel = outcome.channel
    message = review_message(article, settings.timezone)
    meta = _metadata(REVIEW_EVENT, run_id, part, [article.id])
    try:
        ts = _post_once(client, channel, message, meta, None)
    except (SlackApiError, SlackClientError, OSError) as error:
        outcome.error = error_code(error)
        return False
    store.mark_sent_for_review(article.id, channel, ts, now)
    store.beat(run_id, utcnow())
    outcome.posted.append(article.id)
    return True


def _metadata(event: str, run_id: int, part: int, ids: list[str]) -> dict:
    return {"event_type": event, "event_payload": {"run": run_id, "part": part, "items": ids}}


def _post_once(
    client: WebClient, channel: str, message: Message, meta: dict, thread_ts: str | None
) -> str:
    """Post, unless an earlier attempt whose answer was lost already landed.

    A timeout, a dropped connection or a 5xx may come after Slack accepted the message, so
    before each new attempt we look for it (by its metadata) instead of repeating it.
    """
    for attempt in range(1, POST_ATTEMPTS + 1):
        try:
            return post(client, channel, message, thread_ts=thread_ts, metadata=meta)
        except (SlackClientError, OSError) as error:
            if not _ambiguous(error) or attempt == POST_ATTEMPTS:
                raise
            landed = (
                find_posted(client, channel, meta, thread_ts)  # Slack answered: it is settled
                if isinstance(error, SlackApiError)
                else _wait_for_landing(client, channel, meta, thread_ts)  # may be in flight
            )
            if landed:
                log.info("%s: post %s landed despite %s", channel, meta["event_payload"], error)
                return landed
    raise AssertionError("unreachable")


def _ambiguous(error: Exception) -> bool:
    """Could the failed post have landed anyway?"""
    if isinstance(error, SlackApiError):
        return error.response.status_code >= 500
    return True  # connection errors and timeouts


def _wait_for_landing(client: WebClient, channel: str, meta: dict, thread_ts) -> str | None:
    """Look for the post for as long as the lost request could still be landing."""
    deadline = time.monotonic() + min(client.timeout or 0, LANDING_WAIT_MAX) + 1
    delay = 0.25
    while True:
        landed = find_posted(client, channel, meta, thread_ts)
        left = deadline - time.monotonic()
        if landed or left <= 0:
            return landed
        time.sleep(min(delay, left))
        delay *= 2


def find_posted(
    client: WebClient, channel: str, meta: dict, thread_ts: str | None = None
) -> str | None:
    """The ts of a message already carrying this run/part metadata, if Slack has one."""
    if thread_ts:
        page = client.conversations_replies(
            channel=channel, ts=thread_ts, include_all_metadata=True
        )
    else:
        page = client.conversations_history(channel=channel, limit=100, include_all_metadata=True)
    for message in page.get("messages", []):
        found = message.get("metadata") or {}
        if found.get("event_type") == meta["event_type"] and _same_part(found, meta):
            return str(message["ts"])
    return None


def _same_part(found: dict, meta: dict) -> bool:
    # Items are posted once each, so run + items names one message even across a resume.
    a, b = found.get("event_payload") or {}, meta["event_payload"]
    return a.get("run") == b["run"] and a.get("items") == b["items"]


def _finish(settings, store, client, run_id: int, now, outcome: Outcome) -> Outcome:
    status = "failed" if outcome.error else ("done" if outcome.posted else "empty")
    store.finish_run(run_id, status, now, posted=len(outcome.posted), error=_error_line(outcome))
    if outcome.error:
        log.error("%s", outcome)
        _note_failure(settings, client, outcome)
    else:
        log.info("%s", outcome)
    return outcome


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
    except (SlackClientError, OSError) as error:
        log.warning("could not post the failure note to %s: %s", review.channel, error)
