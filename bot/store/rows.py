"""Row <-> object mapping of the store: records to `items` rows, rows back to objects.

Pure: no connection, no SQL. The queries that produce these rows (`ARTICLE_COLUMNS`,
`CANDIDATE_COLUMNS`) live in `bot.store.tables`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from bot.content.article import APPROVED, Article, Decision, Record
from bot.content.select import Candidate, candidate_of
from bot.store.fingerprint import of_article


def item_row(rec: Record, now: datetime) -> dict[str, Any]:
    """The items row of a parsed record; `secured` goes to its own column only."""
    art, cand = rec.article, candidate_of(rec.article)
    searchable = [art.title, art.excerpt, *art.topics, art.provider.name, art.provider.domain]
    return {
        "id": art.id,
        "path": rec.path,
        "mtime_ns": rec.mtime_ns,
        "size": rec.size,
        "present": True,
        "data": _dumps(art.to_dict()),
        "secured": rec.secured.reveal() if rec.secured is not None else None,
        "quality": art.quality,
        "heat": art.heat,
        "published_ts": _epoch(cand.published_at),
        "source_published": bool(art.published),
        "provider": cand.provider,
        "topics": _dumps(list(art.topics)),
        "canonical_url": cand.canonical_url,
        "title_key": cand.title_key,
        "search_text": "\n".join(searchable).casefold(),
        "first_seen": now,
        "updated_at": now,
        "fingerprint": of_article(art),
    }


def article_of(row: Row[Any], edited: bool) -> Article:
    """The article of an ARTICLE_COLUMNS row; `edited` applies an approved edit."""
    art = Article.from_dict(json.loads(row.data))
    if not edited or row.decision != APPROVED:
        return art
    return art.edited(row.title, row.excerpt)


def decision_of(row: Row[Any]) -> Decision:
    """The Decision of a decisions row (its fingerprint is the store's business)."""
    return Decision(**{k: v for k, v in row._mapping.items() if k != "fingerprint"})


def candidate_of_row(row: Row[Any]) -> Candidate:
    """The Candidate of a CANDIDATE_COLUMNS row."""
    when = datetime.fromtimestamp(row.published_at, UTC) if row.published_at else None
    topics = tuple(json.loads(row.topics))
    return Candidate(**{**row._mapping, "published_at": when, "topics": topics})


def _epoch(when: datetime | None) -> int:
    # 0 means unknown; a known date before 1970 is clamped to 1 so it still ranks above unknown.
    return 0 if when is None else max(1, int(when.timestamp()))


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> str:
    # Unknown front-matter fields kept in `extra` may hold YAML dates.
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
