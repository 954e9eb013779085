"""The Edit modal end to end: open it, submit it, see errors or the approved, edited card."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from factories import make_article, make_record
from slackdriver import SlackDriver
from slacklimits import view_problems

from bot.app.listeners.views import (
    EDIT_CALLBACK_ID,
    EXCERPT_ACTION,
    EXCERPT_BLOCK,
    NOT_ALLOWED,
    TITLE_ACTION,
    TITLE_BLOCK,
    TITLE_REQUIRED,
    Edits,
    edit_modal,
    validate,
)
from bot.content.article import APPROVED
from bot.publishing.review import run_review
from bot.slack.blockkit.messages import ACTION_APPROVE, ACTION_EDIT
from bot.slack.client import make_client

REVIEW = "CREVIEW"
EDITOR, OTHER, READER = "UEDITOR", "UOTHER", "UREADER"


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackDriver]:
    records = [make_record("a0", title="Orignal tilte", excerpt="Old text.", quality=80)]
    with SlackDriver(tmp_path, records=records, review=REVIEW, approvers=(EDITOR, OTHER)) as driver:
        outcome = run_review(driver.settings, driver.store, make_client(driver.settings), _now())
        assert outcome.posted == ["a0"]
        yield driver


def _now() -> datetime:
    return datetime.now(UTC)


def review_ts(slack: SlackDriver) -> str:
    return slack.store.reviews.review_post("a0")[1]


def open_editor(slack: SlackDriver, user: str = EDITOR) -> None:
    assert slack.click(ACTION_EDIT, "a0", user=user, channel=REVIEW, message_ts=review_ts(slack))
    slack.wait_idle()


def submit(
    slack: SlackDriver, title: str | None, excerpt: str | None = "New text.", *, user: str = EDITOR
) -> dict | str:
    values = {TITLE_BLOCK: {TITLE_ACTION: title}, EXCERPT_BLOCK: {EXCERPT_ACTION: excerpt}}
    status, body = slack.submit_view(EDIT_CALLBACK_ID, values, "a0", user=user)
    assert status == 200
    slack.wait_idle()
    return body


def assert_nothing_decided(slack: SlackDriver) -> None:
    assert slack.store.reviews.decision("a0") is None
    assert slack.fake.calls_to("chat.update") == []


def test_a_valid_submission_approves_with_the_edits_and_updates_the_card(
    slack: SlackDriver,
) -> None:
    open_editor(slack)
    body = submit(slack, "  Original   title ", "Fixed excerpt, with <b>care</b> & sense.")
    assert body in ("", {})  # a bare ack closes the modal
    decision = slack.store.reviews.decision("a0")
    assert (decision.decision, decision.user_id) == (APPROVED, EDITOR)
    edited = slack.store.article("a0")
    assert edited.title == "Original title"
    assert edited.excerpt == "Fixed excerpt, with <b>care</b> & sense."
    assert slack.store.article("a0", edited=False).title == "Orignal tilte"
    [update] = slack.fake.calls_to("chat.update")
    blocks = update.args["blocks"]
    assert blocks[0]["text"]["text"] == "Original title"
    assert "with &lt;b&gt;care&lt;/b&gt; &amp; sense" in blocks[1]["text"]["text"]
    assert not any(b["type"] == "actions" for b in blocks)
    assert blocks[-1]["elements"][0]["text"].startswith(f"✅ Approved by <@{EDITOR}>")


@pytest.mark.parametrize("title", ["", "   ", None])
def test_an_empty_title_is_refused_on_the_title_input(
    slack: SlackDriver, title: str | None
) -> None:
    open_editor(slack)
    body = submit(slack, title)
    assert body == {"response_action": "errors", "errors": {TITLE_BLOCK: TITLE_REQUIRED}}
    assert_nothing_decided(slack)


def test_over_long_fields_are_refused(slack: SlackDriver) -> None:
    open_editor(slack)
    body = submit(slack, "t" * 151, "e" * 3001)
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {TITLE_BLOCK, EXCERPT_BLOCK}
    assert "150" in body["errors"][TITLE_BLOCK] and "3000" in body["errors"][EXCERPT_BLOCK]
    assert_nothing_decided(slack)


def test_an_empty_excerpt_is_allowed(slack: SlackDriver) -> None:
    open_editor(slack)
    assert submit(slack, "Title", None) in ("", {})
    assert slack.store.article("a0").excerpt == ""


def test_a_non_approver_submission_closes_the_modal_and_is_refused_privately(
    slack: SlackDriver,
) -> None:
    # Changed on purpose: the approver check runs after the ack (it may call Slack).
    assert submit(slack, "Sneaky title", user=READER) in ("", {})
    assert slack.fake.ephemeral_texts(REVIEW, READER) == [NOT_ALLOWED]
    assert_nothing_decided(slack)


def test_a_refusal_reaches_home_when_the_ephemeral_cannot_be_posted(slack: SlackDriver) -> None:
    slack.fake.fail("chat.postEphemeral", "error", error="user_not_in_channel")
    submit(slack, "Sneaky title", user=READER)
    assert NOT_ALLOWED in json.dumps(slack.fake.home_view(READER)["blocks"][:2])
    assert_nothing_decided(slack)


def test_a_submission_after_someone_else_decided_names_them(slack: SlackDriver) -> None:
    open_editor(slack)
    assert slack.click(
        ACTION_APPROVE, "a0", user=OTHER, channel=REVIEW, message_ts=review_ts(slack)
    )
    slack.wait_idle()
    # Changed on purpose: the modal closes, the ephemeral names them (a mention, no users.info).
    assert submit(slack, "My better title") in ("", {})
    [told] = slack.fake.ephemeral_texts(REVIEW, EDITOR)
    assert told.startswith(f"Already approved by <@{OTHER}> (<!date^")
    assert told.endswith("Your edits were not saved.")
    assert slack.store.article("a0").title == "Orignal tilte"
    assert len(slack.fake.calls_to("chat.update")) == 1  # only OTHER's approval
    assert slack.fake.calls_to("users.info") == []


def test_resubmitting_the_same_edits_closes_the_modal_quietly(slack: SlackDriver) -> None:
    open_editor(slack)
    assert submit(slack, "Original title") in ("", {})
    assert submit(slack, "Original title") in ("", {})
    assert slack.store.reviews.decision("a0").user_id == EDITOR
    assert len(slack.fake.calls_to("chat.update")) == 1
    assert slack.fake.ephemeral_texts(REVIEW, EDITOR) == []


def test_the_ack_waits_for_no_slack_call(tmp_path: Path) -> None:
    records = [make_record("a0", title="Old", quality=80)]
    with SlackDriver(tmp_path, records=records, review=REVIEW, approvers=("SEDITORS",)) as slack:
        slack.fake.set_usergroup("SEDITORS", [EDITOR])
        slack.fake.set_delay("usergroups.users.list", 2.0)
        slack.command("help")  # Bolt's one-time auth.test, outside the timing
        values = {TITLE_BLOCK: {TITLE_ACTION: "New"}, EXCERPT_BLOCK: {EXCERPT_ACTION: ""}}
        started = time.monotonic()
        status, body = slack.submit_view(EDIT_CALLBACK_ID, values, "a0", user=EDITOR)
        assert (status, body) in ((200, ""), (200, {}))
        assert time.monotonic() - started < 1.0  # listing the group takes 2 s: after the ack
        slack.wait_idle()
        assert slack.store.reviews.decision("a0").user_id == EDITOR
        assert slack.store.article("a0").title == "New"


def test_the_modal_is_within_limits_even_for_huge_records() -> None:
    article = make_article("x", title="T " * 400, excerpt="word " * 2000)
    view = edit_modal(article)
    inputs = [b["element"] for b in view["blocks"] if b["type"] == "input"]
    assert all(len(e["initial_value"]) <= e["max_length"] for e in inputs)
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    assert view_problems(view) == []


def test_validate_is_pure_and_names_each_block() -> None:
    assert validate(Edits("Fine", "Fine.")) == {}
    assert set(validate(Edits("", "e" * 3001))) == {TITLE_BLOCK, EXCERPT_BLOCK}
