"""The store's queries (bot/store/queries.py: taken keys, approved candidates, topic
counts, status counts) give what the plain EXISTS and full-scan queries they replaced give,
on random histories, on every supported database."""

from __future__ import annotations

import random
from itertools import islice

import pytest
import sqlalchemy as sa
from factories import SCAN_TIME as NOW
from factories import ids, make_record, scan

from bot.content.article import APPROVED, REJECTED, BadFile
from bot.store.store import Store


def _random_history(store: Store, rng: random.Random) -> None:
    """Random items (some gone) with random publications, review posts and decisions."""
    records = [
        make_record(
            f"h{n:03d}",
            url=f"https://s{rng.randrange(40)}.example/{rng.randrange(60)}",
            title=rng.choice(["Same story", "Same, story!", "!!!", f"Story {n}"]),
            quality=rng.randrange(40, 100),
            published=rng.random() < 0.1,
        )
        for n in range(200)
    ]
    scan(store, records)
    scan(store, removed=[r.path for r in rng.sample(records, 20)])
    for rec in records:
        item, roll = rec.article.id, rng.random()
        channels = [c for c in ("C1", "C2") if rng.random() < 0.2]
        for k, channel in enumerate(channels):
            store.record_publications([item], channel, f"{k}.1", None, NOW)
        if roll < 0.2:
            store.reviews.mark_sent_for_review(item, "CREV", "3.3", NOW)
        if roll < 0.3:
            store.reviews.decide(item, rng.choice([APPROVED, REJECTED]), "U1", NOW)


def _exists_for(table: sa.Table, *where) -> sa.Exists:
    items = table.metadata.tables["items"]
    return sa.exists().where(table.c.item_id == items.c.id, *where)


def _taken_keys_by_exists(store: Store, channel: str | None) -> tuple[set[str], set[str]]:
    """taken_keys as first written, with EXISTS on every item: the reference."""
    from bot.store.tables import items, publications, review_posts

    stmt = sa.select(items.c.canonical_url, items.c.title_key)
    if channel is not None:
        stmt = stmt.where(_exists_for(publications, publications.c.channel == channel))
    else:
        stmt = stmt.where(_exists_for(publications) | _exists_for(review_posts))
    with store.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return {r[0] for r in rows} - {""}, {r[1] for r in rows} - {""}


def _approved_by_exists(store: Store, channel: str | None) -> list[str]:
    """candidates(approved_only=True) as first written, with EXISTS: the reference."""
    from bot.store.queries import candidate_query
    from bot.store.tables import decisions

    stmt = candidate_query(channel, 50, False, False)
    stmt = stmt.where(_exists_for(decisions, decisions.c.decision == APPROVED))
    with store.engine.connect() as conn:
        return [row.id for row in conn.execute(stmt)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_taken_keys_and_approved_match_the_exists_queries(store: Store, seed: int) -> None:
    _random_history(store, random.Random(seed))

    for channel in ("C1", "C2", "C3", None):
        assert store.taken_keys(channel) == _taken_keys_by_exists(store, channel)
        approved = store.candidates(channel=channel, quality_min=50, approved_only=True)
        assert ids(approved) == _approved_by_exists(store, channel)
    assert store.taken_keys("C1")[1]  # the data exercise what is compared
    assert _approved_by_exists(store, "C1")


def _topics_by_scan(store: Store) -> list[tuple[str, int]]:
    """topics() as first written, reading every present item: the reference."""
    import json
    from collections import Counter

    from bot.store.tables import PRESENT, items

    counter: Counter[str] = Counter()
    with store.engine.connect() as conn:
        for raw in conn.scalars(sa.select(items.c.topics).where(PRESENT)):
            counter.update(set(json.loads(raw)))
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def _counts_by_exists(store: Store) -> dict[str, int]:
    """counts() as first written, with EXISTS tests on every item: the reference."""
    from bot.store.tables import PRESENT, bad_files, decisions, items, publications, review_posts

    def count(table: sa.Table, *where) -> sa.ScalarSelect:
        return sa.select(sa.func.count()).select_from(table).where(*where).scalar_subquery()

    unpublished = ~_exists_for(publications)
    pickable = (items.c.source_published == sa.false()) & unpublished
    approved = _exists_for(decisions, decisions.c.decision == APPROVED)
    rejected = _exists_for(decisions, decisions.c.decision == REJECTED)
    queries = {
        "items": count(items, PRESENT),
        "unpublished": count(items, PRESENT, pickable, ~rejected),
        "published": sa.select(sa.func.count(publications.c.item_id.distinct())).scalar_subquery(),
        "pending_review": count(items, PRESENT, _exists_for(review_posts), ~_exists_for(decisions)),
        "approved_unpublished": count(items, PRESENT, pickable, approved),
        "rejected": count(decisions, decisions.c.decision == REJECTED),
        "bad_files": count(bad_files),
    }
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(*(q.label(n) for n, q in queries.items()))).one()
    return dict(row._mapping)


def _random_topic_scans(store: Store, rng: random.Random) -> None:
    """Scans that add, change, move, remove, turn bad and duplicate items with random topics."""
    names = ["AI", "ai", "Chips", "Cloud", "Ünïcode", "Zeta", "a b", "Quantum"]
    for step in range(6):
        records = [
            make_record(
                f"t{rng.randrange(60):02d}",
                topics=tuple(rng.sample(names, rng.randrange(4))) + rng.choice([(), ("AI",)]),
            )
            for _ in range(rng.randrange(5, 25))
        ]
        moved = [make_record(r.article.id, path=f"moved{step}/{r.path}") for r in records[:2]]
        present = store.file_index()
        gone = rng.sample(sorted(present), min(len(present), rng.randrange(6)))
        bad = [BadFile(p, "no title") for p in gone[:2]]
        scan(store, records + moved, bad=bad, removed=gone[2:])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_topics_and_counts_match_the_full_scans(store: Store, seed: int) -> None:
    rng = random.Random(seed)
    _random_history(store, rng)
    _random_topic_scans(store, rng)
    scan(store, bad=[BadFile(f"bad{n}.md", "no title") for n in range(rng.randrange(1, 5))])
    unsent = store.candidates(channel=None, quality_min=0, not_sent_for_review=True)
    for item in ids(islice(unsent, 5)):
        store.reviews.mark_sent_for_review(item, "CREV", "4.4", NOW)  # some stay undecided

    assert store.topics() == _topics_by_scan(store)
    assert store.counts() == _counts_by_exists(store)
    assert store.topics() and all(store.counts().values())  # the data exercise what is compared
