"""A small threaded HTTP server on 127.0.0.1 for tests that fetch outside URLs.

Routes map a path to a Reply (status, headers, body) or to a function of the request
headers giving one; every request is recorded, so a test can assert that a refused
target saw nothing at all.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    gzip: bool = False
    drip_s: float = 0.0  # pause between 1-byte writes: a server that never quite finishes


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


Route = Reply | Callable[[dict[str, str]], Reply]


class WebServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.handle_error = lambda *_: None  # a client that hung up is no error here
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def page(self, path: str, html: str | bytes, **headers: str) -> str:
        """Serve `html` at `path` as text/html; returns its URL."""
        body = html.encode() if isinstance(html, str) else html
        self.routes[path] = Reply(body=body, headers={"Content-Type": "text/html", **headers})
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = Reply(status=status, headers={"Location": location})
        return self.url(path)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.seen.append(Seen(self.path, headers))
                route = server.routes.get(self.path.split("?")[0], Reply(404, b"not found"))
                reply = route(headers) if callable(route) else route
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                body = gzip.compress(reply.body) if reply.gzip else reply.body
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.gzip:
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not reply.drip_s:
                    self.wfile.write(body)
                    return
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    threading.Event().wait(reply.drip_s)

            def log_message(self, *args: object) -> None:
                pass  # quiet tests

        return Handler

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)  # a quick shutdown

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def running() -> Iterator[WebServer]:
    server = WebServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
