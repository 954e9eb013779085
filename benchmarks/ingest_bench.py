"""Ingest, rescan, pick and memory benchmark of Newsdesk, against a naive baseline.

    python benchmarks/ingest_bench.py [--records 20000] [--store-items 100000]

Measured in one run, as ratios against figures taken in the same run (the machine is
shared and noisy):

1. Cold ingest of `--records` generated files (page cache warmed first, for both):
   baseline = python-frontmatter + `ftfy.fix_text` on every string (nested ones too);
   Newsdesk = `bot.publishing.jobs.rescan` into a fresh SQLite store, as a cold start runs
   it (repair, validation, storing, streamed a chunk per transaction); and Newsdesk
   parse-only (`scan` alone), to show where the time goes. The three run interleaved,
   subfolder by subfolder in rotating order; then one whole-folder Newsdesk ingest gives
   the peak memory and the store for the rescan.
2. Rescan with nothing changed: `rescan` again (`file_index`, the walk, no write).
3. Picking a 10-item digest from a `--store-items` store (SQLite, then PostgreSQL in a
   fresh schema when the server answers): `taken_keys` + `pick(candidates(...))` +
   `articles(ids)`, median and p95, with no cap, a biting per-provider cap and a topic.
   The store's channel already published its 1,000 best items and rejected the next 100.
   Right after the bulk load (before any ANALYZE or autovacuum) `Store.counts()`, what
   `status` shows, is timed too.
4. Resident memory: peak during ingest, and of the process holding the big store open
   after the pick (measured in a fresh child process, so ingest leftovers don't count).
5. Cold `newsdesk status` (a real process, fresh SQLite store) over `--cold` libraries
   (default 100,000 and 300,000 files): peak RSS and time from /usr/bin/time -f %M. The largest is
   generated once under `--cold-root` (the others are hard links to its first files) and
   deleted at the end unless `--keep-cold` (then the next run reuses it).

Not a test: it prints a table and exits 0. Corpora and databases live in a temp dir.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import itertools
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: `bot` imports

import frontmatter
import ftfy
import yaml
from gen_records import REFERENCE_NOW, generate, record_fields

from bot.config import Policy, Settings, load_settings
from bot.content.article import REJECTED, Article, Image, Provider, Record, Related, ScanResult
from bot.content.scan import ScanCounts, scan
from bot.content.select import pick
from bot.publishing.jobs import rescan
from bot.secret import Secret
from bot.store.store import Store

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CHANNEL = "C0BENCH"
PUBLISHED_TOP = 1_000  # best items already published in CHANNEL: the walk skips them
REJECTED_NEXT = 100  # the next ones were rejected by an editor
BUILD_CHUNK = 5_000
RESCANS = 5
WARMUP = 3
TARGET_RATIO, TARGET_RESCAN, TARGET_PICK_MS = 2.0, 50_000, 50.0
TARGET_COUNTS_MS, TARGET_COLD_MIB = 20.0, 150.0
TARGET_RATIO_TEXT = f">= {TARGET_RATIO:g}x"
# What the baseline's whole-file retry must not "fix": quotes and entities are YAML syntax.
KEEP_SYNTAX = {"uncurl_quotes": False, "unescape_html": False}
METHODS = ("base", "ours", "parse")
SCENARIOS = {
    "no cap": Policy(size=10, quality_min=50, per_provider=0),
    "cap 1/provider": Policy(size=10, quality_min=50, per_provider=1),
    "topic Quantum": Policy(size=10, quality_min=50, topics=("Quantum",), per_provider=2),
}

Row = tuple[str, str, str, str]  # metric, value, target, verdict


# --- measuring -------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    """Restart VmHWM at the current RSS (Linux: writing 5 to clear_refs)."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


# --- corpus ----------------------------------------------------------------------------


def make_corpus(root: Path, n: int) -> tuple[float, dict[str, int]]:
    """Generate n records; read them all once (warm page cache) and count their flavours."""
    seconds, _ = timed(lambda: generate(root, n, seed=0))
    stats = dict.fromkeys(("files", "bytes", "mojibake", "c1", "html"), 0)
    for path in record_paths(root):
        data = Path(path).read_bytes()
        stats["files"] += 1
        stats["bytes"] += len(data)
        stats["mojibake"] += b"\xc3\xa2\xe2\x82\xac" in data  # "â€"
        stats["c1"] += b"\xc2\x9d" in data  # U+009D, refused by YAML parsers
        stats["html"] += any(m in data for m in (b"&amp;", b"&#", b"&quot;", b"<b>", b"<p>"))
    return seconds, stats


def record_paths(root: Path) -> list[str]:
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


# --- 1. cold ingest --------------------------------------------------------------------


def fix_all(value: Any) -> Any:
    """The baseline's repair: ftfy on every string, recursively."""
    if isinstance(value, str):
        return ftfy.fix_text(value)
    if isinstance(value, list):
        return [fix_all(v) for v in value]
    if isinstance(value, dict):
        return {k: fix_all(v) for k, v in value.items()}
    return value


def baseline_ingest(root: Path) -> dict[str, int]:
    """python-frontmatter + ftfy everywhere; a file YAML refuses (C1 controls) is fixed
    whole with ftfy (keeping quotes and entities, which would break the YAML) and retried."""
    posts, retried, rejected = [], 0, 0
    for path in record_paths(root):
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        try:
            post = frontmatter.loads(text)
        except yaml.YAMLError:
            retried += 1
            try:
                post = frontmatter.loads(ftfy.fix_text(text, **KEEP_SYNTAX))
            except yaml.YAMLError:
                rejected += 1
                continue
        posts.append((fix_all(post.metadata), fix_all(post.content)))
    return {"ok": len(posts), "retried": retried, "rejected": rejected}


def newsdesk_ingest(root: Path, store: Store) -> dict[str, Any]:
    """What a cold start runs: `rescan` (the scan streamed into the store chunk by chunk)."""
    counts = rescan(settings_for(root), store, REFERENCE_NOW)
    return {"ok": counts.records, "bad": counts.bad}


def settings_for(root: Path) -> Settings:
    return load_settings(None, {"NEWSDESK_CONTENT_DIR": str(root)})


def parse_only(root: Path) -> dict[str, Any]:
    return {"ok": len(scan(root).records)}


def interleaved_ingest(root: Path, work: Path) -> dict[str, dict[str, float]]:
    """Baseline, Newsdesk and parse-only over each subfolder in turn, their order rotated
    from one subfolder to the next, so the machine's noise hits all three alike. Newsdesk
    stores each subfolder into a fresh SQLite store of its own (cold: nothing known)."""
    subs = sorted(p for p in root.iterdir() if p.is_dir())
    stores = {sub: Store(f"sqlite:///{work / f'cold-{sub.name}.db'}") for sub in subs}
    runners: dict[str, Callable[[Path], dict[str, Any]]] = {
        "base": baseline_ingest,
        "ours": lambda sub: newsdesk_ingest(sub, stores[sub]),
        "parse": parse_only,
    }
    totals: dict[str, dict[str, float]] = {who: {} for who in METHODS}
    for k, sub in enumerate(subs):
        for who in METHODS[k % 3 :] + METHODS[: k % 3]:
            seconds, result = timed(functools.partial(runners[who], sub))
            for key, value in {**result, "s": seconds}.items():
                totals[who][key] = totals[who].get(key, 0) + value
    for store in stores.values():
        store.close()
    return totals


def full_ingest(root: Path, work: Path) -> tuple[dict[str, Any], Store]:
    """One Newsdesk cold ingest of the whole folder, as the app does: rate and peak RSS."""
    store = Store(f"sqlite:///{work / 'ingest.db'}")
    gc.collect()
    reset_peak()
    start = memory_mb("VmRSS")
    seconds, result = timed(lambda: newsdesk_ingest(root, store))
    peak = memory_mb("VmHWM")
    return {**result, "s": seconds, "grow": peak - start, "peak": peak}, store


def ingest_phase(root: Path, work: Path, n: int) -> tuple[list[Row], Store]:
    totals = interleaved_ingest(root, work)
    full, store = full_ingest(root, work)
    return ingest_rows(totals, n) + full_rows(full, n), store


def ingest_rows(t: dict[str, dict[str, float]], n: int) -> list[Row]:
    base, ours, parse = t["base"], t["ours"], t["parse"]
    ratio = base["s"] / ours["s"]
    counts = f"{base['ok']:,.0f} / {base['retried']:,.0f} / {base['rejected']:,.0f}"
    return [
        row("1a cold ingest, baseline frontmatter+ftfy (interleaved)", _rate(base, n)),
        row("   baseline files ok / YAML retried / rejected", counts),
        row("1b cold ingest, Newsdesk rescan: streamed, stored per chunk", _rate(ours, n)),
        row("   Newsdesk records ok / bad", f"{ours['ok']:,.0f} / {ours['bad']:,.0f}"),
        row(
            "   ratio Newsdesk / baseline",
            f"{ratio:.2f}x",
            TARGET_RATIO_TEXT,
            ratio >= TARGET_RATIO,
        ),
        row("1c Newsdesk parse-only, scan without store (interleaved)", _rate(parse, n)),
    ]


def full_rows(full: dict[str, Any], n: int) -> list[Row]:
    return [
        row("   Newsdesk, whole folder in one rescan", _rate(full, n)),
        row(
            "4a peak RSS of this process by then (baseline included; 5: alone)",
            f"{full['peak']:,.0f} MiB",
        ),
    ]


def _rate(totals: dict[str, Any], n: int) -> str:
    return f"{n / totals['s']:,.0f} rec/s"


def row(metric: str, value: str, target: str = "", ok: bool | None = None) -> Row:
    """A table row; `ok` None means no target."""
    return (metric, value, target, "" if ok is None else verdict(ok))


# --- 2. rescan -------------------------------------------------------------------------


def rescan_once(root: Path, store: Store) -> ScanCounts:
    return rescan(settings_for(root), store, REFERENCE_NOW)


def rescan_phase(root: Path, store: Store, n: int) -> list[Row]:
    rescan_once(root, store)  # warm: the first call also compiles SQLAlchemy statements
    times, result = [], None
    for _ in range(RESCANS):
        seconds, result = timed(lambda: rescan_once(root, store))
        times.append(seconds)
    rate = n / statistics.median(times)
    changed = "" if result is None or not result.records else f" ({result.records} re-read!)"
    label = f"2  rescan, nothing changed: file_index+scan+apply_scan (median of {RESCANS})"
    target = f">= {TARGET_RESCAN:,}/s"
    return [row(label, f"{rate:,.0f} rec/s{changed}", target, rate >= TARGET_RESCAN)]


# --- 3. the big store and the pick -----------------------------------------------------


def synthetic_record(rng: random.Random, i: int) -> Record:
    """A stored-ready record built in memory from the generator's clean fields."""
    f = record_fields(rng, i)
    url = f["originalUrl"]
    if i % 50 == 7:  # 2% re-shares of an earlier story under a tracking URL: dedupe bites
        url = record_fields(random.Random(i - 7), i - 7)["originalUrl"] + "?utm_source=x"
    article = Article(
        id=f"item{i:06d}",
        title=f["title"],
        url=url,
        excerpt=f["excerpt"],
        category=f["category"],
        type=f["type"],
        published_at=f["publishedDateTime"],
        quality=f["quality"],
        heat=f["heat"],
        published=f["published"],
        provider=Provider(**f["provider"]),
        topics=tuple(f["topics"]),
        images=tuple(Image(m["url"], m["width"], m["height"]) for m in f["images"]),
        related=tuple(_related(r) for r in f["related"]),
        alt_urls=(f["ampWebUrl"], f["cdnAmpWebUrl"]),
    )
    path = f"/virtual/batch-{i % 20:02d}/{article.id}.txt"
    return Record(article, path, 1_700_000_000_000_000_000, 2_800, Secret(f["secured"]))


def _related(r: dict[str, Any]) -> Related:
    return Related(r["title"], r["webUrl"], r["provider"]["name"])


def build_store(store: Store, n: int) -> None:
    """n items in chunks, then history: the top items published, the next ones rejected."""
    for start in range(0, n, BUILD_CHUNK):
        # One seeded rng per item keeps the 2% re-shared URLs reproducible.
        ids = range(start, min(n, start + BUILD_CHUNK))
        chunk = [synthetic_record(random.Random(i), i) for i in ids]
        store.apply_scan(ScanResult(chunk, [], []), REFERENCE_NOW)
    with contextlib.closing(store.candidates(channel=CHANNEL, quality_min=0)) as ranked:
        top = [c.id for c in itertools.islice(ranked, PUBLISHED_TOP + REJECTED_NEXT)]
    ts = "1700000000.000100"
    store.record_publications(top[:PUBLISHED_TOP], CHANNEL, ts, None, REFERENCE_NOW)
    for item_id in top[PUBLISHED_TOP:]:
        store.reviews.decide(item_id, REJECTED, "U0BENCH", REFERENCE_NOW)


def pick_once(store: Store, policy: Policy) -> list[Article]:
    """The full digest pick path, as the scheduler runs it."""
    urls, titles = store.taken_keys(CHANNEL)
    stream = store.candidates(channel=CHANNEL, quality_min=policy.quality_min)
    with contextlib.closing(stream) as ranked:
        picked = pick(ranked, policy, REFERENCE_NOW, taken_urls=urls, taken_titles=titles)
    return store.articles([c.id for c in picked])


def rows_walked(store: Store, policy: Policy) -> int:
    """How many candidates one pick reads (untimed run): shows what the cap/topic cost."""
    count = 0

    def counting(stream: Iterator[Any]) -> Iterator[Any]:
        nonlocal count
        for cand in stream:
            count += 1
            yield cand

    urls, titles = store.taken_keys(CHANNEL)
    with contextlib.closing(store.candidates(channel=CHANNEL, quality_min=50)) as ranked:
        pick(counting(ranked), policy, REFERENCE_NOW, taken_urls=urls, taken_titles=titles)
    return count


def time_pick(store: Store, policy: Policy, runs: int) -> dict[str, float]:
    for _ in range(WARMUP):
        picked = pick_once(store, policy)
    times = [timed(lambda: pick_once(store, policy))[0] * 1000 for _ in range(runs)]
    return {
        "median": statistics.median(times),
        "p95": percentile(times, 0.95),
        "picked": len(picked),
        "walked": rows_walked(store, policy),
    }


def pick_child(url: str, n: int, runs: int) -> dict[str, Any]:
    """Run in a fresh process: build the store, time the picks, read RSS with it open."""
    gc.collect()
    start_rss = memory_mb("VmRSS")
    store = Store(url)
    build_s, _ = timed(lambda: build_store(store, n))
    counts_ms = time_counts(store)  # right after the bulk load: no ANALYZE, no autovacuum yet
    if store.engine.dialect.name == "postgresql":  # as autovacuum would, soon after a bulk load
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    gc.collect()
    results = {name: time_pick(store, policy, runs) for name, policy in SCENARIOS.items()}
    gc.collect()
    out = {"build_s": build_s, "start_rss": start_rss, "rss": memory_mb("VmRSS")}
    out["counts_ms"] = counts_ms
    out |= {"peak": memory_mb("VmHWM"), "picks": results}
    store.close()
    return out


def time_counts(store: Store, runs: int = 20) -> dict[str, float]:
    """Store.counts() (what `status` shows), median and p95 in ms."""
    store.counts()
    times = [timed(store.counts)[0] * 1000 for _ in range(runs)]
    return {"median": statistics.median(times), "p95": percentile(times, 0.95)}


def run_child(url: str, n: int, runs: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(pick_child, url, n, runs).result()


def pick_rows(backend: str, res: dict[str, Any], n: int) -> list[Row]:
    rows = [row(f"3  {backend}: build {n:,}-item store", f"{n / res['build_s']:,.0f} items/s")]
    c = res["counts_ms"]
    label = "   status counts right after that load (med/p95)"
    ok = c["p95"] < TARGET_COUNTS_MS
    value = f"{c['median']:.1f} / {c['p95']:.1f} ms"
    rows.append(row(label, value, f"< {TARGET_COUNTS_MS:g} ms", ok))
    for name, r in res["picks"].items():
        value = f"{r['median']:.1f} / {r['p95']:.1f} ms"
        label = f"   pick 10, {name} (med/p95; {r['walked']} rows read, {r['picked']} picked)"
        rows.append(row(label, value, f"< {TARGET_PICK_MS:g} ms (p95)", r["p95"] < TARGET_PICK_MS))
    return rows


def memory_rows(res: dict[str, Any], n: int) -> list[Row]:
    held = f"{res['rss']:,.0f} MiB (+{res['rss'] - res['start_rss']:,.0f} over start)"
    return [
        row(f"4b RSS holding the {n:,}-item SQLite store open, after picks", held),
        row("   peak RSS of that process (store build included)", f"{res['peak']:,.0f} MiB"),
    ]


# --- PostgreSQL ------------------------------------------------------------------------


def pg_phase(n: int, runs: int) -> list[Row]:
    """The pick benchmark on PostgreSQL in a fresh schema, dropped at the end."""
    import sqlalchemy as sa

    timeout = {"connect_timeout": 3}
    admin = sa.create_engine(PG_URL, poolclass=sa.pool.NullPool, connect_args=timeout)
    schema = f"newsdesk_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        return [row("3  PostgreSQL", f"skipped, not reachable: {type(exc).__name__}")]
    query = {"options": f"-csearch_path={schema}", "application_name": schema}
    url = sa.make_url(PG_URL).update_query_dict(query).render_as_string(hide_password=False)
    try:
        return pick_rows("PostgreSQL (ANALYZEd)", run_child(url, n, runs), n)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# --- 5. cold `newsdesk status` over big libraries, measured from outside ----------------


def cold_libraries(root: Path, sizes: list[int]) -> dict[int, Path]:
    """Folders of `sizes` files: the largest generated once, the others hard links to its
    first files (no second copy on disk). Reused when `root` already holds them."""
    biggest = root / f"{max(sizes)}"
    if not biggest.is_dir():
        generate(biggest, max(sizes), seed=0)
    folders = {max(sizes): biggest}
    for n in sorted(set(sizes) - {max(sizes)}):
        folder = folders[n] = root / f"{n}"
        if folder.is_dir():
            continue
        for path in record_paths(biggest):  # names start with the record's number
            if int(os.path.basename(path)[:6]) < n:
                target = folder / os.path.relpath(path, biggest)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(path, target)
    return folders


def cold_status(folder: Path, work: Path) -> dict[str, float]:
    """`newsdesk status` on a fresh SQLite store, as a person would start it: peak RSS and
    time from /usr/bin/time (its own child's, so this process's size does not count: a
    forked child's ru_maxrss starts from the parent's)."""
    config = work / f"cold-{folder.name}.yaml"
    database, measured = work / f"cold-{folder.name}.db", work / f"cold-{folder.name}.time"
    config.write_text(f"content_dir: {folder}\ndatabase_url: sqlite:///{database}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "SLACK_"))}
    argv = ["/usr/bin/time", "-f", "%M %e", "-o", str(measured), sys.executable, "-m", "bot"]
    argv += ["--config", str(config), "status"]
    repo = Path(__file__).resolve().parents[1]
    subprocess.run(argv, cwd=repo, env=env, stdout=subprocess.DEVNULL, check=True)
    peak_kib, seconds = measured.read_text().split()[-2:]
    database.unlink()
    return {"peak": int(peak_kib) / 1024, "s": float(seconds)}


def cold_rows(root: Path, sizes: list[int], work: Path, keep: bool) -> list[Row]:
    try:
        folders = cold_libraries(root, sizes)
        rows = []
        for n, folder in sorted(folders.items()):
            res = cold_status(folder, work)
            label = f"5  cold `newsdesk status`, {n:,} files: peak RSS"
            value = f"{res['peak']:,.0f} MiB ({res['s']:.0f} s, {n / res['s']:,.0f} files/s)"
            ok = res["peak"] < TARGET_COLD_MIB
            rows.append(row(label, value, f"< {TARGET_COLD_MIB:g} MiB", ok))
        return rows
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


# --- report ----------------------------------------------------------------------------


def print_table(title: str, rows: list[Row]) -> None:
    widths = [max(len(r[k]) for r in rows) for k in range(4)]
    print(f"\n{title}")
    line = "-+-".join("-" * w for w in widths)
    print(line)
    for cells in rows:
        print(" | ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip())
    print(line)


def corpus_rows(n: int, gen_s: float, stats: dict[str, int]) -> list[Row]:
    files, size_mib = stats["files"] or 1, stats["bytes"] / 2**20
    mix = ", ".join(f"{k} {stats[k] / files:.0%}" for k in ("mojibake", "c1", "html"))
    return [
        ("metric", "value", "target", "verdict"),
        row(f"corpus: {n:,} files, {size_mib:.0f} MiB", f"generated in {gen_s:.1f}s"),
        row("   files with mojibake / C1 control / HTML", mix),
    ]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000, help="files for the ingest")
    parser.add_argument("--store-items", type=int, default=100_000, help="items for the pick")
    parser.add_argument("--runs", type=int, default=30, help="timed picks per scenario")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument(
        "--cold", default="100000,300000", help="library sizes for the cold status ('' skips)"
    )
    parser.add_argument("--cold-root", default="/tmp/newsdesk-cold", help="where they go")
    parser.add_argument("--keep-cold", action="store_true", help="keep them for the next run")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        work, root = Path(tmp), Path(tmp) / "articles"
        gen_s, stats = make_corpus(root, args.records)
        rows = corpus_rows(args.records, gen_s, stats)
        ingest, store = ingest_phase(root, work, args.records)
        rows += ingest + rescan_phase(root, store, args.records)
        store.close()
        big = run_child(f"sqlite:///{work / 'big.db'}", args.store_items, args.runs)
        rows += pick_rows("SQLite", big, args.store_items) + memory_rows(big, args.store_items)
        if not args.no_pg:
            rows += pg_phase(args.store_items, args.runs)
        sizes = [int(n) for n in args.cold.split(",") if n]
        if sizes:
            rows += cold_rows(Path(args.cold_root), sizes, work, args.keep_cold)
    took, load = time.perf_counter() - started, " ".join(f"{x:.1f}" for x in os.getloadavg())
    print_table(
        f"Newsdesk ingest benchmark: {took:.0f}s, load average {load} on {os.cpu_count()} cores",
        rows,
    )


if __name__ == "__main__":
    main()
