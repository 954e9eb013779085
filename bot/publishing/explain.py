"""A digest preview that says why: each item with its one-line ranking reason (SPEC §9).

`/newsdesk next` and `/newsdesk digest` show, under each card, e.g.
`quality 82 · heat 40 · team reads AI ×1.4`.
"""

from __future__ import annotations

from datetime import datetime

from bot.config import DigestSettings, Settings
from bot.content.article import Article
from bot.content.ranking import reason
from bot.content.select import candidate_of
from bot.publishing.affinity import team_affinity
from bot.publishing.digest import preview_digest
from bot.store.store import Store


def explained_preview(
    settings: Settings,
    store: Store,
    digest: DigestSettings,
    now: datetime,
    *,
    approved_only: bool | None = None,
) -> tuple[list[Article], dict[str, str]]:
    """The next digest's articles and, by id, why each ranks where it does."""
    affinity = team_affinity(settings, store, now)
    articles = preview_digest(
        settings, store, digest, now, approved_only=approved_only, affinity=affinity
    )
    return articles, {a.id: reason(candidate_of(a), affinity) for a in articles}
