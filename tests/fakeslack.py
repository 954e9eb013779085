"""A fake Slack (Web API over real HTTP + Socket Mode websocket) for end-to-end tests.

Point the app at it with ``SLACK_API_URL=fake.url``; slack_sdk appends the method name.
Every request is recorded as a :class:`Call` before anything else happens, then a queued
fault (``fail``) is applied, else the method is answered from in-memory state the way Slack
does. Responses are HTTP/1.0 (one request per connection) so no keep-alive thread lingers,
and ``stop()`` joins every thread it started.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

APP_ID = "A0001"
BOT_ID = "B0001"
_JSON_ARGS = ("blocks", "attachments", "view", "metadata")
_FAULTS = ("ratelimited", "server_error", "error", "slow", "drop")


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
    answered: str = ""  # "ok", "error:<code>", "429", "500", "dropped"


@dataclass
class _Fault:
    kind: str
    retry_after: int = 1
    error: str = ""
    delay: float = 0.0
    messages: list[str] = field(default_factory=list)


class SlackError(Exception):
    """Raised by an API method to answer ``{"ok": false, "error": code}``."""

    def __init__(self, code: str, messages: list[str] | None = None) -> None:
        super().__init__(code)
        self.code, self.messages = code, messages


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _ts_key(ts: str) -> tuple[int, int]:
    """Order ts strings exactly (floats lose the microseconds at this magnitude)."""
    sec, _, frac = str(ts).partition(".")
    return int(sec or 0), int((frac + "000000")[:6])


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


class FakeSlack:
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
        self._delays: dict[str, float] = {}
        self._messages: dict[str, list[dict]] = {}
        self._ephemerals: dict[str, list[dict]] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._views: dict[str, dict] = {}
        self._opened: list[dict] = []
        self._home: dict[str, dict] = {}
        self._last_ts = 0
        self._ids = itertools.count(1)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._sm: _SocketMode | None = None

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

    def messages(self, channel: str) -> list[dict]:
        with self._cond:
            return json.loads(json.dumps(self._messages.get(channel, [])))

    def ephemerals(self, channel: str) -> list[dict]:
        with self._cond:
            return json.loads(json.dumps(self._ephemerals.get(channel, [])))

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
    ) -> None:
        """Queue ``fault`` for the next ``times`` calls of ``method`` (see _FAULTS)."""
        if fault not in _FAULTS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {_FAULTS}")
        item = _Fault(fault, retry_after, error or "fatal_error", delay, list(messages or []))
        with self._cond:
            self._faults.setdefault(method, deque()).extend([item] * times)

    def set_delay(self, method: str, seconds: float) -> None:
        with self._cond:
            self._delays[method] = seconds

    def set_usergroup(self, group_id: str, user_ids: list[str]) -> None:
        with self._cond:
            self._usergroups[group_id] = list(user_ids)

    # ---- socket mode -------------------------------------------------------------------
    def start_socket_mode(self) -> str:
        with self._cond:
            if self._sm is None:
                self._sm = _SocketMode().start()
            return self._sm.new_url()

    def send_envelope(
        self, type_: str, payload: dict, *, accepts_response_payload: bool = False
    ) -> str:
        if self._sm is None:
            raise AssertionError("socket mode not started (call start_socket_mode)")
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "type": type_,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if type_ == "events_api":
            envelope.update(retry_attempt=0, retry_reason="")
        self._sm.send(envelope)
        return envelope["envelope_id"]

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
        if fault is not None and fault.kind == "slow":
            delay, fault = delay + fault.delay, None
        if delay:
            self._stopping.wait(delay)
        label, status, body, extra = self._answer(call, fault, bad_body)
        with self._cond:  # before the client can see the answer, so tests never race it
            call.answered = label
            self._cond.notify_all()
        if status is None:
            req.close_connection = True  # "drop": hang up without a status line
        else:
            self._send(req, status, body, extra)

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
        is_json = isinstance(body, dict)
        data = (json.dumps(body) if is_json else str(body)).encode()
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
            self._check_auth(call)
            with self._cond:
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
        elif token != self.token:
            raise SlackError("invalid_auth")

    # ---- state helpers (called with the lock held) -------------------------------------
    def _next_ts(self) -> str:
        # Real epoch time (apps may filter history by date), strictly increasing.
        self._last_ts = max(int(time.time() * 1_000_000), self._last_ts + 1)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def _find(self, channel: str, ts: str) -> dict:
        for msg in self._messages.get(channel, []):
            if msg["ts"] == ts:
                return msg
        raise SlackError("message_not_found")

    @staticmethod
    def _check_content(args: dict) -> None:
        blocks = args.get("blocks")
        if not (args.get("text") or blocks or args.get("attachments")):
            raise SlackError("no_text")
        if blocks is not None and not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        if blocks and len(blocks) > 50:
            raise SlackError(
                "invalid_blocks", ["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"]
            )

    def _public(self, msg: dict, with_metadata: bool) -> dict:
        out = {k: v for k, v in msg.items() if k != "metadata" or with_metadata}
        replies = [m for m in self._messages[msg["channel"]] if m.get("thread_ts") == msg["ts"]]
        if replies:
            out.update(thread_ts=msg["ts"], reply_count=len(replies))
        out.pop("channel")
        return out

    # ---- Web API methods (lock held; return the body without "ok") ----------------------
    def _api_auth_test(self, args: dict) -> dict:
        return {
            "url": "https://fake.slack.com/", "team": "Fake Team", "user": "newsdesk",
            "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }  # fmt: skip

    def _api_chat_postMessage(self, args: dict) -> dict:
        channel = args.get("channel") or ""
        if not channel:
            raise SlackError("channel_not_found")
        self._check_content(args)
        msg: dict[str, Any] = {
            "type": "message", "channel": channel, "ts": self._next_ts(),
            "text": args.get("text", ""), "user": self.bot_user_id, "bot_id": BOT_ID,
            "app_id": APP_ID, "team": self.team_id,
        }  # fmt: skip
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key):
                msg[key] = args[key]
        self._messages.setdefault(channel, []).append(msg)
        return {"channel": channel, "ts": msg["ts"], "message": self._public(msg, True)}

    def _api_chat_update(self, args: dict) -> dict:
        msg = self._find(args.get("channel", ""), args.get("ts", ""))
        self._check_content(args)
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in args:
                msg[key] = args[key]
        msg["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        out = {"channel": msg["channel"], "ts": msg["ts"], "text": msg["text"]}
        return {**out, "message": self._public(msg, True)}

    def _api_chat_delete(self, args: dict) -> dict:
        msg = self._find(args.get("channel", ""), args.get("ts", ""))
        self._messages[msg["channel"]].remove(msg)
        return {"channel": msg["channel"], "ts": msg["ts"]}

    def _api_chat_postEphemeral(self, args: dict) -> dict:
        if not args.get("channel"):
            raise SlackError("channel_not_found")
        if not args.get("user"):
            raise SlackError("user_not_found")
        self._check_content(args)
        ts = self._next_ts()
        keep = ("user", "text", "blocks", "attachments", "thread_ts")
        entry = {"message_ts": ts, **{k: args[k] for k in keep if k in args}}
        self._ephemerals.setdefault(args["channel"], []).append(entry)
        return {"message_ts": ts}

    def _api_chat_getPermalink(self, args: dict) -> dict:
        msg = self._find(args.get("channel", ""), args.get("message_ts", ""))
        link = f"https://fake.slack.com/archives/{msg['channel']}/p{msg['ts'].replace('.', '')}"
        return {"channel": msg["channel"], "permalink": link}

    def _api_conversations_history(self, args: dict) -> dict:
        channel = args.get("channel", "")
        if not channel:
            raise SlackError("channel_not_found")
        inclusive = _truthy(args.get("inclusive"))
        lo, hi = _ts_key(args.get("oldest") or "0"), _ts_key(args.get("latest") or "9999999999")
        top = [m for m in self._messages.get(channel, []) if m.get("thread_ts", m["ts"]) == m["ts"]]

        def in_range(ts: str) -> bool:
            key = _ts_key(ts)
            return lo <= key <= hi if inclusive else lo < key < hi

        picked = [m for m in reversed(top) if in_range(m["ts"])]
        return self._page(picked, args, _truthy(args.get("include_all_metadata")))

    def _api_conversations_replies(self, args: dict) -> dict:
        parent = self._find(args.get("channel", ""), args.get("ts", ""))
        thread = [parent] + [
            m for m in self._messages[parent["channel"]] if m.get("thread_ts") == parent["ts"]
        ]
        return self._page(thread, args, _truthy(args.get("include_all_metadata")))

    def _page(self, msgs: list[dict], args: dict, with_metadata: bool) -> dict:
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 100)
        chunk, more = msgs[start : start + limit], start + limit < len(msgs)
        return {
            "messages": [self._public(m, with_metadata) for m in chunk],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _store_view(self, view: Any, view_id: str | None = None) -> dict:
        if not isinstance(view, dict) or "type" not in view:
            raise SlackError("invalid_arguments", ["[ERROR] missing required field: view"])
        view_id = view_id or f"V{next(self._ids):06d}"
        stored = {
            **view, "id": view_id, "team_id": self.team_id, "app_id": APP_ID, "bot_id": BOT_ID,
            "state": {"values": {}}, "hash": uuid.uuid4().hex[:12],
        }  # fmt: skip
        self._views[view_id] = stored
        return stored

    def _api_views_open(self, args: dict) -> dict:
        if not args.get("trigger_id"):
            raise SlackError("invalid_trigger_id")
        view = self._store_view(args.get("view"))
        self._opened.append(view)
        return {"view": view}

    _api_views_push = _api_views_open

    def _api_views_publish(self, args: dict) -> dict:
        if not args.get("user_id"):
            raise SlackError("user_not_found")
        view = self._store_view(args.get("view"))
        self._home[args["user_id"]] = view
        return {"view": view}

    def _api_views_update(self, args: dict) -> dict:
        external = {v.get("external_id"): v["id"] for v in self._views.values()}
        view_id = args.get("view_id") or external.get(args.get("external_id"))
        if view_id not in self._views:
            raise SlackError("not_found")
        return {"view": self._store_view(args.get("view"), view_id)}

    def _api_usergroups_users_list(self, args: dict) -> dict:
        if args.get("usergroup") not in self._usergroups:
            raise SlackError("no_such_subteam")
        return {"users": list(self._usergroups[args["usergroup"]])}

    def _api_users_info(self, args: dict) -> dict:
        user_id = args.get("user") or ""
        if not user_id:
            raise SlackError("user_not_found")
        name = f"User {user_id}"
        return {"user": {
            "id": user_id, "team_id": self.team_id, "name": user_id.lower(), "real_name": name,
            "tz": "UTC", "tz_label": "Coordinated Universal Time", "tz_offset": 0,
            "is_bot": user_id == self.bot_user_id, "deleted": False,
            "profile": {"display_name": user_id.lower(), "real_name": name},
        }}  # fmt: skip

    def _api_apps_connections_open(self, args: dict) -> dict:
        return {"url": self.start_socket_mode()}


class _SocketMode:
    """The websocket side: hello on connect, envelopes out, acks in (keyed by envelope_id)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._conns: list[ServerConnection] = []  # live, newest last: envelopes go here
        self._retired: list[ServerConnection] = []  # told to reconnect; closed once it has
        self._acks: dict[str, dict] = {}
        self.received: list[dict] = []  # every frame from clients, acks included
        self._server = serve(self._serve_client, "127.0.0.1", 0, ping_interval=None)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fakeslack-ws", daemon=True
        )

    def start(self) -> _SocketMode:
        self._thread.start()
        return self

    def new_url(self) -> str:
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket={uuid.uuid4()}&app_id={APP_ID}"

    def stop(self) -> None:
        self._server.shutdown()  # closes open connections and waits for their handlers
        self._thread.join(5)

    def _serve_client(self, conn: ServerConnection) -> None:
        debug = {"host": "fake-applink-1", "build_number": 1, "approximate_connection_time": 18060}
        hello = {"type": "hello", "num_connections": 1, "debug_info": debug,
                 "connection_info": {"app_id": APP_ID}}  # fmt: skip
        try:
            conn.send(json.dumps(hello))
            with self._cond:
                self._conns.append(conn)
                retired, self._retired = self._retired, []
                self._cond.notify_all()
            for old in retired:  # as Slack does once the client is back: frees its reader
                old.close(1001)
            for raw in conn:
                frame = json.loads(raw)
                with self._cond:
                    self.received.append(frame)
                    if isinstance(frame, dict) and frame.get("envelope_id"):
                        self._acks[frame["envelope_id"]] = frame
                    self._cond.notify_all()
        except (ConnectionClosed, ValueError):
            pass
        finally:
            with self._cond:
                if conn in self._conns:
                    self._conns.remove(conn)

    def send(self, frame: dict, timeout: float = 5.0) -> None:
        """Send to the newest live connection, waiting for one to appear if needed."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                if not self._cond.wait_for(lambda: self._conns, deadline - time.monotonic()):
                    raise AssertionError(f"no Socket Mode client connected within {timeout}s")
                conn = self._conns[-1]
            try:
                conn.send(json.dumps(frame))
                return
            except ConnectionClosed:  # replaced while we picked it: try the next one
                with self._cond:
                    if conn in self._conns:
                        self._conns.remove(conn)

    def close_connections(self) -> None:
        for conn in self._server.connections:
            conn.close(1001)

    def disconnect(self, reason: str) -> None:
        with self._cond:
            retiring, self._conns = self._conns, []
            self._retired += retiring
        frame = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {}})
        for conn in retiring:
            with contextlib.suppress(ConnectionClosed):
                conn.send(frame)

    def wait_ack(self, envelope_id: str, timeout: float) -> dict:
        with self._cond:
            if self._cond.wait_for(lambda: envelope_id in self._acks, timeout):
                return self._acks[envelope_id]
        raise AssertionError(f"no ack for envelope {envelope_id} within {timeout}s")
