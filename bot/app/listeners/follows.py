"""The topic toggles in App Home: Follow (+) and Unfollow (✓) buttons, one per topic.

The handler acks, records the change (a fast store write) and republishes the person's
Home tab with a line saying what changed, after the ack.
"""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App

from bot.app.deps import Deps
from bot.app.followups import publish_home, run_later
from bot.app.home import ACTION_FOLLOW, ACTION_UNFOLLOW
from bot.publishing import follows

log = logging.getLogger(__name__)

FOLLOW_IDS = re.compile(rf"^{ACTION_FOLLOW}:\d+$")
UNFOLLOW_IDS = re.compile(rf"^{ACTION_UNFOLLOW}:\d+$")


def register(app: App, deps: Deps) -> None:
    """Listen to the topic buttons of the Home tab."""

    @app.action(FOLLOW_IDS)
    def on_follow(ack: Ack, body: dict) -> None:
        ack()
        run_later(deps, toggle, deps, *_clicked(body), True)

    @app.action(UNFOLLOW_IDS)
    def on_unfollow(ack: Ack, body: dict) -> None:
        ack()
        run_later(deps, toggle, deps, *_clicked(body), False)


def toggle(deps: Deps, user: str, topic: str, on: bool) -> None:
    """Follow or unfollow `topic` for `user`, then show their Home tab with the outcome."""
    if not user or not topic:
        return
    if on:
        notice = follows.follow(deps.settings, deps.store, user, topic, deps.clock())
    else:
        notice = follows.unfollow(deps.store, user, topic)
    publish_home(deps, user, notice=notice)


def _clicked(body: dict) -> tuple[str, str]:
    """(user id, topic) of a topic button click."""
    actions = body.get("actions") or [{}]
    return str((body.get("user") or {}).get("id", "")), str(actions[0].get("value") or "")
