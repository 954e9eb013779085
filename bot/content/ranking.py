"""Ranking that learns (SPEC §9): the editorial score blended with the team's affinity.

Pure: no I/O and no clock; callers pass `now` and the exposures and engagements read from
the store (see `bot.publishing.affinity`).

* The *editorial* score is §2's order as a number: quality, then heat (heat / 101 stays
  below one quality point), in 0..~1.01.
* The team's *affinity* for a topic or a provider is its lift: engagements per impression
  for items with that key, over the same rate for all items. Both counts decay with a
  half-life, and each key starts from `PRIOR_ENGAGEMENTS` engagements at the team's own
  rate (a Bayesian prior, counted in engagements so that it weighs the same for a team of
  five and of five hundred), so a handful of clicks moves a lift only a little.
* A candidate's engagement score is (1 + tanh(a)) / 2 in 0..1, where `a` is the mean of
  the log-lift of its topics and of its provider: 0.5 is neutral.
* Its rank is `(1 - w) * editorial + w * engagement`, then §2's keys break ties. With
  w = 0 (or no signals yet) the order is exactly §2's.
"""

from __future__ import annotations

import heapq
import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.content.dates import as_utc

if TYPE_CHECKING:  # select imports this module; the Candidate type is all we need of it
    from bot.content.select import Candidate

PRIOR_ENGAGEMENTS = 10.0  # each key starts with this many (decayed) engagements at the mean
SHOWN_LIFT = 0.05  # a lift closer to 1 than this is not worth a word in the reason line
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Exposure:
    """An item shown to the team (a publication), or an engagement with one (a signal)."""

    provider: str
    topics: tuple[str, ...]
    at: datetime
    weight: float = 1.0  # an engagement's worth (a Useful vote may count more than a read)


@dataclass(frozen=True, slots=True)
class Affinity:
    """What ranking learned: lifts (1.0 neutral) by folded topic and by provider key."""

    weight: float = 0.0  # engagement_weight
    topics: Mapping[str, float] = field(default_factory=dict)
    providers: Mapping[str, float] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.weight > 0 and bool(self.topics or self.providers)


def fold_topic(topic: str) -> str:
    """A topic as compared: NFKC, casefolded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", topic).casefold().split())


def decay(at: datetime, now: datetime, half_life_days: float) -> float:
    """The weight of something `at` seen from `now`: halves every `half_life_days`."""
    age = max((as_utc(now) - as_utc(at)).total_seconds(), 0.0) / SECONDS_PER_DAY
    return 0.5 ** (age / half_life_days)


def learn(
    impressions: Iterable[Exposure],
    engagements: Iterable[Exposure],
    now: datetime,
    *,
    weight: float,
    half_life_days: float,
    prior: float = PRIOR_ENGAGEMENTS,
) -> Affinity:
    """Smoothed, decayed lifts of every topic and provider seen in `impressions`."""
    shown = _decayed_totals(impressions, now, half_life_days)
    engaged = _decayed_totals(engagements, now, half_life_days)
    total_shown, total_engaged = shown.pop(None, 0.0), engaged.pop(None, 0.0)
    if total_shown <= 0 or total_engaged <= 0:
        return Affinity(weight)  # nothing learned yet: neutral
    base = total_engaged / total_shown
    lifts = {
        key: (engaged.get(key, 0.0) + prior) / (count + prior / base) / base
        for key, count in shown.items()
    }
    topics = {k[1]: v for k, v in lifts.items() if k[0] == "topic"}
    providers = {k[1]: v for k, v in lifts.items() if k[0] == "provider"}
    return Affinity(weight, topics, providers)


def _decayed_totals(
    events: Iterable[Exposure], now: datetime, half_life_days: float
) -> dict[tuple[str, str] | None, float]:
    totals: dict[tuple[str, str] | None, float] = defaultdict(float)
    for event in events:
        worth = event.weight * decay(event.at, now, half_life_days)
        totals[None] += worth
        for topic in {fold_topic(t) for t in event.topics}:
            totals["topic", topic] += worth
        if event.provider:
            totals["provider", event.provider] += worth
    return totals


# ---------------------------------------------------------------- scoring


def editorial(c: Candidate) -> float:
    """§2's order as a number: quality, then heat, in 0..~1.01."""
    return (c.quality + c.heat / 101) / 100


def affinity_of(c: Candidate, affinity: Affinity) -> float:
    """The mean log-lift of the candidate's topics and of its provider (0 = neutral)."""
    parts = []
    topics = [math.log(affinity.topics.get(fold_topic(t), 1.0)) for t in c.topics]
    if topics:
        parts.append(sum(topics) / len(topics))
    if c.provider:
        parts.append(math.log(affinity.providers.get(c.provider, 1.0)))
    return sum(parts) / len(parts) if parts else 0.0


def engagement(c: Candidate, affinity: Affinity) -> float:
    """The engagement score in 0..1 (0.5 neutral)."""
    return (1 + math.tanh(affinity_of(c, affinity))) / 2


def score(c: Candidate, affinity: Affinity) -> float:
    """The blended rank score: higher ranks first."""
    w = affinity.weight
    return (1 - w) * editorial(c) + w * engagement(c, affinity)


def blend(ranked: Iterable[Candidate], affinity: Affinity | None) -> Iterator[Candidate]:
    """`ranked` (in §2 order) re-ordered by `score`, lazily.

    A candidate is handed on as soon as nothing still unread can beat it: the stream is in
    editorial order, so no later item scores above the current one's editorial part plus
    the best engagement any key can give. A neutral or weightless affinity is §2 order.
    """
    if affinity is None or not affinity.active:
        return iter(ranked)  # not a generator: closing ours must not close the caller's
    return _blended(ranked, affinity)


def _blended(ranked: Iterable[Candidate], affinity: Affinity) -> Iterator[Candidate]:
    w, best = affinity.weight, _best_engagement(affinity)
    # Ties keep the stream's own (§2) order: the arrival number breaks them.
    heap: list[tuple[float, int, Candidate]] = []
    for arrival, cand in enumerate(ranked):
        ceiling = (1 - w) * editorial(cand) + w * best
        while heap and -heap[0][0] > ceiling:
            yield heapq.heappop(heap)[2]
        heapq.heappush(heap, (-score(cand, affinity), arrival, cand))
    while heap:
        yield heapq.heappop(heap)[2]


def _best_engagement(affinity: Affinity) -> float:
    logs = [math.log(v) for v in (*affinity.topics.values(), *affinity.providers.values())]
    return (1 + math.tanh(max([0.0, *logs]))) / 2


def reason(c: Candidate, affinity: Affinity | None) -> str:
    """Why `c` ranks where it does, in one line: `quality 82 · heat 40 · team reads AI ×1.4`."""
    parts = [f"quality {c.quality}", f"heat {c.heat}"]
    if affinity is not None and affinity.active:
        found = [(affinity.topics.get(fold_topic(t), 1.0), t) for t in c.topics]
        if c.provider:
            found.append((affinity.providers.get(c.provider, 1.0), c.provider))
        strongest = max(found, key=lambda pair: abs(math.log(pair[0])), default=None)
        if strongest and abs(strongest[0] - 1) >= SHOWN_LIFT:
            parts.append(f"team reads {strongest[1]} ×{strongest[0]:.1f}")
    return " · ".join(parts)
