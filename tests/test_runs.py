"""The run ledger (bot/store/runs.py) and run ownership (bot/publishing/claims.py).

Owners are told apart by a unique id per process start, not by host and pid: two replicas
in containers share a hostname and are both pid 1. A run is taken over only once its
heartbeat lease lapsed, and an owner that lost its run can no longer beat or finish it.
"""

from __future__ import annotations

import socket
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from factories import run_together
from fakeslack import FakeSlack
from slack_sdk import WebClient

from bot.publishing.claims import DIGEST, RUN_LEASE, Busy, claim
from bot.store.store import Store

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
DUE = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
NEWS = "C0NEWS"
# Two replicas: same hostname, both pid 1, told apart only by their per-process ids.
REPLICA_A = f"{socket.gethostname()}:1:aaaaaaaaaaaa"
REPLICA_B = f"{socket.gethostname()}:1:bbbbbbbbbbbb"


def test_a_run_is_claimed_once_across_processes(db_url: str) -> None:
    first, second = Store(db_url), Store(db_url)
    try:
        due = datetime(2024, 5, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
        claims = run_together(
            lambda: first.runs.claim("digest", "C1", due, NOW),
            lambda: second.runs.claim("digest", "C1", due.astimezone(UTC), NOW),
        )
        assert sorted(claims, key=lambda c: c is None)[1] is None
        winner = next(c for c in claims if c is not None)
        owner, other = (first, second) if claims[0] is not None else (second, first)
        tomorrow = due + timedelta(days=1)
        # While one run of a channel is in progress, no other may start (any due time).
        assert other.runs.claim("digest", "C1", tomorrow, NOW) is None
        assert not other.runs.finish(winner, "ok", NOW)  # only its owner may finish it

        assert owner.runs.finish(winner, "ok", NOW + timedelta(seconds=3), posted=4)
        later = second.runs.claim("digest", "C1", tomorrow, NOW + timedelta(days=1))
        assert later is not None and later != winner
        second.runs.finish(later, "error", NOW + timedelta(days=1), error="not_in_channel")
        runs = first.runs.recent()
        assert [(r["status"], r["posted"], r["error"]) for r in runs] == [
            ("error", 0, "not_in_channel"),
            ("ok", 4, None),
        ]
        assert runs[1]["due_at"] == due and runs[1]["due_at"].tzinfo == UTC
        assert runs[1]["finished_at"] == NOW + timedelta(seconds=3)
        assert len(first.runs.recent(limit=1)) == 1
    finally:
        first.close()
        second.close()


def test_each_store_has_its_own_owner_id(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    with closing(Store(url)) as a, closing(Store(url)) as b:
        assert a.runs.owner != b.runs.owner
        assert a.runs.owner.startswith(f"{socket.gethostname()}:")
    with closing(Store(url, owner=REPLICA_A)) as given:
        assert given.runs.owner == REPLICA_A


@pytest.fixture
def replicas(db_url: str):
    """Two stores on one database, like two containers: same host, same pid 1."""
    a, b = Store(db_url, owner=REPLICA_A), Store(db_url, owner=REPLICA_B)
    yield a, b
    a.close()
    b.close()


def client_of(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.token, base_url=fake.url, timeout=5)


def test_a_replicas_live_run_is_not_taken_over_even_with_the_same_host_and_pid(
    replicas: tuple[Store, Store], fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.publishing.claims

    monkeypatch.setattr(bot.publishing.claims, "CLAIM_WAIT_SECONDS", 0.3)
    a, b = replicas
    run_id = a.runs.claim(DIGEST, NEWS, DUE, NOW)

    # The same due time: B leaves A's run alone (no reconciling, no takeover).
    assert claim(b, client_of(fake), DIGEST, NEWS, DUE, NOW + timedelta(seconds=5)) is None
    # Another due time: B waits for the channel, then gives up visibly.
    with pytest.raises(Busy):
        claim(b, client_of(fake), DIGEST, NEWS, DUE + timedelta(hours=1), NOW)
    assert fake.calls_to("conversations.history") == []
    assert a.runs.unfinished(DIGEST, NEWS)["owner"] == REPLICA_A
    assert a.runs.beat(run_id, NOW + timedelta(seconds=10))  # still A's


def test_a_replicas_run_is_taken_over_once_its_lease_lapsed(
    replicas: tuple[Store, Store], fake: FakeSlack
) -> None:
    a, b = replicas
    run_id = a.runs.claim(DIGEST, NEWS, DUE, NOW)
    later = NOW + RUN_LEASE + timedelta(seconds=1)

    assert claim(b, client_of(fake), DIGEST, NEWS, DUE, later) == run_id

    assert b.runs.unfinished(DIGEST, NEWS)["owner"] == REPLICA_B
    assert fake.calls_to("conversations.history")  # B read what A had posted first
    # A woke up: its lease is gone, so it can neither renew nor finish B's run.
    assert not a.runs.beat(run_id, later)
    assert not a.runs.finish(run_id, "done", later)
    assert b.runs.finish(run_id, "done", later)


def test_a_lapsed_run_for_another_due_time_is_closed_and_the_channel_freed(
    replicas: tuple[Store, Store], fake: FakeSlack
) -> None:
    a, b = replicas
    old = a.runs.claim(DIGEST, NEWS, DUE - timedelta(days=1), NOW)
    later = NOW + RUN_LEASE + timedelta(seconds=1)

    new = claim(b, client_of(fake), DIGEST, NEWS, DUE, later)

    assert new is not None and new != old
    statuses = {r["due_at"]: r["status"] for r in b.runs.recent()}
    assert statuses == {DUE - timedelta(days=1): "abandoned", DUE: "running"}
    assert REPLICA_A in b.runs.recent()[1]["error"]


def test_failed_runs_since_the_last_success_are_listed_for_resuming(store: Store) -> None:
    def run(status: str, hour: int) -> int:
        run_id = store.runs.claim(DIGEST, NEWS, DUE.replace(hour=hour), NOW)
        store.runs.finish(run_id, status, NOW)
        return run_id

    run("failed", 1)  # settled: a later run worked
    run("done", 2)
    failures = [run("failed", 3), run("failed", 4)]
    current = store.runs.claim(DIGEST, NEWS, DUE.replace(hour=6), NOW)

    assert store.runs.failed_since_success(DIGEST, NEWS, current) == failures[::-1]
    assert store.runs.failed_since_success(DIGEST, "C0OTHER", current) == []
