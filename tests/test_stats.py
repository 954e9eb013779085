"""Stats (bot/publishing/stats.py, charts.py, weekly.py, bot/cli/stats.py; SPEC §9): what
readers did, as `/newsdesk stats`, `newsdesk stats` and the weekly summary, posted once.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from factories import make_record
from fakeslack import FakeSlack
from slackdriver import SlackDriver

from bot.cli.main import main
from bot.config import Settings, StatsSettings
from bot.content.article import ScanResult
from bot.publishing.charts import bar, report_message, report_text
from bot.publishing.digest import run_digest
from bot.publishing.stats import collect_stats
from bot.publishing.weekly import scheduled_stats
from bot.secret import Secret
from bot.slack.blockkit.cards import ACTION_READ, ACTION_USEFUL
from bot.slack.client import make_client
from bot.store.store import Store
from bot.store.tables import REACTION, READ, USEFUL

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 09:00
NEWS, TECH, STATS = "CNEWS", "CTECH", "CSTATS"


def library(store: Store) -> None:
    """Two digests and a share; readers click and vote."""
    records = [
        make_record("ai1", title="Chips & <AI>", topics=("AI",), provider="Wire"),
        make_record("ai2", title="Models", topics=("AI",), provider="Daily"),
        make_record("pol", title="Policy", topics=("Policy",), provider="Wire"),
    ]
    store.apply_scan(ScanResult(records=records, bad=[], removed=[]), NOW - timedelta(days=3))
    day = NOW - timedelta(days=2)
    run1 = store.runs.claim("digest", NEWS, day, day)
    store.record_publications(["ai1", "pol"], NEWS, "1.1", run1, day)
    store.runs.finish(run1, "done", day, posted=2)
    run2 = store.runs.claim("digest", TECH, day, day)
    store.record_publications(["ai1", "ai2"], TECH, "2.2", run2, day)
    store.runs.finish(run2, "done", day, posted=2)
    store.record_publications(["pol"], TECH, "3.3", None, day)  # a share
    for user in ("U1", "U2", "U3"):
        store.signals.add_signal("ai1", user, READ, NOW - timedelta(days=1), channel=NEWS)
    store.signals.add_signal("ai2", "U1", READ, NOW - timedelta(days=1), channel=TECH)
    store.signals.add_signal("pol", "U2", USEFUL, NOW - timedelta(hours=1), channel=NEWS)
    store.signals.add_signal("pol", "U3", REACTION, NOW, channel=TECH, reaction="+1")
    store.signals.add_signal(
        "pol", "U3", REACTION, NOW, channel=TECH, reaction="tada"
    )  # still one vote
    store.signals.add_signal("ai2", "U9", READ, NOW - timedelta(days=30), channel=TECH)  # too old


def test_the_report_counts_reads_votes_rates_and_reach(store: Store) -> None:
    library(store)
    report = collect_stats(store, NOW, 7)
    assert (report.clicks, report.votes, report.impressions, report.readers) == (4, 2, 5, 3)
    assert [(r.label, r.value) for r in report.read] == [("Chips & <AI>", 3), ("Models", 1)]
    assert [(r.label, r.value) for r in report.useful] == [("Policy", 2)]
    assert [(r.label, r.shown) for r in report.topics] == [("AI", "1.33"), ("Policy", "0.00")]
    assert report.topics[0].detail == "4 clicks / 3 posts"
    assert [(r.label, r.shown) for r in report.providers] == [("daily", "1.00"), ("wire", "0.75")]
    reach = {r.label.split()[0]: (r.value, r.detail) for r in report.digests}
    assert reach == {NEWS: (3, "2 items · 3 clicks"), TECH: (1, "2 items · 1 clicks")}


def test_bars_are_drawn_in_eighths_and_scale_to_the_top() -> None:
    assert bar(10, 10) == "█" * 20
    assert bar(5, 10) == "█" * 10
    assert bar(1, 16, width=2) == "▏"
    assert bar(0, 10) == "" and bar(3, 0) == ""


def test_the_report_renders_for_a_terminal_and_for_slack(store: Store) -> None:
    library(store)
    report = collect_stats(store, NOW, 7)
    text = report_text(report)
    assert "Most read" in text and "Chips & <AI>" in text and "█" * 20 in text
    message = report_message(report)
    assert message["text"] and message["blocks"][0]["type"] == "header"
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    assert all(s.count("```") == 2 and len(s) <= 3000 for s in sections)
    assert "Chips &amp; &lt;AI&gt;" in sections[0]  # escaped: a title can ping no one


def test_an_empty_library_reports_nothing_yet(store: Store) -> None:
    text = report_text(collect_stats(store, NOW, 7))
    assert text.count("(nothing yet)") == 5


# ---------------------------------------------------------------- in Slack, end to end


def test_a_new_user_clicks_read_and_useful_and_sees_it_in_stats(driver) -> None:
    slack: SlackDriver = driver(
        records=[make_record("a1", title="Fresh chips", quality=80)], digests=[NEWS]
    )
    client = make_client(slack.settings)
    run_digest(slack.settings, slack.store, client, slack.settings.digests[0], datetime.now(UTC))
    [digest] = slack.fake.messages(NEWS)
    for action in (ACTION_READ, ACTION_USEFUL):
        assert slack.click(action, "a1", user="UNEW", channel=NEWS, message_ts=digest["ts"]) == 200
    slack.wait_idle()
    status, body = slack.command("stats", user="UNEW")
    assert status == 200 and body["response_type"] == "ephemeral"
    shown = json.dumps(body["blocks"], ensure_ascii=False)
    assert "Fresh chips" in shown and "1 read · 1 useful · 1.00 per post" in shown
    assert "1 clicks · 1 useful votes · 1 readers · 1 posts" in shown
    status, body = slack.command("stats nonsense")
    assert "Usage: `/newsdesk stats [days]`" in body["text"]


def test_newsdesk_stats_on_the_command_line(tmp_path: Path, capsys) -> None:
    db = tmp_path / "n.db"
    store = Store(f"sqlite:///{db}")
    library(store)
    store.close()
    config = tmp_path / "newsdesk.yaml"
    config.write_text(yaml.safe_dump({"database_url": f"sqlite:///{db}"}), "utf-8")
    assert main(["--config", str(config), "stats", "--days", "365"]) == 0
    out = capsys.readouterr().out
    assert "Newsdesk stats · last 365 days" in out and "Digest reach" in out
    assert main(["--config", str(config), "stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["clicks"] >= 0 and {"read", "useful", "topics", "providers", "digests"} <= set(data)
    assert main(["--config", str(config), "stats", "--days", "0"]) == 2


# ---------------------------------------------------------------- the weekly summary


def weekly_settings(tmp_path: Path, fake: FakeSlack) -> Settings:
    return Settings(
        content_dir=tmp_path,
        stats=StatsSettings(channel=STATS, schedule="0 9 * * 1"),
        bot_token=Secret(fake.token),
        slack_api_url=fake.url,
    )


def test_the_weekly_summary_posts_once_per_due_time(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    settings = weekly_settings(tmp_path, fake)
    client = make_client(settings)
    library(store)
    assert scheduled_stats(settings, store, client, NOW - timedelta(minutes=1)) is None  # not due
    first = scheduled_stats(settings, store, client, NOW + timedelta(seconds=5))
    again = scheduled_stats(settings, store, client, NOW + timedelta(minutes=1))  # next tick
    assert first and first.posted and again and again.skipped
    [post] = fake.messages(STATS)
    assert post["metadata"]["event_type"] == "newsdesk_stats"
    assert "Most read" in json.dumps(post["blocks"])
    later = scheduled_stats(settings, store, client, NOW + timedelta(days=7))
    assert later and later.posted and len(fake.messages(STATS)) == 2


def test_two_processes_post_the_summary_once(tmp_path: Path, fake: FakeSlack, db_url: str) -> None:
    settings = weekly_settings(tmp_path, fake)
    stores = [Store(db_url) for _ in range(2)]
    library(stores[0])
    outcomes: list = []
    start = threading.Barrier(2)

    def tick(store: Store) -> None:
        start.wait()
        outcomes.append(scheduled_stats(settings, store, make_client(settings), NOW))

    threads = [threading.Thread(target=tick, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    assert sorted(bool(o.posted) for o in outcomes) == [False, True]
    assert len(fake.messages(STATS)) == 1


def test_a_summary_slack_refuses_fails_visibly(
    tmp_path: Path, fake: FakeSlack, store: Store
) -> None:
    settings = weekly_settings(tmp_path, fake)
    fake.fail("chat.postMessage", "error", error="not_in_channel")
    outcome = scheduled_stats(settings, store, make_client(settings), NOW)
    assert outcome and outcome.error == "not_in_channel"
    [failed] = store.runs.failing()
    assert (failed["kind"], failed["key"], failed["status"]) == ("stats", STATS, "failed")


@pytest.mark.parametrize(
    ("stats", "message"),
    [
        ({"schedule": "0 9 * * 1"}, "stats.channel: needed when review is not set up"),
        ({"channel": "nope"}, "stats.channel: must be a channel ID"),
        ({"channel": STATS, "schedule": "every monday"}, "stats.schedule: invalid cron"),
        ({"channel": STATS, "when": 1}, "stats.when: unknown key"),
    ],
)
def test_bad_stats_settings_name_the_key(tmp_path: Path, stats: dict, message: str) -> None:
    from bot.config import ConfigError, load_settings

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"stats": stats}), "utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_settings(str(path), env={})
