"""Personal digests (SPEC §9) in process: a real Store, the fake Slack, real claims.

What counts is what people would see: the DMs in each follower's Messages tab (message
metadata names the run and the items), what `status` says, and that a second round for
the same due time, a takeover after a crash or a lost answer never sends anyone a repeat.
"""

from __future__ import annotations

import socket
from collections import Counter
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import fake_settings, make_record
from fakeslack import FakeSlack

from bot.config import ConfigError, Settings
from bot.content.article import APPROVED, REJECTED, ScanResult
from bot.publishing.claims import PERSONAL, PERSONAL_EVENT, RUN_LEASE
from bot.publishing.jobs import catch_up
from bot.publishing.personal import run_personal
from bot.slack.client import make_client, post
from bot.status import as_text, collect
from bot.store.store import Store

DUE = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
NOW = DUE + timedelta(seconds=30)
NEXT_DUE = DUE + timedelta(days=1)
TOPICS = ("AI", "Chips", "Climate")


@pytest.fixture
def sqlite_store(tmp_path: Path):
    opened = Store(f"sqlite:///{tmp_path / 'newsdesk.db'}")
    yield opened
    opened.close()


def settings_for(
    tmp_path: Path, fake: FakeSlack, extra: str = "", personal: str = "{size: 3}"
) -> Settings:
    return fake_settings(tmp_path, fake, f"content_dir: .\npersonal: {personal}\n{extra}")


def library(store: Store, count: int = 30, **fields) -> list[str]:
    """`count` items, one topic each (cycling through TOPICS), best first."""
    records = [
        make_record(f"p{n:02d}", topics=[TOPICS[n % 3]], quality=95 - n, **fields)
        for n in range(count)
    ]
    store.apply_scan(ScanResult(records=records, bad=[], removed=[]), NOW - timedelta(hours=1))
    return [r.article.id for r in records]


def followers(store: Store, count: int) -> dict[str, list[str]]:
    """User U00..: one or two topics each, in varied spellings (follows fold case)."""
    follows, out = store.follows, {}
    for n in range(count):
        topics = [TOPICS[n % 3], TOPICS[(n + 1) % 3].lower()][: 1 + n % 2]
        for topic in topics:
            follows.follow(f"U{n:02d}", topic, NOW)
        out[f"U{n:02d}"] = topics
    return out


def dm_items(fake: FakeSlack, user: str) -> list[list[str]]:
    """The items of each personal DM `user` got, in order."""
    return [
        m["metadata"]["event_payload"]["items"]
        for m in fake.dms(user)
        if m.get("metadata", {}).get("event_type") == PERSONAL_EVENT
    ]


def topics_of(store: Store, ids: list[str]) -> set[str]:
    return {t.casefold() for a in store.articles(ids) for t in a.topics}


def test_fifty_followers_each_get_one_dm_despite_429s_and_one_who_blocked_the_app(
    tmp_path: Path, fake: FakeSlack, sqlite_store: Store
) -> None:
    settings = settings_for(tmp_path, fake)
    library(sqlite_store)
    people = followers(sqlite_store, 50)
    fake.limit_posting(per_second=1.0, burst=1)
    fake.fail("chat.postMessage", "ratelimited", times=3, retry_after=1)
    fake.set_unreachable("U07", "cannot_dm_bot")

    done = run_personal(settings, sqlite_store, make_client(settings), NOW, due_at=DUE)

    assert done.states == Counter({"done": 49, "skipped": 1, "already": 0})
    assert done.problems == {"U07": "cannot_dm_bot"}
    assert sum(c.answered == "429" for c in fake.calls_to("chat.postMessage")) == 3
    for user, topics in people.items():
        dms = dm_items(fake, user)
        if user == "U07":
            assert dms == []
            continue
        [items] = dms  # exactly one DM, with the size's worth of their topics' best items
        assert len(items) == 3
        assert topics_of(sqlite_store, items) <= {t.casefold() for t in topics}
    report = collect(settings, sqlite_store, NOW)
    assert report["personal"]["followers"] == 50
    assert report["personal"]["last_round"]["counts"] == {"done": 49, "skipped": 1}
    assert "skipped: U07 (cannot_dm_bot)" in as_text(report)
    assert report["last_runs"] == [] and report["failures"] == []  # not 50 lines of runs


def test_the_same_due_time_again_sends_nothing_and_the_next_one_only_unread_items(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    settings = settings_for(tmp_path, fake)
    library(store, count=9)  # three items per topic
    followers(store, 6)
    client = make_client(settings)
    run_personal(settings, store, client, NOW, due_at=DUE)
    posts = len(fake.calls_to("chat.postMessage"))

    again = run_personal(settings, store, client, NOW, due_at=DUE)  # a restart, another process
    assert again.states == Counter({"already": 6})
    assert len(fake.calls_to("chat.postMessage")) == posts

    later = run_personal(settings, store, client, NEXT_DUE, due_at=NEXT_DUE)
    for n in range(6):
        sent = [i for items in dm_items(fake, f"U{n:02d}") for i in items]
        assert len(sent) == len(set(sent))  # never the same article twice
        one_topic = n % 2 == 0
        assert len(dm_items(fake, f"U{n:02d}")) == (1 if one_topic else 2)
    # The one-topic followers had read all three of their topic's items: nothing new, no DM.
    assert later.states["empty"] == 3 and later.states["done"] == 3


def test_only_eligible_items_are_sent_and_in_review_mode_only_approved_ones(
    tmp_path: Path, fake: FakeSlack, sqlite_store: Store
) -> None:
    settings = settings_for(tmp_path, fake, "review:\n  channel: C0REVIEW\n  approvers: [U0ED]\n")
    records = [
        make_record("low", topics=["AI"], quality=10),
        make_record("gone", topics=["AI"], quality=90, published=True),
        make_record("nope", topics=["AI"], quality=90, url="https://e.org/nope"),
        make_record("yes", topics=["AI"], quality=80, url="https://e.org/yes"),
        make_record("wait", topics=["AI"], quality=85, url="https://e.org/wait"),
    ]
    sqlite_store.apply_scan(ScanResult(records=records, bad=[], removed=[]), NOW)
    sqlite_store.reviews.decide("nope", REJECTED, "U0ED", NOW)
    sqlite_store.reviews.decide("yes", APPROVED, "U0ED", NOW)
    sqlite_store.follows.follow("UREADER", "ai", NOW)

    run_personal(settings, sqlite_store, make_client(settings), NOW, due_at=DUE)

    assert dm_items(fake, "UREADER") == [["yes"]]


def test_a_dead_processes_dm_is_found_in_the_dm_history_not_sent_again(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    settings = settings_for(tmp_path, fake)
    ids = library(store, count=6)
    store.follows.follow("UREADER", "AI", NOW)
    dead = f"{socket.gethostname()}:4242:gone"  # its lease lapsed: it stopped beating
    with closing(Store(store.engine.url.render_as_string(False), owner=dead)) as other:
        run_id = other.runs.claim(PERSONAL, "UREADER", DUE, NOW - RUN_LEASE - timedelta(seconds=1))
    # It posted the DM (user id as channel, as Newsdesk does) and died before recording it.
    meta = {"event_type": PERSONAL_EVENT, "event_payload": {"run": run_id, "items": ids[:1]}}
    post(make_client(settings), "UREADER", {"text": "picks", "blocks": []}, metadata=meta)

    done = run_personal(settings, store, make_client(settings), NOW, due_at=DUE)

    assert done.states["done"] == 1
    assert dm_items(fake, "UREADER") == [ids[:1]]  # the dead one's DM, and no other
    assert fake.calls_to("conversations.open")  # history is read by DM channel id
    assert store.follows.sent_keys("UREADER")[0] == {ids[0]}
    statuses = [(r["key"], r["status"]) for r in store.runs.recent(5)]
    assert statuses == [("UREADER", "done")]


def test_a_dm_whose_answer_was_lost_lands_once(
    tmp_path: Path, fake: FakeSlack, sqlite_store: Store
) -> None:
    settings = settings_for(tmp_path, fake)
    library(sqlite_store, count=6)
    sqlite_store.follows.follow("UREADER", "chips", NOW)
    client = make_client(settings)
    client.timeout = 1
    fake.fail("chat.postMessage", "slow", delay=1.8)

    done = run_personal(settings, sqlite_store, client, NOW, due_at=DUE)
    fake.wait_for("chat.postMessage", count=len(fake.calls_to("chat.postMessage")), timeout=10)

    assert done.states["done"] == 1
    assert len(dm_items(fake, "UREADER")) == 1


def test_a_failing_person_fails_alone_and_is_retried_next_time(
    tmp_path: Path, fake: FakeSlack, sqlite_store: Store
) -> None:
    settings = settings_for(tmp_path, fake)
    library(sqlite_store, count=6)
    followers(sqlite_store, 4)
    fake.fail("chat.postMessage", "error", error="internal_error")  # the first one

    done = run_personal(settings, sqlite_store, make_client(settings), NOW, due_at=DUE)

    assert done.states["failed"] == 1 and done.states["done"] == 3
    [failed] = done.problems
    report = collect(settings, sqlite_store, NOW)
    assert f"failed: {failed} (internal_error)" in as_text(report)
    later = run_personal(settings, sqlite_store, make_client(settings), NEXT_DUE, due_at=NEXT_DUE)
    assert later.states["failed"] == 0 and len(dm_items(fake, failed)) == 1


def test_start_up_catch_up_finishes_the_round_and_stopping_leaves_the_rest_for_later(
    tmp_path: Path, fake: FakeSlack, sqlite_store: Store
) -> None:
    settings = settings_for(tmp_path, fake, personal='{schedule: "0 9 * * *", size: 2}')
    library(sqlite_store, count=6)
    followers(sqlite_store, 8)
    client = make_client(settings)
    calls = iter(range(100))

    stopped = run_personal(settings, sqlite_store, client, NOW, due_at=DUE,
                           should_stop=lambda: next(calls) >= 3, workers=1)  # fmt: skip
    assert stopped.states["done"] == 3 and stopped.states["stopped"] == 5

    catch_up(settings, sqlite_store, client, NOW)  # the restart, within the grace period
    assert all(len(dm_items(fake, f"U{n:02d}")) == 1 for n in range(8))


@pytest.mark.parametrize(
    ("personal", "error"),
    [
        ("{size: 21}", "personal.size: must be a whole number from 1 to 20"),
        ("{schedule: 'every day'}", "personal.schedule: invalid cron expression"),
        ("{when: daily}", "personal.when: unknown key"),
        ("[1]", "personal: must be a mapping"),
    ],
)
def test_bad_personal_settings_name_the_key(
    tmp_path: Path, fake: FakeSlack, personal: str, error: str
) -> None:
    with pytest.raises(ConfigError, match=error):
        settings_for(tmp_path, fake, personal=personal)


def test_personal_settings_default_to_weekdays_at_nine_and_five_articles(
    tmp_path: Path, fake: FakeSlack
) -> None:
    settings = settings_for(tmp_path, fake, personal="{}")
    assert (settings.personal.schedule, settings.personal.size) == ("0 9 * * 1-5", 5)
