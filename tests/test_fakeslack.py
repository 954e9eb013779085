"""Tests of the fake Slack, driven by the real slack_sdk clients (WebClient, SocketModeClient)."""

from __future__ import annotations

import json
import threading
import time
from urllib.error import URLError

import pytest
from fakeslack import FakeSlack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

TOKEN = "xoxb-test-token"
FAST = FixedValueRetryIntervalCalculator(0.05)
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}


def client(fake: FakeSlack, *handlers: object, **kwargs: object) -> WebClient:
    """A WebClient on the fake with exactly these retry handlers (none by default)."""
    return WebClient(token=TOKEN, base_url=fake.url, retry_handlers=list(handlers), **kwargs)


def test_auth_test_and_bad_token(fake: FakeSlack) -> None:
    me = client(fake).auth_test()
    assert (me["user_id"], me["team_id"], me["bot_id"]) == ("UBOT", "T0001", "B0001")
    with pytest.raises(SlackApiError) as err:
        WebClient(token="xoxb-wrong", base_url=fake.url).auth_test()
    assert err.value.response["error"] == "invalid_auth"
    assert fake.calls[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert [c.answered for c in fake.calls] == ["ok", "error:invalid_auth"]


def test_post_update_and_history_with_metadata(fake: FakeSlack) -> None:
    web = client(fake)
    meta = {"event_type": "newsdesk_digest", "event_payload": {"items": ["a1"]}}
    first = web.chat_postMessage(channel="C1", text="one", blocks=[SECTION], metadata=meta)
    second = web.chat_postMessage(channel="C1", text="two")
    web.chat_postMessage(channel="C1", text="reply", thread_ts=first["ts"])
    assert float(first["ts"]) < float(second["ts"])
    assert first["message"]["blocks"] == [SECTION]

    plain = web.conversations_history(channel="C1")["messages"]
    assert [m["text"] for m in plain] == ["two", "one"]  # newest first, no thread replies
    assert all("metadata" not in m for m in plain)  # only with include_all_metadata
    full = web.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert full[1]["metadata"] == meta and full[1]["reply_count"] == 1
    assert web.conversations_history(channel="C1", oldest=first["ts"])["messages"][0]["text"] == (
        "two"
    )
    replies = web.conversations_replies(channel="C1", ts=first["ts"])["messages"]
    assert [m["text"] for m in replies] == ["one", "reply"]

    web.chat_update(channel="C1", ts=first["ts"], text="edited", blocks=[])
    assert fake.messages("C1")[0]["text"] == "edited"
    with pytest.raises(SlackApiError, match="message_not_found"):
        web.chat_update(channel="C1", ts="1.000001", text="x")
    link = web.chat_getPermalink(channel="C1", message_ts=second["ts"])
    assert link["permalink"].startswith("https://")


def test_form_and_query_args_are_merged_and_decoded(fake: FakeSlack) -> None:
    web = client(fake)
    form = {"channel": "C2", "text": "t", "blocks": json.dumps([SECTION])}
    web.api_call("chat.postMessage", data=form)  # x-www-form-urlencoded, blocks as a string
    web.api_call("conversations.history", http_verb="GET", params={"channel": "C2", "limit": 1})
    assert fake.calls_to("chat.postMessage")[0].args["blocks"] == [SECTION]
    assert fake.calls_to("conversations.history")[0].args == {"channel": "C2", "limit": "1"}
    assert fake.messages("C2")[0]["blocks"] == [SECTION]


def test_validation_errors(fake: FakeSlack) -> None:
    web = client(fake)
    with pytest.raises(SlackApiError, match="no_text"):
        web.api_call("chat.postMessage", json={"channel": "C1"})
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        web.chat_postMessage(channel="C1", text="x", blocks=[SECTION] * 51)
    with pytest.raises(SlackApiError, match="unknown_method"):
        web.api_call("nope.nothing")
    assert fake.messages("C1") == []


def test_injected_error_surfaces_with_messages(fake: FakeSlack) -> None:
    pointer = ["[ERROR] downloading image failed [json-pointer:/blocks/2/image_url]"]
    fake.fail("chat.postMessage", "error", error="invalid_blocks", messages=pointer)
    web = client(fake)
    with pytest.raises(SlackApiError) as err:
        web.chat_postMessage(channel="C1", text="x", blocks=[SECTION])
    assert err.value.response["error"] == "invalid_blocks"
    assert err.value.response["response_metadata"]["messages"] == pointer
    web.chat_postMessage(channel="C1", text="again")  # the fault was used up
    assert [m["text"] for m in fake.messages("C1")] == ["again"]


def test_ratelimited_is_retried_after_retry_after(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", "ratelimited", retry_after=1)
    web = client(fake, RateLimitErrorRetryHandler(max_retry_count=1))
    assert web.chat_postMessage(channel="C1", text="x")["ok"]
    first, second = fake.wait_for("chat.postMessage", 2)
    assert (first.answered, second.answered) == ("429", "ok")
    assert 1.0 <= second.at - first.at < 2.5  # slack_sdk waits Retry-After + jitter < 1 s
    assert len(fake.messages("C1")) == 1


def test_ratelimited_without_retry_exposes_header(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", "ratelimited", retry_after=7)
    with pytest.raises(SlackApiError) as err:
        client(fake).chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"


def test_server_error_is_retried(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", "server_error", times=2)
    web = client(fake, ServerErrorRetryHandler(max_retry_count=2, interval_calculator=FAST))
    assert web.chat_postMessage(channel="C1", text="x")["ok"]
    assert [c.answered for c in fake.calls_to("chat.postMessage")] == ["500", "500", "ok"]


def test_dropped_connection(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", "drop")
    with pytest.raises((ConnectionError, URLError)):
        client(fake).chat_postMessage(channel="C1", text="lost")
    fake.fail("chat.postMessage", "drop")
    web = client(fake, ConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=FAST))
    assert web.chat_postMessage(channel="C1", text="kept")["ok"]
    answers = [c.answered for c in fake.calls_to("chat.postMessage")]
    assert answers == ["dropped", "dropped", "ok"]
    assert [m["text"] for m in fake.messages("C1")] == ["kept"]


def test_slow_call_lands_after_client_timeout(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", "slow", delay=1.0)
    with pytest.raises((TimeoutError, URLError)):
        client(fake, timeout=0.3).chat_postMessage(channel="C1", text="late")
    assert fake.messages("C1") == []  # not yet: the fake is still "working"
    assert fake.wait_for("chat.postMessage", timeout=3)[0].answered == "ok"
    assert [m["text"] for m in fake.messages("C1")] == ["late"]


def test_wait_for_reports_what_arrived(fake: FakeSlack) -> None:
    client(fake).auth_test()
    with pytest.raises(AssertionError, match=r"auth\.test"):
        fake.wait_for("chat.postMessage", timeout=0.2)


def test_concurrent_posts_get_unique_increasing_ts(fake: FakeSlack) -> None:
    web = client(fake)
    threads = [
        threading.Thread(target=web.chat_postMessage, kwargs={"channel": "C1", "text": str(i)})
        for i in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps = [m["ts"] for m in fake.messages("C1")]
    assert len(set(stamps)) == 20
    assert stamps == sorted(stamps, key=lambda ts: tuple(map(int, ts.split("."))))


def test_usergroups_users_ephemerals_and_views(fake: FakeSlack) -> None:
    web = client(fake)
    fake.set_usergroup("S1", ["U1", "U2"])
    assert web.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    with pytest.raises(SlackApiError, match="no_such_subteam"):
        web.usergroups_users_list(usergroup="S404")
    assert web.users_info(user="U1")["user"]["tz"] == "UTC"

    web.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert fake.ephemerals("C1")[0]["user"] == "U1" and fake.messages("C1") == []

    home = {"type": "home", "blocks": [SECTION]}
    published = web.views_publish(user_id="U1", view=home)["view"]
    assert published["id"].startswith("V") and fake.home_view("U1")["blocks"] == [SECTION]
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Edit"}, "blocks": []}
    with pytest.raises(SlackApiError, match="invalid_trigger_id"):
        web.views_open(trigger_id="", view=modal)
    opened = web.views_open(trigger_id="1.2.abc", view=modal)["view"]
    web.views_update(view_id=opened["id"], view={**modal, "blocks": [SECTION]})
    assert [v["id"] for v in fake.opened_views()] == [opened["id"]]


def test_set_delay_slows_every_call(fake: FakeSlack) -> None:
    fake.set_delay("auth.test", 0.3)
    web = client(fake)
    start = time.monotonic()
    web.auth_test()
    web.auth_test()
    assert time.monotonic() - start >= 0.6
    fake.set_delay("auth.test", 0)


def test_stop_is_prompt_and_leaves_no_threads() -> None:
    before = set(threading.enumerate())
    fake = FakeSlack(TOKEN).start()
    fake.start_socket_mode()
    fake.set_delay("auth.test", 30)  # a request stuck in the fake while we stop
    poster = threading.Thread(target=client(fake, timeout=10).auth_test)
    poster.start()
    time.sleep(0.2)
    start = time.monotonic()
    fake.stop()
    assert time.monotonic() - start < 2
    poster.join(5)
    assert set(threading.enumerate()) <= before
