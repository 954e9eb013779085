"""Review posts and approvers' decisions (`store.reviews`, bot/store/reviews.py), on every
supported database (see conftest: SQLite file and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

import pytest
from factories import SCAN_TIME as NOW
from factories import ids, make_record, run_together, scan

from bot.content.article import APPROVED, REJECTED
from bot.store.store import Store


def test_review_posts_and_pending_queue(store: Store) -> None:
    scan(store, [make_record("a"), make_record("b"), make_record("c")])
    assert store.reviews.mark_sent_for_review("b", "CREV", "1.1", NOW)
    assert store.reviews.mark_sent_for_review("a", "CREV", "2.2", NOW + timedelta(minutes=1))
    assert store.reviews.mark_sent_for_review("c", "CREV", "3.3", NOW + timedelta(minutes=2))
    assert not store.reviews.mark_sent_for_review("b", "CREV", "9.9", NOW)

    assert store.reviews.review_post("b") == ("CREV", "1.1")
    assert store.reviews.review_post("zzz") is None
    store.reviews.decide("a", REJECTED, "U1", NOW)
    assert [a.id for a in store.reviews.pending_review()] == ["b", "c"]
    assert [a.id for a in store.reviews.pending_review(limit=1)] == ["b"]
    assert ids(store.candidates(channel=None, quality_min=0, not_sent_for_review=True)) == []


def test_decision_is_recorded_once(store: Store) -> None:
    scan(store, [make_record("a")])
    local = timezone(timedelta(hours=2))

    first, made = store.reviews.decide("a", REJECTED, "U1", NOW.astimezone(local))
    again, made_again = store.reviews.decide("a", APPROVED, "U2", NOW + timedelta(minutes=5))

    assert made and not made_again
    assert again == first == store.reviews.decision("a")
    assert first.decision == REJECTED and first.user_id == "U1"
    assert first.decided_at == NOW and first.decided_at.tzinfo == UTC
    assert store.reviews.decision("b") is None


def test_deciding_an_unknown_item_or_verdict_fails(store: Store) -> None:
    scan(store, [make_record("a")])
    with pytest.raises(KeyError):
        store.reviews.decide("nope", APPROVED, "U1", NOW)
    with pytest.raises(ValueError):
        store.reviews.decide("a", "maybe", "U1", NOW)
    assert store.reviews.decision("a") is None


def test_two_editors_deciding_at_once_end_in_one_decision(db_url: str) -> None:
    first, second = Store(db_url), Store(db_url)
    try:
        scan(first, [make_record(f"i{n}") for n in range(5)])
        for n in range(5):
            item = f"i{n}"
            results = run_together(
                lambda s=first, i=item: s.reviews.decide(i, APPROVED, "U1", NOW, title="By U1"),
                lambda s=second, i=item: s.reviews.decide(i, REJECTED, "U2", NOW),
            )
            assert sorted(made for _, made in results) == [False, True]
            assert results[0][0] == results[1][0] == second.reviews.decision(item)
    finally:
        first.close()
        second.close()


def test_edited_approval_changes_what_is_shown(store: Store) -> None:
    scan(store, [make_record("a", title="Raw", excerpt="Old text"), make_record("r")])
    store.reviews.decide("a", APPROVED, "U1", NOW, title="Polished", excerpt="New text")
    store.reviews.decide("r", REJECTED, "U1", NOW, title="Ignored")

    assert (store.article("a").title, store.article("a").excerpt) == ("Polished", "New text")
    assert store.article("a", edited=False).title == "Raw"
    assert [a.title for a in store.articles(["r", "zzz", "a"])] == ["Article r", "Polished"]
    assert store.article("r").title == "Article r"
