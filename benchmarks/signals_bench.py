"""Signal writes under load: Read clicks at 32 connections against a real `newsdesk run`.

Run ``python benchmarks/signals_bench.py [--seconds 10] [--connections 32] [--db sqlite|postgres]``.

It starts a FakeSlack (Bolt's `auth.test`), writes 50 article records and a config, starts
`python -m bot run` in HTTP mode, waits for the records to be in the store, then loads
/slack/events with wrk: signed `block_actions` payloads of Read clicks (a link button, as
Slack sends it), 4,000 distinct (reader, article) pairs signed in advance and sent in turn.
Printed: req/s and the ack latency (p50, p99) wrk saw, errors, and how long the store took
after the load to hold every distinct click (the writes run after the ack), with the rows
it then holds. The baseline, in the same process right after: signed `/newsdesk help`
commands (answered in the ack, nothing written) at the same concurrency. PostgreSQL uses
a fresh schema on 127.0.0.1:5432/test, dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402
import wrkload  # noqa: E402
from fakeslack import FakeSlack  # noqa: E402
from newsdeskproc import free_port, newsdesk_env, until  # noqa: E402
from slackpayloads import block_actions, signature_headers, slash_fields  # noqa: E402

from bot.slack.blockkit.cards import ACTION_READ  # noqa: E402

SECRET = "bench-signing-secret"
ITEMS, PAIRS = 50, 4_000
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RECORD = """---
title: "Story {n}"
excerpt: "About {n}."
originalUrl: "https://news.example.com/{n}/"
quality: 80
provider: {{name: "Wire", domain: "wire.example"}}
topics: [AI]
---
"""
LUA = """
local i = 0
request = function()
  i = i + 1
  local r = reqs[(i %% #reqs) + 1]
  return wrk.format("POST", "/slack/events", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Slack-Request-Timestamp"] = r[2], ["X-Slack-Signature"] = r[3]}, r[1])
end
done = function(s, latency, requests)
  local e = s.errors
  io.write(string.format('RESULT {"n": %%d, "secs": %%f, "p50": %%f, "p99": %%f, '
    .. '"errors": %%d, "timeouts": %%d}\\n', s.requests, s.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status, e.timeout))
end
reqs = {
%s
}
"""


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def signed(body: str) -> str:
    headers = signature_headers(body.encode(), "application/x-www-form-urlencoded", SECRET)
    ts, sig = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    return "{" + ", ".join(map(lua_string, (body, ts, sig))) + "},"


def signed_help() -> str:
    fields = slash_fields("help", user="U1", channel="CNEWS", response_url="http://127.0.0.1:9/")
    return signed(urlencode(fields))


def signed_clicks(count: int) -> str:
    rows = []
    for n in range(count):
        item, user = f"{n % ITEMS:03}", f"U{n // ITEMS:05}"
        payload = block_actions(
            ACTION_READ, item, user=user, response_url="", channel="CNEWS", message_ts="1.1"
        )
        payload["actions"][0]["url"] = f"https://news.example.com/{item}/"
        rows.append(signed(urlencode({"payload": json.dumps(payload)})))
    return "\n".join(rows)


def database(kind: str, tmp: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with sa.create_engine(PG_SERVER).begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(PG_SERVER).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def drop_schema(schema: str | None) -> None:
    if schema:
        with sa.create_engine(PG_SERVER).begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() or 0)
    except sa.exc.SQLAlchemyError:
        return 0
    finally:
        engine.dispose()


def run(args: argparse.Namespace, tmp: Path, fake: FakeSlack) -> dict:
    articles = tmp / "articles"
    articles.mkdir()
    for n in range(ITEMS):
        (articles / f"{n:03}.md").write_text(RECORD.format(n=f"{n:03}"), "utf-8")
    url, schema = database(args.db, tmp)
    config = tmp / "newsdesk.yaml"
    config.write_text(json.dumps({"content_dir": str(articles), "database_url": url}), "utf-8")
    port = free_port()
    env = {**newsdesk_env(fake, SECRET, config), "PORT": str(port)}
    log = (tmp / "run.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stderr=log)
    try:
        health = f"http://127.0.0.1:{port}/healthz"
        until(lambda: _ok(health), 30, "newsdesk run answers /healthz")
        until(lambda: count(url, "items") == ITEMS, 30, "the records are in the store")
        stats = load(args, tmp, port, signed_clicks(PAIRS))
        expected, start = min(stats["n"], PAIRS), time.monotonic()
        until(lambda: count(url, "signals") >= expected, 120, "every click stored", 0.05)
        stats.update(drain=time.monotonic() - start, rows=count(url, "signals"))
        stats.update(expected=expected, baseline=load(args, tmp, port, signed_help()))
        return stats
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        drop_schema(schema)


def load(args: argparse.Namespace, tmp: Path, port: int, requests: str) -> dict:
    url = f"http://127.0.0.1:{port}/slack/events"
    script = LUA % requests
    return wrkload.run(
        url, script, tmp, connections=args.connections, seconds=args.seconds, threads=2
    )


def _ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args(argv)
    os.environ.pop("NEWSDESK_CONFIG", None)
    with tempfile.TemporaryDirectory() as folder, FakeSlack() as fake:
        stats = run(args, Path(folder), fake)
    base = stats["baseline"]
    print(
        f"{args.db}: Read clicks {stats['rps']:,.0f} req/s, ack p50 {stats['p50']:.1f} ms, "
        f"p99 {stats['p99']:.1f} ms, {stats['errors']} errors / {stats['timeouts']} timeouts; "
        f"{stats['n']:,} clicks, {stats['rows']:,} rows stored "
        f"({stats['expected']:,} distinct) {stats['drain']:.2f} s after the load ended\n"
        f"{args.db}: baseline /newsdesk help {base['rps']:,.0f} req/s, p50 {base['p50']:.1f} ms, "
        f"p99 {base['p99']:.1f} ms, {base['errors']} errors / {base['timeouts']} timeouts"
    )
    return 0 if stats["errors"] == 0 and stats["rows"] >= stats["expected"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
