"""The bounded fetcher against a real local HTTP server: limits, redirects, conditional GET,
Retry-After, and the address policy (nothing is ever sent to a refused target)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webserver import Reply, WebServer, running

from bot.content.addresses import refusal
from bot.content.fetch import FetchError, FetchLimits, GuardedClient, fetch

LIMITS = FetchLimits(timeout_s=5, max_bytes=2048, max_redirects=3)


def resolver_to(*addresses: str):
    """A resolver answering `addresses` for every name, like getaddrinfo would."""

    def resolve(host: str, port: int, **_: object) -> list[tuple]:
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    return resolve


@pytest.fixture
def web() -> Iterator[WebServer]:
    with running() as server:
        yield server


@pytest.fixture
def loopback() -> Iterator[GuardedClient]:
    with GuardedClient(allow_private=True) as client:
        yield client


@pytest.fixture
def public() -> Iterator[GuardedClient]:
    with GuardedClient() as client:
        yield client


def test_fetches_a_page_with_its_headers(web: WebServer, loopback: GuardedClient) -> None:
    url = web.page("/a", "<title>A</title>", ETag='"v1"', **{"Last-Modified": "Mon, 01 Jan 2024"})
    got = fetch(loopback, url, LIMITS)
    assert (got.status, got.ok, got.body, got.url) == (200, True, b"<title>A</title>", url)
    assert got.content_type == "text/html"
    assert (got.etag, got.last_modified, got.not_modified) == ('"v1"', "Mon, 01 Jan 2024", False)


def test_conditional_get_gives_not_modified(web: WebServer, loopback: GuardedClient) -> None:
    def reply(headers: dict[str, str]) -> Reply:
        if headers.get("if-none-match") == '"v1"':
            return Reply(304, headers={"ETag": '"v1"'})
        return Reply(200, b"fresh", {"ETag": '"v1"'})

    web.routes["/c"] = reply
    got = fetch(loopback, web.url("/c"), LIMITS, etag='"v1"', last_modified="Mon, 01 Jan 2024")
    assert got.not_modified and got.status == 304 and got.body == b""
    assert web.seen[-1].headers["if-modified-since"] == "Mon, 01 Jan 2024"


def test_gzip_is_decoded_and_the_cap_applies_to_decoded_bytes(
    web: WebServer, loopback: GuardedClient
) -> None:
    web.routes["/small"] = Reply(body=b"x" * 2000, gzip=True)
    assert fetch(loopback, web.url("/small"), LIMITS).body == b"x" * 2000
    web.routes["/bomb"] = Reply(body=b"\0" * 1_000_000, gzip=True)  # ~1 KB on the wire
    with pytest.raises(FetchError, match="too large"):
        fetch(loopback, web.url("/bomb"), LIMITS)


def test_a_body_over_the_cap_fails(web: WebServer, loopback: GuardedClient) -> None:
    web.routes["/big"] = Reply(body=b"y" * 2049)
    with pytest.raises(FetchError, match="too large: more than 2048 bytes"):
        fetch(loopback, web.url("/big"), LIMITS)
    web.routes["/edge"] = Reply(body=b"y" * 2048)
    assert len(fetch(loopback, web.url("/edge"), LIMITS).body) == 2048


def test_the_timeout_bounds_the_whole_fetch_not_each_read(
    web: WebServer, loopback: GuardedClient
) -> None:
    web.routes["/drip"] = Reply(body=b"z" * 100, drip_s=0.1)  # every read is quick
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0\.5 s"):
        fetch(loopback, web.url("/drip"), FetchLimits(0.5, 2048, 3))
    assert time.monotonic() - started < 2


def test_redirects_are_followed_up_to_the_limit(web: WebServer, loopback: GuardedClient) -> None:
    web.page("/end", "done")
    web.redirect("/r1", "/end", 301)
    web.redirect("/r2", web.url("/r1"), 308)
    web.redirect("/r3", "/r2")
    got = fetch(loopback, web.url("/r3"), LIMITS)
    assert (got.body, got.url) == (b"done", web.url("/end"))
    web.redirect("/r4", "/r3")
    with pytest.raises(FetchError, match="more than 3 redirects"):
        fetch(loopback, web.url("/r4"), LIMITS)


def test_retry_after_in_seconds_or_as_a_date(web: WebServer, loopback: GuardedClient) -> None:
    web.routes["/busy"] = Reply(429, headers={"Retry-After": "120"})
    got = fetch(loopback, web.url("/busy"), LIMITS)
    assert (got.status, got.ok, got.retry_after_s) == (429, False, 120.0)
    later = format_datetime(datetime.now(UTC) + timedelta(minutes=5), usegmt=True)
    web.routes["/down"] = Reply(503, headers={"Retry-After": later})
    assert 290 < (fetch(loopback, web.url("/down"), LIMITS).retry_after_s or 0) <= 300
    web.routes["/nonsense"] = Reply(503, headers={"Retry-After": "soon"})
    assert fetch(loopback, web.url("/nonsense"), LIMITS).retry_after_s is None


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/x", "file:///etc/passwd", "javascript:alert(1)", "http://", "not a url"],
)
def test_only_http_urls_with_a_host(public: GuardedClient, url: str) -> None:
    with pytest.raises(FetchError):
        fetch(public, url, LIMITS)


def test_loopback_and_metadata_are_refused_before_any_request(
    web: WebServer, public: GuardedClient
) -> None:
    with pytest.raises(FetchError, match=r"127\.0\.0\.1, a loopback address"):
        fetch(public, web.url("/"), LIMITS)
    with pytest.raises(FetchError, match=r"169\.254\.169\.254, a cloud metadata address"):
        fetch(public, "http://169.254.169.254/latest/meta-data/", LIMITS)
    assert web.seen == []


def test_a_name_resolving_to_a_private_address_is_refused(web: WebServer) -> None:
    with GuardedClient() as client, pytest.raises(FetchError, match="localhost resolves to"):
        fetch(client, web.url("/", host="localhost"), LIMITS)
    # One bad address among good ones is enough: a connect may fall back to any of them.
    mixed = resolver_to("93.184.215.14", "10.0.0.7")
    with GuardedClient(resolver=mixed) as client, pytest.raises(FetchError, match=r"10\.0\.0\.7"):
        fetch(client, web.url("/", host="news.example"), LIMITS)
    assert web.seen == []


def local_is_public(address: str) -> str | None:
    """The outside world faked: 127.0.0.1 (the test server) plays a public site, every
    other address is checked as usual, so a refused target is still reachable locally."""
    return None if address == "127.0.0.1" else refusal(address)


@pytest.mark.parametrize(
    "target",
    [
        "http://[::ffff:127.0.0.1]:{port}/victim",  # the same server, through a mapped address
        "http://victim.test:{port}/victim",  # a name that resolves to it
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:{port}/victim",
    ],
)
def test_a_redirect_to_a_private_address_is_refused(web: WebServer, target: str) -> None:
    names = {"site.test": "127.0.0.1", "victim.test": "::ffff:127.0.0.1", "localhost": "::1"}

    def resolve(host: str, port: int, **_: object) -> list[tuple]:
        return resolver_to(names[host])(host, port)

    web.page("/victim", "secret")
    web.redirect("/go", target.format(port=web.port))
    refused = pytest.raises(FetchError, match=r"refused: .*private addresses are not fetched")
    with GuardedClient(policy=local_is_public, resolver=resolve) as client, refused:
        fetch(client, web.url("/go", host="site.test"), LIMITS)
    assert [seen.path for seen in web.seen] == ["/go"]
    with GuardedClient(allow_private=True, resolver=resolve) as client:  # it was reachable
        if "victim" in target and "localhost" not in target:
            assert fetch(client, web.url("/go", host="site.test"), LIMITS).body == b"secret"


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("172.16.5.5", "private"),
        ("100.64.0.1", "CGNAT"),
        ("169.254.1.1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("fd00:ec2::254", "metadata"),
        ("::ffff:10.0.0.1", "inside an IPv6"),
        ("::ffff:169.254.169.254", "metadata"),
        ("2002:7f00:1::", "inside an IPv6"),
        ("64:ff9b::a00:1", "inside an IPv6"),
    ],
)
def test_refused_addresses(address: str, why: str) -> None:
    assert why in (refusal(address) or "")


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(address) is None


def test_fetch_needs_a_guarded_client() -> None:
    import httpx

    with httpx.Client() as plain, pytest.raises(TypeError):
        fetch(plain, "http://example.org/", LIMITS)  # type: ignore[arg-type]


_URLS = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda scheme, host, rest: f"{scheme}://{host}{rest}",
        st.sampled_from(["http", "https", "HTTP", "ftp", "", "h"]),
        st.one_of(st.text(max_size=20), st.sampled_from(["127.0.0.1", "[::1]", "x:99999", "a"])),
        st.text(max_size=20),
    ),
)


@pytest.fixture(scope="module")
def everything_is_local() -> Iterator[list[GuardedClient]]:
    """Clients (strict, and allowing private) where every name resolves to 127.0.0.1."""
    local = resolver_to("127.0.0.1")
    with (
        GuardedClient(resolver=local) as strict,
        GuardedClient(allow_private=True, resolver=local) as lenient,
    ):
        yield [strict, lenient]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(url=_URLS)
def test_any_url_fetches_or_raises_fetch_error(
    web: WebServer, everything_is_local: list[GuardedClient], url: str
) -> None:
    web.page("/", "ok")
    for client in everything_is_local:
        try:
            fetch(client, url, FetchLimits(2, 2048, 2))
        except FetchError as exc:
            assert exc.reason and "\n" not in exc.reason
