"""Sharing one card (bot/publishing/sharing.py): recorded before it is posted, so a double
click posts once; a Slack failure gives the claim back; only present items not marked
`published: true` upstream can be shared.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from factories import fake_settings, make_record
from fakeslack import FakeSlack
from slack_sdk import WebClient
from slackdriver import SlackDriver

from bot.config import Settings
from bot.content.article import ScanResult
from bot.publishing.approvers import Approvers
from bot.publishing.sharing import share_article
from bot.slack.blockkit.cards import ACTION_SHARE
from bot.slack.client import make_client
from bot.store.store import Store

NEWS = "CNEWS"


@dataclass
class Deps:
    """What sharing needs, as the app's Deps gives it."""

    settings: Settings
    store: Store
    client: WebClient
    approvers: Approvers
    clock: Callable[[], datetime]


@pytest.fixture
def deps(tmp_path: Path, fake: FakeSlack, store: Store) -> Iterator[Deps]:
    settings = fake_settings(tmp_path, fake, "content_dir: .\n")
    records = [make_record("a1"), make_record("gone"), make_record("up", published=True)]
    now = datetime.now(UTC)
    store.apply_scan(ScanResult(records=records, bad=[], removed=[]), now)
    store.apply_scan(ScanResult(records=[], bad=[], removed=["gone.md"]), now)
    client = make_client(settings)
    yield Deps(settings, store, client, Approvers(settings, client), lambda: datetime.now(UTC))


def cards(fake: FakeSlack) -> list[dict]:
    return fake.messages(NEWS)


def test_two_shares_at_once_post_one_card(deps: Deps, fake: FakeSlack) -> None:
    fake.set_delay("chat.postMessage", 0.5)  # both have checked before either has posted
    barrier, said = threading.Barrier(2), ["", ""]

    def share(i: int) -> None:
        barrier.wait()
        said[i] = share_article(deps, NEWS, f"U{i}", "a1")

    threads = [threading.Thread(target=share, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)

    assert len(cards(fake)) == 1
    assert sorted("Shared" in s for s in said) == [False, True]
    assert any("already shared here" in s for s in said)
    [(_, channel, ts, _)] = deps.store.latest_published(5)
    assert (channel, ts) == (NEWS, cards(fake)[0]["ts"])


def test_a_failed_share_is_released_and_can_be_tried_again(deps: Deps, fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", "error", error="msg_too_long")

    first = share_article(deps, NEWS, "U1", "a1")

    assert "Sharing failed" in first and "msg_too_long" in first
    assert not deps.store.is_published("a1", NEWS)
    second = share_article(deps, NEWS, "U1", "a1")
    assert second.startswith("Shared") and len(cards(fake)) == 1
    assert deps.store.is_published("a1", NEWS)


@pytest.mark.parametrize(
    ("item", "why"),
    [("gone", "no longer in the library"), ("up", "published: true")],
)
def test_deleted_or_upstream_published_items_are_not_shared(
    deps: Deps, fake: FakeSlack, item: str, why: str
) -> None:
    said = share_article(deps, NEWS, "U1", item)

    assert why in said and "Nothing was posted" in said
    assert cards(fake) == []
    assert not deps.store.is_published(item, NEWS)


def test_two_signed_share_clicks_post_one_card(tmp_path: Path) -> None:
    with SlackDriver(tmp_path, records=[make_record("a1")]) as slack:
        slack.fake.set_delay("chat.postMessage", 0.5)
        clicks = [
            threading.Thread(
                target=slack.click, args=(ACTION_SHARE, "a1"), kwargs=dict(user=u, channel=NEWS)
            )
            for u in ("U1", "U2")
        ]
        for t in clicks:
            t.start()
        for t in clicks:
            t.join(10)
        slack.wait_idle()

        assert len(slack.fake.messages(NEWS)) == 1
        said = sorted(r["text"] for r in slack.responses())
        assert len(said) == 2
        assert "already shared here" in said[1] and said[0].startswith("Shared")
