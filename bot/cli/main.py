"""The `newsdesk` command line: the only place that reads argv.

Each group of commands registers its own subparsers (`register(sub)`) and handlers, so a new
command is one module here and one line in COMMAND_GROUPS.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from bot.cli import content, db, feeds, publishing, stats
from bot.cli.common import EXIT_USAGE, fail
from bot.config import ConfigError, load_settings

log = logging.getLogger(__name__)

COMMAND_GROUPS = (publishing, content, db, feeds, stats)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose or args.command == "run" else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if not args.needs_settings:
            return args.handler(args)
        settings = load_settings(args.config)
    except ConfigError as error:
        return fail(f"configuration error: {error}", EXIT_USAGE)
    return args.handler(settings, args)


def parser() -> argparse.ArgumentParser:
    """The whole command line (tests/test_docs.py holds the README's tables to it)."""
    top = argparse.ArgumentParser(prog="newsdesk", description="Curated articles in Slack.")
    top.add_argument("--config", help="YAML settings file (default: $NEWSDESK_CONFIG)")
    top.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = top.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(sub)
    return top
