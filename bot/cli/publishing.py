"""Commands that post (or preview what would be posted): `run`, `digest` and `review`."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from bot.cli.common import EXIT_OK, fail, opened, print_json, report, slack_client
from bot.clock import utcnow
from bot.config import EXAMPLES_DIR, DigestSettings, Settings
from bot.content.article import Article
from bot.content.dates import long_date
from bot.publishing.digest import preview_digest, run_digest
from bot.publishing.review import preview_review, run_review
from bot.render import digest_text
from bot.slack.blockkit.messages import review_message
from bot.slack.blockkit.packing import digest_messages
from bot.store.store import Store

PREVIEW_CHANNEL = "preview"
DRY_RUN_NOTE = "dry run: nothing posted"
EXAMPLES_ONLY_PREVIEW = (
    "content_dir is not set: the bundled example articles are for --dry-run previews only; "
    "set content_dir to post real ones"
)
JSON_NEEDS_DRY_RUN = "--json prints the payloads of a preview: use it with --dry-run"
NO_DIGEST = "no digest configured: add `digests` to the config or pass --channel"
NO_REVIEW = "review is not configured (set review.channel)"


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run the bot: Slack app, scheduler, content rescans")
    run.set_defaults(handler=cmd_run, needs_settings=True)
    digest = sub.add_parser("digest", help="post a digest now (or preview it)")
    digest.add_argument("--channel", help="only this digest channel")
    _dry_run_options(digest)
    digest.set_defaults(handler=cmd_digest, needs_settings=True)
    review = sub.add_parser("review", help="post a review round now (or preview it)")
    _dry_run_options(review)
    review.set_defaults(handler=cmd_review, needs_settings=True)


def _dry_run_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--dry-run", action="store_true", help="post nothing, print it")
    command.add_argument("--json", action="store_true", help="print the Slack payloads")


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime import run  # Bolt and the HTTP server load only for `run`

    return run(settings)


def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    refusal = _refusal(settings, args)
    if refusal:
        return fail(refusal)
    digests = _digests(settings, args.channel, args.dry_run)
    if not digests:
        return fail(NO_DIGEST)
    with opened(settings, quiet=args.json) as store:
        if args.dry_run:
            return _preview_digests(settings, store, digests, args.json)
        client = slack_client(settings)
        return report([run_digest(settings, store, client, d, utcnow()) for d in digests])


def cmd_review(settings: Settings, args: argparse.Namespace) -> int:
    refusal = _refusal(settings, args) or (NO_REVIEW if settings.review is None else "")
    if refusal:
        return fail(refusal)
    with opened(settings, quiet=args.json) as store:
        now = utcnow()
        if args.dry_run:
            return _show_review(settings, preview_review(settings, store, now), args.json)
        return report([run_review(settings, store, slack_client(settings), now)])


def _refusal(settings: Settings, args: argparse.Namespace) -> str:
    if args.json and not args.dry_run:
        return JSON_NEEDS_DRY_RUN
    if not args.dry_run and settings.content_dir == EXAMPLES_DIR:
        return EXAMPLES_ONLY_PREVIEW
    return ""


def _digests(settings: Settings, channel: str | None, dry_run: bool) -> list[DigestSettings]:
    if channel:
        return [settings.digest_for(channel)]
    if settings.digests or not dry_run:
        return list(settings.digests)
    return [DigestSettings(channel=PREVIEW_CHANNEL)]  # no config: preview the examples


def _preview_digests(
    settings: Settings, store: Store, digests: list[DigestSettings], as_json: bool
) -> int:
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
        print_json(out)
    return EXIT_OK


def _digest_json(
    settings: Settings, digest: DigestSettings, articles: list[Article], day: date
) -> dict[str, Any]:
    messages = digest_messages(articles, day, settings.timezone)
    return {"channel": digest.channel, "items": [a.id for a in articles], "messages": messages}


def _show_review(settings: Settings, articles: list[Article], as_json: bool) -> int:
    if as_json:
        print_json([review_message(a, settings.timezone) for a in articles])
        return EXIT_OK
    heading = f"Review round → {settings.review.channel} ({DRY_RUN_NOTE})"
    print(digest_text(articles, heading, settings.timezone))
    return EXIT_OK
