"""Page metadata: OpenGraph, Twitter cards and plain HTML read into repaired, bounded text."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.pages import (
    DESCRIPTION_MAX,
    SITE_MAX,
    TITLE_MAX,
    URL_MAX,
    PageMeta,
    read_page,
    suggestion_id,
    suggestion_record,
)

URL = "https://news.example.org/2024/05/chips"

OG_PAGE = """<!doctype html><html><head>
<title>Fallback title | Example</title>
<meta name="description" content="Plain description">
<meta property="og:title" content="Chips &amp; the &lt;b&gt;future&lt;/b&gt;">
<meta property="og:description" content="A look at
   the next  generation.">
<meta property="og:image" content="/img/chips.jpg">
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2024-05-01T08:30:00Z">
<link rel="canonical" href="https://example.org/chips?utm_source=x">
</head><body><h1>Ignored</h1></body></html>"""


def test_opengraph_wins_and_text_is_repaired() -> None:
    page = read_page(OG_PAGE.encode(), URL, "text/html; charset=utf-8")
    assert page.title == "Chips & the future"  # entities decoded, tags stripped
    assert page.description == "A look at the next generation."
    assert page.image == "https://news.example.org/img/chips.jpg"  # made absolute
    assert page.site_name == "Example News"
    assert page.published_at == datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    assert page.canonical == "https://example.org/chips?utm_source=x"


def test_twitter_cards_then_plain_html() -> None:
    twitter = """<meta name="twitter:title" content="Tweeted">
    <meta name="twitter:description" content="Short">
    <meta name="twitter:image" content="https://cdn.example/t.png">
    <meta name="twitter:site" content="@example">"""
    page = read_page(twitter.encode(), URL)
    assert (page.title, page.description, page.site_name) == ("Tweeted", "Short", "example")
    assert page.image == "https://cdn.example/t.png"
    plain = "<title> Just a   title </title><meta name=description content='Said here'>"
    assert read_page(plain.encode(), URL) == PageMeta(title="Just a title", description="Said here")


def test_a_page_with_nothing_to_say() -> None:
    assert read_page(b"<html><body><p>hello</p></body></html>", URL) == PageMeta()
    assert read_page(b"", URL) == PageMeta()
    assert read_page(b"%PDF-1.7 \x00\x01\x02", URL, "application/pdf") == PageMeta()


def test_charsets_from_the_header_or_the_page() -> None:
    latin = "<title>Café</title>".encode("latin-1")
    assert read_page(latin, URL, "text/html; charset=ISO-8859-1").title == "Café"
    sniffed = b'<meta charset="windows-1252"><title>Caf\xe9</title>'
    assert read_page(sniffed, URL).title == "Café"
    mojibake = "<title>CafÃ©</title>".encode()  # UTF-8 read as Latin-1 upstream: ftfy fixes it
    assert read_page(mojibake, URL).title == "Café"
    bogus = b"<title>ok</title>"
    assert read_page(bogus, URL, "text/html; charset=base64").title == "ok"
    assert read_page(bogus, URL, "text/html; charset=no-such-thing").title == "ok"


def test_only_http_images_and_links_are_kept() -> None:
    for href in (
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "ftp://x/y.png",
        "mailto:a@b",
    ):
        page = read_page(f'<meta property="og:image" content="{href}">'.encode(), URL)
        assert page.image is None, href
    protocol_relative = b'<meta property="og:image" content="//cdn.example/a.png">'
    assert read_page(protocol_relative, URL).image == "https://cdn.example/a.png"


def test_long_text_is_cut() -> None:
    html = f"<title>{'word ' * 400}</title><meta name=description content='{'x' * 5000}'>"
    page = read_page(html.encode(), URL)
    assert len(page.title) <= TITLE_MAX and page.title.endswith("…")
    assert len(page.description) <= DESCRIPTION_MAX


def test_suggestion_record() -> None:
    page = read_page(OG_PAGE.encode(), URL)
    rec = suggestion_record(
        URL, page, typed_title="", note="Worth a *read*", quality=40, suggested_by="U1"
    )
    art = rec.article
    assert art.id == suggestion_id(URL) and art.id.startswith("s-")
    assert rec.path == f"suggestion:{art.id}"
    assert (art.title, art.url, art.quality, art.note) == (page.title, URL, 40, "Worth a *read*")
    assert art.provider.name == "Example News" and art.provider.domain == "news.example.org"
    assert [i.url for i in art.images] == ["https://news.example.org/img/chips.jpg"]
    assert art.extra == {"suggested_by": "U1"}
    assert art.alt_urls == ("https://example.org/chips?utm_source=x",)
    typed = suggestion_record(URL, PageMeta(), typed_title=" Mine ", quality=1, suggested_by="U")
    assert typed.article.title == "Mine"


def test_suggestion_ids_follow_the_canonical_url() -> None:
    same = [
        "https://www.example.org/a/",
        "http://example.org/a?utm_source=t",
        "HTTPS://Example.org/a#x",
    ]
    assert len({suggestion_id(u) for u in same}) == 1
    assert suggestion_id("https://example.org/b") != suggestion_id(same[0])


_HTML_BITS = st.sampled_from(
    [
        "<title>", "</title>", "<meta property='og:title' content='", "'>", "<meta name=",
        "description content=", "og:image", "<link rel=canonical href=", "&amp;", "&#0;",
        "\x00", "\u202e", "Ã©", "<script>", "</head>", '"', "<!--", "-->", "\n", " ",
        "<meta charset=utf-16>", "<meta property=og:site_name content=x>", "<", ">",
    ]
)  # fmt: skip
_PAGES = st.one_of(
    st.binary(max_size=400),
    st.lists(st.one_of(_HTML_BITS, st.text(max_size=30)), max_size=40).map(
        lambda parts: "".join(parts).encode("utf-8", "surrogatepass")
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    body=_PAGES, content_type=st.sampled_from(["", "text/html; charset=utf-8", "x; charset=zlib"])
)
def test_any_bytes_give_repaired_bounded_metadata(body: bytes, content_type: str) -> None:
    page = read_page(body, URL, content_type)
    for text, limit in ((page.title, TITLE_MAX), (page.description, DESCRIPTION_MAX)):
        assert len(text) <= limit
        assert text == " ".join(text.split())  # whitespace folded, ends stripped
        assert not any(unicodedata.category(ch) == "Cc" for ch in text)  # no controls
    assert len(page.site_name) <= SITE_MAX
    for link in (page.image, page.canonical):
        assert link is None or (link.startswith(("http://", "https://")) and len(link) <= URL_MAX)
