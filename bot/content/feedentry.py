"""A feed as its readers give it: the shape both parsers (feedparser, JSON Feed) produce.

Nothing here is repaired or validated yet: `bot.content.feeds` turns each `RawEntry` into a
`Record` with the same repair and checks as a record file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RawImage:
    url: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class RawEntry:
    guid: str = ""  # the feed's own id for the entry (RSS guid, Atom id, JSON Feed id)
    link: str = ""  # absolute when the feed let us resolve it
    title: str = ""  # may hold HTML and entities
    summary: str = ""  # HTML or text
    content: str = ""  # the full content (HTML), when the feed carries it
    published: datetime | None = None  # aware, or None when the entry has no usable date
    tags: tuple[str, ...] = ()
    images: tuple[RawImage, ...] = ()  # in order of preference


@dataclass(frozen=True, slots=True)
class RawFeed:
    title: str = ""
    link: str = ""  # the site's home page
    entries: list[RawEntry] = field(default_factory=list)
    warning: str | None = None  # read, but not cleanly (malformed XML): shown in status
    error: str | None = None  # nothing could be read: the poll failed
