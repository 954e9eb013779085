"""What people see in Slack from the Block Kit builders, and that Slack would accept it.

Every builder is reached through `bot.slack.blockkit.messages`; cards are covered in detail by
`test_cards`, results and digests by `test_packing`, review messages here.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import pytest
from blockkit import DAY, DECIDER, EVIL, LA, WHEN, buttons_of, hostile, huge, make, nodes, types
from slack_sdk.models.blocks import Block
from slacklimits import limit_problems

from bot.content.article import APPROVED, REJECTED, Article, Decision
from bot.slack.blockkit.cards import ACTION_READ, Message, card_message
from bot.slack.blockkit.messages import (
    ACTION_APPROVE,
    ACTION_EDIT,
    ACTION_REJECT,
    review_message,
    without_images,
)
from bot.slack.blockkit.mrkdwn import safe_url
from bot.slack.blockkit.packing import digest_messages, results_message


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
