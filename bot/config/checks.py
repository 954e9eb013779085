"""The generic checks every settings parser uses: each error message starts with the key.

The key is passed in whole (`digests[1].size`), so the admin reads exactly which value to fix.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config.settings import EXAMPLES_DIR
from bot.cron import cron_trigger
from bot.dburl import redact_url

# Matched with fullmatch: `$` would let a trailing newline through.
CHANNEL_RE = re.compile(r"[CG][A-Z0-9]{2,}")  # public or private channels, not DMs


class ConfigError(ValueError):
    """Bad configuration; the message starts with the offending key."""


def whole(key: str, value: Any, low: int, high: int) -> int:
    """A whole number in [low, high]; digits in a string (from the environment) count."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{key}: must be a whole number from {low} to {high}, got {value!r}")
    return value


def optional_whole(key: str, value: Any, low: int, high: int) -> int | None:
    return None if value is None else whole(key, value, low, high)


def number(key: str, value: Any, low: float = 0, high: float | None = None) -> float:
    """A finite number in [low, high], or above `low` when there is no `high`."""
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


def cron(key: str, value: Any, tz: ZoneInfo) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: must be a cron expression like '0 9 * * 1-5'")
    try:
        cron_trigger(value, tz)
    except ValueError as exc:
        raise ConfigError(f"{key}: invalid cron expression {value!r} ({exc})") from exc
    return value


def channel(key: str, value: Any) -> str:
    if not isinstance(value, str) or not CHANNEL_RE.fullmatch(value):
        raise ConfigError(
            f"{key}: must be a channel ID like C0123NEWS (channel details show it), got {value!r}"
        )
    return value


def topics(key: str, value: Any) -> tuple[str, ...]:
    """A list of topic names; a missing or empty one means none."""
    value = value or []
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ConfigError(f"{key}: must be a list of topic names")
    return tuple(value)


def mapping(key: str, value: Any, allowed: set[str]) -> dict[str, Any]:
    """A mapping holding only `allowed` keys."""
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: must be a mapping")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ConfigError(f"{key}.{unknown[0]}: unknown key (known: {', '.join(sorted(allowed))})")
    return value


def timezone(value: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"timezone: unknown time zone {value!r} (e.g. Europe/Berlin)") from exc


def content_dir(value: Any, base: Path) -> Path:
    """The records folder, relative to `base` (the config file's folder)."""
    if value is None:  # not configured: the examples, for previews only (`run` refuses them)
        return EXAMPLES_DIR
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise ConfigError("content_dir: must be a folder path")
    try:
        path = Path(value).expanduser()
    except RuntimeError as exc:  # ~user that does not exist
        raise ConfigError(f"content_dir: cannot expand {value!r} ({exc})") from exc
    return path if path.is_absolute() else (base / path).resolve()


def database_url(value: Any) -> str:
    """A SQLite or PostgreSQL URL; errors show it with the password redacted."""
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
