"""Web pages as articles: read a page's title, description, image and site name, and build
the Record of a suggested link.

Pure: bytes and a URL in, plain values out; never an error, whatever the page holds.

The HTML goes through selectolax's Lexbor parser: a maintained HTML5 parser in C that
reads broken markup the way browsers do (unclosed heads, stray tags, meta tags in the
body), and does it in milliseconds for a 2 MiB page, where the standard library's
html.parser is a tokenizer we would have to build tree rules on. Only <head>-style
metadata is read: OpenGraph, Twitter cards, then <title> and <meta name=description>.
Every string is repaired like record text (bot.content.repair) and cut to a bound.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from bot.content.article import Article, Image, Provider, Record
from bot.content.dates import as_utc
from bot.content.repair import repair_c1, repair_note, repair_text
from bot.content.urls import canonical_url

TITLE_MAX = 300
DESCRIPTION_MAX = 1000
SITE_MAX = 100
URL_MAX = 2000
NOTE_MAX = 2000
SUGGESTION_PREFIX = "s-"
SUGGESTION_PATH = "suggestion:{id}"

_TITLE_KEYS = ("og:title", "twitter:title")
_DESCRIPTION_KEYS = ("og:description", "twitter:description", "description")
_IMAGE_KEYS = (
    "og:image:secure_url",
    "og:image:url",
    "og:image",
    "twitter:image",
    "twitter:image:src",
)
_SITE_KEYS = ("og:site_name", "application-name", "twitter:site")
_DATE_KEYS = ("article:published_time", "og:published_time", "date", "dc.date")
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", re.I)
_SNIFF_BYTES = 4096
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class PageMeta:
    """What a page says about itself; "" or None where it says nothing."""

    title: str = ""
    description: str = ""
    image: str | None = None  # an absolute http(s) URL
    site_name: str = ""
    published_at: datetime | None = None
    canonical: str | None = None  # <link rel=canonical> or og:url, absolute http(s)


def read_page(body: bytes, url: str, content_type: str = "") -> PageMeta:
    """The metadata of an HTML page fetched from `url` (the final URL, for relative links)."""
    tree = LexborHTMLParser(_decode(body, content_type))
    meta = _meta_tags(tree)
    title_node = tree.css_first("title")
    title = _first(meta, _TITLE_KEYS) or (title_node.text() if title_node else "")
    return PageMeta(
        title=_text(title, TITLE_MAX),
        description=_text(_first(meta, _DESCRIPTION_KEYS), DESCRIPTION_MAX),
        image=_absolute(url, _first(meta, _IMAGE_KEYS) or _link(tree, "image_src")),
        site_name=_text(_first(meta, _SITE_KEYS).lstrip("@"), SITE_MAX),
        published_at=_date(_first(meta, _DATE_KEYS)),
        canonical=_absolute(url, _link(tree, "canonical") or meta.get("og:url", "")),
    )


def suggestion_id(url: str) -> str:
    """A stable item id for a suggested link: one per canonical URL."""
    digest = hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()
    return SUGGESTION_PREFIX + digest[:16]


def suggestion_record(
    url: str,
    page: PageMeta,
    *,
    typed_title: str = "",
    note: str = "",
    quality: int,
    suggested_by: str,
) -> Record:
    """The Record of a suggested link: the typed title wins, else the page's own."""
    item = suggestion_id(url)
    alt = {u for u in (page.canonical,) if u and canonical_url(u) != canonical_url(url)}
    article = Article(
        id=item,
        title=_text(typed_title, TITLE_MAX) or page.title,
        url=url,
        excerpt=page.description,
        published_at=page.published_at,
        quality=quality,
        provider=Provider(name=page.site_name, domain=_host(url)),
        images=(Image(page.image),) if page.image else (),
        note=repair_note(note)[:NOTE_MAX],
        alt_urls=tuple(sorted(alt)),
        extra={"suggested_by": suggested_by},
    )
    return Record(article, SUGGESTION_PATH.format(id=item), 0, 0)


# --- reading -----------------------------------------------------------------------------


def _decode(body: bytes, content_type: str) -> str:
    """Text by the header's charset, else the page's <meta charset>, else UTF-8."""
    declared = _CHARSET.search(content_type or "")
    sniffed = _META_CHARSET.search(body[:_SNIFF_BYTES])
    names = [declared.group(1) if declared else "", sniffed.group(1).decode() if sniffed else ""]
    for name in [*filter(None, names), "utf-8"]:
        try:
            return body.decode(name, errors="replace")
        except (LookupError, ValueError, TypeError):
            continue  # unknown, or a bytes transform (base64, zlib) and not a text encoding
    return body.decode("utf-8", errors="replace")  # not reached: utf-8 always decodes


def _meta_tags(tree: LexborHTMLParser) -> dict[str, str]:
    """property/name (lowercased) -> content, the first of each name winning."""
    found: dict[str, str] = {}
    for node in tree.css("meta"):
        attrs = node.attributes
        key = (attrs.get("property") or attrs.get("name") or "").strip().lower()
        content = attrs.get("content")
        if key and content and content.strip():
            found.setdefault(key, content)
    return found


def _first(meta: dict[str, str], keys: tuple[str, ...]) -> str:
    return next((meta[k] for k in keys if meta.get(k, "").strip()), "")


def _link(tree: LexborHTMLParser, rel: str) -> str:
    for node in tree.css("link"):
        attrs = node.attributes
        if rel in (attrs.get("rel") or "").lower().split() and attrs.get("href"):
            return attrs["href"] or ""
    return ""


def _text(value: str, limit: int) -> str:
    # Bounded work: repair never sees a whole page. repair_c1 fixes "â€\x9d"-style mojibake;
    # C1 controls it leaves (and any other control) are dropped like record text's.
    text = repair_text(repair_c1(value[: limit * 4]))
    if _CONTROLS.search(text):
        text = " ".join(_CONTROLS.sub("", text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _absolute(base: str, href: str) -> str | None:
    href = (href or "").strip()
    if not href or len(href) > URL_MAX:
        return None
    try:
        joined = urljoin(base, href)
        parts = urlsplit(joined)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in joined) or len(joined) > URL_MAX:
        return None
    return joined


def _date(value: str) -> datetime | None:
    text = value.strip().replace("Z", "+00:00")
    try:
        return as_utc(datetime.fromisoformat(text))
    except (ValueError, OverflowError):
        return None


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")
