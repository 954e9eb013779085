"""`status`: what an admin reads to see whether Newsdesk is healthy.

Real records on disk, a real Store (SQLite and PostgreSQL), real settings from a YAML file;
the report is checked as JSON (`collect`) and as the text people read (`as_text`).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.content.article import APPROVED, REJECTED
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
    store.mark_sent_for_review("a", "C0REVIEW", "1.1", FRIDAY)
    store.mark_sent_for_review("b", "C0REVIEW", "1.2", FRIDAY)
    store.decide("b", APPROVED, "U0EDITOR", FRIDAY)
    store.decide("c", REJECTED, "U0EDITOR", FRIDAY)
    store.record_publications(["d"], "C0NEWS", "2.1", None, FRIDAY)

    report = collect(settings, store, FRIDAY)
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

    report = collect(settings, store, FRIDAY)  # 16:00 in Berlin: today's 07:30 has passed

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

    nexts = {n["job"]: n["next"] for n in collect(settings, store, FRIDAY)["next_runs"]}

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

    report = collect(settings, store, FRIDAY)
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

    report = collect(settings, store, FRIDAY)

    assert "Hunter2-DbPass" not in json.dumps(report)
    assert "Hunter2-DbPass" not in as_text(report)
    assert "newsdesk:***@db.internal" in report["database"]


def test_a_bad_file_name_cannot_drive_the_terminal(tmp_path: Path, store: Store) -> None:
    settings = settings_for(tmp_path)
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "evil\x1b[2J\x1b]0;owned\x07.md").write_text("---\ntitle: x\n---\n", "utf-8")
    rescan(settings, store, FRIDAY)

    text = as_text(collect(settings, store, FRIDAY))

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

    failures = collect(settings, store, t.replace(hour=10))["failures"]
    assert [(f["key"], f["error"]) for f in failures] == [("C0NEWS", "C0NEWS: channel_not_found")]

    fixed = store.runs.claim("digest", "C0NEWS", t.replace(hour=11), t.replace(hour=11))
    store.runs.finish(fixed, "done", t.replace(hour=11), posted=3)
    assert collect(settings, store, t.replace(hour=12))["failures"] == []
