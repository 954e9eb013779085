"""Feed documents shaped like real ones, for tests and benchmarks: RSS 2.0 (with
content:encoded and Media RSS), RSS 1.0 (RDF), RSS 0.91, Atom (with xml:base) and JSON Feed.

Each builder takes plain entry dicts: title, link, guid, date (a datetime), summary, content,
categories, image; a key left out is left out of the document.
"""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

Entry = dict[str, Any]


def entries(count: int, *, prefix: str = "Story", host: str = "example.org", **common: Any):
    """`count` distinct entries, newest first (no dates unless `common` gives one)."""
    return [
        {
            "title": f"{prefix} {i}",
            "link": f"https://{host}/{prefix.lower()}/{i}",
            "guid": f"{host}-{prefix}-{i}",
            **common,
        }
        for i in range(count)
    ]


def rss2(items: list[Entry], *, title: str = "Example News", link: str = "https://example.org/"):
    body = "".join(_rss_item(e) for e in items)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>news</description>{body}</channel></rss>"
    ).encode()


def _rss_item(e: Entry) -> str:
    parts = []
    if "title" in e:
        parts.append(f"<title>{escape(e['title'])}</title>")
    if "link" in e:
        parts.append(f"<link>{escape(e['link'])}</link>")
    if "guid" in e:
        parts.append(f'<guid isPermaLink="false">{escape(e["guid"])}</guid>')
    if "date" in e:
        parts.append(f"<pubDate>{format_datetime(e['date'])}</pubDate>")
    if "summary" in e:
        parts.append(f"<description>{escape(e['summary'])}</description>")
    if "content" in e:
        parts.append(f"<content:encoded><![CDATA[{e['content']}]]></content:encoded>")
    parts += [f"<category>{escape(c)}</category>" for c in e.get("categories", ())]
    if "image" in e:
        parts.append(f'<media:content url="{escape(e["image"])}" medium="image"/>')
    return f"<item>{''.join(parts)}</item>"


def rss1(items: list[Entry], *, title: str = "RDF News") -> bytes:
    lis = "".join(f'<rdf:li rdf:resource="{escape(e["link"])}"/>' for e in items)
    body = "".join(
        f'<item rdf:about="{escape(e["link"])}"><title>{escape(e["title"])}</title>'
        f"<link>{escape(e['link'])}</link>"
        + (f"<dc:date>{e['date'].isoformat()}</dc:date>" if "date" in e else "")
        + "</item>"
        for e in items
    )
    return (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<channel rdf:about="https://example.org/"><title>{escape(title)}</title>'
        f"<link>https://example.org/</link><items><rdf:Seq>{lis}</rdf:Seq></items></channel>"
        f"{body}</rdf:RDF>"
    ).encode()


def rss091(items: list[Entry]) -> bytes:
    body = "".join(
        f"<item><title>{escape(e['title'])}</title><link>{escape(e['link'])}</link></item>"
        for e in items
    )
    return (
        '<?xml version="1.0"?><rss version="0.91"><channel><title>Old School</title>'
        f"<link>https://example.org/</link><description>d</description>{body}</channel></rss>"
    ).encode()


def atom(items: list[Entry], *, base: str = "https://example.org/blog/") -> bytes:
    """Atom whose entry links are relative to `xml:base` (as many blogs write them)."""
    body = "".join(_atom_entry(e) for e in items)
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{escape(base)}">'
        '<title>Atom Blog</title><link href="/"/><id>urn:blog</id>'
        f"<updated>2026-11-01T00:00:00Z</updated>{body}</feed>"
    ).encode()


def _atom_entry(e: Entry) -> str:
    parts = [f'<title type="html">{escape(e["title"])}</title>'] if "title" in e else []
    if "link" in e:
        parts.append(f'<link rel="alternate" href="{escape(e["link"])}"/>')
    if "guid" in e:
        parts.append(f"<id>{escape(e['guid'])}</id>")
    if "date" in e:
        parts.append(f"<updated>{e['date'].isoformat()}</updated>")
    if "summary" in e:
        parts.append(f"<summary>{escape(e['summary'])}</summary>")
    if "content" in e:
        parts.append(f'<content type="html">{escape(e["content"])}</content>')
    parts += [f'<category term="{escape(c)}"/>' for c in e.get("categories", ())]
    return f"<entry>{''.join(parts)}</entry>"


def json_feed(items: list[Entry], *, title: str = "JSON News", version: str = "1.1") -> bytes:
    out = []
    for e in items:
        item: dict[str, Any] = {"id": e.get("guid", e.get("link", ""))}
        for ours, theirs in (("title", "title"), ("link", "url"), ("summary", "summary")):
            if ours in e:
                item[theirs] = e[ours]
        if "content" in e:
            item["content_html"] = e["content"]
        if "date" in e:
            item["date_published"] = _iso(e["date"])
        if "categories" in e:
            item["tags"] = list(e["categories"])
        if "image" in e:
            item["image"] = e["image"]
        out.append(item)
    feed = {
        "version": f"https://jsonfeed.org/version/{version}",
        "title": title,
        "home_page_url": "https://example.org/",
        "items": out,
    }
    return json.dumps(feed).encode()


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")
