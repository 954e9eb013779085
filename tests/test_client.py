"""The Slack edge (`make_client`, `post`, `update`) against the fake Slack Web API.

What counts is what Slack would have received and kept: the fake records every request.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fakeslack import FakeSlack
from slack_sdk.errors import SlackApiError

from bot.config import Settings, load_settings
from bot.content.article import Article, Image, Provider
from bot.slack.blockkit.cards import card_message
from bot.slack.client import error_code, make_client, post, update

CHANNEL = "C0NEWS"
IMAGE_ERROR = "[ERROR] downloading image failed [json-pointer:/blocks/2/image_url]"


def settings_for(fake: FakeSlack, token: str | None = None) -> Settings:
    env = {"SLACK_BOT_TOKEN": token or fake.token, "SLACK_API_URL": fake.url}
    return load_settings(None, env)


def message() -> dict:
    art = Article(
        id="hbm4",
        title="Chipmakers Race to Ship HBM4",
        url="https://www.semibrief.com/hbm4/",
        excerpt="Wider interfaces double bandwidth.",
        published_at=datetime(2026, 11, 25, 8, tzinfo=UTC),
        provider=Provider("Semiconductor Brief"),
        images=(Image("https://img.example.com/dead.jpg"),),
    )
    return card_message(art, UTC)


def block_types(msg: dict) -> list[str]:
    return [b["type"] for b in msg["blocks"]]


def test_the_client_talks_to_slack_api_url_with_the_bot_token(fake: FakeSlack) -> None:
    client = make_client(settings_for(fake))

    assert client.auth_test()["user_id"] == fake.bot_user_id
    (call,) = fake.calls_to("auth.test")
    assert call.headers["authorization"] == f"Bearer {fake.token}"


def test_a_wrong_token_is_reported_by_slack_error_code(fake: FakeSlack) -> None:
    client = make_client(settings_for(fake, token="xoxb-wrong"))

    with pytest.raises(SlackApiError) as info:
        client.auth_test()
    assert error_code(info.value) == "invalid_auth"


def test_post_sends_the_card_without_unfurls_and_returns_its_ts(fake: FakeSlack) -> None:
    client = make_client(settings_for(fake))
    sent = message()

    ts = post(client, CHANNEL, sent, metadata={"event_type": "t", "event_payload": {"a": 1}})

    (stored,) = fake.messages(CHANNEL)
    assert stored["ts"] == ts
    assert stored["text"] == sent["text"]
    assert stored["blocks"] == sent["blocks"]
    assert stored["metadata"] == {"event_type": "t", "event_payload": {"a": 1}}
    (call,) = fake.calls_to("chat.postMessage")
    assert call.args["unfurl_links"] in (False, "false", "0")
    assert call.args["unfurl_media"] in (False, "false", "0")


def test_post_can_reply_in_a_thread(fake: FakeSlack) -> None:
    client = make_client(settings_for(fake))
    parent = post(client, CHANNEL, message())

    reply = post(client, CHANNEL, message(), thread_ts=parent)

    top, threaded = fake.messages(CHANNEL)
    assert (top["ts"], threaded["ts"]) == (parent, reply)
    assert threaded["thread_ts"] == parent


def test_a_dead_image_is_dropped_and_the_message_posted_again(fake: FakeSlack) -> None:
    client = make_client(settings_for(fake))
    sent = message()
    assert "image" in block_types(sent)
    fake.fail("chat.postMessage", "error", error="invalid_blocks", messages=[IMAGE_ERROR])

    ts = post(client, CHANNEL, sent)

    first, second = fake.calls_to("chat.postMessage")
    assert first.answered == "error:invalid_blocks"
    assert second.answered == "ok"
    (stored,) = fake.messages(CHANNEL)
    assert stored["ts"] == ts
    assert "image" not in block_types(stored)
    assert block_types(stored) == [t for t in block_types(sent) if t != "image"]
    assert stored["text"] == sent["text"]


def test_other_invalid_blocks_errors_are_not_retried(fake: FakeSlack) -> None:
    client = make_client(settings_for(fake))
    fake.fail(
        "chat.postMessage",
        "error",
        error="invalid_blocks",
        messages=["[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text]"],
    )

    with pytest.raises(SlackApiError) as info:
        post(client, CHANNEL, message())

    assert error_code(info.value) == "invalid_blocks"
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert fake.messages(CHANNEL) == []


def test_channel_not_found_is_raised_with_its_code(fake: FakeSlack) -> None:
    client = make_client(settings_for(fake))
    fake.fail("chat.postMessage", "error", error="channel_not_found")

    with pytest.raises(SlackApiError) as info:
        post(client, CHANNEL, message())

    assert error_code(info.value) == "channel_not_found"
    assert fake.messages(CHANNEL) == []


def test_a_rate_limit_is_waited_out_then_the_post_lands_once(fake: FakeSlack) -> None:
    client = make_client(settings_for(fake))
    fake.fail("chat.postMessage", "ratelimited", retry_after=1)

    post(client, CHANNEL, message())

    limited, landed = fake.calls_to("chat.postMessage")
    assert (limited.answered, landed.answered) == ("429", "ok")
    assert landed.at - limited.at >= 0.9  # Retry-After honoured
    assert len(fake.messages(CHANNEL)) == 1


def test_a_server_error_is_retried_and_the_post_lands_once(fake: FakeSlack) -> None:
    client = make_client(settings_for(fake))
    fake.fail("chat.postMessage", "server_error")

    post(client, CHANNEL, message())

    assert [c.answered for c in fake.calls_to("chat.postMessage")] == ["500", "ok"]
    assert len(fake.messages(CHANNEL)) == 1


def test_update_replaces_the_message_in_place(fake: FakeSlack) -> None:
    client = make_client(settings_for(fake))
    ts = post(client, CHANNEL, message())
    changed = {
        "text": "Approved",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "ok"}}],
    }

    update(client, CHANNEL, ts, changed)

    (stored,) = fake.messages(CHANNEL)
    assert stored["ts"] == ts
    assert stored["text"] == "Approved"
    assert stored["blocks"] == changed["blocks"]


def test_update_drops_a_dead_image_too(fake: FakeSlack) -> None:
    client = make_client(settings_for(fake))
    ts = post(client, CHANNEL, {"text": "placeholder", "blocks": []})
    fake.fail("chat.update", "error", error="invalid_blocks", messages=[IMAGE_ERROR])

    update(client, CHANNEL, ts, message())

    assert [c.answered for c in fake.calls_to("chat.update")] == ["error:invalid_blocks", "ok"]
    (stored,) = fake.messages(CHANNEL)
    assert stored["text"] == message()["text"]
    assert "image" not in block_types(stored)
