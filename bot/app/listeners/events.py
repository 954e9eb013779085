"""Event listeners: the App Home tab is published when someone opens it."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.app.deps import Deps
from bot.app.followups import publish_home, run_later

log = logging.getLogger(__name__)

EVENTS = ["app_home_opened"]
HOME_TAB = "home"


def register(app: App, deps: Deps) -> None:
    """Listen to `app_home_opened`; Bolt acks events, and the publish runs after that."""

    @app.event("app_home_opened")
    def on_app_home_opened(event: dict) -> None:
        user_id = event.get("user")
        if event.get("tab") != HOME_TAB or not user_id:
            return  # the Messages tab, or a malformed event
        run_later(deps, publish_home, deps, user_id)
