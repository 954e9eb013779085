"""The fake Slack's Socket Mode side: a real websocket server the app's client connects to.

Like Slack it says hello on connect, sends envelopes to the newest live connection,
collects acks by ``envelope_id``, asks clients to reconnect (``disconnect``) and can
close every connection as a restart would. `fakeslack.FakeSlack` starts one on demand
and delegates its Socket Mode methods here; ``stop()`` joins every thread it started.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve


def envelope(type_: str, payload: dict, *, accepts_response_payload: bool = False) -> dict:
    """A Socket Mode envelope as Slack sends it, with a fresh ``envelope_id``."""
    out: dict[str, Any] = {
        "envelope_id": str(uuid.uuid4()),
        "type": type_,
        "payload": payload,
        "accepts_response_payload": accepts_response_payload,
    }
    if type_ == "events_api":
        out.update(retry_attempt=0, retry_reason="")
    return out


class FakeSocketMode:
    """The websocket side: hello on connect, envelopes out, acks in (keyed by envelope_id)."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self._cond = threading.Condition()
        self._conns: list[ServerConnection] = []  # live, newest last: envelopes go here
        self._retired: list[ServerConnection] = []  # told to reconnect; closed once it has
        self._acks: dict[str, dict] = {}
        self.received: list[dict] = []  # every frame from clients, acks included
        self._server = serve(self._serve_client, "127.0.0.1", 0, ping_interval=None)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fakeslack-ws", daemon=True
        )

    def start(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def new_url(self) -> str:
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket={uuid.uuid4()}&app_id={self.app_id}"

    def stop(self) -> None:
        self._server.shutdown()  # closes open connections and waits for their handlers
        self._thread.join(5)

    def _serve_client(self, conn: ServerConnection) -> None:
        debug = {"host": "fake-applink-1", "build_number": 1, "approximate_connection_time": 18060}
        hello = {"type": "hello", "num_connections": 1, "debug_info": debug,
                 "connection_info": {"app_id": self.app_id}}  # fmt: skip
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
