"""What follows a click or a submission: the review message and the Home tab brought up
to date, private notes to the user, and slow work run after the ack.

Shared by the button, modal and event listeners. A Slack failure here is logged and never
undoes the decision that was already recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.app.deps import Deps
from bot.app.home import Published, home_view
from bot.content.article import Decision
from bot.publishing.follows import home_topics
from bot.slack import client as slack
from bot.slack.blockkit.messages import decided_by, review_message
from bot.slack.blockkit.mrkdwn import slack_date

log = logging.getLogger(__name__)

HOME_PENDING_LIMIT = 50  # the view shows fewer; the rest are counted
HOME_PUBLISHED_LIMIT = 20
HOME_PUBLISHED_SCAN = 100  # publications looked at to find the latest public ones
ALREADY_DECIDED = "Already {verdict} by {who} ({when})."


def publish_home(deps: Deps, user_id: str, *, notice: str = "") -> None:
    """Build and publish `user_id`'s Home tab; a Slack error is logged, not raised."""
    view = build_home(deps, user_id, notice=notice)
    try:
        deps.client.views_publish(user_id=user_id, view=view)
    except SlackApiError as error:
        log.warning("home: views.publish for %s failed: %s", user_id, slack.error_code(error))


def build_home(deps: Deps, user_id: str, *, notice: str = "") -> dict[str, Any]:
    """The Home view for `user_id`: the queue only when they may review."""
    approver = deps.approvers.allows(user_id)
    pending = deps.store.reviews.pending_review(HOME_PENDING_LIMIT) if approver else []
    total = len(pending)
    if total >= HOME_PENDING_LIMIT:
        total = deps.store.counts()["pending_review"]
    published = public_publications(deps)
    tz = deps.settings.timezone
    topics = home_topics(deps.store, user_id)
    return home_view(
        pending,
        published,
        approver=approver,
        tz=tz,
        pending_total=total,
        notice=notice,
        topics=topics,
    )


def public_publications(deps: Deps) -> list[Published]:
    """The latest publications in public channels: Home is the same for every member, so a
    post only members of a private channel saw (or one Slack will not describe) stays off."""
    latest = deps.store.latest_published(HOME_PUBLISHED_SCAN)
    return [p for p in latest if deps.channels.public(p[1])][:HOME_PUBLISHED_LIMIT]


def show_decision(deps: Deps, decision: Decision, also: tuple[str, str] | None = None) -> None:
    """Update the review message (and `also`, the clicked message) to show the verdict."""
    article = deps.store.article(decision.item_id)
    if article is None:
        return
    message = review_message(article, deps.settings.timezone, decision)
    targets = dict.fromkeys(
        t for t in (deps.store.reviews.review_post(decision.item_id), also) if t
    )
    for channel, ts in targets:
        try:
            slack.update(deps.client, channel, ts, message)
        except SlackApiError as error:
            code = slack.error_code(error)
            log.warning("review %s: chat.update failed: %s", decision.item_id, code)


def notify(deps: Deps, user_id: str, text: str, *, channel: str = "") -> None:
    """An ephemeral note to `user_id` in `channel`; without a channel, or when Slack
    refuses the ephemeral (they are not in it), on top of their refreshed Home tab."""
    if channel:
        try:
            deps.client.chat_postEphemeral(channel=channel, user=user_id, text=text)
            return
        except SlackApiError as error:
            log.warning("ephemeral to %s failed: %s", user_id, slack.error_code(error))
    publish_home(deps, user_id, notice=text)


def already_text(decision: Decision, deps: Deps) -> str:
    """mrkdwn naming who decided and when (each reader sees their own time zone)."""
    when = slack_date(decision.decided_at, deps.settings.timezone, with_time=True)
    who = decided_by(decision.user_id)
    return ALREADY_DECIDED.format(verdict=decision.decision, who=who, when=when)


def run_later(deps: Deps, fn: Callable[..., None], *args: Any) -> None:
    """Run slow Slack work in the executor after the ack; failures are logged."""
    try:
        deps.executor.submit(_logged, fn, *args)
    except RuntimeError:  # executor shut down (stopping): finish the work here
        _logged(fn, *args)


def _logged(fn: Callable[..., None], *args: Any) -> None:
    try:
        fn(*args)
    except Exception:
        log.exception("follow-up %s failed", getattr(fn, "__name__", fn))
