"""The App Home tab: the review queue for approvers, the latest publications for everyone.

Pure: articles in, a `home` view dict out. The view always fits Slack's limits for
views (100 blocks, every text limit, and the same text budget as messages): the queue
and the publication list are cut to fit, and a context line counts what was left out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from bot.article import Article
from bot.blocks import ACTION_READ, READ_LABEL, button, review_buttons
from bot.limits import ID_MAX, URL_MAX, text_size
from bot.mrkdwn import clean, escape, escape_cut, link, safe_url, slack_date, truncate

Published = tuple[Article, str, str, datetime]  # (article, channel, ts, published_at)

MAX_VIEW_BLOCKS = 100  # Slack's limit for Home tabs and modals
TEXT_BUDGET = 10_000  # total characters of text, like a message (see blocks.BLOCKS_TEXT_MAX)
PUBLISHED_BLOCKS = 20  # at most this many publications, so the queue keeps most of the room
PUBLISHED_TEXT = 4_000
TITLE_MAX = 150
EXCERPT_MAX = 200
PROVIDER_MAX = 80
LINK_MAX = 1_000  # a title link longer than this (giant URL) shows as plain text

HOME_HEADING = "Newsdesk"
QUEUE_HEADING = "Review queue"
QUEUE_EMPTY = "Nothing is waiting for review."
QUEUE_MORE = "…and {count} more waiting for review."
PUBLISHED_HEADING = "Latest published"
PUBLISHED_EMPTY = "Nothing has been published yet."
PUBLISHED_IN = "in {channel}"
UNTITLED = "Untitled article"
SEPARATOR = " · "
QUEUE_BLOCK_ID = "home:review:{id}"
PUBLISHED_BLOCK_ID = "home:published:{n}"

_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,30}")


def home_view(
    pending: Sequence[Article],
    published: Sequence[Published],
    *,
    approver: bool,
    tz: tzinfo,
    pending_total: int | None = None,
    notice: str = "",
) -> dict[str, Any]:
    """The Home tab; `pending_total` counts the whole queue, `notice` is an escaped mrkdwn line."""
    top = [_header(HOME_HEADING)] + ([_context(notice)] if notice else [])
    recent = _published_blocks(published, tz)
    blocks = [*top, *recent]
    if approver:
        total = len(pending) if pending_total is None else pending_total
        room = MAX_VIEW_BLOCKS - len(blocks) - 1  # the divider between the two parts
        queue = _queue_blocks(pending, total, tz, room, TEXT_BUDGET - text_size(blocks))
        blocks = [*top, *queue, _divider(), *recent]
    return {"type": "home", "blocks": blocks}


# --- the two parts ----------------------------------------------------------------------


def _queue_blocks(
    pending: Sequence[Article], total: int, tz: tzinfo, block_room: int, text_room: int
) -> list[dict]:
    """Heading, as many cards as fit, and a line counting the rest."""
    heading = _header(QUEUE_HEADING)
    if not pending:
        return [heading, _section(QUEUE_EMPTY)]
    cards = [_queue_card(article, tz) for article in _unique(pending)]
    more = _context(QUEUE_MORE.format(count=max(total, len(cards))))  # sized for the worst case
    fixed = [heading, more]
    shown = _fit(cards, block_room - len(fixed), text_room - text_size(fixed))
    blocks = [heading, *_join(cards[:shown])]
    hidden = max(total, len(cards)) - shown
    return [*blocks, _context(QUEUE_MORE.format(count=hidden))] if hidden > 0 else blocks


def _published_blocks(published: Sequence[Published], tz: tzinfo) -> list[dict]:
    heading = _header(PUBLISHED_HEADING)
    if not published:
        return [heading, _section(PUBLISHED_EMPTY)]
    lines = [[_published_line(n, item, tz)] for n, item in enumerate(published)]
    shown = _fit(lines, PUBLISHED_BLOCKS, PUBLISHED_TEXT)
    return [heading, *(line[0] for line in lines[:shown])]


def _queue_card(article: Article, tz: tzinfo) -> list[dict]:
    """A compact card: linked title, short excerpt, provider and date, then the buttons."""
    excerpt = escape_cut(clean(article.excerpt), EXCERPT_MAX)
    card = [_section(f"*{_title_link(article)}*\n{excerpt}".rstrip())]
    meta = _meta(article, tz)
    if meta:
        card.append(_context(meta))
    url = safe_url(article.url)
    read = [button(READ_LABEL, ACTION_READ, url=url)] if url and len(url) <= URL_MAX else []
    elements = [*read, *review_buttons(article)]
    card.append({"type": "actions", "block_id": _block_id(article.id), "elements": elements})
    return card


def _published_line(n: int, item: Published, tz: tzinfo) -> dict:
    article, channel, _ts, when = item
    where = PUBLISHED_IN.format(channel=f"<#{channel}>") if _CHANNEL_ID.fullmatch(channel) else ""
    provider = escape_cut(clean(article.provider.name), PROVIDER_MAX)
    meta = SEPARATOR.join(p for p in (provider, where, slack_date(when, tz)) if p)
    block = _section(f"*{_title_link(article)}*\n{meta}")
    block["block_id"] = PUBLISHED_BLOCK_ID.format(n=n)
    return block


def _title_link(article: Article) -> str:
    label = truncate(clean(article.title), TITLE_MAX) or UNTITLED
    linked = link(article.url, label)
    return linked if len(linked) <= LINK_MAX else escape(label)


def _meta(article: Article, tz: tzinfo) -> str:
    provider = escape_cut(clean(article.provider.name), PROVIDER_MAX)
    when = slack_date(article.published_at, tz) if article.published_at else ""
    return SEPARATOR.join(p for p in (provider, when) if p)


def _block_id(item_id: str) -> str:
    """Unique per item; a long id is cut and made unique again with a hash."""
    block_id = QUEUE_BLOCK_ID.format(id=item_id)
    if len(block_id) <= ID_MAX:
        return block_id
    digest = hashlib.sha256(item_id.encode()).hexdigest()[:16]
    return QUEUE_BLOCK_ID.format(id=f"{item_id[: ID_MAX - 40]}~{digest}")


# --- blocks and packing -----------------------------------------------------------------


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _header(text: str) -> dict:
    return {"type": "header", "text": _plain(text)}


def _section(text: str) -> dict:
    return {"type": "section", "text": _mrkdwn(text)}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [_mrkdwn(text)]}


def _divider() -> dict:
    return {"type": "divider"}


def _unique(articles: Sequence[Article]) -> list[Article]:
    """First of each id: the same item twice would repeat its block_id."""
    first: dict[str, Article] = {}
    for article in articles:
        first.setdefault(article.id, article)
    return list(first.values())


def _join(items: Sequence[list[dict]]) -> list[dict]:
    joined: list[dict] = []
    for item in items:
        joined += [_divider(), *item] if joined else item
    return joined


def _fit(items: Sequence[list[dict]], block_room: int, text_room: int) -> int:
    """How many leading items fit, a divider between each (none fit: zero)."""
    blocks = text = count = 0
    for item in items:
        blocks += len(item) + (1 if count else 0)
        text += text_size(item)
        if blocks > block_room or text > text_room:
            break
        count += 1
    return count
