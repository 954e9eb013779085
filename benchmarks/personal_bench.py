"""Personal digests at scale: 10,000 followers, one real `newsdesk run`, the fake Slack.

Run ``python benchmarks/personal_bench.py [--followers 10000] [--records 2000] [--rate 10]``.

It writes `--records` generated records (benchmarks/gen_records.py), makes `--followers`
people follow one to three topics each (written straight into the database), starts a
FakeSlack with Slack's per-channel posting limit emulated (about 1 message a second per
channel, 429 + Retry-After beyond it) plus a few extra 429s and some people who blocked the
app, then starts `newsdesk run` (HTTP mode) with the personal schedule due this minute, so
its start-up catch-up runs the round. Meanwhile it sends signed `/newsdesk help` commands
at `--rate` per second and times each answer. It prints:

* the wall time from the first DM to the last follower served, and the DMs per second;
* that every reachable follower got exactly one DM (checked in the fake's DM channels) and
  the blocked ones none;
* the ack latency p50 / p99 / max of the concurrent slash commands;
* the peak memory (VmHWM) of the `newsdesk run` process.
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

import yaml  # noqa: E402
from fakeslack import FakeSlack  # noqa: E402
from gen_records import TOPICS, generate  # noqa: E402
from newsdeskproc import free_port, newsdesk_env, until  # noqa: E402
from slackpayloads import post_signed, slash_fields  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from bot.publishing.claims import PERSONAL_EVENT  # noqa: E402
from bot.store.follows import topic_key  # noqa: E402
from bot.store.store import Store  # noqa: E402
from bot.store.tables import follows  # noqa: E402

SECRET = "personal-bench-secret"
FORM = "application/x-www-form-urlencoded"
TARGET_SECONDS, TARGET_P99_MS = 600.0, 50.0
BLOCKED = 10  # people who blocked the app or left
EXTRA_429 = 8  # in a row at the start: each worker meets about two


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=2_000)
    parser.add_argument("--rate", type=float, default=10.0, help="slash commands per second")
    parser.add_argument("--timeout", type=float, default=3 * TARGET_SECONDS)
    parser.add_argument("--database", default="", help="a database URL (default: SQLite)")
    return parser.parse_args()


def follow_everyone(database: str, count: int) -> list[str]:
    """`count` followers of 1-3 topics each, in one transaction; their ids."""
    rng, now, names = random.Random(7), datetime.now(UTC), [t for t, _ in TOPICS]
    users = [f"U{n:06d}" for n in range(count)]
    rows = [
        {"user_id": u, "topic_key": topic_key(t), "topic": t, "followed_at": now}
        for u in users
        for t in rng.sample(names, rng.choice((1, 2, 3)))
    ]
    store = Store(database)
    with store.engine.begin() as conn:
        conn.execute(insert(follows), rows)
    store.close()
    return users


def deployment(tmp: Path, args: argparse.Namespace, fake: FakeSlack) -> tuple[dict, str]:
    generate(tmp / "articles", args.records, seed=1)
    database = args.database or f"sqlite:///{tmp / 'newsdesk.db'}"
    now = datetime.now(UTC)
    schedule = f"{now.minute} {now.hour} * * *"  # due this minute, UTC: caught up at start
    config = {
        "content_dir": str(tmp / "articles"),
        "database_url": database,
        "personal": {"schedule": schedule, "size": 5},
    }
    (tmp / "newsdesk.yaml").write_text(yaml.safe_dump(config))
    return newsdesk_env(fake, SECRET, tmp / "newsdesk.yaml"), database


class Acks:
    """Signed `/newsdesk help` at a steady rate; each answer's latency in ms."""

    def __init__(self, port: int, rate: float) -> None:
        self.base, self.pause = f"http://127.0.0.1:{port}", 1.0 / rate
        self.latencies: list[float] = []
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Acks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(self.pause):
            fields = slash_fields(
                "help", user="UBENCH", channel="C0001", response_url="http://127.0.0.1:9/r"
            )
            body = urlencode(fields).encode()
            started = time.perf_counter()
            status, answer = post_signed(self.base, body, FORM, SECRET)
            self.latencies.append((time.perf_counter() - started) * 1000)
            self.errors += status != 200 or b"Newsdesk" not in answer


def dms_sent(fake: FakeSlack) -> tuple[int, float | None]:
    """(DMs Slack accepted, time of the first chat.postMessage)."""
    calls = fake.calls_to("chat.postMessage")
    return sum(c.answered == "ok" for c in calls), (calls[0].at if calls else None)


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def audit(fake: FakeSlack, users: list[str], blocked: set[str]) -> dict[int, int]:
    """How many followers got 0, 1, 2... personal DMs (the blocked ones must get 0)."""
    counts: dict[int, int] = {}
    for user in users:
        dms = [
            m for m in fake.dms(user) if m.get("metadata", {}).get("event_type") == PERSONAL_EVENT
        ]
        assert not (user in blocked and dms), f"{user} blocked the app but got a DM"
        if user not in blocked:
            counts[len(dms)] = counts.get(len(dms), 0) + 1
    return counts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def make_it_hard(fake: FakeSlack, users: list[str]) -> set[str]:
    """Some followers blocked the app, posting is throttled and extra 429s come on top;
    the followers who blocked it."""
    blocked = set(random.Random(3).sample(users, BLOCKED))
    for user in blocked:
        fake.set_unreachable(user, random.choice(["cannot_dm_bot", "account_inactive"]))
    fake.limit_posting(per_second=1.0, burst=1)
    fake.fail("chat.postMessage", "ratelimited", times=EXTRA_429, retry_after=1)
    return blocked


def run_round(
    tmp: Path, env: dict, fake: FakeSlack, args: argparse.Namespace, reachable: int
) -> tuple[float, float, Acks]:
    """`newsdesk run` until every reachable follower has a DM, with `/newsdesk help` sent
    meanwhile; (when the last DM went, peak memory in MiB, the acks)."""
    port = free_port()
    log = (tmp / "bot.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env={**env, "PORT": str(port)},
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        until(lambda: fake.calls_to("auth.test") or dms_sent(fake)[1], 60, "bot up", 0.2)
        with Acks(port, args.rate) as acks:
            until(lambda: dms_sent(fake)[0] >= reachable, args.timeout, "all DMs", 1.0)
            done_at = time.monotonic()
            time.sleep(2)  # anything further would be a repeat: let it show
        memory = peak_memory_mb(proc.pid)
    except AssertionError:
        log.flush()
        print((tmp / "bot.log").read_text(errors="replace")[-5000:], file=sys.stderr)
        raise
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()
    return done_at, memory, acks


def report(
    fake: FakeSlack,
    args: argparse.Namespace,
    users: list[str],
    blocked: set[str],
    acks: Acks,
    done_at: float,
    memory: float,
) -> bool:
    """Print the figures; whether they meet the targets."""
    sent, first = dms_sent(fake)
    wall = done_at - (first or done_at)
    counts = audit(fake, users, blocked)
    rate_limited = sum(c.answered == "429" for c in fake.calls_to("chat.postMessage"))
    lat = acks.latencies
    print(f"followers {len(users)} ({len(blocked)} blocked the app), records {args.records}, "
          f"database {'sqlite' if not args.database else 'given'}")  # fmt: skip
    print(f"delivered {sent} DMs in {wall:.1f} s ({sent / max(wall, 1e-9):.0f}/s), "
          f"{rate_limited} answered 429; DMs per reachable follower: {counts}")  # fmt: skip
    print(f"/newsdesk help acks during the round: n={len(lat)} errors={acks.errors} "
          f"p50={statistics.median(lat):.1f} ms p99={percentile(lat, 0.99):.1f} ms "
          f"max={max(lat):.1f} ms")  # fmt: skip
    print(f"newsdesk run peak memory (VmHWM): {memory:.0f} MiB")
    ok = counts == {1: len(users) - len(blocked)} and wall < TARGET_SECONDS
    ok = ok and percentile(lat, 0.99) < TARGET_P99_MS and not acks.errors
    print(
        "PASS" if ok else "FAIL",
        f"(targets: < {TARGET_SECONDS:.0f} s, p99 < {TARGET_P99_MS:.0f} ms)",
    )
    return ok


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory() as folder, FakeSlack() as fake:
        tmp = Path(folder)
        env, database = deployment(tmp, args, fake)
        users = follow_everyone(database, args.followers)
        blocked = make_it_hard(fake, users)
        done_at, memory, acks = run_round(tmp, env, fake, args, len(users) - len(blocked))
        ok = report(fake, args, users, blocked, acks, done_at, memory)
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
