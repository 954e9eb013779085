"""Claiming a run, and taking over one whose owner died: the crash-safe half of exactly once.

A run is claimed in the database (see `bot.store.runs`). When the process that claimed it dies
mid-post, the next process to run that schedule takes it over, first recording from Slack's
own history (message metadata names the run and its items) what the dead one had posted.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import datetime, timedelta

from slack_sdk import WebClient

from bot.slack.client import error_code
from bot.store.store import Store

log = logging.getLogger(__name__)

DIGEST = "digest"
REVIEW = "review"
DIGEST_EVENT = "newsdesk_digest"
REVIEW_EVENT = "newsdesk_review"
STATS = "stats"  # the weekly summary (bot.publishing.weekly): one post, looked up itself
# A run whose owner stopped making progress this long ago is taken over; a run owned by a
# dead process on this host is taken over at once (the crash-and-restart case).
RUN_LEASE = timedelta(minutes=10)
HISTORY_LIMIT = 200
HISTORY_PAGES = 10  # a crashed run's posts are among the channel's last 2,000 messages
STUCK = "{channel}: cannot resume: reading the channel history failed ({error})"
CLAIM_WAIT_SECONDS = 120  # how long a run waits for another one on the same channel
CLAIM_POLL_SECONDS = 0.25


# Told apart from an earlier process with the same pid (a restarted container is pid 1 again).
PROCESS_TOKEN = uuid.uuid4().hex[:12]
BUSY = "another {kind} for this channel was still being posted after {seconds} s"


class Busy(Exception):
    """Another run for the channel kept going past CLAIM_WAIT_SECONDS."""


def owner_id() -> str:
    """This process, as recorded on the runs it claims: host, pid and a per-process token."""
    return f"{socket.gethostname()}:{os.getpid()}:{PROCESS_TOKEN}"


def claim(store: Store, client: WebClient, kind: str, channel: str, due, now) -> int | None:
    """Claim the run for `due`, waiting while another run for the channel is in progress.

    None when another process has (or had) this very run. A run whose owner died is taken
    over when it is this run, and closed otherwise, after recording what it had posted.
    Raises `Busy` when another live run holds the channel for longer than the wait.
    """
    me, deadline, retried = owner_id(), time.monotonic() + CLAIM_WAIT_SECONDS, False
    while True:
        run_id = store.claim_run(kind, channel, due, now, owner=me)
        if run_id is not None:
            return run_id
        run = store.unfinished_run(kind, channel)
        if run is None:
            if retried:
                return None  # this due time was claimed, and that run is over
            retried = True  # the run in the way may have just finished: try once more
        elif _abandoned(run, now):
            if run["due_at"] == due:
                return _take_over(store, client, kind, channel, run, me, now)
            _close_abandoned(store, client, kind, channel, run, now)
        elif run["due_at"] == due:
            return None
        elif time.monotonic() > deadline:
            raise Busy(BUSY.format(kind=kind, seconds=CLAIM_WAIT_SECONDS))
        else:
            time.sleep(CLAIM_POLL_SECONDS)


def _take_over(store, client, kind: str, channel: str, run: dict, me: str, now) -> int | None:
    if not store.take_over_run(run["id"], run["owner"], me, now):
        return None
    log.warning("%s for %s: taking over run %s from %s", kind, channel, run["id"], run["owner"])
    try:
        _reconcile(store, client, kind, channel, run, now)
    except Exception as error:
        # Without Slack's history we cannot know what was posted: hand the run back to its
        # dead owner, untouched, so a later attempt resumes it rather than repeat posts.
        store.take_over_run(run["id"], me, run["owner"], run["heartbeat"] or now)
        store.note_run_error(run["id"], STUCK.format(channel=channel, error=error_code(error)))
        raise
    return run["id"]


def _close_abandoned(store, client, kind: str, channel: str, run: dict, now) -> None:
    _reconcile(store, client, kind, channel, run, now)
    store.abandon_run(run["id"], run["owner"], now, f"{channel}: owner {run['owner']} stopped")


def _abandoned(run: dict, now: datetime) -> bool:
    host, pid, token = [*str(run["owner"]).split(":"), "", ""][:3]
    if host == socket.gethostname() and pid.isdigit():
        if int(pid) == os.getpid():
            return token != PROCESS_TOKEN  # our pid, but an earlier process's run
        if not _alive(int(pid)):
            return True
    return run["heartbeat"] is None or now - run["heartbeat"] > RUN_LEASE


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reconcile(store: Store, client: WebClient, kind: str, channel: str, run: dict, now) -> None:
    """Record what the dead owner had posted but not yet recorded, from Slack's own history."""
    event = {DIGEST: DIGEST_EVENT, REVIEW: REVIEW_EVENT}.get(kind)
    if event is None:
        return  # a run that records no items (stats) checks for its own post
    run_id = run["id"]
    for ts, ids in _posted_by_run(client, channel, event, run_id):
        if kind == DIGEST:
            store.record_publications(ids, channel, ts, run_id, now)
        for item_id in ids if kind == REVIEW else ():
            store.mark_sent_for_review(item_id, channel, ts, now)


def _posted_by_run(client: WebClient, channel: str, event: str, run_id: int):
    for message in _history(client, channel):
        yield from _tagged(message, event, run_id)
        if message.get("reply_count") and _tagged(message, event, run_id):
            replies = client.conversations_replies(
                channel=channel, ts=message["ts"], include_all_metadata=True
            )
            for reply in replies.get("messages", [])[1:]:
                yield from _tagged(reply, event, run_id)


def _history(client: WebClient, channel: str):
    """The channel's recent top-level messages, newest first, page by page."""
    cursor = None
    for _ in range(HISTORY_PAGES):
        page = client.conversations_history(
            channel=channel, limit=HISTORY_LIMIT, include_all_metadata=True, cursor=cursor
        )
        yield from page.get("messages", [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def _tagged(message: dict, event: str, run_id: int) -> list[tuple[str, list[str]]]:
    meta = message.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    if meta.get("event_type") != event or payload.get("run") != run_id:
        return []
    return [(str(message["ts"]), list(payload.get("items", [])))]
