"""The ASGI app HttpServer serves: Slack's endpoint, a health check, and 404 for the rest.

``Router`` serves ``POST /slack/events`` to a ``SlackEndpoint``, ``GET /healthz`` with
``{"ok": true, ...health()}`` (503 when ``health()`` raises) and 404 for anything else.
A request to Slack's endpoint is, in order: refused with 413 when its Content-Length (or,
chunked, what has arrived) passes ``MAX_BODY_BYTES``, before the rest is read; then handed
to the endpoint (bot/app/slackrequest.py), which checks its signature on the raw bytes
(401 when missing, forged or stale), has Bolt parse it (400 when a signed body is not
UTF-8 JSON / form data of an object) and dispatches it. Nothing unsigned is ever parsed,
and a malformed request is one warning line in the log: no body, no traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.app.slackrequest import SLACK_PATH, Scope, Send, SlackEndpoint

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
HEALTH_FAILED = "health check failed; see the logs"
# The largest request Slack sends this app is an interaction carrying the message or view
# clicked: message text is cut at 40,000 characters (chat.postMessage), blocks hold at most
# ~12,000 characters of text (msg_blocks_too_long) and 50 blocks, a view 100 blocks and a
# 3,000-character private_metadata (docs.slack.dev/reference/views/modal-views). Slack
# sends non-ASCII as \uXXXX (6 bytes) and form-encodes `payload=` (up to 3 bytes per byte):
# ~52,000 characters stay under 0.6 MB at worst. 1 MiB keeps a margin; Bolt for JS caps
# its receivers at 4 MB by default (slackapi/bolt-js#3057), which this stays well inside.
MAX_BODY_BYTES = 1 << 20
DRAIN_BYTES = 8 << 20  # how much of a rejected body is read (and dropped) before the 413

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]


class _BodyTooLarge(Exception):
    """A chunked body grew past the cap while it was being read."""


class _Disconnected(Exception):
    """The client went away before its whole body arrived."""


class Router:
    """The ASGI app: /healthz, the body cap, POST /slack/events; 404 for anything else."""

    def __init__(
        self,
        slack: SlackEndpoint,
        health: Callable[[], dict] | None,
        executor: ThreadPoolExecutor,
        max_body: int,
    ) -> None:
        self._slack, self._health, self._executor = slack, health, executor
        self._max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan is off and websockets are disabled
            return
        if scope["path"] == HEALTH_PATH and scope["method"] in ("GET", "HEAD"):
            loop = asyncio.get_running_loop()  # health() may touch the database: not on the loop
            status, payload = await loop.run_in_executor(self._executor, self._check_health)
            await _send_json(send, status, payload)
            return
        if scope["path"] != SLACK_PATH or scope["method"] != "POST":
            await _send_json(send, 404, {"ok": False, "error": "not found"})
            return
        if _content_length(scope) > self._max_body:
            await _reject_too_large(receive, send)
            return
        try:
            body = await _read_body(receive, self._max_body)
            await self._slack(scope, body, send)
        except _BodyTooLarge:
            await _reject_too_large(receive, send)
        except _Disconnected:
            return
        except asyncio.CancelledError:  # stop()'s timeout ran out: answer rather than drop it
            log.warning("request to %s cut off by the shutdown timeout", scope["path"])
            await _send_json(send, 503, {"ok": False, "error": "shutting down"}, close=True)

    def _check_health(self) -> tuple[int, dict]:
        try:
            payload = {"ok": True, **(self._health() if self._health else {})}
        except Exception as exc:
            # /healthz is public: the details (a database URL, a host) go to the log only.
            log.warning("health check failed: %r", exc)
            return 503, {"ok": False, "error": HEALTH_FAILED}
        return (200 if payload["ok"] else 503), payload


def _content_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:  # httptools rejects these first; be safe anyway
                return 0
    return 0


async def _read_body(receive: Receive, limit: int) -> bytes:
    """The whole body, or _BodyTooLarge as soon as it passes ``limit`` (chunked or lying
    about its length), or _Disconnected when the client leaves first."""
    chunks = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _Disconnected
        chunks += message.get("body", b"")
        if len(chunks) > limit:
            raise _BodyTooLarge
        if not message.get("more_body"):
            return bytes(chunks)


async def _reject_too_large(receive: Receive, send: Send) -> None:
    """413, after dropping what the client still sends (bounded): a client that writes its
    whole body before reading would otherwise get a connection reset, not the 413."""
    drained = 0
    while drained < DRAIN_BYTES:
        message = await receive()
        drained += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await _send_json(send, 413, {"ok": False, "error": "request body too large"}, close=True)


async def _send_json(send: Send, status: int, payload: dict, close: bool = False) -> None:
    body = json.dumps(payload, default=str).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    if close:  # an unread body may follow: do not try to parse it as the next request
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
