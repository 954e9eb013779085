"""Load benchmark: bot.app.server.HttpServer against Bolt's development server (``App.start``).

Run ``python benchmarks/http_bench.py [--seconds 10] [--connections 32] [--repeat 1]``.
It starts a FakeSlack (for Bolt's ``auth.test``), then for each server in turn a subprocess
serving an ack-only ``/newsdesk`` handler (``help``: ephemeral blocks), checks one signed
request gets the help answer, loads it with wrk (or hey) on 127.0.0.1 with signed
form-encoded slash commands, stops it, and prints req/s, p50, p99, errors, timeouts and the
server's CPU time per request, plus the throughput ratio. The servers:

* baseline: stock Bolt, ``App()`` defaults on ``App.start()`` (its listener runs on Bolt's
  thread runner, which polls for the ack every 10 ms);
* the same development server with ``process_before_response=True``: shown so the table
  separates what the server brings from what that flag brings;
* ``HttpServer`` with ``process_before_response=True``, as ``newsdesk run`` creates it.

The signature is made once per server run: Bolt accepts it for 5 minutes. Servers run in
subprocesses so the load tool and the measured process's GIL stay apart. With
``--repeat N`` each server is measured N times (interleaved) and the median run (by p99)
is the one compared; every run is printed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from subprocess import DEVNULL
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

SECRET = "bench-signing-secret"
FORM = "application/x-www-form-urlencoded"
TARGET_RATIO, TARGET_P99_MS = 30.0, 20.0
# fmt: off
BODY = urlencode({
    "token": "legacy", "team_id": "T0001", "team_domain": "newsdesk", "channel_id": "C0001",
    "channel_name": "news", "user_id": "U0001", "user_name": "reader", "command": "/newsdesk",
    "text": "help", "api_app_id": "A0001", "trigger_id": "1.2.abc",
    "response_url": "http://127.0.0.1:9/commands/T0001/1/x",
})
HELP_BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Newsdesk"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": (
        "*`/newsdesk latest`* newest approved articles\n*`/newsdesk search WORDS`* find "
        "articles\n*`/newsdesk digest`* post a digest now\n*`/newsdesk help`* this message")}},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "Articles are curated."}]},
]
# fmt: on
WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-Slack-Request-Timestamp"] = os.getenv("BENCH_TS")
wrk.headers["X-Slack-Signature"] = os.getenv("BENCH_SIG")
done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format('RESULT {"n": %d, "secs": %f, "p50": %f, "p99": %f, "errors": %d, '
    .. '"timeouts": %d}\\n', s.requests, s.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.status, e.timeout))
end
"""
SERVERS = {  # kind -> table label
    "baseline": "dev server, stock App()",
    "dev-pbr": "dev server, pbr=True",
    "httpserver": "HttpServer, pbr=True",
}


@dataclass
class Result:
    name: str
    rps: float
    p50: float
    p99: float
    errors: int
    timeouts: int
    cpu_us: float | None


def make_app(slack_url: str, before_response: bool):  # -> slack_bolt.App (imported late)
    from slack_bolt import App
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-test-token", base_url=slack_url)
    app = App(signing_secret=SECRET, client=client, process_before_response=before_response)

    @app.command("/newsdesk")
    def newsdesk(ack) -> None:
        ack(response_type="ephemeral", text="Newsdesk help", blocks=HELP_BLOCKS)

    return app


def serve(kind: str, port: int, slack_url: str) -> None:
    """Child process: serve the benchmark app until SIGTERM."""
    app = make_app(slack_url, before_response=kind != "baseline")
    if kind != "httpserver":  # no per-request log lines: they would only slow it down
        app.start(port=port, http_server_logger_enabled=False)  # SIGTERM ends it
        return
    from bot.app.server import HttpServer

    server = HttpServer(app, host="127.0.0.1", port=port)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: server.stop(timeout=2))
    server.serve_forever()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def signed_headers() -> dict[str, str]:
    from slack_sdk.signature import SignatureVerifier

    ts = str(int(time.time()))
    sig = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=BODY)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}


def wait_listening(proc: subprocess.Popen, port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server not listening on {port} after {timeout} s")


def check_answer(port: int, headers: dict[str, str]) -> None:
    """One request first: load against a server answering 401 would measure nothing."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/slack/events", BODY, {**headers, "Content-Type": FORM})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    if resp.status != 200 or json.loads(body).get("blocks") != HELP_BLOCKS:
        raise RuntimeError(f"unexpected answer {resp.status}: {body[:200]!r}")


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process (Linux); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(url: str, headers: dict[str, str], args: argparse.Namespace, tmp: Path) -> dict:
    script = tmp / "signed.lua"
    script.write_text(WRK_SCRIPT)
    ts, sig = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    env = {**os.environ, "BENCH_BODY": BODY, "BENCH_TS": ts, "BENCH_SIG": sig}
    cmd = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "2s"]
    out = subprocess.run(
        [*cmd, "-s", str(script), url], env=env, capture_output=True, text=True,
        timeout=args.seconds + 30, check=True,
    ).stdout  # fmt: skip
    stats = json.loads(out.split("RESULT ", 1)[1].splitlines()[0])
    return {**stats, "rps": stats["n"] / stats["secs"]}


def run_hey(url: str, headers: dict[str, str], args: argparse.Namespace, _tmp: Path) -> dict:
    cmd = ["hey", "-z", f"{args.seconds}s", "-c", str(args.connections), "-t", "2", "-m", "POST"]
    cmd += ["-T", FORM, "-d", BODY]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*cmd, url], capture_output=True, text=True, timeout=args.seconds + 30, check=True
    ).stdout

    def number(pattern: str) -> float:
        found = re.search(pattern, out)
        return float(found.group(1)) if found else float("nan")

    failed = sum(int(n) for n in re.findall(r"\[(?!200\])\d+\]\s+(\d+) responses", out))
    errors = re.findall(r"^\s+\[(\d+)\]\t(?!\d+ responses)(.*)$", out, re.M)  # count, error
    timeouts = sum(int(n) for n, text in errors if "imeout" in text)
    return {
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "p50": number(r"50%+ in ([\d.]+) secs") * 1000,
        "p99": number(r"99%+ in ([\d.]+) secs") * 1000,
        "errors": failed + sum(int(n) for n, _ in errors) - timeouts,
        "timeouts": timeouts,
    }


def measure(kind: str, slack_url: str, args: argparse.Namespace, tmp: Path) -> Result:
    """Start one server subprocess, load it, stop it (always)."""
    port = free_port()
    child = [sys.executable, __file__, "--serve", kind, "--port", str(port)]
    log = tmp / f"{kind}.log"  # the child's stderr, shown if it fails
    with log.open("w") as stderr:
        proc = subprocess.Popen([*child, "--slack-url", slack_url], stdout=DEVNULL, stderr=stderr)
    try:
        wait_listening(proc, port)
        headers = signed_headers()
        check_answer(port, headers)
        cpu_before = cpu_seconds(proc.pid)
        load = run_wrk if args.tool == "wrk" else run_hey
        stats = load(f"http://127.0.0.1:{port}/slack/events", headers, args, tmp)
        cpu_after = cpu_seconds(proc.pid)
    except Exception:
        print(log.read_text()[-2000:], file=sys.stderr)
        raise
    finally:
        stop(proc)
    cpu_us = None
    if cpu_before is not None and cpu_after is not None and stats["rps"]:
        cpu_us = (cpu_after - cpu_before) / stats.get("n", stats["rps"] * args.seconds) * 1e6
    keys = ("rps", "p50", "p99", "errors", "timeouts")
    result = Result(SERVERS[kind], *(stats[k] for k in keys), cpu_us=cpu_us)
    if args.repeat > 1:
        print(f"  run: {row(result)}", flush=True)
    return result


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def row(r: Result) -> str:
    cpu = f"{r.cpu_us:10.0f}" if r.cpu_us is not None else f"{'-':>10}"
    counts = f"{r.errors:7d} {r.timeouts:8d}"
    return f"{r.name:25} {r.rps:9.1f} {r.p50:8.2f} {r.p99:8.2f} {counts} {cpu}"


def report(results: dict[str, Result], args: argparse.Namespace) -> bool:
    """Print the table; True when the targets are met."""
    print(f"\n{args.seconds} s x {args.repeat}, {args.connections} connections, {args.tool}, "
          "127.0.0.1, signed /newsdesk help; pbr = process_before_response")  # fmt: skip
    print(f"{'server':25} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'timeouts':>8}"
          f" {'CPU µs/req':>10}")  # fmt: skip
    for result in results.values():
        print(row(result))
    base, dev, ours = (results[kind] for kind in SERVERS)
    ratio = ours.rps / base.rps if base.rps else float("inf")
    ok = ratio >= TARGET_RATIO and ours.p99 < TARGET_P99_MS and not (ours.errors or ours.timeouts)
    print(f"HttpServer vs baseline: {ratio:.1f}x req/s (vs the dev server with "
          f"process_before_response: {ours.rps / max(dev.rps, 1e-9):.1f}x)")  # fmt: skip
    print(f"targets (>= {TARGET_RATIO:.0f}x, p99 < {TARGET_P99_MS:.0f} ms, no errors or "
          f"timeouts): {'met' if ok else 'NOT met'}")  # fmt: skip
    return ok


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--tool", choices=["wrk", "hey"], help="default: wrk if found")
    parser.add_argument("--repeat", type=int, default=1, help="runs per server; median kept")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--serve", choices=sorted(SERVERS), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--slack-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.tool = args.tool or ("wrk" if shutil.which("wrk") else "hey")
    if not args.serve and not shutil.which(args.tool):
        parser.error(f"{args.tool} not found (Debian: apt-get install -y wrk hey)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        serve(args.serve, args.port, args.slack_url)
        return 0
    from fakeslack import FakeSlack

    runs: dict[str, list[Result]] = {kind: [] for kind in SERVERS}
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):  # interleaved: a noisy minute hits every server alike
            for kind, results in runs.items():
                results.append(measure(kind, fake.url, args, Path(tmp)))
    medians = {kind: sorted(rs, key=lambda r: r.p99)[len(rs) // 2] for kind, rs in runs.items()}
    ok = report(medians, args)
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
