"""bot.cli.progress: a cold scan shows how far it is on a terminal, and nowhere else.

The end-to-end tests run `newsdesk status` / `check` with stderr on a pseudo-terminal (the
`pty` module), as a person at a terminal would, and with stderr on a pipe, under `--json`
and with `CI` set, where nothing may be drawn.
"""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import REPO, newsdesk
from recordfiles import record_text, write

from bot.cli.progress import CLEAR, ScanProgress, scan_progress

FILES = 30


class Ticks:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_line_says_files_of_total_rate_and_time_left() -> None:
    out, clock = io.StringIO(), Ticks()
    progress = ScanProgress(out, clock=clock)
    clock.now += 2.0
    progress(500, 2_000)
    assert out.getvalue() == CLEAR + "scanning 500 of 2,000 files (25%), 250 files/s, 6 s left"


def test_redraws_are_throttled_and_the_end_is_a_summary() -> None:
    out, clock = io.StringIO(), Ticks()
    progress = ScanProgress(out, clock=clock)
    for done in range(1, 100):
        progress(done, 100)  # no time passes: drawn once
    clock.now += 1.0
    progress(100, 100)
    progress.close()
    lines = out.getvalue().split(CLEAR)[1:]
    assert len(lines) == 3
    assert lines[-1] == "scanned 100 files in 1.0 s (100/s)\n"


def test_nothing_is_drawn_off_a_terminal_under_json_or_in_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    assert scan_progress(stream=io.StringIO()) is None
    assert scan_progress(stream=Terminal(), quiet=True) is None
    assert isinstance(scan_progress(stream=Terminal()), ScanProgress)
    monkeypatch.setenv("CI", "true")
    assert scan_progress(stream=Terminal()) is None


def library(tmp_path: Path) -> Path:
    for n in range(FILES):
        write(tmp_path / "articles" / f"d{n % 3}" / f"item{n:02d}.md", record_text(title=f"T{n}"))
    config = tmp_path / "newsdesk.yaml"
    config.write_text(f"content_dir: articles\ndatabase_url: sqlite:///{tmp_path / 'n.db'}\n")
    return config


def on_terminal(args: list[str], cwd: Path, **env: str) -> tuple[int, str, str]:
    """Run `newsdesk args` with stderr on a pseudo-terminal; (status, stdout, terminal)."""
    master, slave = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "CI"))}
    environ.update(PYTHONPATH=str(REPO), **env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    seen = bytearray()
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        seen += data
    stdout, _ = proc.communicate(timeout=60)
    os.close(master)
    return proc.returncode, stdout.decode(), seen.decode(errors="replace")


def test_a_cold_status_on_a_terminal_shows_files_scanned_of_total(tmp_path: Path) -> None:
    config = library(tmp_path)
    status, stdout, terminal = on_terminal(["--config", str(config), "status"], tmp_path)
    assert status == 0 and "articles in the library" in stdout
    assert f"of {FILES} files (100%)" in terminal
    assert f"scanned {FILES} files in" in terminal
    assert "scanning" not in stdout  # the report itself stays clean


def test_check_on_a_terminal_shows_progress_too(tmp_path: Path) -> None:
    config = library(tmp_path)
    status, stdout, terminal = on_terminal(["--config", str(config), "check"], tmp_path)
    assert status == 0 and f"{FILES} good, 0 bad" in stdout
    assert f"scanned {FILES} files in" in terminal


def test_silent_in_a_pipe_under_json_and_in_ci(tmp_path: Path) -> None:
    config = library(tmp_path)
    piped = newsdesk("--config", str(config), "status", cwd=tmp_path)
    assert piped.returncode == 0 and "scann" not in piped.stderr
    _, stdout, terminal = on_terminal(["--config", str(config), "status", "--json"], tmp_path)
    assert "scann" not in terminal and stdout.startswith("{")
    _, _, terminal = on_terminal(["--config", str(config), "check"], tmp_path, CI="1")
    assert "scann" not in terminal
