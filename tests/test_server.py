"""HttpServer over real sockets on 127.0.0.1, with a real Bolt App talking to FakeSlack."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from fakeslack import FakeSlack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from slackpayloads import signature_headers

from bot.app.server import MAX_BODY_BYTES, HttpServer

SECRET = "test-signing-secret"
FORM = "application/x-www-form-urlencoded"
HELP = {"response_type": "ephemeral", "text": "Newsdesk help"}


class Handlers:
    """What the /newsdesk handler saw, and a way to wait until a slow one is running."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.slow_started = threading.Event()


def make_app(fake: FakeSlack, seen: Handlers) -> App:
    client = WebClient(token=fake.token, base_url=fake.url)
    app = App(signing_secret=SECRET, client=client, process_before_response=True)

    @app.command("/newsdesk")
    def newsdesk(ack: Ack, command: dict) -> None:
        seen.texts.append(command["text"])
        if command["text"] == "slow":
            seen.slow_started.set()
            time.sleep(1.0)  # a listener that blocks its request thread
        ack(**HELP)

    return app


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def seen() -> Handlers:
    return Handlers()


@pytest.fixture
def health() -> dict:
    return {"db": "ok"}


@pytest.fixture
def server(fake: FakeSlack, seen: Handlers, health: dict) -> Iterator[HttpServer]:
    def check() -> dict:
        if "raise" in health:
            raise RuntimeError(health["raise"])
        return health

    srv = HttpServer(make_app(fake, seen), host="127.0.0.1", port=0, health=check)
    srv.start()
    yield srv
    srv.stop(timeout=2)


def signed(body: str, *, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}


def command_body(text: str = "help") -> str:
    return urlencode({"command": "/newsdesk", "text": text, "team_id": "T0001", "user_id": "U1"})


def post(
    port: int, body: str | bytes, headers: dict[str, str], path: str = "/slack/events"
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("POST", path, body, {"Content-Type": FORM, **headers})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def send_command(port: int, text: str = "help") -> tuple[int, bytes]:
    body = command_body(text)
    return post(port, body, signed(body))


def test_signed_command_gets_the_handlers_ack(server: HttpServer, seen: Handlers) -> None:
    status, body = send_command(server.port)
    assert status == 200
    assert json.loads(body) == HELP
    assert seen.texts == ["help"]


def test_forged_signature_is_401_and_the_handler_does_not_run(
    server: HttpServer, seen: Handlers
) -> None:
    body = command_body()
    status, _ = post(server.port, body, signed(body, secret="not-the-secret"))
    assert status == 401
    assert seen.texts == []


def test_stale_timestamp_is_401(server: HttpServer, seen: Handlers) -> None:
    body = command_body()
    status, _ = post(server.port, body, signed(body, timestamp=int(time.time()) - 6 * 60))
    assert status == 401
    assert seen.texts == []


def test_url_verification_challenge(server: HttpServer) -> None:
    body = json.dumps({"type": "url_verification", "token": "t", "challenge": "c-123"})
    status, reply = post(server.port, body, {"Content-Type": "application/json", **signed(body)})
    assert status == 200
    assert json.loads(reply) == {"challenge": "c-123"}


def test_ssl_check_answered(server: HttpServer, seen: Handlers) -> None:
    body = urlencode({"ssl_check": "1", "token": "t"})
    status, _ = post(server.port, body, signed(body))
    assert status == 200
    assert seen.texts == []


def test_healthz(server: HttpServer) -> None:
    status, body = get(server.port, "/healthz")
    assert status == 200
    assert json.loads(body) == {"ok": True, "db": "ok"}


def test_healthz_503_when_health_raises(server: HttpServer, health: dict) -> None:
    health["raise"] = "database unreachable at db.internal:5432"
    status, body = get(server.port, "/healthz")
    assert status == 503
    assert json.loads(body) == {"ok": False, "error": "health check failed; see the logs"}
    assert b"db.internal" not in body  # the probe is public: no internals


@pytest.mark.parametrize("method,path", [("GET", "/"), ("GET", "/slack/events"), ("POST", "/x")])
def test_other_routes_are_404(server: HttpServer, method: str, path: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request(method, path, b"" if method == "POST" else None)
    assert conn.getresponse().status == 404
    conn.close()


def test_oversized_body_is_413(server: HttpServer, seen: Handlers) -> None:
    body = "text=" + "x" * (1 << 20)
    status, reply = post(server.port, body, signed(body))
    assert status == 413
    assert json.loads(reply)["ok"] is False
    assert seen.texts == []


def test_oversized_chunked_body_is_413(server: HttpServer) -> None:
    chunks = (b"x" * 65536 for _ in range(20))  # no Content-Length: counted while read
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("POST", "/slack/events", chunks, {"Content-Type": FORM}, encode_chunked=True)
    assert conn.getresponse().status == 413
    conn.close()


def test_keep_alive_serves_several_requests_on_one_connection(server: HttpServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.connect()
    sock = conn.sock
    for _ in range(5):
        body = command_body()
        conn.request("POST", "/slack/events", body, {"Content-Type": FORM, **signed(body)})
        resp = conn.getresponse()
        assert (resp.status, resp.will_close) == (200, False)
        resp.read()
        conn.request("GET", "/healthz")
        assert conn.getresponse().read()
    assert conn.sock is sock  # http.client reconnects silently: same socket = no reconnect
    conn.close()


def slow_request(port: int, result: list) -> threading.Thread:
    thread = threading.Thread(target=lambda: result.append(send_command(port, "slow")))
    thread.start()
    return thread


def serving_a_slow_request(
    fake: FakeSlack, seen: Handlers
) -> tuple[HttpServer, threading.Thread, list]:
    """A started server of its own, with one slow request in flight (answer into `result`)."""
    srv = HttpServer(make_app(fake, seen), host="127.0.0.1", port=0)
    srv.start()
    result: list = []
    return srv, slow_request(srv.port, result), result


def test_slow_handler_does_not_block_a_fast_request(server: HttpServer, seen: Handlers) -> None:
    result: list = []
    thread = slow_request(server.port, result)
    assert seen.slow_started.wait(5)
    began = time.monotonic()
    status, _ = send_command(server.port)
    elapsed = time.monotonic() - began
    thread.join(5)
    assert status == 200
    assert elapsed < 0.2
    assert result[0][0] == 200


def test_stop_is_graceful_prompt_and_closes_the_port(fake: FakeSlack, seen: Handlers) -> None:
    srv, thread, result = serving_a_slow_request(fake, seen)
    assert seen.slow_started.wait(5)
    began = time.monotonic()
    srv.stop(timeout=5)
    assert time.monotonic() - began < 2.0  # the 1 s request finished, no more
    thread.join(5)
    assert result[0][0] == 200  # the in-flight request was answered, not cut off
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", srv.port), timeout=1)
    srv.stop()  # idempotent


def test_stop_closes_idle_keep_alive_connections_quickly(fake: FakeSlack, seen: Handlers) -> None:
    srv = HttpServer(make_app(fake, seen), host="127.0.0.1", port=0)
    srv.start()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    conn.request("GET", "/healthz")
    conn.getresponse().read()  # the connection now idles, kept alive
    began = time.monotonic()
    srv.stop()
    assert time.monotonic() - began < 1.0
    assert conn.sock.recv(1) == b""  # closed by the server
    conn.close()


def test_stop_timeout_cuts_off_a_request_with_503(fake: FakeSlack, seen: Handlers) -> None:
    srv, thread, result = serving_a_slow_request(fake, seen)
    assert seen.slow_started.wait(5)
    began = time.monotonic()
    srv.stop(timeout=0.1)
    assert time.monotonic() - began < 0.9
    thread.join(5)
    assert result[0][0] == 503  # an answer, not a dropped connection


def test_serve_forever_returns_once_stopped(fake: FakeSlack, seen: Handlers) -> None:
    srv = HttpServer(make_app(fake, seen), host="127.0.0.1", port=0)
    thread = threading.Thread(target=srv.serve_forever)
    thread.start()
    deadline = time.monotonic() + 5
    while srv.port == 0 and time.monotonic() < deadline:  # set once listening
        time.sleep(0.01)
    assert send_command(srv.port)[0] == 200
    srv.stop()  # what newsdesk run's SIGTERM/SIGINT handler does
    thread.join(2)
    assert not thread.is_alive()


def test_start_fails_loudly_when_the_port_is_taken(
    server: HttpServer, fake: FakeSlack, seen: Handlers
) -> None:
    clash = HttpServer(make_app(fake, seen), host="127.0.0.1", port=server.port)
    with pytest.raises(RuntimeError, match="did not start"):
        clash.start()
    clash.stop()


# ---------------------------------------------------------------- malformed requests

MALFORMED = [
    (b"{", "application/json"),
    (b"[1,2,3]", "application/json"),
    (b"\xff\xfe\x00text=caf\xe9", FORM),
    (b"payload=not-json", FORM),
    (b"payload=%5B1%2C2%5D", FORM),  # payload=[1,2]: JSON, but not an object
    (b"42", "application/json"),
]


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize("body,content_type", MALFORMED)
def test_unsigned_malformed_body_is_401_without_a_traceback(
    server: HttpServer,
    seen: Handlers,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
) -> None:
    caplog.set_level(logging.INFO)
    status, reply = post(server.port, body, {"Content-Type": content_type})
    assert status == 401
    assert json.loads(reply) == {"ok": False, "error": "invalid request"}
    assert tracebacks(caplog) == []
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "signature" in warning.getMessage()
    assert seen.texts == []


@pytest.mark.parametrize("body,content_type", MALFORMED)
def test_signed_malformed_body_is_400_one_warning_no_body_echoed(
    server: HttpServer,
    seen: Handlers,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
) -> None:
    caplog.set_level(logging.INFO)
    status, reply = post(server.port, body, signature_headers(body, content_type, SECRET))
    assert status == 400
    assert json.loads(reply) == {"ok": False, "error": "malformed request"}
    assert tracebacks(caplog) == []
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "cannot be parsed" in warning.getMessage()
    assert body.decode("latin-1") not in warning.getMessage()
    assert seen.texts == []


@pytest.mark.parametrize("stamp", ["abc", "9" * 5000, "1e10", "", "-" + "9" * 400])
def test_garbage_timestamp_is_401(server: HttpServer, stamp: str) -> None:
    body = command_body()
    headers = {**signed(body), "X-Slack-Request-Timestamp": stamp}
    assert post(server.port, body, headers)[0] == 401


def test_non_utf8_body_is_checked_against_its_raw_bytes(server: HttpServer) -> None:
    body = b"text=caf\xe9&command=%2Fnewsdesk"  # latin-1: signed as bytes, not decodable
    forged = signature_headers(body, FORM, "not-the-secret")
    assert post(server.port, body, forged)[0] == 401
    assert post(server.port, body, signature_headers(body, FORM, SECRET))[0] == 400


def test_body_over_the_cap_is_413_before_the_signature_is_checked(
    server: HttpServer, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"payload=" + b"x" * MAX_BODY_BYTES
    status, _ = post(server.port, body, {"Content-Type": FORM})
    assert status == 413
    assert "signature" not in caplog.text


CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        FORM,
        "text/plain",
        "",
        "application/json; charset=utf-8",
        "multipart/form-data; boundary=x",
    ]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
BODIES = st.one_of(
    st.binary(max_size=300),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    JSON_VALUES.map(lambda v: b"payload=" + urlencode({"": json.dumps(v)})[1:].encode()),
    st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=4).map(
        lambda d: urlencode(d).encode()
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=BODIES, content_type=CONTENT_TYPES, sign=st.booleans())
def test_any_body_gets_an_answer_never_a_5xx_nor_a_traceback(
    server: HttpServer, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str, sign: bool
) -> None:
    caplog.clear()
    headers = (
        signature_headers(body, content_type, SECRET) if sign else {"Content-Type": content_type}
    )
    status, _ = post(server.port, body, headers)
    assert 200 <= status < 500
    assert (status == 401) is not sign
    assert tracebacks(caplog) == []
