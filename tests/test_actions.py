"""Review buttons end to end: signed block_actions in, what editors see in (fake) Slack out."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from factories import make_record
from slackdriver import SlackDriver

from bot.app.listeners.actions import GONE, REFUSAL
from bot.app.listeners.views import EDIT_CALLBACK_ID, EXCERPT_BLOCK, TITLE_BLOCK
from bot.content.article import APPROVED, REJECTED, Image
from bot.publishing.review import run_review
from bot.slack.blockkit.cards import ACTION_READ, ACTION_SHARE
from bot.slack.blockkit.messages import ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT
from bot.slack.client import make_client

REVIEW = "CREVIEW"
EDITOR, OTHER, READER = "UEDITOR", "UOTHER", "UREADER"
IMAGE_FAILED = "[ERROR] downloading image failed [json-pointer:/blocks/2/image_url]"


def records() -> list:
    return [
        make_record(
            f"a{n}",
            title=f"Story number {n}",
            excerpt=f"What happened in story {n}.",
            quality=90 - n,
            images=(Image(f"https://img.example.com/{n}.jpg"),),
        )
        for n in range(3)
    ]


def send_for_review(driver: SlackDriver) -> dict[str, str]:
    """Post a review round (the scheduled job's code); item id -> review message ts."""
    client = make_client(driver.settings)
    outcome = run_review(driver.settings, driver.store, client, datetime.now(UTC))
    assert outcome.posted, outcome
    return {item: driver.store.reviews.review_post(item)[1] for item in outcome.posted}


def review_message(driver: SlackDriver, ts: str) -> dict:
    return next(m for m in driver.fake.messages(REVIEW) if m["ts"] == ts)


def has_buttons(message: dict) -> bool:
    return any(b["type"] == "actions" for b in message["blocks"])


def verdict_line(message: dict) -> str:
    return message["blocks"][-1]["elements"][0]["text"]


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackDriver]:
    with SlackDriver(
        tmp_path, records=records(), review=REVIEW, approvers=(EDITOR, OTHER)
    ) as driver:
        yield driver


@pytest.fixture
def posted(slack: SlackDriver) -> dict[str, str]:
    return send_for_review(slack)


def click(slack: SlackDriver, action: str, item: str, ts: str, user: str = EDITOR) -> None:
    assert slack.click(action, item, user=user, channel=REVIEW, message_ts=ts) == 200
    slack.wait_idle()


def test_approve_records_who_and_when_and_updates_the_message_in_place(
    slack: SlackDriver, posted: dict[str, str]
) -> None:
    before = datetime.now(UTC)
    click(slack, ACTION_APPROVE, "a0", posted["a0"])
    decision = slack.store.reviews.decision("a0")
    assert decision is not None and decision.decision == APPROVED
    assert decision.user_id == EDITOR and decision.decided_at.replace(tzinfo=UTC) >= before
    [update] = slack.fake.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (REVIEW, posted["a0"])
    message = review_message(slack, posted["a0"])
    assert not has_buttons(message)
    assert verdict_line(message).startswith(f"✅ Approved by <@{EDITOR}> · <!date^")
    assert message["text"].startswith("Approved: Story number 0")
    assert has_buttons(review_message(slack, posted["a1"]))  # the others are untouched
    assert slack.fake.ephemerals(REVIEW) == []


def test_reject_shows_the_verdict(slack: SlackDriver, posted: dict[str, str]) -> None:
    click(slack, ACTION_REJECT, "a1", posted["a1"])
    assert slack.store.reviews.decision("a1").decision == REJECTED
    message = review_message(slack, posted["a1"])
    assert not has_buttons(message)
    assert verdict_line(message).startswith(f"🚫 Rejected by <@{EDITOR}>")


@pytest.mark.parametrize("action", [ACTION_APPROVE, ACTION_REJECT, ACTION_EDIT])
def test_a_non_approver_is_refused_privately_and_nothing_changes(
    slack: SlackDriver, posted: dict[str, str], action: str
) -> None:
    click(slack, action, "a0", posted["a0"], user=READER)
    assert slack.fake.ephemeral_texts(REVIEW, READER) == [REFUSAL]
    assert slack.store.reviews.decision("a0") is None
    assert slack.fake.calls_to("chat.update") == []
    assert slack.fake.calls_to("views.open") == []
    assert has_buttons(review_message(slack, posted["a0"]))


def test_two_editors_clicking_at_once_make_one_decision(
    slack: SlackDriver, posted: dict[str, str]
) -> None:
    slack.fake.set_delay("chat.update", 0.2)  # keep the winner's update in flight
    start = threading.Barrier(2)
    statuses: list[int] = []

    def press(user: str, action: str) -> None:
        start.wait()
        statuses.append(
            slack.click(action, "a0", user=user, channel=REVIEW, message_ts=posted["a0"])
        )

    threads = [
        threading.Thread(target=press, args=(EDITOR, ACTION_APPROVE)),
        threading.Thread(target=press, args=(OTHER, ACTION_REJECT)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    slack.wait_idle()
    assert statuses == [200, 200]
    decision = slack.store.reviews.decision("a0")
    winner = decision.user_id
    loser = OTHER if winner == EDITOR else EDITOR
    assert len(slack.fake.calls_to("chat.update")) == 1
    [told] = slack.fake.ephemeral_texts(REVIEW, loser)
    assert told.startswith(f"Already {decision.decision} by <@{winner}> (<!date^")
    assert slack.fake.ephemeral_texts(REVIEW, winner) == []


def test_a_double_click_decides_once(slack: SlackDriver, posted: dict[str, str]) -> None:
    click(slack, ACTION_APPROVE, "a0", posted["a0"])
    click(slack, ACTION_APPROVE, "a0", posted["a0"])
    assert len(slack.fake.calls_to("chat.update")) == 1
    [told] = slack.fake.ephemeral_texts(REVIEW, EDITOR)
    assert told.startswith(f"Already approved by <@{EDITOR}>")


def test_an_image_slack_cannot_fetch_is_dropped_from_the_update(
    slack: SlackDriver, posted: dict[str, str]
) -> None:
    slack.fake.fail("chat.update", "error", error="invalid_blocks", messages=[IMAGE_FAILED])
    click(slack, ACTION_APPROVE, "a0", posted["a0"])
    first, second = slack.fake.calls_to("chat.update")
    assert any(b["type"] == "image" for b in first.args["blocks"])
    assert not any(b["type"] == "image" for b in second.args["blocks"])
    assert not has_buttons(review_message(slack, posted["a0"]))


def test_the_decision_stands_when_slack_refuses_the_update(
    slack: SlackDriver, posted: dict[str, str]
) -> None:
    slack.fake.fail("chat.update", "error", error="message_not_found")
    click(slack, ACTION_APPROVE, "a0", posted["a0"])
    assert slack.store.reviews.decision("a0").decision == APPROVED


def test_an_unknown_item_is_reported(slack: SlackDriver, posted: dict[str, str]) -> None:
    click(slack, ACTION_APPROVE, "nope", posted["a0"])
    assert slack.fake.ephemeral_texts(REVIEW, EDITOR) == [GONE]
    assert slack.fake.calls_to("chat.update") == []


def test_edit_opens_a_prefilled_modal(slack: SlackDriver, posted: dict[str, str]) -> None:
    click(slack, ACTION_EDIT, "a0", posted["a0"])
    [call] = slack.fake.calls_to("views.open")
    assert call.args["trigger_id"]
    [view] = slack.fake.opened_views()
    assert view["callback_id"] == EDIT_CALLBACK_ID and view["private_metadata"] == "a0"
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    title, excerpt = inputs[TITLE_BLOCK], inputs[EXCERPT_BLOCK]
    assert (title["initial_value"], title["max_length"]) == ("Story number 0", 150)
    assert excerpt["initial_value"] == "What happened in story 0."
    assert excerpt["multiline"] is True and excerpt["max_length"] == 3000
    assert slack.store.reviews.decision("a0") is None  # opening the editor decides nothing


def test_edit_after_a_decision_says_who_decided(slack: SlackDriver, posted: dict[str, str]) -> None:
    click(slack, ACTION_REJECT, "a0", posted["a0"], user=OTHER)
    click(slack, ACTION_EDIT, "a0", posted["a0"])
    assert slack.fake.calls_to("views.open") == []
    [told] = slack.fake.ephemeral_texts(REVIEW, EDITOR)
    assert told.startswith(f"Already rejected by <@{OTHER}>")


def test_read_is_only_acknowledged(slack: SlackDriver, posted: dict[str, str]) -> None:
    before = len(slack.fake.calls)
    click(slack, ACTION_READ, "", posted["a0"], user=READER)
    # Bolt checks its token once, at the first request: nothing else reaches Slack.
    assert {c.method for c in slack.fake.calls[before:]} <= {"auth.test"}


def test_share_posts_the_card_where_the_results_were_shown(slack: SlackDriver) -> None:
    slack.store.reviews.decide(
        "a2", APPROVED, OTHER, datetime.now(UTC)
    )  # review mode: approved only
    # Share sits on ephemeral search results: Slack sends the channel, no message.
    assert slack.click(ACTION_SHARE, "a2", user=READER, channel="CNEWS") == 200
    slack.wait_idle()
    [card] = slack.fake.messages("CNEWS")
    assert card["blocks"][0]["text"]["text"] == "Story number 2"
    [answer] = slack.responses()
    assert answer["response_type"] == "ephemeral" and "Story number 2" in answer["text"]
    assert slack.store.is_published("a2", "CNEWS")


def test_share_of_an_unapproved_or_already_shared_item_is_refused(slack: SlackDriver) -> None:
    slack.store.reviews.decide("a1", REJECTED, OTHER, datetime.now(UTC))
    slack.store.reviews.decide("a2", APPROVED, OTHER, datetime.now(UTC))
    for item in ("a0", "a1", "a2", "a2"):  # pending, rejected, approved, approved again
        assert slack.click(ACTION_SHARE, item, user=READER, channel="CNEWS") == 200
        slack.wait_idle()
    said = [r["text"] for r in slack.responses()]
    assert ["not approved yet" in t for t in said] == [True, True, False, False]
    assert "Shared “Story number 2”" in said[2] and "already shared here" in said[3]
    [card] = slack.fake.messages("CNEWS")
    assert card["blocks"][0]["text"]["text"] == "Story number 2"
    assert not slack.store.is_published("a0", "CNEWS")


def test_a_user_group_member_may_decide_and_a_listing_error_refuses(tmp_path: Path) -> None:
    with SlackDriver(tmp_path, records=records(), review=REVIEW, approvers=("SEDITORS",)) as slack:
        slack.fake.set_usergroup("SEDITORS", [OTHER])
        posted = send_for_review(slack)
        slack.fake.fail("usergroups.users.list", "error", error="missing_scope")
        click(slack, ACTION_APPROVE, "a0", posted["a0"], user=OTHER)
        assert slack.fake.ephemeral_texts(REVIEW, OTHER) == [REFUSAL]
        assert slack.store.reviews.decision("a0") is None
        click(slack, ACTION_APPROVE, "a0", posted["a0"], user=OTHER)
        assert slack.store.reviews.decision("a0").user_id == OTHER
        assert not has_buttons(review_message(slack, posted["a0"]))
