"""RSS 0.9x/1.0/2.0 and Atom, read through feedparser into `RawFeed`.

The XML counterpart of `bot.content.jsonfeed`. Pure: bytes in, a RawFeed out (with `error`
set when nothing could be read); it never raises, whatever the bytes. feedparser is always
given the bytes as a stream: handed `bytes`, it would try them as a file name first, so a
body reading "/etc/passwd" would read that file.
"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from typing import Any

import feedparser

from bot.content.feedentry import RawEntry, RawFeed, RawImage


def parse_xml_feed(body: bytes, base_url: str, content_type: str = "") -> RawFeed:
    """The feed in `body`; `base_url` is where it came from (feedparser's content-location)."""
    headers = {"content-location": base_url, "content-type": content_type or "application/xml"}
    try:
        result = feedparser.parse(
            io.BytesIO(body),
            response_headers=headers,
            # Markup is never shown: repair strips every tag, and the first <img> is resolved
            # against the entry's link later. Skipping both passes saves a fifth of the parse.
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # a third-party parser's failure on outside bytes is a reason
        return RawFeed(error=f"unreadable feed ({type(exc).__name__}: {_one_line(exc)})")
    entries = [_raw_entry(e) for e in result.get("entries", [])]
    problem = _one_line(result.get("bozo_exception", "")) if result.get("bozo") else ""
    info = result.get("feed", {})
    if not entries and not result.get("version"):
        return RawFeed(error=f"not an RSS, Atom or JSON feed{f' ({problem})' if problem else ''}")
    warning = f"malformed feed, read what could be read: {problem}" if problem else None
    return RawFeed(_str(info.get("title")), _str(info.get("link")), entries, warning=warning)


def _raw_entry(e: Any) -> RawEntry:
    content = e.get("content") or []
    return RawEntry(
        guid=_str(e.get("id")),
        link=_str(e.get("link")),
        title=_str(e.get("title")),
        summary=_str(e.get("summary")),
        content=_str(content[0].get("value")) if content else "",
        published=_struct_time(e.get("published_parsed") or e.get("updated_parsed")),
        tags=tuple(filter(None, map(_tag, e.get("tags") or []))),
        images=tuple(_media_images(e)),
    )


def _tag(tag: Any) -> str:
    return _str(tag.get("term") or tag.get("label"))


def _media_images(e: Any) -> list[RawImage]:
    found = [
        RawImage(_str(m.get("url")), _int(m.get("width")), _int(m.get("height")))
        for m in e.get("media_content", [])
        if m.get("medium") == "image" or _str(m.get("type")).startswith("image/")
    ]
    found += [
        RawImage(_str(m.get("url")), _int(m.get("width")), _int(m.get("height")))
        for m in e.get("media_thumbnail", [])
    ]
    found += [
        RawImage(_str(enc.get("href")))
        for enc in e.get("enclosures", [])
        if _str(enc.get("type")).startswith("image/")
    ]
    return found


def _struct_time(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)  # feedparser gives UTC
    except (ValueError, OverflowError):
        return None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    text = _str(value)
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else None


def _one_line(exc: Any) -> str:
    return " ".join(str(exc).split())[:200]
