"""`newsdesk run`: the whole bot in one process (SPEC §6).

Opens the store and a Slack client, builds the Bolt app, starts the scheduler (content
rescans, digests, review rounds, start-up catch-up: see bot.publishing.scheduler), and serves Slack
either over Socket Mode (when SLACK_APP_TOKEN is set) or over HTTP on $PORT.
SIGTERM/SIGINT stop it cleanly: no new requests, the scheduler's running job and the
executor's in-flight work (a digest being posted, a decision being shown) finish, then the
store closes. Tokens and the database password are never logged: while it runs, every log
record (its message and its traceback) has them masked, whatever library wrote it (a
driver's error may quote the connection string).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any, Protocol

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app.app import NO_SECRET, WORKERS, create_app, socket_mode
from bot.app.server import HttpServer
from bot.config import EXAMPLES_DIR, Settings
from bot.dburl import MASK, redact_url, url_secrets
from bot.publishing.scheduler import Scheduler
from bot.slack.client import make_client
from bot.store.store import Store

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
HTTP_HOST = "0.0.0.0"  # a container's port mapping must reach it
STOP_POLL_SECONDS = 0.5
NO_TOKEN = "SLACK_BOT_TOKEN is not set: Newsdesk needs the bot token (xoxb-…) to reach Slack."
NO_CONTENT = "content_dir: {path} is not a folder (create it, or fix content_dir)"
EXAMPLES_ONLY = (
    "content_dir: not set; `newsdesk run` never posts the bundled example articles (they are "
    "for `newsdesk digest --dry-run`): set content_dir to your articles folder"
)
BAD_APP_TOKEN = "SLACK_APP_TOKEN must be an app-level token (it starts with xapp-)."
STARTED = "newsdesk running: mode=%s port=%s content_dir=%s database=%s"
START_FAILED = "newsdesk could not start: %s"


class Front(Protocol):
    """What receives Slack's requests: the HTTP server or the Socket Mode connection."""

    def stop(self) -> None: ...


def run(
    settings: Settings,
    *,
    stop: threading.Event | None = None,
) -> int:
    """Run until SIGTERM/SIGINT (or `stop` is set); the process exit status."""
    problem = config_problem(settings)
    if problem:
        log.error("%s", problem)
        return EXIT_CONFIG
    stop = stop or threading.Event()
    with _signals_set(stop), _redacted_logs(settings):
        try:
            _serve(settings, stop)
        except Exception as exc:
            log.exception(START_FAILED, type(exc).__name__)
            return EXIT_FAILED
    log.info("newsdesk stopped")
    return EXIT_OK


def config_problem(settings: Settings) -> str | None:
    """Why these settings cannot run the bot, or None."""
    if settings.bot_token is None:
        return NO_TOKEN
    if settings.content_dir == EXAMPLES_DIR:
        return EXAMPLES_ONLY
    if not settings.content_dir.is_dir():
        return NO_CONTENT.format(path=settings.content_dir)
    if settings.app_token is not None:
        return None if settings.app_token.reveal().startswith("xapp-") else BAD_APP_TOKEN
    return None if settings.signing_secret is not None else NO_SECRET


def _serve(settings: Settings, stop: threading.Event) -> None:
    # ExitStack closes in reverse: stop accepting, finish jobs, drain work, close the store.
    with ExitStack() as stack:
        store = Store(settings.database_url)
        stack.callback(store.close)
        executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="newsdesk-work")
        stack.callback(executor.shutdown, wait=True)
        client = make_client(settings)
        app = create_app(settings, store, client, executor=executor)
        scheduler = Scheduler(settings, store, client)
        scheduler.start()
        stack.callback(scheduler.shutdown, wait=True)
        front = open_front(settings, app, store)
        stack.callback(front.stop)
        _log_start(settings, front)
        while not stop.wait(STOP_POLL_SECONDS):
            pass
        log.info("newsdesk stopping: finishing in-flight work")


def open_front(settings: Settings, app: App, store: Store) -> Front:
    """Start receiving Slack requests: Socket Mode with an app token, else HTTP."""
    if socket_mode(settings):
        return SocketFront(app, settings.app_token.reveal())  # type: ignore[union-attr]
    server = HttpServer(app, host=HTTP_HOST, port=settings.port, health=_health(store))
    server.start()
    return server


class SocketFront:
    """A Socket Mode connection (slack_sdk's built-in client) through `app.client`.

    `app.client` carries SLACK_API_URL, so apps.connections.open goes where the Web API does.
    """

    def __init__(self, app: App, app_token: str) -> None:
        self._handler = SocketModeHandler(app, app_token=app_token, web_client=app.client)
        self._handler.connect()

    def stop(self) -> None:
        self._handler.close()


def _health(store: Store) -> Callable[[], dict[str, Any]]:
    def check() -> dict[str, Any]:
        store.ping()  # a cheap query: probes come often, and counting 100,000 rows is not
        return {"ok": True}

    return check


def _log_start(settings: Settings, front: Front) -> None:
    mode = "socket" if socket_mode(settings) else "http"
    port = getattr(front, "port", None) if mode == "http" else "-"
    database = redact_url(settings.database_url)
    log.info(STARTED, mode, port, settings.content_dir, database)


@contextmanager
def _signals_set(stop: threading.Event) -> Iterator[None]:
    """SIGTERM/SIGINT set `stop` while inside (main thread only; elsewhere, a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Redactor(logging.Filter):
    """Masks each of `secrets` in a record's message, traceback and stack (never drops it)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._hide(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._hide(record.exc_text)
        if record.stack_info:
            record.stack_info = self._hide(record.stack_info)
        return True

    def _hide(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


def secrets_of(settings: Settings) -> list[str]:
    """What must never appear in a log line: tokens, the signing secret, DB passwords."""
    tokens = (settings.bot_token, settings.app_token, settings.signing_secret)
    return [t.reveal() for t in tokens if t is not None] + url_secrets(settings.database_url)


@contextmanager
def _redacted_logs(settings: Settings) -> Iterator[None]:
    """A Redactor on every root handler while inside (handlers filter propagated records
    too, whichever logger wrote them)."""
    redactor = Redactor(secrets_of(settings))
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(redactor)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(redactor)
