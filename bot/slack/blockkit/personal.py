"""A follower's personal digest as one direct message (SPEC §9).

Pure: articles in, one message out. It holds as many full cards as fit in one message;
`item_ids` names the ones shown, so only those are recorded as sent (the rest stay unread
for the next time).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, tzinfo

from bot.content.article import Article
from bot.content.dates import long_date
from bot.slack.blockkit.cards import Message, article_blocks, context_block, header_block
from bot.slack.blockkit.limits import MAX_BLOCKS, text_size
from bot.slack.blockkit.mrkdwn import clean, escape_cut
from bot.slack.blockkit.packing import (
    ARTICLE_COUNT,
    PACK_TEXT_BUDGET,
    fit_count,
    join_cards,
    unique_articles,
)

PERSONAL_HEADING = "Your Newsdesk picks · {day}"
PERSONAL_FALLBACK = "{heading}: {count} in topics you follow"
PERSONAL_FOOTER = "Because you follow {topics} · `/newsdesk following` to see or change them"
TOPIC_MAX = 40
TOPICS_NAMED = 5


def personal_message(
    articles: Sequence[Article], topics: Sequence[str], day: date, tz: tzinfo
) -> Message | None:
    """The DM for one follower, or None when there is nothing to send."""
    cards = [article_blocks(a, tz) for a in unique_articles(articles)]
    if not cards:
        return None
    heading = PERSONAL_HEADING.format(day=long_date(day))
    frame = [header_block(heading), context_block(_footer(topics))]
    shown = fit_count(cards, MAX_BLOCKS - len(frame), PACK_TEXT_BUDGET - text_size(frame))
    ids = [a.id for a in unique_articles(articles)][:shown]
    count = ARTICLE_COUNT[shown != 1].format(n=shown)
    return {
        "text": PERSONAL_FALLBACK.format(heading=heading, count=count),
        "blocks": [frame[0], *join_cards(cards[:shown]), frame[1]],
        "item_ids": ids,
    }


def _footer(topics: Sequence[str]) -> str:
    names = [escape_cut(clean(t), TOPIC_MAX) for t in sorted(topics, key=str.casefold)]
    named = ", ".join(n for n in names[:TOPICS_NAMED] if n)
    more = len(names) - TOPICS_NAMED
    return PERSONAL_FOOTER.format(topics=f"{named} +{more} more" if more > 0 else named)
