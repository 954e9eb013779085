"""Feed bytes -> records (bot.content.feeds): real-world shapes, the same repair and checks as
record files, entry identity, the first-poll flood guard, and any bytes never raising."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from feedfiles import atom, entries, rss091, rss1, rss2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import FeedSettings
from bot.content.feeds import entry_id, first_poll_candidates, parse_feed, shown_url
from bot.content.records import MISSING_TITLE

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
FEED = FeedSettings("https://example.org/feed.xml", quality=65, topics=("Chips",))
# C0 controls; bidirectional and zero-width ones follow repair_text's own rules.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def parse(body: bytes, **kw):
    return parse_feed(body, FEED, NOW, final_url=FEED.url, **kw)


def articles(body: bytes):
    return [r.record.article for r in parse(body).records]


def test_rss2_entry_becomes_a_repaired_record_with_feed_quality_topics_and_image() -> None:
    entry = {
        "title": "China\u00e2\u20ac\u2122s <b>chips</b> &amp; more",
        "link": "https://example.org/a?utm_source=rss",
        "guid": "tag:example.org,2026:a",
        "date": NOW - timedelta(hours=2),
        "summary": "<p>The short version &amp; more</p>",
        "content": '<p>Long body <img src="/img/inline.png"> here</p>',
        "categories": ["AI", "Chips"],
        "image": "https://cdn.example.org/a.jpg",
    }
    (art,) = articles(rss2([entry], title="Example &amp; News"))
    assert art.title == "China’s chips & more"  # mojibake, tags and entities repaired
    assert art.url == "https://example.org/a?utm_source=rss"
    assert art.excerpt == "The short version & more"
    assert art.published_at == NOW - timedelta(hours=2)
    assert art.quality == 65
    assert art.topics == ("Chips", "AI")  # the feed's topics, then the entry's, once each
    assert [i.url for i in art.images] == [
        "https://cdn.example.org/a.jpg",
        "https://example.org/img/inline.png",  # the first <img>, resolved
    ]
    assert art.provider.name == "Example & News" and art.provider.domain == "example.org"


def test_content_encoded_is_the_excerpt_when_there_is_no_description_and_is_cut() -> None:
    long = "<p>" + " ".join(f"word{i}" for i in range(400)) + "</p>"
    (art,) = articles(rss2([{"title": "T", "link": "https://example.org/t", "content": long}]))
    assert art.excerpt.startswith("word0 word1") and art.excerpt.endswith("…")
    assert len(art.excerpt) <= 501


def test_scripts_and_styles_in_feed_markup_never_reach_the_text() -> None:
    summary = "<script>alert('x')</script><style>p{}</style><p onclick='x()'>Kept</p>"
    item = {"title": "<script>bad()</script>T", "link": "https://example.org/s", "summary": summary}
    (art,) = articles(rss2([item]))
    assert (art.title, art.excerpt) == ("T", "Kept")


def test_atom_relative_links_are_resolved_against_xml_base() -> None:
    items = [{"title": "Relative", "link": "posts/1.html", "guid": "urn:1", "summary": "s"}]
    (art,) = articles(atom(items, base="https://example.org/blog/"))
    assert art.url == "https://example.org/blog/posts/1.html"


def test_rss1_and_rss091_are_read() -> None:
    items = entries(3, date=NOW)
    assert [a.title for a in articles(rss1(items))] == ["Story 0", "Story 1", "Story 2"]
    assert [a.title for a in articles(rss091(items))] == ["Story 0", "Story 1", "Story 2"]


def test_entries_without_dates_are_fine_and_bad_dates_are_unknown() -> None:
    far = NOW + timedelta(days=800)
    items = [*entries(2), {"title": "Future", "link": "https://example.org/f", "date": far}]
    assert [a.published_at for a in articles(rss2(items))] == [None, None, None]


def test_an_entry_without_title_or_link_is_skipped_with_a_reason() -> None:
    items = [
        {"link": "https://example.org/no-title", "guid": "g1"},
        {"title": "No link", "guid": "g2"},
        {"title": "Bad link", "link": "javascript:alert(1)", "guid": "g3"},
        {"title": "Good", "link": "https://example.org/good"},
    ]
    parsed = parse(rss2(items))
    assert [r.record.article.title for r in parsed.records] == ["Good"]
    assert parsed.bad == [
        f"entry 1 (g1): {MISSING_TITLE}",
        "entry 2 (g2): no http(s) link",
        "entry 3 (g3): no http(s) link",
    ]


def test_entry_identity_is_the_guid_then_the_link_then_title_and_date() -> None:
    with_guid = {"title": "A", "link": "https://example.org/a", "guid": "g-a"}
    no_guid = {"title": "B", "link": "https://example.org/b"}
    ids = [a.id for a in articles(rss2([with_guid, no_guid]))]
    assert ids == [entry_id(FEED.url, "guid:g-a"), entry_id(FEED.url, "link:https://example.org/b")]
    # The same entry in another feed is another item (its own feed's dedupe is by GUID).
    other = parse_feed(rss2([with_guid]), FeedSettings("https://other.org/rss", 50), NOW)
    assert other.records[0].record.article.id != ids[0]
    assert parse(rss2([with_guid])).records[0].record.path.startswith("feed:")


def test_a_repeated_guid_in_one_document_is_skipped() -> None:
    items = [{"title": "A", "link": "https://example.org/a", "guid": "same"}] * 2
    parsed = parse(rss2(items))
    assert len(parsed.records) == 1
    assert parsed.bad == ["entry 2 (same): same id as entry 1"]


def test_malformed_xml_gives_what_it_could_read_and_a_warning() -> None:
    body = rss2(entries(3)).replace(b"</channel></rss>", b"<item><title>broken &")
    parsed = parse(body)
    assert parsed.error is None
    assert [r.record.article.title for r in parsed.records][:3] == ["Story 0", "Story 1", "Story 2"]
    assert parsed.warning and parsed.warning.startswith("malformed feed")


def test_what_is_not_a_feed_is_an_error() -> None:
    assert parse(b"<html><body><p>Hello</p></body></html>").error
    assert parse(b"").error
    assert parse(b"\x00\xff garbage").error


def test_a_body_that_names_a_file_is_never_read_as_one(tmp_path) -> None:
    secret = tmp_path / "feed.xml"
    secret.write_bytes(rss2(entries(1, prefix="Leaked")))
    parsed = parse(str(secret).encode())
    assert parsed.records == [] and parsed.error


def test_first_poll_offers_only_recent_entries_or_the_newest_backfill() -> None:
    dated = [{**e, "date": NOW - timedelta(days=i)} for i, e in enumerate(entries(30))]
    records = parse(rss2(dated)).records
    ids = [r.record.article.id for r in records]
    assert first_poll_candidates(records, 7, 10, NOW) == set(ids[:8])  # 0..7 days old
    assert first_poll_candidates(records, None, 10, NOW) == set(ids[:10])
    shuffled = records[::-1]  # newest by date, not by position
    assert first_poll_candidates(shuffled, None, 5, NOW) == set(ids[:5])
    undated = parse(rss2(entries(30))).records
    assert first_poll_candidates(undated, 7, 10, NOW) == {r.record.article.id for r in undated[:10]}


def test_shown_url_drops_credentials_and_query() -> None:
    assert shown_url("https://u:pw@example.org/feed?token=abc") == "https://example.org/feed?…"
    assert shown_url("http://127.0.0.1:8080/rss") == "http://127.0.0.1:8080/rss"


_XMLISH = st.sampled_from(
    [b"<rss>", b"<channel>", b"<item>", b"<title>", b"</title>", b"<link>", b"http://x.y/",
     b"<entry>", b"<feed xmlns='http://www.w3.org/2005/Atom'>", b"&amp;", b"&#0;", b"\xc2\x9d",
     b"<![CDATA[", b"]]>", b"<guid>", b"</item>", b"{", b'"items":', b"\x00", b"\xe2\x80\xae"]
)  # fmt: skip
_BODIES = st.one_of(
    st.binary(max_size=400),
    st.lists(st.one_of(_XMLISH, st.binary(max_size=8)), max_size=40).map(b"".join),
    st.lists(st.sampled_from(entries(5)), max_size=5).map(rss2),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_BODIES, content_type=st.sampled_from(["", "application/rss+xml", "application/json"]))
def test_any_bytes_parse_to_valid_repaired_records_or_reasons(body: bytes, content_type) -> None:
    parsed = parse(body, content_type=content_type)
    assert parsed.error is None or isinstance(parsed.error, str)
    assert all(isinstance(reason, str) and reason for reason in parsed.bad)
    for found in parsed.records:
        art = found.record.article
        assert art.title and art.title == art.title.strip()
        assert art.url.startswith(("http://", "https://"))
        assert art.quality == FEED.quality
        for text in (art.title, art.excerpt, *art.topics, art.provider.name):
            assert not CONTROLS.search(text)
            text.encode("utf-8")  # storable: no lone surrogate
        assert all(i.url.startswith(("http://", "https://")) for i in art.images)
