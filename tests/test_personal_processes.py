"""Personal digests with real `newsdesk run` processes: kill -9 mid-round and a restart, two
processes sharing a database, and a new follower end to end (signed slash command, DM).

What counts is each follower's Messages tab in the fake Slack: exactly one personal DM per
person (each holds every item of their topic, so later due times find nothing unread and
send nothing), and `newsdesk status --json`.
"""

from __future__ import annotations

import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

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
from recordfiles import short_record, write_numbered
from slackpayloads import post_signed, slash_fields

from bot.publishing.claims import PERSONAL, PERSONAL_EVENT
from bot.store.store import Store

SECRET = "personal-signing-secret"
FOLLOWERS = 50
BLOCKED = "U007"
ITEMS = 5
QUIET_SECONDS = 1.5
SETTLE_TIMEOUT = 60.0


def deployment(tmp_path: Path, fake: FakeSlack, database_url: str, followers: int) -> dict:
    """The env of a bot whose personal digests are due every minute; `followers` follow AI."""
    content = tmp_path / "articles"
    write_numbered(content, "ai", ITEMS, lambda n: short_record("AI", "ai", n, 90 - n))
    config = tmp_path / "newsdesk.yaml"
    personal = {"schedule": "* * * * *", "size": ITEMS}
    settings = {"content_dir": str(content), "database_url": database_url, "personal": personal}
    config.write_text(yaml.safe_dump(settings))
    with closing(Store(database_url)) as store:
        follows = store.follows
        for n in range(followers):
            follows.follow(f"U{n:03d}", "ai", datetime.now(UTC))
    return newsdesk_env(fake, SECRET, config)


def personal_dms(fake: FakeSlack, user: str) -> list[dict]:
    return [m for m in fake.dms(user) if m.get("metadata", {}).get("event_type") == PERSONAL_EVENT]


def served(fake: FakeSlack, users: list[str]) -> bool:
    return all(personal_dms(fake, u) for u in users)


def settle(fake: FakeSlack, database_url: str, users: list[str]) -> None:
    until(lambda: served(fake, users), SETTLE_TIMEOUT, "every follower got a DM")
    until(lambda: not running_runs(database_url), SETTLE_TIMEOUT, "no personal run in progress")
    fake.wait_quiet("chat.postMessage", QUIET_SECONDS)


def assert_each_got_one_dm(fake: FakeSlack, users: list[str]) -> None:
    counts = {u: len(personal_dms(fake, u)) for u in users}
    assert {u: n for u, n in counts.items() if n != 1} == {}
    for user in users:
        [dm] = personal_dms(fake, user)
        assert len(dm["metadata"]["event_payload"]["items"]) == ITEMS


def assert_clean(bots: list[Bot]) -> None:
    for bot in bots:
        assert "Traceback" not in bot.output() and "job failed" not in bot.output()


def test_a_round_killed_mid_way_is_finished_after_restart_without_repeats(
    tmp_path: Path, fake: FakeSlack, procs: list
) -> None:
    database = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    env = deployment(tmp_path, fake, database, FOLLOWERS)
    users = [f"U{n:03d}" for n in range(FOLLOWERS) if f"U{n:03d}" != BLOCKED]
    fake.set_delay("chat.postMessage", 0.25)
    fake.limit_posting(per_second=1.0, burst=1)
    fake.fail("chat.postMessage", "ratelimited", times=3, retry_after=1)
    fake.set_unreachable(BLOCKED, "cannot_dm_bot")
    first = start(procs, env, tmp_path / "first.log")
    try:
        fake.wait_for("chat.postMessage", count=12, timeout=START_TIMEOUT)
    finally:
        first.proc.kill()  # kill -9 in the middle of the round
        first.proc.wait(timeout=10)
    time.sleep(0.3)  # requests already on their way land, as they would at Slack
    fake.wait_for("chat.postMessage", count=len(fake.calls_to("chat.postMessage")), timeout=5)
    before = {u: len(personal_dms(fake, u)) for u in users}
    assert 0 < sum(before.values()) < len(users), "the kill came too late or too early"
    assert running_runs(database), "the killed process left its runs in progress"

    second = start(procs, env, tmp_path / "second.log")
    try:
        second.wait_healthy()
        settle(fake, database, users)
    finally:
        code, _ = second.stop()

    assert code == 0, second.output()
    assert_each_got_one_dm(fake, users)
    assert personal_dms(fake, BLOCKED) == []
    assert_clean([second])
    report = status_json(env)["personal"]
    assert report["followers"] == FOLLOWERS
    assert {"key": BLOCKED, "status": "skipped", "error": "cannot_dm_bot"} in report["last_round"][
        "not_reached"
    ]


def test_two_processes_share_a_round_and_nobody_gets_two(
    tmp_path: Path, fake: FakeSlack, procs: list, db_url: str
) -> None:
    env = deployment(tmp_path, fake, db_url, FOLLOWERS)
    users = [f"U{n:03d}" for n in range(FOLLOWERS)]
    fake.set_delay("chat.postMessage", 0.1)
    bots, stopped = run_bots(procs, env, tmp_path, lambda: settle(fake, db_url, users))

    assert [code for code, _ in stopped] == [0, 0], [b.output() for b in bots]
    assert_each_got_one_dm(fake, users)
    assert_clean(bots)
    with closing(Store(db_url)) as store:
        done = [r for r in store.runs.recent(10_000) if r["kind"] == PERSONAL]
        assert sum(r["status"] == "done" for r in done) == FOLLOWERS


def test_a_new_follower_follows_by_slash_command_and_gets_one_dm(
    tmp_path: Path, fake: FakeSlack, procs: list
) -> None:
    database = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    env = deployment(tmp_path, fake, database, followers=0)
    first = start(procs, env, tmp_path / "first.log")
    try:
        first.wait_healthy()
        fields = slash_fields(
            "follow Ai", user="UNEW", channel="CNEWS", response_url="http://127.0.0.1:9/r"
        )
        body = urlencode(fields).encode()
        base = f"http://127.0.0.1:{first.port}"
        status, answer = post_signed(base, body, "application/x-www-form-urlencoded", SECRET)
        assert status == 200 and b"You now follow *AI*" in answer
    finally:
        first.stop()
    # Restarts: the next one catches up on the current minute's round; the last finds it done.
    for name in ("second", "third"):
        bot = start(procs, env, tmp_path / f"{name}.log")
        try:
            bot.wait_healthy()
            settle(fake, database, ["UNEW"])
        finally:
            bot.stop()
        assert_clean([bot])
    assert_each_got_one_dm(fake, ["UNEW"])
