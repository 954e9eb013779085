"""Choosing what to post: dedupe keys, ranking, eligibility and picking (SPEC §2).

Pure: no I/O and no clock; callers pass `now`. The store streams candidates
already ranked by `rank_key`; `pick` walks that stream lazily and stops as soon as
it has enough, so a large backlog costs only what is read.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Policy
from bot.content.article import Article
from bot.content.dates import as_utc
from bot.content.ranking import Affinity, blend, fold_topic
from bot.content.urls import canonical_url


@dataclass(frozen=True, slots=True)
class Candidate:
    """The few facts about an article that ranking and picking need."""

    id: str
    quality: int
    heat: int
    published_at: datetime | None  # aware UTC or None
    provider: str  # provider key (see provider_key)
    topics: tuple[str, ...]
    canonical_url: str
    title_key: str


# ---------------------------------------------------------------- other keys


def title_key(title: str) -> str:
    """A key shared by titles that differ only in case, quotes, punctuation or spacing."""
    if isinstance(title, str) and title.isascii():
        # NFKC leaves ASCII as it is and casefold() is lower(): one C-level pass per step.
        return " ".join(title.lower().translate(_ASCII_DROPPED).split())
    return _title_key(title)


def _title_key(title: str) -> str:
    text = unicodedata.normalize("NFKC", title if isinstance(title, str) else "").casefold()
    kept = (" " if ch.isspace() else ch for ch in text if not _is_dropped(ch))
    return " ".join("".join(kept).split())


def _is_dropped(ch: str) -> bool:
    # Punctuation, invisible format characters (zero-width space) and controls.
    category = unicodedata.category(ch)
    return category[0] == "P" or (category in ("Cf", "Cc") and not ch.isspace())


# The ASCII characters `_is_dropped` drops, derived from it so both paths agree by design;
# whitespace needs no mapping, split() breaks on exactly what isspace() accepts.
_ASCII_DROPPED = dict.fromkeys(i for i in range(128) if _is_dropped(chr(i)))


def provider_key(name: str, domain: str) -> str:
    """The provider's domain lowercased without `www.`, else its name casefolded, else ""."""
    host = (domain or "").strip().lower()
    if "/" in host:  # a URL given where a domain was expected
        host = canonical_url(host).split("/", 1)[0]
    host = host.rstrip(".").removeprefix("www.")
    return host or (name or "").strip().casefold()


def candidate_of(article: Article) -> Candidate:
    """The ranking view of an article."""
    return Candidate(
        id=article.id,
        quality=article.quality,
        heat=article.heat,
        published_at=None if article.published_at is None else as_utc(article.published_at),
        provider=provider_key(article.provider.name, article.provider.domain),
        topics=tuple(article.topics),
        canonical_url=canonical_url(article.url),
        title_key=title_key(article.title),
    )


# ---------------------------------------------------------------- ranking


def rank_key(c: Candidate) -> tuple[int, int, int, float, str]:
    """Sort key: quality desc, heat desc, newest first (unknown date last), id asc."""
    when = c.published_at  # already UTC (candidate_of)
    recency = (1, 0.0) if when is None else (0, -when.timestamp())
    return (-c.quality, -c.heat, *recency, c.id)


def rank(cands: Iterable[Candidate]) -> list[Candidate]:
    """Candidates best first."""
    return sorted(cands, key=rank_key)


def eligible(c: Candidate, policy: Policy, now: datetime) -> bool:
    """Quality, topic and age rules of `policy` (see `Policy` for the edge cases)."""
    return (
        c.quality >= policy.quality_min
        and _topics_match(c.topics, policy.topics)
        and _fresh_enough(c.published_at, policy.max_age_days, now)
    )


def _topics_match(have: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    if not wanted:
        return True
    return not {fold_topic(t) for t in have}.isdisjoint(fold_topic(t) for t in wanted)


def _fresh_enough(published: datetime | None, max_age_days: int | None, now: datetime) -> bool:
    if max_age_days is None or published is None:
        return True
    # Exactly max_age_days old still counts ("not older than").
    return as_utc(now) - as_utc(published) <= timedelta(days=max_age_days)


# ---------------------------------------------------------------- picking


def pick(
    ranked: Iterable[Candidate],
    policy: Policy,
    now: datetime,
    *,
    taken_urls: Collection[str] = (),
    taken_titles: Collection[str] = (),
    affinity: Affinity | None = None,
) -> list[Candidate]:
    """The first `policy.size` eligible, non-duplicate items of `ranked`, in its order.

    `ranked` is consumed lazily and never past the last item picked. Every item
    walked claims its URL and title key, so a lower-ranked duplicate of a better
    item is never picked, whether the better one was picked, capped by
    `per_provider` or ineligible for this policy: the best record of a story
    speaks for it. `taken_*` hold keys from `canonical_url`/`title_key` of items
    already published or queued. Empty keys never count as duplicates, and items
    without a provider are not capped together. With an `affinity` (SPEC §9), the order
    is `ranked` re-ordered by `bot.content.ranking.blend`; the rules above still apply.
    """
    if policy.size <= 0:
        return []
    walk = _Walk(policy, now, taken_urls, taken_titles)
    picked: list[Candidate] = []
    for cand in blend(ranked, affinity):
        if walk.accepts(cand):
            picked.append(cand)
            if len(picked) >= policy.size:
                break
    return picked


class _Walk:
    """Bookkeeping of one `pick` call (local to it: no state outlives the call)."""

    __slots__ = ("_ids", "_now", "_per_provider", "_policy", "_taken", "_titles", "_urls")

    def __init__(
        self,
        policy: Policy,
        now: datetime,
        taken_urls: Collection[str],
        taken_titles: Collection[str],
    ) -> None:
        self._policy, self._now = policy, now
        # Kept apart from the walk's own sets: copying a large taken set would cost
        # time proportional to history, not to what is read.
        self._taken = (taken_urls, taken_titles)
        self._urls: set[str] = set()
        self._titles: set[str] = set()
        self._ids: set[str] = set()
        self._per_provider: dict[str, int] = {}

    def accepts(self, c: Candidate) -> bool:
        """Whether to pick `c`; records its keys either way."""
        duplicate = self._is_duplicate(c)
        self._claim(c)
        if duplicate or not eligible(c, self._policy, self._now) or self._capped(c):
            return False
        if c.provider:
            self._per_provider[c.provider] = self._per_provider.get(c.provider, 0) + 1
        return True

    def _is_duplicate(self, c: Candidate) -> bool:
        urls, titles = self._taken
        return (
            c.id in self._ids
            or _known(c.canonical_url, self._urls, urls)
            or _known(c.title_key, self._titles, titles)
        )

    def _claim(self, c: Candidate) -> None:
        self._ids.add(c.id)
        if c.canonical_url:
            self._urls.add(c.canonical_url)
        if c.title_key:
            self._titles.add(c.title_key)

    def _capped(self, c: Candidate) -> bool:
        cap = self._policy.per_provider
        return cap >= 1 and bool(c.provider) and self._per_provider.get(c.provider, 0) >= cap


def _known(key: str, seen: set[str], taken: Collection[str]) -> bool:
    # An empty key (no usable URL, an all-punctuation title) matches nothing.
    return bool(key) and (key in seen or key in taken)
