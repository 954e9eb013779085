"""Which channels are public, from `conversations.info`, cached: what App Home may show.

App Home's "latest published" is the same for every member, so a publication there must be
one anyone could have seen: in a public channel. Privacy comes from Slack itself
(`is_private`, plus `is_im`/`is_mpim`), never from the id's first letter (private channels
made since 2021 start with C too). An answer is kept for `ttl` seconds; when Slack does not
answer (an error, a channel the bot cannot see), the channel counts as not public, and that
is kept only briefly so a recovered Slack is asked again soon.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient

from bot.slack.client import error_code

log = logging.getLogger(__name__)

PUBLIC_TTL = 300.0  # seconds; a channel made private shows for at most this long
UNKNOWN_TTL = 30.0  # seconds an unanswered lookup counts as "not public" before a retry


class Channels:
    """Answers `public(channel_id)`; thread-safe, one Slack call per channel and period."""

    def __init__(
        self,
        client: WebClient,
        *,
        ttl: float = PUBLIC_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client, self._ttl, self._clock = client, ttl, clock
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._cache: dict[str, tuple[float, bool]] = {}

    def public(self, channel: str) -> bool:
        """True only when Slack says `channel` is a public channel."""
        with self._lock(channel):
            cached = self._cache.get(channel)
            if cached is not None and self._clock() < cached[0]:
                return cached[1]
            answer = self._fetch(channel)
            ttl = self._ttl if answer is not None else min(self._ttl, UNKNOWN_TTL)
            self._cache[channel] = (self._clock() + ttl, bool(answer))
            return bool(answer)

    def _lock(self, channel: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(channel, threading.Lock())

    def _fetch(self, channel: str) -> bool | None:
        """Public (True), private (False), or None when Slack did not say."""
        try:
            response = self._client.conversations_info(channel=channel)
        except Exception as exc:  # any failure: not shown, never a crashed Home tab
            log.warning("channels: cannot look up %s (%s); not shown", channel, error_code(exc))
            return None
        info = response.get("channel")
        if not isinstance(info, dict) or not isinstance(info.get("is_private"), bool):
            return None
        return not (info["is_private"] or info.get("is_im") or info.get("is_mpim"))
