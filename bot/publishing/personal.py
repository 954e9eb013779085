"""Personal digests (SPEC §9): each follower's direct message, exactly once per due time.

Each follower is a run of its own, claimed like a digest (`bot.publishing.claims`, kind
"personal", keyed by the user id), so two processes share a round without repeating anyone
and a restart finishes what a killed process left. The DM carries message metadata naming
the run and its items: when Slack's answer is lost, or a dead process's run is taken over,
the DM channel's history says whether it landed before anything is posted again. Items are
recorded per person (`personal_sends`), so nobody is sent the same article twice.

People are served by a small thread pool: Slack limits posting per channel (each DM is its
own), and slack_sdk's rate-limit handler waits out each 429's Retry-After in the worker that
got it. Someone who blocked the app or left is skipped and shown in `status`; one failing
person never stops the others.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Settings
from bot.content.ranking import Affinity, fold_topic
from bot.content.select import Candidate, pick
from bot.publishing.affinity import team_affinity
from bot.publishing.claims import PERSONAL, PERSONAL_EVENT, Busy, Lease, claim
from bot.publishing.posting import (
    LANDING_WAIT_MAX,
    POST_ATTEMPTS,
    POST_ERRORS,
    find_posted,
    posted_by_runs,
)
from bot.slack.blockkit.personal import personal_message
from bot.slack.client import ambiguous, error_code, post, posting_client, unreadable
from bot.store.follows import FollowStore
from bot.store.store import Store

log = logging.getLogger(__name__)

WORKERS = 4  # DMs in flight at once: enough to hide latency, few enough for rate limits
# Slack's answers for someone the app cannot reach any more: skipped, not failed.
UNREACHABLE = frozenset({"cannot_dm_bot", "user_not_found", "account_inactive", "user_disabled"})
DONE, EMPTY, SKIPPED, FAILED = "done", "empty", "skipped", "failed"
ALREADY, STOPPED = "already", "stopped"  # another process has it; stopping before it began


@dataclass
class Round:
    """What one personal round did, for logs and tests."""

    due_at: datetime
    states: Counter[str] = field(default_factory=Counter)
    problems: dict[str, str] = field(default_factory=dict)  # user id -> Slack error

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {state}" for state, n in sorted(self.states.items()))
        return f"personal digests due {self.due_at.isoformat()}: {counts or 'no followers'}"


@dataclass(frozen=True)
class _Context:
    settings: Settings
    store: Store
    follows: FollowStore
    client: WebClient
    library: Library
    due: datetime
    clock: Callable[[], datetime]
    affinity: Affinity | None  # the team's learned taste (SPEC §9), as digests rank


class Library:
    """The round's eligible items, ranked once and indexed by folded topic."""

    def __init__(self, ranked: Iterable[Candidate]) -> None:
        self._by_topic: dict[str, list[tuple[int, Candidate]]] = {}
        for position, cand in enumerate(ranked):
            for topic in {fold_topic(t) for t in cand.topics}:
                self._by_topic.setdefault(topic, []).append((position, cand))

    def ranked_for(self, topics: Iterable[str]) -> Iterator[Candidate]:
        """Items in any of `topics`, best first, each once."""
        lists = [self._by_topic.get(t, []) for t in {fold_topic(t) for t in topics}]
        last = -1
        for position, cand in heapq.merge(*lists, key=lambda pc: pc[0]):
            if position != last:
                last = position
                yield cand


def run_personal(
    settings: Settings,
    store: Store,
    client: WebClient,
    now: datetime,
    *,
    due_at: datetime | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    workers: int = WORKERS,
) -> Round:
    """Send every follower their personal digest for `due_at` (default `now`), once."""
    due = due_at or now
    outcome = Round(due)
    follows = store.follows
    followers = follows.followers()
    done = follows.round_states(PERSONAL, due)
    todo = [(u, t) for u, t in followers.items() if done.get(u, "running") == "running"]
    outcome.states[ALREADY] = len(followers) - len(todo)
    if not todo:
        return outcome
    approved_only = settings.review is not None
    library = Library(follows.candidates(settings.quality_min, approved_only))
    started = time.monotonic()
    # Each claim is stamped with real time elapsed since `now`: a long round's later runs
    # must not look stale (abandoned) to another process.
    clock = lambda: now + timedelta(seconds=time.monotonic() - started)  # noqa: E731
    affinity = team_affinity(settings, store, now)
    ctx = _Context(settings, store, follows, posting_client(client), library, due, clock, affinity)
    with ThreadPoolExecutor(workers, thread_name_prefix="newsdesk-personal") as pool:
        jobs = [pool.submit(_person, ctx, user, topics, should_stop) for user, topics in todo]
        for (user, _), job in zip(todo, jobs, strict=True):
            state, error = job.result()
            outcome.states[state] += 1
            if error:
                outcome.problems[user] = error
    log.info("%s", outcome)
    return outcome


def _person(ctx: _Context, user: str, topics: list[str], should_stop) -> tuple[str, str]:
    """(state, error) of one follower's run; never raises."""
    if should_stop():
        return STOPPED, ""
    now = ctx.clock()
    try:
        run_id = claim(ctx.store, ctx.client, PERSONAL, user, ctx.due, now,
                       reconcile=lambda run: _reconcile(ctx, user, run))  # fmt: skip
    except (Busy, SlackClientError, OSError) as error:
        log.warning("personal digest for %s: cannot start: %s", user, error_code(error))
        return FAILED, error_code(error)
    except Exception as error:
        log.exception("personal digest for %s: cannot start", user)
        return FAILED, error_code(error)
    if run_id is None:
        return ALREADY, ""
    try:
        with Lease(ctx.store.runs, run_id, now):  # a slow post must not look abandoned
            state, error, posted = _deliver(ctx, user, topics, run_id, now)
    except Exception as exc:  # a database blip, an unreadable answer: this person only
        log.exception("personal digest for %s failed", user)
        state, error, posted = FAILED, error_code(exc), 0
    ctx.store.runs.finish(run_id, state, ctx.clock(), posted=posted, error=error or None)
    return state, error


def _deliver(ctx: _Context, user: str, topics: list[str], run_id: int, now) -> tuple:
    """(state, error, items posted) after sending `user` their DM (or finding it sent)."""
    already = ctx.follows.sent_in_run(run_id)
    if already:  # a run taken over whose DM had landed: it is done, never sent twice
        return DONE, "", already
    sent, urls, titles = ctx.follows.sent_keys(user)
    unread = (c for c in ctx.library.ranked_for(topics) if c.id not in sent)
    policy = ctx.settings.personal_policy(tuple(topics))
    chosen = pick(unread, policy, now, taken_urls=urls, taken_titles=titles, affinity=ctx.affinity)
    tz = ctx.settings.timezone
    articles = ctx.store.articles([c.id for c in chosen])
    message = personal_message(articles, topics, now.astimezone(tz).date(), tz)
    if message is None:
        return EMPTY, "", 0
    ids = list(message["item_ids"])
    meta = {"event_type": PERSONAL_EVENT, "event_payload": {"run": run_id, "part": 0, "items": ids}}
    try:
        ts = _post_once(ctx.client, user, message, meta)
    except SlackApiError as error:
        code = error_code(error)
        if code in UNREACHABLE:
            log.info("personal digest for %s skipped: %s", user, code)
            return SKIPPED, code, 0
        return FAILED, code, 0
    ctx.follows.record_sends(user, ids, run_id, ts, ctx.clock())
    return DONE, "", len(ids)


def _post_once(client: WebClient, user: str, message, meta: dict) -> str:
    """Post the DM unless an earlier attempt whose answer was lost already landed."""
    for attempt in range(1, POST_ATTEMPTS + 1):
        try:
            return post(client, user, message, metadata=meta)
        except POST_ERRORS as error:
            if not ambiguous(error) or attempt == POST_ATTEMPTS:
                raise
            settled = isinstance(error, SlackApiError) or unreadable(error)
            landed = _landed(client, user, meta, settled=settled)
            if landed:
                log.info("personal digest for %s landed despite %s", user, error)
                return landed
    raise AssertionError("unreachable")


def _landed(client: WebClient, user: str, meta: dict, *, settled: bool) -> str | None:
    """The DM's ts if it is in the DM channel's history (waiting while it may be in flight)."""
    channel = dm_channel(client, user)
    deadline = time.monotonic() + (0 if settled else min(client.timeout or 0, LANDING_WAIT_MAX))
    while True:
        landed = find_posted(client, channel, meta)
        if landed or time.monotonic() >= deadline:
            return landed
        time.sleep(0.25)


def dm_channel(client: WebClient, user: str) -> str:
    """The id of the app's DM with `user` (history is read by channel id, not user id)."""
    opened = client.conversations_open(users=user, return_im=False)
    return str(opened["channel"]["id"])


def _reconcile(ctx: _Context, user: str, run: dict) -> None:
    """Record what a dead process's run for `user` had sent, from the DM's history."""
    try:
        channel = dm_channel(ctx.client, user)
    except SlackApiError as error:
        if error_code(error) in UNREACHABLE:
            return  # nothing can be sent to them now; the post will say so and skip them
        raise
    for _, ts, ids in posted_by_runs(ctx.client, channel, PERSONAL_EVENT, {run["id"]}):
        ctx.follows.record_sends(user, ids, run["id"], ts, ctx.clock())
