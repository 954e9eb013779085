"""Readers' signals in SQL: Read clicks, Useful votes and reactions (SPEC §9).

A signal is one row per (item, user, kind, reaction); the primary key makes a user count
once per item per signal, so a retried event or a double click changes nothing. Every write
is a single statement on that key (or two in one transaction for a toggle), fast enough to
follow the ack. The reads return plain rows: `bot.publishing.affinity` and
`bot.publishing.stats` turn them into rankings and reports.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from bot.store import sql as db
from bot.store.tables import USEFUL, items, publications, runs, signals

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Signal:
    item_id: str
    user_id: str
    kind: str  # READ, USEFUL or REACTION
    channel: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Impression:
    """One item posted in one channel (a digest's or a share's publication)."""

    item_id: str
    channel: str
    run_id: int | None  # None for a share
    at: datetime


@dataclass(frozen=True, slots=True)
class ItemKeys:
    provider: str  # the provider key (domain), as ranking uses it
    topics: tuple[str, ...]


class SignalLog:
    """Readers' signals and what they are counted against: `store.signals`."""

    def __init__(self, engine: Engine, writer: Engine) -> None:
        self.engine = engine
        self._writer = writer

    def add_signal(
        self,
        item_id: str,
        user_id: str,
        kind: str,
        now: datetime,
        *,
        channel: str = "",
        reaction: str = "",
    ) -> bool:
        """Record a signal; False when it was there already or the item is unknown."""
        row = dict(item_id=item_id, user_id=user_id, kind=kind, reaction=reaction)
        row.update(channel=channel, at=now)
        try:
            with self._writer.begin() as conn:
                return db.insert_ignore(conn, signals, row, list(_KEY))
        except IntegrityError:  # the foreign key: no such item
            log.info("signal %s on unknown item %r ignored", kind, item_id)
            return False

    def add_signals(self, rows: list[dict[str, Any]]) -> None:
        """Record many signals (dicts of add_signal's arguments) in one transaction.

        The batch is how Read clicks under load are written; a batch that names an unknown
        item is written row by row instead, so only that row is lost. Each row: item_id,
        user_id, kind, at and optionally channel and reaction.
        """
        rows = [{"channel": "", "reaction": "", **row} for row in rows]
        if not rows:
            return
        try:
            with self._writer.begin() as conn:
                stmt = db.dialect_insert(conn, signals)
                conn.execute(stmt.on_conflict_do_nothing(index_elements=list(_KEY)), rows)
        except IntegrityError:
            for r in rows:
                self.add_signal(
                    r["item_id"],
                    r["user_id"],
                    r["kind"],
                    r["at"],
                    channel=r["channel"],
                    reaction=r["reaction"],
                )

    def remove_signal(self, item_id: str, user_id: str, kind: str, reaction: str = "") -> bool:
        """Take a signal back; False when there was none."""
        with self._writer.begin() as conn:
            return (
                conn.execute(
                    sa.delete(signals).where(*_key(item_id, user_id, kind, reaction))
                ).rowcount
                > 0
            )

    def toggle_useful(
        self, item_id: str, user_id: str, now: datetime, channel: str = ""
    ) -> bool | None:
        """Vote Useful, or take the vote back if it stands: True when the vote now stands.

        None for an unknown item. One transaction, so two clicks at once toggle twice.
        """
        row = dict(item_id=item_id, user_id=user_id, kind=USEFUL, reaction="", channel=channel)
        try:
            with self._writer.begin() as conn:
                if db.insert_ignore(conn, signals, {**row, "at": now}, list(_KEY)):
                    return True
                conn.execute(sa.delete(signals).where(*_key(item_id, user_id, USEFUL, "")))
                return False
        except IntegrityError:
            return None

    def item_posted_at(self, channel: str, ts: str) -> str | None:
        """The item of a single-article post (a share) at (channel, ts); None for others."""
        where = (publications.c.channel == channel) & (publications.c.ts == ts)
        stmt = select(publications.c.item_id, publications.c.run_id).where(where).limit(2)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        if len(rows) != 1 or rows[0].run_id is not None:
            return None  # nothing of ours, or a digest (several items, so no one to credit)
        return str(rows[0].item_id)

    def signals_since(self, since: datetime) -> list[Signal]:
        """Signals recorded at or after `since`, a reaction counted once per item and user."""
        cols = (signals.c.item_id, signals.c.user_id, signals.c.kind)
        first = sa.func.min(signals.c.at, type_=signals.c.at.type).label("at")
        stmt = select(*cols, sa.func.min(signals.c.channel).label("channel"), first)
        stmt = stmt.where(signals.c.at >= since).group_by(*cols)
        with self.engine.connect() as conn:
            return [
                Signal(r.item_id, r.user_id, r.kind, r.channel, r.at) for r in conn.execute(stmt)
            ]

    def impressions_since(self, since: datetime) -> list[Impression]:
        """Publications at or after `since`: each is one item shown in one channel."""
        p = publications.c
        stmt = select(p.item_id, p.channel, p.run_id, p.published_at).where(p.published_at >= since)
        with self.engine.connect() as conn:
            return [Impression(*row) for row in conn.execute(stmt)]

    def item_keys(self, ids: Iterable[str]) -> dict[str, ItemKeys]:
        """Provider key and topics of each known item of `ids`."""
        found: dict[str, ItemKeys] = {}
        stmt = select(items.c.id, items.c.provider, items.c.topics)
        with self.engine.connect() as conn:
            for chunk in db.chunks(sorted(set(ids))):
                for row in conn.execute(stmt.where(items.c.id.in_(chunk))):
                    found[row.id] = ItemKeys(row.provider, tuple(json.loads(row.topics)))
        return found

    def runs_since(self, kind: str, since: datetime) -> list[dict[str, Any]]:
        """Runs of `kind` that posted something since `since`: id, channel, due_at, posted."""
        r = runs.c
        stmt = select(r.id, r.key.label("channel"), r.due_at, r.posted)
        stmt = stmt.where(r.kind == kind, r.started_at >= since, r.posted > 0)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(stmt.order_by(r.due_at, r.id))]


_KEY = ("item_id", "user_id", "kind", "reaction")


def _key(item_id: str, user_id: str, kind: str, reaction: str) -> list[Any]:
    c = signals.c
    return [c.item_id == item_id, c.user_id == user_id, c.kind == kind, c.reaction == reaction]
