"""Digest and review runs end to end: records on disk, a real Store, the fake Slack.

Each test checks what people would see: the messages Slack received (and in which thread),
what the store says is published or sent for review, and what `status` reports.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import fake_settings
from fakeslack import FakeSlack
from recordfiles import rich_record, write_numbered

from bot.config import Settings
from bot.content.article import APPROVED
from bot.publishing.digest import preview_digest, run_digest
from bot.publishing.jobs import rescan
from bot.publishing.posting import find_posted
from bot.publishing.review import preview_review, run_review
from bot.slack.client import make_client
from bot.status import as_text, collect
from bot.store.store import Store

NEWS = "C0NEWS"
REVIEW = "C0REVIEW"
SECRET = "DiGeSt-SeCuReD-TOKEN-5e6f+Qq==;MustNotLeak=="
IMAGE_ERROR = "[ERROR] downloading image failed [json-pointer:/blocks/3/image_url]"


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """For tests about Slack's behaviour, where the database does not matter."""
    opened = Store(f"sqlite:///{tmp_path / 'newsdesk.db'}")
    yield opened
    opened.close()


def record(n: int) -> str:
    title = f"Story number {n} in the news"
    return rich_record(
        n,
        title=title,
        lead=title,
        host="news",
        quality=90 - n,
        heat=n,
        day=1 + n % 25,
        more=f'secured: "{SECRET}"\n',
    )


def write_records(folder: Path, start: int, count: int) -> list[str]:
    return write_numbered(folder, "story", count, record, start)


def configure(tmp_path: Path, fake: FakeSlack, extra: str = "", size: int = 5) -> Settings:
    text = f"content_dir: articles\ndigests:\n  - channel: {NEWS}\n    size: {size}\n{extra}"
    return fake_settings(tmp_path, fake, text)


def prepared(
    tmp_path: Path, fake: FakeSlack, store: Store, count: int, extra: str = "", size: int = 5
) -> tuple[Settings, list[str]]:
    settings = configure(tmp_path, fake, extra, size)
    ids = write_records(settings.content_dir, 1, count)
    rescan(settings, store, now())
    return settings, ids


def now() -> datetime:
    return datetime.now(UTC)


def digest_of(settings: Settings):
    return settings.digests[0]


def sent_payloads(fake: FakeSlack) -> str:
    return json.dumps([c.args for c in fake.calls], ensure_ascii=False)


# --- a digest ----------------------------------------------------------------------------


def test_a_digest_is_posted_once_and_its_items_published(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    settings, ids = prepared(tmp_path, fake, store, 3)
    client = make_client(settings)

    outcome = run_digest(settings, store, client, digest_of(settings), now())

    assert outcome.error is None
    assert sorted(outcome.posted) == ids
    assert str(outcome) == f"digest for {NEWS}: posted 3 item(s)"
    (message,) = fake.messages(NEWS)
    assert message["blocks"][0]["type"] == "header"
    assert message["blocks"][0]["text"]["text"].startswith("Newsdesk digest · ")
    assert "Story number 1 in the news" in json.dumps(message["blocks"], ensure_ascii=False)
    assert message["metadata"]["event_type"] == "newsdesk_digest"
    assert sorted(message["metadata"]["event_payload"]["items"]) == ids
    assert all(store.is_published(i, NEWS) for i in ids)
    (call,) = fake.calls_to("chat.postMessage")
    assert "item_ids" not in call.args  # bookkeeping, not part of Slack's payload
    assert SECRET not in sent_payloads(fake)
    (run,) = collect(settings, store, now())["last_runs"]
    assert (run["kind"], run["key"], run["status"], run["posted"]) == ("digest", NEWS, "done", 3)

    again = run_digest(settings, store, client, digest_of(settings), now())

    assert again.posted == [] and again.error is None
    assert str(again) == f"digest for {NEWS}: nothing to post"
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert len(fake.messages(NEWS)) == 1


def test_preview_posts_nothing_and_matches_the_run(
    tmp_path: Path, fake: FakeSlack, sqlite_store: Store
) -> None:
    settings, ids = prepared(tmp_path, fake, sqlite_store, 4, size=3)

    shown = [a.id for a in preview_digest(settings, sqlite_store, digest_of(settings), now())]

    assert shown == ids[:3]  # best quality first
    assert fake.calls == []
    outcome = run_digest(settings, sqlite_store, make_client(settings), digest_of(settings), now())
    assert outcome.posted == shown


def test_a_long_digest_continues_in_a_thread_and_posts_each_item_once(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    settings, ids = prepared(tmp_path, fake, store, 10, size=10)

    outcome = run_digest(settings, store, make_client(settings), digest_of(settings), now())

    assert outcome.error is None
    messages = fake.messages(NEWS)
    assert len(messages) >= 2
    top, *replies = messages
    assert "thread_ts" not in top or top["thread_ts"] == top["ts"]
    assert all(r["thread_ts"] == top["ts"] for r in replies)
    assert all(len(m["blocks"]) <= 50 for m in messages)
    assert sorted(fake.posted_items(NEWS)) == ids  # every item, each exactly once
    assert sorted(outcome.posted) == ids
    assert all(store.is_published(i, NEWS) for i in ids)
    assert fake.calls_to("chat.postMessage")[-1].answered == "ok"


def test_a_dead_image_is_dropped_and_the_digest_still_posted(
    tmp_path: Path, fake: FakeSlack, sqlite_store: Store
) -> None:
    settings, ids = prepared(tmp_path, fake, sqlite_store, 2)
    fake.fail("chat.postMessage", "error", error="invalid_blocks", messages=[IMAGE_ERROR])

    outcome = run_digest(settings, sqlite_store, make_client(settings), digest_of(settings), now())

    assert outcome.error is None
    first, second = fake.calls_to("chat.postMessage")
    assert any(b["type"] == "image" for b in first.args["blocks"])
    assert not any(b["type"] == "image" for b in second.args["blocks"])
    (message,) = fake.messages(NEWS)
    assert not any(b["type"] == "image" for b in message["blocks"])
    assert sorted(fake.posted_items(NEWS)) == ids
    assert all(sqlite_store.is_published(i, NEWS) for i in ids)


def test_a_rejected_digest_leaves_items_unpublished_and_shows_in_status(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    settings, ids = prepared(tmp_path, fake, store, 3)
    client = make_client(settings)
    fake.fail("chat.postMessage", "error", error="channel_not_found")

    outcome = run_digest(settings, store, client, digest_of(settings), now())

    assert outcome.error == "channel_not_found"
    assert outcome.posted == []
    assert "failed: channel_not_found" in str(outcome)
    assert not any(store.is_published(i, NEWS) for i in ids)
    report = collect(settings, store, now())
    (failure,) = report["failures"]
    assert failure["status"] == "failed"
    assert "channel_not_found" in failure["error"]
    text = as_text(report)
    assert "Failures:" in text
    assert "channel_not_found" in text

    # Once the channel is fixed, the next run posts the same items.
    retry = run_digest(settings, store, client, digest_of(settings), now())
    assert sorted(retry.posted) == ids
    assert sorted(fake.posted_items(NEWS)) == ids


def test_in_review_mode_a_failed_digest_is_reported_to_the_editors(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    review = f"review:\n  channel: {REVIEW}\n  approvers: [U0EDITOR]\n"
    settings, ids = prepared(tmp_path, fake, store, 2, extra=review)
    for item in ids:
        store.reviews.decide(item, APPROVED, "U0EDITOR", now())
    fake.fail("chat.postMessage", "error", error="channel_not_found")

    outcome = run_digest(settings, store, make_client(settings), digest_of(settings), now())

    assert outcome.error == "channel_not_found"
    assert not any(store.is_published(i, NEWS) for i in ids)
    assert fake.messages(NEWS) == []
    (note,) = fake.messages(REVIEW)
    assert f"<#{NEWS}>" in note["text"]
    assert "channel_not_found" in note["text"]
    assert "2 item(s)" in note["text"]


def test_rate_limits_and_server_errors_are_retried_and_each_item_posted_once(
    tmp_path: Path, fake: FakeSlack, sqlite_store: Store
) -> None:
    settings, ids = prepared(tmp_path, fake, sqlite_store, 10, size=10)
    fake.fail("chat.postMessage", "ratelimited", retry_after=1)
    fake.fail("chat.postMessage", "server_error")

    outcome = run_digest(settings, sqlite_store, make_client(settings), digest_of(settings), now())

    assert outcome.error is None
    answers = [c.answered for c in fake.calls_to("chat.postMessage")]
    assert answers[:2] == ["429", "500"]
    assert set(answers[2:]) == {"ok"}
    assert sorted(fake.posted_items(NEWS)) == ids
    assert all(sqlite_store.is_published(i, NEWS) for i in ids)


def test_a_post_slower_than_the_client_timeout_lands_once(
    tmp_path: Path, fake: FakeSlack, sqlite_store: Store
) -> None:
    """Slack accepted the message but the answer came too late: no second copy."""
    settings, ids = prepared(tmp_path, fake, sqlite_store, 3)
    client = make_client(settings)
    client.timeout = 1
    fake.fail("chat.postMessage", "slow", delay=1.8)

    outcome = run_digest(settings, sqlite_store, client, digest_of(settings), now())
    calls = fake.calls_to("chat.postMessage")
    fake.wait_for("chat.postMessage", count=len(calls), timeout=10)  # the slow one finished

    messages = fake.messages(NEWS)
    assert len(messages) == 1, f"{len(messages)} copies of the digest were posted"
    assert Counter(fake.posted_items(NEWS)) == Counter(ids)
    assert find_posted(client, NEWS, messages[0]["metadata"]) == messages[0]["ts"]
    assert outcome.error is None
    assert sorted(outcome.posted) == ids
    assert all(sqlite_store.is_published(i, NEWS) for i in ids)


def test_a_dropped_connection_is_checked_then_posted_once(
    tmp_path: Path, fake: FakeSlack, sqlite_store: Store
) -> None:
    """The request never reached Slack: the run looks, finds nothing, posts once."""
    settings, ids = prepared(tmp_path, fake, sqlite_store, 3)
    client = make_client(settings)
    client.timeout = 1  # how long it waits for a lost post to show up is bounded by this
    fake.fail("chat.postMessage", "drop")

    outcome = run_digest(settings, sqlite_store, client, digest_of(settings), now())

    assert outcome.error is None
    assert [c.answered for c in fake.calls_to("chat.postMessage")] == ["dropped", "ok"]
    assert fake.calls_to("conversations.history")  # it checked before posting again
    assert Counter(fake.posted_items(NEWS)) == Counter(ids)
    assert all(sqlite_store.is_published(i, NEWS) for i in ids)


def test_two_runs_for_the_same_due_time_post_once(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    settings, ids = prepared(tmp_path, fake, store, 3)
    client = make_client(settings)
    due = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    first = run_digest(settings, store, client, digest_of(settings), now(), due_at=due)
    second = run_digest(settings, store, client, digest_of(settings), now(), due_at=due)

    assert sorted(first.posted) == ids
    assert second.skipped and second.posted == []
    assert "already run" in str(second)
    assert len(fake.messages(NEWS)) == 1


def test_two_processes_posting_the_same_channel_at_once_never_repeat_an_item(
    tmp_path: Path, fake: FakeSlack, db_url: str
) -> None:
    """`newsdesk digest` by hand while the scheduled digest is posting (different due times,
    two processes, one database): each item is still published at most once per channel."""
    settings = configure(tmp_path, fake)
    ids = write_records(settings.content_dir, 1, 3)
    stores = [Store(db_url), Store(db_url)]
    try:
        rescan(settings, stores[0], now())
        fake.set_delay("chat.postMessage", 0.5)  # both pick before either has posted
        barrier = threading.Barrier(2)
        outcomes: list = [None, None]

        def worker(i: int) -> None:
            barrier.wait()
            due = datetime(2026, 11, 27, 9, i, tzinfo=UTC)
            client = make_client(settings)
            outcomes[i] = run_digest(
                settings, stores[i], client, digest_of(settings), now(), due_at=due
            )

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        for s in stores:
            s.close()

    assert Counter(fake.posted_items(NEWS)) == Counter(ids)


# --- review rounds ---------------------------------------------------------------------------


def test_a_review_round_posts_one_message_per_item_with_decision_buttons(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    review = f"review:\n  channel: {REVIEW}\n  approvers: [U0EDITOR]\n  batch: 3\n"
    settings, ids = prepared(tmp_path, fake, store, 3, extra=review)
    client = make_client(settings)

    outcome = run_review(settings, store, client, now())

    assert outcome.error is None
    assert sorted(outcome.posted) == ids
    messages = fake.messages(REVIEW)
    assert len(messages) == 3
    for message in messages:
        (item,) = message["metadata"]["event_payload"]["items"]
        assert message["metadata"]["event_type"] == "newsdesk_review"
        buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
        labels = {e["text"]["text"]: e.get("value") for e in buttons}
        assert {"Approve", "Edit", "Reject"} <= set(labels)
        assert labels["Approve"] == labels["Reject"] == item
        assert store.reviews.review_post(item) == (REVIEW, message["ts"])
    assert sorted(a.id for a in store.reviews.pending_review()) == ids
    assert fake.messages(NEWS) == []  # nothing is published by a review round
    assert SECRET not in sent_payloads(fake)

    # New records arrive: the next round sends only those.
    new = write_records(settings.content_dir, 20, 2)
    rescan(settings, store, now())
    assert [a.id for a in preview_review(settings, store, now())] == new

    second = run_review(settings, store, client, now() + timedelta(minutes=1))

    assert sorted(second.posted) == new
    assert len(fake.messages(REVIEW)) == 5
    assert Counter(fake.posted_items(REVIEW)) == Counter(ids + new)


def test_in_review_mode_the_digest_takes_approved_items_only(
    tmp_path: Path, fake: FakeSlack, sqlite_store: Store
) -> None:
    review = f"review:\n  channel: {REVIEW}\n  approvers: [U0EDITOR]\n"
    settings, ids = prepared(tmp_path, fake, sqlite_store, 3, extra=review)
    sqlite_store.reviews.decide(
        ids[1], APPROVED, "U0EDITOR", now(), title="Edited Title For Story 2"
    )

    outcome = run_digest(settings, sqlite_store, make_client(settings), digest_of(settings), now())

    assert outcome.posted == [ids[1]]
    (message,) = fake.messages(NEWS)
    assert "Edited Title For Story 2" in json.dumps(message["blocks"])


def test_a_timed_out_review_post_is_found_instead_of_repeated(
    tmp_path: Path, fake: FakeSlack, sqlite_store: Store
) -> None:
    review = f"review:\n  channel: {REVIEW}\n  approvers: [U0EDITOR]\n  batch: 2\n"
    settings, ids = prepared(tmp_path, fake, sqlite_store, 2, extra=review)
    client = make_client(settings)
    client.timeout = 1
    fake.fail("chat.postMessage", "slow", delay=1.8)

    started = time.monotonic()
    outcome = run_review(settings, sqlite_store, client, now())
    fake.wait_for("chat.postMessage", count=len(fake.calls_to("chat.postMessage")), timeout=10)

    assert time.monotonic() - started < 20
    assert Counter(fake.posted_items(REVIEW)) == Counter(ids)
    assert outcome.error is None
