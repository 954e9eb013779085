"""Settings from a YAML file plus the environment: the only reader of os.environ.

Every top-level key of the file can also be set as `NEWSDESK_<KEY>` (read as YAML); the
environment wins. Slack's secrets, its API URL and the port come only from the environment.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.config import checks, sections
from bot.config.checks import ConfigError
from bot.config.settings import Settings, default_of, given
from bot.dburl import redact_url
from bot.secret import Secret

ENV_PREFIX = "NEWSDESK_"
CONFIG_ENV = "NEWSDESK_CONFIG"
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
    "personal",
}


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

    def whole(key: str, low: int, high: int) -> int:
        return checks.whole(key, given(raw, Settings, key), low, high)

    tz = checks.timezone(given(raw, Settings, "timezone"))
    quality_min = whole("quality_min", 0, 100)
    return Settings(
        content_dir=checks.content_dir(raw.get("content_dir"), base),
        database_url=checks.database_url(given(raw, Settings, "database_url")),
        timezone=tz,
        quality_min=quality_min,
        max_age_days=checks.optional_whole(
            "max_age_days", given(raw, Settings, "max_age_days"), 1, 100_000
        ),
        per_provider=whole("per_provider", 1, 1000),
        rescan_minutes=whole("rescan_minutes", 1, 1440),
        misfire_grace_minutes=whole("misfire_grace_minutes", 0, 10_080),
        review=sections.review(raw.get("review"), tz),
        digests=sections.digests(raw.get("digests"), tz),
        feeds=sections.feeds(raw.get("feeds"), quality_min),
        suggestions=sections.suggestions(raw.get("suggestions")),
        **sections.engagement(raw, tz),
        personal=sections.personal(raw.get("personal"), tz),
        source=source,
        **_slack_env(env),
    )


def _slack_env(env: Mapping[str, str]) -> dict[str, Any]:
    def secret(name: str) -> Secret | None:
        value = env.get(name, "").strip()
        return Secret(value) if value else None

    url = env.get("SLACK_API_URL", "").strip() or default_of(Settings, "slack_api_url")
    url = _api_url(url)
    port = checks.whole("PORT", env.get("PORT", default_of(Settings, "port")), 1, 65535)
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


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def in_ci(env: Mapping[str, str] | None = None) -> bool:
    """Whether we run under continuous integration (`CI` set, as CI services do)."""
    value = (os.environ if env is None else env).get("CI", "")
    return value.strip().lower() not in ("", "0", "false", "no")
