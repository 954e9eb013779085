"""Schema migrations: a fresh database and every database a release wrote reach the newest
schema, keeping every row (bot/store/migrate.py and its Alembic revisions).

The release-0.1.0 fixtures are databases that release wrote after real use: a scan with a
bad file, a review round, an approval, an edit-and-approve, a rejection, a digest and a share
(tests/fixtures/release-0.1.0/make_fixtures.py says how they were made).
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.pool import NullPool

from bot.content.urls import canonical_url
from bot.store import migrate
from bot.store.sql import make_engine
from bot.store.store import Store
from bot.store.tables import metadata

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "release-0.1.0"
TABLES = ("items", "topic_counts", "bad_files", "review_posts", "decisions", "publications", "runs")
# What release 0.1.0 recorded, per table (the fixtures hold exactly this).
RELEASE_ROWS = {
    "items": 6,
    "topic_counts": 2,
    "bad_files": 1,
    "review_posts": 4,
    "decisions": 3,
    "publications": 3,
    "runs": 2,
}


def rows(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every row of every release table, sorted, as plain tuples of the release's columns."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for name in TABLES:
            columns = [c["name"] for c in sa.inspect(conn).get_columns(name)]
            shown = [c for c in columns if c not in ("source", "fingerprint")]  # added later
            query = sa.text(f"SELECT {', '.join(shown)} FROM {name}")
            out[name] = sorted(tuple(map(str, r)) for r in conn.execute(query))
    return out


def differences(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), metadata)


def test_a_new_database_is_made_by_the_revisions_and_matches_the_tables(db_url: str) -> None:
    store = Store(db_url)
    try:
        assert migrate.current(store.engine) == migrate.head()
        assert differences(store.engine) == []
    finally:
        store.close()


def test_upgrading_twice_changes_nothing(db_url: str) -> None:
    Store(db_url).close()
    engine = make_engine(db_url)
    try:
        done = migrate.upgrade(engine)
        assert (done.before, done.after) == (migrate.head(), migrate.head())
    finally:
        engine.dispose()


def test_a_release_0_1_sqlite_database_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "newsdesk.db"
    shutil.copy(FIXTURES / "newsdesk.sqlite3", path)
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url, poolclass=NullPool)
    before = rows(engine)
    assert {t: len(r) for t, r in before.items()} == RELEASE_ROWS

    store = Store(url)
    try:
        _assert_kept(store, before)
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.postgres
def test_a_release_0_1_postgresql_database_keeps_every_row(pg_url: str) -> None:
    schema = sa.make_url(pg_url).query["application_name"]
    load_dump(pg_url, (FIXTURES / "newsdesk.pg.sql").read_text("utf-8"), schema)
    engine = sa.create_engine(pg_url, poolclass=NullPool)
    before = rows(engine)
    engine.dispose()
    assert {t: len(r) for t, r in before.items()} == RELEASE_ROWS

    store = Store(pg_url)
    try:
        _assert_kept(store, before)
    finally:
        store.close()


def _assert_kept(store: Store, before: dict[str, list[tuple]]) -> None:
    assert migrate.current(store.engine) == migrate.head()
    assert rows(store.engine) == before
    assert differences(store.engine) == []
    # What people relied on: the decisions, the edit, and that nothing is posted again.
    approved, edited, rejected = (store.reviews.decision(f"story0{n}") for n in (1, 2, 3))
    assert approved.approved and edited.approved and not rejected.approved
    assert store.article("story02").title == "Edited title"
    assert store.is_published("story01", "C0NEWS") and store.is_published("story02", "C0NEWS")
    assert store.is_published("story04", "C0SHARE")
    taken_urls, _ = store.taken_keys("C0NEWS")  # what selection skips as already posted
    assert {canonical_url(store.article(i).url) for i in ("story01", "story02")} <= taken_urls
    assert store.reviews.review_post("story01") is not None
    assert store.counts()["items"] == 6 and store.counts()["bad_files"] == 1


def load_dump(url: str, dump: str, schema: str) -> None:
    """Load a `pg_dump --inserts` of schema release_fixture into `schema` (already made)."""
    statements = [
        line
        for line in dump.replace("release_fixture", schema).splitlines()
        if not line.startswith("\\") and not line.startswith("CREATE SCHEMA")
    ]
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("\n".join(statements))
    finally:
        engine.dispose()


def test_processes_starting_together_upgrade_once(db_url: str) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            Store(db_url).close()
        except BaseException as error:  # reported below, with the others
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine = make_engine(db_url)
    try:
        assert migrate.current(engine) == migrate.head()
    finally:
        engine.dispose()
