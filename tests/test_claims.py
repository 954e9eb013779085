"""Claims: a run whose lease lapsed is taken over (or closed), a live owner's run is left alone.

The dead owner's posts are real messages in the fake Slack channel, carrying the metadata
Newsdesk puts on every digest post; the new owner must record them, not post them again.
"""

from __future__ import annotations

import socket
from collections import Counter
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import fake_settings
from fakeslack import FakeSlack
from recordfiles import short_record, write_numbered

from bot.config import Settings
from bot.publishing.claims import DIGEST, DIGEST_EVENT, RUN_LEASE, claim
from bot.publishing.digest import run_digest
from bot.publishing.jobs import catch_up, rescan
from bot.slack.blockkit.packing import digest_messages
from bot.slack.client import make_client, post
from bot.status import collect
from bot.store.store import Store

NEWS = "C0NEWS"
DUE = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
NOW = DUE + timedelta(minutes=2)


@pytest.fixture
def dead_owner() -> str:
    """The owner id of a process that stopped (its runs below are claimed well before NOW,
    so their leases have lapsed)."""
    return f"{socket.gethostname()}:4242:0123456789ab"


def claim_as(store: Store, owner: str, due: datetime, now: datetime) -> int:
    """A run claimed by another process (the same database, another owner id)."""
    with closing(Store(store.engine.url.render_as_string(False), owner=owner)) as other:
        return other.runs.claim(DIGEST, NEWS, due, now)


def record(n: int) -> str:
    return short_record("Claimed", "claim", n, quality=95 - n)


def prepared(tmp_path: Path, fake: FakeSlack, store: Store, count: int) -> tuple[Settings, list]:
    ids = write_numbered(tmp_path / "articles", "claim", count, record)
    config = f"content_dir: articles\ndigests:\n  - channel: {NEWS}\n    size: 10\n"
    settings = fake_settings(tmp_path, fake, config)
    rescan(settings, store, NOW - timedelta(minutes=5))
    return settings, ids


def post_as_dead_owner(
    settings: Settings, store: Store, run_id: int, parts: list[list[str]]
) -> list[str]:
    """What the owner got posted before it died: a digest message, then thread replies."""
    client = make_client(settings)
    tss: list[str] = []
    for part, ids in enumerate(parts):
        [message] = digest_messages(store.articles(ids), DUE.date(), settings.timezone)[:1]
        message.pop("item_ids", None)
        meta = {"event_type": DIGEST_EVENT, "event_payload": {"run": run_id, "part": part}}
        meta["event_payload"]["items"] = ids
        tss.append(post(client, NEWS, message, thread_ts=tss[0] if tss else None, metadata=meta))
    return tss


def runs(settings: Settings, store: Store) -> list[tuple[str, str]]:
    return [(r["due_at"], r["status"]) for r in collect(settings, store, NOW)["last_runs"]]


def digest(settings: Settings):
    return settings.digests[0]


def test_a_dead_owners_run_is_taken_over_and_what_it_posted_is_not_posted_again(
    tmp_path: Path, fake: FakeSlack, store: Store, dead_owner: str
) -> None:
    settings, ids = prepared(tmp_path, fake, store, 6)
    run_id = claim_as(store, dead_owner, DUE, NOW - timedelta(minutes=1))
    # It got the top message and one thread reply out, then died before recording them.
    top, reply = post_as_dead_owner(settings, store, run_id, [ids[:2], ids[2:3]])
    assert not any(store.is_published(i, NEWS) for i in ids)

    outcome = run_digest(settings, store, make_client(settings), digest(settings), NOW, due_at=DUE)

    assert not outcome.skipped and outcome.error is None
    assert sorted(outcome.posted) == ids[3:]  # only the rest
    assert Counter(fake.posted_items(NEWS)) == Counter(ids)  # each item once in the channel
    assert all(store.is_published(i, NEWS) for i in ids)
    published = {a.id: ts for a, _, ts, _ in store.latest_published(10)}
    assert [published[i] for i in ids[:3]] == [top, top, reply]  # the dead owner's posts
    assert runs(settings, store) == [(DUE.isoformat(), "done")]  # the same run, finished
    assert collect(settings, store, NOW)["failures"] == []

    again = run_digest(settings, store, make_client(settings), digest(settings), NOW, due_at=DUE)
    assert again.skipped and len(fake.messages(NEWS)) == 3


def test_a_live_owners_run_is_not_taken_over(tmp_path: Path, fake: FakeSlack, store: Store) -> None:
    settings, ids = prepared(tmp_path, fake, store, 3)
    # Another process, alive: its heartbeat is fresh.
    run_id = claim_as(store, "elsewhere:1:live", DUE, NOW - timedelta(seconds=5))
    client = make_client(settings)

    assert claim(store, client, DIGEST, NEWS, DUE, NOW) is None
    outcome = run_digest(settings, store, client, digest(settings), NOW, due_at=DUE)

    assert outcome.skipped and outcome.posted == []
    assert fake.messages(NEWS) == []
    assert fake.calls_to("conversations.history") == []  # no reconciling of a live run
    assert store.runs.unfinished(DIGEST, NEWS)["id"] == run_id
    assert not any(store.is_published(i, NEWS) for i in ids)


def test_a_stale_heartbeat_from_another_host_is_taken_over_only_after_the_lease(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    settings, ids = prepared(tmp_path, fake, store, 4)
    elsewhere = "newsdesk-other-host.example:4242"  # its pid means nothing here
    beat = NOW - RUN_LEASE - timedelta(seconds=30)
    run_id = claim_as(store, elsewhere, DUE, beat)
    [top] = post_as_dead_owner(settings, store, run_id, [ids[:1]])
    client = make_client(settings)

    # Within the lease the other host may just be slow: hands off.
    within = beat + RUN_LEASE - timedelta(seconds=1)
    assert run_digest(settings, store, client, digest(settings), within, due_at=DUE).skipped
    assert len(fake.messages(NEWS)) == 1

    outcome = run_digest(settings, store, client, digest(settings), NOW, due_at=DUE)

    assert not outcome.skipped and outcome.error is None
    assert sorted(outcome.posted) == ids[1:]
    assert Counter(fake.posted_items(NEWS)) == Counter(ids)
    assert all(store.is_published(i, NEWS) for i in ids)
    published = {a.id: ts for a, _, ts, _ in store.latest_published(10)}
    assert published[ids[0]] == top  # recorded from the other host's post
    assert runs(settings, store) == [(DUE.isoformat(), "done")]


def test_an_abandoned_run_for_another_due_time_is_closed_and_the_new_run_proceeds(
    tmp_path: Path, fake: FakeSlack, store: Store, dead_owner: str
) -> None:
    settings, ids = prepared(tmp_path, fake, store, 5)
    yesterday = DUE - timedelta(days=1)
    old = claim_as(store, dead_owner, yesterday, yesterday)
    post_as_dead_owner(settings, store, old, [ids[:2]])

    outcome = run_digest(settings, store, make_client(settings), digest(settings), NOW, due_at=DUE)

    assert outcome.error is None and sorted(outcome.posted) == ids[2:]
    assert Counter(fake.posted_items(NEWS)) == Counter(ids)
    assert all(store.is_published(i, NEWS) for i in ids)
    report = collect(settings, store, NOW)
    new_run, closed = report["last_runs"]
    assert (new_run["due_at"], new_run["status"]) == (DUE.isoformat(), "done")
    assert (closed["due_at"], closed["status"]) == (yesterday.isoformat(), "abandoned")
    assert dead_owner in closed["error"]
    assert report["failures"] == []
    assert store.runs.unfinished(DIGEST, NEWS) is None


def test_a_failed_history_read_during_takeover_does_not_stop_the_other_digests(
    tmp_path: Path, fake: FakeSlack, store: Store, dead_owner: str
) -> None:
    """Slack refuses conversations.history (e.g. a missing scope) while a dead run is taken
    over: that digest cannot safely go on, but the failure must show in `status`, and the
    start-up catch-up must still post the other channel's digest."""
    _, ids = prepared(tmp_path, fake, store, 2)
    config = (
        "content_dir: articles\ndigests:\n"
        f'  - {{channel: {NEWS}, schedule: "0 9 * * *"}}\n'
        '  - {channel: C0SPORTS, schedule: "0 9 * * *"}\n'
    )
    settings = fake_settings(tmp_path, fake, config)
    claim_as(store, dead_owner, DUE, NOW - timedelta(minutes=1))
    fake.fail("conversations.history", "error", error="missing_scope")

    catch_up(settings, store, make_client(settings), NOW)

    sports = fake.posted_items("C0SPORTS")
    assert sorted(sports) == ids
    assert fake.messages(NEWS) == []  # nothing posted blind
    report = collect(settings, store, NOW)
    assert any("missing_scope" in (f["error"] or "") for f in report["failures"]), report


def test_a_channel_held_past_the_wait_fails_visibly(
    tmp_path: Path, fake: FakeSlack, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another live run keeps the channel: this run gives up, and `status` says so."""
    import bot.publishing.claims

    monkeypatch.setattr(bot.publishing.claims, "CLAIM_WAIT_SECONDS", 0.3)
    settings, _ = prepared(tmp_path, fake, store, 2)
    claim_as(store, "elsewhere:1:live", DUE, NOW)  # live: its lease is fresh

    later = DUE + timedelta(hours=1)
    outcome = run_digest(
        settings, store, make_client(settings), settings.digests[0], NOW, due_at=later
    )

    assert outcome.error and "still being posted" in outcome.error
    assert fake.messages(NEWS) == []
    failures = collect(settings, store, NOW)["failures"]
    assert [f["status"] for f in failures] == ["failed"]
    assert "still being posted" in failures[0]["error"]
