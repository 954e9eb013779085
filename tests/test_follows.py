"""Following topics: `/newsdesk follow|unfollow|following` and the App Home toggles, end to end
through signed Slack requests, and the rules of matching a topic (bot/publishing/follows.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import make_record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slackdriver import SlackDriver, ephemeral
from slacklimits import view_problems

from bot.app.home import ACTION_FOLLOW, ACTION_UNFOLLOW, topic_blocks
from bot.publishing import follows
from bot.publishing.jobs import scheduled_personal
from bot.slack.client import make_client

LIBRARY = [
    make_record("a1", topics=["AI", "Chips"], quality=90),
    make_record("a2", topics=["AI Hardware"], quality=80),
    make_record("a3", topics=["Climate"], quality=70),
    make_record("a4", topics=["<!channel> & co"], quality=60),
]


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackDriver]:
    with SlackDriver(tmp_path, records=LIBRARY) as driver:
        yield driver


def said(slack: SlackDriver, text: str, user: str = "UREADER") -> str:
    return ephemeral(slack, text, user=user)["text"]


def mine(slack: SlackDriver, user: str = "UREADER") -> list[str]:
    return slack.store.follows.following(user)


def test_follow_matches_the_library_topic_in_any_case_and_says_when_the_dm_comes(
    slack: SlackDriver,
) -> None:
    text = said(slack, "follow  ai hardware ")
    assert text.startswith("You now follow *AI Hardware*.") and "<!date^" in text
    assert mine(slack) == ["AI Hardware"]
    assert said(slack, "follow AI HARDWARE") == "You already follow *AI Hardware*."
    said(slack, 'follow "climate"')
    assert "*AI Hardware*, *Climate*" in said(slack, "following")
    assert mine(slack, "UOTHER") == []  # follows are per person


def test_an_unknown_topic_gets_the_closest_names(slack: SlackDriver) -> None:
    assert said(slack, "follow Climat") == (
        "There is no topic “Climat” in the library. Did you mean *Climate*?"
    )
    assert said(slack, "follow gardening").endswith("`/newsdesk topics` lists the topics.")
    assert said(slack, "follow") == follows.USAGE_FOLLOW
    assert mine(slack) == []


def test_unfollow_in_any_spelling_and_a_topic_not_followed(slack: SlackDriver) -> None:
    said(slack, "follow chips")
    assert said(slack, "unfollow CHIPS") == "You no longer follow *Chips*."
    assert (
        said(slack, "unfollow chips")
        == "You don't follow “chips”. `/newsdesk topics` lists the topics."
    )
    assert said(slack, "following") == follows.FOLLOWING_NONE


def test_topic_names_are_escaped_in_answers(slack: SlackDriver) -> None:
    text = said(slack, "follow <!CHANNEL> & CO")
    assert "&lt;!channel&gt; &amp; co" in text and "<!channel>" not in text


def test_help_lists_the_follow_subcommands(slack: SlackDriver) -> None:
    text = said(slack, "help")
    assert "`/newsdesk follow TOPIC`" in text and "`/newsdesk following`" in text


def test_home_toggles_follow_and_unfollow_and_the_tab_shows_the_change(
    slack: SlackDriver,
) -> None:
    event = {"type": "app_home_opened", "user": "UREADER", "channel": "D0HOME", "tab": "home"}
    assert slack.event(event) == 200
    slack.wait_idle()
    view = slack.fake.home_view("UREADER")
    buttons = toggles(view)
    assert [b["value"] for b in buttons] == [t for t, _ in slack.store.topics()]  # top first
    assert "+ <!channel> & co" in [b["text"]["text"] for b in buttons]  # plain text: harmless
    assert all(b["action_id"].startswith(ACTION_FOLLOW + ":") for b in buttons)
    climate = next(b for b in buttons if b["value"] == "Climate")

    assert slack.click(climate["action_id"], "Climate", user="UREADER", view_id=view["id"]) == 200
    slack.wait_idle()
    assert mine(slack) == ["Climate"]
    view = slack.fake.home_view("UREADER")
    assert "You now follow *Climate*" in str(view["blocks"][1])
    [on] = [b for b in toggles(view) if b["action_id"].startswith(ACTION_UNFOLLOW)]
    assert on["value"] == "Climate" and on["text"]["text"] == "✓ Climate"
    assert view_problems(view) == []

    assert slack.click(on["action_id"], "Climate", user="UREADER", view_id=view["id"]) == 200
    slack.wait_idle()
    assert mine(slack) == []


def toggles(view: dict) -> list[dict]:
    [block] = [b for b in view["blocks"] if b.get("block_id") == "home:follows"]
    return block["elements"]


def test_a_new_follower_gets_the_next_personal_digest_once(slack: SlackDriver) -> None:
    """Follow by slash command, then the scheduled job at the next due times."""
    said(slack, "follow climate")
    settings, client = slack.settings, make_client(slack.settings)
    due = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday: "0 9 * * 1-5"
    for now in (due + timedelta(minutes=1), due + timedelta(minutes=2)):
        scheduled_personal(settings, slack.store, client, now)
    scheduled_personal(settings, slack.store, client, due + timedelta(days=1, minutes=1))

    [dm] = slack.fake.dms("UREADER")
    assert dm["metadata"]["event_payload"]["items"] == ["a3"]
    assert "Climate" in str(dm["blocks"][-1])  # says why they got it


def test_topic_blocks_fit_slack_limits_with_many_and_huge_topics() -> None:
    names = [("t" * 3000, False), *((f"Topic {n} " * 20, n % 2 == 0) for n in range(40))]
    view = {"type": "home", "blocks": topic_blocks(names)}
    assert view_problems(view) == []
    assert all(len(b["value"]) <= 2000 for b in toggles(view))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=80))
def test_any_text_follows_a_library_topic_or_nothing_and_answers_safely(
    slack: SlackDriver, text: str
) -> None:
    """Property: whatever is typed, a follow is a library topic or nothing, and the answer
    pings nobody."""
    now = datetime(2026, 11, 27, tzinfo=UTC)
    answer = follows.follow(slack.settings, slack.store, "UPROP", text, now)
    library = {t for r in LIBRARY for t in r.article.topics}
    assert set(mine(slack, "UPROP")) <= library
    assert "<!" not in answer.replace("<!date^", "") and "<@" not in answer
    follows.unfollow(slack.store, "UPROP", text)
