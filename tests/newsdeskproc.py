"""Helpers for tests that start `python -m bot run` as a real process against a FakeSlack."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.store.store import Store

if TYPE_CHECKING:
    from fakeslack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0


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


class Bot:
    """A started `newsdesk run`."""

    def __init__(self, proc: subprocess.Popen, port: int, log: Path) -> None:
        self.proc, self.port, self.log = proc, port, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        url = f"http://127.0.0.1:{self.port}/healthz"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"exited early ({self.proc.returncode}):\n{self.output()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    assert json.loads(response.read())["ok"] is True
                    return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        pytest.fail(f"/healthz never answered:\n{self.output()}")

    def stop(self) -> tuple[int, float]:
        """SIGTERM and wait: (exit status, seconds it took)."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            pytest.fail(f"no exit within {STOP_TIMEOUT}s of SIGTERM:\n{self.output()}")
        return self.proc.returncode, time.monotonic() - started


def start(procs: list[subprocess.Popen], env: dict[str, str], log: Path) -> Bot:
    """`python -m bot run` on a free port; its output goes to `log` (never a full pipe)."""
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            env={**env, "PORT": str(port)},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    procs.append(proc)
    return Bot(proc, port, log)


def run_bots(
    procs: list[subprocess.Popen], env: dict[str, str], folder: Path, settle: Callable[[], Any]
) -> tuple[list[Bot], list[tuple[int, float]]]:
    """Two `newsdesk run` at once: both healthy, then `settle()`, then both stopped (even
    when settling failed); the bots and what each `stop()` said."""
    bots = [start(procs, env, folder / f"bot{i}.log") for i in range(2)]
    try:
        for bot in bots:
            bot.wait_healthy()
        settle()
    finally:
        stopped = [bot.stop() for bot in bots]
    return bots, stopped


def running_runs(database_url: str) -> list[dict]:
    """The runs the database says are in progress (claimed, not finished)."""
    with closing(Store(database_url)) as store:
        return [r for r in store.runs.recent(10_000) if r["status"] == "running"]


def status_json(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "status", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def reap(procs: list[subprocess.Popen]) -> None:
    """Kill whatever is still alive of `procs` and wait for each (a test's cleanup)."""
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
