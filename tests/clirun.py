"""Running `newsdesk` as people do: `python -m bot ...` as a real subprocess.

Each command runs in its own working folder, with an environment stripped of any
NEWSDESK_* / SLACK_* variable the test does not set itself. Independent commands can be
started together (each in its own folder) to keep the suite fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 60


@dataclass
class Cmd:
    """One `newsdesk` invocation: arguments, working folder, extra environment."""

    args: tuple[str, ...]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "SLACK_"))}
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def run_all(*cmds: Cmd) -> list[Ran]:
    """Start every command at once; wait for all (bounded); results in order."""
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", *c.args],
            cwd=c.cwd,
            env=_env(c.env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        for c in cmds
    ]
    out = []
    for proc in procs:
        try:
            stdout, stderr = proc.communicate(
                timeout=max(1, TIMEOUT - (time.monotonic() - started))
            )
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
        out.append(Ran(proc.returncode, stdout, stderr, time.monotonic() - started))
    return out


def newsdesk(*args: str, cwd: Path, **env: str) -> Ran:
    (result,) = run_all(Cmd(args, cwd, env))
    return result
