"""One article as Block Kit: the full card, the compact result card, and their parts.

Pure: an article in, plain dicts out (no I/O, no clock). Every piece of record text is
escaped and cut here, so each card stays inside Slack's limits and a record can never
ping a channel, mention someone or smuggle a link. `bot.slack.blockkit.packing` lays cards out into
messages and `bot.slack.blockkit.messages` builds review messages from them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from bot.content.article import Article, Related
from bot.slack.blockkit.limits import (
    ACTIONS_ELEMENTS_MAX,
    ALT_TEXT_MAX,
    BUTTON_TEXT_MAX,
    BUTTON_VALUE_MAX,
    HEADER_MAX,
    ID_MAX,
    TEXT_MAX,
    URL_MAX,
)
from bot.slack.blockkit.mrkdwn import (
    clean,
    escape,
    escape_cut,
    link,
    safe_url,
    slack_date,
    truncate,
)

Message = dict[str, Any]  # {"text": str, "blocks": list[dict]}

ACTION_READ = "newsdesk_read"
ACTION_SHARE = "newsdesk_share"
ACTION_USEFUL = "newsdesk_useful"

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
USEFUL_LABEL = "👍 Useful"
UNTITLED = "Untitled article"
NOTE_LINE = "📝 *Editor's note:* _{note}_"
RELATED_HEADING = "*Related*"
RELATED_LINE = "• {link}"
RELATED_PROVIDER = " — {provider}"
SEPARATOR = " · "
MORE_TOPICS = "+{count} more"
CARD_FALLBACK = "{title} — {provider}"
ITEM_BLOCK_ID = "item:{id}"
RESULT_BLOCK_ID = "result:{id}"


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
        header_block(article.title),
        section_block(escape_cut(clean(article.excerpt), EXCERPT_MAX)),
        _note(article.note),
        _image(article) if images else None,
        meta_block(article, tz),
        _related(article.related),
        actions_block(ITEM_BLOCK_ID, article, buttons) if actions else None,
    ]
    return [block for block in parts if block]


def card_message(article: Article, tz: tzinfo, *, images: bool = True) -> Message:
    """One shared card, as posted by `/newsdesk share`."""
    return {"text": fallback_text(article), "blocks": published_blocks(article, tz, images=images)}


def published_blocks(article: Article, tz: tzinfo, *, images: bool = True) -> list[dict]:
    """A card as readers get it (digests, shares): Read and Useful."""
    return article_blocks(article, tz, images=images, buttons=useful_buttons(article))


def useful_buttons(article: Article) -> list[dict]:
    """The Useful button (a toggle: a second click takes the vote back)."""
    if len(article.id) > BUTTON_VALUE_MAX:  # a cut id would credit the wrong item
        return []
    return [button(USEFUL_LABEL, ACTION_USEFUL, value=article.id)]


def fallback_text(article: Article, limit: int = FALLBACK_MAX) -> str:
    """The escaped notification text for a card: "Title — Provider"."""
    provider = escape_cut(clean(article.provider.name), FALLBACK_PROVIDER_MAX)
    if not provider:
        return escape_cut(clean(article.title), limit) or UNTITLED
    room = limit - len(CARD_FALLBACK.format(title="", provider=provider))
    title = escape_cut(clean(article.title), room) or UNTITLED
    return CARD_FALLBACK.format(title=title, provider=provider)


def title_link(article: Article, max_link: int = LINKED_TITLE_MAX) -> str:
    """The title as a link to the article; plain (escaped) text when the link would be
    longer than `max_link`, since a giant URL would push the rest of the section past 3000."""
    label = truncate(clean(article.title), RELATED_TITLE_MAX) or UNTITLED
    linked = link(article.url, label)
    return linked if len(linked) <= max_link else escape(label)


def result_blocks(article: Article, tz: tzinfo, *, note: str = "") -> list[dict]:
    """A search/next result: linked title and a short excerpt, meta, `note`, Read and Share."""
    title = title_link(article)
    excerpt = escape_cut(clean(article.excerpt), COMPACT_EXCERPT_MAX)
    share = []
    if len(article.id) <= BUTTON_VALUE_MAX:  # a cut id would share the wrong item
        share = [button(SHARE_LABEL, ACTION_SHARE, value=article.id)]
    parts = [
        section_block(f"*{title}*\n{excerpt}".rstrip()),
        meta_block(article, tz),
        context_block(escape_cut(clean(note), NOTE_MAX)) if note.strip() else None,
        actions_block(RESULT_BLOCK_ID, article, share),
    ]
    return [block for block in parts if block]


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
        "text": plain_text(truncate(label, BUTTON_TEXT_MAX)),
        "action_id": action_id[:ID_MAX],
    }
    optional = {"value": value, "url": url, "style": style, "confirm": confirm}
    element.update({key: item for key, item in optional.items() if item is not None})
    return element


# --- Block Kit pieces (shared with `packing` and `messages`) ---------------------------


def plain_text(text: str) -> dict:
    """A plain_text object (emoji shown, nothing parsed)."""
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict:
    # verbatim: Slack must not auto-link or auto-mention anything inside record text.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def header_block(text: str, default: str = UNTITLED) -> dict:
    """A header of cleaned text cut to Slack's limit, or `default` if nothing is left."""
    return {"type": "header", "text": plain_text(truncate(clean(text), HEADER_MAX) or default)}


def section_block(text: str) -> dict | None:
    """A verbatim mrkdwn section of already escaped text; None for no text."""
    return {"type": "section", "text": _mrkdwn(text)} if text else None


def context_block(text: str) -> dict:
    """A context block with one verbatim mrkdwn element of already escaped text."""
    return {"type": "context", "elements": [_mrkdwn(text)]}


def divider_block() -> dict:
    """A divider."""
    return {"type": "divider"}


# --- card parts ------------------------------------------------------------------------


def _note(note: str) -> dict | None:
    text = escape_cut(clean(note), NOTE_MAX)
    return context_block(NOTE_LINE.format(note=text)) if text else None


def _image(article: Article) -> dict | None:
    urls = (safe_url(image.url) for image in article.images)
    url = next((u for u in urls if u and len(u) <= URL_MAX), None)
    if url is None:
        return None
    alt = truncate(clean(article.title), ALT_TEXT_MAX) or UNTITLED
    return {"type": "image", "image_url": url, "alt_text": alt}


def meta_block(article: Article, tz: tzinfo) -> dict | None:
    """Provider · date · topics as one context element (Slack allows 10); None if empty."""
    when = slack_date(article.published_at, tz) if article.published_at else ""
    parts = [escape_cut(clean(article.provider.name), PROVIDER_MAX), when, _topics(article)]
    text = SEPARATOR.join(part for part in parts if part)
    return context_block(text) if text else None


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
    return section_block("\n".join(lines)) if len(lines) > 1 else None


def _related_line(item: Related) -> str:
    url = safe_url(item.url)
    if url is None or len(url) > URL_MAX:
        return ""  # the list is of links: an item nobody can open is left out
    line = RELATED_LINE.format(link=link(url, truncate(clean(item.title), RELATED_TITLE_MAX)))
    provider = escape_cut(clean(item.provider), RELATED_PROVIDER_MAX)
    return line + RELATED_PROVIDER.format(provider=provider) if provider else line


def actions_block(template: str, article: Article, extra: Sequence[dict]) -> dict | None:
    """Read (when the URL is usable) and `extra` buttons; block id from `template`."""
    url = safe_url(article.url)
    # The value names the item for the click count (the block id may be cut and hashed).
    value = article.id if len(article.id) <= BUTTON_VALUE_MAX else None
    usable = url and len(url) <= URL_MAX
    read = [button(READ_LABEL, ACTION_READ, url=url, value=value)] if usable else []
    elements = [*read, *extra][:ACTIONS_ELEMENTS_MAX]
    if not elements:
        return None
    return {"type": "actions", "block_id": block_id(template, article.id), "elements": elements}


def block_id(template: str, item_id: str) -> str:
    """A block id naming the item; a long id is cut and made unique again with a hash."""
    made = template.format(id=item_id)
    if len(made) <= ID_MAX:
        return made
    digest = hashlib.sha256(item_id.encode()).hexdigest()[:16]
    return template.format(id=f"{item_id[: ID_MAX - 40]}~{digest}")
