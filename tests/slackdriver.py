"""End-to-end harness: the real app behind its real HTTP server, driven the way Slack drives it.

`SlackDriver` starts a FakeSlack (the Web API the app calls), a SQLite Store holding the
given records, `create_app` and `HttpServer` on a loopback port, plus a tiny recorder
standing in for Slack's response_url. Tests then send signed requests shaped like Slack's
(slash commands, block_actions, view_submission, Events API envelopes) and assert on what
a user would see: the HTTP answer, `fake` (messages, ephemerals, views) and `responses()`.

    with SlackDriver(tmp_path, records=[make_record("a1")]) as slack:
        status, body = slack.command("help")
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from fakeslack import FakeSlack
from slackpayloads import (
    block_actions,
    decoded,
    event_callback,
    post_signed,
    shortcut,
    slash_fields,
    state_values,
    view_submission,
)

from bot.app.app import create_app
from bot.app.server import HttpServer
from bot.config import Settings, load_settings
from bot.content.article import Record, ScanResult
from bot.slack.client import make_client
from bot.store.store import Store


class TrackingExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor that can wait until every submitted job has finished."""

    def __init__(self, workers: int = 4) -> None:
        super().__init__(workers, thread_name_prefix="driver-work")
        self._cond = threading.Condition()
        self._pending = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        with self._cond:
            self._pending += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _: Future | None) -> None:
        with self._cond:
            self._pending -= 1
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._pending == 0, timeout):
                raise AssertionError(f"{self._pending} background job(s) still running")


class _Recorder:
    """Stands in for Slack's response_url: records each JSON body POSTed to /response/<n>."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with recorder._lock:
                    recorder.bodies.append({**json.loads(raw or b"{}"), "_url": self.path})
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))
        self._ids = itertools.count(1)

    def start(self) -> _Recorder:
        self._thread.start()
        return self

    def new_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/response/{next(self._ids)}"

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() would wait forever for a loop never started
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()


class SlackDriver:
    """The whole app on loopback, driven by signed Slack-shaped requests (see module doc).

    `review` is a channel id or a review mapping (SPEC §5) and gets `approvers` unless it
    names its own; without `review` nobody is an approver. `digests` are channel ids or
    digest mappings; `extra_config` adds or overrides top-level config keys. The settings
    go through `load_settings` from a YAML file, exactly like production.
    """

    def __init__(
        self,
        tmp_path: Path,
        *,
        records: Iterable[Record] = (),
        review: dict | str | None = None,
        digests: Iterable[dict | str] = (),
        approvers: Iterable[str] = ("UEDITOR",),
        secret: str = "test-signing-secret",
        extra_config: dict | None = None,
    ) -> None:
        self.tmp_path = Path(tmp_path)
        self._records = list(records)
        self._config = _config(self.tmp_path, review, digests, approvers, extra_config)
        self.secret = secret
        self.fake = FakeSlack()
        self.executor = TrackingExecutor()
        self._recorder = _Recorder()
        self._ids = itertools.count(1)
        self.store: Store
        self.settings: Settings
        self.server: HttpServer
        self.base_url = ""

    # ---- lifecycle -------------------------------------------------------------------
    def start(self) -> SlackDriver:
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> SlackDriver:
        self.fake.start()
        self._recorder.start()
        self.settings = self._load_settings()
        self.store = Store(self.settings.database_url)
        now = datetime.now(UTC)
        self.store.apply_scan(ScanResult(records=self._records, bad=[], removed=[]), now)
        client = make_client(self.settings)
        self.app = create_app(self.settings, self.store, client, executor=self.executor)
        self.server = HttpServer(self.app, host="127.0.0.1", port=0)
        self.server.start()
        self.base_url = f"http://127.0.0.1:{self.server.port}"
        return self

    def stop(self) -> None:
        server = getattr(self, "server", None)
        if server is not None:
            server.stop()
        self.executor.shutdown(wait=True)
        if hasattr(self, "store"):
            self.store.close()
        self._recorder.stop()
        self.fake.stop()

    def __enter__(self) -> SlackDriver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _load_settings(self) -> Settings:
        path = self.tmp_path / "newsdesk.yaml"
        path.write_text(yaml.safe_dump(self._config), encoding="utf-8")
        env = {
            "SLACK_BOT_TOKEN": self.fake.token,
            "SLACK_SIGNING_SECRET": self.secret,
            "SLACK_API_URL": self.fake.url,
        }
        return load_settings(str(path), env=env)

    # ---- raw signed requests ---------------------------------------------------------
    def signed_post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> tuple[int, bytes]:
        """POST to /slack/events signed like Slack (v0 HMAC-SHA256); (status, body)."""
        key = self.secret if secret is None else secret
        return post_signed(self.base_url, body, content_type, key, timestamp=timestamp)

    def post_form(self, fields: dict[str, str]) -> tuple[int, dict | str]:
        """Signed form POST (slash commands; `payload=` for interactions); (status, body)."""
        status, raw = self.signed_post(
            urlencode(fields).encode(), "application/x-www-form-urlencoded"
        )
        return status, decoded(raw)

    def post_payload(self, payload: dict) -> tuple[int, dict | str]:
        """An interaction payload, form-encoded as `payload=<json>` like Slack sends it."""
        return self.post_form({"payload": json.dumps(payload)})

    # ---- what Slack sends ------------------------------------------------------------
    def command(
        self, text: str, *, user: str = "UREADER", channel: str = "CNEWS"
    ) -> tuple[int, dict | str]:
        """`/newsdesk <text>` typed by `user` in `channel`; (status, ack body)."""
        return self.post_form(self.command_fields(text, user=user, channel=channel))

    def command_fields(self, text: str, *, user: str = "UREADER", channel: str = "CNEWS") -> dict:
        """The form fields Slack sends for `/newsdesk <text>`, response_url to the recorder."""
        return slash_fields(text, user=user, channel=channel, response_url=self._recorder.new_url())

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str,
        channel: str | None = None,
        message_ts: str | None = None,
        view_id: str | None = None,
    ) -> int:
        """A button click (block_actions) on a message, an ephemeral message or a view.

        The clicked message (or view) is looked up in the fake and sent along, as Slack does.
        """
        message = self._message(channel, message_ts)
        view = self._view(view_id, user)
        if view_id is not None and view is None:
            view = {"id": view_id, "type": "home", "blocks": []}
        payload = block_actions(
            action_id,
            value,
            user=user,
            response_url=self._recorder.new_url(),
            channel=channel,
            message_ts=message_ts,
            message=message,
            view=view,
        )
        return self.post_payload(payload)[0]

    def submit_view(
        self, callback_id: str, values: dict, private_metadata: str, *, user: str
    ) -> tuple[int, dict | str]:
        """Submit a modal: `values` is state.values ({block: {action: value or dict}})."""
        opened = [v for v in self.fake.opened_views() if v.get("callback_id") == callback_id]
        view = dict(opened[-1]) if opened else {"id": "VMODAL", "type": "modal", "blocks": []}
        view.update(
            callback_id=callback_id,
            private_metadata=private_metadata,
            state={"values": state_values(values)},
        )
        status, body = self.post_payload(view_submission(view, user=user))
        if isinstance(body, dict) and body.get("response_action") == "update":
            self.fake.apply_response_update(view["id"], body["view"])  # as Slack would
        return status, body

    def shortcut(
        self,
        callback_id: str,
        *,
        user: str,
        message: dict | None = None,
        channel: str = "CNEWS",
    ) -> tuple[int, dict | str]:
        """A shortcut: on `message` (a message_action in `channel`), else a global one."""
        url = self._recorder.new_url() if message is not None else ""
        payload = shortcut(
            callback_id, user=user, message=message, channel=channel, response_url=url
        )
        return self.post_payload(payload)

    def event(self, event: dict) -> int:
        """An Events API `event_callback` envelope around `event`, as JSON; the status."""
        status, _ = self.signed_post(
            json.dumps(self.event_envelope(event)).encode(), "application/json"
        )
        return status

    def event_envelope(self, event: dict) -> dict:
        return event_callback(
            event,
            bot_user_id=self.fake.bot_user_id,
            event_id=f"Ev{next(self._ids):08d}",
            context=f"4-{next(self._ids)}",
        )

    # ---- what the user saw -----------------------------------------------------------
    def responses(self) -> list[dict]:
        """Bodies POSTed to response_url (respond()), oldest first; `_url` names which."""
        with self._recorder._lock:
            return [dict(b) for b in self._recorder.bodies]

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until every job handed to the app's executor has finished."""
        self.executor.wait_idle(timeout)

    # ---- helpers -----------------------------------------------------------------------
    def _message(self, channel: str | None, ts: str | None) -> dict | None:
        if channel is None or ts is None:
            return None
        found = [m for m in self.fake.messages(channel) if m["ts"] == ts]
        return found[0] if found else None

    def _view(self, view_id: str | None, user: str) -> dict | None:
        if view_id is None:
            return None
        views = [v for v in [*self.fake.opened_views(), self.fake.home_view(user)] if v]
        found = [v for v in views if v.get("id") == view_id]
        return found[-1] if found else None


def _config(
    tmp_path: Path,
    review: dict | str | None,
    digests: Iterable[dict | str],
    approvers: Iterable[str],
    extra: dict | None,
) -> dict:
    content = tmp_path / "articles"
    content.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "content_dir": str(content),
        "database_url": f"sqlite:///{tmp_path / 'newsdesk.db'}",
    }
    if review is not None:
        review = {"channel": review} if isinstance(review, str) else dict(review)
        config["review"] = {"approvers": list(approvers), **review}
    config["digests"] = [{"channel": d} if isinstance(d, str) else dict(d) for d in digests]
    config.update(extra or {})
    return config


def ephemeral(driver: SlackDriver, text: str, **kw: Any) -> dict:
    """The ephemeral answer to `/newsdesk <text>` (the ack body); fails on anything else."""
    status, body = driver.command(text, **kw)
    assert status == 200
    assert isinstance(body, dict), body
    assert body["response_type"] == "ephemeral"
    return body
