"""Sharing one article's card in a channel: `/newsdesk share ID` and the Share button.

Runs after the ack (it may call Slack twice: the approver check and the post) and returns
what to tell the user, privately. An item is shared at most once per channel: the share is
recorded before the post (claimed, posted, then its ts recorded; released if Slack refused
it), so a double click posts once. Only items present in the library and not
`published: true` upstream can be shared; in review mode (SPEC §3) only approved items,
except by approvers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from slack_sdk import WebClient

from bot.config import Settings
from bot.publishing.approvers import Approvers
from bot.publishing.posting import POST_ERRORS
from bot.slack.blockkit.cards import card_message
from bot.slack.blockkit.mrkdwn import clean, escape, escape_cut
from bot.slack.client import error_code, post
from bot.store.store import Store

log = logging.getLogger(__name__)

ECHO_MAX = 60  # how much of the user's own text (or a title) an answer repeats
NOT_MEMBER = {"not_in_channel", "channel_not_found"}

NO_ARTICLE = "There is no article `{id}`. `/newsdesk search` finds ids."
SHARED = "Shared “{title}” in <#{channel}>."
ALREADY_SHARED = "“{title}” was already shared here, in <#{channel}>. Nothing was posted."
NOT_APPROVED = (
    "“{title}” is not approved yet: while articles are reviewed, only approved ones can be "
    "shared (approvers may share any). Nothing was posted."
)
INVITE_HINT = "I can't post in this channel. Invite me first (`/invite @Newsdesk`), then try again."
SHARE_FAILED = "Sharing failed: Slack said `{error}`. Nothing was posted; you can try again."
NOT_PRESENT = "“{title}” is no longer in the library, so it cannot be shared. Nothing was posted."
PUBLISHED_UPSTREAM = (
    "“{title}” is marked `published: true` upstream, so it is not shared again. Nothing was posted."
)


class SharingDeps(Protocol):
    """What sharing needs; the app's `Deps` has it all (no upward import needed)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def store(self) -> Store: ...
    @property
    def client(self) -> WebClient: ...
    @property
    def approvers(self) -> Approvers: ...
    @property
    def clock(self) -> Callable[[], datetime]: ...


def share_article(deps: SharingDeps, channel_id: str, user_id: str, item_id: str) -> str:
    """Post the item's card in the channel unless refused; what to tell the user (mrkdwn)."""
    article = deps.store.article(item_id)
    if article is None:
        return NO_ARTICLE.format(id=escape_cut(item_id, ECHO_MAX))
    title = escape_cut(clean(article.title), ECHO_MAX)
    refusal = refusal_of(deps, channel_id, user_id, item_id)
    if refusal:
        log.info("share of %s in %s by %s refused", item_id, channel_id, user_id)
        return refusal.format(title=title, channel=channel_id)
    if not deps.store.shares.claim(item_id, channel_id, deps.clock()):
        return ALREADY_SHARED.format(title=title, channel=channel_id)  # a click just before
    try:
        ts = post(deps.client, channel_id, card_message(article, deps.settings.timezone))
    except POST_ERRORS as error:
        deps.store.shares.release(item_id, channel_id)
        code = error_code(error)
        log.warning("share of %s in %s failed: %s", item_id, channel_id, code)
        return INVITE_HINT if code in NOT_MEMBER else SHARE_FAILED.format(error=escape(code))
    deps.store.shares.posted(item_id, channel_id, ts)
    log.info("%s shared %s in %s", user_id, item_id, channel_id)
    return SHARED.format(title=title, channel=channel_id)


def refusal_of(deps: SharingDeps, channel_id: str, user_id: str, item_id: str) -> str | None:
    """Why this share may not happen (a template with {title} and {channel}), or None."""
    if not deps.store.is_present(item_id):
        return NOT_PRESENT
    if deps.store.article(item_id, edited=False).published:  # type: ignore[union-attr]
        return PUBLISHED_UPSTREAM
    if deps.store.is_published(item_id, channel_id):
        return ALREADY_SHARED
    if deps.settings.review is None:
        return None
    decision = deps.store.reviews.decision(item_id)
    if decision is not None and decision.approved:
        return None
    return None if deps.approvers.allows(user_id) else NOT_APPROVED
