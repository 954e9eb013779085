"""Store behaviour on every supported database (see conftest: SQLite file and PostgreSQL).

Review posts and decisions (`store.reviews`) are in test_reviews.py; the optimised queries
checked against the plain ones they replaced are in test_queries.py.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest
import sqlalchemy as sa
from factories import SCAN_TIME as NOW
from factories import ids, make_record, run_together, scan
from sqlalchemy.exc import IntegrityError

from bot.content.article import APPROVED, REJECTED, BadFile, Provider
from bot.content.select import candidate_of, rank
from bot.secret import Secret
from bot.store.store import Store

TOKEN = "rR2St914goeYAIvzGXF3xdR85t5UR0UgVjGJ7Snj==;QXFjPDPgo96UGEx"


# ---------------------------------------------------------------- scanning


def test_new_records_are_stored_and_indexed(store: Store) -> None:
    scan(store, [make_record("a", mtime_ns=11, size=5), make_record("b", path="sub/b.txt")])

    assert store.file_index() == {"a.md": (11, 5), "sub/b.txt": (1_700_000_000_000_000_000, 100)}
    assert store.article("a").title == "Article a"
    assert store.article("missing") is None
    assert store.counts()["items"] == 2


def test_changed_record_replaces_the_stored_one(store: Store) -> None:
    scan(store, [make_record("a", title="Old", quality=40, mtime_ns=1)])
    scan(store, [make_record("a", title="New", quality=90, mtime_ns=2)])

    assert store.article("a").title == "New"
    assert store.file_index() == {"a.md": (2, 100)}
    assert ids(store.candidates(channel=None, quality_min=80)) == ["a"]


def test_article_round_trips_every_field(store: Store) -> None:
    when = datetime(2021, 4, 19, 17, 47, tzinfo=UTC)
    rec = make_record(
        "seed",
        title="China’s Exascale",
        published_at=when,
        provider=Provider("The Next Platform", "nextplatform.com"),
        topics=("AI Hardware", "AI"),
        alt_urls=("https://www.nextplatform.com/x/amp/",),
        extra={"isCached": True, "seen": datetime(2021, 1, 1, tzinfo=UTC)},
    )
    scan(store, [rec])

    stored = store.article("seed")
    assert stored == rec.article
    assert stored.published_at == when
    assert stored.extra == {"isCached": True, "seen": "2021-01-01T00:00:00+00:00"}


def test_removed_file_leaves_the_index_and_the_picks(store: Store) -> None:
    scan(store, [make_record("a"), make_record("b")])
    scan(store, removed=["a.md"])

    assert store.file_index() == {"b.md": (1_700_000_000_000_000_000, 100)}
    assert ids(store.candidates(channel=None, quality_min=0)) == ["b"]
    assert store.search("article", 10) == [store.article("b")]
    assert store.article("a") is not None  # history (publications, decisions) still needs it
    assert store.counts()["items"] == 1


def test_moved_file_keeps_its_item(store: Store) -> None:
    scan(store, [make_record("a", path="old/a.md")])
    scan(store, [make_record("a", path="new/a.md")], removed=["old/a.md"])

    assert set(store.file_index()) == {"new/a.md"}
    assert ids(store.candidates(channel=None, quality_min=0)) == ["a"]


def test_bad_file_lifecycle(store: Store) -> None:
    scan(store, [make_record("good")], bad=[BadFile("broken.md", "YAML error at 3:1", 7, 9)])
    assert store.bad_files() == [BadFile("broken.md", "YAML error at 3:1", 7, 9)]
    assert store.file_index()["broken.md"] == (7, 9)
    assert store.counts()["bad_files"] == 1

    # The broken file is fixed: it parses, and its bad row goes.
    scan(store, [make_record("broken", path="broken.md", mtime_ns=8)])
    assert store.bad_files() == []
    assert store.file_index()["broken.md"] == (8, 100)

    # A good file turns bad: its item is no longer offered, the file is reported.
    scan(store, bad=[BadFile("good.md", "missing title", 9, 1)])
    assert ids(store.candidates(channel=None, quality_min=0)) == ["broken"]
    assert store.file_index()["good.md"] == (9, 1)
    assert [b.path for b in store.bad_files()] == ["good.md"]

    # The bad file is deleted: nothing is left of it.
    scan(store, removed=["good.md"])
    assert store.bad_files() == []
    assert "good.md" not in store.file_index()


def test_duplicate_id_is_reported_and_retried_when_the_first_copy_goes(store: Store) -> None:
    scan(store, [make_record("x", path="a/x.md", title="First")])
    scan(store, [make_record("x", path="b/x.md", title="Second", mtime_ns=5, size=6)])

    assert store.bad_files() == [BadFile("b/x.md", "duplicate id 'x', also at a/x.md", 5, 6)]
    assert store.article("x").title == "First"
    assert store.file_index()["b/x.md"] == (5, 6)  # not re-read while unchanged

    scan(store, removed=["a/x.md"])
    assert store.bad_files() == []
    assert "b/x.md" not in store.file_index()  # so the next scan reads it again
    scan(store, [make_record("x", path="b/x.md", title="Second")])
    assert store.article("x").title == "Second"


def test_duplicate_ids_within_one_scan_keep_the_first(store: Store) -> None:
    scan(store, [make_record("x", path="a/x.md"), make_record("x", path="b/x.txt")])

    assert store.file_index().keys() == {"a/x.md", "b/x.txt"}
    assert [str(b) for b in store.bad_files()] == ["b/x.txt: duplicate id 'x', also at a/x.md"]


def test_twenty_thousand_records_store_quickly_and_stream_lazily(store: Store) -> None:
    records = [
        make_record(f"item{i:05d}", quality=i % 101, heat=i % 37, topics=("AI",), secured=TOKEN)
        for i in range(20_000)
    ]
    started = time.perf_counter()
    scan(store, records)
    stored_in = time.perf_counter() - started

    started = time.perf_counter()
    top = list(islice(store.candidates(channel="C1", quality_min=50), 10))
    picked_in = time.perf_counter() - started

    assert store.counts()["items"] == 20_000
    assert [c.quality for c in top] == [100] * 10
    assert stored_in < 4.0, f"storing 20,000 records took {stored_in:.2f}s"
    assert picked_in < 0.5, f"the first 10 candidates took {picked_in:.3f}s"


# ---------------------------------------------------------------- the secured token


def test_secured_is_kept_apart_and_never_logged(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    scan(store, [make_record("a", secured=TOKEN), make_record("b")])

    assert store.secured("a") == Secret(TOKEN)
    assert store.secured("a").reveal() == TOKEN
    assert store.secured("b") is None
    assert store.secured("missing") is None
    with store.engine.connect() as conn:
        data = conn.execute(sa.text("SELECT data FROM items WHERE id = 'a'")).scalar_one()
    assert TOKEN not in data
    assert TOKEN not in repr(store.article("a")) + repr(store.articles(["a"]))
    assert TOKEN not in caplog.text


def test_database_errors_do_not_echo_the_secured_value(store: Store) -> None:
    scan(store, [make_record("a", secured=TOKEN)])
    raw = sa.text(
        "INSERT INTO items (id, path, mtime_ns, size, present, data, secured, quality, heat,"
        " published_ts, source_published, provider, topics, canonical_url, title_key,"
        " search_text, first_seen, updated_at) VALUES ('a', 'z.md', 0, 0, true, '{}', :s,"
        " 0, 0, 0, false, '', '[]', '', '', '', :t, :t)"
    )
    with pytest.raises(IntegrityError) as caught, store.engine.begin() as conn:
        conn.execute(raw, {"s": TOKEN, "t": NOW})
    assert TOKEN not in str(caught.value)


# ---------------------------------------------------------------- publications


def test_an_item_is_published_once_per_channel(store: Store) -> None:
    scan(store, [make_record("a"), make_record("b")])
    run_id = store.runs.claim("digest", "C1", NOW, NOW)

    assert store.record_publications(["a", "b"], "C1", "111.1", run_id, NOW) == ["a", "b"]
    assert store.record_publications(["b", "a"], "C1", "222.2", None, NOW) == []
    assert store.record_publications(["a"], "C2", "333.3", None, NOW) == ["a"]
    assert store.is_published("a", "C1") and store.is_published("a", "C2")
    assert not store.is_published("b", "C2")
    assert ids(store.candidates(channel="C2", quality_min=0)) == ["b"]
    assert ids(store.candidates(channel=None, quality_min=0)) == []


def test_the_database_itself_refuses_a_second_publication(store: Store) -> None:
    scan(store, [make_record("a")])
    store.record_publications(["a"], "C1", "111.1", None, NOW)
    raw = sa.text(
        "INSERT INTO publications (item_id, channel, ts, published_at) VALUES ('a', 'C1', 'x', :t)"
    )
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(raw, {"t": NOW})
    assert store.latest_published(10)[0][2] == "111.1"


def test_latest_published_newest_first_with_edits(store: Store) -> None:
    scan(store, [make_record("a"), make_record("b")])
    store.reviews.decide("b", APPROVED, "U1", NOW, title="Edited b")
    store.record_publications(["a"], "C1", "1.1", None, NOW)
    later = NOW + timedelta(hours=1)
    store.record_publications(["b"], "C2", "2.2", None, later)

    latest = store.latest_published(10)
    assert [(a.id, a.title, ch, ts, when) for a, ch, ts, when in latest] == [
        ("b", "Edited b", "C2", "2.2", later),
        ("a", "Article a", "C1", "1.1", NOW),
    ]
    assert latest[0][3].tzinfo is not None
    assert len(store.latest_published(1)) == 1


# ---------------------------------------------------------------- selection


def _random_records(rng: random.Random, count: int) -> list:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    dates = [None, base, base + timedelta(days=1), base + timedelta(seconds=1)]
    return [
        make_record(
            f"r{rng.randrange(10**6):06d}-{n}",
            quality=rng.choice([50, 60, 60, 70]),
            heat=rng.choice([0, 5, 5, 9]),
            published_at=rng.choice(dates),
            provider=Provider(f"P{n % 3}", f"p{n % 3}.example"),
            topics=tuple(rng.sample(["AI", "Chips", "Cloud"], rng.randrange(3))),
            title=f"Story {n % 40}",
        )
        for n in range(count)
    ]


def test_candidates_come_in_rank_order(store: Store) -> None:
    records = _random_records(random.Random(7), 300)
    scan(store, records)

    expected = rank(candidate_of(r.article) for r in records)
    assert list(store.candidates(channel=None, quality_min=0)) == expected


def test_candidate_filters(store: Store) -> None:
    scan(
        store,
        [
            make_record("low", quality=40),
            make_record("sourced", quality=90, published=True),
            make_record("rejected", quality=90),
            make_record("approved", quality=80),
            make_record("sent", quality=70),
            make_record("in_c1", quality=60),
            make_record("gone", quality=99),
        ],
    )
    scan(store, removed=["gone.md"])
    store.reviews.decide("rejected", REJECTED, "U1", NOW)
    store.reviews.decide("approved", APPROVED, "U1", NOW)
    store.reviews.mark_sent_for_review("sent", "CREV", "1.1", NOW)
    store.record_publications(["in_c1"], "C1", "1.1", None, NOW)

    def pick(**kw) -> list[str]:
        return ids(store.candidates(**{"channel": None, "quality_min": 50, **kw}))

    assert pick() == ["approved", "sent"]
    assert pick(channel="C2") == ["approved", "sent", "in_c1"]
    assert pick(channel="C1") == ["approved", "sent"]
    assert pick(channel="C2", quality_min=0) == ["approved", "sent", "in_c1", "low"]
    assert pick(channel="C2", approved_only=True) == ["approved"]
    assert pick(channel="C2", not_sent_for_review=True) == ["approved", "in_c1"]


def test_taken_keys(store: Store) -> None:
    scan(
        store,
        [
            make_record("pub", url="https://www.site.com/a/?utm_source=x", title="Hello, World"),
            make_record("queued", url="https://other.org/b", title="Queued one"),
            make_record("free", url="https://free.org/c", title="Free"),
        ],
    )
    store.record_publications(["pub"], "C1", "1.1", None, NOW)
    store.reviews.mark_sent_for_review("queued", "CREV", "2.2", NOW)

    assert store.taken_keys("C1") == ({"site.com/a"}, {"hello world"})
    assert store.taken_keys("C2") == (set(), set())
    assert store.taken_keys(None) == ({"site.com/a", "other.org/b"}, {"hello world", "queued one"})


# ---------------------------------------------------------------- search, topics, counts


def test_search_needs_every_word_in_any_field(store: Store) -> None:
    scan(
        store,
        [
            make_record("a", title="Exascale computers", quality=60, topics=("AI Hardware",)),
            make_record("b", title="Quantum", excerpt="An EXASCALE rival", quality=90),
            make_record("c", title="Cooking", provider=Provider("Exascale Weekly", "ew.com")),
            make_record("d", title="100% off_sale"),
            make_record("gone", title="Exascale gone"),
        ],
    )
    scan(store, removed=["gone.md"])

    assert [a.id for a in store.search("exascale", 10)] == ["b", "a", "c"]
    assert [a.id for a in store.search("Exascale  hardware", 10)] == ["a"]
    assert [a.id for a in store.search("exascale", 1)] == ["b"]
    assert [a.id for a in store.search("100%", 10)] == ["d"]
    assert store.search("10_%", 10) == []  # wildcards are taken literally
    assert store.search("nothing-like-this", 10) == []


def test_topics_counts_present_items(store: Store) -> None:
    scan(
        store,
        [
            make_record("a", topics=("AI", "Chips")),
            make_record("b", topics=("AI",)),
            make_record("c", topics=("Cloud",)),
            make_record("d", topics=("Chips",)),
            make_record("gone", topics=("Cloud", "Cloud")),
        ],
    )
    scan(store, removed=["gone.md"])

    assert store.topics() == [("AI", 2), ("Chips", 2), ("Cloud", 1)]


def test_counts(store: Store) -> None:
    scan(
        store,
        [make_record(n) for n in ("new", "pending", "approved", "rejected", "done")]
        + [make_record("sourced", published=True)],
        bad=[BadFile("bad.md", "no title")],
    )
    for item in ("pending", "approved", "rejected", "done"):
        store.reviews.mark_sent_for_review(item, "CREV", item, NOW)
    store.reviews.decide("approved", APPROVED, "U1", NOW)
    store.reviews.decide("rejected", REJECTED, "U1", NOW)
    store.reviews.decide("done", APPROVED, "U1", NOW)
    store.record_publications(["done"], "C1", "1.1", None, NOW)
    store.record_publications(["done"], "C2", "1.2", None, NOW)

    assert store.counts() == {
        "items": 6,
        "unpublished": 3,  # new, pending, approved
        "published": 1,
        "pending_review": 1,
        "approved_unpublished": 1,
        "rejected": 1,
        "bad_files": 1,
    }


def test_bad_files_limit_and_ping(store: Store) -> None:
    scan(store, bad=[BadFile(f"b{n}.md", "no title") for n in (3, 1, 2)])

    assert [b.path for b in store.bad_files(limit=2)] == ["b1.md", "b2.md"]
    assert store.bad_files(limit=2) == store.bad_files()[:2]
    assert len(store.bad_files()) == 3
    assert store.ping() is None


# ---------------------------------------------------------------- start-up


def test_stores_starting_together_share_one_schema(db_url: str) -> None:
    stores = run_together(*(lambda: Store(db_url) for _ in range(3)))
    try:
        scan(stores[0], [make_record("a")])
        assert [s.article("a").id for s in stores] == ["a", "a", "a"]
    finally:
        for s in stores:
            s.close()
