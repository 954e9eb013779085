"""Terminal and HTML renderings of cards and digests (what `preview` and dry runs print).

Record text is untrusted: nothing from a record may drive the terminal (escape sequences,
bidi overrides) or inject markup into the HTML preview.
"""

from __future__ import annotations

import html
import unicodedata
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from factories import make_article

from bot.content.article import Article, Image, Provider, Related
from bot.render import card_html, card_text, digest_text

WHEN = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)


# The story the renderings show; a test changes what it is about.
STORY = dict(
    title="Chipmakers Race to Ship HBM4",
    url="https://www.semibrief.com/2026/11/25/hbm4/",
    excerpt="Wider interfaces double bandwidth per stack.",
    published_at=WHEN,
    provider=Provider("Semiconductor Brief", "semibrief.com"),
    topics=("AI Hardware", "AI"),
    images=(Image("https://img.example.com/hbm4.jpg", 800, 400),),
    related=(Related("Packaging Sold Out", "https://www.semibrief.com/packaging/", "SB"),),
)


def article(**fields) -> Article:
    fields = {**STORY, **fields}
    return make_article(fields.pop("id", "story"), **fields)


def controls(text: str) -> list[str]:
    """Control and format characters a terminal could act on (newline is fine)."""
    return [
        f"U+{ord(ch):04X}" for ch in text if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf")
    ]


# --- terminal -----------------------------------------------------------------------------


def test_a_card_reads_well_in_a_terminal() -> None:
    text = card_text(article(note="Read with last week's packaging story."), UTC)
    lines = text.splitlines()

    assert lines[0] == "Chipmakers Race to Ship HBM4"
    assert "   Wider interfaces double bandwidth per stack." in lines
    i = lines.index("   Editor's note:")
    assert lines[i + 1] == "     Read with last week's packaging story."
    assert "   Semiconductor Brief · 24 Nov 2026 · AI Hardware, AI" in lines
    assert "   Related:" in lines
    assert "     • Packaging Sold Out (SB)" in lines
    assert "       https://www.semibrief.com/packaging/" in lines
    assert lines[-1] == "   Read: https://www.semibrief.com/2026/11/25/hbm4/"
    assert all(len(line) <= 88 for line in lines if "https://" not in line)


def test_the_date_is_the_day_in_the_configured_time_zone() -> None:
    assert "· 25 Nov 2026 ·" in card_text(article(), ZoneInfo("Asia/Tokyo"))
    assert "· 24 Nov 2026 ·" in card_text(article(), ZoneInfo("America/Los_Angeles"))


def test_a_card_without_optional_parts_still_shows_title_and_link() -> None:
    bare = Article(id="bare", title="Just a Title", url="https://example.com/a")
    assert card_text(bare, UTC) == "Just a Title\n   Read: https://example.com/a"


def test_terminal_escape_sequences_in_a_record_are_removed() -> None:
    hostile = article(
        title="\x1b[31mRED ALERT\x1b[0m\x07 \u202eevil",
        excerpt="Clear \x1b[2J screen and \x1b]0;set title\x07 here \x9b31m.",
        provider=Provider("Prov\x1b[5m", "x.com"),
        topics=("A\x1bI",),
        note="note\x1b[1m bold",
        related=(Related("rel\x1b[7m", "https://r.example.com/", "P\x1b[0m"),),
    )
    text = card_text(hostile, UTC, number=1)

    assert controls(text) == []
    assert text.startswith("1. [31mRED ALERT[0m")  # the visible text stays, inert
    assert "evil" in text


def test_emoji_sequences_survive_the_terminal_cleaning() -> None:
    """Only dangerous characters go: a zero-width joiner inside an emoji is not one."""
    text = card_text(article(title="Dev tools for 👩‍💻 and 🏳️‍🌈 teams"), UTC)
    assert text.splitlines()[0] == "Dev tools for 👩‍💻 and 🏳️‍🌈 teams"


def test_a_digest_numbers_its_cards_under_a_heading() -> None:
    first = article(id="one", title="First Story")
    second = article(id="two", title="Second Story", url="https://example.com/two")
    text = digest_text([first, second], "Newsdesk digest · Friday", UTC)

    lines = text.splitlines()
    assert lines[0] == "Newsdesk digest · Friday"
    assert set(lines[1]) == {"─"}
    assert "1. First Story" in lines
    assert "2. Second Story" in lines
    assert text.index("1. First Story") < text.index("2. Second Story")


def test_an_empty_digest_says_there_is_nothing_to_post() -> None:
    text = digest_text([], "Newsdesk digest · Friday", UTC)
    assert text.startswith("Newsdesk digest · Friday")
    assert "Nothing to post" in text


# --- HTML -----------------------------------------------------------------------------------


def test_the_html_preview_is_a_page_with_the_card() -> None:
    page = card_html(article(note="A note."), UTC)

    assert page.startswith("<!doctype html>")
    assert "<title>Chipmakers Race to Ship HBM4</title>" in page
    assert "<h2>Chipmakers Race to Ship HBM4</h2>" in page
    assert 'src="https://img.example.com/hbm4.jpg"' in page
    assert 'href="https://www.semibrief.com/2026/11/25/hbm4/"' in page
    assert "Semiconductor Brief · 24 Nov 2026 · AI Hardware, AI" in page
    assert 'href="https://www.semibrief.com/packaging/">Packaging Sold Out</a> — SB' in page
    assert "Editor&#x27;s note: A note." in page or "Editor's note: A note." in page


def test_record_text_is_escaped_in_the_html_preview() -> None:
    hostile = article(
        title='<script>alert("t")</script> & {braces}',
        excerpt="<img src=x onerror=alert(1)>",
        note="<b>bold</b>",
        provider=Provider('"><svg onload=alert(2)>', "x.com"),
        url='https://example.com/?q="><script>alert(3)</script>',
        images=(Image('https://img.example.com/a.jpg" onerror="alert(4)'),),
        related=(Related("<i>rel</i>", 'https://r.example.com/"onmouseover="x', "<u>P</u>"),),
    )
    page = card_html(hostile, UTC)

    for raw in (
        "<script",
        "<img src=x",
        "<b>",
        "<svg",
        "<i>",
        "<u>",
        '" onerror="',
        '"onmouseover',
    ):
        assert raw not in page
    assert html.escape('<script>alert("t")</script> & {braces}') in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_an_editors_note_keeps_its_own_lines() -> None:
    note = "Two bottlenecks compound.\n\n- HBM4 sampling: now\n- Volume: next year"
    lines = card_text(article(note=note), UTC).splitlines()
    i = lines.index("   Editor's note:")
    assert lines[i + 1 : i + 5] == [
        "     Two bottlenecks compound.",
        "",
        "     - HBM4 sampling: now",
        "     - Volume: next year",
    ]
