"""The fake Slack's Socket Mode server (fakesocket), driven by slack_sdk's own client."""

from __future__ import annotations

import pytest
from fakeslack import FakeSlack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

TOKEN = "xoxb-test-token"


def client(fake: FakeSlack, *handlers: object, **kwargs: object) -> WebClient:
    """A WebClient on the fake with exactly these retry handlers (none by default)."""
    return WebClient(token=TOKEN, base_url=fake.url, retry_handlers=list(handlers), **kwargs)


def socket_client(web: WebClient, *, reconnect: bool = False) -> SocketModeClient:
    """slack_sdk's builtin client; its listener acks every envelope with a payload."""
    sm = SocketModeClient(app_token="xapp-1-test", web_client=web, auto_reconnect_enabled=reconnect)

    def ack(sm_client: SocketModeClient, req: SocketModeRequest) -> None:
        sm.received.append(req)  # type: ignore[attr-defined]
        reply = SocketModeResponse(envelope_id=req.envelope_id, payload={"text": "on it"})
        sm_client.send_socket_mode_response(reply)

    sm.received = []  # type: ignore[attr-defined]
    sm.socket_mode_request_listeners.append(ack)
    return sm


def test_socket_mode_round_trip(fake: FakeSlack) -> None:
    web = client(fake)
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        web.apps_connections_open(app_token=TOKEN)
    sm = socket_client(web)
    try:
        sm.connect()
        assert fake.calls_to("apps.connections.open")[-1].answered == "ok"
        command = {"command": "/newsdesk", "text": "help", "user_id": "U1", "channel_id": "C1"}
        envelope_id = fake.send_envelope("slash_commands", command, accepts_response_payload=True)
        ack = fake.wait_ack(envelope_id)
        assert ack == {"envelope_id": envelope_id, "payload": {"text": "on it"}}
        request = sm.received[0]  # type: ignore[attr-defined]
        assert (request.type, request.payload) == ("slash_commands", command)
        assert request.accepts_response_payload is True
    finally:
        fake.close_socket_connections()  # else close() sits out the client's 3 s read timeout
        sm.close()


def test_socket_mode_disconnect_makes_client_reconnect(fake: FakeSlack) -> None:
    sm = socket_client(client(fake), reconnect=True)
    try:
        sm.connect()
        fake.send_disconnect()
        fake.wait_for("apps.connections.open", 2)  # the client asked for a new URL
        event = {"type": "app_home_opened", "user": "U1", "tab": "home"}
        envelope_id = fake.send_envelope("events_api", {"event": event})
        assert fake.wait_ack(envelope_id)["envelope_id"] == envelope_id
        assert sm.received[0].retry_attempt == 0  # type: ignore[attr-defined]
    finally:
        sm.auto_reconnect_enabled = False
        fake.close_socket_connections()
        sm.close()
