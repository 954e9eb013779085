"""Typed settings from a YAML file plus the environment: the only reader of os.environ.

Secrets come only from the environment. Every top-level key of the YAML file can also be
set as `NEWSDESK_<KEY>` (its value is read as YAML, so `NEWSDESK_QUALITY_MIN=70` is a number
and `NEWSDESK_REVIEW='{channel: C1, approvers: [U1]}'` a mapping); the environment wins.
Anything wrong raises `ConfigError` naming the key, so start-up stops with a clear message
(never echoing a secret). A key that is present but empty (`NEWSDESK_REVIEW=""`, or `review:`
with nothing under it) is an error, never a silent default: an empty review setting would
otherwise post unreviewed items, an empty content folder the bundled examples.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.cron import cron_trigger
from bot.dburl import redact_url
from bot.secret import Secret

EXAMPLES_DIR = Path(__file__).parent / "examples"
DEFAULT_DB = "sqlite:///newsdesk.db"
DEFAULT_API_URL = "https://slack.com/api/"
ENV_PREFIX = "NEWSDESK_"
CONFIG_ENV = "NEWSDESK_CONFIG"
UTC = ZoneInfo("UTC")
# Matched with fullmatch: `$` would let a trailing newline through.
CHANNEL_RE = re.compile(r"[CG][A-Z0-9]{2,}")  # public or private channels, not DMs
APPROVER_RE = re.compile(r"[UWS][A-Z0-9]{2,}")
LOOPBACK_NAMES = {"localhost"}
TOP_KEYS = {
    "content_dir",
    "database_url",
    "timezone",
    "quality_min",
    "max_age_days",
    "per_provider",
    "rescan_minutes",
    "misfire_grace_minutes",
    "review",
    "digests",
    "feeds",
    "suggestions",
    "engagement_weight",
    "engagement_half_life_days",
    "stats",
}
REVIEW_KEYS = {"channel", "approvers", "schedule", "batch"}
DIGEST_KEYS = {"channel", "schedule", "size", "topics", "quality_min"}
FEED_KEYS = {"url", "quality", "topics", "minutes", "backfill"}
SUGGESTION_KEYS = {"quality", "allow_private"}
STATS_KEYS = {"schedule", "channel"}


@dataclass(frozen=True, slots=True)
class Policy:
    """What one digest or review batch accepts.

    `topics` empty means any topic. `max_age_days` None means no age limit; an
    item whose publication date is unknown is never considered too old, because
    rejecting it would silently hide every undated record. `per_provider` below 1
    means no cap (a cap of zero would pick nothing, which nobody configures on purpose).
    """

    size: int = 5
    quality_min: int = 50
    topics: tuple[str, ...] = ()
    max_age_days: int | None = None
    per_provider: int = 2


class ConfigError(ValueError):
    """Bad configuration; the message starts with the offending key."""


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
    size: int = 5
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
class Settings:
    content_dir: Path
    database_url: str = DEFAULT_DB
    timezone: ZoneInfo = UTC
    quality_min: int = 50
    max_age_days: int | None = None
    per_provider: int = 2
    rescan_minutes: int = 5
    misfire_grace_minutes: int = 120
    review: ReviewSettings | None = None
    digests: tuple[DigestSettings, ...] = ()
    feeds: tuple[FeedSettings, ...] = ()
    suggestions: SuggestionSettings = SuggestionSettings()
    engagement_weight: float = 0.25
    engagement_half_life_days: float = 14.0
    stats: StatsSettings | None = None
    bot_token: Secret | None = None
    signing_secret: Secret | None = None
    app_token: Secret | None = None
    slack_api_url: str = DEFAULT_API_URL
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

    def digest_for(self, channel: str) -> DigestSettings:
        """The configured digest for `channel`, or defaults for an ad-hoc channel."""
        for digest in self.digests:
            if digest.channel == channel:
                return digest
        return DigestSettings(channel=channel)


def load_settings(path: str | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the YAML file (argument, else $NEWSDESK_CONFIG) and the environment."""
    env = os.environ if env is None else env
    if path is None and CONFIG_ENV in env and not env[CONFIG_ENV].strip():
        raise ConfigError(f"{CONFIG_ENV}: is empty; unset it, or give the config file's path")
    path = path or env.get(CONFIG_ENV) or None
    raw = _read_yaml(path) if path else {}
    raw.update(_env_overrides(env))
    base = Path(path).resolve().parent if path else Path.cwd()
    return _build(raw, base, env, source=path or "defaults")


def _read_yaml(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot read it ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path}: not valid YAML ({_one_line(exc)})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path}: must be a mapping of keys to values")
    return data


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in TOP_KEYS:
        name = ENV_PREFIX + key.upper()
        if name in env:
            try:
                out[key] = yaml.safe_load(env[name])
            except yaml.YAMLError as exc:
                raise ConfigError(f"{name}: not valid YAML ({_one_line(exc)})") from exc
            if out[key] is None:  # "", spaces, "~" or "null": unset it to get the default
                raise ConfigError(f"{name}: is empty; unset it to use the default, or give a value")
    return out


def _build(raw: dict[str, Any], base: Path, env: Mapping[str, str], source: str) -> Settings:
    unknown = sorted(set(raw) - TOP_KEYS, key=str)
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown key (known: {', '.join(sorted(TOP_KEYS))})")
    empty = sorted(key for key, value in raw.items() if value is None)
    if empty:
        raise ConfigError(f"{empty[0]}: has no value; remove the key to use the default")
    tz = _timezone(raw.get("timezone", "UTC"))
    quality_min = _int("quality_min", raw.get("quality_min", 50), 0, 100)
    return Settings(
        content_dir=_content_dir(raw.get("content_dir"), base),
        database_url=_database_url(raw.get("database_url", DEFAULT_DB)),
        timezone=tz,
        quality_min=quality_min,
        max_age_days=_opt_int("max_age_days", raw.get("max_age_days"), 1, 100_000),
        per_provider=_int("per_provider", raw.get("per_provider", 2), 1, 1000),
        rescan_minutes=_int("rescan_minutes", raw.get("rescan_minutes", 5), 1, 1440),
        misfire_grace_minutes=_int(
            "misfire_grace_minutes", raw.get("misfire_grace_minutes", 120), 0, 10_080
        ),
        review=_review(raw.get("review"), tz),
        digests=_digests(raw.get("digests"), tz),
        feeds=_feeds(raw.get("feeds"), quality_min),
        suggestions=_suggestions(raw.get("suggestions")),
        **_engagement(raw, tz),
        source=source,
        **_slack_env(env),
    )


def _slack_env(env: Mapping[str, str]) -> dict[str, Any]:
    def secret(name: str) -> Secret | None:
        value = env.get(name, "").strip()
        return Secret(value) if value else None

    url = _api_url(env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL)
    port = _int("PORT", env.get("PORT", "3000"), 1, 65535)
    return {
        "bot_token": secret("SLACK_BOT_TOKEN"),
        "signing_secret": secret("SLACK_SIGNING_SECRET"),
        "app_token": secret("SLACK_APP_TOKEN"),
        "slack_api_url": url if url.endswith("/") else url + "/",
        "port": port,
    }


def _api_url(url: str) -> str:
    """https://, or plain http:// to this machine only: the bot token travels in it."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise ConfigError(f"SLACK_API_URL: not a valid URL ({exc})") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"SLACK_API_URL: must be an https:// URL, got {redact_url(url)!r}")
    if parts.scheme == "http" and not _loopback(host):
        raise ConfigError(
            "SLACK_API_URL: plain http:// would send the bot token in clear; it is allowed "
            f"only to a loopback host (127.0.0.1, ::1, localhost), not {host!r}: use https://"
        )
    return url


def _loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _content_dir(value: Any, base: Path) -> Path:
    if value is None:  # not configured: the examples, for previews only (`run` refuses them)
        return EXAMPLES_DIR
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise ConfigError("content_dir: must be a folder path")
    try:
        path = Path(value).expanduser()
    except RuntimeError as exc:  # ~user that does not exist
        raise ConfigError(f"content_dir: cannot expand {value!r} ({exc})") from exc
    return path if path.is_absolute() else (base / path).resolve()


def _database_url(value: Any) -> str:
    ok = isinstance(value, str) and value.startswith(("sqlite:///", "postgresql"))
    if not ok:
        shown = redact_url(value) if isinstance(value, str) else type(value).__name__
        raise ConfigError(
            f"database_url: must be sqlite:///FILE or postgresql+psycopg://..., got {shown!r}"
        )
    try:
        make_url(value)
    except (ValueError, ArgumentError) as exc:  # e.g. a port that is not a number
        raise ConfigError(f"database_url: not a valid database URL: {redact_url(value)!r}") from exc
    return value


def _timezone(value: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"timezone: unknown time zone {value!r} (e.g. Europe/Berlin)") from exc


def _int(key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{key}: must be a whole number from {low} to {high}, got {value!r}")
    return value


def _opt_int(key: str, value: Any, low: int, high: int) -> int | None:
    return None if value is None else _int(key, value, low, high)


def _cron(key: str, value: Any, tz: ZoneInfo) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: must be a cron expression like '0 9 * * 1-5'")
    try:
        cron_trigger(value, tz)
    except ValueError as exc:
        raise ConfigError(f"{key}: invalid cron expression {value!r} ({exc})") from exc
    return value


def _channel(key: str, value: Any) -> str:
    if not isinstance(value, str) or not CHANNEL_RE.fullmatch(value):
        raise ConfigError(
            f"{key}: must be a channel ID like C0123NEWS (channel details show it), got {value!r}"
        )
    return value


def _mapping(key: str, value: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: must be a mapping")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ConfigError(f"{key}.{unknown[0]}: unknown key (known: {', '.join(sorted(allowed))})")
    return value


def _review(value: Any, tz: ZoneInfo) -> ReviewSettings | None:
    if value is None:
        return None
    value = _mapping("review", value, REVIEW_KEYS)
    approvers = value.get("approvers")
    if not isinstance(approvers, list) or not approvers:
        raise ConfigError("review.approvers: must list at least one user or user-group ID")
    for i, who in enumerate(approvers):
        if not isinstance(who, str) or not APPROVER_RE.fullmatch(who):
            raise ConfigError(f"review.approvers[{i}]: not a user (U…) or group (S…) ID: {who!r}")
    return ReviewSettings(
        channel=_channel("review.channel", value.get("channel")),
        approvers=tuple(approvers),
        schedule=_cron("review.schedule", value.get("schedule", "0 8 * * 1-5"), tz),
        batch=_int("review.batch", value.get("batch", 5), 1, 20),
    )


def _digests(value: Any, tz: ZoneInfo) -> tuple[DigestSettings, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError("digests: must be a list of digest settings")
    digests = tuple(_digest(f"digests[{i}]", item, tz) for i, item in enumerate(value))
    seen: dict[str, int] = {}
    for i, digest in enumerate(digests):
        if digest.channel in seen:
            raise ConfigError(
                f"digests[{i}].channel: {digest.channel} already has a digest "
                f"(digests[{seen[digest.channel]}]); one digest per channel"
            )
        seen[digest.channel] = i
    return digests


def _digest(key: str, value: Any, tz: ZoneInfo) -> DigestSettings:
    value = _mapping(key, value, DIGEST_KEYS)
    topics = value.get("topics") or []
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise ConfigError(f"{key}.topics: must be a list of topic names")
    return DigestSettings(
        channel=_channel(f"{key}.channel", value.get("channel")),
        schedule=_cron(f"{key}.schedule", value.get("schedule", "0 9 * * 1-5"), tz),
        size=_int(f"{key}.size", value.get("size", 5), 1, 30),
        topics=tuple(topics),
        quality_min=_opt_int(f"{key}.quality_min", value.get("quality_min"), 0, 100),
    )


def _feeds(value: Any, quality_min: int) -> tuple[FeedSettings, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError("feeds: must be a list of feeds, each with a url")
    feeds = tuple(_feed(f"feeds[{i}]", item, quality_min) for i, item in enumerate(value))
    seen: dict[str, int] = {}
    for i, feed in enumerate(feeds):
        if feed.url in seen:
            raise ConfigError(f"feeds[{i}].url: {feed.url} is already feeds[{seen[feed.url]}]")
        seen[feed.url] = i
    return feeds


def _feed(key: str, value: Any, quality_min: int) -> FeedSettings:
    value = _mapping(key, value, FEED_KEYS)
    url = value.get("url")
    if not isinstance(url, str) or not re.fullmatch(r"https?://[^/\s?#]+\S*", url.strip()):
        raise ConfigError(f"{key}.url: must be an http(s) URL, got {url!r}")
    topics = value.get("topics") or []
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise ConfigError(f"{key}.topics: must be a list of topic names")
    return FeedSettings(
        url=url.strip(),
        quality=_int(f"{key}.quality", value.get("quality", quality_min), 0, 100),
        topics=tuple(topics),
        minutes=_int(f"{key}.minutes", value.get("minutes", 30), 1, 10_080),
        backfill=_int(f"{key}.backfill", value.get("backfill", 10), 0, 1000),
    )


def _suggestions(value: Any) -> SuggestionSettings:
    if value is None:
        return SuggestionSettings()
    value = _mapping("suggestions", value, SUGGESTION_KEYS)
    allow = value.get("allow_private", False)
    if not isinstance(allow, bool):
        raise ConfigError(f"suggestions.allow_private: must be true or false, got {allow!r}")
    quality = _opt_int("suggestions.quality", value.get("quality"), 0, 100)
    return SuggestionSettings(quality=quality, allow_private=allow)


def _engagement(raw: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The readers' keys (SPEC §9): engagement_weight, its half-life, the weekly stats."""
    weight = _number("engagement_weight", raw.get("engagement_weight", 0.25), 0, 1)
    half_life = _number("engagement_half_life_days", raw.get("engagement_half_life_days", 14))
    stats = raw.get("stats")
    if stats is not None:
        stats = _mapping("stats", stats, STATS_KEYS)
        review = raw.get("review")
        fallback = review.get("channel") if isinstance(review, dict) else None
        if stats.get("channel") is None and fallback is None:
            raise ConfigError("stats.channel: needed when review is not set up")
        stats = StatsSettings(
            channel=_channel("stats.channel", stats.get("channel", fallback)),
            schedule=_cron("stats.schedule", stats.get("schedule", "0 9 * * 1"), tz),
        )
    return {"engagement_weight": weight, "engagement_half_life_days": half_life, "stats": stats}


def _number(key: str, value: Any, low: float = 0, high: float | None = None) -> float:
    if isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", value):
        value = float(value)  # from the environment (NEWSDESK_ENGAGEMENT_WEIGHT=0.5)
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok and high is None:
        ok = value > low  # a half-life must be positive
    elif ok:
        ok = low <= value <= high
    if not ok:
        limits = f"from {low} to {high}" if high is not None else f"above {low}"
        raise ConfigError(f"{key}: must be a number {limits}, got {value!r}")
    return float(value)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def in_ci(env: Mapping[str, str] | None = None) -> bool:
    """Whether we run under continuous integration (`CI` set, as CI services do)."""
    value = (os.environ if env is None else env).get("CI", "")
    return value.strip().lower() not in ("", "0", "false", "no")
