"""Schema migrations: bring any database Newsdesk ever wrote up to date, keeping every row.

Alembic revisions live in `bot/store/migrations/versions/`. `upgrade` runs at every start
(`Store(...)`) and from `newsdesk db upgrade`, inside one transaction that holds the schema
lock, so processes starting together upgrade one after another. A database written by
release 0.1.0 (tables made by `create_all`, no `alembic_version`) is stamped at the baseline
first, then upgraded like any other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from bot.store.sql import SCHEMA_LOCK, one_at_a_time, writer

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
RELEASE_0_1_TABLE = "items"  # present in every database 0.1.0 wrote


def alembic_config(conn: Connection | None = None) -> Config:
    """Alembic's configuration, from code (no alembic.ini to lose or to point elsewhere)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def head() -> str:
    """The newest revision this release knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or BASELINE


def current(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty or pre-Alembic database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@dataclass(frozen=True, slots=True)
class Upgrade:
    """What `upgrade` did: `before` is None for an empty database or one from 0.1.0."""

    before: str | None
    after: str
    from_release_0_1: bool = False

    def __str__(self) -> str:
        if self.before == self.after:
            return f"already at revision {self.after} (newest)"
        was = "0.1.0 (no revision)" if self.from_release_0_1 else self.before or "an empty database"
        return f"upgraded from {was} to revision {self.after}"


def upgrade(engine: Engine) -> Upgrade:
    """Upgrade to the newest revision under the schema lock."""
    with writer(engine).begin() as conn:
        one_at_a_time(conn, SCHEMA_LOCK)
        before = MigrationContext.configure(conn).get_current_revision()
        config = alembic_config(conn)
        release = before is None and sa.inspect(conn).has_table(RELEASE_0_1_TABLE)
        if release:
            log.info("database from release 0.1.0: stamping the baseline %s", BASELINE)
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")
        after = MigrationContext.configure(conn).get_current_revision() or BASELINE
    done = Upgrade(before, after, release)
    if before != after:
        log.info("database %s", done)
    return done
