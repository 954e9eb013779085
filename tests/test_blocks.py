"""What people see in Slack from the Block Kit builders, and that Slack would accept it."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block

from bot.article import APPROVED, REJECTED, Article, Decision, Image, Provider, Related
from bot.blocks import (
    ACTION_APPROVE,
    ACTION_EDIT,
    ACTION_READ,
    ACTION_REJECT,
    ACTION_SHARE,
    Message,
    article_blocks,
    card_message,
    digest_messages,
    limit_problems,
    results_message,
    review_message,
    without_images,
)
from bot.mrkdwn import safe_url

LA = ZoneInfo("America/Los_Angeles")
DAY = date(2026, 11, 26)
WHEN = datetime(2021, 4, 19, 17, 47, tzinfo=UTC)
DECIDER = "U0DECIDER"
EVIL = "<!channel> <!here> <!everyone> <@U123> <#C1> <!subteam^S1> <https://evil|click> & &amp;"
EVIL_URL = "https://evil.example/a|<!channel>"


def make(i: int = 0, **changes: Any) -> Article:
    fields: dict[str, Any] = {
        "id": f"item{i:03d}",
        "title": f"Article {i}: chips get faster",
        "url": f"https://news.example/{i}",
        "excerpt": "A short summary. It has two sentences.",
        "published_at": WHEN,
        "provider": Provider("The Next Platform", "nextplatform.com"),
        "topics": ("AI", "AI Hardware"),
        "images": (Image(f"https://img.example/{i}.jpg", 1300, 500),),
        "related": (Related("Light meets superconductors", "https://upi.example/r", "UPI.com"),),
    }
    return Article(**{**fields, **changes})


def hostile(i: int = 0) -> Article:
    related = (Related(EVIL, EVIL_URL, EVIL), Related(EVIL, "javascript:alert(1)", EVIL))
    return make(
        i,
        title=EVIL,
        excerpt=EVIL,
        note=EVIL,
        provider=Provider(EVIL, "evil"),
        topics=(EVIL,) * 3,
        related=related,
    )


def huge(i: int = 0) -> Article:
    return make(
        i,
        title="Headline " * 60,  # 540 characters
        url="https://news.example/" + "p" * 2950,  # just inside the 3000 a button allows
        excerpt="This sentence keeps going. " * 150,  # 4050 characters
        note="<&> " * 800,
        provider=Provider("&" * 300),
        topics=tuple(f"Topic {n} " * 8 for n in range(20)),
        images=(Image("https://img.example/" + "i" * 3000), Image("https://img.example/ok.jpg")),
        related=tuple(
            Related("&<>" * 100, "https://r.example/" + "r" * 600, "<" * 200) for _ in range(10)
        ),
    )


def every_message(a: Article, tz: Any = UTC) -> Iterator[Message]:
    decided = [Decision(a.id, verdict, DECIDER, WHEN) for verdict in (APPROVED, REJECTED)]
    yield card_message(a, tz)
    yield results_message([a, make(99)], tz, EVIL)
    yield from digest_messages([a, make(98)], DAY, tz)
    yield review_message(a, tz)
    for decision in decided:
        yield review_message(a, tz, decision)
        yield without_images(review_message(a, tz, decision))


def mrkdwn_texts(message: Message) -> Iterator[str]:
    """The fallback text and every mrkdwn text: all that Slack parses for mentions."""
    yield message["text"]
    yield from (n["text"] for n in nodes(message["blocks"]) if n.get("type") == "mrkdwn")


def nodes(node: Any) -> Iterator[dict]:
    if isinstance(node, list):
        for item in node:
            yield from nodes(item)
    elif isinstance(node, dict):
        yield node
        for child in node.values():
            yield from nodes(child)


def buttons_of(message: Message) -> list[dict]:
    return [n for n in nodes(message["blocks"]) if n.get("type") == "button"]


def types(message: Message) -> list[str]:
    return [block["type"] for block in message["blocks"]]


OURS = re.compile(r"<!date\^\d+\^[^|<>]+\|[^<>]*>|<(https?://[^|<>]+)\|[^<>]*>|<@U0DECIDER>")


def assert_inert(text: str, record_urls: set[str | None]) -> None:
    """Only tokens we build may remain: dates, links to record URLs, the decider."""
    for token in OURS.finditer(text):
        assert token.group(1) is None or token.group(1).replace("&amp;", "&") in record_urls
    rest = OURS.sub("", text)
    assert "<" not in rest and ">" not in rest, rest
    assert not re.search(r"&(?!amp;|lt;|gt;)", rest), rest


@pytest.mark.parametrize("article", [hostile(), huge(), make()], ids=["hostile", "huge", "plain"])
def test_no_record_text_can_mention_or_link(article: Article) -> None:
    urls = {safe_url(u) for u in [article.url, *(r.url for r in article.related)]}
    urls |= {"https://news.example/99", "https://news.example/98", "https://upi.example/r"}
    for message in every_message(article):
        assert message["text"].strip()
        mrkdwn = [n for n in nodes(message["blocks"]) if n.get("type") == "mrkdwn"]
        assert all(n["verbatim"] is True for n in mrkdwn)  # no auto-linking or @-parsing
        for text in mrkdwn_texts(message):
            assert_inert(text, urls)


def test_hostile_text_is_shown_literally() -> None:
    message = card_message(hostile(), UTC)
    header, excerpt = message["blocks"][0], message["blocks"][1]
    assert header["text"]["text"].startswith("<!channel> <!here>")  # plain text: not parsed
    assert excerpt["text"]["text"].startswith("&lt;!channel&gt; &lt;!here&gt;")
    assert message["text"].startswith("&lt;!channel&gt;")
    assert "evil.example/a%7C%3C!channel%3E|" in str(message["blocks"])  # url made harmless
    assert "javascript:" not in str(message["blocks"])


def test_decider_that_is_not_a_slack_id_is_escaped_text() -> None:
    decision = Decision("item000", APPROVED, "<!channel>", WHEN)
    verdict = review_message(make(), UTC, decision)["blocks"][-1]["elements"][0]["text"]
    assert verdict.startswith("✅ Approved by &lt;!channel&gt; · <!date^")


BUILDERS = {
    "card": lambda a: [card_message(a, UTC)],
    "results": lambda a: [results_message([a] * 3 + [huge(n) for n in range(60)], UTC, "x" * 999)],
    "digest": lambda a: digest_messages([a, *(huge(n) for n in range(1, 30))], DAY, UTC),
    "review": lambda a: [review_message(a, UTC)],
    "decided": lambda a: [review_message(a, UTC, Decision(a.id, REJECTED, "U1", WHEN, "t" * 999))],
}


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
@pytest.mark.parametrize("article", [huge(), hostile(), make()], ids=["huge", "hostile", "plain"])
def test_every_payload_keeps_within_slack_limits(build: Any, article: Article) -> None:
    for message in build(article):
        assert limit_problems(message) == []
        assert len(message["text"]) <= 300
        for block in message["blocks"]:  # slack_sdk's own validators agree
            Block.parse(block).validate_json()


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
    (read,) = buttons_of(message)
    assert (read["action_id"], read["url"], read["text"]["text"]) == (
        ACTION_READ, a.url, "Read article",
    )  # fmt: skip
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
    assert types(card_message(bare, UTC)) == ["header", "image", "section"]


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
    assert "image" not in types(message) and "actions" not in types(message)


def test_extra_buttons_join_the_read_button() -> None:
    extra = {"type": "button", "text": {"type": "plain_text", "text": "X"}, "action_id": "x"}
    actions = article_blocks(make(), UTC, buttons=[extra])[-1]
    assert [b["action_id"] for b in actions["elements"]] == [ACTION_READ, "x"]


def test_review_buttons_carry_the_item_id() -> None:
    buttons = {b["action_id"]: b for b in buttons_of(review_message(make(7), UTC))}
    assert set(buttons) == {ACTION_READ, ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT}
    assert all(
        buttons[a]["value"] == "item007" for a in (ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT)
    )
    assert buttons[ACTION_APPROVE]["style"] == "primary"
    reject = buttons[ACTION_REJECT]
    assert reject["style"] == "danger" and "Article 7" in reject["confirm"]["text"]["text"]


@pytest.mark.parametrize(
    ("verdict", "line", "fallback"),
    [
        (APPROVED, "✅ Approved by <@U0DECIDER> · <!date^", "Approved: "),
        (REJECTED, "🚫 Rejected by", "Rejected: "),
    ],
)
def test_decided_review_has_the_verdict_and_no_buttons(
    verdict: str, line: str, fallback: str
) -> None:
    message = review_message(make(), LA, Decision("item000", verdict, DECIDER, WHEN))
    assert "actions" not in types(message) and buttons_of(message) == []
    assert message["blocks"][-1]["elements"][0]["text"].startswith(line)
    assert message["text"].startswith(fallback)


def test_decided_review_shows_the_edited_title_and_excerpt() -> None:
    decision = Decision("item000", APPROVED, DECIDER, WHEN, title="Better title", excerpt="New.")
    blocks = review_message(make(), UTC, decision)["blocks"]
    assert blocks[0]["text"]["text"] == "Better title" and blocks[1]["text"]["text"] == "New."


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


def test_without_images_removes_images_only() -> None:
    message = card_message(make(), UTC)
    accessory = {"type": "image", "image_url": "https://i.example/x.png", "alt_text": "x"}
    message["blocks"][1]["accessory"] = accessory
    message["blocks"][3]["elements"].append(accessory)
    original = copy.deepcopy(message)
    stripped = without_images(message)
    assert message == original  # the input is untouched
    assert "image" not in str(stripped["blocks"]) and stripped["text"] == message["text"]
    assert types(stripped) == [t for t in types(message) if t != "image"]
    assert "accessory" not in stripped["blocks"][1]
    assert stripped["blocks"][2]["elements"] == message["blocks"][3]["elements"][:1]


def test_long_item_ids_still_give_distinct_block_ids() -> None:
    a, b = make(1, id="x" * 300 + "a"), make(2, id="x" * 300 + "b")
    for message in [*digest_messages([a, b], DAY, UTC), results_message([a, b], UTC, "r")]:
        assert limit_problems(message) == []
