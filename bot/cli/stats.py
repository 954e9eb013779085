"""`newsdesk stats`: what readers read and found useful, as text bar charts or JSON."""

from __future__ import annotations

import argparse

from bot.cli.common import EXIT_OK, fail, open_store, print_json
from bot.clock import utcnow
from bot.config import Settings
from bot.publishing.charts import report_text
from bot.publishing.stats import DEFAULT_DAYS, MAX_DAYS, collect_stats


def register(sub: argparse._SubParsersAction) -> None:
    stats = sub.add_parser("stats", help="most read and most useful articles, topics, reach")
    stats.add_argument("--days", type=int, default=DEFAULT_DAYS, help="how far back (default 7)")
    stats.add_argument("--json", action="store_true", help="print the figures as JSON")
    stats.set_defaults(handler=cmd_stats, needs_settings=True)


def cmd_stats(settings: Settings, args: argparse.Namespace) -> int:
    if not 1 <= args.days <= MAX_DAYS:
        return fail(f"--days: must be a number from 1 to {MAX_DAYS}")
    store = open_store(settings)
    try:
        report = collect_stats(store, utcnow(), args.days)
    finally:
        store.close()
    if args.json:
        print_json(report.as_dict())
    else:
        print(report_text(report))
    return EXIT_OK
