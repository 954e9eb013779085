"""Feed polling benchmark: 200 feeds answering 304, and the cold ingest of a 1,000-entry feed.

Run ``python benchmarks/feeds_bench.py [--feeds 200] [--entries 1000] [--repeat 3]``.

The feeds are served by ``tests/webserver.py`` in a subprocess on 127.0.0.1 (so the
measured CPU time is the poller's own, not the server's). Measured, each ``--repeat`` times,
and the median printed:

* polling N feeds that all answer 304 to their ETag: ``poll_due`` with the one shared
  ``GuardedClient`` (keep-alive connections reused), wall time and CPU time, against the
  same poll with a new client (a new connection) for every feed;
* cold ingest of one feed of M entries (RSS 2.0 with content:encoded, categories, images):
  Newsdesk's whole poll (fetch, parse, repair, validation, storing in a fresh SQLite
  database) against the naive baseline, feedparser's own ``parse(url)`` (its urllib fetch)
  and a loop over the entries reading title and link; the ratio is taken within each run
  (both back to back) and the median of the runs' ratios printed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import feedparser  # noqa: E402
from feedfiles import rss2  # noqa: E402
from webserver import Reply, WebServer  # noqa: E402

from bot.config import FeedSettings, Settings  # noqa: E402
from bot.publishing.feeds import feed_client, poll_due, poll_now  # noqa: E402
from bot.store.feeds import FeedStore  # noqa: E402
from bot.store.store import Store  # noqa: E402

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
RSS = {"Content-Type": "application/rss+xml"}


def big_feed(count: int) -> bytes:
    body = "<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 12 + "</p>"
    items = [
        {
            "title": f"Entry {i}: chips &amp; models",
            "link": f"https://example.org/posts/{i}",
            "guid": f"post-{i}",
            "date": T0 - timedelta(hours=i),
            "summary": f"Summary of entry {i}, with <b>markup</b>.",
            "content": f'{body}<img src="/img/{i}.png">',
            "categories": ["AI", f"Topic {i % 7}"],
            "image": f"https://cdn.example.org/{i}.jpg",
        }
        for i in range(count)
    ]
    return rss2(items)


def serve(feeds: int, entries: int, ready, port) -> None:
    small = rss2([{"title": "One", "link": "https://example.org/1", "guid": "1"}])
    web = WebServer()
    for n in range(feeds):
        etag = f'"feed-{n}"'
        full = Reply(body=small, headers={"ETag": etag, "Content-Type": "application/rss+xml"})
        web.routes[f"/f{n}"] = lambda h, e=etag, f=full: (
            Reply(304) if h.get("if-none-match") == e else f
        )
    web.routes["/big"] = Reply(
        body=big_feed(entries), headers={"Content-Type": "application/rss+xml"}
    )
    port.value = web.port
    web.start()
    ready.set()
    multiprocessing.Event().wait()  # serve until terminated


def settings_for(urls: list[str], db: str) -> Settings:
    feeds = tuple(FeedSettings(u, 60, minutes=1) for u in urls)
    return Settings(content_dir=Path(tempfile.gettempdir()), database_url=db, feeds=feeds)


def measure_304(base: str, feeds: int, folder: Path) -> tuple[float, float, float, float]:
    urls = [f"{base}/f{n}" for n in range(feeds)]
    settings = settings_for(urls, f"sqlite:///{folder / 'poll.db'}")
    store = Store(settings.database_url)
    with feed_client() as client:
        assert all(o.result == "read" for o in poll_due(settings, store, client, T0))
        now = T0 + timedelta(minutes=1)
        wall, cpu = time.perf_counter(), time.process_time()
        outcomes = poll_due(settings, store, client, now)
        reuse = (time.perf_counter() - wall, time.process_time() - cpu)
    assert [o.result for o in outcomes] == ["not modified"] * feeds, outcomes[:3]
    later, fresh = now + timedelta(minutes=1), FeedStore(store.engine)
    wall, cpu = time.perf_counter(), time.process_time()
    for feed in settings.feeds:  # the same poll, with a new connection for every feed
        with feed_client() as client:
            poll_now(settings, store, client, later, feed.url)
    single = (time.perf_counter() - wall, time.process_time() - cpu)
    assert all(s.failures == 0 for s in fresh.states())
    store.close()
    return (*reuse, *single)


def measure_ingest(base: str, entries: int, folder: Path, run: int) -> tuple[float, float]:
    url = f"{base}/big"
    settings = settings_for([url], f"sqlite:///{folder / f'ingest{run}.db'}")
    store = Store(settings.database_url)
    started = time.perf_counter()
    with feed_client() as client:
        (outcome,) = poll_now(settings, store, client, T0)
    ours = time.perf_counter() - started
    assert outcome.new == entries, outcome
    store.close()
    started = time.perf_counter()
    parsed = feedparser.parse(url)
    seen = [(e.get("title"), e.get("link")) for e in parsed.entries]
    naive = time.perf_counter() - started
    assert len(seen) == entries
    return ours, naive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ready, port = multiprocessing.Event(), multiprocessing.Value("i", 0)
    server = multiprocessing.Process(
        target=serve, args=(args.feeds, args.entries, ready, port), daemon=True
    )
    server.start()
    try:
        ready.wait(30)
        run(f"http://127.0.0.1:{port.value}", args)
    finally:
        server.terminate()
        server.join(5)


def run(base: str, args: argparse.Namespace) -> None:
    polls, ingests = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.repeat):
            folder = Path(tmp) / f"run{n}"
            folder.mkdir()
            polls.append(measure_304(base, args.feeds, folder))
            ingests.append(measure_ingest(base, args.entries, folder, n))
            print(f"run {n + 1}: 304 poll {polls[-1]}, ingest {ingests[-1]}", flush=True)
    wall, cpu, wall1, cpu1 = (statistics.median(p[i] for p in polls) for i in range(4))
    ours, naive = (statistics.median(x[i] for x in ingests) for i in range(2))
    ratios = sorted(x[0] / x[1] for x in ingests)
    print(
        f"\n{args.feeds} feeds at 304, one shared client: {wall * 1000:.0f} ms wall, "
        f"{cpu * 1000:.0f} ms CPU ({wall / args.feeds * 1000:.2f} ms per feed)"
    )
    print(
        f"{args.feeds} feeds at 304, a new client per feed: {wall1 * 1000:.0f} ms wall, "
        f"{cpu1 * 1000:.0f} ms CPU"
    )
    print(
        f"cold ingest of {args.entries} entries: Newsdesk {ours * 1000:.0f} ms "
        f"(fetch, parse, repair, store), feedparser.parse(url) + loop {naive * 1000:.0f} ms; "
        f"ratio {ours / naive:.2f}x (runs: {', '.join(f'{r:.2f}' for r in ratios)})"
    )


if __name__ == "__main__":
    main()
