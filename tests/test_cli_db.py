"""`newsdesk db upgrade` and `newsdesk db current`, as an operator runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

from clirun import newsdesk

from bot.store import migrate

RELEASE_DB = Path(__file__).resolve().parent / "fixtures" / "release-0.1.0" / "newsdesk.sqlite3"


def test_upgrade_a_release_database_by_hand_then_see_it_current(tmp_path: Path) -> None:
    shutil.copy(RELEASE_DB, tmp_path / "newsdesk.db")
    head = migrate.head()

    before = newsdesk("db", "current", cwd=tmp_path)
    upgraded = newsdesk("db", "upgrade", cwd=tmp_path)
    again = newsdesk("db", "upgrade", cwd=tmp_path)
    after = newsdesk("db", "current", cwd=tmp_path)

    assert before.returncode == 0, before.stderr
    assert (
        before.stdout
        == f"sqlite:///newsdesk.db: revision none (this release upgrades it to {head})\n"
    )
    assert (
        upgraded.stdout
        == f"sqlite:///newsdesk.db: upgraded from 0.1.0 (no revision) to revision {head}\n"
    )
    assert again.stdout == f"sqlite:///newsdesk.db: already at revision {head} (newest)\n"
    assert after.stdout == f"sqlite:///newsdesk.db: revision {head} (up to date)\n"


def test_a_database_that_cannot_be_opened_names_the_key_and_hides_the_password(
    tmp_path: Path,
) -> None:
    url = "postgresql+psycopg://newsdesk:hunter2@127.0.0.1:1/none"

    ran = newsdesk("db", "current", cwd=tmp_path, NEWSDESK_DATABASE_URL=url)

    assert ran.returncode == 2
    assert ran.stderr.startswith("newsdesk: database_url: cannot open ")
    assert "hunter2" not in ran.stdout + ran.stderr
