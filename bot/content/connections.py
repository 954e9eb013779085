"""Connections to outside hosts: only to addresses the policy allows, only until a deadline.

The address check lives in the connection itself (`_GuardedBackend`): the host is resolved
once, every address it resolves to is checked, and the socket is opened to one of exactly
those checked addresses. Checking a name and then letting the HTTP library resolve it again
would let DNS rebinding through: a name can answer a public address to the check and
127.0.0.1 to the connect. TLS still uses the name (SNI and certificate), and the Host header
is the name's, because httpx only hands the connect step a host and port.

Every socket operation is also clamped to the deadline set by `deadline()`, so a whole
fetch, not each read, is bounded (`bot.content.fetch` sets it around each fetch).
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from bot.content.addresses import refusal

Resolver = Callable[..., list[tuple[Any, ...]]]  # socket.getaddrinfo's shape
Policy = Callable[[str], str | None]  # an IP address -> why it is refused, or None
_USER_AGENT = "Newsdesk/0.1 (link preview and feed reader)"
# The end of the current fetch (time.monotonic()), read by the connection for each socket
# operation. A context variable because one client (and its connections) may serve several
# threads, each with its own fetch.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)


class Refused(Exception):
    """An address the policy refuses; raised from the connect step, before any socket."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Within the block, every socket operation ends `seconds` from now at the latest."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_deadline() -> None:
    """Raises httpx.ReadTimeout once the current deadline has passed."""
    end = _DEADLINE.get()
    if end is not None and time.monotonic() > end:
        raise httpx.ReadTimeout("deadline passed")


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
            raise Refused(f"{said}, {why}; private addresses are not fetched")


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
    end = _DEADLINE.get()
    if end is None:
        return timeout
    left = max(end - time.monotonic(), 0.001)
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
