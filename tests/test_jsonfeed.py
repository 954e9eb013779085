"""JSON Feed 1.0/1.1 (bot.content.jsonfeed), alone and through parse_feed: the same records
as an XML feed, and anything that is not a JSON Feed is a reason, never an exception."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from feedfiles import entries, json_feed, rss2
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import FeedSettings
from bot.content.feeds import parse_feed
from bot.content.jsonfeed import looks_like_json_feed, parse_json_feed

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
FEED = FeedSettings("https://example.org/feed.json", quality=70, topics=("Web",))


def test_a_json_feed_item_becomes_the_same_record_as_its_rss_twin() -> None:
    item = {
        "title": "Hello &amp; <i>world</i>",
        "link": "https://example.org/hello",
        "guid": "hello-1",
        "date": NOW - timedelta(days=1),
        "summary": "A <b>short</b> summary",
        "categories": ["Standards"],
        "image": "https://example.org/hello.png",
    }
    from_json = parse_feed(json_feed([item]), FEED, NOW, final_url=FEED.url)
    from_rss = parse_feed(rss2([item], title="JSON News"), FEED, NOW, final_url=FEED.url)
    (j,), (r,) = from_json.records, from_rss.records
    assert j.record.article == r.record.article
    assert j.record.article.title == "Hello & world"
    assert j.record.article.topics == ("Web", "Standards")


def test_json_feed_1_0_and_content_text_and_attachments() -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1",
        "title": "Old",
        "items": [
            {
                "id": 42,  # a number: still an id
                "url": "/posts/42",  # relative: resolved against the feed
                "title": "Forty-two",
                "content_text": "Plain text body",
                "date_modified": "2026-11-29T10:00:00+01:00",
                "attachments": [
                    {"url": "https://example.org/a.mp3", "mime_type": "audio/mpeg"},
                    {"url": "https://example.org/a.webp", "mime_type": "image/webp"},
                ],
            }
        ],
    }
    raw = parse_json_feed(json.dumps(feed).encode(), "https://example.org/feed.json")
    (entry,) = raw.entries
    assert entry.guid == "42" and entry.link == "https://example.org/posts/42"
    assert entry.content == "Plain text body"
    assert entry.published == datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    assert [i.url for i in entry.images] == ["https://example.org/a.webp"]


def test_what_is_not_a_json_feed_says_why() -> None:
    base = "https://example.org/f"
    assert "not valid JSON" in (parse_json_feed(b"{nope", base).error or "")
    assert "version" in (parse_json_feed(b'{"items": []}', base).error or "")
    bad_items = b'{"version": "https://jsonfeed.org/version/1.1", "items": 3}'
    assert "items" in (parse_json_feed(bad_items, base).error or "")
    deep = b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 100_000
    assert parse_json_feed(deep, base).error


def test_items_that_are_not_objects_are_skipped_with_a_warning() -> None:
    body = json.loads(json_feed(entries(2)))
    body["items"].insert(1, "nonsense")
    raw = parse_json_feed(json.dumps(body).encode(), "https://example.org/f")
    assert len(raw.entries) == 2 and raw.warning == "1 item(s) that are not objects were skipped"


def test_json_is_recognised_by_media_type_or_by_its_first_character() -> None:
    assert looks_like_json_feed(b"<rss/>", "application/feed+json; charset=utf-8")
    assert looks_like_json_feed(b'\xef\xbb\xbf  {"version": 1}', "")
    assert not looks_like_json_feed(b"<rss/>", "application/rss+xml")


def test_lone_surrogates_are_repaired_in_text_and_links() -> None:
    body = json.loads(json_feed(entries(3)))
    body["items"][0]["title"] = "broken \ud800 title"
    body["items"][1]["url"] = "https://example.org/\udfff"
    parsed = parse_feed(json.dumps(body).encode(), FEED, NOW)
    # Repaired like every other outside text (U+FFFD), so each entry stays usable and storable.
    articles = [r.record.article for r in parsed.records]
    assert [a.title for a in articles] == ["broken \ufffd title", "Story 1", "Story 2"]
    assert articles[1].url == "https://example.org/\ufffd" and parsed.bad == []
    assert all(a.title.encode("utf-8") and a.url.encode("utf-8") for a in articles)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)
_ITEM_KEYS = ["id", "url", "external_url", "title", "summary", "content_html", "content_text",
              "date_published", "date_modified", "tags", "image", "attachments"]  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(
    items=st.lists(st.dictionaries(st.sampled_from(_ITEM_KEYS), _JSON), max_size=5),
    top=st.dictionaries(st.sampled_from(["title", "home_page_url"]), _JSON),
)
def test_any_json_feed_shape_gives_records_or_reasons(items: list, top: dict) -> None:
    doc = {"version": "https://jsonfeed.org/version/1.1", **top, "items": items}
    body = json.dumps(doc).encode("utf-8", "surrogatepass")
    parsed = parse_feed(body, FEED, NOW)
    assert parsed.error is None
    assert len(parsed.records) + len(parsed.bad) == len(items)
    for found in parsed.records:
        assert found.record.article.title and found.record.article.url.startswith("http")
