"""A fake Slack (Web API over real HTTP + Socket Mode websocket) for end-to-end tests.

Point the app at it with ``SLACK_API_URL=fake.url``; slack_sdk appends the method name.
Every request is recorded as a :class:`Call` before anything else happens, then a queued
fault (``fail``) is applied, else the method is answered from in-memory state the way Slack
does (the methods are in `fakeapi`, the Socket Mode server in `fakesocket`). Responses are
HTTP/1.0 (one request per connection) so no keep-alive thread lingers, and ``stop()`` joins
every thread it started.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fakeapi import APP_ID as APP_ID
from fakeapi import BOT_ID as BOT_ID
from fakeapi import SlackError, WebAPIMethods, _ts_key
from fakesocket import FakeSocketMode, envelope

_JSON_ARGS = ("blocks", "attachments", "view", "metadata")
_FAULTS = ("ratelimited", "server_error", "error", "slow", "drop", "truncated", "not_json")
# Faults whose request is carried out (or not, per `landed`) before the answer goes wrong.
_UNREADABLE = ("truncated", "not_json")


_HTML_PAGE = "<html><body><h1>502 Bad Gateway</h1></body></html>"


class _Raw(str):
    """A body sent as it is, labelled application/json (what a proxy cutting it short does)."""


class _IDict(dict):
    """Header dict with case-insensitive lookups (keys are stored lower-case)."""

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())


@dataclass
class Call:
    """One Web API request as the fake received it."""

    method: str
    args: dict
    headers: dict[str, str]
    at: float
    answered: str = ""  # "ok", "error:<code>", "429", "500", "dropped", "truncated", ...


@dataclass
class _Fault:
    kind: str
    retry_after: int = 1
    error: str = ""
    delay: float = 0.0
    messages: list[str] = field(default_factory=list)
    landed: bool = True


def _flatten(qs: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, values in qs.items():
        value: Any = values[-1]
        if key in _JSON_ARGS and value[:1] in ("[", "{"):
            value = json.loads(value)
        out[key] = value
    return out


class _Handler(BaseHTTPRequestHandler):
    timeout = 3  # a client that connects but never sends must not block stop()

    def do_POST(self) -> None:
        self.server.fake._handle(self)  # type: ignore[attr-defined]

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # block_on_close stays True: server_close() still joins them
    request_queue_size = 128  # the default 5 makes bursts of clients wait 1 s for a SYN retry


class FakeSlack(WebAPIMethods):
    """Fake Slack Web API + Socket Mode server. Thread-safe; see module docstring."""

    def __init__(
        self, token: str = "xoxb-test-token", *, team_id: str = "T0001", bot_user_id: str = "UBOT"
    ) -> None:
        self.token, self.team_id, self.bot_user_id = token, team_id, bot_user_id
        self.url = ""
        self._cond = threading.Condition(threading.RLock())
        self._stopping = threading.Event()
        self._calls: list[Call] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._hooks: dict[str, deque[Callable[[Call], None]]] = {}
        # token -> (bot user id, bot id, app id): the default app, plus any added with add_app.
        self._apps: dict[str, tuple[str, str, str]] = {token: (bot_user_id, BOT_ID, APP_ID)}
        self._delays: dict[str, float] = {}
        self._messages: dict[str, list[dict]] = {}
        self._ephemerals: dict[str, list[dict]] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._private: set[str] = set()
        self._views: dict[str, dict] = {}
        self._opened: list[dict] = []
        self._home: dict[str, dict] = {}
        self._unreachable: dict[str, str] = {}
        self._channel_limit: tuple[float, int] | None = None
        self._buckets: dict[str, tuple[float, float]] = {}
        self._limit_retry_after = 1
        self._last_ts = 0
        self._ids = itertools.count(1)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._sm: FakeSocketMode | None = None

    # ---- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeSlack:
        self._stopping.clear()
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.fake = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self.url = f"http://127.0.0.1:{httpd.server_address[1]}/api/"
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="fakeslack-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes "slow" handlers so they finish now
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self._sm is not None:
            self._sm.stop()
            self._sm = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- inspection --------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls of ``method`` were answered; return them all."""

        def done() -> list[Call]:
            return [c for c in self._calls if c.method == method and c.answered]

        with self._cond:
            if self._cond.wait_for(lambda: len(done()) >= count, timeout):
                return done()
            seen = [(c.method, c.answered or "pending") for c in self._calls]
        raise AssertionError(
            f"expected {count} answered {method} call(s) in {timeout}s; got {seen}"
        )

    def wait_quiet(self, method: str, seconds: float) -> None:
        """Return once no `method` call has come in for `seconds` (the senders are done)."""
        last, quiet_since = len(self.calls_to(method)), time.monotonic()
        while time.monotonic() - quiet_since < seconds:
            time.sleep(0.1)
            if (now := len(self.calls_to(method))) != last:
                last, quiet_since = now, time.monotonic()

    def messages(self, channel: str) -> list[dict]:
        with self._cond:
            return json.loads(json.dumps(self._messages.get(channel, [])))

    def posted_items(self, channel: str | None = None) -> list[str]:
        """Every item id named by the metadata (`event_payload.items`) of the messages Slack
        kept in `channel` (every channel when None), threads included, in posting order."""
        with self._cond:
            kept = [m for c, ms in self._messages.items() if channel in (None, c) for m in ms]
        kept.sort(key=lambda m: _ts_key(m["ts"]))
        payloads = [m.get("metadata", {}).get("event_payload", {}) for m in kept]
        return [i for payload in payloads for i in payload.get("items", [])]

    def ephemerals(self, channel: str) -> list[dict]:
        with self._cond:
            return json.loads(json.dumps(self._ephemerals.get(channel, [])))

    def ephemeral_texts(self, channel: str, user: str) -> list[str]:
        """The texts of the ephemeral messages `user` was shown in `channel`, in order."""
        return [e["text"] for e in self.ephemerals(channel) if e["user"] == user]

    def home_view(self, user_id: str) -> dict | None:
        with self._cond:
            return json.loads(json.dumps(self._home.get(user_id)))

    def opened_views(self) -> list[dict]:
        with self._cond:
            return json.loads(json.dumps(self._opened))

    # ---- configuration / fault injection -----------------------------------------------
    def fail(
        self,
        method: str,
        fault: str,
        *,
        times: int = 1,
        retry_after: int = 1,
        error: str = "",
        delay: float = 0.0,
        messages: list[str] | None = None,
        landed: bool = True,
    ) -> None:
        """Queue ``fault`` for the next ``times`` calls of ``method`` (see _FAULTS).

        "truncated" answers 200 with the JSON body cut short, "not_json" answers 200 with an
        HTML page; with ``landed`` the request was carried out first (a post is in the
        channel), without it, not.
        """
        if fault not in _FAULTS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {_FAULTS}")
        item = _Fault(
            fault, retry_after, error or "fatal_error", delay, list(messages or []), landed
        )
        with self._cond:
            self._faults.setdefault(method, deque()).extend([item] * times)

    def clear_faults(self) -> None:
        """Drop every fault still queued."""
        with self._cond:
            self._faults.clear()

    def after(self, method: str, hook: Callable[[Call], None]) -> None:
        """Run ``hook(call)`` once, on the next call of ``method``, once it was carried out
        and before its answer is sent (e.g. to break the database while a post lands)."""
        with self._cond:
            self._hooks.setdefault(method, deque()).append(hook)

    def add_app(self, token: str, bot_user_id: str, bot_id: str, app_id: str = "A0OTHER") -> None:
        """Another app installed in the workspace: its token posts as its own bot."""
        with self._cond:
            self._apps[token] = (bot_user_id, bot_id, app_id)

    def set_delay(self, method: str, seconds: float) -> None:
        with self._cond:
            self._delays[method] = seconds

    def set_unreachable(self, user_id: str, error: str = "cannot_dm_bot") -> None:
        """Posting to (or opening a DM with) `user_id` answers `error`, e.g. a user who left."""
        with self._cond:
            self._unreachable[user_id] = error

    def limit_posting(self, per_second: float = 1.0, burst: int = 1, retry_after: int = 1) -> None:
        """Opt in to Slack's per-channel posting limit: chat.postMessage to a channel (a DM
        counts as its own channel) beyond `per_second` (after a `burst`) answers 429 with
        Retry-After, as Slack does."""
        with self._cond:
            self._channel_limit = (per_second, burst)
            self._limit_retry_after = retry_after

    def dms(self, user_id: str) -> list[dict]:
        """The messages the app posted in its DM with `user_id` (their Messages tab)."""
        return self.messages(self.dm_id(user_id))

    def set_usergroup(self, group_id: str, user_ids: list[str]) -> None:
        with self._cond:
            self._usergroups[group_id] = list(user_ids)

    def set_private(self, *channels: str) -> None:
        """Make these channels private (conversations.info says is_private: true)."""
        with self._cond:
            self._private.update(channels)

    # ---- socket mode (served by fakesocket.FakeSocketMode) -----------------------------
    def start_socket_mode(self) -> str:
        with self._cond:
            if self._sm is None:
                self._sm = FakeSocketMode(APP_ID).start()
            return self._sm.new_url()

    def send_envelope(
        self, type_: str, payload: dict, *, accepts_response_payload: bool = False
    ) -> str:
        if self._sm is None:
            raise AssertionError("socket mode not started (call start_socket_mode)")
        frame = envelope(type_, payload, accepts_response_payload=accepts_response_payload)
        self._sm.send(frame)
        return frame["envelope_id"]

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask clients to reconnect, as Slack does before rotating servers.

        Like Slack, no further envelope goes to a connection that was told to go away:
        the next ``send_envelope`` waits for the client's new connection.
        """
        if self._sm is not None:
            self._sm.disconnect(reason)

    def close_socket_connections(self) -> None:
        """Close every client websocket (1001) as a Slack restart would; the server stays up.

        Also lets a SocketModeClient close() at once instead of after its 3 s read timeout.
        """
        if self._sm is not None:
            self._sm.close_connections()

    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> dict:
        if self._sm is None:
            raise AssertionError("socket mode not started")
        return self._sm.wait_ack(envelope_id, timeout)

    # ---- HTTP plumbing -----------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        method = urlsplit(req.path).path.rstrip("/").rsplit("/", 1)[-1]
        headers = _IDict((k.lower(), v) for k, v in req.headers.items())
        args, bad_body = self._read_args(req)
        call = Call(method, args, headers, time.monotonic())
        with self._cond:
            self._calls.append(call)
            queue = self._faults.get(method)
            fault = queue.popleft() if queue else None
            delay = self._delays.get(method, 0.0)
            if fault is None and method == "chat.postMessage" and self._limited(call.args):
                fault = _Fault("ratelimited", self._limit_retry_after)
        if fault is not None and fault.kind == "slow":
            delay, fault = delay + fault.delay, None
        if delay:
            self._stopping.wait(delay)
        label, status, body, extra = self._answer(call, fault, bad_body)
        with self._cond:
            hooks = self._hooks.get(method)
            hook = hooks.popleft() if hooks else None
        if hook is not None:
            hook(call)
        with self._cond:  # before the client can see the answer, so tests never race it
            call.answered = label
            self._cond.notify_all()
        if status is None:
            req.close_connection = True  # "drop": hang up without a status line
        else:
            self._send(req, status, body, extra)

    def _limited(self, args: dict) -> bool:
        try:
            channel = self._conversation(str(args.get("channel") or ""))
        except SlackError:
            return False  # answered by the method itself
        return bool(channel) and self._over_limit(channel)

    def _read_args(self, req: BaseHTTPRequestHandler) -> tuple[dict, bool]:
        raw = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        ctype, args = req.headers.get_content_type(), {}
        try:
            args.update(_flatten(parse_qs(urlsplit(req.path).query, keep_blank_values=True)))
            if raw and ctype == "application/json":
                args.update(json.loads(raw))
            elif raw and ctype == "application/x-www-form-urlencoded":
                args.update(_flatten(parse_qs(raw.decode(), keep_blank_values=True)))
        except (ValueError, TypeError):
            return args, True
        return args, False

    def _answer(
        self, call: Call, fault: _Fault | None, bad_body: bool
    ) -> tuple[str, int | None, Any, dict]:
        """Decide the reply: (Call.answered label, HTTP status or None to drop, body, headers)."""
        if fault is None:
            body = self._dispatch(call, bad_body)
            return ("ok" if body["ok"] else f"error:{body['error']}"), 200, body, {}
        if fault.kind == "drop":
            return "dropped", None, None, {}
        if fault.kind in _UNREADABLE:
            done = self._dispatch(call, bad_body) if fault.landed else {"ok": True}
            text = json.dumps(done)
            raw = text[: len(text) // 2] if fault.kind == "truncated" else _HTML_PAGE
            return fault.kind, 200, _Raw(raw), {}
        if fault.kind == "ratelimited":
            body = {"ok": False, "error": "ratelimited"}
            return "429", 429, body, {"Retry-After": str(fault.retry_after)}
        if fault.kind == "server_error":
            return "500", 500, "internal error", {}
        meta = {"messages": fault.messages}  # "error"
        body = {"ok": False, "error": fault.error, "response_metadata": meta}
        return f"error:{fault.error}", 200, body, {}

    def _send(
        self, req: BaseHTTPRequestHandler, status: int, body: Any, headers: dict | None = None
    ) -> None:
        is_json = isinstance(body, (dict, _Raw))
        data = (json.dumps(body) if isinstance(body, dict) else str(body)).encode()
        ctype = "application/json; charset=utf-8" if is_json else "text/plain; charset=utf-8"
        try:
            req.send_response(status)
            for name, value in {"Content-Type": ctype, **(headers or {})}.items():
                req.send_header(name, value)
            req.send_header("Content-Length", str(len(data)))
            req.end_headers()
            req.wfile.write(data)
        except OSError:
            pass  # the client gave up (timeout): the call still counts as answered

    def _dispatch(self, call: Call, bad_body: bool) -> dict:
        handler = getattr(self, "_api_" + call.method.replace(".", "_"), None)
        try:
            if bad_body:
                raise SlackError("invalid_json")
            if handler is None:
                raise SlackError("unknown_method")
            with self._cond:  # the caller's identity is read by the method, under the lock
                self._check_auth(call)
                return {"ok": True, **handler(call.args)}
        except (ValueError, TypeError):  # e.g. limit=abc: Slack says invalid_arguments
            return {"ok": False, "error": "invalid_arguments"}
        except SlackError as e:
            body: dict[str, Any] = {"ok": False, "error": e.code}
            if e.messages:
                body["response_metadata"] = {"messages": e.messages}
            return body
        except Exception as e:  # a bug in the fake: make it loud in the test, not a hang
            return {"ok": False, "error": f"fake_slack_crashed: {e!r}"}

    def _check_auth(self, call: Call) -> None:
        auth = call.headers.get("authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else call.args.get("token", "")
        if not token:
            raise SlackError("not_authed")
        if call.method == "apps.connections.open":
            if not token.startswith("xapp-"):
                raise SlackError(
                    "not_allowed_token_type" if token.startswith("xox") else "invalid_auth"
                )
        elif token not in self._apps:
            raise SlackError("invalid_auth")
        else:
            self._caller = self._apps[token]  # read by the methods, under the lock

    # ---- Socket Mode's Web API method ----------------------------------------------------
    def _api_apps_connections_open(self, args: dict) -> dict:
        return {"url": self.start_socket_mode()}
