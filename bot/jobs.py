"""Plain job functions that take `now`: the scheduler calls them, and so do tests."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.article import ScanResult
from bot.config import Settings
from bot.content import scan
from bot.store import Store

log = logging.getLogger(__name__)


def rescan(settings: Settings, store: Store, now: datetime) -> ScanResult:
    """Bring the store up to date with the content folder (only changed files are read)."""
    result = scan(settings.content_dir, store.file_index())
    store.apply_scan(result, now)
    if result.records or result.bad or result.removed:
        log.info(
            "content: %d new or changed, %d bad, %d removed, %d unchanged",
            len(result.records),
            len(result.bad),
            len(result.removed),
            result.unchanged,
        )
    return result
