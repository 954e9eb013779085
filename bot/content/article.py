"""The article model shared by every module.

`Article` holds only what may be shown or sent. The upstream `secured` token lives
beside it in `Record.secured`, wrapped in `Secret`, so code that builds cards, logs
or Slack payloads never receives it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.secret import Secret


@dataclass(frozen=True, slots=True)
class Provider:
    name: str = ""
    domain: str = ""


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Related:
    title: str
    url: str
    provider: str = ""


@dataclass(frozen=True, slots=True)
class Article:
    """A repaired, validated article record, safe to display (no `secured`)."""

    id: str
    title: str
    url: str
    excerpt: str = ""
    category: str = ""
    type: str = ""
    published_at: datetime | None = None  # timezone-aware (UTC) when known
    quality: int = 0
    heat: int = 0
    published: bool = False  # already shared elsewhere upstream
    provider: Provider = Provider()
    topics: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()  # only usable http(s) images
    related: tuple[Related, ...] = ()
    note: str = ""  # the Markdown body under the front matter
    alt_urls: tuple[str, ...] = ()  # webUrl / AMP variants, used for dedupe
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def edited(self, title: str | None, excerpt: str | None) -> Article:
        """The article with an approver's Edit applied: an empty title never blanks the
        required one, while an empty excerpt is a deliberate choice and kept."""
        return replace(
            self, title=title or self.title, excerpt=self.excerpt if excerpt is None else excerpt
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, used by the store and `--json` output."""
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "excerpt": self.excerpt,
            "category": self.category,
            "type": self.type,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "quality": self.quality,
            "heat": self.heat,
            "published": self.published,
            "provider": {"name": self.provider.name, "domain": self.provider.domain},
            "topics": list(self.topics),
            "images": [{"url": i.url, "width": i.width, "height": i.height} for i in self.images],
            "related": [
                {"title": r.title, "url": r.url, "provider": r.provider} for r in self.related
            ],
            "note": self.note,
            "alt_urls": list(self.alt_urls),
            "extra": self.extra,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Article:
        """Inverse of `to_dict`."""
        when = d.get("published_at")
        return cls(
            id=d["id"],
            title=d["title"],
            url=d["url"],
            excerpt=d.get("excerpt", ""),
            category=d.get("category", ""),
            type=d.get("type", ""),
            published_at=datetime.fromisoformat(when) if when else None,
            quality=d.get("quality", 0),
            heat=d.get("heat", 0),
            published=d.get("published", False),
            provider=Provider(**d.get("provider", {})),
            topics=tuple(d.get("topics", ())),
            images=tuple(Image(**i) for i in d.get("images", ())),
            related=tuple(Related(**r) for r in d.get("related", ())),
            note=d.get("note", ""),
            alt_urls=tuple(d.get("alt_urls", ())),
            extra=d.get("extra", {}),
        )


@dataclass(frozen=True, slots=True)
class Record:
    """One parsed file: the article plus what only the store may see."""

    article: Article
    path: str
    mtime_ns: int
    size: int
    secured: Secret | None = None
    # One line each, for `newsdesk check`: what was set aside (e.g. an impossible date).
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BadFile:
    """A file that could not be used, with a one-line reason."""

    path: str
    reason: str
    mtime_ns: int = 0
    size: int = 0

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What one pass over the content folder found."""

    records: list[Record]  # new or changed files that parsed
    bad: list[BadFile]  # new or changed files that did not
    removed: list[str]  # known paths that are gone from disk
    unchanged: int = 0  # known files skipped without reading


@dataclass(frozen=True, slots=True)
class Decision:
    """An approver's verdict on one item."""

    item_id: str
    decision: str  # APPROVED or REJECTED
    user_id: str
    decided_at: datetime
    title: str | None = None  # edited title, when approved through Edit
    excerpt: str | None = None  # edited excerpt

    @property
    def approved(self) -> bool:
        return self.decision == APPROVED


APPROVED = "approved"
REJECTED = "rejected"
