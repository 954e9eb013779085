"""A run that fails after its claim, for any reason, is finished as failed and frees the
channel (bot/publishing/runner.py): here the database refuses a write in the middle of a
digest, for real, right after Slack took a post.

PostgreSQL: the store's connection is terminated (pg_terminate_backend) while it waits to
record the post. SQLite: another connection holds BEGIN EXCLUSIVE past the busy timeout.
Either way the post that landed is recorded before the run is finished, and the next
scheduled run posts the rest: every item exactly once.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from factories import fake_settings
from fakeslack import Call, FakeSlack
from newsdeskproc import until
from recordfiles import short_record, write_numbered
from sqlalchemy.pool import NullPool

from bot.config import Settings
from bot.publishing.claims import DIGEST
from bot.publishing.digest import run_digest
from bot.publishing.jobs import rescan
from bot.slack.client import make_client
from bot.status import collect
from bot.store.sql import SQLITE_BUSY_MS
from bot.store.store import Store

NEWS = "C0NEWS"
DUE = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def record(n: int) -> str:
    return short_record("Blip", "blip", n, quality=95 - n)


def prepared(tmp_path: Path, fake: FakeSlack, store: Store) -> tuple[Settings, list[str]]:
    ids = write_numbered(tmp_path / "articles", "blip", 6, record)
    config = f"content_dir: articles\ndigests:\n  - channel: {NEWS}\n    size: 3\n"
    settings = fake_settings(tmp_path, fake, config)
    rescan(settings, store, DUE - timedelta(minutes=5))
    return settings, ids


def pg_breaker(pg_url: str) -> Iterator[Callable[[Call], None]]:
    """A hook that locks `publications` and terminates the store's connection once it waits
    on that lock, then lets go: a database that went away in the middle of a write."""
    url = sa.make_url(pg_url)
    app = url.query["application_name"]
    admin = sa.create_engine(
        url.update_query_dict({"application_name": "breaker"}), poolclass=NullPool
    )
    threads: list[threading.Thread] = []

    def hook(_call: Call) -> None:
        locker = admin.connect()
        locker.begin()
        locker.execute(sa.text("LOCK TABLE publications IN ACCESS EXCLUSIVE MODE"))

        def kill_the_waiter() -> None:
            waiting = sa.text(
                "SELECT pid FROM pg_stat_activity WHERE application_name = :app"
                " AND wait_event_type = 'Lock'"
            )
            with admin.connect() as conn:
                pid = until(lambda: conn.execute(waiting, {"app": app}).scalar(), 10, "a waiter")
                conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            locker.rollback()
            locker.close()

        threads.append(threading.Thread(target=kill_the_waiter))
        threads[-1].start()

    yield hook
    for thread in threads:
        thread.join(20)
    admin.dispose()


def sqlite_breaker(path: Path) -> Iterator[Callable[[Call], None]]:
    """A hook that makes another connection hold the database exclusively for longer than
    the store waits for a lock, then lets go."""
    timers: list[threading.Timer] = []

    def hook(_call: Call) -> None:
        locker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        locker.execute("BEGIN EXCLUSIVE")

        def release() -> None:
            locker.execute("ROLLBACK")
            locker.close()

        timers.append(threading.Timer(SQLITE_BUSY_MS / 1000 + 1.5, release))
        timers[-1].start()

    yield hook
    for timer in timers:
        timer.join(30)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def broken_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Callable]]:
    """(database URL, a FakeSlack hook that breaks that database's next write)."""
    if request.param == "sqlite":
        path = tmp_path / "newsdesk.db"
        yield from ((f"sqlite:///{path}", hook) for hook in sqlite_breaker(path))
    else:
        url = request.getfixturevalue("pg_url")
        yield from ((url, hook) for hook in pg_breaker(url))


def test_a_database_error_mid_digest_fails_the_run_and_the_next_run_goes_ahead(
    tmp_path: Path, fake: FakeSlack, broken_db: tuple[str, Callable]
) -> None:
    url, break_the_database = broken_db
    store = Store(url)
    try:
        settings, ids = prepared(tmp_path, fake, store)
        fake.after("chat.postMessage", break_the_database)  # the post lands, then the blip
        client = make_client(settings)

        started = time.monotonic()
        first = run_digest(settings, store, client, settings.digests[0], DUE, due_at=DUE)

        assert first.error, first  # the run saw the database refuse the write
        assert time.monotonic() - started < 40
        assert store.runs.unfinished(DIGEST, NEWS) is None  # finished, the channel free
        failures = collect(settings, store, DUE)["failures"]
        assert [f["status"] for f in failures] == ["failed"]
        assert fake.posted_items(NEWS) == ids[:3]
        assert all(store.is_published(i, NEWS) for i in ids[:3])  # recorded after all

        later = DUE + timedelta(minutes=1)  # the next scheduled run
        second = run_digest(settings, store, client, settings.digests[0], later, due_at=later)

        assert second.error is None and sorted(second.posted) == ids[3:]
        assert Counter(fake.posted_items(NEWS)) == Counter(ids)
        assert all(store.is_published(i, NEWS) for i in ids)
        assert collect(settings, store, later)["failures"] == []
    finally:
        store.close()
