"""Shared fixtures: a Store on each supported database (SQLite file, PostgreSQL schema),
a running FakeSlack, SlackDrivers.

PostgreSQL comes from env NEWSDESK_TEST_PG_URL (default: the local test server).
Each test gets a fresh schema there, dropped afterwards. When the server cannot be
reached, PostgreSQL tests are skipped, unless NEWSDESK_REQUIRE_PG=1 (CI), where
they fail loudly instead.

Hypothesis profiles: "ci" (the default: few examples, so the suite stays fast) and "long"
(HYPOTHESIS_PROFILE=long, for runs by hand that hunt harder).
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from fakeslack import FakeSlack
    from slackdriver import SlackDriver

    from bot.store.store import Store

PG_DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# No deadline: the machine is shared, and an example's time says nothing about correctness.
# Function-scoped fixtures (a store, tmp_path) are shared by a test's examples on purpose:
# the properties write fresh files and ids for each example.
_RELAXED = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=_RELAXED, print_blob=True
)
settings.register_profile(
    "long", max_examples=2_000, deadline=None, suppress_health_check=_RELAXED, print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _admin_engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """The PostgreSQL server URL, once it answered; skips (or fails in CI) when it does not."""
    url = os.environ.get("NEWSDESK_TEST_PG_URL", PG_DEFAULT_URL)
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        shown = sa.make_url(url).render_as_string(hide_password=True)
        message = f"PostgreSQL not reachable at {shown}: {exc}"
        if os.environ.get("NEWSDESK_REQUIRE_PG") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A URL whose connections see only a fresh, empty schema; dropped after the test."""
    schema = f"newsdesk_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(pg_server_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    query = {"options": f"-csearch_path={schema}", "application_name": schema}
    url = sa.make_url(pg_server_url).update_query_dict(query)
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        # A Store the test forgot to close must not keep its locks on the schema.
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": schema},
        )
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database, once per supported backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'newsdesk.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A Store on an empty database, once per supported backend."""
    from bot.store.store import Store  # here, so a broken store cannot stop unrelated tests

    opened = Store(db_url)
    yield opened
    opened.close()


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A started FakeSlack (tests/fakeslack.py) with the default token; stopped afterwards."""
    from fakeslack import FakeSlack  # here, like the imports of the other fixtures

    with FakeSlack() as running:
        yield running


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen]]:
    """Every `newsdesk run` process a test starts (tests/newsdeskproc.py `start`); whatever
    is still alive at the end is killed."""
    from newsdeskproc import reap

    started: list[subprocess.Popen] = []
    yield started
    reap(started)


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Callable[..., SlackDriver]]:
    """A factory of started SlackDrivers (tests/slackdriver.py), all stopped after the test.

        def test_share(driver):
            slack = driver(records=[make_record("a1")], review="CREVIEW")
            status, body = slack.command("share a1", channel="CNEWS")

    Keyword arguments are SlackDriver's; `tmp_path` is filled in (a sub-folder per call).
    """
    from slackdriver import SlackDriver  # here, so a broken app cannot stop unrelated tests

    started: list[SlackDriver] = []

    def make(**options: Any) -> SlackDriver:
        folder = tmp_path / f"driver{len(started)}"
        folder.mkdir()
        started.append(SlackDriver(folder, **options).start())
        return started[-1]

    yield make
    for running in reversed(started):
        running.stop()
