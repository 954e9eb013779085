"""What `newsdesk status` and `/newsdesk status` report: counts, bad files, runs, failures.

Two forms, chosen explicitly. In Slack (any member can ask) the report holds counts, bad
files named relative to the content folder, runs and failures: nothing about the server.
The CLI form (whoever runs it is on the server already) adds the config file, the content
folder and the database URL. A database password is masked in both, wherever it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.content.article import BadFile
from bot.content.feeds import feed_key, shown_url
from bot.cron import cron_trigger
from bot.dburl import hide_password, redact_url
from bot.render import safe
from bot.store.feeds import FeedStore
from bot.store.store import Store

BAD_FILES_SHOWN = 20
RUNS_SHOWN = 8
FEEDS_SHOWN = 20  # failing feeds first; the rest are summed up in one line
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


def collect(
    settings: Settings, store: Store, now: datetime, *, for_cli: bool = False
) -> dict[str, Any]:
    """A JSON-ready report of the bot's state (no tokens, passwords or secured values).

    `for_cli` adds where things are (config file, content folder, database URL): the
    server's business, never shown in Slack. Without it, the report is the Slack form (the
    one that shows least); callers name the form they want.
    """
    hide = _masker(settings)
    report: dict[str, Any] = {"now": now.isoformat()}
    if for_cli:
        report["config"] = settings.source
        report["content_dir"] = str(settings.content_dir)
        report["database"] = redact_url(settings.database_url)
    bad = store.bad_files(limit=BAD_FILES_SHOWN)
    root = None if for_cli else settings.content_dir
    return {
        **report,
        "mode": "review" if settings.review else "auto",
        "counts": store.counts(),
        "bad_files": [hide(_bad_line(b, root)) for b in bad],
        "last_runs": [_run(r, hide) for r in store.runs.recent(RUNS_SHOWN, exclude=(PERSONAL,))],
        "failures": [_run(r, hide) for r in store.runs.failing(exclude=(PERSONAL,))],
        "next_runs": next_runs(settings, now),
        "feeds": feed_states(settings, store),
        "personal": personal_report(settings, store, now),
    }


def personal_report(settings: Settings, store: Store, now: datetime) -> dict[str, Any]:
    """Followers, the latest round of personal digests and whom it did not reach (why),
    and when the next round is due."""
    follows = store.follows
    last = follows.last_round(PERSONAL, NOT_REACHED_SHOWN)
    if last is not None:
        last["due_at"] = last["due_at"].isoformat()
    trigger = cron_trigger(settings.personal.schedule, settings.timezone)
    when = trigger.get_next_fire_time(None, now.astimezone(settings.timezone))
    return {
        "followers": follows.follower_count(),
        "last_round": last,
        "next": when.isoformat() if when else "never",
        "schedule": settings.personal.schedule,
    }


def feed_states(settings: Settings, store: Store) -> list[dict[str, Any]]:
    """Each configured feed's health: last success, last error and warning, items."""
    known = {s.key: s for s in FeedStore(store.engine).states()}
    out = []
    for feed in settings.feeds:
        state = known.get(feed_key(feed.url))
        row: dict[str, Any] = {"url": shown_url(feed.url), "items": 0, "last_success": None}
        if state is not None:
            row.update(items=state.items, last_success=state.last_success, failures=state.failures)
            row.update(last_error=state.last_error, last_warning=state.last_warning)
            row.update(next_poll=state.next_poll_at)
        out.append({k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()})
    return out


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


def as_text(report: dict[str, Any]) -> str:
    """Plain text for a terminal or a Slack code block."""
    lines = [f"Newsdesk status at {report['now']}"]
    if "config" in report:  # the CLI form
        lines += [
            f"mode: {report['mode']} · config: {report['config']}",
            f"content: {report['content_dir']} · database: {report['database']}",
        ]
    else:
        lines.append(f"mode: {report['mode']}")
    lines.append("")
    lines += [f"{n:>7}  {COUNT_LABELS.get(k, k)}" for k, n in report["counts"].items()]
    lines += _section("Bad files", report["bad_files"])
    lines += _section("Failures", [_run_line(r) for r in report["failures"]])
    lines += _section("Last runs", [_run_line(r) for r in report["last_runs"]] or ["none yet"])
    lines += _section("Feeds", _feed_lines(report.get("feeds", [])))
    nexts = [f"{n['job']}: {n['next']} ({n['schedule']})" for n in report["next_runs"]]
    lines += _section("Next runs", nexts or ["no schedules configured"])
    lines += _section("Personal digests", _personal_lines(report.get("personal")))
    return safe("\n".join(lines))  # file names and errors may carry terminal escapes


def _section(title: str, rows: list[str]) -> list[str]:
    return ["", f"{title}:", *(f"  {row}" for row in rows)] if rows else []


def _bad_line(bad: BadFile, root: Path | None) -> str:
    """`path: reason`, the path relative to `root` when given (a file outside it, or the
    folder itself, shows by name only)."""
    if root is None:
        return str(bad)
    path = Path(bad.path)
    try:
        shown = str(path.relative_to(root))
    except ValueError:
        shown = path.name
    return f"{shown}: {bad.reason.replace(str(root) + '/', '')}"


def _masker(settings: Settings) -> Callable[[str], str]:
    """Masks the database password in free text (an error message may quote the DSN)."""
    return partial(hide_password, url=settings.database_url)


def _run(row: dict[str, Any], hide: Callable[[str], str]) -> dict[str, Any]:
    out = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
    if isinstance(out.get("error"), str):
        out["error"] = hide(out["error"])
    return out


def _feed_lines(feeds: list[dict[str, Any]]) -> list[str]:
    ordered = sorted(feeds, key=lambda f: not (f.get("last_error") or f.get("last_warning")))
    lines = [_feed_line(f) for f in ordered[:FEEDS_SHOWN]]
    if len(ordered) > FEEDS_SHOWN:
        lines.append(f"… and {len(ordered) - FEEDS_SHOWN} more (`newsdesk feeds` lists all)")
    return lines


def _feed_line(feed: dict[str, Any]) -> str:
    line = f"{feed['url']}: {feed['items']} items, last success {feed['last_success'] or 'never'}"
    if feed.get("last_error"):
        line += f"; failing ({feed['failures']}x): {feed['last_error']}"
    if feed.get("last_warning"):
        line += f"; warning: {feed['last_warning']}"
    return line


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
