"""Search results and digests: cards packed into messages by `bot.slack.blockkit.packing`."""

from __future__ import annotations

from datetime import UTC

import pytest
from blockkit import DAY, LA, buttons_of, make, types
from slacklimits import limit_problems

from bot.slack.blockkit.cards import ACTION_READ, ACTION_SHARE, Message
from bot.slack.blockkit.packing import digest_messages, results_message


def test_results_have_share_and_read_buttons_and_no_images() -> None:
    message = results_message([make(1), make(2), make(1)], UTC, "Search: chips")
    assert "image" not in types(message) and message["text"] == "Search: chips"
    shares = [b for b in buttons_of(message) if b["action_id"] == ACTION_SHARE]
    reads = [b for b in buttons_of(message) if b["action_id"] == ACTION_READ]
    assert [b["value"] for b in shares] == ["item001", "item002"]  # the repeat is dropped
    assert [b["url"] for b in reads] == ["https://news.example/1", "https://news.example/2"]


def test_many_results_are_capped_with_a_count_of_the_rest() -> None:
    message = results_message([make(i) for i in range(40)], UTC, "Next")
    shown = len([b for b in buttons_of(message) if b["action_id"] == ACTION_SHARE])
    assert len(message["blocks"]) <= 50 and 0 < shown < 40
    assert message["blocks"][-1]["elements"][0]["text"] == f"…and {40 - shown} more"


def test_no_results_says_so() -> None:
    message = results_message([], UTC, "Search: nothing")
    assert message["blocks"][-1]["text"]["text"] == "No articles found."


def digest_ids(message: Message) -> list[str]:
    """Item ids in the order their cards appear, checking each card is whole."""
    ids, titles = [], []
    for block in message["blocks"]:
        if block["type"] == "header" and block["text"]["text"].startswith("Article "):
            titles.append(block["text"]["text"].split(":")[0])
        if block.get("block_id", "").startswith("item:"):
            ids.append(block["block_id"].removeprefix("item:"))
    assert [f"Article {int(i[4:])}" for i in ids] == titles  # header and buttons together
    return ids


@pytest.mark.parametrize("count", [1, 7, 8, 30])
def test_digest_splits_into_a_thread_without_splitting_cards(count: int) -> None:
    articles = [make(i, note="A note.") for i in range(count)]
    messages = digest_messages(articles, DAY, LA)
    top, replies = messages[0], messages[1:]
    assert top["blocks"][0]["text"]["text"] == "Newsdesk digest · Thursday, 26 November 2026"
    footer = top["blocks"][-1]["elements"][0]["text"]
    assert footer.startswith(f"{count} article{'s' * (count > 1)} · curated by Newsdesk")
    assert ("more in the thread" in footer) == bool(replies)
    assert [i for m in messages for i in digest_ids(m)] == [a.id for a in articles]
    for message in messages:  # the sender records exactly the items each message shows
        assert message["item_ids"] == digest_ids(message)
    for message in messages:
        assert len(message["blocks"]) <= 50 and limit_problems(message) == []
    for reply in replies:
        assert "(continued)" in reply["text"]
        assert "(continued)" in reply["blocks"][0]["elements"][0]["text"]
    assert count < 7 or replies  # seven full cards pass 50 blocks


def test_digest_separates_cards_with_dividers() -> None:
    top = digest_messages([make(1), make(2)], DAY, UTC)[0]
    assert types(top).count("divider") == 2  # between the cards, and before the footer


def test_empty_digest_is_no_message() -> None:
    assert digest_messages([], DAY, UTC) == []


def test_long_item_ids_still_give_distinct_block_ids() -> None:
    a, b = make(1, id="x" * 300 + "a"), make(2, id="x" * 300 + "b")
    for message in [*digest_messages([a, b], DAY, UTC), results_message([a, b], UTC, "r")]:
        assert limit_problems(message) == []
