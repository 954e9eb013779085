"""The run ledger: one claim per (kind, key, due time), shared by every Newsdesk process.

A run is claimed by inserting its row; the unique constraint makes the claim atomic across
processes and databases. Each ledger has an owner id, unique per process start (host and
pid are only there for people reading `status`: two containers may share both). The owner
keeps a heartbeat lease on its runs; a run is taken over by a compare-and-set on the owner
column, and only the owner can beat or finish it, so a process that lost its lease learns so
at its next write instead of posting on.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, update

from bot.store import sql as db
from bot.store.tables import runs

RUNNING = "running"
RUN_COLUMNS = ("kind", "key", "due_at", "status", "started_at", "finished_at", "posted", "error")


def new_owner_id() -> str:
    """A fresh owner id: readable host and pid, made unique by a random token."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"


class RunLedger:
    """The `runs` table, seen by one owner (a process, or a test's stand-in for one)."""

    def __init__(self, engine: Engine, writer: Engine, owner: str) -> None:
        self._engine, self._writer, self.owner = engine, writer, owner

    def _mine(self, run_id: int) -> Any:
        return (runs.c.id == run_id) & (runs.c.owner == self.owner) & (runs.c.status == RUNNING)

    def claim(self, kind: str, key: str, due_at: datetime, now: datetime) -> int | None:
        """Claim one scheduled run; None when any process claimed (kind, key, due_at) before."""
        row = dict(kind=kind, key=key, due_at=due_at, status=RUNNING, started_at=now, posted=0)
        row.update(owner=self.owner, heartbeat=now)
        with self._writer.begin() as conn:
            result = db.try_insert(conn, runs, row)
        return None if result is None else int(result.inserted_primary_key[0])

    def record_failed(
        self, kind: str, key: str, due_at: datetime, now: datetime, error: str | None
    ) -> None:
        """Record a run that could not start, so `status` shows it (unless it exists)."""
        row = dict(kind=kind, key=key, due_at=due_at, status="failed", started_at=now)
        row.update(finished_at=now, posted=0, error=error, owner=self.owner, heartbeat=now)
        with self._writer.begin() as conn:
            db.try_insert(conn, runs, row)

    def unfinished(self, kind: str, key: str) -> dict[str, Any] | None:
        """The run in progress for (kind, key), if any: id, due_at, owner, heartbeat."""
        where = (runs.c.kind == kind) & (runs.c.key == key) & (runs.c.status == RUNNING)
        stmt = select(runs.c.id, runs.c.due_at, runs.c.owner, runs.c.heartbeat).where(where)
        with self._engine.connect() as conn:
            row = conn.execute(stmt).first()
        return dict(row._mapping) if row else None

    def hand_over(
        self, run_id: int, old_owner: str, new_owner: str, heartbeat: datetime | None
    ) -> bool:
        """Move an unfinished run from `old_owner` to `new_owner`, unless it moved already."""
        stmt = update(runs).where(
            (runs.c.id == run_id) & (runs.c.owner == old_owner) & (runs.c.status == RUNNING)
        )
        with self._writer.begin() as conn:
            result = conn.execute(stmt.values(owner=new_owner, heartbeat=heartbeat))
        return result.rowcount == 1

    def take_over(self, run_id: int, old_owner: str, now: datetime) -> bool:
        """Become the owner of an unfinished run, unless someone else did first."""
        return self.hand_over(run_id, old_owner, self.owner, now)

    def abandon(self, run_id: int, old_owner: str, now: datetime, error: str) -> bool:
        """Close an expired owner's run so the next one can start; False if it moved on."""
        stmt = update(runs).where(
            (runs.c.id == run_id) & (runs.c.owner == old_owner) & (runs.c.status == RUNNING)
        )
        values = dict(status="abandoned", finished_at=now, error=error)
        with self._writer.begin() as conn:
            return conn.execute(stmt.values(**values)).rowcount == 1

    def note_error(self, run_id: int, error: str) -> None:
        """Say why a run is stuck, for `status`, without finishing it."""
        with self._writer.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(error=error))

    def beat(self, run_id: int, now: datetime) -> bool:
        """Renew the lease on our run; False when it is no longer ours (taken over, or over)."""
        with self._writer.begin() as conn:
            result = conn.execute(update(runs).where(self._mine(run_id)).values(heartbeat=now))
        return result.rowcount == 1

    def finish(
        self, run_id: int, status: str, now: datetime, *, posted: int = 0, error: str | None = None
    ) -> bool:
        """Close our run; False when it was not ours to close any more."""
        values = dict(status=status, finished_at=now, posted=posted, error=error, heartbeat=now)
        with self._writer.begin() as conn:
            result = conn.execute(update(runs).where(self._mine(run_id)).values(**values))
        return result.rowcount == 1

    def failed_since_success(self, kind: str, key: str, before: int, limit: int = 5) -> list[int]:
        """Ids of the latest failed runs of (kind, key) before run `before`, back to the last
        one that worked: whatever they posted without knowing is still to be recorded."""
        same = (runs.c.kind == kind) & (runs.c.key == key) & (runs.c.id < before)
        good = select(func.max(runs.c.id)).where(same & runs.c.status.in_(("done", "empty")))
        since = runs.c.id > func.coalesce(good.scalar_subquery(), 0)
        stmt = select(runs.c.id).where(same & (runs.c.status == "failed") & since)
        with self._engine.connect() as conn:
            return list(conn.scalars(stmt.order_by(runs.c.id.desc()).limit(limit)))

    def last_due(self, kind: str, key: str) -> datetime | None:
        """The latest due time ever claimed for (kind, key)."""
        stmt = select(func.max(runs.c.due_at, type_=runs.c.due_at.type)).where(
            (runs.c.kind == kind) & (runs.c.key == key)
        )
        with self._engine.connect() as conn:
            return conn.execute(stmt).scalar()

    def failing(self, *, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
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
        with self._engine.connect() as conn:
            rows = conn.execute(stmt.order_by(runs.c.id.desc())).all()
        return [dict(r._mapping) for r in rows]

    def recent(self, limit: int = 10, *, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Newest first: kind, key, due_at, status, started_at, finished_at, posted, error."""
        stmt = select(*(runs.c[c] for c in RUN_COLUMNS)).where(runs.c.kind.not_in(exclude))
        stmt = stmt.order_by(runs.c.started_at.desc(), runs.c.id.desc())
        with self._engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt.limit(limit))]
