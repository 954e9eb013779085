"""What readers see from the text helpers: escaping, links, cut text and dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.content.dates import long_date, readable_date
from bot.slack.blockkit.mrkdwn import (
    ELLIPSIS,
    escape,
    escape_cut,
    link,
    safe_url,
    slack_date,
    truncate,
)

LA = ZoneInfo("America/Los_Angeles")
PROSE = (
    "Exascale systems are arriving. Sites now benchmark deep learning on machines built "
    "for simulation, and the results are mixed! Some workloads scale well; others stall "
    "on memory bandwidth long before the accelerators are busy."
)


def test_escape_turns_control_characters_into_entities() -> None:
    assert escape("<!channel> & <@U123>") == "&lt;!channel&gt; &amp; &lt;@U123&gt;"


def test_escape_keeps_an_entity_in_the_record_literal() -> None:
    # A record that says "&amp;" must show "&amp;", not "&".
    assert escape("AT&amp;T") == "AT&amp;amp;T"


def test_link_escapes_the_label_and_neutralises_its_pipes() -> None:
    out = link("https://example.com/a", "Tom | Jerry <!here> & co")
    assert out == "<https://example.com/a|Tom ｜ Jerry &lt;!here&gt; &amp; co>"


def test_link_percent_encodes_characters_that_would_break_the_token() -> None:
    out = link("https://example.com/a b|c<d>", "x")
    assert out == "<https://example.com/a%20b%7Cc%3Cd%3E|x>"


def test_link_sends_ampersands_in_urls_as_entities() -> None:
    assert link("https://example.com/?a=1&b=2", "x") == "<https://example.com/?a=1&amp;b=2|x>"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.com/f", "example.com", "https://", "http://[::1"]
)
def test_link_to_anything_but_http_is_just_the_escaped_label(url: str) -> None:
    assert link(url, "click <me>") == "click &lt;me&gt;"
    assert safe_url(url) is None


def test_link_without_label_shows_the_url() -> None:
    assert link("https://example.com/", "") == "<https://example.com/|https://example.com/>"


def test_short_text_is_not_cut() -> None:
    assert truncate("Short enough.", 13) == "Short enough."


def test_cut_at_a_word_boundary_with_ellipsis() -> None:
    assert truncate("The quick brown fox jumps", 12) == "The quick…"


def test_cut_at_a_sentence_end_when_one_is_close() -> None:
    assert truncate("First sentence here. Second one is much longer", 25) == (
        "First sentence here. …"
    )
    assert truncate(PROSE, 130).endswith("the results are mixed! …")


def test_sentence_end_far_back_falls_back_to_a_word_boundary() -> None:
    out = truncate("Hi. " + "word " * 40, 60)
    assert out.endswith("word…")
    assert len(out) <= 60


def test_cut_drops_dangling_punctuation_before_the_ellipsis() -> None:
    assert truncate("alpha, beta, gamma, delta", 14) == "alpha, beta…"


def test_one_giant_word_is_cut_mid_word() -> None:
    assert truncate("a" * 100, 10) == "a" * 9 + ELLIPSIS


@pytest.mark.parametrize("limit", range(0, 200, 7))
def test_cut_text_never_exceeds_the_limit(limit: int) -> None:
    out = truncate(PROSE, limit)
    assert len(out) <= limit
    assert out == PROSE or out.endswith(ELLIPSIS) or out == ""


@pytest.mark.parametrize("limit", [5, 12, 13, 50, 101])
def test_escaped_cut_fits_and_never_splits_an_entity(limit: int) -> None:
    out = escape_cut("<&> " * 40, limit)
    assert len(out) <= limit
    assert not re.search(r"&(?!amp;|lt;|gt;)", out)


def test_date_fallback_is_the_day_in_the_configured_zone() -> None:
    # 03:30 UTC on 20 April is still the evening of 19 April in Los Angeles.
    when = datetime(2021, 4, 20, 3, 30, tzinfo=UTC)
    assert readable_date(when, LA) == "19 Apr 2021"
    assert readable_date(when, UTC) == "20 Apr 2021"
    assert slack_date(when, LA) == "<!date^1618889400^{date_short_pretty}|19 Apr 2021>"


def test_date_with_time_names_the_zone() -> None:
    when = datetime(2026, 11, 26, 17, 5, tzinfo=UTC)
    assert slack_date(when, LA, with_time=True).endswith("|26 Nov 2026 09:05 PST>")


def test_naive_datetime_is_read_as_utc() -> None:
    assert slack_date(datetime(2021, 4, 20, 3, 30), LA) == slack_date(
        datetime(2021, 4, 20, 3, 30, tzinfo=UTC), LA
    )


def test_long_date_is_locale_free() -> None:
    assert long_date(date(2026, 11, 26)) == "Thursday, 26 November 2026"
