"""`/newsdesk` end to end: signed slash commands in, what the user sees out.

Evidence is what Slack would show: the ack body (ephemeral answers), what the app
POSTed to response_url, and what the fake Slack recorded (posted messages, calls).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from blockkit import buttons, texts
from factories import make_record
from slackdriver import SlackDriver, ephemeral

from bot.content.article import APPROVED
from bot.slack.blockkit.cards import ACTION_SHARE

Driver = Callable[..., SlackDriver]
ACK_BUDGET = 0.5  # seconds; Slack allows 3, a good app answers at once


def article(item_id: str, **fields: Any):
    fields.setdefault("quality", 80)
    fields.setdefault("provider", f"Provider {item_id}")
    return make_record(item_id, **fields)


def approve(slack: SlackDriver, *ids: str) -> None:
    """Editors' decisions made earlier (setup through the store, as the buttons would)."""
    for item_id in ids:
        slack.store.reviews.decide(item_id, APPROVED, "UEDITOR", datetime.now(UTC))


# ---------------------------------------------------------------- help and unknown input


@pytest.mark.parametrize("text", ["help", "", "  HELP  "])
def test_help_is_ephemeral_and_lists_every_subcommand(driver: Driver, text: str) -> None:
    body = ephemeral(driver(), text)
    for sub in ("next", "search", "topics", "share", "digest", "digest now", "review", "status"):
        assert f"/newsdesk {sub}" in body["text"]


def test_unknown_input_gets_help_with_the_input_escaped(driver: Driver) -> None:
    slack = driver()
    body = ephemeral(slack, "frobnicate <!channel> & more")
    assert "/newsdesk next" in body["text"]
    assert "&lt;!channel&gt; &amp; more" in body["text"]
    assert "<!channel>" not in body["text"]
    slack.wait_idle()
    assert slack.fake.calls_to("chat.postMessage") == []


# ---------------------------------------------------------------- next, search, topics


def test_next_shows_the_best_candidates_with_share_buttons(driver: Driver) -> None:
    slack = driver(
        records=[
            article("low", quality=55),
            article("best", quality=95),
            article("good", quality=85),
            article("junk", quality=10),
        ]
    )
    body = ephemeral(slack, "next 2")
    assert buttons(body, ACTION_SHARE) == ["best", "good"]
    assert "Article best" in texts(body)
    body = ephemeral(slack, "next")
    assert buttons(body, ACTION_SHARE) == ["best", "good", "low"]  # junk is below quality_min


def test_next_in_review_mode_lists_what_is_coming_up_not_only_approved(driver: Driver) -> None:
    """Editors ask `next` before reviewing: unreviewed candidates show, rejected ones do not."""
    slack = driver(
        records=[article("fresh", quality=90), article("nope", quality=95), article("ok")],
        review="CREVIEW",
    )
    slack.store.reviews.decide("nope", "rejected", "UEDITOR", datetime.now(UTC))
    slack.store.reviews.decide("ok", APPROVED, "UEDITOR", datetime.now(UTC))
    body = ephemeral(slack, "next")
    assert sorted(buttons(body, ACTION_SHARE)) == ["fresh", "ok"]


def test_next_caps_n_at_twenty(driver: Driver) -> None:
    slack = driver(records=[article(f"a{i:02d}", provider=f"P{i}") for i in range(25)])
    body = ephemeral(slack, "next 100")
    shown = len(buttons(body, ACTION_SHARE))
    more = [t for t in texts(body).split("\n") if t.startswith("…and ")]
    hidden = int(more[0].split()[1]) if more else 0
    assert shown + hidden == 20


def test_next_with_a_non_number_shows_usage(driver: Driver) -> None:
    body = ephemeral(driver(), "next lots")
    assert "Usage: `/newsdesk next [n]`" in body["text"]


def test_search_finds_articles_holding_every_word(driver: Driver) -> None:
    slack = driver(
        records=[
            article("chip", title="New AI chips from Acme", topics=("AI Hardware",)),
            article("cook", title="Cooking with chips"),
        ]
    )
    body = ephemeral(slack, "search ai chips")
    assert buttons(body, ACTION_SHARE) == ["chip"]
    assert "Search: ai chips" in texts(body)
    assert "usage" in ephemeral(slack, "search")["text"].lower()


def test_search_with_no_hit_says_so(driver: Driver) -> None:
    body = ephemeral(driver(records=[article("a1")]), "search zebra")
    assert buttons(body, ACTION_SHARE) == []
    assert "No articles found." in texts(body)


def test_topics_lists_counts_escaped(driver: Driver) -> None:
    slack = driver(
        records=[
            article("a", topics=("AI", "R&D <b>")),
            article("b", topics=("AI",)),
        ]
    )
    text = ephemeral(slack, "topics")["text"]
    assert "• AI (2)" in text
    assert "• R&amp;D &lt;b&gt; (1)" in text
    assert "No topics yet" in ephemeral(driver(), "topics")["text"]


# ---------------------------------------------------------------- share


def test_share_posts_the_card_in_the_channel(driver: Driver) -> None:
    slack = driver(records=[article("a1", excerpt="Read this <!here>", secured="TOP-SECRET-TOKEN")])
    status, body = slack.command("share a1", channel="CNEWS")
    assert (status, body) == (200, "")
    slack.wait_idle()
    [posted] = slack.fake.messages("CNEWS")
    assert posted["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Article a1", "emoji": True},
    }
    assert "Read this &lt;!here&gt;" in texts(posted)
    assert "Shared “Article a1” in <#CNEWS>." in slack.responses()[-1]["text"]
    assert slack.responses()[-1]["response_type"] == "ephemeral"
    every_call = json.dumps([c.args for c in slack.fake.calls])
    assert "TOP-SECRET-TOKEN" not in every_call
    assert slack.store.is_published("a1", "CNEWS")


def test_share_of_an_unknown_id_answers_in_the_ack_and_posts_nothing(driver: Driver) -> None:
    slack = driver(records=[article("a1")])
    body = ephemeral(slack, "share nope")
    assert "There is no article `nope`" in body["text"]
    slack.wait_idle()
    assert slack.fake.calls_to("chat.postMessage") == []


def test_share_where_the_bot_is_not_a_member_hints_to_invite(driver: Driver) -> None:
    slack = driver(records=[article("a1")])
    slack.fake.fail("chat.postMessage", "error", error="not_in_channel")
    assert slack.command("share a1", channel="CPRIVATE") == (200, "")
    slack.wait_idle()
    assert "Invite me first" in slack.responses()[-1]["text"]
    assert slack.fake.messages("CPRIVATE") == []
    assert not slack.store.is_published("a1", "CPRIVATE")


def test_share_twice_in_one_channel_is_refused_the_second_time(driver: Driver) -> None:
    slack = driver(records=[article("a1")])
    for _ in range(2):
        assert slack.command("share a1", channel="CNEWS") == (200, "")
        slack.wait_idle()
    assert len(slack.fake.messages("CNEWS")) == 1
    assert "already shared here" in slack.responses()[-1]["text"]
    slack.command("share a1", channel="CTEAM")  # another channel may have it too
    slack.wait_idle()
    assert len(slack.fake.messages("CTEAM")) == 1


def test_share_in_review_mode_needs_approval_unless_an_editor_shares(driver: Driver) -> None:
    slack = driver(records=[article("ok"), article("no"), article("new")], review="CREVIEW")
    approve(slack, "ok")
    slack.store.reviews.decide("no", "rejected", "UEDITOR", datetime.now(UTC))
    for item in ("no", "new", "ok"):
        slack.command(f"share {item}", user="UREADER", channel="CNEWS")
        slack.wait_idle()
    said = [r["text"] for r in slack.responses()]
    assert "not approved yet" in said[0] and "not approved yet" in said[1]
    assert "Shared “Article ok”" in said[2]
    assert [m["blocks"][0]["text"]["text"] for m in slack.fake.messages("CNEWS")] == ["Article ok"]
    slack.command("share new", user="UEDITOR", channel="CNEWS")
    slack.wait_idle()
    assert "Shared “Article new”" in slack.responses()[-1]["text"]


def test_share_without_an_id_shows_usage(driver: Driver) -> None:
    assert "Usage: `/newsdesk share ID`" in ephemeral(driver(), "share")["text"]


# ---------------------------------------------------------------- digest preview


def test_digest_previews_this_channels_digest_and_posts_nothing(driver: Driver) -> None:
    records = [article(f"a{i}", quality=90 - i, provider=f"P{i}") for i in range(4)]
    slack = driver(records=records, digests=[{"channel": "CNEWS", "size": 2}])
    body = ephemeral(slack, "digest", channel="CNEWS")
    assert buttons(body, ACTION_SHARE) == ["a0", "a1"]
    assert "<#CNEWS>" in texts(body)
    slack.wait_idle()
    assert slack.fake.calls_to("chat.postMessage") == []
    assert not slack.store.is_published("a0", "CNEWS")


def test_digest_and_next_elsewhere_use_the_global_policy_for_this_channel(
    driver: Driver,
) -> None:
    # HELP: `digest` previews "the next digest for this channel", not another channel's.
    slack = driver(
        records=[article("ai", topics=("AI",)), article("food", topics=("Food",))],
        digests=[{"channel": "CFOOD", "topics": ["Food"]}, {"channel": "CAI", "topics": ["AI"]}],
    )
    body = ephemeral(slack, "digest", channel="CRANDOM")
    assert sorted(buttons(body, ACTION_SHARE)) == ["ai", "food"]
    assert "No digest is set up for this channel" in texts(body)
    assert "<#CFOOD>" not in texts(body)
    assert sorted(buttons(ephemeral(slack, "next", channel="CRANDOM"), ACTION_SHARE)) == [
        "ai",
        "food",
    ]
    assert buttons(ephemeral(slack, "next", channel="CFOOD"), ACTION_SHARE) == ["food"]


def test_digest_without_configured_digests_uses_the_global_policy(driver: Driver) -> None:
    body = ephemeral(driver(records=[article("a1")]), "digest", channel="CNEWS")
    assert buttons(body, ACTION_SHARE) == ["a1"]
    assert "No digest is set up for this channel" in texts(body)


# ---------------------------------------------------------------- privileged: digest now, review


def test_digest_now_by_a_non_approver_is_refused_and_posts_nothing(driver: Driver) -> None:
    slack = driver(records=[article("a1")], review="CREVIEW", digests=["CNEWS"])
    approve(slack, "a1")
    assert slack.command("digest now", user="UREADER", channel="CNEWS") == (200, "")
    slack.wait_idle()
    assert [r["text"] for r in slack.responses()] == [
        "Sorry, only Newsdesk approvers (review.approvers) can do that. Nothing was changed."
    ]
    assert slack.fake.calls_to("chat.postMessage") == []
    assert not slack.store.is_published("a1", "CNEWS")


def test_digest_now_by_an_approver_posts_and_reports_within_the_ack(driver: Driver) -> None:
    slack = driver(records=[article("a1")], review="CREVIEW", digests=["CNEWS"])
    approve(slack, "a1")
    slack.command("help")  # the first request runs auth.test once; time the next one
    slack.fake.set_delay("chat.postMessage", 1.0)
    started = time.monotonic()
    status, body = slack.command("digest now", user="UEDITOR", channel="CNEWS")
    assert time.monotonic() - started < ACK_BUDGET
    assert (status, body) == (200, "")
    slack.wait_idle(10)
    [digest] = slack.fake.messages("CNEWS")
    assert "Article a1" in texts(digest)
    said = [r["text"] for r in slack.responses()]
    assert said == ["Posting the digest now…", "digest for CNEWS: posted 1 item(s)"]
    assert all(r["response_type"] == "ephemeral" for r in slack.responses())


def test_digest_now_outside_a_digest_channel_runs_every_digest(driver: Driver) -> None:
    slack = driver(records=[article("a1")], review="CREVIEW", digests=["CNEWS", "CTEAM"])
    approve(slack, "a1")
    slack.command("digest now", user="UEDITOR", channel="CRANDOM")
    slack.wait_idle()
    assert len(slack.fake.messages("CNEWS")) == len(slack.fake.messages("CTEAM")) == 1
    assert slack.fake.messages("CRANDOM") == []


def test_digest_now_approver_in_a_user_group(driver: Driver) -> None:
    slack = driver(
        records=[article("a1")],
        review={"channel": "CREVIEW"},
        approvers=["SEDITORS"],
        digests=["CNEWS"],
    )
    slack.fake.set_usergroup("SEDITORS", ["UGROUPIE"])
    approve(slack, "a1")
    slack.command("digest now", user="UGROUPIE", channel="CNEWS")
    slack.wait_idle()
    assert len(slack.fake.messages("CNEWS")) == 1


def test_digest_now_without_digests_says_how_to_configure(driver: Driver) -> None:
    body = ephemeral(driver(review="CREVIEW"), "digest now", user="UEDITOR")
    assert "No digest is configured" in body["text"]


def test_review_by_a_non_approver_is_refused_and_posts_nothing(driver: Driver) -> None:
    slack = driver(records=[article("a1")], review="CREVIEW")
    assert slack.command("review", user="UREADER") == (200, "")
    slack.wait_idle()
    assert "only Newsdesk approvers" in slack.responses()[-1]["text"]
    assert slack.fake.calls_to("chat.postMessage") == []


def test_review_by_an_approver_posts_the_round(driver: Driver) -> None:
    slack = driver(records=[article("a1"), article("a2")], review="CREVIEW")
    started = time.monotonic()
    assert slack.command("review", user="UEDITOR") == (200, "")
    assert time.monotonic() - started < ACK_BUDGET * 2  # includes the first auth.test
    slack.wait_idle()
    posted = slack.fake.messages("CREVIEW")
    assert len(posted) == 2
    assert slack.responses()[-1]["text"] == "review for CREVIEW: posted 2 item(s)"


def test_review_when_not_configured_says_so(driver: Driver) -> None:
    body = ephemeral(driver(), "review", user="UEDITOR")
    assert "Review is not set up" in body["text"]


# ---------------------------------------------------------------- status


def test_status_is_an_ephemeral_code_block(driver: Driver) -> None:
    slack = driver(records=[article("a1"), article("a2")])
    text = ephemeral(slack, "status")["text"]
    assert text.startswith("```") and text.endswith("```")
    assert "2  articles in the library" in text
    assert "test-signing-secret" not in text and slack.fake.token not in text


def test_share_button_on_search_results_posts_the_card(driver: Driver) -> None:
    slack = driver(records=[article("a1", title="Chips ahoy")])
    body = ephemeral(slack, "search chips", channel="CNEWS")
    [item] = buttons(body, ACTION_SHARE)
    assert slack.click(ACTION_SHARE, item, user="UREADER", channel="CNEWS") == 200
    slack.wait_idle()
    [posted] = slack.fake.messages("CNEWS")
    assert "Chips ahoy" in texts(posted)
    assert "Shared “Chips ahoy”" in slack.responses()[-1]["text"]


def test_search_words_cannot_ping_anyone(driver: Driver) -> None:
    body = ephemeral(driver(records=[article("a1")]), "search <!channel> <@U123>")
    assert "&lt;!channel&gt;" in body["text"]
    mrkdwn = [
        e["text"]
        for b in body["blocks"]
        for e in [b.get("text") or {}, *b.get("elements", [])]
        if e.get("type") == "mrkdwn"
    ]
    assert not any("<!channel>" in t or "<@U123>" in t for t in [body["text"], *mrkdwn])
