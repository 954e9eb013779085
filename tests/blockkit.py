"""Sample articles and Block Kit inspection helpers (messages and views as Slack got them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.content.article import Article, Image, Provider, Related
from bot.slack.blockkit.cards import Message

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


def texts(message: dict) -> str:
    """Every visible text of a message (fallback and blocks), joined."""
    found = [n["text"] for n in nodes(message.get("blocks", [])) if isinstance(n.get("text"), str)]
    return "\n".join([message.get("text", ""), *found])


def buttons(message: dict, action_id: str) -> list[str]:
    """Values of the `action_id` buttons in a message, in order."""
    return [
        element.get("value", "")
        for block in message.get("blocks", [])
        for element in block.get("elements", [])
        if element.get("action_id") == action_id
    ]
