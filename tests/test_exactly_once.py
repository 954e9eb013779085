"""Exactly once with real `newsdesk run` processes: two at once, kill -9 mid-digest, SIGTERM.

Every process is started with `python -m bot run` (HTTP mode) against one FakeSlack, and
is stopped (or killed) in a `finally`; what counts is what the channel shows: each item in
exactly one posted message (message metadata `event_payload.items`), the store agreeing,
and `newsdesk status --json` showing no failure.
"""

from __future__ import annotations

import time
from collections import Counter
from contextlib import closing
from pathlib import Path

import yaml
from fakeslack import FakeSlack
from newsdeskproc import (
    START_TIMEOUT,
    Bot,
    newsdesk_env,
    run_bots,
    running_runs,
    start,
    status_json,
    until,
)
from recordfiles import rich_record, write_numbered

from bot.publishing.claims import RUN_LEASE
from bot.store.store import Store

NEWS = "C0NEWS"
SECRET = "exactly-once-signing-secret"
SETTLE_TIMEOUT = 30.0
# A run whose owner died is resumed once its lease lapsed, by the next minute's run.
TAKEOVER_TIMEOUT = 60 + RUN_LEASE.total_seconds() + SETTLE_TIMEOUT
QUIET_SECONDS = 1.5  # no new post for this long: the processes are done
MORE = """\
  - title: "More on story {n}"
    webUrl: "https://more{n}.example.org/more/"
    provider: {{name: "More {n}"}}
"""


def record(n: int) -> str:
    return rich_record(
        n,
        title=f"Exactly-once story {n}",
        lead=f"Story {n}",
        host="once",
        quality=95 - n,
        heat=n,
        more=MORE.format(n=n),
    )


def deployment(tmp_path: Path, fake: FakeSlack, database_url: str, count: int, size: int):
    """(env, item ids): `count` eligible records, a digest due every minute."""
    content = tmp_path / "articles"
    ids = write_numbered(content, "once", count, record)
    config = tmp_path / "newsdesk.yaml"
    digest = {"channel": NEWS, "schedule": "* * * * *", "size": size}
    settings = {"content_dir": str(content), "database_url": database_url, "digests": [digest]}
    config.write_text(yaml.safe_dump(settings))
    return newsdesk_env(fake, SECRET, config), ids


def settle(
    fake: FakeSlack, database_url: str, ids: list[str], timeout: float = SETTLE_TIMEOUT
) -> None:
    """Every item reached the channel, no run is in progress, and Slack went quiet."""
    until(lambda: set(fake.posted_items(NEWS)) >= set(ids), timeout, "all items posted")
    until(lambda: not running_runs(database_url), timeout, "no run in progress")
    fake.wait_quiet("chat.postMessage", QUIET_SECONDS)


def assert_each_item_posted_once(fake: FakeSlack, database_url: str, ids: list[str]) -> None:
    counts = Counter(fake.posted_items(NEWS))
    assert counts == Counter(ids), f"posted: {dict(counts)}"
    with closing(Store(database_url)) as store:
        assert [i for i in ids if not store.is_published(i, NEWS)] == []


def assert_one_digest(fake: FakeSlack) -> None:
    """One digest message set: one top-level message, the rest replies in its thread,
    all from one run."""
    messages = fake.messages(NEWS)
    [top] = [m for m in messages if m.get("thread_ts", m["ts"]) == m["ts"]]
    assert all(m["thread_ts"] == top["ts"] for m in messages if m is not top)
    assert len({m["metadata"]["event_payload"]["run"] for m in messages}) == 1


def assert_no_failure(env: dict[str, str], bots: list[Bot]) -> dict:
    report = status_json(env)
    assert report["failures"] == []
    assert [r for r in report["last_runs"] if r["status"] in ("running", "failed")] == []
    for bot in bots:
        assert "job failed" not in bot.output() and "Traceback" not in bot.output()
    return report


# --- several processes, one database -------------------------------------------------------


def test_two_processes_sharing_a_database_post_the_digest_once(
    tmp_path: Path, fake: FakeSlack, procs: list, db_url: str
) -> None:
    env, ids = deployment(tmp_path, fake, db_url, count=7, size=7)
    fake.set_delay("chat.postMessage", 0.3)  # both are up before the first post lands
    bots, stopped = run_bots(procs, env, tmp_path, lambda: settle(fake, db_url, ids))

    assert [code for code, _ in stopped] == [0, 0], [b.output() for b in bots]
    assert_each_item_posted_once(fake, db_url, ids)
    assert_one_digest(fake)
    report = assert_no_failure(env, bots)
    assert report["counts"]["published"] == len(ids)


# --- an unreadable answer, a crash, and a clean stop, in the middle of a digest -------------


def test_an_unreadable_answer_to_a_digest_post_does_not_wedge_the_channel(
    tmp_path: Path, fake: FakeSlack, procs: list
) -> None:
    """Slack takes the first post but its answer is cut short: the run finds the post,
    finishes, and the next minute's run posts the rest; each item once, no failure."""
    database = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    env, ids = deployment(tmp_path, fake, database, count=6, size=3)
    fake.fail("chat.postMessage", "truncated", landed=True)
    bot = start(procs, env, tmp_path / "bot.log")
    try:
        bot.wait_healthy()
        settle(fake, database, ids, 60 + SETTLE_TIMEOUT)
    finally:
        code, _ = bot.stop()

    assert code == 0, bot.output()
    assert fake.calls_to("chat.postMessage")[0].answered == "truncated"
    assert_each_item_posted_once(fake, database, ids)
    report = assert_no_failure(env, [bot])
    assert [r["status"] for r in report["last_runs"] if r["status"] != "empty"] == ["done"] * 2


def test_a_digest_killed_mid_post_is_finished_after_restart_without_repeats(
    tmp_path: Path, fake: FakeSlack, procs: list, db_url: str
) -> None:
    env, ids = deployment(tmp_path, fake, db_url, count=12, size=12)
    fake.set_delay("chat.postMessage", 1.0)  # a top message and a thread reply: 2 s
    first = start(procs, env, tmp_path / "first.log")
    try:
        fake.wait_for("chat.postMessage", count=1, timeout=START_TIMEOUT)  # top message in
    finally:
        first.proc.kill()  # kill -9: no chance to record anything more
        first.proc.wait(timeout=10)
    # A request already on its way still lands (as it would at Slack) before the restart.
    time.sleep(0.2)
    sent = len(fake.calls_to("chat.postMessage"))
    fake.wait_for("chat.postMessage", count=sent, timeout=5)
    before = fake.posted_items(NEWS)
    assert before, "nothing was posted before the kill"
    [orphan] = running_runs(db_url)  # the dead process's run, left "running"

    second = start(procs, env, tmp_path / "second.log")
    try:
        second.wait_healthy()
        settle(fake, db_url, ids, TAKEOVER_TIMEOUT)
    finally:
        code, _ = second.stop()

    assert code == 0, second.output()
    assert_each_item_posted_once(fake, db_url, ids)
    assert fake.posted_items(NEWS)[: len(before)] == before  # nothing the dead one posted, again
    report = assert_no_failure(env, [second])
    [old] = [r for r in report["last_runs"] if r["due_at"] == orphan["due_at"].isoformat()]
    assert old["status"] in ("done", "abandoned")  # taken over (same minute) or closed


def test_sigterm_during_a_digest_exits_0_only_after_the_digest_is_complete(
    tmp_path: Path, fake: FakeSlack, procs: list
) -> None:
    database = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    env, ids = deployment(tmp_path, fake, database, count=12, size=12)
    fake.set_delay("chat.postMessage", 1.0)
    bot = start(procs, env, tmp_path / "bot.log")
    try:
        until(lambda: fake.calls_to("chat.postMessage"), START_TIMEOUT, "digest started")
    finally:
        code, took = bot.stop()  # SIGTERM while the top message is still in flight

    assert code == 0, bot.output()
    calls = fake.calls_to("chat.postMessage")
    assert len(calls) >= 2 and all(c.answered == "ok" for c in calls)  # reply thread too
    assert took >= 1.0  # it waited for the posts instead of leaving half a digest
    assert_each_item_posted_once(fake, database, ids)
    report = assert_no_failure(env, [bot])
    # The schedule fires every minute: a later tick may add an "empty" run (nothing left).
    assert [r["status"] for r in report["last_runs"] if r["status"] != "empty"] == ["done"]
