"""Load benchmark: the real ``newsdesk run`` (HTTP mode) against Bolt's development server.

Run ``python benchmarks/http_bench.py [--seconds 10] [--connections 32] [--records 10000]``.

It writes a library of ``--records`` seed-shaped records (benchmarks/gen_records.py), a
config (review mode, one digest channel), loads them into a SQLite store (``newsdesk
status``, or ``--database-url``), then starts two servers and keeps them running:

* ``newsdesk run`` itself: HTTP on a free port, scheduler on, the fake Slack of
  tests/fakeslack.py on SLACK_API_URL (``auth.test``, and anything the app calls);
* the baseline: a stock ``slack_bolt.App()`` (defaults) on ``App.start()``, the development
  server, whose listeners ack the same requests (the help blocks; an empty ack for Read).

Each is loaded in turn, for each request, with wrk (one thread, ``--timeout 2s``) on
127.0.0.1: a signed ``/newsdesk help``, a signed ``/newsdesk next`` (store query, ranked
picks, Block Kit) and a signed Read-button click (a ``block_actions`` payload, form field
``payload=``, action ``ACTION_READ`` in the block naming the item). Before each load a few
bodies are signed with a fresh timestamp (Slack accepts five minutes) and written into the
wrk Lua script, which sends them in turn. One request is checked first (200 and the
expected answer: a load on a 401 measures nothing). Reported: req/s, p50, p99, errors
(connect, read, write, non-2xx), timeouts (> 2 s) and the server's CPU time per request
(utime + stime from /proc/<pid>/stat before and after), plus newsdesk's throughput as a
multiple of the baseline's for the same request. With ``--repeat N`` every load runs N
times (interleaved) and the run with the median p99 is reported. ``--check`` exits 1 when
a target is missed: for every request p99 < 20 ms, no errors or timeouts, >= 30x.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from subprocess import DEVNULL
from urllib.parse import urlencode

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

import wrkload  # noqa: E402
from fakeslack import FakeSlack  # noqa: E402
from newsdeskproc import free_port, newsdesk_env, until  # noqa: E402
from slackpayloads import block_actions, slash_fields  # noqa: E402

from bot.slack.blockkit.cards import ACTION_READ, ITEM_BLOCK_ID, block_id  # noqa: E402

SECRET = "bench-signing-secret"
FORM = "application/x-www-form-urlencoded"
PATH = "/slack/events"
TARGET_RATIO, TARGET_P99_MS = 30.0, 20.0
SIGNED_BODIES = 16  # distinct trigger ids / users per load
REQUESTS = ("help", "next", "read")
EXPECTED = {"help": "/newsdesk next", "next": "newsdesk_share", "read": ""}  # in the answer
NEWSDESK = "newsdesk run"
CHANNEL, REVIEW_CHANNEL, EDITOR = "C0BENCHNEWS", "C0BENCHREVIEW", "U0EDITOR"
WRK_SCRIPT = """
local bodies = {%(bodies)s}
local requests, n = {}, 0
init = function(args)
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded",
                   ["X-Slack-Request-Timestamp"] = "%(ts)s"}
  for i, pair in ipairs(bodies) do
    headers["X-Slack-Signature"] = pair[1]
    requests[i] = wrk.format("POST", "%(path)s", headers, pair[2])
  end
end
request = function()
  n = n %% #requests + 1
  return requests[n]
end
done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format('RESULT {"n": %%d, "secs": %%f, "p50": %%f, "p99": %%f, "errors": %%d, '
    .. '"timeouts": %%d}\\n', s.requests, s.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.status, e.timeout))
end
"""


@dataclass
class Result:
    server: str
    request: str
    rps: float
    p50: float
    p99: float
    errors: int
    timeouts: int
    cpu_us: float


# --- requests ---------------------------------------------------------------------------


def body_of(request: str, item: str, k: int) -> str:
    """The form body Slack would send for one of the three requests."""
    user = f"U0READER{k:03d}"
    response_url = f"http://127.0.0.1:9/commands/T0001/{k}/x"  # never called by these three
    if request in ("help", "next"):
        fields = slash_fields(request, user=user, channel=CHANNEL, response_url=response_url)
        return urlencode(fields)
    payload = block_actions(ACTION_READ, "", user=user, response_url=response_url)
    payload["channel"] = {"id": CHANNEL, "name": "news"}
    payload["container"] = {"type": "message", "channel_id": CHANNEL, "is_ephemeral": True}
    action = payload["actions"][0]
    action.pop("value")  # a link button carries a URL, not a value
    action.update(block_id=block_id(ITEM_BLOCK_ID, item), text={"type": "plain_text",
                  "text": "Read article", "emoji": True})  # fmt: skip
    return urlencode({"payload": json.dumps(payload)})


def sign(body: str, ts: str) -> str:
    from slack_sdk.signature import SignatureVerifier

    return SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)


def signed_bodies(request: str, item: str) -> tuple[str, list[tuple[str, str]]]:
    """(timestamp, [(signature, body)]), signed now."""
    ts = str(int(time.time()))
    bodies = [body_of(request, item, k) for k in range(SIGNED_BODIES)]
    return ts, [(sign(body, ts), body) for body in bodies]


def check_answer(port: int, expected: str, ts: str, signature: str, body: str) -> None:
    """One request first: load against a server answering 401 would measure nothing."""
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", PATH, body, headers)
    resp = conn.getresponse()
    answer = resp.read()
    conn.close()
    text = answer.decode(errors="replace")
    if resp.status != 200 or expected not in text:
        raise RuntimeError(f"unexpected answer {resp.status}: {text[:300]!r}")


# --- load -------------------------------------------------------------------------------


def run_wrk(port: int, ts: str, pairs: list[tuple[str, str]], args, tmp: Path) -> dict:
    lua = ", ".join(f"{{[==[{sig}]==], [==[{body}]==]}}" for sig, body in pairs)
    script = WRK_SCRIPT % {"bodies": lua, "ts": ts, "path": PATH}
    url = f"http://127.0.0.1:{port}{PATH}"
    return wrkload.run(url, script, tmp, connections=args.connections, seconds=args.seconds)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(server: Server, request: str, args, tmp: Path) -> Result:
    ts, pairs = signed_bodies(request, server.item)
    expected = EXPECTED[request] if server.name == NEWSDESK else ""
    check_answer(server.port, expected, ts, *pairs[0])
    before = cpu_seconds(server.proc.pid)
    stats = run_wrk(server.port, ts, pairs, args, tmp)
    cpu_us = (cpu_seconds(server.proc.pid) - before) / max(stats["n"], 1) * 1e6
    keys = ("rps", "p50", "p99", "errors", "timeouts")
    result = Result(server.name, request, *(stats[k] for k in keys), cpu_us=cpu_us)
    if args.repeat > 1:
        print(f"  run: {row(result)}", flush=True)
    return result


# --- servers ----------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    port: int
    item: str  # an item id in the library (the Read button's block names it)


def write_library(tmp: Path, n: int, database_url: str | None) -> tuple[Path, str]:
    """Records, a config, and the store loaded from them (so start-up does not ingest)."""
    from gen_records import generate

    paths = generate(tmp / "articles", n)
    config = tmp / "newsdesk.yaml"
    settings = {
        "content_dir": str(tmp / "articles"),
        "database_url": database_url or f"sqlite:///{tmp / 'newsdesk.db'}",
        "review": {"channel": REVIEW_CHANNEL, "approvers": [EDITOR], "schedule": "0 8 * * 1-5"},
        "digests": [{"channel": CHANNEL, "schedule": "0 9 * * 1-5", "size": 5}],
    }
    config.write_text(yaml.safe_dump(settings))
    return config, paths[0].stem


def start_newsdesk(fake: FakeSlack, config: Path, item: str, tmp: Path) -> Server:
    env = newsdesk_env(fake, SECRET, config)
    load = [sys.executable, "-m", "bot", "status"]
    subprocess.run(load, cwd=ROOT, env=env, stdout=DEVNULL, check=True, timeout=600)
    port = free_port()
    env["PORT"] = str(port)
    with (tmp / "newsdesk.log").open("w") as log:
        cmd = [sys.executable, "-m", "bot", "run"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=DEVNULL, stderr=log)
    server = Server(NEWSDESK, proc, port, item)
    wait_healthy(server, "/healthz")
    return server


def start_baseline(fake: FakeSlack, item: str, tmp: Path) -> Server:
    port = free_port()
    cmd = [sys.executable, __file__, "--serve-baseline", str(port), "--slack-url", fake.url]
    proc = subprocess.Popen(cmd, stdout=DEVNULL, stderr=open(tmp / "baseline.log", "w"))  # noqa: SIM115
    server = Server("Bolt dev server, App()", proc, port, item)
    wait_healthy(server, None)
    return server


def wait_healthy(server: Server, path: str | None) -> None:
    def up() -> bool:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=1)
            conn.request("GET", path or "/")
            ok = path is None or conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    until(up, timeout=60, what=f"{server.name} listening", pause=0.1)


def serve_baseline(port: int, slack_url: str) -> None:
    """Child process: a stock Bolt App (every default) on its development server."""
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.app.listeners.commands import HELP

    app = App(signing_secret=SECRET, client=WebClient(token=FakeSlack().token, base_url=slack_url))

    @app.command("/newsdesk")
    def newsdesk(ack) -> None:
        ack(response_type="ephemeral", text=HELP)

    @app.action(ACTION_READ)
    def read(ack) -> None:
        ack()

    app.start(port=port, http_server_logger_enabled=False)  # SIGTERM ends it


def stop(server: Server) -> None:
    server.proc.send_signal(signal.SIGTERM)
    try:
        server.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait(timeout=5)


# --- report -----------------------------------------------------------------------------


def row(r: Result) -> str:
    counts = f"{r.errors:7d} {r.timeouts:8d}"
    speed = f"{r.rps:9.1f} {r.p50:8.2f} {r.p99:8.2f}"
    return f"{r.server:24} {r.request:5} {speed} {counts} {r.cpu_us:9.0f}"


def report(results: dict[tuple[str, str], Result], args) -> bool:
    """Print the table; True when every target is met."""
    print(f"\n{args.seconds} s x {args.repeat}, {args.connections} connections, wrk, 127.0.0.1, "
          f"{args.records} records; signed requests")  # fmt: skip
    print(f"{'server':24} {'req':5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'timeouts':>8} {'CPU µs/req':>9}")  # fmt: skip
    for result in results.values():
        print(row(result))
    ok = True
    for request in dict.fromkeys(r for _, r in results):
        base, ours = results[("base", request)], results[("ours", request)]
        ratio = ours.rps / base.rps if base.rps else float("inf")
        met = ratio >= TARGET_RATIO and ours.p99 < TARGET_P99_MS
        met = met and not (ours.errors or ours.timeouts)
        ok = ok and met
        print(f"{request}: newsdesk run = {ratio:.1f}x the baseline's req/s, p99 "
              f"{ours.p99:.1f} ms: {'met' if met else 'NOT met'}")  # fmt: skip
    print(f"targets (p99 < {TARGET_P99_MS:.0f} ms, no errors, >= {TARGET_RATIO:.0f}x): "
          f"{'met' if ok else 'NOT met'}")  # fmt: skip
    return ok


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--records", type=int, default=10_000, help="library size")
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--repeat", type=int, default=1, help="runs per load; median kept")
    parser.add_argument("--only", choices=REQUESTS, action="append", help="these requests")
    parser.add_argument("--no-baseline", action="store_true", help="newsdesk only (profiling)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--serve-baseline", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--slack-url", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_baseline:
        serve_baseline(args.serve_baseline, args.slack_url)
        return 0
    # SIGTERM unwinds like Ctrl-C, so the servers started below are always stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with FakeSlack() as fake, tempfile.TemporaryDirectory(prefix="http-bench-") as name:
        tmp = Path(name)
        config, item = write_library(tmp, args.records, args.database_url)
        servers = {"ours": start_newsdesk(fake, config, item, tmp)}
        try:
            if not args.no_baseline:
                servers["base"] = start_baseline(fake, item, tmp)
            runs = load_all(servers, args, tmp)
        except Exception:
            print((tmp / "newsdesk.log").read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            for server in servers.values():
                stop(server)
    medians = {key: sorted(rs, key=lambda r: r.p99)[len(rs) // 2] for key, rs in runs.items()}
    if args.no_baseline:
        for result in medians.values():
            print(row(result))
        return 0
    ok = report(medians, args)
    return 0 if ok or not args.check else 1


def load_all(servers: dict[str, Server], args, tmp: Path) -> dict[tuple[str, str], list[Result]]:
    """Every (server, request) load, `--repeat` times, interleaved."""
    requests = args.only or REQUESTS
    runs: dict[tuple[str, str], list[Result]] = {}
    for _ in range(args.repeat):  # interleaved: a noisy minute hits every server alike
        for request in requests:
            for key, server in servers.items():
                runs.setdefault((key, request), []).append(measure(server, request, args, tmp))
    return runs


if __name__ == "__main__":
    sys.exit(main())
