"""What `newsdesk status` and `/newsdesk status` report: counts, bad files, runs, failures."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.cron import cron_trigger
from bot.render import safe
from bot.store.follows import FollowStore
from bot.store.store import Store

BAD_FILES_SHOWN = 20
RUNS_SHOWN = 8
PERSONAL = "personal"  # per-person runs: summed up in their own section, not listed one by one
NOT_REACHED_SHOWN = 20
COUNT_LABELS = {
    "items": "articles in the library",
    "unpublished": "unpublished",
    "published": "published",
    "pending_review": "waiting for review",
    "approved_unpublished": "approved, not yet posted",
    "rejected": "rejected",
    "bad_files": "bad files",
}


def collect(settings: Settings, store: Store, now: datetime) -> dict[str, Any]:
    """A JSON-ready report of the bot's state (no tokens, no secured values)."""
    runs = store.recent_runs(RUNS_SHOWN, exclude=(PERSONAL,))
    return {
        "now": now.isoformat(),
        "config": settings.source,
        "mode": "review" if settings.review else "auto",
        "content_dir": str(settings.content_dir),
        "database": redact_url(settings.database_url),
        "counts": store.counts(),
        "bad_files": [str(b) for b in store.bad_files(limit=BAD_FILES_SHOWN)],
        "last_runs": [_run(r) for r in runs],
        "failures": [_run(r) for r in store.failing_runs(exclude=(PERSONAL,))],
        "next_runs": next_runs(settings, now),
        "personal": personal_report(settings, store, now),
    }


def personal_report(settings: Settings, store: Store, now: datetime) -> dict[str, Any]:
    """Followers, the latest round of personal digests and whom it did not reach (why),
    and when the next round is due."""
    follows = FollowStore(store.engine)
    last = follows.last_round(PERSONAL, NOT_REACHED_SHOWN)
    trigger = cron_trigger(settings.personal.schedule, settings.timezone)
    when = trigger.get_next_fire_time(None, now.astimezone(settings.timezone))
    return {
        "followers": follows.follower_count(),
        "last_round": last and _run(last),
        "next": when.isoformat() if when else "never",
        "schedule": settings.personal.schedule,
    }


def next_runs(settings: Settings, now: datetime) -> list[dict[str, str]]:
    """When each configured schedule fires next, in the configured time zone."""
    review = settings.review
    schedules = [(f"review → {review.channel}", review.schedule)] if review else []
    schedules += [(f"digest → {d.channel}", d.schedule) for d in settings.digests]
    out = []
    for name, cron in schedules:
        trigger = cron_trigger(cron, settings.timezone)
        when = trigger.get_next_fire_time(None, now.astimezone(settings.timezone))
        out.append({"job": name, "schedule": cron, "next": when.isoformat() if when else "never"})
    return out


def redact_url(url: str) -> str:
    """A database URL without its password."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def as_text(report: dict[str, Any]) -> str:
    """Plain text for a terminal or a Slack code block."""
    lines = [
        f"Newsdesk status at {report['now']}",
        f"mode: {report['mode']} · config: {report['config']}",
        f"content: {report['content_dir']} · database: {report['database']}",
        "",
    ]
    lines += [f"{n:>7}  {COUNT_LABELS.get(k, k)}" for k, n in report["counts"].items()]
    lines += _section("Bad files", report["bad_files"])
    lines += _section("Failures", [_run_line(r) for r in report["failures"]])
    lines += _section("Last runs", [_run_line(r) for r in report["last_runs"]] or ["none yet"])
    nexts = [f"{n['job']}: {n['next']} ({n['schedule']})" for n in report["next_runs"]]
    lines += _section("Next runs", nexts or ["no schedules configured"])
    lines += _section("Personal digests", _personal_lines(report.get("personal")))
    return safe("\n".join(lines))  # file names and errors may carry terminal escapes


def _section(title: str, rows: list[str]) -> list[str]:
    return ["", f"{title}:", *(f"  {row}" for row in rows)] if rows else []


def _run(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


def _personal_lines(personal: dict[str, Any] | None) -> list[str]:
    if not personal or (not personal["followers"] and not personal["last_round"]):
        return []
    lines = [
        f"{personal['followers']} follower(s), next {personal['next']} ({personal['schedule']})"
    ]
    last = personal["last_round"]
    if last:
        counts = ", ".join(f"{n} {state}" for state, n in sorted(last["counts"].items()))
        lines.append(f"last run due {last['due_at']}: {counts}")
        lines += [f"{r['status']}: {r['key']} ({r['error']})" for r in last["not_reached"]]
    return lines


def _run_line(run: dict[str, Any]) -> str:
    line = f"{run['started_at']} {run['kind']} → {run['key']}: {run['status']}"
    line += f", {run['posted']} posted"
    return line + (f" ({run['error']})" if run.get("error") else "")
