"""The production HTTP server for the Bolt app: Slack's endpoint plus a health check.

``HttpServer`` serves ``POST /slack/events`` to a Bolt ``App``, ``GET /healthz`` with
``{"ok": true, ...health()}`` (503 when ``health()`` raises) and 404 for anything else.
A request to Slack's endpoint is, in order: refused with 413 when its Content-Length (or,
chunked, what has arrived) passes ``MAX_BODY_BYTES``, before the rest is read; checked
against its signature on the raw bytes (slack_sdk's ``SignatureVerifier``), 401 when
missing, forged or stale; parsed by Bolt on a worker thread, 400 when a signed body is not
UTF-8 JSON / form data of an object; then dispatched (Bolt answers ``ssl_check`` and
``url_verification`` itself). Nothing unsigned is ever parsed, and a malformed request is
one warning line in the log: no body, no traceback.

Why uvicorn (with uvloop + httptools): measured on this project's shared 2-core machine
with wrk, 32 keep-alive connections, signed ``/newsdesk help`` slash commands acked by a
one-handler ``App(process_before_response=True)`` (a toy, to compare servers alone);
medians of interleaved runs (req/s, p99, the server's CPU time per request, which noise
disturbs least):

* uvicorn + uvloop + httptools, dispatch on a thread pool: 5,900 req/s, p99 15 ms, 139 µs;
* aiohttp, dispatch on a thread pool: 4,900 req/s, p99 21 ms, 175 µs;
* waitress (threaded WSGI, Bolt's WSGI adapter): 2,900 req/s, p99 40 ms, 295 µs;
* cheroot (threaded WSGI): 2,600 req/s, p99 57 ms, 383 µs;
* Bolt's ``App.start()`` (one request at a time, no keep-alive, listen queue 5):
  2,200-2,700 req/s but p99 0.3-0.7 s with timeouts; ~70 req/s with a stock ``App()``.

Of that CPU time ~60 µs is Bolt's own dispatch, ~28 µs uvicorn and ~20 µs the hand-off to
the thread pool. gunicorn was left out: its workers are forked processes. Running
dispatch on the loop itself was no faster here and would let one slow listener stall all.

The real app (``newsdesk run``, benchmarks/http_bench.py) had two to three times the toy's
tail. Its causes and fixes: the garbage collector's full collections walked the whole
start-up heap, 0.1-0.2 s each (``_freeze_heap``); ``/newsdesk next`` cost ~2.5 ms of CPU
(now kept, bot/app/answers.py); and 32 dispatch threads contended for the GIL (``THREADS``).

It stays one process (no workers to fork) next to the scheduler threads: the event loop
runs on a background thread, which also keeps uvicorn from installing signal handlers
(``newsdesk run`` owns SIGTERM/SIGINT and calls ``stop()``). The event loop only parses
and writes HTTP (in C); ``App.dispatch`` runs on a thread pool because a listener may
block (the sync App runs it in the request thread), and a blocked loop would stall every
other connection. Graceful stop is uvicorn's: stop accepting, close idle keep-alive
connections, let in-flight requests finish up to the timeout, then cancel them: those
get a 503 rather than a dropped connection (Slack retries event deliveries that fail).

Timeouts: idle keep-alive connections close after 75 s (longer than a load balancer's
usual 60 s idle timeout, so the balancer never reuses a connection we are closing).
uvicorn has no header-read timeout, so slow-loris protection is the ingress's job;
``limit_concurrency`` (503 beyond it) bounds what such clients can hold.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import uvicorn
from slack_bolt import App

from bot.app.slackrequest import SLACK_PATH, RawBodyVerifier, Scope, Send, SlackEndpoint

logger = logging.getLogger(__name__)

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
KEEP_ALIVE_TIMEOUT = 75  # seconds; see module docstring
BACKLOG = 2048  # bursts of new connections queue in the kernel instead of being dropped
MAX_CONCURRENCY = 1000  # connections or in-flight requests; beyond it uvicorn answers 503
START_TIMEOUT = 10.0
# Requests dispatched at once. Bolt's dispatch holds the GIL, so more threads add only
# contention: 8 served `/newsdesk help` at 3,800-4,400 req/s and 148-152 µs of CPU each
# where 32 served 2,000-3,200 at 164-179 µs (interleaved runs, same load); 8 still leave
# room for listeners waiting on the database.
THREADS = 8

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]


class _BodyTooLarge(Exception):
    """A chunked body grew past the cap while it was being read."""


class _Disconnected(Exception):
    """The client went away before its whole body arrived."""


class _Router:
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
            logger.warning("request to %s cut off by the shutdown timeout", scope["path"])
            await _send_json(send, 503, {"ok": False, "error": "shutting down"}, close=True)

    def _check_health(self) -> tuple[int, dict]:
        try:
            payload = {"ok": True, **(self._health() if self._health else {})}
        except Exception as exc:
            # /healthz is public: the details (a database URL, a host) go to the log only.
            logger.warning("health check failed: %r", exc)
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


def _freeze_heap() -> None:
    """Keep what exists at start-up (the app, the store, every imported module: hundreds of
    thousands of objects that live as long as the process) out of the garbage collector's
    full collections. Each walked all of it, 0.1-0.24 s on a loaded machine, stalling every
    request in flight: p99 135-220 ms before, 35-41 ms after, at 32 connections under the
    same load (gen-2 pauses over 18 s of load: 1,129 ms in total before, 26 ms after)."""
    gc.collect()  # what is garbage already should not be kept for good
    gc.freeze()


class HttpServer:
    """Slack's HTTP endpoint and /healthz on uvicorn, run on a background thread."""

    def __init__(
        self,
        app: App,
        *,
        host: str = "0.0.0.0",
        port: int = 3000,
        health: Callable[[], dict] | None = None,
        threads: int = THREADS,
        max_body: int = MAX_BODY_BYTES,
        signing_secret: str | None = None,
    ) -> None:
        self.host, self.port = host, port
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="http-request")
        # Bolt keeps the secret it verifies with only privately; checking with the same one
        # keeps the two verifications (ours on raw bytes first, Bolt's after) in agreement.
        secret = signing_secret or getattr(app, "_signing_secret", "")
        verifier = RawBodyVerifier(secret)  # ValueError when empty: never serve unverified
        router = _Router(
            SlackEndpoint(app, self._executor, verifier), health, self._executor, max_body
        )
        config = uvicorn.Config(
            router,
            host=host,
            port=port,
            interface="asgi3",
            lifespan="off",
            ws="none",
            log_config=None,  # leave the application's logging configuration alone
            access_log=False,
            server_header=False,
            proxy_headers=False,
            backlog=BACKLOG,
            timeout_keep_alive=KEEP_ALIVE_TIMEOUT,
            limit_concurrency=MAX_CONCURRENCY,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self._lock = threading.RLock()  # stop() may run in a signal handler inside start()
        self._stop_requested = False
        self._error: BaseException | None = None

    def start(self) -> None:
        """Serve on a background thread; return once the socket listens (or raise)."""
        with self._lock:
            if self._thread is not None or self._stop_requested:
                raise RuntimeError("HttpServer can be started once")
            self._thread = threading.Thread(target=self._run, name="http-server", daemon=True)
            self._thread.start()
        _freeze_heap()
        deadline = time.monotonic() + START_TIMEOUT
        while not (self._server.started or self._done.is_set()) and time.monotonic() < deadline:
            time.sleep(0.01)
        with self._lock:
            if self._stop_requested:  # stop() came first (SIGTERM while starting): no error
                return
            if not self._server.started or self._done.is_set():
                self.stop(timeout=0)
                raise RuntimeError(f"HTTP server did not start on {self.host}:{self.port}") from (
                    self._error
                )
            self.port = self._server.servers[0].sockets[0].getsockname()[1]
        logger.info("serving Slack on http://%s:%d%s", self.host, self.port, SLACK_PATH)

    def serve_forever(self) -> None:
        """Start, then block until ``stop()`` (e.g. from a signal handler) has finished."""
        self.start()
        while not self._done.wait(0.5):  # short waits: the main thread's signal handlers run
            pass
        if not self._stop_requested:
            self.stop(timeout=0)
            raise RuntimeError("HTTP server stopped unexpectedly") from self._error

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting, let in-flight requests finish (up to ``timeout``), then return."""
        with self._lock:
            self._stop_requested = True
            thread = self._thread
        if thread is not None:
            self._server.config.timeout_graceful_shutdown = max(timeout, 0.0)  # type: ignore[assignment]
            self._server.should_exit = True  # the loop notices within 0.1 s
            thread.join(timeout + 2.0)  # uvicorn's own polling adds up to ~0.3 s
            if thread.is_alive():
                logger.warning("HTTP server thread still running after stop(%.1f)", timeout)
        # Requests cut off by the timeout may still run; don't wait for them here.
        self._executor.shutdown(wait=False, cancel_futures=True)
        gc.unfreeze()  # what start() froze may be garbage now (tests start many servers)

    def _run(self) -> None:
        try:
            self._server.run()
        except BaseException as exc:  # uvicorn calls sys.exit() when it cannot bind
            self._error = exc
            logger.error("HTTP server on %s:%d failed: %r", self.host, self.port, exc)
        finally:
            self._done.set()
