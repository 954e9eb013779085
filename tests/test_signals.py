"""Readers' signals end to end: signed Read and Useful clicks and reaction events in, what
readers see and what the store counts out (bot/app/listeners/signals.py, bot/store/signals.py).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import make_record
from slackdriver import SlackDriver
from slackpayloads import block_actions

from bot.app.listeners.signals import GONE, MARKED, TAKEN_BACK
from bot.content.article import ScanResult
from bot.publishing.digest import run_digest
from bot.slack.blockkit.cards import ACTION_READ, ACTION_USEFUL
from bot.slack.client import make_client
from bot.store.store import Store
from bot.store.tables import REACTION, READ, USEFUL

NEWS = "CNEWS"
ANN, BOB = "UANN", "UBOB"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def records() -> list:
    return [
        make_record(f"a{n}", title=f"Story {n}", quality=90 - n, topics=("AI",), provider="Wire")
        for n in range(3)
    ]


@pytest.fixture
def slack(tmp_path: Path):
    with SlackDriver(tmp_path, records=records(), digests=[NEWS]) as driver:
        yield driver


def post_digest(slack: SlackDriver) -> str:
    digest = slack.settings.digests[0]
    client = make_client(slack.settings)
    outcome = run_digest(slack.settings, slack.store, client, digest, datetime.now(UTC))
    assert outcome.posted and not outcome.error, outcome
    [message] = slack.fake.messages(NEWS)
    return str(message["ts"])


def counted(store: Store, kind: str) -> dict[str, int]:
    found: dict[str, set[str]] = {}
    for s in store.signals.signals_since(NOW - timedelta(days=3650)):
        if s.kind == kind:
            found.setdefault(s.item_id, set()).add(s.user_id)
    return {item: len(users) for item, users in sorted(found.items())}


def reaction(slack: SlackDriver, kind: str, user: str, name: str, ts: str) -> int:
    item = {"type": "message", "channel": NEWS, "ts": ts}
    return slack.event({"type": kind, "user": user, "reaction": name, "item": item})


# ---------------------------------------------------------------- Read


def test_read_clicks_count_each_reader_once_per_item(slack: SlackDriver) -> None:
    ts = post_digest(slack)
    for user in (ANN, ANN, BOB):  # Ann clicks twice
        assert slack.click(ACTION_READ, "a0", user=user, channel=NEWS, message_ts=ts) == 200
    assert slack.click(ACTION_READ, "a1", user=ANN, channel=NEWS, message_ts=ts) == 200
    slack.wait_idle()
    assert counted(slack.store, READ) == {"a0": 2, "a1": 1}
    assert slack.fake.ephemerals(NEWS) == []  # a link click is silent


def test_the_read_button_of_a_digest_carries_its_item(slack: SlackDriver) -> None:
    post_digest(slack)
    [message] = slack.fake.messages(NEWS)
    reads = [
        (block["block_id"], element.get("value"), element.get("url"))
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == ACTION_READ
    ]
    assert [value for _, value, _ in reads] == ["a0", "a1"]  # per_provider: 2
    assert all(block == f"item:{value}" and url for block, value, url in reads)


def test_a_read_button_without_value_is_named_by_its_block_id(slack: SlackDriver) -> None:
    # Cards posted before Read carried a value: Slack sends the url and the block id only.
    def click(block_id: str, user: str) -> int:
        payload = block_actions(ACTION_READ, "", user=user, response_url="", channel=NEWS)
        action = payload["actions"][0]
        del action["value"]
        action.update(block_id=block_id, url="https://example.com/articles/a1")
        return slack.post_payload(payload)[0]

    assert click("item:a1", ANN) == 200
    assert click("result:a2", ANN) == 200
    assert click("item:" + "x" * 200 + "~0123456789abcdef", BOB) == 200  # cut: names nothing
    assert click("item:nope", BOB) == 200  # unknown item: ignored
    slack.wait_idle()
    assert counted(slack.store, READ) == {"a1": 1, "a2": 1}


# ---------------------------------------------------------------- Useful


def test_useful_toggles_and_says_so_privately(slack: SlackDriver) -> None:
    ts = post_digest(slack)
    clicks = [(ANN, "a0"), (BOB, "a0"), (ANN, "a0")]  # Ann's second click takes it back
    for user, item in clicks:
        assert slack.click(ACTION_USEFUL, item, user=user, channel=NEWS, message_ts=ts) == 200
        slack.wait_idle()  # one after another, as a person clicks
    assert counted(slack.store, USEFUL) == {"a0": 1}
    assert slack.fake.ephemeral_texts(NEWS, ANN) == [MARKED, TAKEN_BACK]
    assert slack.fake.ephemeral_texts(NEWS, BOB) == [MARKED]


def test_a_double_click_at_once_ends_where_two_clicks_do(slack: SlackDriver) -> None:
    ts = post_digest(slack)
    threads = [
        threading.Thread(
            target=slack.click,
            args=(ACTION_USEFUL, "a1"),
            kwargs=dict(user=ANN, channel=NEWS, message_ts=ts),
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slack.wait_idle()
    assert counted(slack.store, USEFUL) == {}
    assert sorted(slack.fake.ephemeral_texts(NEWS, ANN)) == sorted([MARKED, TAKEN_BACK])


def test_useful_on_an_unknown_item_says_it_is_gone(slack: SlackDriver) -> None:
    assert slack.click(ACTION_USEFUL, "nope", user=ANN, channel=NEWS, message_ts="1.0") == 200
    slack.wait_idle()
    assert slack.fake.ephemeral_texts(NEWS, ANN) == [GONE]


def test_useful_on_app_home_answers_on_top_of_home(slack: SlackDriver) -> None:
    post_digest(slack)
    assert slack.event({"type": "app_home_opened", "user": ANN, "tab": "home"}) == 200
    slack.wait_idle()
    home = slack.fake.home_view(ANN)
    [button] = [b["accessory"] for b in home["blocks"] if b.get("accessory")][:1]
    assert button["action_id"] == ACTION_USEFUL
    assert slack.click(ACTION_USEFUL, button["value"], user=ANN, view_id=home["id"]) == 200
    slack.wait_idle()
    assert counted(slack.store, USEFUL) == {button["value"]: 1}
    assert MARKED in str(slack.fake.home_view(ANN)["blocks"][1])


# ---------------------------------------------------------------- reactions


def share(slack: SlackDriver, item: str) -> str:
    status, _ = slack.command(f"share {item}", user=ANN, channel=NEWS)
    assert status == 200
    slack.wait_idle()
    return str(slack.store.latest_published(1)[0][2])


def test_reactions_on_a_shared_card_count_as_votes(slack: SlackDriver) -> None:
    ts = share(slack, "a2")
    assert reaction(slack, "reaction_added", ANN, "+1", ts) == 200
    assert reaction(slack, "reaction_added", ANN, "tada", ts) == 200  # still one person
    assert reaction(slack, "reaction_added", ANN, "+1", ts) == 200  # a retried event
    assert reaction(slack, "reaction_added", BOB, "eyes", ts) == 200
    slack.wait_idle()
    assert counted(slack.store, REACTION) == {"a2": 2}
    reaction(slack, "reaction_removed", ANN, "+1", ts)
    slack.wait_idle()
    assert counted(slack.store, REACTION) == {"a2": 2}  # Ann's 🎉 still stands
    reaction(slack, "reaction_removed", ANN, "tada", ts)
    reaction(slack, "reaction_removed", BOB, "eyes", ts)
    slack.wait_idle()
    assert counted(slack.store, REACTION) == {}


def test_reactions_on_digests_and_strangers_count_for_nothing(slack: SlackDriver) -> None:
    ts = post_digest(slack)
    assert reaction(slack, "reaction_added", ANN, "+1", ts) == 200  # a digest: several items
    assert reaction(slack, "reaction_added", ANN, "+1", "999.000") == 200  # not ours
    file_item = {"type": "file", "file": "F1"}
    assert (
        slack.event({"type": "reaction_added", "user": BOB, "reaction": "x", "item": file_item})
        == 200
    )
    assert slack.event({"type": "reaction_removed", "user": BOB}) == 200  # malformed
    slack.wait_idle()
    assert counted(slack.store, REACTION) == {}


# ---------------------------------------------------------------- the store, both databases


def test_a_signal_is_unique_per_item_user_and_kind_under_concurrency(store: Store) -> None:
    store.apply_scan(ScanResult(records=records(), bad=[], removed=[]), NOW)
    results: list[bool] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(store.signals.add_signal("a0", ANN, READ, NOW))
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert store.signals.add_signal("a0", ANN, USEFUL, NOW) is True  # another kind
    assert store.signals.add_signal("missing", ANN, READ, NOW) is False
    assert store.signals.toggle_useful("a0", ANN, NOW) is False and store.signals.toggle_useful(
        "a0", ANN, NOW
    )
    assert store.signals.toggle_useful("missing", ANN, NOW) is None


def test_only_a_single_article_post_names_an_item(store: Store) -> None:
    store.apply_scan(ScanResult(records=records(), bad=[], removed=[]), NOW)
    run = store.runs.claim("digest", NEWS, NOW, NOW)
    store.record_publications(["a0", "a1"], NEWS, "1.1", run, NOW)
    store.record_publications(["a2"], NEWS, "2.2", None, NOW)
    assert store.signals.item_posted_at(NEWS, "1.1") is None
    assert store.signals.item_posted_at(NEWS, "2.2") == "a2"
    assert store.signals.item_posted_at("COTHER", "2.2") is None


def test_a_batch_of_clicks_keeps_each_reader_once_and_survives_an_unknown_item(
    store: Store,
) -> None:
    store.apply_scan(ScanResult(records=records(), bad=[], removed=[]), NOW)
    row = dict(kind=READ, at=NOW, channel=NEWS)
    store.signals.add_signals([{**row, "item_id": "a0", "user_id": u} for u in (ANN, ANN, BOB)])
    assert counted(store, READ) == {"a0": 2}
    mixed = [{**row, "item_id": i, "user_id": ANN} for i in ("a1", "gone", "a2", "a0")]
    store.signals.add_signals(mixed)  # one unknown item: the rest are still stored
    assert counted(store, READ) == {"a0": 2, "a1": 1, "a2": 1}
