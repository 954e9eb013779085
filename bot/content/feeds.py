"""Feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed): fetched bytes in, article records out.

Pure: no I/O and no clock (callers pass `now`). Each format has its reader, giving the same
`RawFeed`: XML through feedparser (`bot.content.xmlfeed`), JSON Feed (`bot.content.jsonfeed`).
Each entry gets the same repair and checks as a record file; one bad entry is a reason, never
an exception, and never affects the others.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

from bot.config import FeedSettings
from bot.content.article import Article, Image, Provider, Record
from bot.content.feedentry import RawEntry, RawFeed, RawImage
from bot.content.jsonfeed import looks_like_json_feed, parse_json_feed
from bot.content.records import MISSING_TITLE, http_url
from bot.content.repair import repair_text
from bot.content.urls import canonical_url
from bot.content.xmlfeed import parse_xml_feed

EXCERPT_MAX = 500  # feeds often carry the whole article where a record has a summary
NO_LINK = "no http(s) link"
UNSTORABLE = "holds text that cannot be stored (a lone surrogate)"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_IMG = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.I)


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """One usable entry: its record and the key that finds it again if its GUID changes."""

    record: Record
    link_key: str  # canonical URL of the entry's link


@dataclass(slots=True)
class ParsedFeed:
    title: str = ""
    records: list[FeedRecord] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)  # one line per skipped entry
    warning: str | None = None
    error: str | None = None  # set when nothing could be read: the poll failed


def feed_key(url: str) -> str:
    """A short stable key of a feed URL (its row, and its items' paths)."""
    return _digest(url)[:16]


def entry_id(feed_url: str, identity: str) -> str:
    """The item id of an entry: a hash of the feed URL and the entry's identity."""
    return "feed_" + _digest(f"{feed_url}\n{identity}")[:16]


def shown_url(url: str) -> str:
    """A feed URL fit to show in `status`: no user, password or query (they may be tokens)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unreadable URL)"
    return f"{parts.scheme}://{host}{port}{parts.path}" + ("?…" if parts.query else "")


def parse_feed(
    body: bytes, feed: FeedSettings, now: datetime, *, final_url: str = "", content_type: str = ""
) -> ParsedFeed:
    """The records of a fetched feed body (`final_url`: where it came from, after redirects)."""
    raw = read_feed(body, final_url or feed.url, content_type)
    parsed = ParsedFeed(title=repair_text(raw.title), warning=raw.warning, error=raw.error)
    provider = _provider(parsed.title, raw.link or final_url or feed.url)
    seen: dict[str, int] = {}
    for number, entry in enumerate(raw.entries, 1):
        try:
            item = _record(entry, feed, provider, now)
        except ValueError as exc:
            parsed.bad.append(f"entry {number}{_label(entry)}: {exc}")
            continue
        first = seen.setdefault(item.record.article.id, number)
        if first != number:
            parsed.bad.append(f"entry {number}{_label(entry)}: same id as entry {first}")
            continue
        parsed.records.append(item)
    return parsed


def read_feed(body: bytes, base_url: str, content_type: str = "") -> RawFeed:
    """The feed in `body`, JSON Feed or XML; never raises."""
    if looks_like_json_feed(body, content_type):
        return parse_json_feed(body, base_url)
    return parse_xml_feed(body, base_url, content_type)


def first_poll_candidates(
    records: list[FeedRecord], max_age_days: int | None, backfill: int, now: datetime
) -> set[str]:
    """Ids a new feed's first poll may offer: no flood of old entries (SPEC §8).

    With `max_age_days`, dated entries within it; otherwise, and for undated entries, the
    newest `backfill`: by date when every entry has one, else in the feed's own order
    (feeds list newest first).
    """
    arts = [r.record.article for r in records]
    if max_age_days is not None:
        limit = now - timedelta(days=max_age_days)
        recent = {a.id for a in arts if a.published_at is not None and a.published_at >= limit}
        undated = [a.id for a in arts if a.published_at is None]
        return recent | set(undated[:backfill])
    if all(a.published_at is not None for a in arts):
        arts = sorted(arts, key=lambda a: a.published_at or _EPOCH, reverse=True)
    return {a.id for a in arts[:backfill]}


# ---------------------------------------------------------------- entry -> record


def _record(entry: RawEntry, feed: FeedSettings, provider: Provider, now: datetime) -> FeedRecord:
    link = http_url(entry.link) or ""
    title = repair_text(entry.title)
    if not title:
        raise ValueError(MISSING_TITLE)
    if not link:
        raise ValueError(NO_LINK)
    when = _sane_date(entry.published, now)
    identity = _identity(entry, link, title, when)
    item_id = entry_id(feed.url, identity)
    article = Article(
        id=item_id,
        title=title,
        url=link,
        excerpt=_cut(repair_text(entry.summary or entry.content), EXCERPT_MAX),
        published_at=when,
        quality=feed.quality,
        provider=provider,
        topics=_topics([*feed.topics, *entry.tags]),
        images=_images(entry, link),
    )
    _check_storable(article)
    record = Record(article, f"feed:{feed_key(feed.url)}/{item_id}", 0, 0)
    return FeedRecord(record, canonical_url(link))


def _identity(entry: RawEntry, link: str, title: str, when: datetime | None) -> str:
    # As Miniflux and Tiny Tiny RSS do: the GUID, else the link, else title and date.
    guid = entry.guid.strip()
    if guid:
        return f"guid:{guid}"
    if link:
        return f"link:{link}"
    return f"title:{title}|{when.isoformat() if when else ''}"


def _sane_date(when: datetime | None, now: datetime) -> datetime | None:
    """A real date between 1970 and a year from now, else unknown (as for records)."""
    if when is None or not _EPOCH <= when <= now + timedelta(days=366):
        return None
    return when


def _images(entry: RawEntry, link: str) -> tuple[Image, ...]:
    found = [*entry.images, *(RawImage(u) for u in _first_img(entry.content or entry.summary))]
    out: dict[str, Image] = {}
    for raw in found:
        url = http_url(_join(link, raw.url))
        if url and url not in out:
            out[url] = Image(url, raw.width, raw.height)
    return tuple(out.values())


def _first_img(markup: str) -> list[str]:
    match = _IMG.search(markup)
    return [html.unescape(next(g for g in match.groups() if g is not None))] if match else []


def _join(base: str, url: str) -> str:
    try:
        return urljoin(base, url.strip())
    except ValueError:
        return ""


def _topics(names: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in map(repair_text, names) if t))


def _provider(title: str, site: str) -> Provider:
    try:
        host = (urlsplit(site).hostname or "").removeprefix("www.")
    except ValueError:
        host = ""
    return Provider(name=title or host, domain=host)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:.") + "…"


def _check_storable(article: Article) -> None:
    try:
        json.dumps(article.to_dict(), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(UNSTORABLE) from None


def _label(entry: RawEntry) -> str:
    shown = entry.guid or entry.link
    return f" ({repair_text(shown[:200])[:60]})" if shown else ""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
