"""Commands about the library: `check`, `preview` and `status`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli.common import EXIT_FAILED, EXIT_OK, fail, opened, print_json
from bot.cli.progress import scan_progress
from bot.clock import utcnow
from bot.config import Settings, load_settings
from bot.content.scan import scan_chunks
from bot.render import card_html, card_text, safe
from bot.slack.blockkit.cards import card_message
from bot.status import as_text, collect


def register(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser("check", help="validate records; exit 1 if any is bad")
    check.add_argument("dir", nargs="?", help="folder to check (default: content_dir)")
    check.set_defaults(handler=cmd_check, needs_settings=False)
    preview = sub.add_parser("preview", help="show one article's card")
    preview.add_argument("id", help="item id (file name without extension)")
    form = preview.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print the Block Kit payload")
    form.add_argument("--html", metavar="FILE", help="write an HTML preview to FILE")
    preview.set_defaults(handler=cmd_preview, needs_settings=True)
    status = sub.add_parser("status", help="counts, bad files, last and next runs")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=cmd_status, needs_settings=True)


def cmd_check(args: argparse.Namespace) -> int:
    folder = args.dir or str(load_settings(args.config).content_dir)
    good = bad = warned = 0
    lines: list[tuple[str, str]] = []
    progress = scan_progress()
    try:
        # Streamed: only bad files and warnings are kept (and the ids seen, for duplicates).
        parts = scan_chunks(folder, owners={}, progress=progress, now=utcnow())
        for part in parts:
            good += len(part.records)
            lines += [(b.path, b.reason) for b in part.bad]
            lines += [(r.path, f"warning: {w}") for r in part.records for w in r.warnings]
            bad += len(part.bad)
            warned += sum(bool(r.warnings) for r in part.records)
    except (FileNotFoundError, NotADirectoryError) as error:
        return fail(str(error))
    finally:
        if progress is not None:
            progress.close()
    for path, message in sorted(lines):
        print(safe(f"{path}: {message}"))  # a file name can carry terminal escapes
    summary = f"{good} good, {bad} bad record(s) in {folder}"
    print(summary + (f"; {warned} with warnings" if warned else ""))
    return EXIT_FAILED if bad else EXIT_OK  # warnings alone: the records are usable


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, quiet=args.json) as store:
        report = collect(settings, store, utcnow(), for_cli=True)
    print(json.dumps(report, indent=2) if args.json else as_text(report))
    return EXIT_OK


def cmd_preview(settings: Settings, args: argparse.Namespace) -> int:
    with opened(settings, quiet=args.json) as store:
        article = store.article(args.id)
    if article is None:
        print(f"newsdesk: no article with id {args.id!r}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print_json(card_message(article, settings.timezone))
    elif args.html:
        Path(args.html).write_text(card_html(article, settings.timezone), encoding="utf-8")
        print(f"wrote {args.html}")
    else:
        print(card_text(article, settings.timezone))
    return EXIT_OK
