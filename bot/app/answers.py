"""Answers kept for a moment: a `/newsdesk next` is computed once, not once per request.

Picking what comes next reads the store and builds Block Kit: ~2.5 ms of CPU, ten times
what the rest of a request costs, so under load `next` alone saturated the process (~370
requests/s, p99 ~0.25 s at 32 connections). Everyone asking in one channel gets the same
answer until something changes, so it is kept and reused while it is provably current:

* until this process commits any write to the store (`Store.generation` moves: a scan, a
  decision, a publication, a review post, a run), then it is computed again;
* for at most `TTL_SECONDS`, for what other processes sharing the database write;
* and the key holds the caller's minute, so a clock that moves on (the age limit of
  articles) gets a new answer.

One caller computes a missing answer while the others asking the same wait for it (no
stampede of identical queries when it expires). Entries are few and bounded (`MAX_KEYS`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
TTL_SECONDS = 1.0
MAX_KEYS = 256


@dataclass(frozen=True, slots=True)
class _Entry:
    value: Any
    generation: int
    at: float


class Answers:
    """A small store of computed answers, valid for one store generation and a TTL."""

    def __init__(
        self,
        generation: Callable[[], int],
        *,
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._generation, self._ttl, self._clock = generation, ttl, clock
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer for `key`: kept if still current, else `compute()`d (once) and kept."""
        entry = self._current(key)
        if entry is not None:
            return entry.value
        with self._guard:
            lock = self._computing.setdefault(key, threading.Lock())
        try:
            with lock:
                entry = self._current(key)  # another caller may have just computed it
                if entry is None:
                    # Generation first: a write committed during compute() makes it stale.
                    entry = _Entry(None, self._generation(), self._clock())
                    entry = _Entry(compute(), entry.generation, entry.at)
                    self._keep(key, entry)
                return entry.value
        finally:
            with self._guard:
                if self._computing.get(key) is lock:
                    del self._computing[key]

    def _current(self, key: Hashable) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None or entry.generation != self._generation():
            return None
        return entry if self._clock() - entry.at < self._ttl else None

    def _keep(self, key: Hashable, entry: _Entry) -> None:
        with self._guard:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_KEYS:
                self._entries.popitem(last=False)
