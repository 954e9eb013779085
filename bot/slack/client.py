"""The Slack Web API client and posting with the dead-image fallback (the edge to Slack).

Retries come from slack_sdk's own handlers: rate limits honour Retry-After, server errors
and connection errors back off. A message whose image Slack cannot download is refused
whole (`invalid_blocks`, "downloading image failed"); we post it again without images
rather than lose the post.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings
from bot.slack.blockkit.cards import Message
from bot.slack.blockkit.messages import without_images

log = logging.getLogger(__name__)

IMAGE_FAILED = "downloading image failed"
TIMEOUT_SECONDS = 15
RATE_LIMIT_RETRIES = 5
SERVER_ERROR_RETRIES = 3
CONNECTION_RETRIES = 3
NON_JSON = "Received a response in a non-JSON format"  # slack_sdk's words for such a body


def make_client(settings: Settings) -> WebClient:
    """A WebClient on `SLACK_API_URL` with slack_sdk's retry handlers."""
    handlers: list[Any] = [
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
        ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
    ]
    token = settings.bot_token.reveal() if settings.bot_token else None
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=handlers,
    )


def posting_client(client: WebClient) -> WebClient:
    """The same client minus blind retries of connection and server errors.

    A chat.postMessage that timed out or got a 5xx may have landed, so digests and review
    rounds look for it (message metadata) before posting again, instead of letting slack_sdk
    repeat it. Rate limits (429) are safe to retry: Slack did not take the message.
    """
    ambiguous = (ConnectionErrorRetryHandler, ServerErrorRetryHandler)
    handlers = [h for h in client.retry_handlers if not isinstance(h, ambiguous)]
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        retry_handlers=handlers,
    )


def unreadable(error: Exception) -> bool:
    """Did Slack answer with something we cannot read (a body cut short, not JSON at all)?

    slack_sdk raises the JSON error itself for a body that starts like JSON, and wraps any
    other one in a SlackApiError: either way the request reached Slack and may have worked.
    """
    if isinstance(error, (ValueError, HTTPException)):
        return True
    if isinstance(error, SlackApiError) and isinstance(error.response.data, dict):
        return str(error.response.data.get("error", "")).startswith(NON_JSON)
    return False


def ambiguous(error: Exception) -> bool:
    """Could a request that failed this way have been carried out by Slack anyway?"""
    if unreadable(error):
        return True
    if isinstance(error, SlackApiError):
        return error.response.status_code >= 500
    return isinstance(error, (SlackClientError, OSError))  # connection errors and timeouts


@dataclass(frozen=True, slots=True)
class Poster:
    """Who this bot is in Slack (auth.test): only its own messages count as its posts."""

    user_id: str
    bot_id: str

    def wrote(self, message: dict[str, Any]) -> bool:
        """Was `message` posted by this bot (not by another app or person reusing our tags)?"""
        if message.get("bot_id"):
            return message["bot_id"] == self.bot_id
        return bool(self.user_id) and message.get("user") == self.user_id


def whoami(client: WebClient) -> Poster:
    """This bot's identity, from auth.test."""
    answer = client.auth_test()
    return Poster(str(answer.get("user_id") or ""), str(answer.get("bot_id") or ""))


def image_failed(error: SlackApiError) -> bool:
    """Did Slack refuse the message only because it could not fetch an image?"""
    data = error.response.data if isinstance(error.response.data, dict) else {}
    if data.get("error") != "invalid_blocks":
        return False
    details = [*data.get("errors", []), *data.get("response_metadata", {}).get("messages", [])]
    return any(IMAGE_FAILED in str(detail) for detail in details)


def error_code(error: Exception) -> str:
    """Slack's short error code (`channel_not_found`, ...) or the exception's text."""
    if isinstance(error, SlackApiError) and isinstance(error.response.data, dict):
        return str(error.response.data.get("error", "unknown_error"))
    return f"{type(error).__name__}: {error}"


def post(
    client: WebClient,
    channel: str,
    message: Message,
    *,
    thread_ts: str | None = None,
    metadata: dict | None = None,
) -> str:
    """Post a message and return its ts; re-post without images if one cannot be fetched."""
    args: dict[str, Any] = {"channel": channel, "unfurl_links": False, "unfurl_media": False}
    if thread_ts:
        args["thread_ts"] = thread_ts
    if metadata:
        args["metadata"] = metadata
    try:
        return _post(client, args, message)
    except SlackApiError as error:
        if not image_failed(error):
            raise
        log.warning("%s: an image could not be downloaded; posting without images", channel)
        return _post(client, args, without_images(message))


def update(client: WebClient, channel: str, ts: str, message: Message) -> None:
    """Replace a message in place, with the same dead-image fallback as `post`."""
    try:
        client.chat_update(channel=channel, ts=ts, text=message["text"], blocks=message["blocks"])
    except SlackApiError as error:
        if not image_failed(error):
            raise
        bare = without_images(message)
        client.chat_update(channel=channel, ts=ts, text=bare["text"], blocks=bare["blocks"])


def _post(client: WebClient, args: dict[str, Any], message: Message) -> str:
    response = client.chat_postMessage(**args, text=message["text"], blocks=message["blocks"])
    return str(response["ts"])
