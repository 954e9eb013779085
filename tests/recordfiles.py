"""Record file text and a writer, shared by the content and scan tests."""

from __future__ import annotations

from pathlib import Path

SECRET = "tOpSeCrEt+Value/9f8e7d6c5b4a==;AbCdEf0123=="

BASE = """---
title: "{title}"
excerpt: "{excerpt}"
publishedDateTime: 2026-11-24T08:30:00Z
originalUrl: "https://www.example.com/2026/11/24/story/"
webUrl: "https://www.example.com/2026/11/24/story/"
quality: {quality}
heat: 40
published: false
provider:
  name: Example News
  domain: example.com
topics:
  - AI
{more}secured: "{secret}"
---
{body}"""


def record_text(
    title: str = "A Plain Title",
    excerpt: str = "A plain excerpt.",
    quality: str = "72",
    more: str = "",
    body: str = "",
) -> str:
    return BASE.format(
        title=title, excerpt=excerpt, quality=quality, more=more, secret=SECRET, body=body
    )


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path
