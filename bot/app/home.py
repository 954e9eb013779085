"""The App Home tab: the review queue for approvers, the latest publications for everyone.

Pure: articles in, a `home` view dict out. The view always fits Slack's limits for
views (100 blocks, every text limit, and the same text budget as messages): the queue
and the publication list are cut to fit, and a context line counts what was left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from bot.content.article import Article
from bot.slack.blockkit.cards import (
    PROVIDER_MAX,
    SEPARATOR,
    actions_block,
    button,
    context_block,
    divider_block,
    header_block,
    meta_block,
    section_block,
    title_link,
    useful_buttons,
)
from bot.slack.blockkit.limits import (
    ACTIONS_ELEMENTS_MAX,
    BUTTON_VALUE_MAX,
    VIEW_MAX_BLOCKS,
    text_size,
)
from bot.slack.blockkit.messages import review_buttons
from bot.slack.blockkit.mrkdwn import clean, escape_cut, slack_date
from bot.slack.blockkit.packing import PACK_TEXT_BUDGET, fit_count, join_cards, unique_articles

Published = tuple[Article, str, str, datetime]  # (article, channel, ts, published_at)

PUBLISHED_BLOCKS = 20  # at most this many publications, so the queue keeps most of the room
PUBLISHED_TEXT = 4_000
HOME_EXCERPT_MAX = 200  # Home lists many cards: a short excerpt each
HOME_LINK_MAX = 1_000  # Home packs many cards: a longer title link shows as plain text

HOME_HEADING = "Newsdesk"
QUEUE_HEADING = "Review queue"
QUEUE_EMPTY = "Nothing is waiting for review."
QUEUE_MORE = "…and {count} more waiting for review."
PUBLISHED_HEADING = "Latest published"
PUBLISHED_EMPTY = "Nothing has been published yet."
PUBLISHED_IN = "in {channel}"
QUEUE_BLOCK_ID = "home:review:{id}"
PUBLISHED_BLOCK_ID = "home:published:{n}"

# Topic toggles (SPEC §9): one button per topic; ids are unique within the block.
FOLLOWS_HEADING = "Your topics"
FOLLOWS_HINT = "Follow topics to get their best new articles by direct message."
FOLLOWS_BLOCK_ID = "home:follows"
ACTION_FOLLOW = "newsdesk_follow"  # + ":<n>"; the button's value is the topic
ACTION_UNFOLLOW = "newsdesk_unfollow"
FOLLOWED_MARK, UNFOLLOWED_MARK = "✓ ", "+ "

_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,30}")


def home_view(
    pending: Sequence[Article],
    published: Sequence[Published],
    *,
    approver: bool,
    tz: tzinfo,
    pending_total: int | None = None,
    notice: str = "",
    topics: Sequence[tuple[str, bool]] = (),
) -> dict[str, Any]:
    """The Home tab; `pending_total` counts the whole queue, `notice` is an escaped mrkdwn line,
    `topics` are (topic, followed) toggles."""
    top = [header_block(HOME_HEADING)] + ([context_block(notice)] if notice else [])
    top += topic_blocks(topics)
    recent = _published_blocks(published, tz)
    blocks = [*top, *recent]
    if approver:
        total = len(pending) if pending_total is None else pending_total
        room = VIEW_MAX_BLOCKS - len(blocks) - 1  # the divider between the two parts
        queue = _queue_blocks(pending, total, tz, room, PACK_TEXT_BUDGET - text_size(blocks))
        blocks = [*top, *queue, divider_block(), *recent]
    return {"type": "home", "blocks": blocks}


def topic_blocks(topics: Sequence[tuple[str, bool]]) -> list[dict]:
    """A heading, a hint and one Follow (+) or Unfollow (✓) button per topic."""
    buttons = []
    for n, (topic, followed) in enumerate(t for t in topics if len(t[0]) <= BUTTON_VALUE_MAX):
        action = ACTION_UNFOLLOW if followed else ACTION_FOLLOW
        label = (FOLLOWED_MARK if followed else UNFOLLOWED_MARK) + clean(topic)
        style = "primary" if followed else None
        buttons.append(button(label, f"{action}:{n}", value=topic, style=style))
    if not buttons:
        return []
    elements = buttons[:ACTIONS_ELEMENTS_MAX]
    actions = {"type": "actions", "block_id": FOLLOWS_BLOCK_ID, "elements": elements}
    return [header_block(FOLLOWS_HEADING), section_block(FOLLOWS_HINT), actions]


# --- the two parts ----------------------------------------------------------------------


def _queue_blocks(
    pending: Sequence[Article], total: int, tz: tzinfo, block_room: int, text_room: int
) -> list[dict]:
    """Heading, as many cards as fit, and a line counting the rest."""
    heading = header_block(QUEUE_HEADING)
    if not pending:
        return [heading, section_block(QUEUE_EMPTY)]
    cards = [_queue_card(article, tz) for article in unique_articles(pending)]
    more = context_block(
        QUEUE_MORE.format(count=max(total, len(cards)))
    )  # sized for the worst case
    fixed = [heading, more]
    shown = fit_count(cards, block_room - len(fixed), text_room - text_size(fixed), minimum=0)
    blocks = [heading, *join_cards(cards[:shown])]
    hidden = max(total, len(cards)) - shown
    return [*blocks, context_block(QUEUE_MORE.format(count=hidden))] if hidden > 0 else blocks


def _published_blocks(published: Sequence[Published], tz: tzinfo) -> list[dict]:
    heading = header_block(PUBLISHED_HEADING)
    if not published:
        return [heading, section_block(PUBLISHED_EMPTY)]
    lines = [[_published_line(n, item, tz)] for n, item in enumerate(published)]
    shown = fit_count(lines, PUBLISHED_BLOCKS, PUBLISHED_TEXT, minimum=0)
    return [heading, *(line[0] for line in lines[:shown])]


def _queue_card(article: Article, tz: tzinfo) -> list[dict]:
    """A compact card: linked title, short excerpt, provider/date/topics, then the buttons."""
    excerpt = escape_cut(clean(article.excerpt), HOME_EXCERPT_MAX)
    card = [section_block(f"*{title_link(article, HOME_LINK_MAX)}*\n{excerpt}".rstrip())]
    meta = meta_block(article, tz)
    if meta:
        card.append(meta)
    card.append(actions_block(QUEUE_BLOCK_ID, article, review_buttons(article)))
    return card


def _published_line(n: int, item: Published, tz: tzinfo) -> dict:
    article, channel, _ts, when = item
    where = PUBLISHED_IN.format(channel=f"<#{channel}>") if _CHANNEL_ID.fullmatch(channel) else ""
    provider = escape_cut(clean(article.provider.name), PROVIDER_MAX)
    meta = SEPARATOR.join(p for p in (provider, where, slack_date(when, tz)) if p)
    block = section_block(f"*{title_link(article, HOME_LINK_MAX)}*\n{meta}")
    block["block_id"] = PUBLISHED_BLOCK_ID.format(n=n)
    for useful in useful_buttons(article):  # none for an id too long to be a button value
        block["accessory"] = useful
    return block
