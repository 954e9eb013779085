"""Properties of bot.content.records (through bot.content.scan) on hostile input, and of
everything that shows a record: Block Kit cards and messages, terminal, HTML and JSON.

Records are generated the way a sloppy or hostile upstream writes them (tests/recordfiles.py:
any YAML value in any field, wrong shapes, hostile lines and bodies) and written as real
files. The invariant: each file is either a usable record or a bad file with a one-line
reason; never an exception, and never a loss of the good records beside it. A usable
record holds only text that can be stored and shown, and every card built from it keeps
to Slack's limits and cannot ping, mention or link beyond the builders' own tokens.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import event, given
from hypothesis import strategies as st
from recordfiles import SECRET, hostile_bytes, hostile_records, short_record, write
from slackescapes import unescaped_problems
from slacklimits import limit_problems, view_problems

from bot.app.home import home_view
from bot.content.article import Article
from bot.content.dates import EARLIEST
from bot.content.scan import scan
from bot.render import card_html, card_text, digest_text
from bot.slack.blockkit.cards import card_message
from bot.slack.blockkit.messages import review_message
from bot.slack.blockkit.packing import digest_messages, results_message

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ZONES = [ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo"), UTC]
HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
SURROGATE = re.compile("[\ud800-\udfff]")
GOOD = 2
_examples = itertools.count()


def texts_of(article: Article) -> list[str]:
    return [
        *(article.title, article.excerpt, article.category, article.type, article.url),
        *(article.provider.name, article.provider.domain, *article.topics, *article.alt_urls),
        *(i.url for i in article.images),
        *(t for r in article.related for t in (r.title, r.url, r.provider)),
    ]


def assert_storable_and_clean(article: Article) -> None:
    # Serialisable, UTF-8 and NUL-free: what every database and Slack take.
    data = json.dumps(article.to_dict(), allow_nan=False, ensure_ascii=False)
    assert "\x00" not in data and "\\u0000" not in data
    data.encode("utf-8")
    for text in texts_of(article):
        assert not HIDDEN.search(text) and not SURROGATE.search(text), repr(text)
    assert not HIDDEN.search(article.note.replace("\t", "")), repr(article.note)
    when = article.published_at
    assert when is None or EARLIEST <= when <= NOW.replace(year=NOW.year + 1)


def assert_shown_safely(articles: list[Article]) -> None:
    """Cards, messages and the Home tab keep to Slack's limits and escape record text;
    the terminal, HTML and JSON renderings never fail."""
    for tz in ZONES:
        messages = [
            *digest_messages(articles, NOW.date(), tz),
            results_message(articles, tz, "Results"),
            *(card_message(a, tz) for a in articles),
            *(review_message(a, tz) for a in articles),
        ]
        for message in messages:
            assert limit_problems(message) == [], limit_problems(message)
            assert unescaped_problems(message) == [], unescaped_problems(message)
            json.dumps(message, ensure_ascii=False).encode("utf-8")
        published = [(a, "C0NEWS", "1.2", NOW) for a in articles]
        view = home_view(articles, published, approver=True, tz=tz)
        assert view_problems(view) == [] and unescaped_problems(view) == []
        digest_text(articles, "Digest", tz).encode("utf-8")
        for article in articles:
            card_text(article, tz).encode("utf-8")
            page = card_html(article, tz)
            page.encode("utf-8")
            assert "<script" not in page.lower()


@given(st.lists(hostile_records(), min_size=1, max_size=3))
def test_each_hostile_file_is_a_record_or_a_bad_file_and_shows_safely(
    tmp_path: Path, drawn: list[tuple]
) -> None:
    folder = tmp_path / f"example{next(_examples)}"
    good = [write(folder / f"good{n}.md", short_record("Good", "good", n, 80)) for n in range(GOOD)]
    hostile = [write(folder / f"h{n}.md", hostile_bytes(n, d)) for n, d in enumerate(drawn)]

    result = scan(folder, now=NOW)

    by_path = {r.path: r for r in result.records}
    assert {str(p) for p in good} <= set(by_path)
    assert {*by_path, *(b.path for b in result.bad)} == {str(p) for p in [*good, *hostile]}
    for bad in result.bad:
        event(f"bad: {bad.reason.split(':')[0][:30]}")
        assert bad.reason and "\n" not in bad.reason and SECRET not in bad.reason
        assert not bad.reason.startswith("unexpected"), bad.reason  # each failure is named
    event(f"usable hostile records: {len(result.records) - GOOD}")
    for record in result.records:
        assert_storable_and_clean(record.article)
        assert all("\n" not in w for w in record.warnings)
        if record.secured is not None:
            assert "\x00" not in record.secured.reveal()
    assert_shown_safely([r.article for r in result.records])
