"""Ranking that learns (bot/content/ranking.py, bot/publishing/affinity.py, SPEC §9):
weight 0 is §2 exactly, a few clicks cannot swing it, steady interest does, old signals fade.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from factories import make_record
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import DigestSettings, Policy, Settings
from bot.content.article import ScanResult
from bot.content.ranking import (
    Affinity,
    Exposure,
    blend,
    decay,
    editorial,
    learn,
    reason,
    score,
)
from bot.content.select import Candidate, pick, rank, rank_key
from bot.publishing.affinity import team_affinity
from bot.publishing.digest import preview_digest
from bot.store.store import Store
from bot.store.tables import READ, USEFUL

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TOPICS = ("AI", "Chips", "Policy", "Climate")
PROVIDERS = ("wire.example", "daily.example", "lab.example")


def cand(id: str, quality: int, heat: int = 10, topics=("AI",), provider="wire.example", days=1):
    return Candidate(
        id=id,
        quality=quality,
        heat=heat,
        published_at=NOW - timedelta(days=days),
        provider=provider,
        topics=tuple(topics),
        canonical_url=f"example.com/{id}",
        title_key=f"title {id}",
    )


def fixed_set(n: int = 60, seed: int = 7) -> list[Candidate]:
    rng = random.Random(seed)
    return [
        cand(
            f"c{i:03}",
            rng.randint(40, 100),
            rng.randint(0, 100),
            (rng.choice(TOPICS),),
            rng.choice(PROVIDERS),
            rng.randint(0, 20),
        )
        for i in range(n)
    ]


STRONG = Affinity(0.25, {"chips": 3.0, "policy": 0.4}, {"lab.example": 2.0})


# ---------------------------------------------------------------- weight 0 is §2


def test_weight_zero_picks_exactly_what_plain_ranking_picks() -> None:
    cands, policy = fixed_set(), Policy(size=10, per_provider=2, quality_min=50)
    plain = pick(rank(cands), policy, NOW)
    for affinity in (Affinity(0.0, STRONG.topics, STRONG.providers), None, Affinity(0.25)):
        got = pick(rank(cands), policy, NOW, affinity=affinity)
        assert [c.id for c in got] == [c.id for c in plain]


def test_weight_zero_through_the_store_with_signals_is_today_s_pick(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'n.db'}")
    records = [
        make_record(f"r{i:02}", quality=60 + i % 30, heat=i, topics=(TOPICS[i % 4],))
        for i in range(40)
    ]
    store.apply_scan(ScanResult(records=records, bad=[], removed=[]), NOW)
    store.record_publications(["r00", "r01"], "CNEWS", "1.1", None, NOW - timedelta(days=1))
    for user in ("U1", "U2", "U3"):
        store.signals.add_signal("r01", user, READ, NOW - timedelta(hours=3))
    base = Settings(content_dir=tmp_path, engagement_weight=0.0)
    digest = DigestSettings(channel="COTHER", size=8)
    zero = preview_digest(base, store, digest, NOW)
    ranked = store.candidates(channel="COTHER", quality_min=50)
    plain = pick(ranked, base.digest_policy(digest), NOW)
    assert [a.id for a in zero] == [c.id for c in plain]
    assert team_affinity(base, store, NOW) == Affinity(0.0)
    store.close()


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 1.0), st.integers(0, 1000))
def test_a_neutral_affinity_keeps_section_2_order_at_any_weight(weight: float, seed: int) -> None:
    cands = rank(fixed_set(40, seed))
    assert list(blend(cands, Affinity(weight))) == cands


# ---------------------------------------------------------------- the blend


lifts = st.dictionaries(st.sampled_from([t.casefold() for t in TOPICS]), st.floats(0.2, 5.0))
provider_lifts = st.dictionaries(st.sampled_from(PROVIDERS), st.floats(0.2, 5.0))


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 1.0), lifts, provider_lifts, st.integers(0, 1000))
def test_the_lazy_blend_is_the_full_sort_by_score(w, topics, providers, seed) -> None:
    cands = rank(fixed_set(50, seed))
    affinity = Affinity(w, topics, providers)
    expected = sorted(cands, key=lambda c: (-score(c, affinity), rank_key(c)))
    got = list(blend(cands, affinity))
    assert [score(c, affinity) for c in got] == [score(c, affinity) for c in expected]
    assert sorted(c.id for c in got) == sorted(c.id for c in cands)


def test_the_blend_reads_only_what_it_needs() -> None:
    stream = iter([*rank(fixed_set(200)), cand("zz-last", 0)])
    pick(stream, Policy(size=3, quality_min=0), NOW, affinity=STRONG)
    assert next(stream, None) is not None  # quality 0 could never climb into the top 3


def test_affinity_lifts_a_loved_topic_and_the_cap_and_dedupe_still_apply() -> None:
    cands = [
        cand("plain1", 90, topics=("AI",), provider="wire.example"),
        cand("plain2", 88, topics=("AI",), provider="daily.example"),
        cand("chips1", 84, topics=("Chips",), provider="lab.example"),
        cand("chips2", 83, topics=("Chips",), provider="lab.example"),
        cand("chips3", 82, topics=("Chips",), provider="lab.example"),  # capped: 2 per provider
        cand("copy", 81, topics=("Chips",), provider="x.example"),
    ]
    cands[-1] = _with_url(cands[-1], "example.com/chips1")
    policy = Policy(size=4, per_provider=2, quality_min=0)
    assert [c.id for c in pick(rank(cands), policy, NOW)] == [
        "plain1",
        "plain2",
        "chips1",
        "chips2",
    ]
    learned = [c.id for c in pick(rank(cands), policy, NOW, affinity=STRONG)]
    assert learned[:2] == ["chips1", "chips2"] and "chips3" not in learned
    assert "copy" not in learned  # same URL as chips1


def _with_url(c: Candidate, url: str) -> Candidate:
    return Candidate(
        c.id, c.quality, c.heat, c.published_at, c.provider, c.topics, url, c.title_key
    )


def test_the_reason_line_names_the_strongest_pull() -> None:
    c = cand("x", 82, heat=40, topics=("Chips",), provider="wire.example")
    assert reason(c, STRONG) == "quality 82 · heat 40 · team reads Chips ×3.0"
    assert reason(c, None) == "quality 82 · heat 40"
    assert reason(cand("y", 70, topics=("Climate",)), STRONG) == "quality 70 · heat 10"


# ---------------------------------------------------------------- learning


def shown(topic: str, provider: str, n: int, days: float = 1.0) -> list[Exposure]:
    return [Exposure(provider, (topic,), NOW - timedelta(days=days))] * n


def test_a_handful_of_clicks_cannot_swing_it_but_steady_interest_does() -> None:
    base = shown("AI", "wire.example", 200) + shown("Chips", "lab.example", 1)
    base_clicks = shown("AI", "wire.example", 100)  # the team reads half of what it gets
    few = learn(
        base, base_clicks + shown("Chips", "lab.example", 3), NOW, weight=0.25, half_life_days=14
    )
    assert 1.0 < few.topics["chips"] < 1.3
    boost = score(cand("c", 80, topics=("Chips",), provider="lab.example"), few) - score(
        cand("c", 80, topics=("Climate",), provider="new.example"), few
    )
    assert boost / 0.75 * 100 < 4  # worth under 4 quality points (of 100)
    many_shown = base + shown("Chips", "lab.example", 60)
    steady = learn(
        many_shown,
        base_clicks + shown("Chips", "lab.example", 90),
        NOW,
        weight=0.25,
        half_life_days=14,
    )
    assert steady.topics["chips"] > 1.5 and steady.topics["ai"] < 1.0


def test_old_signals_fade_with_the_half_life() -> None:
    assert decay(NOW - timedelta(days=14), NOW, 14) == 0.5
    assert decay(NOW + timedelta(days=1), NOW, 14) == 1.0  # a clock skew never weighs more
    shown_both = shown("AI", "w", 50, days=28) + shown("Chips", "w", 50, days=28)
    old = shown("Chips", "w", 40, days=28)
    new = shown("AI", "w", 20, days=0)
    learned = learn(shown_both, old + new, NOW, weight=0.5, half_life_days=14)
    assert learned.topics["ai"] > learned.topics["chips"]  # 20 today beat 40 a month ago


def test_nothing_learned_is_neutral() -> None:
    assert learn([], [], NOW, weight=0.25, half_life_days=14) == Affinity(0.25)
    assert not Affinity(0.25).active
    assert editorial(cand("a", 100, heat=100)) > editorial(cand("b", 100, heat=99))


def test_team_affinity_learns_from_the_store(store: Store, tmp_path: Path) -> None:
    records = [
        make_record(f"r{i}", quality=70, topics=(TOPICS[i % 2],), provider="Wire")
        for i in range(20)
    ]
    store.apply_scan(ScanResult(records=records, bad=[], removed=[]), NOW)
    store.record_publications([r.article.id for r in records], "CNEWS", "1.1", None, NOW)
    for i in range(0, 20, 2):  # every AI item read by three people, and voted by one
        for user in ("U1", "U2", "U3"):
            store.signals.add_signal(f"r{i}", user, READ, NOW)
        store.signals.add_signal(f"r{i}", "U1", USEFUL, NOW)
    learned = team_affinity(Settings(content_dir=tmp_path, engagement_weight=0.25), store, NOW)
    assert learned.topics["ai"] > 1.3 > 0.7 > learned.topics["chips"]
