"""Progress of long work on a terminal: files scanned of the total, rate and time left.

A cold `newsdesk status` or `check` over 100,000 files reads for half a minute; on a
terminal it says how far it is. It stays silent where nobody watches a line being redrawn:
when stderr is not a terminal (a pipe, a log file), under `--json`, and in CI (`CI` set).
The line is redrawn at most `REDRAW_SECONDS` apart and ends with a summary line.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from bot.config import in_ci

REDRAW_SECONDS = 0.2
CLEAR = "\r\x1b[K"  # back to the line's start, then erase it


class ScanProgress:
    """Call it with (done, total) as files are walked; `close()` when the work ends."""

    def __init__(
        self,
        stream: TextIO,
        *,
        what: str = "files",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream, self._what, self._clock = stream, what, clock
        self._started = clock()
        self._drawn_at: float | None = None
        self._done = self._total = 0

    def __call__(self, done: int, total: int) -> None:
        self._done, self._total = done, total
        now = self._clock()
        if self._drawn_at is None or now - self._drawn_at >= REDRAW_SECONDS or done == total:
            self._drawn_at = now
            self._draw(self.line(now))

    def line(self, now: float) -> str:
        """'scanning 12,345 of 100,000 files (12%), 2,780 files/s, 31 s left'."""
        done, total, what = self._done, self._total, self._what
        rate = done / max(now - self._started, 1e-6)
        share = f" ({done / total:.0%})" if total else ""
        text = f"scanning {done:,} of {total:,} {what}{share}, {rate:,.0f} {what}/s"
        if 0 < done < total and rate > 0:
            text += f", {(total - done) / rate:,.0f} s left"
        return text

    def close(self) -> None:
        """Replace the progress line by a summary (nothing if nothing was drawn)."""
        if self._drawn_at is None:
            return
        took = self._clock() - self._started
        rate = self._done / max(took, 1e-6)
        self._draw(f"scanned {self._done:,} {self._what} in {took:,.1f} s ({rate:,.0f}/s)\n")

    def _draw(self, text: str) -> None:
        self._stream.write(CLEAR + text)
        self._stream.flush()


def scan_progress(*, quiet: bool = False, stream: TextIO | None = None) -> ScanProgress | None:
    """A progress display on `stream` (stderr), or None where it must stay silent."""
    stream = sys.stderr if stream is None else stream
    if quiet or in_ci() or not _is_terminal(stream):
        return None
    return ScanProgress(stream)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False
