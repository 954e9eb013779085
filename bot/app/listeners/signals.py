"""Readers' signals (SPEC §9): Read clicks, the Useful toggle, reactions on shared cards.

Every listener acks first; the one-row write (and, for Useful, the ephemeral
confirmation) runs after it in `deps.executor`. Slack sends `block_actions` for link
buttons too: the Read button's value names the item, and on cards posted before it had one,
the block id (`item:ID`, `result:ID`) does. Reactions count only on single-article posts
(shares): a digest holds several items, so a reaction there credits none of them.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_bolt import Ack, App

from bot.app.deps import Deps
from bot.app.followups import run_later
from bot.app.listeners.actions import Click, click_of, tell
from bot.slack.blockkit.cards import ACTION_READ, ACTION_USEFUL, ITEM_BLOCK_ID, RESULT_BLOCK_ID
from bot.store.tables import REACTION, READ

log = logging.getLogger(__name__)

EVENTS = ["reaction_added", "reaction_removed"]
MARKED = "Marked useful. Thanks: Newsdesk learns what the team finds worth reading."
TAKEN_BACK = "Vote taken back."
GONE = "That article is no longer in the library."
# Block ids that name the item after a prefix; a cut and hashed one ("…~hash") names none.
_ID_PREFIXES = tuple(t.format(id="") for t in (ITEM_BLOCK_ID, RESULT_BLOCK_ID))


def register(app: App, deps: Deps) -> None:
    """Listen to Read and Useful clicks and to reactions."""
    reads = ReadLog(deps)

    @app.action(ACTION_READ)
    def on_read(ack: Ack, body: dict) -> None:
        ack()  # a link button: Slack opens the URL itself
        reads.add(read_click(body))

    @app.action(ACTION_USEFUL)
    def on_useful(ack: Ack, body: dict) -> None:
        ack()
        run_later(deps, toggle_useful, deps, click_of(body))

    @app.event("reaction_added")
    def on_reaction_added(event: dict) -> None:
        run_later(deps, record_reaction, deps, event, True)

    @app.event("reaction_removed")
    def on_reaction_removed(event: dict) -> None:
        run_later(deps, record_reaction, deps, event, False)


def read_click(body: dict[str, Any]) -> Click:
    """The click, its item taken from the block id when the button carries no value."""
    click = click_of(body)
    if click.item_id:
        return click
    action = (body.get("actions") or [{}])[0]
    block = str(action.get("block_id") or "")
    for prefix in _ID_PREFIXES:
        if block.startswith(prefix) and "~" not in block:
            return Click(**{**_fields(click), "item_id": block.removeprefix(prefix)})
    return click


def _fields(click: Click) -> dict[str, Any]:
    return {name: getattr(click, name) for name in Click.__slots__}


# --- after the ack ---------------------------------------------------------------------


class ReadLog:
    """Read clicks, written after the ack in batches: one transaction for all the clicks
    that arrived while the previous batch was being written (a burst costs few commits)."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._lock = threading.Lock()
        self._pending: list[dict[str, Any]] = []
        self._flushing = False

    def add(self, click: Click) -> None:
        """Queue the click (the reader counts once per item) and make sure a flush runs."""
        if not (click.item_id and click.user_id):
            return
        row = dict(item_id=click.item_id, user_id=click.user_id, kind=READ)
        row.update(at=self._deps.clock(), channel=click.channel_id)
        with self._lock:
            self._pending.append(row)
            if self._flushing:
                return
            self._flushing = True
        run_later(self._deps, self._flush)

    def _flush(self) -> None:
        while True:
            with self._lock:
                batch, self._pending = self._pending, []
                if not batch:
                    self._flushing = False
                    return
            try:
                self._deps.store.signals.add_signals(batch)
            except Exception:  # a database blip loses this batch only, never the flusher
                log.exception("could not store %d Read click(s)", len(batch))


def toggle_useful(deps: Deps, click: Click) -> None:
    """Vote, or take the vote back; tell the clicker which, privately."""
    if not click.item_id or not click.user_id:
        return
    standing = deps.store.signals.toggle_useful(
        click.item_id, click.user_id, deps.clock(), click.channel_id
    )
    text = GONE if standing is None else (MARKED if standing else TAKEN_BACK)
    tell(deps, click, text)


def record_reaction(deps: Deps, event: dict[str, Any], added: bool) -> None:
    """A reaction on a shared card counts as a vote (each emoji once per person)."""
    item = event.get("item") or {}
    user, name = str(event.get("user") or ""), str(event.get("reaction") or "")
    channel, ts = str(item.get("channel") or ""), str(item.get("ts") or "")
    if item.get("type") != "message" or not (user and name and channel and ts):
        return
    item_id = deps.store.signals.item_posted_at(channel, ts)
    if item_id is None:
        return  # not a single-article post of ours
    if added:
        deps.store.signals.add_signal(
            item_id, user, REACTION, deps.clock(), channel=channel, reaction=name
        )
    else:
        deps.store.signals.remove_signal(item_id, user, REACTION, reaction=name)
