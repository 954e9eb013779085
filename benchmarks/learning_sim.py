"""Does learning help? 30 simulated days of digests, engagement_weight 0 against the default.

Run ``python benchmarks/learning_sim.py [--days 30] [--seeds 5] [--weight 0.25]``.

Each day 40 new articles arrive (quality 50–100, heat 0–100, one or two of 8 topics, one of
6 providers). A team of 30 synthetic readers gets one 5-item digest a day, picked by the
real code: a SQLite `Store`, `preview_digest` (eligibility, dedupe, the per-provider cap,
and the blend with the team's affinity learned from the store's signals), and
publications recorded as `run_digest` records them. Every reader clicks an item with
probability

    base · quality/100 · taste(topics) · taste(provider) · own taste / (1 + 0.3 · position)

where the team's tastes are drawn once per seed (log-normal, σ 0.8 for topics and 0.5 for
providers) and each reader varies around them (σ 0.3). A click is a Read signal; a fifth of
clicks also vote Useful. Both arms see the same articles and the same random draws for the
same (day, reader, article): only the ranking differs. Printed: clicks per impression (an
impression = one item posted), its ratio learned/plain (target >= 1.3x), and the distinct
topics posted per week (no collapse onto one topic).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import statistics
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from bot.config import DigestSettings, Settings  # noqa: E402
from bot.content.article import Article, Provider, Record, ScanResult  # noqa: E402
from bot.publishing.digest import preview_digest  # noqa: E402
from bot.store.store import Store  # noqa: E402
from bot.store.tables import READ, USEFUL  # noqa: E402

TOPICS = ("AI", "Chips", "Policy", "Climate", "Security", "Space", "Biotech", "Energy")
PROVIDERS = ("wire", "daily", "lab", "review", "herald", "post")
READERS, PER_DAY, SIZE, BASE_CLICK, VOTE_SHARE = 30, 40, 5, 0.25, 0.2
CHANNEL = "CNEWS"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


@dataclass
class Arm:
    clicks: int = 0
    impressions: int = 0
    topics_by_week: dict[int, set[str]] | None = None

    @property
    def ctr(self) -> float:
        return self.clicks / self.impressions if self.impressions else 0.0


def tastes(rng: random.Random) -> tuple[dict[str, float], dict[str, float], list[dict[str, float]]]:
    topic = {t: math.exp(rng.gauss(0, 0.8)) for t in TOPICS}
    provider = {p: math.exp(rng.gauss(0, 0.5)) for p in PROVIDERS}
    own = [{k: math.exp(rng.gauss(0, 0.3)) for k in (*TOPICS, *PROVIDERS)} for _ in range(READERS)]
    return topic, provider, own


def articles_of_day(rng: random.Random, day: int, now: datetime) -> list[Article]:
    out = []
    for n in range(PER_DAY):
        item = f"d{day:02}n{n:02}"
        topics = tuple(rng.sample(TOPICS, rng.choice((1, 1, 2))))
        provider = rng.choice(PROVIDERS)
        out.append(
            Article(
                id=item,
                title=f"Story {item}",
                url=f"https://{provider}.example/{item}",
                quality=rng.randint(50, 100),
                heat=rng.randint(0, 100),
                published_at=now - timedelta(hours=rng.randint(0, 20)),
                provider=Provider(provider.title(), f"{provider}.example"),
                topics=topics,
            )
        )
    return out


def draw(seed: int, *parts: object) -> float:
    """A uniform draw fixed by (seed, parts): both arms see the same luck for the same event."""
    digest = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def click_probability(article: Article, position: int, reader: int, taste) -> float:
    topic, provider, own = taste
    name = article.provider.domain.removesuffix(".example")
    liking = statistics.fmean(topic[t] * own[reader][t] for t in article.topics)
    liking *= provider[name] * own[reader][name]
    return min(1.0, BASE_CLICK * article.quality / 100 * liking / (1 + 0.3 * position))


def simulate(weight: float, seed: int, days: int, folder: Path) -> Arm:
    store = Store(f"sqlite:///{folder / f'sim-{weight}-{seed}.db'}")
    settings = Settings(content_dir=folder, engagement_weight=weight, max_age_days=3)
    digest = DigestSettings(channel=CHANNEL, size=SIZE)
    world, taste = random.Random(seed), tastes(random.Random(seed * 7919 + 1))
    arm = Arm(topics_by_week={})
    for day in range(days):
        now = START + timedelta(days=day)
        new = articles_of_day(world, day, now)
        records = [Record(a, f"{a.id}.md", 1, 1) for a in new]
        store.apply_scan(ScanResult(records=records, bad=[], removed=[]), now)
        picked = preview_digest(settings, store, digest, now)
        store.record_publications([a.id for a in picked], CHANNEL, f"{day}.0", None, now)
        arm.impressions += len(picked)
        arm.topics_by_week.setdefault(day // 7, set()).update(t for a in picked for t in a.topics)
        for position, article in enumerate(picked):
            for reader in range(READERS):
                chance = click_probability(article, position, reader, taste)
                if draw(seed, article.id, reader) < chance:
                    arm.clicks += 1
                    when = now + timedelta(hours=1)
                    store.signals.add_signal(
                        article.id, f"U{reader:03}", READ, when, channel=CHANNEL
                    )
                    if draw(seed, article.id, reader, "vote") < VOTE_SHARE:
                        store.signals.add_signal(article.id, f"U{reader:03}", USEFUL, when)
    store.close()
    return arm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--weight", type=float, default=0.25)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(1, args.seeds + 1):
            plain = simulate(0.0, seed, args.days, Path(tmp))
            learned = simulate(args.weight, seed, args.days, Path(tmp))
            rows.append((seed, plain, learned))
            print(
                f"seed {seed}: clicks/impression {plain.ctr:.2f} -> {learned.ctr:.2f} "
                f"({learned.ctr / plain.ctr:.2f}x); topics/week "
                f"{_topics(plain):.1f} -> {_topics(learned):.1f} of {len(TOPICS)}"
            )
    ratio = statistics.median(learned.ctr / plain.ctr for _, plain, learned in rows)
    low = min(_topics(learned) for _, _, learned in rows)
    print(
        f"median ratio {ratio:.2f}x (target >= 1.3x); fewest distinct topics in a week "
        f"(learned, mean over weeks): {low:.1f}"
    )
    return 0 if ratio >= 1.3 else 1


def _topics(arm: Arm) -> float:
    weeks = arm.topics_by_week or {}
    return statistics.fmean(len(t) for t in weeks.values()) if weeks else 0.0


if __name__ == "__main__":
    raise SystemExit(main())
