"""Record file text and writers, shared by the tests that put records on disk."""

from __future__ import annotations

from collections.abc import Callable
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


# A short eligible record `n`: `label` starts the title, `host` names its site.
SHORT = """---
title: "{label} story {n} for the team"
excerpt: "Story {n}: what happened and why it matters."
publishedDateTime: 2026-11-20T08:00:00Z
originalUrl: "https://{host}{n}.example.com/story/{n}/"
quality: {quality}
heat: {n}
provider: {{name: "Provider {n}"}}
topics: [AI]
---
"""

# A full record `n` with an image and related links; `more` goes before the closing `---`.
RICH = """---
title: "{title}"
excerpt: "{lead}: what happened, why it matters and what comes next for the teams involved."
publishedDateTime: 2026-11-{day:02d}T08:00:00Z
originalUrl: "https://{host}{n}.example.com/2026/story-{n}/"
quality: {quality}
heat: {heat}
provider: {{name: "Provider {n}", domain: "{host}{n}.example.com"}}
topics: [AI, Cloud]
images:
  - url: "https://img.example.com/{n}.jpg"
    width: 800
    height: 400
related:
  - title: "Background to story {n}"
    webUrl: "https://other{n}.example.org/background/"
    provider: {{name: "Other {n}"}}
{more}---
Editor's note on story {n}: worth a read.
"""


def short_record(label: str, host: str, n: int, quality: int) -> str:
    return SHORT.format(label=label, host=host, n=n, quality=quality)


def rich_record(
    n: int,
    *,
    title: str,
    lead: str,
    host: str,
    quality: int,
    heat: int,
    day: int = 20,
    more: str = "",
) -> str:
    return RICH.format(
        n=n, title=title, lead=lead, host=host, quality=quality, heat=heat, day=day, more=more
    )


def write_numbered(
    folder: Path, prefix: str, count: int, text: Callable[[int], str], start: int = 1
) -> list[str]:
    """Records `{prefix}NN.md` for n = start, start + 1, ... with `text(n)`; their ids."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for n in range(start, start + count):
        ids.append(f"{prefix}{n:02d}")
        (folder / f"{ids[-1]}.md").write_text(text(n), encoding="utf-8")
    return ids
