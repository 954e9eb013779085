"""`newsdesk db upgrade` and `newsdesk db current`: schema migrations, for operators.

`newsdesk run` and every other command upgrade the database on their own at start; these
are for doing it by hand (before a rollout) and for seeing where a database stands.
"""

from __future__ import annotations

import argparse

from sqlalchemy.exc import SQLAlchemyError

from bot.cli.common import EXIT_OK, fail
from bot.config import Settings
from bot.dburl import hide_password, redact_url
from bot.store import migrate
from bot.store.sql import make_engine


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database schema: upgrade it, or show its revision")
    actions = db.add_subparsers(dest="db_command", required=True)
    upgrade = actions.add_parser("upgrade", help="migrate the database to this release")
    upgrade.set_defaults(handler=cmd_upgrade, needs_settings=True)
    current = actions.add_parser("current", help="show the database's schema revision")
    current.set_defaults(handler=cmd_current, needs_settings=True)


def cmd_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    engine = make_engine(settings.database_url)
    try:
        done = migrate.upgrade(engine)
    except SQLAlchemyError as error:
        return _cannot(settings, error)
    finally:
        engine.dispose()
    print(f"{redact_url(settings.database_url)}: {done}")
    return EXIT_OK


def cmd_current(settings: Settings, args: argparse.Namespace) -> int:
    engine = make_engine(settings.database_url)
    try:
        revision = migrate.current(engine)
    except SQLAlchemyError as error:
        return _cannot(settings, error)
    finally:
        engine.dispose()
    newest = migrate.head()
    state = "up to date" if revision == newest else f"this release upgrades it to {newest}"
    print(f"{redact_url(settings.database_url)}: revision {revision or 'none'} ({state})")
    return EXIT_OK


def _cannot(settings: Settings, error: SQLAlchemyError) -> int:
    reason = hide_password(
        str(getattr(error, "orig", None) or error).splitlines()[0], settings.database_url
    )
    return fail(f"database_url: cannot open {redact_url(settings.database_url)}: {reason}")
