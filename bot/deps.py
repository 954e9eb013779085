"""What every listener needs, handed over by `create_app` (never through globals)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from bot.config import Settings
from bot.store import Store

if TYPE_CHECKING:
    from bot.approvers import Approvers


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Deps:
    settings: Settings
    store: Store
    client: WebClient
    approvers: Approvers
    executor: Executor  # slow work (digests, review rounds, Slack calls) runs here after ack
    clock: Callable[[], datetime] = utcnow
