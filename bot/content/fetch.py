"""The one home for fetching outside URLs: bounded in time and size, never to private addresses.

Built on httpx: maintained, HTTP/1.1 keep-alive pools (a feed poller reuses connections),
streaming bodies (the size cap is enforced while reading, not after), per-phase timeouts
and gzip/deflate decoding. Redirects are followed here, by hand, so that every hop is
checked like the first.

The address check lives in the connection itself (`_GuardedBackend`): the host is resolved
once, every address it resolves to is checked, and the socket is opened to one of exactly
those checked addresses. Checking a name and then letting the HTTP library resolve it again
would let DNS rebinding through: a name can answer a public address to the check and
127.0.0.1 to the connect. TLS still uses the name (SNI and certificate), and the Host header
is the name's, because httpx only hands the connect step a host and port.
"""

from __future__ import annotations

import contextvars
import email.utils
import ipaddress
import logging
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpcore
import httpx

from bot.content.addresses import refusal

log = logging.getLogger(__name__)

Resolver = Callable[..., list[tuple[Any, ...]]]  # socket.getaddrinfo's shape
Policy = Callable[[str], str | None]  # an IP address -> why it is refused, or None
_REDIRECTS = {301, 302, 303, 307, 308}
_USER_AGENT = "Newsdesk/0.1 (link preview and feed reader)"
# The end of the current fetch (time.monotonic()), read by the connection for each socket
# operation so the whole fetch, not each read, is bounded. A context variable because one
# client (and its connections) may serve several threads, each with its own fetch.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)


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


class _Refused(Exception):
    """An address the policy refuses; raised from the connect step, before any socket."""


def _allow_all(address: str) -> None:
    return None


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves once, checks every address, connects only to a checked one."""

    def __init__(self, *, policy: Policy, resolver: Resolver) -> None:
        self._inner = httpcore.SyncBackend()
        self._policy = policy
        self._resolver = resolver

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._addresses(host, port)
        _check_all(host, addresses, self._policy)
        error: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    address, port, _clamp(timeout), local_address, socket_options
                )
                return _DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    def _addresses(self, host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host.strip("[]")))]  # a literal: no lookup
        except ValueError:
            pass
        try:
            infos = self._resolver(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"{host} could not be resolved ({exc})") from exc
        found = [str(info[4][0]) for info in infos]
        return list(dict.fromkeys(found))  # keeps resolver order, drops repeats

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _check_all(host: str, addresses: list[str], policy: Policy) -> None:
    """Every address, not only the first: the connect may fall back to any of them."""
    for address in addresses:
        why = policy(address)
        if why:
            said = address if address == host.strip("[]") else f"{host} resolves to {address}"
            raise _Refused(f"{said}, {why}; private addresses are not fetched")


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write also ends by the fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def _clamp(timeout: float | None) -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = max(deadline - time.monotonic(), 0.001)
    return left if timeout is None else min(timeout, left)


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, *, policy: Policy, resolver: Resolver) -> None:
        # trust_env=False: an environment proxy would make the connection somewhere other
        # than the address checked here.
        super().__init__(trust_env=False)
        # httpx takes no network backend; its pool does (httpx pinned to 0.27/0.28 for this).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=30.0,
            network_backend=_GuardedBackend(policy=policy, resolver=resolver),
        )


class GuardedClient(httpx.Client):
    """An httpx client whose connections go only to addresses the policy allows.

    `allow_private` lets every address through (a test server, an intranet install);
    `policy` and `resolver` replace the address check and getaddrinfo (tests fake the
    outside network's shape with them).
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        policy: Policy | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        chosen = policy or (_allow_all if allow_private else refusal)
        transport = _GuardedTransport(policy=chosen, resolver=resolver or socket.getaddrinfo)
        super().__init__(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": _USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        )


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
    token = _DEADLINE.set(time.monotonic() + limits.timeout_s)
    try:
        return _follow(client, url, limits, _conditional(etag, last_modified))
    except _Refused as exc:
        raise FetchError(f"refused: {exc}", refused=True) from None
    except httpx.TimeoutException:
        raise FetchError(f"timed out after {limits.timeout_s:g} s") from None
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        raise FetchError(_one_line(exc) or type(exc).__name__) from None
    finally:
        _DEADLINE.reset(token)


def _follow(client: GuardedClient, url: str, limits: FetchLimits, headers: dict) -> Fetched:
    target = _web_url(url)
    for _hop in range(limits.max_redirects + 1):
        _check_deadline()
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
        _check_deadline()
    return b"".join(chunks)


def _check_deadline() -> None:
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        raise httpx.ReadTimeout("deadline passed")


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
