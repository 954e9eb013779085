"""Tests for bot.content.select and bot.content.urls: dedupe keys, ranking, eligibility, picking."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.content import select as select_module
from bot.content.article import Article, Provider
from bot.content.select import (
    Candidate,
    Policy,
    candidate_of,
    eligible,
    pick,
    provider_key,
    rank,
    rank_key,
    title_key,
)
from bot.content.urls import canonical_url

NOW = datetime(2021, 4, 25, 12, 0, tzinfo=UTC)
SEED_PATH = "/2021/04/19/chinas-exascale-prototype-supercomputer-tests-ai-workloads"
SEED_KEY = f"nextplatform.com{SEED_PATH}"
SEED_PAGE = f"www.nextplatform.com{SEED_PATH}"
SEED_URLS = [
    f"https://{SEED_PAGE}/",  # originalUrl
    f"https://{SEED_PAGE}/",  # webUrl
    f"https://{SEED_PAGE}/amp/",  # ampWebUrl
    f"https://www-nextplatform-com.cdn.ampproject.org/c/s/{SEED_PAGE}/amp/",  # cdnAmpWebUrl
]


def cand(id: str = "a", **kw: object) -> Candidate:
    fields: dict[str, object] = {
        "quality": 60,
        "heat": 10,
        "published_at": NOW - timedelta(days=1),
        "provider": f"{id}.example",
        "topics": ("AI",),
        "canonical_url": f"example.com/{id}",
        "title_key": f"title {id}",
    }
    fields.update(kw)
    return Candidate(id=id, **fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------- canonical_url


@pytest.mark.parametrize("url", SEED_URLS)
def test_seed_urls_fold_to_one_key(url: str) -> None:
    assert canonical_url(url) == SEED_KEY


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("HTTPS://WWW.Example.COM/Path", "example.com/Path"),  # host case only
        ("http://example.com/a", "example.com/a"),  # http and https fold
        ("https://example.com:443/a", "example.com/a"),
        ("http://example.com:80/a", "example.com/a"),
        ("https://example.com:8443/a", "example.com:8443/a"),
        ("https://example.com/a#comments", "example.com/a"),
        ("https://example.com/a/", "example.com/a"),
        ("https://example.com/", "example.com"),
        ("https://example.com/a?utm_source=x&utm_medium=y", "example.com/a"),
        ("https://example.com/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4", "example.com/a"),
        ("https://example.com/a?b=2&utm_campaign=z&a=1", "example.com/a?a=1&b=2"),
        ("https://example.com/a/amp", "example.com/a"),
        ("https://example.com/a/amp/", "example.com/a"),
        ("https://example.com/a?amp", "example.com/a"),
        ("https://example.com/a?amp=1&id=7", "example.com/a?id=7"),
        ("https://amp.example.com/a", "example.com/a"),
        ("https://example-com.cdn.ampproject.org/c/s/example.com/a/amp/", "example.com/a"),
        ("https://example-com.cdn.ampproject.org/c/example.com/a", "example.com/a"),
        ("https://example-com.cdn.ampproject.org/v/s/example.com/a?amp=1", "example.com/a"),
        ("https://example-com.cdn.ampproject.org/c/s/example.com:8443/a", "example.com:8443/a"),
        ("https://example-com.cdn.ampproject.org/c/example.com:443/a", "example.com:443/a"),
    ],
)
def test_canonical_url_rules(url: str, key: str) -> None:
    assert canonical_url(url) == key


def test_canonical_url_keeps_path_case_and_meaningful_query() -> None:
    assert canonical_url("https://example.com/A?id=1") != canonical_url("https://example.com/a")
    assert canonical_url("https://example.com/a?id=1") != canonical_url("https://example.com/a")


@pytest.mark.parametrize(
    "url", ["", "   ", "not a url", "http://[::1", "http://host:port/", "mailto:A@B.example"]
)
def test_canonical_url_garbage_does_not_raise(url: str) -> None:
    assert canonical_url(url) == url.strip().lower()


def test_canonical_url_of_none_is_empty() -> None:
    assert canonical_url(None) == ""  # type: ignore[arg-type]


def test_canonical_url_is_idempotent() -> None:
    for url in [*SEED_URLS, "https://Example.com:8080/A/?b=1&a=2", "example.com/x"]:
        key = canonical_url(url)
        assert canonical_url(key) == key


# ---------------------------------------------------------------- title_key / provider_key


def test_title_key_folds_quotes_case_punctuation_and_spacing() -> None:
    assert title_key("China’s  AI!") == title_key("chinas ai") == "chinas ai"
    assert title_key("“Quoted”\ttitle…") == title_key('"quoted" title') == "quoted title"


def test_title_key_nfkc_and_invisible_characters() -> None:
    assert title_key("ＡＩ\u200b ｆｉｎｄｓ") == title_key("AI finds")


def test_title_key_keeps_different_words_apart() -> None:
    assert title_key("AI beats chess") != title_key("AI beats go")


def test_title_key_ascii_fast_path_equals_the_general_path() -> None:
    general = select_module._title_key  # what every title went through before the fast path
    ascii_chars = [chr(i) for i in range(128)]
    pairs = [a + b for a in ascii_chars for b in ascii_chars]
    rng = random.Random(5)
    # Weighted towards what the fast path treats specially: punctuation, spaces, controls.
    alphabet = ascii_chars + list(" \t\n\x0b\x0c\r\x1c\x1f\x7f!\"'-.,:;?_") * 4 + ["Ab"] * 20
    titles = ["".join(rng.choices(alphabet, k=rng.randrange(60))) for _ in range(20_000)]
    for title in ascii_chars + pairs + titles:
        assert title_key(title) == general(title), repr(title)
    assert title_key(None) == general(None) == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "domain", "key"),
    [
        ("The Next Platform", "WWW.NextPlatform.com", "nextplatform.com"),
        ("The Next Platform", "", "the next platform"),
        ("", "", ""),
    ],
)
def test_provider_key(name: str, domain: str, key: str) -> None:
    assert provider_key(name, domain) == key


def test_candidate_of_article() -> None:
    article = Article(
        id="000_bfb240625840f0a1",
        title="China’s Exascale Prototype Supercomputer Tests AI Workloads",
        url=SEED_URLS[0],
        published_at=datetime(2021, 4, 19, 17, 47, tzinfo=UTC),
        quality=59,
        heat=69,
        provider=Provider(name="The Next Platform", domain="nextplatform.com"),
        topics=("AI Hardware", "AI"),
        alt_urls=tuple(SEED_URLS[2:]),
    )
    c = candidate_of(article)
    assert c == Candidate(
        id="000_bfb240625840f0a1",
        quality=59,
        heat=69,
        published_at=datetime(2021, 4, 19, 17, 47, tzinfo=UTC),
        provider="nextplatform.com",
        topics=("AI Hardware", "AI"),
        canonical_url=SEED_KEY,
        title_key="chinas exascale prototype supercomputer tests ai workloads",
    )
    assert eligible(c, Policy(), NOW)  # the seed qualifies at the default quality_min


def test_candidate_of_normalizes_dates_to_utc() -> None:
    paris = timezone(timedelta(hours=2))
    when = datetime(2021, 1, 1, 2, tzinfo=paris)
    local = Article(id="x", title="t", url="https://e.com/x", published_at=when)
    naive = replace(local, published_at=datetime(2021, 1, 1))
    assert candidate_of(local).published_at == datetime(2021, 1, 1, tzinfo=UTC)
    assert candidate_of(naive).published_at == datetime(2021, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------- ranking


def ids(cands: list[Candidate]) -> list[str]:
    return [c.id for c in cands]


def test_rank_quality_then_heat_then_recency_then_id() -> None:
    old, new = NOW - timedelta(days=3), NOW - timedelta(days=1)
    xs = [
        cand("undated", quality=70, heat=5, published_at=None),
        cand("old", quality=70, heat=5, published_at=old),
        cand("b-new", quality=70, heat=5, published_at=new),
        cand("a-new", quality=70, heat=5, published_at=new),
        cand("hot", quality=70, heat=90, published_at=old),
        cand("best", quality=90, heat=0, published_at=None),
    ]
    assert ids(rank(xs)) == ["best", "hot", "a-new", "b-new", "old", "undated"]
    assert ids(rank(xs)) == ids(sorted(xs, key=rank_key))


# ---------------------------------------------------------------- eligibility


def test_eligible_quality_min_is_inclusive() -> None:
    assert eligible(cand(quality=50), Policy(quality_min=50), NOW)
    assert not eligible(cand(quality=49), Policy(quality_min=50), NOW)


def test_eligible_topics_case_insensitive_any_overlap() -> None:
    c = cand(topics=("AI Hardware", "Cloud"))
    assert eligible(c, Policy(topics=("ai hardware", "Robots")), NOW)
    assert not eligible(c, Policy(topics=("AI",)), NOW)
    assert eligible(c, Policy(topics=()), NOW)
    assert not eligible(cand(topics=()), Policy(topics=("AI",)), NOW)


def test_eligible_max_age_relative_to_now_and_boundary() -> None:
    policy = Policy(max_age_days=7)
    edge = cand(published_at=NOW - timedelta(days=7))
    assert eligible(edge, policy, NOW)  # exactly 7 days old is not older than 7 days
    assert not eligible(edge, policy, NOW + timedelta(seconds=1))
    assert not eligible(cand(published_at=NOW - timedelta(days=8)), policy, NOW)
    assert eligible(cand(published_at=NOW - timedelta(days=8)), Policy(), NOW)  # no limit


def test_eligible_unknown_date_is_not_too_old() -> None:
    assert eligible(cand(published_at=None), Policy(max_age_days=1), NOW)


# ---------------------------------------------------------------- pick


def test_pick_takes_size_in_given_order() -> None:
    xs = [cand(str(i)) for i in range(10)]
    assert ids(pick(xs, Policy(size=3), NOW)) == ["0", "1", "2"]
    assert ids(pick(xs, Policy(size=0), NOW)) == []
    assert ids(pick(xs, Policy(size=-1), NOW)) == []
    assert ids(pick(xs[:2], Policy(size=5), NOW)) == ["0", "1"]


def test_pick_does_not_reorder_the_stream() -> None:
    xs = [cand("low", quality=55), cand("high", quality=95)]
    assert ids(pick(xs, Policy(), NOW)) == ["low", "high"]


def test_pick_skips_ineligible() -> None:
    xs = [cand("weak", quality=10), cand("off-topic", topics=("Sports",)), cand("ok")]
    assert ids(pick(xs, Policy(topics=("ai",)), NOW)) == ["ok"]


def test_pick_skips_already_taken_urls_and_titles() -> None:
    xs = [
        cand("url", canonical_url="example.com/published"),
        cand("title", title_key="queued story"),
        cand("fresh"),
    ]
    taken_urls, taken_titles = {"example.com/published"}, ["queued story"]
    got = pick(xs, Policy(), NOW, taken_urls=taken_urls, taken_titles=taken_titles)
    assert ids(got) == ["fresh"]


def test_pick_dedupes_within_the_walk_by_url_and_title() -> None:
    xs = [
        cand("a", canonical_url=SEED_KEY),
        cand("amp-copy", canonical_url=canonical_url(SEED_URLS[3])),
        cand("b", title_key=title_key("China’s AI!")),
        cand("retitled", title_key=title_key("chinas ai")),
        cand("c"),
    ]
    assert ids(pick(xs, Policy(), NOW)) == ["a", "b", "c"]


def test_pick_empty_keys_are_not_duplicates() -> None:
    xs = [cand("a", canonical_url="", title_key=""), cand("b", canonical_url="", title_key="")]
    assert ids(pick(xs, Policy(), NOW, taken_urls={""}, taken_titles={""})) == ["a", "b"]


def test_pick_per_provider_cap() -> None:
    xs = [cand(str(i), provider="nextplatform.com") for i in range(4)] + [cand("other")]
    assert ids(pick(xs, Policy(per_provider=2), NOW)) == ["0", "1", "other"]
    assert ids(pick(xs, Policy(per_provider=1), NOW)) == ["0", "other"]


def test_pick_unknown_providers_are_not_capped_together() -> None:
    xs = [cand(str(i), provider="") for i in range(3)]
    assert ids(pick(xs, Policy(per_provider=1), NOW)) == ["0", "1", "2"]


def test_pick_duplicate_of_capped_item_is_not_picked() -> None:
    # "c" is skipped only for the cap; its copy from another provider stays out too.
    xs = [
        cand("a", provider="p.com"),
        cand("b", provider="p.com"),
        cand("c", provider="p.com", canonical_url="example.com/story"),
        cand("c-copy", provider="q.com", canonical_url="example.com/story"),
        cand("d", provider="q.com"),
    ]
    assert ids(pick(xs, Policy(per_provider=2), NOW)) == ["a", "b", "d"]


def test_pick_duplicate_of_better_ineligible_item_is_not_picked() -> None:
    xs = [
        cand("old", published_at=NOW - timedelta(days=30), title_key="story"),
        cand("undated-copy", published_at=None, title_key="story"),
        cand("e"),
    ]
    assert ids(pick(xs, Policy(max_age_days=7), NOW)) == ["e"]


def test_pick_stops_as_soon_as_size_is_reached() -> None:
    def stream() -> Iterator[Candidate]:
        yield cand("a")
        yield cand("weak", quality=0)
        yield cand("b")
        raise AssertionError("read past the last item needed")

    assert ids(pick(stream(), Policy(size=2), NOW)) == ["a", "b"]


def test_pick_size_zero_reads_nothing() -> None:
    def stream() -> Iterator[Candidate]:
        raise AssertionError("read although nothing was wanted")
        yield cand("a")

    assert pick(stream(), Policy(size=0), NOW) == []


def test_pick_small_batch_from_a_huge_stream_reads_only_what_it_needs() -> None:
    stream = (cand(str(i)) for i in range(100_000))
    got = pick(stream, Policy(size=10), NOW)
    assert ids(got) == [str(i) for i in range(10)]
    assert next(stream).id == "10"  # the rest of the stream was left unread


def test_pick_of_rank_randomized() -> None:
    rng = random.Random(20210419)
    for _ in range(200):
        xs = [random_candidate(rng, i) for i in range(rng.randint(0, 40))]
        policy = Policy(
            size=rng.randint(0, 8),
            quality_min=rng.choice([0, 40, 60]),
            topics=rng.choice([(), ("ai",), ("CLOUD", "robots")]),
            max_age_days=rng.choice([None, 3, 10]),
            per_provider=rng.choice([1, 2, 3]),
        )
        taken = {"u0", "u1"}
        got = pick(rank(xs), policy, NOW, taken_urls=taken)
        assert len(got) <= max(policy.size, 0)
        assert all(eligible(c, policy, NOW) for c in got)
        assert got == sorted(got, key=rank_key)
        assert not taken & {c.canonical_url for c in got}
        assert len({c.canonical_url for c in got}) == len(got)
        assert len({c.title_key for c in got}) == len(got)
        providers = [c.provider for c in got]
        assert all(providers.count(p) <= policy.per_provider for p in providers)


def random_candidate(rng: random.Random, i: int) -> Candidate:
    return Candidate(
        id=f"id{i}",
        quality=rng.randint(0, 100),
        heat=rng.randint(0, 3),
        published_at=rng.choice([None, NOW - timedelta(days=rng.randint(0, 15))]),
        provider=rng.choice(["a.com", "b.com", "c.com"]),
        topics=rng.choice([(), ("AI",), ("Cloud",), ("AI", "Robots")]),
        canonical_url=f"u{rng.randint(0, 12)}",
        title_key=f"t{rng.randint(0, 12)}",
    )
