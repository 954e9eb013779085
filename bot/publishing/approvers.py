"""Who may decide on reviews: configured user ids, plus members of configured user groups.

Group members come from `usergroups.users.list` and are cached for `ttl` seconds per
group. Each group has its own lock, so simultaneous clicks fetch a group once, and a slow
fetch of one group never blocks checks that need no Slack call. A group Slack will not
list (error, timeout) counts as empty until the next check: deny, never crash.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient

from bot.config import Settings
from bot.slack.client import error_code

log = logging.getLogger(__name__)

GROUP_PREFIX = "S"


class Approvers:
    """Answers `allows(user_id)` for the review settings; thread-safe."""

    def __init__(
        self,
        settings: Settings,
        client: WebClient,
        *,
        ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        listed = settings.review.approvers if settings.review else ()
        self._users = frozenset(a for a in listed if not a.startswith(GROUP_PREFIX))
        self._groups = tuple(a for a in listed if a.startswith(GROUP_PREFIX))
        self._enabled = settings.review is not None
        self._client, self._ttl, self._clock = client, ttl, clock
        self._locks = {group: threading.Lock() for group in self._groups}
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    def allows(self, user_id: str) -> bool:
        """True when review is configured and `user_id` is listed or in a listed group."""
        if not self._enabled or not user_id:
            return False
        if user_id in self._users:
            return True
        return any(user_id in self._members(group) for group in self._groups)

    def _members(self, group: str) -> frozenset[str]:
        with self._locks[group]:
            cached = self._cache.get(group)
            if cached is not None and self._clock() < cached[0]:
                return cached[1]
            members = self._fetch(group)
            if members is None:
                return frozenset()  # not cached: the next check asks Slack again
            self._cache[group] = (self._clock() + self._ttl, members)
            return members

    def _fetch(self, group: str) -> frozenset[str] | None:
        """The group's members, or None when Slack did not answer them."""
        try:
            response = self._client.usergroups_users_list(usergroup=group)
        except Exception as exc:  # any failure here must deny, not crash the click
            log.warning(
                "approvers: cannot list user group %s (%s); treating it as empty",
                group,
                error_code(exc),
            )
            return None
        return frozenset(str(u) for u in response.get("users") or ())
