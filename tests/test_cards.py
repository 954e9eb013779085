"""One article as a card: what people see in Slack from `bot.slack.blockkit.cards`."""

from __future__ import annotations

from datetime import UTC, datetime

from blockkit import LA, buttons_of, hostile, huge, make, types

from bot.content.article import Image, Provider
from bot.slack.blockkit.cards import ACTION_READ, ACTION_USEFUL, article_blocks, card_message


def test_hostile_text_is_shown_literally() -> None:
    message = card_message(hostile(), UTC)
    header, excerpt = message["blocks"][0], message["blocks"][1]
    assert header["text"]["text"].startswith("<!channel> <!here>")  # plain text: not parsed
    assert excerpt["text"]["text"].startswith("&lt;!channel&gt; &lt;!here&gt;")
    assert message["text"].startswith("&lt;!channel&gt;")
    assert "evil.example/a%7C%3C!channel%3E|" in str(message["blocks"])  # url made harmless
    assert "javascript:" not in str(message["blocks"])


def test_card_shows_title_excerpt_image_meta_related_and_read_button() -> None:
    a = make(note="Editors love this one.")
    message = card_message(a, UTC)
    assert types(message) == [
        "header",
        "section",
        "context",
        "image",
        "context",
        "section",
        "actions",
    ]
    blocks = message["blocks"]
    assert blocks[0]["text"]["text"] == a.title
    assert "_Editors love this one._" in blocks[2]["elements"][0]["text"]
    assert (
        blocks[3]["image_url"] == "https://img.example/0.jpg" and blocks[3]["alt_text"] == a.title
    )
    meta = blocks[4]["elements"][0]["text"]
    assert meta == (
        "The Next Platform · <!date^1618854420^{date_short_pretty}|19 Apr 2021> · AI, AI Hardware"
    )
    assert blocks[5]["text"]["text"] == (
        "*Related*\n• <https://upi.example/r|Light meets superconductors> — UPI.com"
    )
    read, useful = buttons_of(message)
    assert (read["action_id"], read["url"], read["text"]["text"], read["value"]) == (
        ACTION_READ, a.url, "Read article", a.id,
    )  # fmt: skip
    assert (useful["action_id"], useful["value"]) == (ACTION_USEFUL, a.id)
    assert message["text"] == f"{a.title} — The Next Platform"


def test_card_date_is_the_day_in_the_configured_zone() -> None:
    a = make(published_at=datetime(2021, 4, 20, 3, 30, tzinfo=UTC))
    la_meta = card_message(a, LA)["blocks"][3]["elements"][0]["text"]
    utc_meta = card_message(a, UTC)["blocks"][3]["elements"][0]["text"]
    assert "<!date^1618889400^{date_short_pretty}|19 Apr 2021>" in la_meta
    assert "|20 Apr 2021>" in utc_meta


def test_quirky_record_omits_what_it_does_not_have() -> None:
    a = make(excerpt="", provider=Provider(), published_at=None, images=(), related=())
    message = card_message(a, UTC)
    assert types(message) == ["header", "context", "actions"]
    assert message["blocks"][1]["elements"][0]["text"] == "AI, AI Hardware"
    assert message["text"] == a.title
    bare = make(excerpt="", provider=Provider(), published_at=None, topics=(), url="ftp://x/")
    bare_card = card_message(bare, UTC)
    assert types(bare_card) == ["header", "image", "section", "actions"]
    assert [b["action_id"] for b in bare_card["blocks"][-1]["elements"]] == [ACTION_USEFUL]


def test_long_fields_are_cut_with_an_ellipsis() -> None:
    blocks = card_message(huge(), UTC)["blocks"]
    assert [b["type"] for b in blocks] == [
        "header", "section", "context", "image", "context", "section", "actions",
    ]  # fmt: skip
    assert blocks[3]["image_url"] == "https://img.example/ok.jpg"  # the first fits no limit
    assert blocks[2]["elements"][0]["text"].endswith("&gt;…_")
    assert len(blocks[0]["text"]["text"]) <= 150 and blocks[0]["text"]["text"].endswith("…")
    assert blocks[1]["text"]["text"].endswith("going. …")  # cut at a sentence end
    meta = blocks[4]["elements"][0]["text"]
    assert meta.endswith("+15 more") and len(blocks[4]["elements"]) <= 10
    related = blocks[5]["text"]["text"]
    assert 1 <= related.count("\n• ") <= 3 and len(related) <= 3000


def test_unusable_image_and_link_urls_are_dropped() -> None:
    a = make(images=(Image("javascript:alert(1)"),), url="javascript:alert(1)")
    message = card_message(a, UTC)
    assert "image" not in types(message)
    assert [b["action_id"] for b in message["blocks"][-1]["elements"]] == [ACTION_USEFUL]


def test_extra_buttons_join_the_read_button() -> None:
    extra = {"type": "button", "text": {"type": "plain_text", "text": "X"}, "action_id": "x"}
    actions = article_blocks(make(), UTC, buttons=[extra])[-1]
    assert [b["action_id"] for b in actions["elements"]] == [ACTION_READ, "x"]
