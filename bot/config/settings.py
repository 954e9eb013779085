"""The typed settings the rest of the program reads, and the one home of every default.

Each default is written once, on its dataclass field; the parsers that read the file and the
environment ask for it with `default_of` instead of repeating the value.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.secret import Secret

EXAMPLES_DIR = Path(__file__).parent.parent / "examples"
UTC = ZoneInfo("UTC")
# Shared by Settings and Policy: a bare Policy() is the policy of a default digest.
QUALITY_MIN = 50
PER_PROVIDER = 2
DIGEST_SIZE = 5


@dataclass(frozen=True, slots=True)
class Policy:
    """What one digest or review batch accepts.

    `topics` empty means any topic. `max_age_days` None means no age limit; an
    item whose publication date is unknown is never considered too old, because
    rejecting it would silently hide every undated record. `per_provider` below 1
    means no cap (a cap of zero would pick nothing, which nobody configures on purpose).
    """

    size: int = DIGEST_SIZE
    quality_min: int = QUALITY_MIN
    topics: tuple[str, ...] = ()
    max_age_days: int | None = None
    per_provider: int = PER_PROVIDER


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    channel: str
    approvers: tuple[str, ...]
    schedule: str = "0 8 * * 1-5"
    batch: int = 5


@dataclass(frozen=True, slots=True)
class DigestSettings:
    channel: str
    schedule: str = "0 9 * * 1-5"
    size: int = DIGEST_SIZE
    topics: tuple[str, ...] = ()
    quality_min: int | None = None


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """One feed (SPEC §8): every entry gets `quality`; `topics` join the entry's own."""

    url: str
    quality: int
    topics: tuple[str, ...] = ()
    minutes: int = 30  # poll interval
    backfill: int = 10  # entries a first poll may make candidates (see bot.publishing.feeds)


@dataclass(frozen=True, slots=True)
class SuggestionSettings:
    """Links people suggest from Slack (SPEC §8)."""

    quality: int | None = None  # None: the global quality_min
    allow_private: bool = False  # fetch pages on private/loopback addresses (intranets, tests)


@dataclass(frozen=True, slots=True)
class StatsSettings:
    """The weekly summary (SPEC §9): posted on `schedule` to `channel`."""

    channel: str
    schedule: str = "0 9 * * 1"


@dataclass(frozen=True, slots=True)
class PersonalSettings:
    """Personal digests (SPEC §9): each follower's direct message of unread articles."""

    schedule: str = "0 9 * * 1-5"
    size: int = 5


@dataclass(frozen=True, slots=True)
class Settings:
    content_dir: Path
    database_url: str = "sqlite:///newsdesk.db"
    timezone: ZoneInfo = UTC
    quality_min: int = QUALITY_MIN
    max_age_days: int | None = None
    per_provider: int = PER_PROVIDER
    rescan_minutes: int = 5
    misfire_grace_minutes: int = 120
    review: ReviewSettings | None = None
    digests: tuple[DigestSettings, ...] = ()
    feeds: tuple[FeedSettings, ...] = ()
    suggestions: SuggestionSettings = SuggestionSettings()
    engagement_weight: float = 0.25
    engagement_half_life_days: float = 14.0
    stats: StatsSettings | None = None
    personal: PersonalSettings = PersonalSettings()
    bot_token: Secret | None = None
    signing_secret: Secret | None = None
    app_token: Secret | None = None
    slack_api_url: str = "https://slack.com/api/"
    port: int = 3000
    source: str = "defaults"  # where the settings came from, for `status`

    def digest_policy(self, digest: DigestSettings) -> Policy:
        """Selection rules for one digest channel."""
        floor = self.quality_min if digest.quality_min is None else digest.quality_min
        return Policy(digest.size, floor, digest.topics, self.max_age_days, self.per_provider)

    def review_policy(self) -> Policy:
        """Selection rules for a review round (global floor, no topic filter)."""
        size = self.review.batch if self.review else 0
        return Policy(size, self.quality_min, (), self.max_age_days, self.per_provider)

    def suggestion_quality(self) -> int:
        """The quality a suggested link gets: suggestions.quality, else quality_min."""
        quality = self.suggestions.quality
        return self.quality_min if quality is None else quality

    def personal_policy(self, topics: tuple[str, ...]) -> Policy:
        """Selection rules for one follower's personal digest: their topics, global rules."""
        size = self.personal.size
        return Policy(size, self.quality_min, topics, self.max_age_days, self.per_provider)

    def digest_for(self, channel: str) -> DigestSettings:
        """The configured digest for `channel`, or defaults for an ad-hoc channel."""
        for digest in self.digests:
            if digest.channel == channel:
                return digest
        return DigestSettings(channel=channel)


def default_of(cls: type, name: str) -> Any:
    """The default the settings class `cls` declares for its field `name`."""
    for field in fields(cls):
        if field.name == name and field.default is not MISSING:
            return field.default
    raise LookupError(f"{cls.__name__}.{name} declares no default")


def given(raw: dict[str, Any], cls: type, key: str) -> Any:
    """raw[key] if the admin set it, else the default `cls` declares for it."""
    return raw[key] if key in raw else default_of(cls, key)
