"""Helpers for tests that start `python -m bot run` as a real process against a FakeSlack."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fakeslack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def newsdesk_env(fake: FakeSlack, secret: str, config: Path) -> dict[str, str]:
    """This process's environment without SLACK_*/NEWSDESK_*, plus the fake's token and URL,
    the signing secret and the config file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSDESK_"))}
    env.update(
        SLACK_BOT_TOKEN=fake.token,
        SLACK_SIGNING_SECRET=secret,
        SLACK_API_URL=fake.url,
        NEWSDESK_CONFIG=str(config),
        PYTHONUNBUFFERED="1",
    )
    return env


def until(
    check: Callable[[], Any], timeout: float = 10.0, what: str = "condition", pause: float = 0.1
) -> Any:
    """Poll `check()` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(pause)
    raise AssertionError(f"{what}: not within {timeout}s")
