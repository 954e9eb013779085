"""Review rounds: the best eligible items not yet sent for review, one message each.

Each message carries the article card with Approve / Edit / Reject and is recorded as
sent for review (bound to the content it showed) the moment Slack accepts it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from slack_sdk import WebClient

from bot.config import Settings
from bot.content.article import Article
from bot.publishing.affinity import team_affinity
from bot.publishing.claims import REVIEW, REVIEW_EVENT
from bot.publishing.digest import picked
from bot.publishing.posting import metadata, post_once
from bot.publishing.runner import Outcome, Run, run_claimed
from bot.slack.blockkit.messages import review_message
from bot.store.fingerprint import of_article
from bot.store.store import Store

log = logging.getLogger(__name__)

NOT_CONFIGURED = "review is not configured (set review.channel)"


def preview_review(settings: Settings, store: Store, now: datetime) -> list[Article]:
    """The best eligible items never sent for review, up to the review batch."""
    policy = settings.review_policy()
    ranked = store.candidates(
        channel=None, quality_min=policy.quality_min, not_sent_for_review=True
    )
    affinity = team_affinity(settings, store, now)
    return picked(store, ranked, policy, now, store.taken_keys(None), affinity)


@dataclass(frozen=True, slots=True)
class ReviewPost:
    """One review message to send: the article, its place in the round, how to show dates."""

    article: Article
    part: int
    timezone: tzinfo


def run_review(
    settings: Settings,
    store: Store,
    client: WebClient,
    now: datetime,
    *,
    due_at: datetime | None = None,
    only: Sequence[Article] | None = None,
) -> Outcome:
    """Post the next review round: one message per item, each recorded as it lands.

    `only` posts just those articles (a suggestion sent for review at once), under the same
    claim as a round, so a round running at that moment never posts them a second time.
    """
    if settings.review is None:
        return Outcome(REVIEW, "-", error=NOT_CONFIGURED)
    channel = settings.review.channel

    shown: dict[str, str] = {}  # item id -> fingerprint of the content its post shows

    def body(run: Run) -> None:
        if only is None:
            articles = preview_review(settings, store, now)
        else:  # checked under the claim: a round may have sent them meanwhile
            articles = [a for a in only if store.reviews.review_post(a.id) is None]
        run.picked = len(articles)
        shown.update((a.id, of_article(a)) for a in articles)
        for part, article in enumerate(articles):
            _send_review(run, ReviewPost(article, part, settings.timezone))

    def record(ids: list[str], ts: str, run_id: int, when: datetime) -> None:
        for item_id in ids:
            store.reviews.mark_sent_for_review(item_id, channel, ts, when, shown.get(item_id))

    outcome = Outcome(REVIEW, channel)
    return run_claimed(settings, store, client, outcome, record, due_at or now, now, body)


def _send_review(run: Run, item: ReviewPost) -> None:
    run.lease.check()
    message = review_message(item.article, item.timezone)
    meta = metadata(REVIEW_EVENT, run.run_id, item.part, [item.article.id])
    ts = post_once(run.client, run.channel, message, meta, None)
    run.landed([item.article.id], ts)
