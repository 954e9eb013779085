"""What readers did (SPEC §9): the most read and most useful items, topics and providers by
clicks per impression, and each digest's reach, over the last days.

`collect_stats` reads the store and returns a `Report` of plain rows; `bot.publishing.charts`
draws it as text bar charts, for Slack (`/newsdesk stats`, the weekly summary) and for the
terminal (`newsdesk stats`). An impression is an item posted in a channel (a digest's or a
share's publication); a click is one reader's Read click on an item, counted once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.content.ranking import fold_topic
from bot.publishing.claims import DIGEST
from bot.store.signals import Impression, ItemKeys, Signal
from bot.store.store import Store
from bot.store.tables import REACTION, READ, USEFUL

DEFAULT_DAYS, MAX_DAYS = 7, 365
TOP = 5  # rows per chart


@dataclass(frozen=True, slots=True)
class Row:
    label: str  # plain text (escaped where it is shown)
    value: float  # what the bar shows
    shown: str  # the value as printed ("12", "1.50")
    detail: str = ""


@dataclass
class Report:
    days: int
    since: datetime
    clicks: int = 0
    votes: int = 0
    impressions: int = 0
    readers: int = 0
    read: list[Row] = field(default_factory=list)
    useful: list[Row] = field(default_factory=list)
    topics: list[Row] = field(default_factory=list)
    providers: list[Row] = field(default_factory=list)
    digests: list[Row] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def collect_stats(store: Store, now: datetime, days: int = DEFAULT_DAYS) -> Report:
    """The report for the `days` before `now`."""
    since = now - timedelta(days=days)
    signals, shown = store.signals.signals_since(since), store.signals.impressions_since(since)
    keys = store.signals.item_keys({s.item_id for s in signals} | {i.item_id for i in shown})
    reads = Counter(s.item_id for s in signals if s.kind == READ)
    voters: dict[str, set[str]] = defaultdict(set)
    for s in signals:
        if s.kind in (USEFUL, REACTION):
            voters[s.item_id].add(s.user_id)
    posts = Counter(i.item_id for i in shown)
    report = Report(days, since, sum(reads.values()), sum(map(len, voters.values())), len(shown))
    report.readers = len({s.user_id for s in signals})
    report.read = _item_rows(store, reads, posts, voters, lambda i: reads[i])
    report.useful = _item_rows(store, reads, posts, voters, lambda i: len(voters[i]))
    report.topics = _rate_rows(reads, posts, keys, lambda k: k.topics)
    report.providers = _rate_rows(reads, posts, keys, lambda k: (k.provider,) if k.provider else ())
    report.digests = _reach_rows(store.signals.runs_since(DIGEST, since), shown, signals)
    return report


def _item_rows(store, reads: Counter, posts: Counter, voters: dict, value) -> list[Row]:
    ids = sorted({*reads, *voters}, key=lambda i: (-value(i), i))
    ids = [i for i in ids if value(i) > 0][:TOP]
    titles = {a.id: a.title for a in store.articles(ids)}
    return [
        Row(
            titles.get(i, i),
            value(i),
            str(value(i)),
            f"{reads[i]} read · {len(voters[i])} useful · {_ratio(reads[i], posts[i])} per post",
        )
        for i in ids
    ]


def _rate_rows(reads: Counter, posts: Counter, keys: dict[str, ItemKeys], names_of) -> list[Row]:
    """Clicks per impression of each key (topic or provider) that was shown."""
    clicks: Counter[str] = Counter()
    shown: Counter[str] = Counter()
    label: dict[str, str] = {}
    for item_id, found in keys.items():
        for name in dict.fromkeys(names_of(found)):
            key = fold_topic(name)
            label.setdefault(key, name)
            clicks[key] += reads[item_id]
            shown[key] += posts[item_id]
    rates = {k: clicks[k] / shown[k] for k in shown if shown[k]}
    best = sorted(rates, key=lambda k: (-rates[k], -shown[k], k))[:TOP]
    return [
        Row(label[k], rates[k], f"{rates[k]:.2f}", f"{clicks[k]} clicks / {shown[k]} posts")
        for k in best
    ]


def _reach_rows(runs: list[dict], shown: list[Impression], signals: list[Signal]) -> list[Row]:
    """Each digest: how many people clicked or voted on its items, in its channel."""
    items_of: dict[int, set[str]] = defaultdict(set)
    for impression in shown:
        if impression.run_id is not None:
            items_of[impression.run_id].add(impression.item_id)
    rows = []
    for run in runs:
        ids, channel = items_of[run["id"]], run["channel"]
        mine = [s for s in signals if s.item_id in ids and s.channel == channel]
        readers = len({s.user_id for s in mine})
        clicks = sum(1 for s in mine if s.kind == READ)
        when = f"{run['due_at']:%a %d %b}"
        detail = f"{len(ids)} items · {clicks} clicks"
        rows.append(Row(f"{channel} {when}", readers, str(readers), detail))
    return rows


def _ratio(clicks: int, posts: int) -> str:
    return f"{clicks / posts:.2f}" if posts else "–"
