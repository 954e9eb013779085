"""The fingerprint of what an approver sees of an item: URL, title, excerpt and image.

Decisions and review posts carry the fingerprint of the content they were about; a decision
is in force only while the item's current fingerprint is the same (SPEC §3, "Decisions bind
content"). Changing this function makes every stored decision stale: keep it stable.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bot.content.article import Article


def fingerprint(url: str, title: str, excerpt: str, image: str) -> str:
    """sha256 (hex) of the four fields, unambiguously joined."""
    joined = json.dumps([url, title, excerpt, image], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


def of_article(article: Article) -> str:
    image = article.images[0].url if article.images else ""
    return fingerprint(article.url, article.title, article.excerpt, image)


def of_data(data: dict[str, Any]) -> str:
    """The fingerprint of an item as stored (`items.data`, Article.to_dict())."""
    images = data.get("images") or [{}]
    image = str(images[0].get("url") or "")
    return fingerprint(data["url"], data["title"], data.get("excerpt", ""), image)
