"""Composing and sending digests: the edge between the store and a news channel.

Exactly once: a run is claimed in the database (unique per schedule and due time), and each
message's items are recorded as published the moment Slack accepts it. Posting itself (one
message exactly once, found again by its metadata when an answer is lost) is in
`bot.publishing.posting`; claiming, the lease and always finishing a run in
`bot.publishing.runner`. Review rounds are in `bot.publishing.review`.
"""

from __future__ import annotations

import logging
from contextlib import closing
from datetime import datetime

from slack_sdk import WebClient

from bot.config import DigestSettings, Policy, Settings
from bot.content.article import Article
from bot.content.ranking import Affinity
from bot.content.select import Candidate, pick
from bot.publishing.affinity import team_affinity
from bot.publishing.claims import DIGEST, DIGEST_EVENT
from bot.publishing.posting import metadata, post_once
from bot.publishing.runner import Outcome, Run, run_claimed
from bot.slack.blockkit.cards import Message
from bot.slack.blockkit.packing import digest_messages
from bot.store.store import Store

log = logging.getLogger(__name__)


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
    affinity = affinity or team_affinity(settings, store, now)  # SPEC §9: the order learns
    return picked(store, ranked, policy, now, store.taken_keys(digest.channel), affinity)


def picked(
    store: Store,
    ranked,
    policy: Policy,
    now: datetime,
    taken: tuple[set[str], set[str]],
    affinity: Affinity,
) -> list[Article]:
    """The articles `pick` chooses from the `ranked` candidates (closed afterwards)."""
    urls, titles = taken
    with closing(ranked):
        chosen: list[Candidate] = pick(
            ranked, policy, now, taken_urls=urls, taken_titles=titles, affinity=affinity
        )
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

    def body(run: Run) -> None:
        articles = preview_digest(settings, store, digest, now)
        run.picked = len(articles)
        day = now.astimezone(settings.timezone).date()
        _send_digest(run, digest_messages(articles, day, settings.timezone))

    outcome = Outcome(DIGEST, digest.channel)
    record = _recorder(store, digest.channel)
    return run_claimed(settings, store, client, outcome, record, due_at or now, now, body)


def _recorder(store: Store, channel: str):
    def record(ids: list[str], ts: str, run_id: int, now: datetime) -> None:
        store.record_publications(ids, channel, ts, run_id, now)

    return record


def _send_digest(run: Run, messages: list[Message]) -> None:
    """The top message, then the rest in its thread; each recorded as soon as it lands."""
    thread_ts: str | None = None
    for part, message in enumerate(messages):
        run.lease.check()
        ids = list(message.get("item_ids", ()))
        meta = metadata(DIGEST_EVENT, run.run_id, part, ids)
        ts = post_once(run.client, run.channel, message, meta, thread_ts)
        run.landed(ids, ts)
        thread_ts = thread_ts or ts
