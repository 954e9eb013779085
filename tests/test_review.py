"""Review rounds and "decisions bind content" (bot/publishing/review.py, SPEC §3).

An approval is for what the approver saw: when a record's URL, title, excerpt or image
changes upstream (the file is edited, then rescanned), the decision is no longer in force,
the item goes back to review, and the old decision and review post stay in history. An
edit that touches none of those (heat, quality) leaves the decision standing.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import fake_settings
from fakeslack import FakeSlack
from recordfiles import short_record, write_numbered

from bot.config import Settings
from bot.content.article import APPROVED, REJECTED
from bot.publishing.digest import preview_digest, run_digest
from bot.publishing.jobs import rescan
from bot.publishing.review import preview_review, run_review
from bot.slack.client import make_client
from bot.store.store import Store

NEWS, REVIEW, EDITOR = "C0NEWS", "C0REVIEW", "U0EDITOR"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def record(n: int) -> str:
    return short_record("Reviewed", "review", n, quality=95 - n)


@pytest.fixture
def settings(tmp_path: Path, fake: FakeSlack) -> Settings:
    config = (
        f"content_dir: articles\ndigests:\n  - channel: {NEWS}\n"
        f"review:\n  channel: {REVIEW}\n  approvers: [{EDITOR}]\n  batch: 5\n"
    )
    return fake_settings(tmp_path, fake, config)


def edit_file(settings: Settings, item_id: str, old: str, new: str) -> None:
    path = settings.content_dir / f"{item_id}.md"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    stat = path.stat()  # a new mtime, as a real edit has, whatever the clock's resolution
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def review_round(settings: Settings, store: Store, when: datetime) -> list[str]:
    outcome = run_review(settings, store, make_client(settings), when, due_at=when)
    assert outcome.error is None, outcome
    return outcome.posted


def ids_of(articles) -> list[str]:
    return [a.id for a in articles]


def test_an_upstream_change_sends_an_approved_item_back_to_review(
    settings: Settings, fake: FakeSlack, store: Store
) -> None:
    first, second, old_ts = approve_one_reject_the_other(settings, store)

    edit_file(settings, first, "what happened and why", "what really happened and why")
    rescan(settings, store, NOW + timedelta(minutes=5))

    assert_back_in_review(settings, store, first, second)
    later = NOW + timedelta(hours=1)
    new_ts = assert_a_fresh_card(settings, fake, store, first, old_ts, later)

    # A click on the stale card decides on what that card showed: not in force.
    store.reviews.decide(
        first, APPROVED, EDITOR, later, seen=store.reviews.shown_in(REVIEW, old_ts)
    )
    assert store.reviews.decision(first) is None
    # A click on the fresh card does; the old Edit's title is not carried over.
    store.reviews.decide(
        first, APPROVED, EDITOR, later, seen=store.reviews.shown_in(REVIEW, new_ts)
    )
    outcome = run_digest(settings, store, make_client(settings), settings.digests[0], later)
    assert outcome.posted == [first]
    [message] = fake.messages(NEWS)
    assert "Edited by the desk" not in json.dumps(message["blocks"])
    assert "what really happened" in json.dumps(message["blocks"])


def approve_one_reject_the_other(settings: Settings, store: Store) -> tuple[str, str, str]:
    """Two items sent for review: the first approved with an edited title, the second
    rejected; (first, second, the ts of the first's review card)."""
    first, second = write_numbered(settings.content_dir, "rev", 2, record)
    rescan(settings, store, NOW)
    assert sorted(review_round(settings, store, NOW)) == [first, second]
    old_ts = store.reviews.review_post(first)[1]
    store.reviews.decide(first, APPROVED, EDITOR, NOW, title="Edited by the desk")
    store.reviews.decide(second, REJECTED, EDITOR, NOW)
    digest = settings.digests[0]
    assert [a.title for a in preview_digest(settings, store, digest, NOW)] == ["Edited by the desk"]
    return first, second, old_ts


def assert_back_in_review(settings: Settings, store: Store, first: str, second: str) -> None:
    """The changed item lost its approval (kept in history); the rejected one did not."""
    assert store.reviews.decision(first) is None  # no longer in force
    assert preview_digest(settings, store, settings.digests[0], NOW) == []  # not approved any more
    assert ids_of(preview_review(settings, store, NOW)) == [first]  # eligible again
    assert store.reviews.decision(second).decision == REJECTED  # unchanged: still rejected
    [old] = store.reviews.decision_history(first)  # kept, visible in history
    assert (old.decision, old.title) == (APPROVED, "Edited by the desk")
    assert store.counts()["approved_unpublished"] == 0


def assert_a_fresh_card(
    settings: Settings, fake: FakeSlack, store: Store, first: str, old_ts: str, later: datetime
) -> str:
    """The next round posts a new card showing the new text; its ts."""
    assert review_round(settings, store, later) == [first]  # a fresh card for the new text
    assert len(fake.messages(REVIEW)) == 3  # the stale card is still there
    new_ts = store.reviews.review_post(first)[1]
    assert new_ts != old_ts
    assert ids_of(store.reviews.pending_review()) == [first]
    card = next(m for m in fake.messages(REVIEW) if m["ts"] == new_ts)
    assert "what really happened" in json.dumps(card["blocks"])
    return new_ts


@pytest.mark.parametrize(
    ("old", "new", "bound"),
    [
        ("heat: 1\n", "heat: 77\n", False),
        ("quality: 94\n", "quality: 93\n", False),
        ('title: "Reviewed story 1', 'title: "Reviewed tale 1', True),
        ("https://review1.example.com/story/1/", "https://review1.example.com/story/one/", True),
        (
            "topics: [AI]\n",
            'topics: [AI]\nimages: [{url: "https://img.example.com/n.jpg"}]\n',
            True,
        ),
    ],
    ids=["heat", "quality", "title", "url", "image"],
)
def test_only_what_the_approver_saw_binds_the_decision(
    settings: Settings, store: Store, old: str, new: str, bound: bool
) -> None:
    [item] = write_numbered(settings.content_dir, "rev", 1, record)
    rescan(settings, store, NOW)
    review_round(settings, store, NOW)
    store.reviews.decide(item, APPROVED, EDITOR, NOW)

    edit_file(settings, item, old, new)
    rescan(settings, store, NOW + timedelta(minutes=5))

    assert (store.reviews.decision(item) is None) is bound
    assert (ids_of(preview_review(settings, store, NOW)) == [item]) is bound


def test_an_item_sent_for_review_on_its_own_during_a_round_is_posted_once(
    settings: Settings, store: Store, fake: FakeSlack
) -> None:
    """A suggestion is sent for review at once (`only=`), under the round's claim: when a
    round is posting the same item at that moment, the item is posted once, by the round."""
    write_numbered(settings.content_dir, "rev", 2, record)
    rescan(settings, store, NOW)
    first = preview_review(settings, store, NOW)[0]
    outcomes: list = []
    threads: list[threading.Thread] = []

    def send_alone(_call: object) -> None:  # while the round's first post lands
        client = make_client(settings)
        threads.append(
            threading.Thread(
                target=lambda: outcomes.append(
                    run_review(settings, store, client, NOW, only=[first])
                )
            )
        )
        threads[0].start()

    fake.after("chat.postMessage", send_alone)
    posted = review_round(settings, store, NOW)
    threads[0].join(timeout=60)

    assert first.id in posted
    assert outcomes[0].error is None and outcomes[0].posted == []
    cards = [m for m in fake.messages(REVIEW) if first.id in json.dumps(m.get("metadata", {}))]
    assert len(cards) == 1
