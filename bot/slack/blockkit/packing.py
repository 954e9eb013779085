"""Many cards in as few messages as fit: search results and the daily digest.

Pure: articles in, plain dicts out (no I/O, no clock). Cards come from `bot.slack.blockkit.cards`;
this module packs them, divider-separated and never split, into messages that stay
under Slack's 50 blocks and well under its text total (see `bot.slack.blockkit.limits`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, tzinfo

from bot.content.article import Article
from bot.content.dates import long_date
from bot.slack.blockkit.cards import (
    FALLBACK_MAX,
    Message,
    context_block,
    divider_block,
    header_block,
    published_blocks,
    result_blocks,
    section_block,
)
from bot.slack.blockkit.limits import MAX_BLOCKS
from bot.slack.blockkit.limits import text_size as _text_size
from bot.slack.blockkit.mrkdwn import clean, escape_cut

# Digests are packed well below Slack's undocumented total (see bot.slack.blockkit.limits).
PACK_TEXT_BUDGET = 10_000

DIGEST_HEADING = "Newsdesk digest · {day}"
DIGEST_CONTINUED = "{heading} (continued)"
DIGEST_FALLBACK = "{heading}: {count}"
DIGEST_FOOTER = "{count} · curated by Newsdesk"
DIGEST_FOOTER_THREAD = "{footer} · more in the thread"
ARTICLE_COUNT = ("{n} article", "{n} articles")
RESULTS_HEADING = "Newsdesk"
MORE_RESULTS = "…and {count} more"
NO_RESULTS = "No articles found."


def results_message(
    articles: Sequence[Article], tz: tzinfo, heading: str, *, notes: Mapping[str, str] = {}
) -> Message:
    """Compact cards with Read and Share buttons, capped to fit one message; `notes` (by
    item id, plain text) add a line under a card, e.g. why it ranks where it does."""
    items = [result_blocks(a, tz, note=notes.get(a.id, "")) for a in unique_articles(articles)]
    top = [header_block(heading, RESULTS_HEADING)]
    if not items:
        return {"text": _plain_fallback(heading), "blocks": [*top, section_block(NO_RESULTS)]}
    more = context_block(MORE_RESULTS.format(count=len(items)))  # sized for the worst case
    shown = fit_count(items, MAX_BLOCKS - 2, PACK_TEXT_BUDGET - _text_size([*top, more]))
    blocks = [*top, *join_cards(items[:shown])]
    if shown < len(items):
        blocks.append(context_block(MORE_RESULTS.format(count=len(items) - shown)))
    return {"text": _plain_fallback(heading), "blocks": blocks}


def digest_messages(
    articles: Sequence[Article], day: date, tz: tzinfo, *, images: bool = True
) -> list[Message]:
    """[top-level, thread replies...]: a digest never passes 50 blocks or splits a card.

    Each message also carries `item_ids`, the items it shows, so the sender can record
    exactly those as published when Slack accepts it (it is not sent to Slack).
    """
    unique = unique_articles(articles)
    cards = [published_blocks(a, tz, images=images) for a in unique]
    if not cards:
        return []
    heading = DIGEST_HEADING.format(day=long_date(day))
    footer = DIGEST_FOOTER.format(count=_article_count(len(cards)))
    continued = DIGEST_CONTINUED.format(heading=heading)
    first_frame = [
        header_block(heading),
        divider_block(),
        context_block(DIGEST_FOOTER_THREAD.format(footer=footer)),
    ]
    batches = _batches(cards, first_frame, [context_block(continued)])
    if len(batches) > 1:
        footer = DIGEST_FOOTER_THREAD.format(footer=footer)
    ids = _split_ids([a.id for a in unique], batches)
    top = [header_block(heading), *join_cards(batches[0]), divider_block(), context_block(footer)]
    text = DIGEST_FALLBACK.format(heading=heading, count=_article_count(len(cards)))
    replies = [
        {"text": continued, "blocks": [context_block(continued), *join_cards(b)], "item_ids": i}
        for b, i in zip(batches[1:], ids[1:], strict=True)
    ]
    return [{"text": text, "blocks": top, "item_ids": ids[0]}, *replies]


def _split_ids(ids: list[str], batches: list[list[list[dict]]]) -> list[list[str]]:
    out, start = [], 0
    for batch in batches:
        out.append(ids[start : start + len(batch)])
        start += len(batch)
    return out


def _plain_fallback(text: str) -> str:
    return escape_cut(clean(text), FALLBACK_MAX) or RESULTS_HEADING


def _article_count(n: int) -> str:
    return ARTICLE_COUNT[n != 1].format(n=n)


def unique_articles(articles: Sequence[Article]) -> list[Article]:
    """First of each id: the same item twice would repeat a card and its block_id."""
    first: dict[str, Article] = {}
    for article in articles:
        first.setdefault(article.id, article)
    return list(first.values())


# --- packing ---------------------------------------------------------------------------


def join_cards(items: Sequence[list[dict]]) -> list[dict]:
    """Cards one after another with a divider between each."""
    joined: list[dict] = []
    for item in items:
        joined += [divider_block(), *item] if joined else item
    return joined


def fit_count(
    items: Sequence[list[dict]], block_room: int, text_room: int, *, minimum: int = 1
) -> int:
    """How many leading items fit (dividers included); never fewer than `minimum`."""
    blocks = text = count = 0
    for item in items:
        blocks += len(item) + (1 if count else 0)
        text += _text_size(item)
        if count >= minimum and (blocks > block_room or text > text_room):
            break
        count += 1
    return count


def _batches(
    items: Sequence[list[dict]], first_frame: list[dict], frame: list[dict]
) -> list[list[list[dict]]]:
    """Split items into messages: the first has `first_frame` around it, the rest `frame`."""
    batches: list[list[list[dict]]] = []
    rest, around = list(items), first_frame
    while rest:
        room = PACK_TEXT_BUDGET - _text_size(around)
        count = fit_count(rest, MAX_BLOCKS - len(around), room)
        batches.append(rest[:count])
        rest, around = rest[count:], frame
    return batches
