"""Polling feeds: fetch with limits, parse, store; one broken feed never stops the others.

Each configured feed is polled every `minutes` with a conditional GET (its ETag and
Last-Modified). A failure backs off: the next attempt is `minutes * 2^(failures - 1)` later,
at most MAX_BACKOFF, and never sooner than a 429/503's Retry-After. Feeds are the operator's
own configuration, not user input, so they may point at private addresses (an intranet
feed); every other limit of the bounded fetcher holds (http(s) only, 10 s, 5 MiB, 5 redirects).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import FeedSettings, Settings
from bot.content.feeds import ParsedFeed, feed_key, first_poll_candidates, parse_feed
from bot.content.fetch import Fetched, FetchError, FetchLimits, GuardedClient, fetch
from bot.store.feeds import FeedState, FeedStore
from bot.store.store import Store

log = logging.getLogger(__name__)

LIMITS = FetchLimits(timeout_s=10.0, max_bytes=5 * 1024 * 1024, max_redirects=5)
LEASE = timedelta(minutes=5)  # far longer than a bounded fetch plus storing its entries
MAX_BACKOFF = timedelta(hours=24)
MAX_RETRY_AFTER = timedelta(days=7)  # a server asking for longer gets a week
REASONS_SHOWN = 3


@dataclass(slots=True)
class PollOutcome:
    url: str
    result: str  # "read", "not modified", "failed", "busy" (another process polls it)
    new: int = 0
    updated: int = 0
    bad: int = 0
    error: str | None = None
    warning: str | None = None

    def __str__(self) -> str:
        if self.result == "read":
            text = f"{self.url}: {self.new} new, {self.updated} updated, {self.bad} skipped"
        else:
            text = f"{self.url}: {self.result}"
        return text + (f" ({self.error})" if self.error else "")


def feed_client() -> GuardedClient:
    """The one HTTP client feeds share (connections are reused between polls)."""
    return GuardedClient(allow_private=True)  # trusted config: see the module doc


def poll_due(
    settings: Settings, store: Store, client: GuardedClient, now: datetime
) -> list[PollOutcome]:
    """Poll every configured feed that is due; what each poll did."""
    feeds = FeedStore(store.engine)
    configured = {feed_key(f.url): f for f in settings.feeds}
    feeds.ensure(list(f.url for f in settings.feeds), now)
    due = [configured[key] for key in feeds.due(now) if key in configured]
    return [poll_feed(settings, feeds, client, feed, now) for feed in due]


def poll_now(
    settings: Settings, store: Store, client: GuardedClient, now: datetime, url: str | None = None
) -> list[PollOutcome]:
    """Poll the configured feeds (or the one at `url`) now, due or not."""
    feeds = FeedStore(store.engine)
    chosen = [f for f in settings.feeds if url is None or f.url == url]
    feeds.ensure([f.url for f in chosen], now)
    return [poll_feed(settings, feeds, client, feed, now, force=True) for feed in chosen]


def poll_feed(
    settings: Settings,
    feeds: FeedStore,
    client: GuardedClient,
    feed: FeedSettings,
    now: datetime,
    *,
    force: bool = False,
) -> PollOutcome:
    """Poll one feed under its lease; never raises (a failure is the outcome's error)."""
    state = feeds.claim(feed_key(feed.url), now, LEASE, force=force)
    if state is None:
        return PollOutcome(feed.url, "busy")
    try:
        return _poll(settings, feeds, client, feed, state, now)
    except Exception as exc:  # one broken feed never stops the others
        log.exception("feed %s: poll failed", feed.url)
        return _failed(feeds, feed, state, now, f"internal error ({type(exc).__name__})")


def _poll(
    settings: Settings,
    feeds: FeedStore,
    client: GuardedClient,
    feed: FeedSettings,
    state: FeedState,
    now: datetime,
) -> PollOutcome:
    try:
        got = fetch(client, feed.url, LIMITS, etag=state.etag, last_modified=state.last_modified)
    except FetchError as exc:
        return _failed(feeds, feed, state, now, exc.reason)
    if got.not_modified:
        feeds.finish(state.key, _next(feed, now), last_success=now, last_error=None, failures=0)
        return PollOutcome(feed.url, "not modified")
    if not got.ok:
        return _failed(feeds, feed, state, now, f"HTTP {got.status}", got.retry_after_s)
    parsed = parse_feed(got.body, feed, now, final_url=got.url, content_type=got.content_type)
    if parsed.error:
        return _failed(feeds, feed, state, now, parsed.error)
    return _read(settings, feeds, feed, state, got, parsed, now)


def _read(
    settings: Settings,
    feeds: FeedStore,
    feed: FeedSettings,
    state: FeedState,
    got: Fetched,
    parsed: ParsedFeed,
    now: datetime,
) -> PollOutcome:
    """Store a fetched feed's entries and record the successful poll."""
    candidates = None
    if state.first_polled is None:  # a new feed: its backlog must not flood the digests
        candidates = first_poll_candidates(
            parsed.records, settings.max_age_days, feed.backfill, now
        )
    stored = feeds.store_entries(state.key, parsed.records, now, candidates)
    bad = [*parsed.bad, *stored.bad]
    warning = _warning(parsed.warning, bad)
    feeds.finish(
        state.key,
        _next(feed, now),
        etag=got.etag,
        last_modified=got.last_modified,
        first_polled=state.first_polled or now,
        last_success=now,
        last_error=None,
        last_warning=warning,
        failures=0,
    )
    outcome = PollOutcome(feed.url, "read", stored.new, stored.updated, len(bad), warning=warning)
    log.info("%s", outcome)
    return outcome


def _failed(
    feeds: FeedStore,
    feed: FeedSettings,
    state: FeedState,
    now: datetime,
    error: str,
    retry_after_s: float | None = None,
) -> PollOutcome:
    failures = state.failures + 1
    wait = backoff(feed.minutes, failures, retry_after_s)
    feeds.finish(state.key, now + wait, last_error=error, failures=failures)
    log.warning("feed %s: %s (failure %d, next try in %s)", feed.url, error, failures, wait)
    return PollOutcome(feed.url, "failed", error=error)


def backoff(minutes: int, failures: int, retry_after_s: float | None = None) -> timedelta:
    """How long to wait after `failures` failures in a row (Retry-After is a floor)."""
    wait = min(MAX_BACKOFF, timedelta(minutes=minutes) * 2 ** min(max(failures - 1, 0), 16))
    if retry_after_s is not None:
        wait = max(wait, min(timedelta(seconds=retry_after_s), MAX_RETRY_AFTER))
    return wait


def _next(feed: FeedSettings, now: datetime) -> datetime:
    return now + timedelta(minutes=feed.minutes)


def _warning(parser_warning: str | None, bad: list[str]) -> str | None:
    parts = [parser_warning] if parser_warning else []
    if bad:
        more = f" (and {len(bad) - REASONS_SHOWN} more)" if len(bad) > REASONS_SHOWN else ""
        parts.append(f"{len(bad)} entries skipped: " + "; ".join(bad[:REASONS_SHOWN]) + more)
    return " · ".join(parts) or None
