"""create_app: request verification end to end, and what building the app does (nothing)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlencode

import pytest
from factories import make_record
from fakeslack import FakeSlack
from slackdriver import SlackDriver
from slackpayloads import post_signed, signature_headers

from bot.app.app import create_app, registered_commands, registered_events
from bot.config import ConfigError, Settings
from bot.secret import Secret
from bot.slack.client import make_client
from bot.store.store import Store

Driver = Callable[..., SlackDriver]
FORM = "application/x-www-form-urlencoded"
STALE = 5 * 60 + 30  # Slack's replay window is five minutes


def share_body(slack: SlackDriver) -> bytes:
    return urlencode(slack.command_fields("share a1", channel="CNEWS")).encode()


def assert_untouched(slack: SlackDriver) -> None:
    """Nothing reached Slack, the user, or the database."""
    slack.wait_idle()
    assert slack.fake.calls == []
    assert slack.responses() == []
    assert not slack.store.is_published("a1", "CNEWS")


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param({"secret": "not-the-signing-secret"}, id="wrong-secret"),
        pytest.param({"skew": -STALE}, id="stale-timestamp"),
        pytest.param({"skew": STALE}, id="future-timestamp"),
    ],
)
def test_bad_signatures_get_401_and_change_nothing(driver: Driver, forge: dict) -> None:
    slack = driver(records=[make_record("a1", quality=90)])
    # The timestamp is taken now, not when tests are collected minutes earlier.
    if "skew" in forge:
        forge = {"timestamp": int(time.time()) + forge["skew"]}
    status, _ = slack.signed_post(share_body(slack), FORM, **forge)
    assert status == 401
    assert_untouched(slack)


def test_a_tampered_body_gets_401(driver: Driver) -> None:
    slack = driver(records=[make_record("a1", quality=90)])
    body = share_body(slack)
    headers = signature_headers(body, FORM, slack.secret)
    tampered = body.replace(b"share+a1", b"share+a2")
    assert tampered != body
    request = urllib.request.Request(slack.base_url + "/slack/events", tampered, headers)
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 401
    assert post_signed(slack.base_url, body, FORM, slack.secret)[0] == 200  # the original is fine
    slack.wait_idle()
    assert len(slack.fake.messages("CNEWS")) == 1


def test_an_unsigned_request_gets_401(driver: Driver) -> None:
    slack = driver(records=[make_record("a1", quality=90)])
    request = urllib.request.Request(
        slack.base_url + "/slack/events", share_body(slack), {"Content-Type": FORM}
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 401
    assert_untouched(slack)


def test_a_correctly_signed_request_is_answered(driver: Driver) -> None:
    slack = driver(records=[make_record("a1", quality=90)])
    assert slack.signed_post(share_body(slack), FORM)[0] == 200
    slack.wait_idle()
    assert len(slack.fake.messages("CNEWS")) == 1


def test_building_the_app_calls_nothing_and_auth_test_runs_once_at_first_request(
    driver: Driver,
) -> None:
    slack = driver()
    assert slack.fake.calls == []  # create_app and the server start made no Slack call
    slack.command("help")
    slack.command("topics")
    assert [c.method for c in slack.fake.calls] == ["auth.test"]


def test_listeners_declare_what_they_answer() -> None:
    assert registered_commands() == ["/newsdesk"]
    assert registered_events() == ["app_home_opened", "reaction_added", "reaction_removed"]


def settings_for(tmp_path, fake: FakeSlack, **changes) -> Settings:
    base = Settings(
        content_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'n.db'}",
        bot_token=Secret(fake.token),
        slack_api_url=fake.url,
    )
    return replace(base, **changes)


def test_http_mode_without_a_signing_secret_is_refused(tmp_path) -> None:
    with FakeSlack() as fake:
        settings = settings_for(tmp_path, fake)
        store = Store(settings.database_url)
        try:
            with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
                create_app(settings, store, make_client(settings))
        finally:
            store.close()
        assert fake.calls == []


def test_socket_mode_builds_without_a_signing_secret(tmp_path) -> None:
    with FakeSlack() as fake:
        settings = settings_for(tmp_path, fake, app_token=Secret("xapp-1-test"))
        store = Store(settings.database_url)
        try:
            app = create_app(settings, store, make_client(settings))
        finally:
            store.close()
        assert app.client.base_url == fake.url  # apps.connections.open will reach the fake
        assert fake.calls == []
