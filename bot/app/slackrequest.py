"""One request to Slack's endpoint: signature first (raw bytes), then parse, then Bolt.

Nothing unsigned is parsed. A missing, forged or stale signature is 401; a signed body that
is not UTF-8 JSON or form data of an object is 400. Each refusal is one warning line that
names neither the body nor a header value, and no traceback: an attacker can fill neither
the log nor the event loop (verification, parsing and dispatch run on a worker thread).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.asgi.http_response import AsgiHttpResponse
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
CONTENT_TYPE_SHOWN = 100  # characters of a refused request's Content-Type in the log

Scope = MutableMapping[str, Any]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class RawBodyVerifier(SignatureVerifier):
    """slack_sdk's verifier (timestamp window, constant-time compare) over the raw bytes.

    slack_sdk decodes a bytes body as UTF-8 before hashing, so a body that is not UTF-8
    would raise instead of being checked; Slack signs bytes, so we hash bytes.
    """

    def generate_signature(self, *, timestamp: str, body: str | bytes) -> str | None:
        raw = body.encode() if isinstance(body, str) else body
        message = b"v0:" + timestamp.encode() + b":" + raw
        return "v0=" + hmac.new(self.signing_secret.encode(), message, hashlib.sha256).hexdigest()

    def verified(self, body: bytes, timestamp: str | None, signature: str | None) -> bool:
        try:
            return self.is_valid(body, timestamp, signature)
        except (ValueError, OverflowError):  # a timestamp that is no (sane) number
            return False


class SlackEndpoint:
    """POST /slack/events: capped read on the loop; verify, parse, dispatch on a thread.

    The signature is checked on the raw bytes before anything parses them: 401 for a
    missing, forged or stale signature, 400 for a signed body Bolt cannot parse. Either is
    one warning line (never the body, never a traceback), then Bolt never sees it.
    """

    def __init__(self, app: App, executor: ThreadPoolExecutor, verifier: RawBodyVerifier) -> None:
        self._app, self._executor, self._verifier = app, executor, verifier

    async def __call__(self, scope: Scope, body: bytes, send: Send) -> None:
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(self._executor, self._handle, scope, body)
        http = AsgiHttpResponse(response.status, response.headers, response.body)
        await send(http.get_response_start())
        await send(http.get_response_body())

    def _handle(self, scope: Scope, body: bytes) -> BoltResponse:
        headers = _headers(scope)
        timestamp = headers.get("x-slack-request-timestamp")
        if not self._verifier.verified(body, timestamp, headers.get("x-slack-signature")):
            log.warning("refused a request to %s: bad, missing or stale signature", SLACK_PATH)
            return _refusal(401, "invalid request")
        request = _bolt_request(body, scope["query_string"], headers)
        if request is None:
            kind = headers.get("content-type", "no content type")[:CONTENT_TYPE_SHOWN]
            log.warning("refused a signed request that cannot be parsed (%r)", kind)
            return _refusal(400, "malformed request")
        return self._app.dispatch(request)


def _headers(scope: Scope) -> dict[str, str]:
    """Header names lower-cased, values as latin-1 text (HTTP's own), the last one wins."""
    return {name.decode("latin-1").lower(): v.decode("latin-1") for name, v in scope["headers"]}


def _bolt_request(body: bytes, query: bytes, headers: dict[str, str]) -> BoltRequest | None:
    """Bolt's parse of a verified body, or None when it is not UTF-8 JSON/form of an object."""
    try:
        request = BoltRequest(
            body=body.decode("utf-8"), query=query.decode("latin-1"), headers=dict(headers)
        )
    except (ValueError, TypeError, AttributeError, LookupError):
        # UnicodeDecodeError/JSONDecodeError are ValueErrors; a JSON array or number where
        # Bolt expects an object fails inside its context building as Attribute/TypeError.
        return None
    return request if isinstance(request.body, dict) else None


def _refusal(status: int, error: str) -> BoltResponse:
    body = json.dumps({"ok": False, "error": error})
    return BoltResponse(status=status, body=body, headers={"content-type": "application/json"})
