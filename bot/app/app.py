"""Building the Bolt app: one `create_app` call wires settings, store and client to listeners.

Listeners acknowledge first and hand anything slow (Slack calls, digests) to the bounded
executor in `Deps`; `process_before_response=True` keeps Bolt from starting its own ack
polling thread per request. Nothing here runs at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from types import ModuleType

from slack_bolt import App
from slack_sdk import WebClient

from bot.app.answers import Answers
from bot.app.channels import Channels
from bot.app.deps import Deps
from bot.app.listeners import actions, commands, events, follows, shortcuts, signals, views
from bot.clock import utcnow
from bot.config import ConfigError, Settings
from bot.publishing.approvers import Approvers
from bot.store.store import Store

log = logging.getLogger(__name__)

APP_NAME = "newsdesk"
WORKERS = 4  # digests and Slack calls after ack; small: Slack rate limits are the bottleneck
# Bolt tries listeners in this order and each miss costs tens of µs (it builds the
# matcher's arguments), so the busiest requests come first: /newsdesk, then Read clicks.
LISTENER_MODULES: tuple[ModuleType, ...] = (
    commands,
    signals,
    actions,
    views,
    events,
    shortcuts,
    follows,
)
# The one wording of this problem: `bot.runtime` reports it before start-up, too.
NO_SECRET = (
    "SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify that requests come from "
    "Slack (Basic Information > App Credentials). For Socket Mode set SLACK_APP_TOKEN instead."
)


def create_app(
    settings: Settings,
    store: Store,
    client: WebClient,
    *,
    clock: Callable[[], datetime] = utcnow,
    executor: Executor | None = None,
    approvers: Approvers | None = None,
) -> App:
    """A Bolt App with every listener registered; no Slack call is made here."""
    app = App(
        name=APP_NAME,
        client=client,
        signing_secret=_signing_secret(settings),
        # Socket Mode frames are authenticated by the app token and carry no signature.
        request_verification_enabled=not socket_mode(settings),
        # auth.test runs once, at the first request, not while building the app.
        token_verification_enabled=False,
        process_before_response=True,
    )
    deps = Deps(
        settings=settings,
        store=store,
        client=client,
        approvers=approvers or Approvers(settings, client),
        executor=executor or ThreadPoolExecutor(WORKERS, thread_name_prefix="newsdesk-work"),
        answers=Answers(lambda: store.generation),
        channels=Channels(client),
        clock=clock,
    )
    for module in LISTENER_MODULES:
        module.register(app, deps)
    return app


def socket_mode(settings: Settings) -> bool:
    """Socket Mode when an app-level token is configured, else HTTP."""
    return settings.app_token is not None


def registered_commands() -> list[str]:
    """Slash commands the listeners answer (checked against manifest.yaml)."""
    return sorted({c for m in LISTENER_MODULES for c in getattr(m, "COMMANDS", ())})


def registered_events() -> list[str]:
    """Events API event types the listeners answer (checked against manifest.yaml)."""
    return sorted({e for m in LISTENER_MODULES for e in getattr(m, "EVENTS", ())})


def registered_shortcuts() -> list[tuple[str, str]]:
    """(callback_id, type) of the shortcuts the listeners answer (checked against manifest.yaml)."""
    found = {kv for m in LISTENER_MODULES for kv in getattr(m, "SHORTCUTS", {}).items()}
    return sorted(found)


def _signing_secret(settings: Settings) -> str:
    if settings.signing_secret is not None:
        return settings.signing_secret.reveal()
    if socket_mode(settings):
        return ""
    # An empty secret would make every forged signature computable: refuse to build.
    raise ConfigError(NO_SECRET)
