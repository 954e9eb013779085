"""What every `newsdesk` command shares: exit codes, opening the store, printing."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from sqlalchemy.exc import SQLAlchemyError

from bot.cli.progress import scan_progress
from bot.clock import utcnow
from bot.config import Settings
from bot.dburl import hide_password, redact_url
from bot.publishing.jobs import rescan
from bot.store.store import Store

EXIT_OK = 0
EXIT_FAILED = 1  # bad records, a failed post, an unknown id
EXIT_USAGE = 2  # configuration or usage error

NO_TOKEN = "SLACK_BOT_TOKEN is not set: it is needed to post (or use --dry-run)"


def fail(message: str, code: int = EXIT_USAGE) -> int:
    """Say what is wrong on stderr; the exit status to return."""
    print(f"newsdesk: {message}", file=sys.stderr)
    return code


def stop(message: str) -> NoReturn:
    """Say what is wrong and exit with the usage status, from anywhere in a command."""
    raise SystemExit(fail(message))


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def open_store(settings: Settings) -> Store:
    """The store, or exit 2 naming `database_url` when it cannot be opened."""
    try:
        return Store(settings.database_url)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        reason = hide_password(reason, settings.database_url)  # a driver may quote its DSN
        url = redact_url(settings.database_url)
        raise SystemExit(fail(f"database_url: cannot open {url}: {reason}")) from error


class opened:
    """Open the store and bring it up to date with the content folder (showing progress on
    a terminal unless `quiet`)."""

    def __init__(self, settings: Settings, *, quiet: bool = False) -> None:
        self.settings, self.quiet = settings, quiet

    def __enter__(self) -> Store:
        self.store = open_store(self.settings)
        progress = scan_progress(quiet=self.quiet)
        try:
            counts = rescan(self.settings, self.store, utcnow(), progress=progress)
        except (FileNotFoundError, NotADirectoryError) as error:
            self.store.close()
            stop(f"content_dir: {error}")
        finally:
            if progress is not None:
                progress.close()
        if counts.bad:
            print(f"note: {counts.bad} bad file(s) skipped; see `newsdesk check`.", file=sys.stderr)
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()


def slack_client(settings: Settings):
    if settings.bot_token is None:
        stop(NO_TOKEN)
    from bot.slack.client import make_client

    return make_client(settings)


def report(outcomes: list) -> int:
    for outcome in outcomes:
        print(outcome)
    return EXIT_FAILED if any(o.error for o in outcomes) else EXIT_OK
