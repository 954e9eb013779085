"""Requests shaped like Slack's: the v0 signature, the POST to /slack/events, and the
payloads Slack sends (slash command fields, block_actions, view_submission, shortcuts,
Events API envelopes). Pure builders; `slackdriver.SlackDriver` sends them to a running app.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from fakeslack import APP_ID

TEAM_ID = "T0001"
TEAM_DOMAIN = "newsroom"
VERIFICATION_TOKEN = "legacy-verification-token"  # Slack still sends it; nobody checks it
EVENTS_PATH = "/slack/events"
HTTP_TIMEOUT = 10.0


def signature_headers(
    body: bytes, content_type: str, secret: str, *, timestamp: int | None = None
) -> dict[str, str]:
    """The headers Slack signs a request with (v0: HMAC-SHA256 of "v0:<ts>:<body>")."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


def post_signed(
    base_url: str, body: bytes, content_type: str, secret: str, *, timestamp: int | None = None
) -> tuple[int, bytes]:
    """POST a signed body to `base_url` + /slack/events; (status, body), errors included."""
    headers = signature_headers(body, content_type, secret, timestamp=timestamp)
    request = urllib.request.Request(
        base_url + EVENTS_PATH, data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def decoded(raw: bytes) -> dict | str:
    """A response body as JSON when it is a JSON object, else as text."""
    text = raw.decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return parsed if isinstance(parsed, dict) else text


def slash_fields(text: str, *, user: str, channel: str, response_url: str) -> dict[str, str]:
    """The form fields of a `/newsdesk <text>` request (the Socket Mode payload too)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel,
        "channel_name": channel.lower(),
        "user_id": user,
        "user_name": user.lower(),
        "command": "/newsdesk",
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": _trigger_id(),
    }


def block_actions(
    action_id: str,
    value: str,
    *,
    user: str,
    response_url: str,
    channel: str | None = None,
    message_ts: str | None = None,
    message: dict | None = None,
    view: dict | None = None,
) -> dict:
    """A block_actions payload for one button click in a channel message or a view."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": _trigger_id(),
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "response_url": response_url,
        "actions": [_action(action_id, value, message or view)],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
    if channel is not None:
        payload["channel"] = {"id": channel, "name": channel.lower()}
        payload["container"] = _message_container(channel, message_ts)
        if message is not None:
            payload["message"] = message
    return payload


def view_submission(view: dict, *, user: str) -> dict:
    """A view_submission payload for `view` (with its state) submitted by `user`."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": _trigger_id(),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
    }


def shortcut(
    callback_id: str, *, user: str, message: dict | None, channel: str, response_url: str
) -> dict:
    """A shortcut payload: on `message` (a message_action in `channel`), else a global one."""
    payload: dict[str, Any] = {
        "type": "shortcut",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(user),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": _trigger_id(),
    }
    if message is not None:
        payload.update(
            type="message_action",
            channel={"id": channel, "name": channel.lower()},
            message_ts=message.get("ts", f"{time.time():.6f}"),
            message={"type": "message", "user": "UPOSTER", **message},
            response_url=response_url,
        )
    return payload


def event_callback(event: dict, *, bot_user_id: str, event_id: str, context: str) -> dict:
    """An Events API `event_callback` envelope around `event`, authorized for the bot."""
    now = time.time()
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": {"event_ts": f"{now:.6f}", **event},
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(now),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": context,
    }


def _trigger_id() -> str:
    return f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"


def _user(user: str) -> dict:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID}


def _message_container(channel: str, ts: str | None) -> dict:
    if ts is None:  # an ephemeral message: Slack sends no message body with it
        return {"type": "message", "channel_id": channel, "is_ephemeral": True}
    return {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False}


def _action(action_id: str, value: str, source: dict | None) -> dict:
    return {
        "type": "button",
        "action_id": action_id,
        "block_id": _block_id(source, action_id, value),
        "text": {"type": "plain_text", "text": action_id, "emoji": True},
        "value": value,
        "action_ts": f"{time.time():.6f}",
    }


def _block_id(source: dict | None, action_id: str, value: str) -> str:
    """The id of the block holding that button in the clicked message/view, if known."""
    for block in (source or {}).get("blocks", []):
        for element in block.get("elements", []):
            if element.get("action_id") == action_id and element.get("value") == value:
                return str(block.get("block_id", ""))
    return f"actions:{value}"


def state_values(values: dict) -> dict:
    """Modal state.values from {block: {action: text or element state}}."""
    out: dict[str, dict] = {}
    for block_id, actions in values.items():
        out[block_id] = {
            action_id: (
                {"type": "plain_text_input", "value": v} if isinstance(v, str) or v is None else v
            )
            for action_id, v in actions.items()
        }
    return out
