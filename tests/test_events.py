"""App Home end to end: app_home_opened publishes the tab; review from it republishes it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from factories import make_record
from slackdriver import SlackDriver
from slacklimits import view_problems

from bot.app.home import QUEUE_HEADING
from bot.app.listeners.actions import REFUSAL
from bot.app.listeners.events import EVENTS
from bot.content.article import APPROVED
from bot.publishing.review import run_review
from bot.slack.blockkit.messages import ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT
from bot.slack.client import make_client

REVIEW = "CREVIEW"
EDITOR, READER = "UEDITOR", "UREADER"
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def records(count: int) -> list:
    return [make_record(f"a{n:03d}", title=f"Story {n}", quality=90 - n % 40) for n in range(count)]


def queue(driver: SlackDriver, count: int) -> None:
    """Mark the first `count` items as sent for review (as a review round would)."""
    for n in range(count):
        driver.store.reviews.mark_sent_for_review(f"a{n:03d}", REVIEW, f"1700000000.{n:06d}", NOW)


def open_home(driver: SlackDriver, user: str, tab: str = "home") -> dict | None:
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": tab}
    assert driver.event(event) == 200
    driver.wait_idle()
    return driver.fake.home_view(user)


def review_buttons(view: dict) -> list[tuple[str, str]]:
    ids = (ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT)
    elements = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return [(e["action_id"], e["value"]) for e in elements if e["action_id"] in ids]


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackDriver]:
    with SlackDriver(tmp_path, records=records(4), review=REVIEW) as driver:
        queue(driver, 2)
        driver.store.record_publications(["a003"], "CNEWS", "1700000001.000100", None, NOW)
        yield driver


def test_events_constant_names_what_is_handled() -> None:
    assert EVENTS == ["app_home_opened"]


def test_an_approver_sees_the_queue_with_buttons_and_the_latest_published(
    slack: SlackDriver,
) -> None:
    view = open_home(slack, EDITOR)
    [call] = slack.fake.calls_to("views.publish")
    assert call.args["user_id"] == EDITOR
    assert view["type"] == "home" and QUEUE_HEADING in json.dumps(view)
    assert {v for _, v in review_buttons(view)} == {"a000", "a001"}
    assert "Story 3" in json.dumps(view) and "<#CNEWS>" in json.dumps(view)


def test_a_reader_sees_publications_and_no_buttons(slack: SlackDriver) -> None:
    view = open_home(slack, READER)
    assert review_buttons(view) == [] and QUEUE_HEADING not in json.dumps(view)
    assert "Story 3" in json.dumps(view)


def test_the_messages_tab_publishes_nothing(slack: SlackDriver) -> None:
    assert open_home(slack, EDITOR, tab="messages") is None
    assert slack.fake.calls_to("views.publish") == []


def test_two_hundred_pending_items_stay_within_view_limits(tmp_path: Path) -> None:
    with SlackDriver(tmp_path, records=records(200), review=REVIEW) as driver:
        queue(driver, 200)
        view = open_home(driver, EDITOR)
    assert len(view["blocks"]) <= 100
    assert view_problems(view) == []
    shown = len({v for _, v in review_buttons(view)})
    assert f"…and {200 - shown} more waiting for review." in json.dumps(view, ensure_ascii=False)


def test_approve_from_home_decides_updates_the_review_message_and_republishes(
    tmp_path: Path,
) -> None:
    review = {"channel": REVIEW, "batch": 2}
    with SlackDriver(tmp_path, records=records(3), review=review) as driver:
        client = make_client(driver.settings)
        assert run_review(driver.settings, driver.store, client, NOW).posted == ["a000", "a001"]
        view = open_home(driver, EDITOR)
        assert driver.click(ACTION_APPROVE, "a000", user=EDITOR, view_id=view["id"]) == 200
        driver.wait_idle()
        assert driver.store.reviews.decision("a000").decision == APPROVED
        [update] = driver.fake.calls_to("chat.update")
        assert (update.args["channel"], update.args["ts"]) == driver.store.reviews.review_post(
            "a000"
        )
        assert not any(b["type"] == "actions" for b in update.args["blocks"])
        assert len(driver.fake.calls_to("views.publish")) == 2
        assert {v for _, v in review_buttons(driver.fake.home_view(EDITOR))} == {"a001"}


def test_a_reader_clicking_from_home_is_refused_and_nothing_changes(slack: SlackDriver) -> None:
    view = open_home(slack, READER)
    assert slack.click(ACTION_APPROVE, "a000", user=READER, view_id=view["id"]) == 200
    slack.wait_idle()
    assert slack.store.reviews.decision("a000") is None
    assert (
        slack.fake.calls_to("chat.update") == [] and slack.fake.calls_to("chat.postEphemeral") == []
    )
    assert REFUSAL in json.dumps(slack.fake.home_view(READER), ensure_ascii=False)
