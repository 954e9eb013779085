"""Polling feeds (bot.publishing.feeds, bot.store.feeds) against a real HTTP server on
127.0.0.1, on SQLite and PostgreSQL: conditional GET, failures and backoff, limits, changing
GUIDs, edits, the first-poll flood guard, leases and restarts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from factories import make_record
from feedfiles import entries, rss2
from webserver import Reply, WebServer, running

from bot.config import Settings, load_settings
from bot.content.article import ScanResult
from bot.content.feeds import entry_id, feed_key
from bot.content.fetch import GuardedClient
from bot.publishing.feeds import LEASE, MAX_BACKOFF, backoff, feed_client, poll_due, poll_now
from bot.store.feeds import FeedState, FeedStore
from bot.store.store import Store

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
RSS = {"Content-Type": "application/rss+xml"}


@pytest.fixture
def web() -> Iterator[WebServer]:
    with running() as server:
        yield server


@pytest.fixture
def client() -> Iterator[GuardedClient]:
    with feed_client() as opened:
        yield opened


def configure(tmp_path: Path, store: Store, *feeds: dict, **top) -> Settings:
    path = tmp_path / "newsdesk.yaml"
    path.write_text(yaml.safe_dump({"feeds": list(feeds), **top}), encoding="utf-8")
    return load_settings(str(path), env={})


def state(store: Store, url: str) -> FeedState:
    (found,) = FeedStore(store.engine).states([feed_key(url)])
    return found


def pool(store: Store) -> list[str]:
    """Titles of the items that may still be picked, best first."""
    ids = [c.id for c in store.candidates(channel=None, quality_min=0)]
    return [a.title for a in store.articles(ids)]


def serve(web: WebServer, path: str, body: bytes, **headers: str) -> str:
    web.routes[path] = Reply(body=body, headers={**RSS, **headers})
    return web.url(path)


def test_a_feed_is_read_once_then_answers_304_to_its_validators(web, client, store, tmp_path):
    validators = {"ETag": '"v1"', "Last-Modified": "Mon, 30 Nov 2026 08:00:00 GMT"}
    body = rss2(entries(3, categories=["AI"]))

    def reply(headers: dict[str, str]) -> Reply:
        if headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return Reply(body=body, headers={**RSS, **validators}, gzip=True)

    web.routes["/feed"] = reply
    settings = configure(tmp_path, store, {"url": web.url("/feed"), "quality": 70})
    (first,) = poll_due(settings, store, client, T0)
    assert (first.result, first.new) == ("read", 3)
    assert sorted(pool(store)) == ["Story 0", "Story 1", "Story 2"]
    assert poll_due(settings, store, client, T0 + timedelta(minutes=29)) == []  # not due
    (second,) = poll_due(settings, store, client, T0 + timedelta(minutes=30))
    assert second.result == "not modified"
    sent = web.seen[-1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == validators["Last-Modified"]
    assert "gzip" in sent["accept-encoding"]
    now = state(store, web.url("/feed"))
    assert (now.items, now.failures, now.last_error) == (3, 0, None)
    assert now.last_success == T0 + timedelta(minutes=30)
    assert dict(store.topics()) == {"AI": 3}


def test_429_with_retry_after_is_honoured_and_shown(web, client, store, tmp_path):
    web.routes["/busy"] = Reply(429, b"slow down", {"Retry-After": "7200"})
    url = web.url("/busy")
    settings = configure(tmp_path, store, {"url": url, "minutes": 5})
    (outcome,) = poll_due(settings, store, client, T0)
    assert outcome.result == "failed" and outcome.error == "HTTP 429"
    failed = state(store, url)
    assert failed.next_poll_at == T0 + timedelta(hours=2)  # Retry-After beats 5 minutes
    assert (failed.failures, failed.last_error) == (1, "HTTP 429")
    assert poll_due(settings, store, client, T0 + timedelta(minutes=119)) == []


def test_repeated_failures_back_off_exponentially_up_to_the_cap(web, client, store, tmp_path):
    web.routes["/down"] = Reply(500, b"oops")
    url = web.url("/down")
    settings = configure(tmp_path, store, {"url": url, "minutes": 30})
    now, waits = T0, []
    for _ in range(4):
        poll_due(settings, store, client, now)
        next_at = state(store, url).next_poll_at
        waits.append(next_at - now)
        now = next_at
    assert waits == [timedelta(minutes=m) for m in (30, 60, 120, 240)]
    assert backoff(30, 50) == MAX_BACKOFF
    assert backoff(30, 1, retry_after_s=10**9) == timedelta(days=7)
    serve(web, "/down", rss2(entries(1)))
    (ok,) = poll_due(settings, store, client, now)
    healthy = state(store, url)
    assert ok.result == "read" and (healthy.failures, healthy.last_error) == (0, None)
    assert healthy.next_poll_at == now + timedelta(minutes=30)


def test_limits_make_a_feed_fail_and_never_stop_the_others(web, client, store, tmp_path):
    web.routes["/huge"] = Reply(body=b"<rss>" + b" " * (6 * 1024 * 1024), headers=RSS)
    web.redirect("/loop-a", web.url("/loop-b"))
    web.redirect("/loop-b", web.url("/loop-a"))
    web.routes["/junk"] = Reply(body=b"<html><p>not a feed</p></html>")
    good = serve(web, "/good", rss2(entries(2)))
    feeds = [{"url": web.url(p)} for p in ("/huge", "/loop-a", "/junk")] + [{"url": good}]
    settings = configure(tmp_path, store, *feeds)
    outcomes = {o.url: o for o in poll_due(settings, store, client, T0)}
    assert "too large" in (outcomes[web.url("/huge")].error or "")
    assert "more than 5 redirects" in (outcomes[web.url("/loop-a")].error or "")
    assert "not an RSS, Atom or JSON feed" in (outcomes[web.url("/junk")].error or "")
    assert outcomes[good].new == 2 and sorted(pool(store)) == ["Story 0", "Story 1"]


def test_new_guids_on_every_poll_and_edits_update_items_never_duplicate(
    web, client, store, tmp_path
):
    polls = iter(range(100))

    def reply(_: dict[str, str]) -> Reply:
        n = next(polls)
        items = [{**e, "guid": f"{e['guid']}-poll{n}"} for e in entries(3)]
        items[0]["title"] = f"Story 0, edition {n}"
        return Reply(body=rss2(items), headers=RSS)

    web.routes["/unstable"] = reply
    settings = configure(tmp_path, store, {"url": web.url("/unstable"), "minutes": 1})
    first = poll_due(settings, store, client, T0)[0]
    second = poll_due(settings, store, client, T0 + timedelta(minutes=1))[0]
    assert (first.new, second.new, second.updated) == (3, 0, 1)
    assert store.counts()["items"] == 3
    assert "Story 0, edition 1" in pool(store)
    assert state(store, web.url("/unstable")).items == 3


def test_an_edited_entry_keeps_its_item_and_entries_leaving_the_feed_stay(
    web, client, store, tmp_path
):
    url = serve(web, "/feed", rss2(entries(3)))
    settings = configure(tmp_path, store, {"url": url, "minutes": 1})
    poll_due(settings, store, client, T0)
    edited = entries(3)[1:]
    edited[0]["title"] = "Story 1 (corrected)"
    serve(web, "/feed", rss2(edited))
    (outcome,) = poll_due(settings, store, client, T0 + timedelta(minutes=1))
    assert (outcome.new, outcome.updated) == (0, 1)
    assert sorted(pool(store)) == ["Story 0", "Story 1 (corrected)", "Story 2"]


def test_first_poll_does_not_flood_and_old_entries_are_never_picked(web, client, store, tmp_path):
    old = [{**e, "date": T0 - timedelta(days=i + 1)} for i, e in enumerate(entries(30))]
    url = serve(web, "/backlog", rss2(old))
    settings = configure(tmp_path, store, {"url": url, "backfill": 4, "minutes": 1})
    (first,) = poll_due(settings, store, client, T0)
    assert first.new == 30 and store.counts()["items"] == 30
    assert sorted(pool(store)) == ["Story 0", "Story 1", "Story 2", "Story 3"]
    fresh = {"title": "Fresh", "link": "https://example.org/fresh", "date": T0}
    changed = [{**e, "summary": "now with a summary"} for e in old]
    serve(web, "/backlog", rss2([fresh, *changed]))
    poll_due(settings, store, client, T0 + timedelta(minutes=1))
    # The new entry is a candidate; the backlog stays out even though its content changed.
    assert sorted(pool(store)) == ["Fresh", "Story 0", "Story 1", "Story 2", "Story 3"]
    assert store.search("Story 29", 5)  # still in the library, searchable


def test_first_poll_with_max_age_days_offers_the_recent_entries(web, client, store, tmp_path):
    dated = [{**e, "date": T0 - timedelta(days=i)} for i, e in enumerate(entries(20))]
    url = serve(web, "/f", rss2(dated))
    settings = configure(tmp_path, store, {"url": url}, max_age_days=3)
    poll_due(settings, store, client, T0)
    assert sorted(pool(store)) == ["Story 0", "Story 1", "Story 2", "Story 3"]


def test_a_restart_on_the_same_database_adds_nothing(web, client, db_url, tmp_path):
    url = serve(web, "/feed", rss2(entries(3)))
    first = Store(db_url)
    settings = configure(tmp_path, first, {"url": url, "minutes": 1})
    poll_due(settings, first, client, T0)
    first.close()
    again = Store(db_url)
    try:
        with feed_client() as fresh_client:
            (outcome,) = poll_now(settings, again, fresh_client, T0 + timedelta(seconds=5))
        assert (outcome.new, outcome.updated) == (0, 0)
        assert again.counts()["items"] == 3
    finally:
        again.close()


def test_one_process_polls_a_feed_while_it_holds_the_lease(web, client, db_url, tmp_path):
    url = serve(web, "/feed", rss2(entries(1)))
    one, two = Store(db_url), Store(db_url)
    try:
        settings = configure(tmp_path, one, {"url": url})
        feeds_one, feeds_two = FeedStore(one.engine), FeedStore(two.engine)
        feeds_one.ensure([url], T0)
        assert feeds_one.claim(feed_key(url), T0, LEASE) is not None
        assert feeds_two.claim(feed_key(url), T0, LEASE) is None
        assert feeds_two.claim(feed_key(url), T0, LEASE, force=True) is None
        assert [o.result for o in poll_now(settings, two, client, T0)] == ["busy"]
        later = T0 + LEASE  # the first poller died: its lease expires
        assert [o.result for o in poll_due(settings, two, client, later)] == ["read"]
    finally:
        one.close()
        two.close()


def test_an_entry_whose_id_a_record_file_holds_is_skipped_with_a_reason(
    web, client, store, tmp_path
):
    url = serve(web, "/feed", rss2(entries(2)))
    taken = entry_id(url, "guid:example.org-Story-0")
    store.apply_scan(ScanResult([make_record(taken, title="A file")], [], []), T0)
    settings = configure(tmp_path, store, {"url": url})
    (outcome,) = poll_due(settings, store, client, T0)
    assert (outcome.new, outcome.bad) == (1, 1)
    assert store.article(taken).title == "A file"
    assert "already an item from a file" in (state(store, url).last_warning or "")
