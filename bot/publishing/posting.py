"""Posting one message of a run exactly once, and finding a run's posts in a channel.

Every post carries Slack message metadata naming its run, part and items. When the answer
to a post is lost or cannot be read (a timeout, a dropped connection, a 5xx, a body cut
short or not JSON) the post may have landed, so it is looked up by that metadata before it
is sent again. Metadata counts only on messages this bot posted (`Poster`): another app or
a person could copy our event type and item ids.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.blockkit.cards import Message
from bot.slack.client import Poster, ambiguous, post, unreadable, whoami

log = logging.getLogger(__name__)

POST_ATTEMPTS = 4  # an ambiguous failure is checked, then retried, this many times in all
LANDING_WAIT_MAX = 5  # seconds a lost post may still take to land: Slack answers in far less
HISTORY_LIMIT = 200
HISTORY_PAGES = 10  # a failed run's posts are among the channel's last 2,000 messages
# Everything a post can fail with: Slack's answers, the network, and answers we cannot read.
POST_ERRORS = (SlackClientError, OSError, ValueError, HTTPException)


def metadata(event: str, run_id: int, part: int, ids: list[str]) -> dict:
    return {"event_type": event, "event_payload": {"run": run_id, "part": part, "items": ids}}


def post_once(
    client: WebClient, channel: str, message: Message, meta: dict, thread_ts: str | None
) -> str:
    """Post, unless an earlier attempt whose answer was lost already landed; its ts."""
    for attempt in range(1, POST_ATTEMPTS + 1):
        try:
            return post(client, channel, message, thread_ts=thread_ts, metadata=meta)
        except POST_ERRORS as error:
            if not ambiguous(error) or attempt == POST_ATTEMPTS:
                raise
            log.warning("%s: post %s: %s; looking for it", channel, meta["event_payload"], error)
            # Slack answered (even unreadably): the post is settled. Otherwise it may be in flight.
            answered = isinstance(error, SlackApiError) or unreadable(error)
            wait = 0.0 if answered else min(client.timeout or 0, LANDING_WAIT_MAX) + 1
            landed = _wait_for_landing(client, channel, meta, thread_ts, wait)
            if landed:
                log.info("%s: post %s had landed", channel, meta["event_payload"])
                return landed
    raise AssertionError("unreachable")


def _wait_for_landing(
    client: WebClient, channel: str, meta: dict, thread_ts: str | None, seconds: float
) -> str | None:
    """Look for the post for as long as the lost request could still be landing."""
    deadline, delay, poster = time.monotonic() + seconds, 0.25, whoami(client)
    while True:
        landed = find_posted(client, channel, meta, thread_ts, poster=poster)
        left = deadline - time.monotonic()
        if landed or left <= 0:
            return landed
        time.sleep(min(delay, left))
        delay *= 2


def find_posted(
    client: WebClient,
    channel: str,
    meta: dict,
    thread_ts: str | None = None,
    *,
    poster: Poster | None = None,
) -> str | None:
    """The ts of a message of ours already carrying this run/part metadata, if Slack has one."""
    poster = poster or whoami(client)
    if thread_ts:
        page = client.conversations_replies(
            channel=channel, ts=thread_ts, include_all_metadata=True
        )
    else:
        page = client.conversations_history(channel=channel, limit=100, include_all_metadata=True)
    for message in page.get("messages", []):
        found = message.get("metadata") or {}
        ours = found.get("event_type") == meta["event_type"] and poster.wrote(message)
        if ours and _same_part(found, meta):
            return str(message["ts"])
    return None


def _same_part(found: dict, meta: dict) -> bool:
    # Items are posted once each, so run + items names one message even across a resume.
    a, b = found.get("event_payload") or {}, meta["event_payload"]
    return a.get("run") == b["run"] and a.get("items") == b["items"]


def posted_by_runs(
    client: WebClient, channel: str, event: str, run_ids: set[int]
) -> Iterator[tuple[int, str, list[str]]]:
    """(run, ts, items) of every post of ours in the channel made by one of `run_ids`."""
    poster = whoami(client)
    for message in _history(client, channel):
        tagged = _tagged(message, event, run_ids, poster)
        yield from tagged
        if message.get("reply_count") and tagged:
            replies = client.conversations_replies(
                channel=channel, ts=message["ts"], include_all_metadata=True
            )
            for reply in replies.get("messages", [])[1:]:
                yield from _tagged(reply, event, run_ids, poster)


def _history(client: WebClient, channel: str) -> Iterator[dict]:
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


def _tagged(
    message: dict, event: str, run_ids: set[int], poster: Poster
) -> list[tuple[int, str, list[str]]]:
    meta = message.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    if meta.get("event_type") != event or payload.get("run") not in run_ids:
        return []
    if not poster.wrote(message):
        log.warning("ignoring a %s message not posted by this bot (ts %s)", event, message["ts"])
        return []
    return [(int(payload["run"]), str(message["ts"]), list(payload.get("items", [])))]
