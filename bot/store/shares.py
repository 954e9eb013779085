"""Shares: one card posted in a channel by hand (`/newsdesk share`, the Share button).

A share is a publication, recorded BEFORE the post: the row (item, channel) is claimed with
an empty ts, so of two clicks at once only one posts; the ts is filled in once Slack took
the message, and the claim is released if Slack refused it, so it can be tried again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, update

from bot.store import sql as db
from bot.store.tables import publications

POSTING = ""  # the ts of a share claimed and not yet posted


class Shares:
    """Claiming, confirming and releasing shares, on the publications table."""

    def __init__(self, writer: Engine) -> None:
        self._writer = writer

    def _row(self, item_id: str, channel: str):
        return (publications.c.item_id == item_id) & (publications.c.channel == channel)

    def claim(self, item_id: str, channel: str, now: datetime) -> bool:
        """Claim the share of the item in the channel; False when it is (being) published there."""
        row = dict(item_id=item_id, channel=channel, ts=POSTING, run_id=None, published_at=now)
        with self._writer.begin() as conn:
            return db.insert_ignore(conn, publications, row, ["item_id", "channel"])

    def posted(self, item_id: str, channel: str, ts: str) -> None:
        """The claimed share is in Slack: record its message."""
        where = self._row(item_id, channel) & (publications.c.ts == POSTING)
        with self._writer.begin() as conn:
            conn.execute(update(publications).where(where).values(ts=ts))

    def release(self, item_id: str, channel: str) -> None:
        """Slack refused the post: give the claim back, so the share can be tried again."""
        where = self._row(item_id, channel) & (publications.c.ts == POSTING)
        with self._writer.begin() as conn:
            conn.execute(delete(publications).where(where))
