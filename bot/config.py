"""Typed settings from a YAML file plus the environment: the only reader of os.environ.

Secrets come only from the environment. Every top-level key of the YAML file can also be
set as `NEWSDESK_<KEY>` (its value is read as YAML, so `NEWSDESK_QUALITY_MIN=70` is a number
and `NEWSDESK_REVIEW='{channel: C1, approvers: [U1]}'` a mapping); the environment wins.
Anything wrong raises `ConfigError` naming the key, so start-up stops with a clear message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.cron import cron_trigger
from bot.secret import Secret

EXAMPLES_DIR = Path(__file__).parent / "examples"
DEFAULT_DB = "sqlite:///newsdesk.db"
DEFAULT_API_URL = "https://slack.com/api/"
ENV_PREFIX = "NEWSDESK_"
CONFIG_ENV = "NEWSDESK_CONFIG"
UTC = ZoneInfo("UTC")
CHANNEL_RE = re.compile(r"^[CG][A-Z0-9]{2,}$")  # public or private channels, not DMs
APPROVER_RE = re.compile(r"^[UWS][A-Z0-9]{2,}$")
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
}
REVIEW_KEYS = {"channel", "approvers", "schedule", "batch"}
DIGEST_KEYS = {"channel", "schedule", "size", "topics", "quality_min"}


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

    def digest_for(self, channel: str) -> DigestSettings:
        """The configured digest for `channel`, or defaults for an ad-hoc channel."""
        for digest in self.digests:
            if digest.channel == channel:
                return digest
        return DigestSettings(channel=channel)


def load_settings(path: str | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the YAML file (argument, else $NEWSDESK_CONFIG) and the environment."""
    env = os.environ if env is None else env
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
    return out


def _build(raw: dict[str, Any], base: Path, env: Mapping[str, str], source: str) -> Settings:
    unknown = sorted(set(raw) - TOP_KEYS)
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown key (known: {', '.join(sorted(TOP_KEYS))})")
    tz = _timezone(raw.get("timezone", "UTC"))
    return Settings(
        content_dir=_content_dir(raw.get("content_dir"), base),
        database_url=_database_url(raw.get("database_url", DEFAULT_DB)),
        timezone=tz,
        quality_min=_int("quality_min", raw.get("quality_min", 50), 0, 100),
        max_age_days=_opt_int("max_age_days", raw.get("max_age_days"), 1, 100_000),
        per_provider=_int("per_provider", raw.get("per_provider", 2), 1, 1000),
        rescan_minutes=_int("rescan_minutes", raw.get("rescan_minutes", 5), 1, 1440),
        misfire_grace_minutes=_int(
            "misfire_grace_minutes", raw.get("misfire_grace_minutes", 120), 0, 10_080
        ),
        review=_review(raw.get("review"), tz),
        digests=_digests(raw.get("digests"), tz),
        source=source,
        **_slack_env(env),
    )


def _slack_env(env: Mapping[str, str]) -> dict[str, Any]:
    def secret(name: str) -> Secret | None:
        value = env.get(name, "").strip()
        return Secret(value) if value else None

    url = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
    if not re.match(r"^https?://", url):
        raise ConfigError(f"SLACK_API_URL: must be an http(s) URL, got {url!r}")
    port = _int("PORT", env.get("PORT", "3000"), 1, 65535)
    return {
        "bot_token": secret("SLACK_BOT_TOKEN"),
        "signing_secret": secret("SLACK_SIGNING_SECRET"),
        "app_token": secret("SLACK_APP_TOKEN"),
        "slack_api_url": url if url.endswith("/") else url + "/",
        "port": port,
    }


def _content_dir(value: Any, base: Path) -> Path:
    if value is None:
        return EXAMPLES_DIR
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("content_dir: must be a folder path")
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _database_url(value: Any) -> str:
    ok = isinstance(value, str) and value.startswith(("sqlite:///", "postgresql"))
    if not ok:
        raise ConfigError(
            f"database_url: must be sqlite:///FILE or postgresql+psycopg://..., got {value!r}"
        )
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
    if not isinstance(value, str) or not CHANNEL_RE.match(value):
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
        if not isinstance(who, str) or not APPROVER_RE.match(who):
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


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def in_ci(env: Mapping[str, str] | None = None) -> bool:
    """Whether we run under continuous integration (`CI` set, as CI services do)."""
    value = (os.environ if env is None else env).get("CI", "")
    return value.strip().lower() not in ("", "0", "false", "no")
