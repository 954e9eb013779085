"""One parser per nested section of the settings: review, digests, feeds, suggestions,
the readers' keys (engagement, stats) and personal digests.

Each takes the section's raw value and returns its settings class; a key the admin left out
gets the default its dataclass field declares (`given`).
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import checks
from bot.config.checks import ConfigError
from bot.config.settings import (
    DigestSettings,
    FeedSettings,
    PersonalSettings,
    ReviewSettings,
    Settings,
    StatsSettings,
    SuggestionSettings,
    given,
)

APPROVER_RE = re.compile(r"[UWS][A-Z0-9]{2,}")  # fullmatch, like checks.CHANNEL_RE
REVIEW_KEYS = {"channel", "approvers", "schedule", "batch"}
DIGEST_KEYS = {"channel", "schedule", "size", "topics", "quality_min"}
FEED_KEYS = {"url", "quality", "topics", "minutes", "backfill"}
SUGGESTION_KEYS = {"quality", "allow_private"}
STATS_KEYS = {"schedule", "channel"}
PERSONAL_KEYS = {"schedule", "size"}


def review(value: Any, tz: ZoneInfo) -> ReviewSettings | None:
    if value is None:
        return None
    value = checks.mapping("review", value, REVIEW_KEYS)
    approvers = value.get("approvers")
    if not isinstance(approvers, list) or not approvers:
        raise ConfigError("review.approvers: must list at least one user or user-group ID")
    for i, who in enumerate(approvers):
        if not isinstance(who, str) or not APPROVER_RE.fullmatch(who):
            raise ConfigError(f"review.approvers[{i}]: not a user (U…) or group (S…) ID: {who!r}")
    return ReviewSettings(
        channel=checks.channel("review.channel", value.get("channel")),
        approvers=tuple(approvers),
        schedule=checks.cron("review.schedule", given(value, ReviewSettings, "schedule"), tz),
        batch=checks.whole("review.batch", given(value, ReviewSettings, "batch"), 1, 20),
    )


def digests(value: Any, tz: ZoneInfo) -> tuple[DigestSettings, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError("digests: must be a list of digest settings")
    parsed = tuple(_digest(f"digests[{i}]", item, tz) for i, item in enumerate(value))
    seen: dict[str, int] = {}
    for i, digest in enumerate(parsed):
        if digest.channel in seen:
            raise ConfigError(
                f"digests[{i}].channel: {digest.channel} already has a digest "
                f"(digests[{seen[digest.channel]}]); one digest per channel"
            )
        seen[digest.channel] = i
    return parsed


def _digest(key: str, value: Any, tz: ZoneInfo) -> DigestSettings:
    value = checks.mapping(key, value, DIGEST_KEYS)
    topics = checks.topics(f"{key}.topics", given(value, DigestSettings, "topics"))
    quality_min = given(value, DigestSettings, "quality_min")
    return DigestSettings(
        channel=checks.channel(f"{key}.channel", value.get("channel")),
        schedule=checks.cron(f"{key}.schedule", given(value, DigestSettings, "schedule"), tz),
        size=checks.whole(f"{key}.size", given(value, DigestSettings, "size"), 1, 30),
        topics=topics,
        quality_min=checks.optional_whole(f"{key}.quality_min", quality_min, 0, 100),
    )


def feeds(value: Any, quality_min: int) -> tuple[FeedSettings, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError("feeds: must be a list of feeds, each with a url")
    parsed = tuple(_feed(f"feeds[{i}]", item, quality_min) for i, item in enumerate(value))
    seen: dict[str, int] = {}
    for i, feed in enumerate(parsed):
        if feed.url in seen:
            raise ConfigError(f"feeds[{i}].url: {feed.url} is already feeds[{seen[feed.url]}]")
        seen[feed.url] = i
    return parsed


def _feed(key: str, value: Any, quality_min: int) -> FeedSettings:
    value = checks.mapping(key, value, FEED_KEYS)
    url = value.get("url")
    if not isinstance(url, str) or not re.fullmatch(r"https?://[^/\s?#]+\S*", url.strip()):
        raise ConfigError(f"{key}.url: must be an http(s) URL, got {url!r}")
    topics = checks.topics(f"{key}.topics", given(value, FeedSettings, "topics"))
    return FeedSettings(
        url=url.strip(),
        # A feed's quality defaults to the global floor, not to a constant.
        quality=checks.whole(f"{key}.quality", value.get("quality", quality_min), 0, 100),
        topics=topics,
        minutes=checks.whole(f"{key}.minutes", given(value, FeedSettings, "minutes"), 1, 10_080),
        backfill=checks.whole(f"{key}.backfill", given(value, FeedSettings, "backfill"), 0, 1000),
    )


def suggestions(value: Any) -> SuggestionSettings:
    if value is None:
        return SuggestionSettings()
    value = checks.mapping("suggestions", value, SUGGESTION_KEYS)
    allow = given(value, SuggestionSettings, "allow_private")
    if not isinstance(allow, bool):
        raise ConfigError(f"suggestions.allow_private: must be true or false, got {allow!r}")
    quality = given(value, SuggestionSettings, "quality")
    quality = checks.optional_whole("suggestions.quality", quality, 0, 100)
    return SuggestionSettings(quality=quality, allow_private=allow)


def engagement(raw: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The readers' keys (SPEC §9): engagement_weight, its half-life, the weekly stats."""
    weight = checks.number("engagement_weight", given(raw, Settings, "engagement_weight"), 0, 1)
    half_life = given(raw, Settings, "engagement_half_life_days")
    half_life = checks.number("engagement_half_life_days", half_life)
    return {
        "engagement_weight": weight,
        "engagement_half_life_days": half_life,
        "stats": _stats(raw.get("stats"), raw.get("review"), tz),
    }


def _stats(value: Any, review: Any, tz: ZoneInfo) -> StatsSettings | None:
    """The weekly summary; its channel defaults to the review channel."""
    if value is None:
        return None
    value = checks.mapping("stats", value, STATS_KEYS)
    fallback = review.get("channel") if isinstance(review, dict) else None
    if value.get("channel") is None and fallback is None:
        raise ConfigError("stats.channel: needed when review is not set up")
    return StatsSettings(
        channel=checks.channel("stats.channel", value.get("channel", fallback)),
        schedule=checks.cron("stats.schedule", given(value, StatsSettings, "schedule"), tz),
    )


def personal(value: Any, tz: ZoneInfo) -> PersonalSettings:
    if value is None:
        return PersonalSettings()
    value = checks.mapping("personal", value, PERSONAL_KEYS)
    return PersonalSettings(
        schedule=checks.cron("personal.schedule", given(value, PersonalSettings, "schedule"), tz),
        size=checks.whole("personal.size", given(value, PersonalSettings, "size"), 1, 20),
    )
