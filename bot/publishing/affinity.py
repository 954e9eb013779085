"""What the team reads: signals and publications from the store, turned into an `Affinity`.

The reading is here and the arithmetic in `bot.content.ranking` (pure), so selection stays
pure and gets the result as data. Signals older than `HORIZON_HALF_LIVES` half-lives weigh
under 0.4 % and are not read at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.config import Settings
from bot.content.ranking import Affinity, Exposure, learn
from bot.store.store import Store
from bot.store.tables import REACTION, READ, USEFUL

HORIZON_HALF_LIVES = 8
# What one person's signal is worth: a vote says more than a click.
KIND_WEIGHTS = {READ: 1.0, USEFUL: 2.0, REACTION: 1.0}


def team_affinity(settings: Settings, store: Store, now: datetime) -> Affinity:
    """The team's learned affinity; neutral when `engagement_weight` is 0 (nothing read)."""
    weight = settings.engagement_weight
    if weight <= 0:
        return Affinity(0.0)
    half_life = settings.engagement_half_life_days
    since = now - timedelta(days=half_life * HORIZON_HALF_LIVES)
    shown = store.signals.impressions_since(since)
    signals = store.signals.signals_since(since)
    keys = store.signals.item_keys({s.item_id for s in shown} | {s.item_id for s in signals})
    impressions = _exposures(keys, ((s.item_id, s.at, 1.0) for s in shown))
    engaged = _exposures(keys, ((s.item_id, s.at, KIND_WEIGHTS.get(s.kind, 1.0)) for s in signals))
    return learn(impressions, engaged, now, weight=weight, half_life_days=half_life)


def _exposures(keys, events: Iterable[tuple[str, datetime, float]]) -> list[Exposure]:
    out = []
    for item_id, at, worth in events:
        found = keys.get(item_id)
        if found is not None:
            out.append(Exposure(found.provider, found.topics, at, worth))
    return out
