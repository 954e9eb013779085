"""What every listener needs, handed over by `create_app` (never through globals)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from bot.app.answers import Answers
from bot.clock import utcnow
from bot.config import Settings
from bot.store.store import Store

if TYPE_CHECKING:
    from bot.app.channels import Channels
    from bot.publishing.approvers import Approvers


@dataclass(frozen=True, slots=True)
class Deps:
    settings: Settings
    store: Store
    client: WebClient
    approvers: Approvers
    executor: Executor  # slow work (digests, review rounds, Slack calls) runs here after ack
    answers: Answers  # answers kept while the store has not changed (bot.app.answers)
    channels: Channels  # which channels are public (App Home shows only those publications)
    clock: Callable[[], datetime] = utcnow
