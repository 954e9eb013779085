"""Readable renderings of cards and digests for the terminal and for an HTML preview.

Record text is untrusted: control characters are removed before it reaches a terminal (no
escape-sequence tricks) and everything is HTML-escaped in the preview page.
"""

from __future__ import annotations

import html
import textwrap
import unicodedata
from collections.abc import Sequence
from datetime import tzinfo

from bot.content.article import Article
from bot.content.dates import readable_date

WIDTH = 88
KEEP = frozenset("\n\u200c\u200d")
INDENT = "   "
HTML_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 640px;
       margin: 2em auto; color: #1d1c1d; }}
.card {{ border-left: 4px solid #ddd; padding: 0.2em 1em; margin: 1em 0; }}
.card h2 {{ font-size: 1.15em; margin: 0.4em 0; }}
.meta, .related {{ color: #616061; font-size: 0.9em; }}
.card img {{ max-width: 100%; border-radius: 6px; }}
a.read {{ display: inline-block; border: 1px solid #bbb; border-radius: 4px;
          padding: 0.2em 0.8em; text-decoration: none; color: #1d1c1d; }}
</style></head><body>
{body}
</body></html>
"""


def safe(text: str) -> str:
    """Text without control characters (newlines kept), safe to print to a terminal.

    Zero-width (non-)joiners stay: emoji sequences such as 👩‍💻 are built with them.
    """
    return "".join(ch for ch in text if ch in KEEP or not unicodedata.category(ch).startswith("C"))


def meta_line(article: Article, tz: tzinfo) -> str:
    parts = [article.provider.name]
    if article.published_at:
        parts.append(readable_date(article.published_at, tz))
    if article.topics:
        parts.append(", ".join(article.topics))
    return " · ".join(p for p in parts if p)


def card_text(article: Article, tz: tzinfo, number: int | None = None) -> str:
    """One article for the terminal: title, excerpt, provider/date/topics, related, URL."""
    head = f"{number}. " if number is not None else ""
    lines = [safe(head + article.title)]
    lines += _wrapped(article.excerpt)
    lines += _note_lines(article.note)
    if meta := meta_line(article, tz):
        lines.append(INDENT + safe(meta))
    lines += _related_lines(article)
    lines.append(f"{INDENT}Read: {safe(article.url)}")
    return "\n".join(lines)


def digest_text(articles: Sequence[Article], heading: str, tz: tzinfo) -> str:
    """A whole digest for the terminal."""
    if not articles:
        return f"{heading}\n\nNothing to post: no eligible articles."
    cards = [card_text(a, tz, i) for i, a in enumerate(articles, 1)]
    rule = "─" * min(WIDTH, max(len(heading), 20))
    return "\n\n".join([f"{heading}\n{rule}", *cards])


def card_html(article: Article, tz: tzinfo) -> str:
    """A stand-alone HTML page previewing the card."""
    esc = html.escape
    parts = [f"<h2>{esc(article.title)}</h2>"]
    if article.excerpt:
        parts.append(f"<p>{esc(article.excerpt)}</p>")
    if article.note:
        parts.append(f"<p><em>Editor's note: {esc(article.note)}</em></p>")
    if article.images:
        alt = esc(article.title, quote=True)
        parts.append(f'<img src="{esc(article.images[0].url, quote=True)}" alt="{alt}">')
    parts.append(f'<p class="meta">{esc(meta_line(article, tz))}</p>')
    parts += [_related_html(r.title, r.url, r.provider) for r in article.related[:3]]
    parts.append(f'<p><a class="read" href="{esc(article.url, quote=True)}">Read article</a></p>')
    body = '<div class="card">' + "\n".join(parts) + "</div>"
    return HTML_PAGE.format(title=esc(article.title), body=body)


def _related_html(title: str, url: str, provider: str) -> str:
    esc = html.escape
    suffix = f" — {esc(provider)}" if provider else ""
    return f'<p class="related">• <a href="{esc(url, quote=True)}">{esc(title)}</a>{suffix}</p>'


def _note_lines(note: str) -> list[str]:
    # Keep the note's own lines (Markdown lists, paragraphs), wrapping each one.
    if not note.strip():
        return []
    lines = [f"{INDENT}Editor's note:"]
    for line in note.strip().splitlines():
        lines += _wrapped(line, INDENT + "  ") if line.strip() else [""]
    return lines


def _wrapped(text: str, indent: str = INDENT) -> list[str]:
    if not text:
        return []
    return textwrap.wrap(safe(text), WIDTH, initial_indent=indent, subsequent_indent=indent)


def _related_lines(article: Article) -> list[str]:
    if not article.related:
        return []
    lines = [f"{INDENT}Related:"]
    for item in article.related[:3]:
        provider = f" ({item.provider})" if item.provider else ""
        lines.append(safe(f"{INDENT}  • {item.title}{provider}"))
        lines.append(safe(f"{INDENT}    {item.url}"))
    return lines
