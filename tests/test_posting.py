"""Posting exactly once (bot/publishing/posting.py) when Slack's answer cannot be read, and
message metadata counting only on this bot's own messages.

Slack is the fake one, over real HTTP; the database is real (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections import Counter
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import fake_settings
from fakeslack import FakeSlack
from recordfiles import short_record, write_numbered
from slack_sdk import WebClient

from bot.config import Settings
from bot.publishing.claims import DIGEST, DIGEST_EVENT, REVIEW_EVENT
from bot.publishing.digest import run_digest
from bot.publishing.jobs import rescan
from bot.publishing.posting import find_posted, metadata
from bot.publishing.review import run_review
from bot.slack.client import make_client
from bot.status import collect
from bot.store.store import Store

NEWS = "C0NEWS"
REVIEW = "C0REVIEW"
DUE = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
NOW = DUE + timedelta(seconds=5)
OTHER_TOKEN = "xoxb-another-app"


def record(n: int) -> str:
    return short_record("Posted", "post", n, quality=95 - n)


def prepared(tmp_path: Path, fake: FakeSlack, store: Store, count: int, extra: str = ""):
    ids = write_numbered(tmp_path / "articles", "post", count, record)
    config = f"content_dir: articles\ndigests:\n  - channel: {NEWS}\n    size: 3\n{extra}"
    settings = fake_settings(tmp_path, fake, config)
    rescan(settings, store, NOW - timedelta(minutes=5))
    return settings, ids


def digest(settings: Settings, store: Store, due: datetime):
    client = make_client(settings)
    return run_digest(
        settings, store, client, settings.digests[0], due + timedelta(seconds=5), due_at=due
    )


@pytest.mark.parametrize("fault", ["truncated", "not_json"])
@pytest.mark.parametrize("landed", [True, False], ids=["landed", "lost"])
def test_an_unreadable_answer_is_looked_up_before_the_post_is_repeated(
    tmp_path: Path, fake: FakeSlack, store: Store, fault: str, landed: bool
) -> None:
    """Slack answers 200 with a body cut short (or a proxy's HTML page): the run looks in
    the channel, finds the post that landed or posts the lost one again: once either way,
    and the run finishes (the channel is never left held)."""
    settings, ids = prepared(tmp_path, fake, store, 6)
    fake.fail("chat.postMessage", fault, landed=landed)

    first = digest(settings, store, DUE)

    assert first.error is None, first
    assert fake.calls_to("conversations.history")  # it looked before posting again
    answers = [c.answered for c in fake.calls_to("chat.postMessage")]
    assert answers == ([fault] if landed else [fault, "ok"])
    assert Counter(fake.posted_items(NEWS)) == Counter(ids[:3])
    assert all(store.is_published(i, NEWS) for i in ids[:3])
    assert store.runs.unfinished(DIGEST, NEWS) is None

    second = digest(settings, store, DUE + timedelta(minutes=1))  # the next scheduled run

    assert sorted(second.posted) == ids[3:]
    assert Counter(fake.posted_items(NEWS)) == Counter(ids)
    assert collect(settings, store, NOW)["failures"] == []


def test_a_review_post_answered_unreadably_is_found_not_repeated(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    review = f"review:\n  channel: {REVIEW}\n  approvers: [U0EDITOR]\n  batch: 2\n"
    settings, ids = prepared(tmp_path, fake, store, 2, extra=review)
    fake.fail("chat.postMessage", "truncated", landed=True)

    outcome = run_review(settings, store, make_client(settings), NOW, due_at=DUE)

    assert outcome.error is None
    assert Counter(fake.posted_items(REVIEW)) == Counter(ids)
    assert sorted(a.id for a in store.reviews.pending_review()) == sorted(ids)


def test_every_answer_unreadable_fails_the_run_and_the_next_run_records_what_landed(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    """Every post's answer is cut short, and the look-ups too: the run cannot know what
    landed, so it fails (visibly, the channel freed); the next run reads the channel first
    and does not post those items again."""
    settings, ids = prepared(tmp_path, fake, store, 3)
    fake.fail("chat.postMessage", "truncated", landed=True, times=10)
    fake.fail("conversations.history", "truncated", times=10)

    failed = digest(settings, store, DUE)

    assert failed.error and "JSONDecodeError" in failed.error
    assert store.runs.unfinished(DIGEST, NEWS) is None  # finished as failed, not wedged
    assert [f["status"] for f in collect(settings, store, NOW)["failures"]] == ["failed"]
    assert len(fake.messages(NEWS)) == 1  # the post landed: Slack has it

    fake.clear_faults()
    later = digest(settings, store, DUE + timedelta(minutes=1))

    assert later.error is None and later.posted == []
    assert len(fake.messages(NEWS)) == 1  # nothing posted again
    assert all(store.is_published(i, NEWS) for i in ids)
    assert collect(settings, store, NOW)["failures"] == []


# --- metadata counts only on this bot's own messages ---------------------------------------


def imposter(fake: FakeSlack) -> WebClient:
    """Another app in the workspace, posting messages shaped like ours."""
    fake.add_app(OTHER_TOKEN, "U0OTHERBOT", "B0OTHER")
    return WebClient(token=OTHER_TOKEN, base_url=fake.url)


def test_a_look_up_ignores_another_apps_message_carrying_our_metadata(fake: FakeSlack) -> None:
    meta = metadata(DIGEST_EVENT, 7, 0, ["a1", "a2"])
    imposter(fake).chat_postMessage(channel=NEWS, text="copied", metadata=meta)
    ours = WebClient(token=fake.token, base_url=fake.url)

    assert find_posted(ours, NEWS, meta) is None
    ts = ours.chat_postMessage(channel=NEWS, text="ours", metadata=meta)["ts"]
    assert find_posted(ours, NEWS, meta) == ts


def test_another_apps_tagged_messages_never_mark_items_published(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    """Another app posts messages carrying our event type, the run id about to be resumed
    and our item ids: taking the run over must not count them as posted."""
    settings, ids = prepared(tmp_path, fake, store, 3)
    with closing(Store(store.engine.url.render_as_string(False), owner="gone:1:x")) as gone:
        run_id = gone.runs.claim(DIGEST, NEWS, DUE, NOW - timedelta(minutes=5))
    other = imposter(fake)
    other.chat_postMessage(channel=NEWS, text="x", metadata=metadata(DIGEST_EVENT, run_id, 0, ids))
    other.chat_postMessage(channel=REVIEW, text="x", metadata=metadata(REVIEW_EVENT, 1, 0, ids))

    outcome = digest(settings, store, DUE)

    assert sorted(outcome.posted) == ids[:3]  # posted for real, by us
    ours = [m for m in fake.messages(NEWS) if m["bot_id"] != "B0OTHER"]
    assert Counter(i for m in ours for i in m["metadata"]["event_payload"]["items"]) == Counter(ids)
