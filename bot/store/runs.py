"""The run ledger: one claim per (kind, key, due time), shared by every Newsdesk process.

A run is claimed by inserting its row; the unique constraint makes the claim atomic across
processes and databases. The owner ("host:pid") and a heartbeat let a restarted process
take over a run whose owner died mid-post, by a compare-and-set on the owner column.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, update

from bot.store import sql as db
from bot.store.tables import runs

RUNNING = "running"
RUN_COLUMNS = ("kind", "key", "due_at", "status", "started_at", "finished_at", "posted", "error")


class RunLog:
    """Methods of `Store` about runs; expects `engine` and `_writer` on the instance."""

    engine: Engine
    _writer: Engine

    def claim_run(
        self, kind: str, key: str, due_at: datetime, now: datetime, *, owner: str = ""
    ) -> int | None:
        """Claim one scheduled run; None when any process claimed (kind, key, due_at) before."""
        row = dict(kind=kind, key=key, due_at=due_at, status=RUNNING, started_at=now, posted=0)
        row.update(owner=owner, heartbeat=now)
        with self._writer.begin() as conn:
            result = db.try_insert(conn, runs, row)
        return None if result is None else int(result.inserted_primary_key[0])

    def record_failed_run(
        self, kind: str, key: str, due_at: datetime, now: datetime, error: str | None
    ) -> None:
        """Record a run that could not start, so `status` shows it (unless it exists)."""
        row = dict(kind=kind, key=key, due_at=due_at, status="failed", started_at=now)
        row.update(finished_at=now, posted=0, error=error, owner="", heartbeat=now)
        with self._writer.begin() as conn:
            db.try_insert(conn, runs, row)

    def unfinished_run(self, kind: str, key: str) -> dict[str, Any] | None:
        """The run in progress for (kind, key), if any: id, due_at, owner, heartbeat."""
        where = (runs.c.kind == kind) & (runs.c.key == key) & (runs.c.status == RUNNING)
        stmt = select(runs.c.id, runs.c.due_at, runs.c.owner, runs.c.heartbeat).where(where)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return dict(row._mapping) if row else None

    def take_over_run(self, run_id: int, old_owner: str, owner: str, now: datetime) -> bool:
        """Become the owner of an unfinished run, unless someone else did first."""
        stmt = update(runs).where(
            (runs.c.id == run_id) & (runs.c.owner == old_owner) & (runs.c.status == RUNNING)
        )
        with self._writer.begin() as conn:
            result = conn.execute(stmt.values(owner=owner, heartbeat=now))
        return result.rowcount == 1

    def abandon_run(self, run_id: int, old_owner: str, now: datetime, error: str) -> bool:
        """Close a dead owner's run so the next one can start; False if it moved on."""
        stmt = update(runs).where(
            (runs.c.id == run_id) & (runs.c.owner == old_owner) & (runs.c.status == RUNNING)
        )
        values = dict(status="abandoned", finished_at=now, error=error)
        with self._writer.begin() as conn:
            return conn.execute(stmt.values(**values)).rowcount == 1

    def note_run_error(self, run_id: int, error: str) -> None:
        """Say why a run is stuck, for `status`, without finishing it."""
        with self._writer.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(error=error))

    def beat(self, run_id: int, now: datetime) -> None:
        """Record progress, so the run is not mistaken for an abandoned one."""
        with self._writer.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(heartbeat=now))

    def finish_run(
        self, run_id: int, status: str, now: datetime, *, posted: int = 0, error: str | None = None
    ) -> None:
        values = dict(status=status, finished_at=now, posted=posted, error=error, heartbeat=now)
        with self._writer.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(**values))

    def last_due(self, kind: str, key: str) -> datetime | None:
        """The latest due time ever claimed for (kind, key)."""
        stmt = select(func.max(runs.c.due_at, type_=runs.c.due_at.type)).where(
            (runs.c.kind == kind) & (runs.c.key == key)
        )
        with self.engine.connect() as conn:
            return conn.execute(stmt).scalar()

    def failing_runs(self, *, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """For each schedule whose latest run failed or is stuck: that run (newest first).

        A failure stays visible until a later run of the same schedule succeeds, however many
        other runs happen meanwhile. Runs of the `exclude` kinds are left out.
        """
        latest = select(func.max(runs.c.id)).where(runs.c.kind.not_in(exclude))
        latest = latest.group_by(runs.c.kind, runs.c.key)
        stuck = (runs.c.status == RUNNING) & runs.c.error.is_not(None)
        stmt = select(*(runs.c[c] for c in RUN_COLUMNS)).where(
            runs.c.id.in_(latest.scalar_subquery()) & ((runs.c.status == "failed") | stuck)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.order_by(runs.c.id.desc())).all()
        return [dict(r._mapping) for r in rows]

    def recent_runs(
        self, limit: int = 10, *, exclude: tuple[str, ...] = ()
    ) -> list[dict[str, Any]]:
        """Newest first: kind, key, due_at, status, started_at, finished_at, posted, error."""
        stmt = select(*(runs.c[c] for c in RUN_COLUMNS)).where(runs.c.kind.not_in(exclude))
        stmt = stmt.order_by(runs.c.started_at.desc(), runs.c.id.desc())
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt.limit(limit))]
