"""`status`: what an admin reads to see whether Newsdesk is healthy.

Real records on disk, a real Store (SQLite and PostgreSQL), real settings from a YAML file;
the report is checked as JSON (`collect`) and as the text people read (`as_text`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from factories import make_record
from slackdriver import SlackDriver

from bot.config import Settings, load_settings
from bot.content.article import APPROVED, REJECTED, BadFile, ScanResult
from bot.dburl import redact_url
from bot.publishing.jobs import rescan
from bot.status import as_text, collect, next_runs
from bot.store.store import Store

FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Friday 10:00 in New York
SECRET = "StAtUs-SeCuReD-9c1f0e+Zq==;NoShow=="

RECORD = """---
title: "{title}"
excerpt: "Excerpt of {name}."
publishedDateTime: 2026-11-20T08:00:00Z
originalUrl: "https://news.example.com/{name}/"
quality: {quality}
heat: 10
provider: {{name: "Provider {name}", domain: example.com}}
topics: [AI]
secured: "{secret}"
---
"""


def write_record(folder: Path, name: str, quality: int = 80) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    text = RECORD.format(title=f"Story {name}", name=name, quality=quality, secret=SECRET)
    path.write_text(text, encoding="utf-8")
    return path


def settings_for(tmp_path: Path, extra: str = "", db: str = "sqlite:///x.db") -> Settings:
    config = tmp_path / "newsdesk.yaml"
    config.write_text(f"content_dir: articles\ndatabase_url: {db}\n{extra}", encoding="utf-8")
    return load_settings(str(config), {})


SCHEDULED = """\
timezone: America/New_York
review:
  channel: C0REVIEW
  approvers: [U0EDITOR]
  schedule: "0 8 * * 1-5"
digests:
  - channel: C0NEWS
    schedule: "0 9 * * 1-5"
"""


def test_status_counts_articles_and_lists_bad_files(tmp_path: Path, store: Store) -> None:
    folder = tmp_path / "articles"
    for name in ("a", "b", "c", "d"):
        write_record(folder, name)
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    settings = settings_for(tmp_path, SCHEDULED)
    rescan(settings, store, FRIDAY)
    store.reviews.mark_sent_for_review("a", "C0REVIEW", "1.1", FRIDAY)
    store.reviews.mark_sent_for_review("b", "C0REVIEW", "1.2", FRIDAY)
    store.reviews.decide("b", APPROVED, "U0EDITOR", FRIDAY)
    store.reviews.decide("c", REJECTED, "U0EDITOR", FRIDAY)
    store.record_publications(["d"], "C0NEWS", "2.1", None, FRIDAY)

    report = collect(settings, store, FRIDAY, for_cli=True)
    json.dumps(report)  # JSON-ready as promised

    counts = report["counts"]
    assert counts["items"] == 4
    assert counts["published"] == 1
    assert counts["pending_review"] == 1  # a: sent, undecided
    assert counts["approved_unpublished"] == 1  # b
    assert counts["rejected"] == 1  # c
    assert counts["bad_files"] == 1
    assert report["mode"] == "review"
    assert len(report["bad_files"]) == 1
    assert "broken.md" in report["bad_files"][0]
    assert re.search(r"line \d+, column \d+", report["bad_files"][0])

    text = as_text(report)
    assert "4  articles in the library" in text
    assert "Bad files:" in text
    assert "broken.md" in text
    assert "mode: review" in text
    assert SECRET not in text
    assert SECRET not in json.dumps(report)


def test_next_runs_follow_the_configured_time_zone(tmp_path: Path, store: Store) -> None:
    settings = settings_for(
        tmp_path, "timezone: Europe/Berlin\ndigests: [{channel: C0NEWS, schedule: '30 7 * * *'}]\n"
    )
    (tmp_path / "articles").mkdir()
    rescan(settings, store, FRIDAY)

    report = collect(
        settings, store, FRIDAY, for_cli=True
    )  # 16:00 in Berlin: today's 07:30 has passed

    assert report["next_runs"] == [
        {"job": "digest → C0NEWS", "schedule": "30 7 * * *", "next": "2026-11-28T07:30:00+01:00"}
    ]
    assert "digest → C0NEWS: 2026-11-28T07:30:00+01:00 (30 7 * * *)" in as_text(report)


def test_a_weekday_schedule_fires_monday_to_friday(tmp_path: Path, store: Store) -> None:
    """`0 9 * * 1-5` is crontab for Monday to Friday (the spec's own example).

    On a Friday after 9:00 the next digest is on Monday, not on Saturday.
    """
    settings = settings_for(tmp_path, SCHEDULED)
    (tmp_path / "articles").mkdir()
    rescan(settings, store, FRIDAY)

    nexts = {
        n["job"]: n["next"] for n in collect(settings, store, FRIDAY, for_cli=True)["next_runs"]
    }

    assert nexts == {
        "review → C0REVIEW": "2026-11-30T08:00:00-05:00",
        "digest → C0NEWS": "2026-11-30T09:00:00-05:00",
    }


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("0 9 * * 1-5", "2026-11-30T09:00:00+00:00"),  # Monday
        ("0 18 * * 0", "2026-11-29T18:00:00+00:00"),  # Sunday
        ("0 9 * * 7", "2026-11-29T09:00:00+00:00"),  # Sunday, crontab's other number for it
        ("0 9 * * 6,0", "2026-11-28T09:00:00+00:00"),  # Saturday
        ("0 9 * * */2", "2026-11-28T09:00:00+00:00"),  # Sun, Tue, Thu, Sat: next is Saturday
        ("0 9 * * sun-sat", "2026-11-28T09:00:00+00:00"),  # every day
        ("0 9 * * mon-fri", "2026-11-30T09:00:00+00:00"),
    ],
)
def test_weekday_fields_mean_what_they_mean_in_crontab(
    tmp_path: Path, cron: str, expected: str
) -> None:
    """From Friday 27 November 2026, 15:00 UTC, when does each schedule fire next?"""
    settings = settings_for(tmp_path, f"digests: [{{channel: C0NEWS, schedule: '{cron}'}}]\n")

    (next_run,) = next_runs(settings, FRIDAY)

    assert next_run["next"] == expected


def test_a_fresh_install_says_nothing_ran_and_nothing_is_scheduled(
    tmp_path: Path, store: Store
) -> None:
    settings = settings_for(tmp_path)
    (tmp_path / "articles").mkdir()
    rescan(settings, store, FRIDAY)

    report = collect(settings, store, FRIDAY, for_cli=True)
    text = as_text(report)

    assert report["mode"] == "auto"
    assert report["counts"]["items"] == 0
    assert report["bad_files"] == [] and report["failures"] == [] and report["last_runs"] == []
    assert "Last runs:\n  none yet" in text
    assert "Next runs:\n  no schedules configured" in text
    assert "Bad files" not in text


def test_the_database_password_is_not_shown(tmp_path: Path, store: Store) -> None:
    url = "postgresql+psycopg://newsdesk:Hunter2-DbPass@db.internal:5432/newsdesk"
    settings = settings_for(tmp_path, db=url)
    (tmp_path / "articles").mkdir()
    rescan(settings, store, FRIDAY)

    report = collect(settings, store, FRIDAY, for_cli=True)

    assert "Hunter2-DbPass" not in json.dumps(report)
    assert "Hunter2-DbPass" not in as_text(report)
    assert "newsdesk:***@db.internal" in report["database"]


def test_a_bad_file_name_cannot_drive_the_terminal(tmp_path: Path, store: Store) -> None:
    settings = settings_for(tmp_path)
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "evil\x1b[2J\x1b]0;owned\x07.md").write_text("---\ntitle: x\n---\n", "utf-8")
    rescan(settings, store, FRIDAY)

    text = as_text(collect(settings, store, FRIDAY, for_cli=True))

    assert "evil" in text
    assert "\x1b" not in text and "\x07" not in text


def test_a_failure_stays_visible_until_its_schedule_succeeds(tmp_path: Path, store: Store) -> None:
    """Many other runs later, the failed digest still shows; a good run of it clears it."""
    settings = settings_for(tmp_path)
    t = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    bad = store.runs.claim("digest", "C0NEWS", t, t)
    store.runs.finish(bad, "failed", t, error="C0NEWS: channel_not_found")
    for minute in range(1, 13):  # more runs than "Last runs" shows
        when = t.replace(minute=minute)
        run = store.runs.claim("digest", "C0OTHER", when, when)
        store.runs.finish(run, "done", when, posted=1)

    failures = collect(settings, store, t.replace(hour=10), for_cli=True)["failures"]
    assert [(f["key"], f["error"]) for f in failures] == [("C0NEWS", "C0NEWS: channel_not_found")]

    fixed = store.runs.claim("digest", "C0NEWS", t.replace(hour=11), t.replace(hour=11))
    store.runs.finish(fixed, "done", t.replace(hour=11), posted=3)
    assert collect(settings, store, t.replace(hour=12), for_cli=True)["failures"] == []


# ---------------------------------------------------------------- who sees what

ROOT = Path(__file__).resolve().parent.parent
QUERY_PASSWORD = "Qu3ry-Pa55word"
USER_PASSWORD = "Us3r-Pa55word"


def newsdesk_status(cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """A real `newsdesk status` process with only `env` as its configuration."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "status"],
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_status_in_slack_shows_no_server_paths_config_or_database(
    driver: Callable[..., SlackDriver],
) -> None:
    slack = driver(records=[make_record("a1")])
    content = slack.settings.content_dir
    bad = BadFile(str(content / "drafts" / "broken.md"), "not valid YAML (line 2, column 1)")
    slack.store.apply_scan(ScanResult(records=[], bad=[bad], removed=[]), FRIDAY)

    status, body = slack.command("status")

    assert status == 200 and isinstance(body, dict)
    text = body["text"]
    assert "drafts/broken.md: not valid YAML (line 2, column 1)" in text
    assert "articles in the library" in text and "Last runs:" in text
    assert str(slack.tmp_path) not in text  # no content folder, database file or config path
    assert "sqlite" not in text and "newsdesk.yaml" not in text and "config:" not in text


def test_cli_status_shows_where_things_are_but_no_password(tmp_path: Path, pg_url: str) -> None:
    url = pg_url + "&password=" + QUERY_PASSWORD  # trust auth: the password is not needed
    (tmp_path / "articles").mkdir()

    ran = newsdesk_status(tmp_path, NEWSDESK_CONTENT_DIR="articles", NEWSDESK_DATABASE_URL=url)

    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "password=***" in ran.stdout
    assert f"content: {tmp_path / 'articles'}" in ran.stdout
    assert QUERY_PASSWORD not in ran.stdout + ran.stderr


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://newsdesk:{USER_PASSWORD}@127.0.0.1:1/newsdesk?password={QUERY_PASSWORD}",
        f"postgresql+psycopg://127.0.0.1:1/newsdesk?sslpassword={QUERY_PASSWORD}&password={USER_PASSWORD}",
        f"postgresql+psycopg://newsdesk:{USER_PASSWORD}@127.0.0.1:notaport/newsdesk",
        f"postgresql+psycopg://newsdesk:{USER_PASSWORD}@127.0.0.1/n?password={QUERY_PASSWORD}&x=1",
    ],
)
def test_a_database_that_fails_to_open_is_named_without_its_password(
    tmp_path: Path, url: str
) -> None:
    (tmp_path / "articles").mkdir()

    ran = newsdesk_status(tmp_path, NEWSDESK_CONTENT_DIR="articles", NEWSDESK_DATABASE_URL=url)

    assert ran.returncode == 2
    assert "database_url" in ran.stderr
    assert USER_PASSWORD not in ran.stdout + ran.stderr
    assert QUERY_PASSWORD not in ran.stdout + ran.stderr
    assert "Traceback" not in ran.stderr


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://bob:pw%40x@db:5432/n?password=abc&sslmode=require",
            "postgresql+psycopg://bob:***@db:5432/n?password=***&sslmode=require",
        ),
        (
            "postgresql+psycopg://db/n?PassWord=Top%20Secret&sslpassword=k",
            "postgresql+psycopg://db/n?PassWord=***&sslpassword=***",
        ),
        ("postgresql+psycopg://bob@db/n", "postgresql+psycopg://bob@db/n"),
        ("sqlite:///newsdesk.db", "sqlite:///newsdesk.db"),
    ],
)
def test_redacted_database_urls(url: str, shown: str) -> None:
    assert redact_url(url) == shown
