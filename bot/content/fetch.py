"""The one home for fetching outside URLs: bounded in time and size, never to private addresses.

Built on httpx: maintained, HTTP/1.1 keep-alive pools (a feed poller reuses connections),
streaming bodies (the size cap is enforced while reading, not after), per-phase timeouts
and gzip/deflate decoding. Redirects are followed here, by hand, so that every hop is
checked like the first. The connections themselves, which check the address they connect
to and end by the fetch's deadline, are `bot.content.connections`.
"""

from __future__ import annotations

import email.utils
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from bot.content.addresses import refusal
from bot.content.connections import GuardedClient, Refused, check_deadline, deadline

__all__ = ["FetchError", "FetchLimits", "Fetched", "GuardedClient", "fetch", "refusal"]

log = logging.getLogger(__name__)

_REDIRECTS = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """A fetch that did not give a response; `reason` is one line for a person."""

    def __init__(self, reason: str, *, refused: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.refused = refused  # the address policy said no: nothing was sent there


@dataclass(frozen=True)
class FetchLimits:
    timeout_s: float
    max_bytes: int
    max_redirects: int


@dataclass(frozen=True)
class Fetched:
    status: int
    url: str  # the final URL, after redirects
    body: bytes  # decoded (gzip/deflate undone); empty on 304
    content_type: str
    etag: str | None
    last_modified: str | None
    retry_after_s: float | None  # on 429/503 with a Retry-After header
    not_modified: bool

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def fetch(
    client: GuardedClient,
    url: str,
    limits: FetchLimits,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET `url` within `limits`, following redirects by hand; raises FetchError."""
    if not isinstance(client, GuardedClient):
        raise TypeError("fetch needs a GuardedClient: only it checks addresses")
    try:
        with deadline(limits.timeout_s):
            return _follow(client, url, limits, _conditional(etag, last_modified))
    except Refused as exc:
        raise FetchError(f"refused: {exc}", refused=True) from None
    except httpx.TimeoutException:
        raise FetchError(f"timed out after {limits.timeout_s:g} s") from None
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        raise FetchError(_one_line(exc) or type(exc).__name__) from None


def _follow(client: GuardedClient, url: str, limits: FetchLimits, headers: dict) -> Fetched:
    target = _web_url(url)
    for _hop in range(limits.max_redirects + 1):
        check_deadline()
        with client.stream("GET", target, headers=headers, timeout=limits.timeout_s) as resp:
            location = resp.headers.get("location")
            if resp.status_code not in _REDIRECTS or not location:
                return _fetched(resp, limits)
        target = _web_url(str(target.join(location)))  # every hop is checked like the first
    raise FetchError(f"more than {limits.max_redirects} redirects")


def _web_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError, UnicodeError) as exc:
        raise FetchError(f"not a valid URL ({_one_line(exc)})") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError("only http and https URLs can be fetched")
    if not parsed.host:
        raise FetchError("the URL has no host")
    return parsed


def _fetched(resp: httpx.Response, limits: FetchLimits) -> Fetched:
    not_modified = resp.status_code == 304
    body = b"" if not_modified else _read_capped(resp, limits.max_bytes)
    retry = _retry_after(resp) if resp.status_code in (429, 503) else None
    return Fetched(
        status=resp.status_code,
        url=str(resp.url),
        body=body,
        content_type=resp.headers.get("content-type", ""),
        etag=resp.headers.get("etag"),
        last_modified=resp.headers.get("last-modified"),
        retry_after_s=retry,
        not_modified=not_modified,
    )


def _read_capped(resp: httpx.Response, max_bytes: int) -> bytes:
    """The decoded body, read until max_bytes + 1: the cap holds for gzip bombs too."""
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"too large: more than {max_bytes} bytes")
        check_deadline()
    return b"".join(chunks)


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _conditional(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]
