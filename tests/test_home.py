"""The App Home view builder (pure): queue for approvers, latest published, always in limits."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from factories import make_article, make_record
from slackdriver import SlackDriver
from slacklimits import view_problems

from bot.app.home import PUBLISHED_EMPTY, QUEUE_EMPTY, QUEUE_HEADING, home_view
from bot.content.article import Article, Image, Provider, Related
from bot.slack.blockkit.cards import ACTION_READ
from bot.slack.blockkit.messages import ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT

WHEN = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def article(n: int, **fields: object) -> Article:
    fields.setdefault("provider", Provider("Wire", "wire.example"))
    fields.setdefault("excerpt", f"What happened in story {n}.")
    fields.setdefault("published_at", WHEN)
    return make_article(f"item{n:03d}", **fields)


def published(n: int, channel: str = "CNEWS", **fields: object) -> tuple:
    return (article(n, **fields), channel, "1700000000.000100", WHEN)


def problems(view: dict) -> list[str]:
    return view_problems(view)


def actions(view: dict) -> list[dict]:
    return [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def texts(view: dict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def mrkdwn(node: object) -> list[str]:
    """Every mrkdwn text (plain_text never pings or links, so it may hold anything)."""
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn(item)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") == "mrkdwn" else []
    return own + [t for value in node.values() for t in mrkdwn(value)]


def test_approvers_see_the_queue_with_review_buttons() -> None:
    view = home_view([article(1), article(2)], [], approver=True, tz=UTC)
    assert view["type"] == "home" and problems(view) == []
    assert QUEUE_HEADING in texts(view)
    buttons = [(e["action_id"], e.get("value")) for e in actions(view)]
    for item in ("item001", "item002"):
        for action in (ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT):
            assert (action, item) in buttons
    read = [e for e in actions(view) if e["action_id"] == ACTION_READ]
    assert read[0]["url"] == "https://example.com/articles/item001"


def test_readers_see_no_queue_and_no_buttons() -> None:
    view = home_view([article(1)], [published(2)], approver=False, tz=UTC)
    assert QUEUE_HEADING not in texts(view) and "item001" not in texts(view)
    assert actions(view) == []
    assert "Article item002" in texts(view)


def test_empty_states() -> None:
    view = home_view([], [], approver=True, tz=UTC)
    assert QUEUE_EMPTY in texts(view) and PUBLISHED_EMPTY in texts(view)
    assert problems(view) == []
    reader = home_view([], [], approver=False, tz=UTC)
    assert QUEUE_EMPTY not in texts(reader) and PUBLISHED_EMPTY in texts(reader)


def test_latest_published_links_the_title_and_names_provider_channel_and_date() -> None:
    view = home_view([], [published(1, "CNEWS")], approver=False, tz=BERLIN)
    line = next(b for b in view["blocks"] if "item001" in json.dumps(b))["text"]["text"]
    assert "<https://example.com/articles/item001|Article item001>" in line
    assert "Wire" in line and "<#CNEWS>" in line
    assert "<!date^" in line and "26 Nov 2026" in line  # fallback in the configured zone


def test_a_channel_value_that_is_not_an_id_is_not_linked() -> None:
    view = home_view([], [published(1, "<!channel>")], approver=False, tz=UTC)
    assert "<!channel>" not in texts(view) and "<#" not in texts(view)


def test_record_text_cannot_ping_or_smuggle_links() -> None:
    hostile = article(
        1,
        title="<!channel> Big <https://evil.example|news>",
        excerpt="Hi <@U123> & <!here>",
        provider=Provider("<!everyone>"),
    )
    view = home_view([hostile], [published(2, title="<!here> too")], approver=True, tz=UTC)
    text = "\n".join(mrkdwn(view["blocks"]))
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<https://evil"):
        assert ping not in text
    assert "&lt;!channel&gt;" in text


def test_two_hundred_pending_items_fit_and_the_rest_are_counted() -> None:
    pending = [article(n, related=(Related("r", "https://r.example"),)) for n in range(200)]
    recent = [published(n) for n in range(300, 320)]
    view = home_view(pending, recent, approver=True, tz=UTC, pending_total=250)
    assert problems(view) == [] and len(view["blocks"]) <= 100
    shown = {e["value"] for e in actions(view) if e["action_id"] == ACTION_APPROVE}
    assert 0 < len(shown) < 200
    assert f"…and {250 - len(shown)} more waiting for review." in texts(view)
    assert "Article item300" in texts(view)  # the latest publications still show


def test_huge_records_stay_within_limits() -> None:
    giant = article(
        1,
        title="T" * 5000,
        excerpt="word " * 3000,
        url="https://example.com/" + "x" * 2990,
        images=(Image("https://img.example/a.png"),),
        provider=Provider("P" * 500),
    )
    long_id = make_article("i" * 300, title="Long id")
    view = home_view(
        [giant, long_id, giant],  # the same item twice shows once
        [published(2, title="T" * 5000, url="https://example.com/" + "y" * 2990)] * 30,
        approver=True,
        tz=UTC,
    )
    assert problems(view) == []
    approve = [e["value"] for e in actions(view) if e["action_id"] == ACTION_APPROVE]
    assert approve == ["item001", "i" * 300]


def test_a_notice_shows_on_top() -> None:
    view = home_view([], [], approver=False, tz=UTC, notice="Only approvers can review.")
    assert "Only approvers can review." in json.dumps(view["blocks"][:2])


@pytest.mark.parametrize("approver", [True, False])
def test_many_publications_are_capped(approver: bool) -> None:
    view = home_view([], [published(n) for n in range(500)], approver=approver, tz=UTC)
    assert problems(view) == []
    assert len(view["blocks"]) <= 100


# ---------------------------------------------------------------- who sees which publications


def open_home(slack: SlackDriver, user: str = "UREADER") -> str:
    """The user opens App Home (app_home_opened); the published view's blocks as text."""
    event = {"type": "app_home_opened", "user": user, "channel": "DHOME", "tab": "home"}
    assert slack.event(event) == 200
    slack.wait_idle()
    view = slack.fake.home_view(user)
    assert view is not None
    return texts(view)


def test_home_lists_only_what_was_published_in_public_channels(
    driver: Callable[..., SlackDriver],
) -> None:
    titles = ["Public story", "Secret story", "Both story", "Direct story", "Unknown story"]
    records = [make_record(f"a{n}", title=t) for n, t in enumerate(titles)]
    slack = driver(records=records)
    slack.fake.set_private("CSECRET", "GLEGACY")
    shares = [
        ("a0", "CNEWS"),
        ("a1", "CSECRET"),
        ("a1", "GLEGACY"),
        ("a2", "CSECRET"),
        ("a2", "CNEWS"),
        ("a3", "DCHAT"),
        ("a4", "CGONE"),  # the newest: looked up first, and Slack will not say
    ]
    for n, (item, channel) in enumerate(shares):
        when = datetime(2026, 11, 26, 9, n, tzinfo=UTC)
        slack.store.record_publications([item], channel, f"17000000{n:02d}.000100", None, when)
    slack.fake.fail("conversations.info", "error", error="channel_not_found")

    shown = open_home(slack)

    assert "Public story" in shown and "Both story" in shown
    for hidden in ("Secret story", "Direct story", "Unknown story", "CSECRET", "GLEGACY"):
        assert hidden not in shown
    looked_up = len(slack.fake.calls_to("conversations.info"))
    assert looked_up == 5  # CGONE, DCHAT, CNEWS, CSECRET, GLEGACY: once each
    open_home(slack, "UOTHER")
    assert len(slack.fake.calls_to("conversations.info")) == looked_up  # cached


def test_home_shows_nothing_published_when_slack_cannot_say_where(
    driver: Callable[..., SlackDriver],
) -> None:
    slack = driver(records=[make_record("a1", title="Some story")])
    slack.store.record_publications(["a1"], "CNEWS", "1700000000.000100", None, WHEN)
    slack.fake.fail("conversations.info", "error", error="missing_scope", times=5)

    shown = open_home(slack)

    assert "Some story" not in shown
    assert PUBLISHED_EMPTY in shown
