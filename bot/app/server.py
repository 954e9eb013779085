"""The production HTTP server for the Bolt app: Slack's endpoint plus a health check.

``HttpServer`` runs uvicorn on a background thread, serving ``Router`` (bot/app/router.py:
``POST /slack/events``, ``GET /healthz``, the body cap, 404 for anything else).

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

import gc
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import uvicorn
from slack_bolt import App

from bot.app.router import MAX_BODY_BYTES, Router
from bot.app.slackrequest import SLACK_PATH, RawBodyVerifier, SlackEndpoint

log = logging.getLogger(__name__)

KEEP_ALIVE_TIMEOUT = 75  # seconds; see module docstring
BACKLOG = 2048  # bursts of new connections queue in the kernel instead of being dropped
MAX_CONCURRENCY = 1000  # connections or in-flight requests; beyond it uvicorn answers 503
START_TIMEOUT = 10.0
# Requests dispatched at once. Bolt's dispatch holds the GIL, so more threads add only
# contention: 8 served `/newsdesk help` at 3,800-4,400 req/s and 148-152 µs of CPU each
# where 32 served 2,000-3,200 at 164-179 µs (interleaved runs, same load); 8 still leave
# room for listeners waiting on the database.
THREADS = 8


def _verifier(app: App, signing_secret: str | None) -> RawBodyVerifier:
    """Bolt keeps the secret it verifies with only privately; checking with the same one
    keeps the two verifications (ours on raw bytes first, Bolt's after) in agreement."""
    secret = signing_secret or getattr(app, "_signing_secret", "")
    return RawBodyVerifier(secret)  # ValueError when empty: never serve unverified


def _uvicorn_config(router: Router, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
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
        endpoint = SlackEndpoint(app, self._executor, _verifier(app, signing_secret))
        router = Router(endpoint, health, self._executor, max_body)
        self._server = uvicorn.Server(_uvicorn_config(router, host, port))
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
        log.info("serving Slack on http://%s:%d%s", self.host, self.port, SLACK_PATH)

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
                log.warning("HTTP server thread still running after stop(%.1f)", timeout)
        # Requests cut off by the timeout may still run; don't wait for them here.
        self._executor.shutdown(wait=False, cancel_futures=True)
        gc.unfreeze()  # what start() froze may be garbage now (tests start many servers)

    def _run(self) -> None:
        try:
            self._server.run()
        except BaseException as exc:  # uvicorn calls sys.exit() when it cannot bind
            self._error = exc
            log.error("HTTP server on %s:%d failed: %r", self.host, self.port, exc)
        finally:
            self._done.set()
