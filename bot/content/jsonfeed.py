"""JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1) read into `RawFeed`.

feedparser reads only XML feeds. Pure: bytes in, a RawFeed out (with `error` set when the
bytes are not a JSON Feed); it never raises, whatever the bytes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from bot.content.dates import as_utc
from bot.content.feedentry import RawEntry, RawFeed, RawImage

VERSION_PREFIX = "https://jsonfeed.org/version/"
MEDIA_TYPES = ("application/feed+json", "application/json")


def looks_like_json_feed(body: bytes, content_type: str) -> bool:
    """JSON by its media type, or by its first character when the server did not say."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media in MEDIA_TYPES or body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_json_feed(body: bytes, base_url: str) -> RawFeed:
    """The feed in `body`; relative URLs are resolved against `base_url` (the feed's)."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return RawFeed(error=f"not valid JSON ({_one_line(exc)})")
    if not isinstance(data, dict) or not _text(data.get("version")).startswith(VERSION_PREFIX):
        return RawFeed(error="not a JSON Feed: no https://jsonfeed.org/version/ in 'version'")
    items = data.get("items")
    if not isinstance(items, list):
        return RawFeed(error="not a JSON Feed: 'items' is not a list")
    home = _url(data.get("home_page_url"), base_url)
    entries = [_entry(item, base_url) for item in items if isinstance(item, dict)]
    skipped = len(items) - len(entries)
    warning = f"{skipped} item(s) that are not objects were skipped" if skipped else None
    return RawFeed(_text(data.get("title")), home, entries, warning=warning)


def _entry(item: dict[str, Any], base: str) -> RawEntry:
    link = _url(item.get("url"), base) or _url(item.get("external_url"), base)
    return RawEntry(
        guid=_text(item.get("id")),
        link=link,
        title=_text(item.get("title")),
        summary=_text(item.get("summary")),
        content=_text(item.get("content_html")) or _text(item.get("content_text")),
        published=_date(item.get("date_published")) or _date(item.get("date_modified")),
        tags=tuple(t for t in map(_text, _list(item.get("tags"))) if t),
        images=tuple(_images(item, link or base)),
    )


def _images(item: dict[str, Any], base: str) -> list[RawImage]:
    found = [_url(item.get("image"), base), _url(item.get("banner_image"), base)]
    for attachment in _list(item.get("attachments")):
        if isinstance(attachment, dict) and _text(attachment.get("mime_type")).startswith("image/"):
            found.append(_url(attachment.get("url"), base))
    return [RawImage(url) for url in dict.fromkeys(found) if url]


def _text(value: Any) -> str:
    """A string field; numbers (ids) as text; anything else (lists, objects) as empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _url(value: Any, base: str) -> str:
    text = _text(value).strip()
    if not text:
        return ""
    try:
        return urljoin(base, text)
    except ValueError:  # e.g. an invalid IPv6 host
        return ""


def _date(value: Any) -> datetime | None:
    try:
        return as_utc(datetime.fromisoformat(_text(value).strip()))
    except (ValueError, OverflowError):
        return None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
