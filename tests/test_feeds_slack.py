"""Feeds end to end: a feed served on loopback reaches `/newsdesk next` and the next digest
within one poll, its entries are posted once through restarts, edits and changing GUIDs,
a copy of a record's story is not posted again, and a broken feed shows in `status`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from blockkit import buttons, texts
from factories import fake_settings
from fakeslack import FakeSlack
from feedfiles import entries, rss2
from newsdeskproc import until
from recordfiles import record_text, write
from slackdriver import SlackDriver, ephemeral
from webserver import Reply, WebServer, running

from bot.config import Settings
from bot.publishing.digest import run_digest
from bot.publishing.feeds import feed_client, poll_due
from bot.publishing.jobs import rescan
from bot.publishing.scheduler import Scheduler
from bot.slack.blockkit.cards import ACTION_SHARE
from bot.slack.client import make_client
from bot.store.store import Store

NEWS = "C0NEWS"
RSS = {"Content-Type": "application/rss+xml"}
RECORD_URL = "https://www.example.com/2026/11/24/story/"  # recordfiles.BASE's originalUrl


@pytest.fixture
def web() -> Iterator[WebServer]:
    with running() as server:
        yield server


def now() -> datetime:
    return datetime.now(UTC)


def poll(settings: Settings, store: Store, when: datetime) -> None:
    with feed_client() as client:
        outcomes = poll_due(settings, store, client, when)
    assert outcomes and all(o.result != "busy" for o in outcomes)


def test_a_feed_entry_shows_in_next_after_one_poll(
    driver: Callable[..., SlackDriver], web: WebServer
) -> None:
    web.routes["/feed"] = Reply(body=rss2(entries(2, prefix="Fresh")), headers=RSS)
    slack = driver(extra_config={"feeds": [{"url": web.url("/feed"), "quality": 80}]})
    assert buttons(ephemeral(slack, "next"), ACTION_SHARE) == []
    poll(slack.settings, slack.store, now())
    body = ephemeral(slack, "next")
    assert len(buttons(body, ACTION_SHARE)) == 2
    assert "Fresh 0" in texts(body) and "Fresh 1" in texts(body)


def test_a_broken_feed_shows_in_status(driver: Callable[..., SlackDriver], web: WebServer):
    web.routes["/down"] = Reply(500, b"oops")
    web.routes["/ok"] = Reply(body=rss2(entries(1)), headers=RSS)
    feeds = [{"url": web.url("/down")}, {"url": web.url("/ok")}]
    slack = driver(extra_config={"feeds": feeds})
    poll(slack.settings, slack.store, now())
    text = ephemeral(slack, "status")["text"]
    assert f"{web.url('/down')}: 0 items, last success never; failing (1x): HTTP 500" in text
    assert f"{web.url('/ok')}: 1 items, last success 20" in text


def configure(tmp_path: Path, fake: FakeSlack, feed_url: str) -> Settings:
    config = {
        "content_dir": "articles",
        "database_url": f"sqlite:///{tmp_path / 'newsdesk.db'}",
        "digests": [{"channel": NEWS, "size": 10}],
        "feeds": [{"url": feed_url, "quality": 80, "minutes": 1}],
    }
    (tmp_path / "articles").mkdir()
    return fake_settings(tmp_path, fake, yaml.safe_dump(config))


def posted_titles(fake: FakeSlack, store: Store) -> list[str]:
    return [a.title for a in store.articles(fake.posted_items(NEWS))]


def digest(settings: Settings, store: Store, when: datetime) -> None:
    client = make_client(settings)
    outcome = run_digest(settings, store, client, settings.digests[0], when, due_at=when)
    assert outcome.error is None, outcome


def test_feed_entries_are_posted_once_through_restarts_edits_and_new_guids(
    tmp_path: Path, fake: FakeSlack, web: WebServer
) -> None:
    editions = iter(range(100))

    def reply(_: dict[str, str]) -> Reply:
        n = next(editions)
        items = [{**e, "guid": f"{e['guid']}-{n}"} for e in entries(3)]  # new GUIDs each time
        items[0]["link"] = RECORD_URL + "?utm_source=rss"  # the record's story
        items[1]["title"] = "Story 1" if n == 0 else f"Story 1 (update {n})"
        extra = [{"title": "Late", "link": "https://example.org/late"}] if n >= 2 else []
        return Reply(body=rss2(extra + items), headers=RSS)

    web.routes["/feed"] = reply
    settings = configure(tmp_path, fake, web.url("/feed"))
    # Feed entry 0's story, from a record file with a better score.
    write(settings.content_dir / "story0.md", record_text(title="Story 0 (record)", quality="90"))
    t0 = now()
    store = Store(settings.database_url)
    rescan(settings, store, t0)
    poll(settings, store, t0)
    digest(settings, store, t0)
    assert sorted(posted_titles(fake, store)) == ["Story 0 (record)", "Story 1", "Story 2"]
    store.close()

    store = Store(settings.database_url)  # a restart, then a poll with edits and new GUIDs
    poll(settings, store, t0 + timedelta(minutes=1))
    digest(settings, store, t0 + timedelta(minutes=2))
    assert len(posted_titles(fake, store)) == 3
    poll(settings, store, t0 + timedelta(minutes=3))
    digest(settings, store, t0 + timedelta(minutes=4))
    titles = posted_titles(fake, store)
    assert len(titles) == 4 and titles[-1] == "Late"
    assert store.counts()["items"] == 5  # the record and four feed entries, no copies
    store.close()


def test_the_scheduler_polls_feeds_at_start_so_the_caught_up_digest_has_them(
    tmp_path: Path, fake: FakeSlack, web: WebServer
) -> None:
    web.routes["/feed"] = Reply(body=rss2(entries(2, prefix="Scheduled")), headers=RSS)
    settings = configure(tmp_path, fake, web.url("/feed"))
    settings = dataclasses.replace(
        settings, digests=(dataclasses.replace(settings.digests[0], schedule="* * * * *"),)
    )
    store = Store(settings.database_url)
    clock_now = now().replace(second=30)
    scheduler = Scheduler(settings, store, make_client(settings), clock=lambda: clock_now)
    scheduler.start()
    try:
        until(lambda: len(fake.messages(NEWS)) == 1, pause=0.05)
        assert "feeds" in scheduler.next_runs()
    finally:
        scheduler.shutdown(wait=True)
    assert sorted(posted_titles(fake, store)) == ["Scheduled 0", "Scheduled 1"]
    store.close()
