"""Links in Slack messages: the first http(s) link a message holds.

Slack writes links in a message's `text` as `<https://…|label>` or `<https://…>`, with `&`,
`<` and `>` escaped as entities; the same link also appears in `rich_text` blocks (elements
of type "link") and in unfurled attachments. Pure: a message payload in, a URL or "" out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

_TEXT_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|[^>]*)?>", re.I)
_ATTACHMENT_KEYS = ("original_url", "from_url", "title_link")
_DEPTH_MAX = 12  # rich text nests lists and quotes; a payload can never make us recurse far


def first_link(message: Any) -> str:
    """The first http(s) link of a message (text, then rich text, then attachments), or ""."""
    if not isinstance(message, dict):
        return ""
    return next(_links(message), "")


def _links(message: dict) -> Iterator[str]:
    text = message.get("text")
    if isinstance(text, str):
        yield from (html.unescape(m.group(1)) for m in _TEXT_LINK.finditer(text))
    yield from filter(_is_web, _rich_links(message.get("blocks"), 0))
    attachments = message.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else []:
        if isinstance(attachment, dict):
            yield from filter(_is_web, (attachment.get(k) for k in _ATTACHMENT_KEYS))


def _rich_links(node: Any, depth: int) -> Iterator[Any]:
    if depth > _DEPTH_MAX:
        return
    if isinstance(node, list):
        for child in node:
            yield from _rich_links(child, depth + 1)
    elif isinstance(node, dict):
        if node.get("type") == "link":
            yield node.get("url")
        yield from _rich_links(node.get("elements"), depth + 1)


def _is_web(url: Any) -> bool:
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))
