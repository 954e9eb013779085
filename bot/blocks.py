"""Block Kit builders for article cards, search results, digests and review messages.

Pure: articles in, plain dicts out (no I/O, no clock). Every piece of record text is
escaped and cut here, so each payload stays inside Slack's limits and a record can
never ping a channel, mention someone or smuggle a link. `limit_problems` (in
`bot.limits`, re-exported here) checks any payload against those limits.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, tzinfo
from typing import Any

from bot.article import Article, Decision, Related
from bot.limits import (
    ACTIONS_ELEMENTS_MAX,
    ALT_TEXT_MAX,
    BUTTON_TEXT_MAX,
    BUTTON_VALUE_MAX,
    CONFIRM_TEXT_MAX,
    HEADER_MAX,
    ID_MAX,
    MAX_BLOCKS,
    TEXT_MAX,
    URL_MAX,
)
from bot.limits import BLOCKS_TEXT_MAX as BLOCKS_TEXT_MAX
from bot.limits import CONFIRM_BUTTON_MAX as CONFIRM_BUTTON_MAX
from bot.limits import CONFIRM_TITLE_MAX as CONFIRM_TITLE_MAX
from bot.limits import CONTEXT_ELEMENTS_MAX as CONTEXT_ELEMENTS_MAX
from bot.limits import FIELD_MAX as FIELD_MAX
from bot.limits import FIELDS_MAX as FIELDS_MAX
from bot.limits import MESSAGE_TEXT_MAX as MESSAGE_TEXT_MAX
from bot.limits import limit_problems as limit_problems
from bot.limits import text_size as _text_size
from bot.mrkdwn import clean, escape, escape_cut, link, long_date, safe_url, slack_date, truncate

Message = dict[str, Any]  # {"text": str, "blocks": list[dict]}

ACTION_APPROVE = "newsdesk_approve"
ACTION_EDIT = "newsdesk_edit"
ACTION_REJECT = "newsdesk_reject"
ACTION_READ = "newsdesk_read"
ACTION_SHARE = "newsdesk_share"

# Digests are packed well below Slack's undocumented total (see bot.limits).
PACK_TEXT_BUDGET = 10_000

# How much of a record a card shows: a card is a teaser, the article is one click away.
FALLBACK_MAX = 300
FALLBACK_PROVIDER_MAX = 60
EXCERPT_MAX = 700
COMPACT_EXCERPT_MAX = 280
LINKED_TITLE_MAX = 2000
NOTE_MAX = 500
PROVIDER_MAX = 80
TOPIC_MAX = 40
TOPICS_SHOWN = 5
RELATED_SHOWN = 3
RELATED_TITLE_MAX = 150
RELATED_PROVIDER_MAX = 60

READ_LABEL = "Read article"
SHARE_LABEL = "Share"
APPROVE_LABEL = "Approve"
EDIT_LABEL = "Edit"
REJECT_LABEL = "Reject"
REJECT_CONFIRM_TITLE = "Reject this article?"
REJECT_CONFIRM_TEXT = "“{title}” will not be published."
REJECT_CONFIRM_YES = "Reject"
REJECT_CONFIRM_NO = "Cancel"
UNTITLED = "Untitled article"
NOTE_LINE = "📝 *Editor's note:* _{note}_"
RELATED_HEADING = "*Related*"
RELATED_LINE = "• {link}"
RELATED_PROVIDER = " — {provider}"
SEPARATOR = " · "
MORE_TOPICS = "+{count} more"
CARD_FALLBACK = "{title} — {provider}"
DIGEST_HEADING = "Newsdesk digest · {day}"
DIGEST_CONTINUED = "{heading} (continued)"
DIGEST_FALLBACK = "{heading}: {count}"
DIGEST_FOOTER = "{count} · curated by Newsdesk"
DIGEST_FOOTER_THREAD = "{footer} · more in the thread"
ARTICLE_COUNT = ("{n} article", "{n} articles")
RESULTS_HEADING = "Newsdesk"
MORE_RESULTS = "…and {count} more"
NO_RESULTS = "No articles found."
REVIEW_FALLBACK = "For review: {card}"
APPROVED_LINE = "✅ Approved by {who} · {when}"
REJECTED_LINE = "🚫 Rejected by {who} · {when}"
APPROVED_FALLBACK = "Approved: {card}"
REJECTED_FALLBACK = "Rejected: {card}"
UNKNOWN_USER = "someone"
ITEM_BLOCK_ID = "item:{id}"
RESULT_BLOCK_ID = "result:{id}"

# Slack user ids (U…, W… on Enterprise Grid); anything else is shown as escaped text.
_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")


def article_blocks(
    article: Article,
    tz: tzinfo,
    *,
    images: bool = True,
    buttons: Sequence[dict] = (),
    actions: bool = True,
) -> list[dict]:
    """One article card; `actions=False` drops the whole actions block (Read included)."""
    parts = [
        _header(article.title),
        _section(escape_cut(clean(article.excerpt), EXCERPT_MAX)),
        _note(article.note),
        _image(article) if images else None,
        _meta(article, tz),
        _related(article.related),
        _actions(ITEM_BLOCK_ID, article, buttons) if actions else None,
    ]
    return [block for block in parts if block]


def card_message(article: Article, tz: tzinfo, *, images: bool = True) -> Message:
    """One shared card, as posted by `/newsdesk share`."""
    return {"text": card_text(article), "blocks": article_blocks(article, tz, images=images)}


def card_text(article: Article, limit: int = FALLBACK_MAX) -> str:
    """The escaped notification text for a card: "Title — Provider"."""
    provider = escape_cut(clean(article.provider.name), FALLBACK_PROVIDER_MAX)
    if not provider:
        return escape_cut(clean(article.title), limit) or UNTITLED
    room = limit - len(CARD_FALLBACK.format(title="", provider=provider))
    title = escape_cut(clean(article.title), room) or UNTITLED
    return CARD_FALLBACK.format(title=title, provider=provider)


def results_message(articles: Sequence[Article], tz: tzinfo, heading: str) -> Message:
    """Compact cards with Read and Share buttons, capped to fit one message."""
    items = [_compact_blocks(article, tz) for article in _unique(articles)]
    top = [_header(heading, RESULTS_HEADING)]
    if not items:
        return {"text": _plain_fallback(heading), "blocks": [*top, _section(NO_RESULTS)]}
    more = _context(MORE_RESULTS.format(count=len(items)))  # sized for the worst case
    shown = _fit_count(items, MAX_BLOCKS - 2, PACK_TEXT_BUDGET - _text_size([*top, more]))
    blocks = [*top, *_join(items[:shown])]
    if shown < len(items):
        blocks.append(_context(MORE_RESULTS.format(count=len(items) - shown)))
    return {"text": _plain_fallback(heading), "blocks": blocks}


def digest_messages(
    articles: Sequence[Article], day: date, tz: tzinfo, *, images: bool = True
) -> list[Message]:
    """[top-level, thread replies...]: a digest never passes 50 blocks or splits a card.

    Each message also carries `item_ids`, the items it shows, so the sender can record
    exactly those as published when Slack accepts it (it is not sent to Slack).
    """
    unique = _unique(articles)
    cards = [article_blocks(a, tz, images=images) for a in unique]
    if not cards:
        return []
    heading = DIGEST_HEADING.format(day=long_date(day))
    footer = DIGEST_FOOTER.format(count=_article_count(len(cards)))
    continued = DIGEST_CONTINUED.format(heading=heading)
    first_frame = [
        _header(heading),
        _divider(),
        _context(DIGEST_FOOTER_THREAD.format(footer=footer)),
    ]
    batches = _batches(cards, first_frame, [_context(continued)])
    if len(batches) > 1:
        footer = DIGEST_FOOTER_THREAD.format(footer=footer)
    ids = _split_ids([a.id for a in unique], batches)
    top = [_header(heading), *_join(batches[0]), _divider(), _context(footer)]
    text = DIGEST_FALLBACK.format(heading=heading, count=_article_count(len(cards)))
    replies = [
        {"text": continued, "blocks": [_context(continued), *_join(b)], "item_ids": i}
        for b, i in zip(batches[1:], ids[1:], strict=True)
    ]
    return [{"text": text, "blocks": top, "item_ids": ids[0]}, *replies]


def _split_ids(ids: list[str], batches: list[list[list[dict]]]) -> list[list[str]]:
    out, start = [], 0
    for batch in batches:
        out.append(ids[start : start + len(batch)])
        start += len(batch)
    return out


def review_message(
    article: Article,
    tz: tzinfo,
    decision: Decision | None = None,
    *,
    images: bool = True,
) -> Message:
    """A card for editors: with buttons while pending, with the verdict once decided."""
    if decision is None:
        blocks = article_blocks(article, tz, images=images, buttons=review_buttons(article))
        return {"text": _prefixed(REVIEW_FALLBACK, article), "blocks": blocks}
    shown = apply_edits(article, decision)
    blocks = [*article_blocks(shown, tz, images=images, actions=False), _verdict(decision, tz)]
    text = APPROVED_FALLBACK if decision.approved else REJECTED_FALLBACK
    return {"text": _prefixed(text, shown), "blocks": blocks}


def apply_edits(article: Article, decision: Decision) -> Article:
    """The article as the editor left it: title and excerpt fixed through Edit, if any."""
    return replace(
        article,
        title=decision.title or article.title,
        excerpt=article.excerpt if decision.excerpt is None else decision.excerpt,
    )


def review_buttons(article: Article) -> list[dict]:
    """Approve / Edit / Reject carrying the item id (also used by the App Home queue)."""
    room = CONFIRM_TEXT_MAX - len(REJECT_CONFIRM_TEXT.format(title=""))
    confirm = {
        "title": _plain(REJECT_CONFIRM_TITLE),
        "text": _plain(REJECT_CONFIRM_TEXT.format(title=truncate(clean(article.title), room))),
        "confirm": _plain(REJECT_CONFIRM_YES),
        "deny": _plain(REJECT_CONFIRM_NO),
        "style": "danger",
    }
    item_id = article.id
    return [
        button(APPROVE_LABEL, ACTION_APPROVE, value=item_id, style="primary"),
        button(EDIT_LABEL, ACTION_EDIT, value=item_id),
        button(REJECT_LABEL, ACTION_REJECT, value=item_id, style="danger", confirm=confirm),
    ]


def button(
    label: str,
    action_id: str,
    *,
    value: str | None = None,
    url: str | None = None,
    style: str | None = None,
    confirm: dict | None = None,
) -> dict:
    """A button element; the label is cut to Slack's 75 characters."""
    element: dict[str, Any] = {
        "type": "button",
        "text": _plain(truncate(label, BUTTON_TEXT_MAX)),
        "action_id": action_id[:ID_MAX],
    }
    optional = {"value": value, "url": url, "style": style, "confirm": confirm}
    element.update({key: item for key, item in optional.items() if item is not None})
    return element


def without_images(message: Message) -> Message:
    """A copy without image blocks, accessories or elements, for a failed image download."""
    result = copy.deepcopy(message)
    blocks = [_drop_images(b) for b in result.get("blocks", []) if b.get("type") != "image"]
    result["blocks"] = [block for block in blocks if block is not None]
    return result


# --- card parts ------------------------------------------------------------------------


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict:
    # verbatim: Slack must not auto-link or auto-mention anything inside record text.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _header(text: str, default: str = UNTITLED) -> dict:
    return {"type": "header", "text": _plain(truncate(clean(text), HEADER_MAX) or default)}


def _section(text: str) -> dict | None:
    return {"type": "section", "text": _mrkdwn(text)} if text else None


def _context(text: str) -> dict:
    return {"type": "context", "elements": [_mrkdwn(text)]}


def _divider() -> dict:
    return {"type": "divider"}


def _note(note: str) -> dict | None:
    text = escape_cut(clean(note), NOTE_MAX)
    return _context(NOTE_LINE.format(note=text)) if text else None


def _image(article: Article) -> dict | None:
    urls = (safe_url(image.url) for image in article.images)
    url = next((u for u in urls if u and len(u) <= URL_MAX), None)
    if url is None:
        return None
    alt = truncate(clean(article.title), ALT_TEXT_MAX) or UNTITLED
    return {"type": "image", "image_url": url, "alt_text": alt}


def _meta(article: Article, tz: tzinfo) -> dict | None:
    """Provider · date · topics, as one context element (Slack allows 10)."""
    when = slack_date(article.published_at, tz) if article.published_at else ""
    parts = [escape_cut(clean(article.provider.name), PROVIDER_MAX), when, _topics(article)]
    text = SEPARATOR.join(part for part in parts if part)
    return _context(text) if text else None


def _topics(article: Article) -> str:
    names = [escape_cut(clean(topic), TOPIC_MAX) for topic in article.topics]
    names = [name for name in names if name]
    text = ", ".join(names[:TOPICS_SHOWN])
    hidden = len(names) - TOPICS_SHOWN
    return f"{text} {MORE_TOPICS.format(count=hidden)}" if hidden > 0 else text


def _related(related: Sequence[Related]) -> dict | None:
    lines = [RELATED_HEADING]
    for line in filter(None, map(_related_line, related)):
        if len(lines) > RELATED_SHOWN:
            break
        if len("\n".join([*lines, line])) <= TEXT_MAX:  # skip a link too long to fit
            lines.append(line)
    return _section("\n".join(lines)) if len(lines) > 1 else None


def _related_line(item: Related) -> str:
    url = safe_url(item.url)
    if url is None or len(url) > URL_MAX:
        return ""  # the list is of links: an item nobody can open is left out
    line = RELATED_LINE.format(link=link(url, truncate(clean(item.title), RELATED_TITLE_MAX)))
    provider = escape_cut(clean(item.provider), RELATED_PROVIDER_MAX)
    return line + RELATED_PROVIDER.format(provider=provider) if provider else line


def _actions(template: str, article: Article, extra: Sequence[dict]) -> dict | None:
    url = safe_url(article.url)
    read = [button(READ_LABEL, ACTION_READ, url=url)] if url and len(url) <= URL_MAX else []
    elements = [*read, *extra][:ACTIONS_ELEMENTS_MAX]
    if not elements:
        return None
    return {"type": "actions", "block_id": _block_id(template, article.id), "elements": elements}


def _block_id(template: str, item_id: str) -> str:
    """A block id naming the item; a long id is cut and made unique again with a hash."""
    block_id = template.format(id=item_id)
    if len(block_id) <= ID_MAX:
        return block_id
    digest = hashlib.sha256(item_id.encode()).hexdigest()[:16]
    return template.format(id=f"{item_id[: ID_MAX - 40]}~{digest}")


def _compact_blocks(article: Article, tz: tzinfo) -> list[dict]:
    """A search/next result: linked title and a short excerpt, meta, Read and Share."""
    label = truncate(clean(article.title), RELATED_TITLE_MAX) or UNTITLED
    title = link(article.url, label)
    if len(title) > LINKED_TITLE_MAX:  # a giant URL would push the excerpt past 3000
        title = escape(label)
    excerpt = escape_cut(clean(article.excerpt), COMPACT_EXCERPT_MAX)
    share = []
    if len(article.id) <= BUTTON_VALUE_MAX:  # a cut id would share the wrong item
        share = [button(SHARE_LABEL, ACTION_SHARE, value=article.id)]
    parts = [
        _section(f"*{title}*\n{excerpt}".rstrip()),
        _meta(article, tz),
        _actions(RESULT_BLOCK_ID, article, share),
    ]
    return [block for block in parts if block]


def _verdict(decision: Decision, tz: tzinfo) -> dict:
    user = decision.user_id
    # The id comes from Slack's interaction payload; anything unexpected shows as text.
    who = f"<@{user}>" if _SLACK_USER_ID.fullmatch(user) else escape_cut(clean(user), 40)
    line = APPROVED_LINE if decision.approved else REJECTED_LINE
    when = slack_date(decision.decided_at, tz, with_time=True)
    return _context(line.format(who=who or UNKNOWN_USER, when=when))


def _prefixed(template: str, article: Article) -> str:
    room = FALLBACK_MAX - len(template.format(card=""))
    return template.format(card=card_text(article, room))


def _plain_fallback(text: str) -> str:
    return escape_cut(clean(text), FALLBACK_MAX) or RESULTS_HEADING


def _article_count(n: int) -> str:
    return ARTICLE_COUNT[n != 1].format(n=n)


def _unique(articles: Sequence[Article]) -> list[Article]:
    # The same item twice would repeat a card and its block_id.
    first: dict[str, Article] = {}
    for article in articles:
        first.setdefault(article.id, article)
    return list(first.values())


# --- packing ---------------------------------------------------------------------------


def _join(items: Sequence[list[dict]]) -> list[dict]:
    """Cards one after another with a divider between each."""
    joined: list[dict] = []
    for item in items:
        joined += [_divider(), *item] if joined else item
    return joined


def _fit_count(items: Sequence[list[dict]], block_room: int, text_room: int) -> int:
    """How many leading items fit (dividers included); always at least one."""
    blocks = text = count = 0
    for item in items:
        blocks += len(item) + (1 if count else 0)
        text += _text_size(item)
        if count and (blocks > block_room or text > text_room):
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
        count = _fit_count(rest, MAX_BLOCKS - len(around), room)
        batches.append(rest[:count])
        rest, around = rest[count:], frame
    return batches


# --- images ----------------------------------------------------------------------------


def _drop_images(block: dict) -> dict | None:
    if block.get("accessory", {}).get("type") == "image":
        del block["accessory"]
    if block.get("type") == "context":
        block["elements"] = [e for e in block.get("elements", []) if e.get("type") != "image"]
        return block if block["elements"] else None
    return block
