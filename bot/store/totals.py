"""Item totals (`item_totals`): how many items are present and pickable, kept, not counted.

Every write to `items` moves the one totals row by the difference it made, in the
writer's transaction: `moved` counts the written items' state before and after by primary
key (feeds, suggestions); a content scan, which reads those items anyway, computes the
difference itself and calls `shift` (bot.store.ingest). The totals stay exact whatever
the write did (a new item, a changed one, one that left the pool), and reading them costs
one row however large the library.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import Connection

from bot.store import sql as db
from bot.store.tables import PRESENT, item_totals, items

T = TypeVar("T")
ROW_ID = 1
_PICKABLE = sa.and_(PRESENT, items.c.source_published == sa.false())


def tally(conn: Connection, ids: Sequence[str]) -> tuple[int, int]:
    """(present, pickable) among the items `ids` as stored now."""
    present = pickable = 0
    counts = (
        sa.func.count(sa.case((PRESENT, 1))),
        sa.func.count(sa.case((_PICKABLE, 1))),
    )
    for chunk in db.chunks(list(dict.fromkeys(ids))):
        row = conn.execute(sa.select(*counts).where(items.c.id.in_(chunk))).one()
        present, pickable = present + row[0], pickable + row[1]
    return present, pickable


def moved(conn: Connection, ids: Sequence[str], write: Callable[[], T]) -> T:
    """Run `write` (which changes only the items `ids`) and move the totals with it."""
    before = tally(conn, ids)
    result = write()
    after = tally(conn, ids)
    shift(conn, after[0] - before[0], after[1] - before[1])
    return result


def shift(conn: Connection, present: int, pickable: int) -> None:
    """Move the totals by (present, pickable) items, in the caller's transaction."""
    if present or pickable:
        stmt = sa.update(item_totals).where(item_totals.c.id == ROW_ID)
        conn.execute(
            stmt.values(
                present=item_totals.c.present + present,
                pickable=item_totals.c.pickable + pickable,
            )
        )


def totals_columns() -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    """(present, pickable) as scalar subqueries of the totals row, for Store.counts()."""
    row = item_totals.c.id == ROW_ID
    return (
        sa.select(item_totals.c.present).where(row).scalar_subquery(),
        sa.select(item_totals.c.pickable).where(row).scalar_subquery(),
    )
