"""The `newsdesk` command line: the only place that reads argv."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.clock import utcnow
from bot.config import EXAMPLES_DIR, ConfigError, DigestSettings, Settings, load_settings
from bot.content.article import Article
from bot.content.dates import long_date
from bot.content.scan import scan
from bot.publishing.digest import preview_digest, preview_review, run_digest, run_review
from bot.publishing.jobs import rescan
from bot.render import card_html, card_text, digest_text, safe
from bot.slack.blockkit.cards import card_message
from bot.slack.blockkit.messages import review_message
from bot.slack.blockkit.packing import digest_messages
from bot.status import as_text, collect, redact_url
from bot.store.store import Store

log = logging.getLogger(__name__)

PREVIEW_CHANNEL = "preview"
DRY_RUN_NOTE = "dry run: nothing posted"
NO_TOKEN = "SLACK_BOT_TOKEN is not set: it is needed to post (or use --dry-run)"
EXAMPLES_ONLY_PREVIEW = (
    "content_dir is not set: the bundled example articles are for --dry-run previews only; "
    "set content_dir to post real ones"
)
JSON_NEEDS_DRY_RUN = "--json prints the payloads of a preview: use it with --dry-run"
NO_DIGEST = "no digest configured: add `digests` to the config or pass --channel"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose or args.command == "run" else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "check":
            return cmd_check(args)
        settings = load_settings(args.config)
    except ConfigError as error:
        print(f"newsdesk: configuration error: {error}", file=sys.stderr)
        return 2
    return COMMANDS[args.command](settings, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsdesk", description="Curated articles in Slack.")
    parser.add_argument("--config", help="YAML settings file (default: $NEWSDESK_CONFIG)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot: Slack app, scheduler, content rescans")
    digest = sub.add_parser("digest", help="post a digest now (or preview it)")
    digest.add_argument("--channel", help="only this digest channel")
    digest.add_argument("--dry-run", action="store_true", help="post nothing, print it")
    digest.add_argument("--json", action="store_true", help="print the Slack payloads")
    review = sub.add_parser("review", help="post a review round now (or preview it)")
    review.add_argument("--dry-run", action="store_true", help="post nothing, print it")
    review.add_argument("--json", action="store_true", help="print the Slack payloads")
    check = sub.add_parser("check", help="validate records; exit 1 if any is bad")
    check.add_argument("dir", nargs="?", help="folder to check (default: content_dir)")
    preview = sub.add_parser("preview", help="show one article's card")
    preview.add_argument("id", help="item id (file name without extension)")
    form = preview.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print the Block Kit payload")
    form.add_argument("--html", metavar="FILE", help="write an HTML preview to FILE")
    status = sub.add_parser("status", help="counts, bad files, last and next runs")
    status.add_argument("--json", action="store_true", help="print JSON")
    return parser


def cmd_check(args: argparse.Namespace) -> int:
    folder = args.dir or str(load_settings(args.config).content_dir)
    try:
        result = scan(folder, now=utcnow())
    except (FileNotFoundError, NotADirectoryError) as error:
        print(f"newsdesk: {error}", file=sys.stderr)
        return 2
    lines = [(b.path, b.reason) for b in result.bad]
    lines += [(r.path, f"warning: {w}") for r in result.records for w in r.warnings]
    for path, message in sorted(lines):
        print(safe(f"{path}: {message}"))  # a file name can carry terminal escapes
    warned = sum(bool(r.warnings) for r in result.records)
    summary = f"{len(result.records)} good, {len(result.bad)} bad record(s) in {folder}"
    print(summary + (f"; {warned} with warnings" if warned else ""))
    return 1 if result.bad else 0  # warnings alone: the records are still usable


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    with _opened(settings) as store:
        now = utcnow()
        report = collect(settings, store, now)
    print(json.dumps(report, indent=2) if args.json else as_text(report))
    return 0


def cmd_preview(settings: Settings, args: argparse.Namespace) -> int:
    with _opened(settings) as store:
        article = store.article(args.id)
    if article is None:
        print(f"newsdesk: no article with id {args.id!r}", file=sys.stderr)
        return 1
    if args.json:
        _print_json(card_message(article, settings.timezone))
    elif args.html:
        Path(args.html).write_text(card_html(article, settings.timezone), encoding="utf-8")
        print(f"wrote {args.html}")
    else:
        print(card_text(article, settings.timezone))
    return 0


def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    if args.json and not args.dry_run:
        return _usage(JSON_NEEDS_DRY_RUN)
    if not args.dry_run and settings.content_dir == EXAMPLES_DIR:
        return _usage(EXAMPLES_ONLY_PREVIEW)
    digests = _digests(settings, args.channel, args.dry_run)
    if not digests:
        print(f"newsdesk: {NO_DIGEST}", file=sys.stderr)
        return 2
    with _opened(settings) as store:
        if args.dry_run:
            return _preview_digests(settings, store, digests, args.json)
        return _post_digests(settings, store, digests)


def cmd_review(settings: Settings, args: argparse.Namespace) -> int:
    if args.json and not args.dry_run:
        return _usage(JSON_NEEDS_DRY_RUN)
    if not args.dry_run and settings.content_dir == EXAMPLES_DIR:
        return _usage(EXAMPLES_ONLY_PREVIEW)
    if settings.review is None:
        print("newsdesk: review is not configured (set review.channel)", file=sys.stderr)
        return 2
    with _opened(settings) as store:
        now = utcnow()
        if args.dry_run:
            articles = preview_review(settings, store, now)
            return _show_review(settings, articles, args.json)
        return _report([run_review(settings, store, _client(settings), now)])


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime import run  # Bolt and the HTTP server load only for `run`

    return run(settings)


def _digests(settings: Settings, channel: str | None, dry_run: bool) -> list[DigestSettings]:
    if channel:
        return [settings.digest_for(channel)]
    if settings.digests or not dry_run:
        return list(settings.digests)
    return [DigestSettings(channel=PREVIEW_CHANNEL)]  # no config: preview the examples


def _preview_digests(settings, store, digests, as_json: bool) -> int:
    now = utcnow()
    day = now.astimezone(settings.timezone).date()
    out: list[dict[str, Any]] = []
    for digest in digests:
        articles = preview_digest(settings, store, digest, now)
        if as_json:
            out.append(_digest_json(settings, digest, articles, day))
            continue
        heading = f"Newsdesk digest · {long_date(day)} → {digest.channel} ({DRY_RUN_NOTE})"
        print(digest_text(articles, heading, settings.timezone) + "\n")
    if as_json:
        _print_json(out)
    return 0


def _digest_json(settings, digest, articles: list[Article], day) -> dict[str, Any]:
    messages = digest_messages(articles, day, settings.timezone)
    return {"channel": digest.channel, "items": [a.id for a in articles], "messages": messages}


def _post_digests(settings: Settings, store: Store, digests: list[DigestSettings]) -> int:
    client = _client(settings)
    return _report([run_digest(settings, store, client, d, utcnow()) for d in digests])


def _show_review(settings: Settings, articles: list[Article], as_json: bool) -> int:
    if as_json:
        _print_json([review_message(a, settings.timezone) for a in articles])
        return 0
    heading = f"Review round → {settings.review.channel} ({DRY_RUN_NOTE})"
    print(digest_text(articles, heading, settings.timezone))
    return 0


def _client(settings: Settings):
    if settings.bot_token is None:
        print(f"newsdesk: {NO_TOKEN}", file=sys.stderr)
        raise SystemExit(2)
    from bot.slack.client import make_client

    return make_client(settings)


def _report(outcomes: list) -> int:
    for outcome in outcomes:
        print(outcome)
    return 1 if any(o.error for o in outcomes) else 0


def open_store(settings: Settings) -> Store:
    """The store, or exit 2 naming `database_url` when it cannot be opened."""
    try:
        return Store(settings.database_url)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        url = redact_url(settings.database_url)
        print(f"newsdesk: database_url: cannot open {url}: {reason}", file=sys.stderr)
        raise SystemExit(2) from error


class _opened:
    """Open the store and bring it up to date with the content folder."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __enter__(self) -> Store:
        self.store = open_store(self.settings)
        try:
            result = rescan(self.settings, self.store, utcnow())
        except (FileNotFoundError, NotADirectoryError) as error:
            self.store.close()
            print(f"newsdesk: content_dir: {error}", file=sys.stderr)
            raise SystemExit(2) from error
        if result.bad:
            print(
                f"note: {len(result.bad)} bad file(s) skipped; see `newsdesk check`.",
                file=sys.stderr,
            )
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()


def _usage(message: str) -> int:
    print(f"newsdesk: {message}", file=sys.stderr)
    return 2


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


COMMANDS = {
    "run": cmd_run,
    "digest": cmd_digest,
    "review": cmd_review,
    "preview": cmd_preview,
    "status": cmd_status,
}
