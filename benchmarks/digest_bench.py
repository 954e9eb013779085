"""Digest posting benchmark: `run_digest` against FakeSlack, clean and under faults.

    python benchmarks/digest_bench.py [--repeat 5] [--records 200]

A 10-item digest (generated records, `size: 10`, a fresh SQLite store per repetition,
`run_digest` in process, a fresh FakeSlack per repetition on 127.0.0.1) is posted:

1. clean: wall time (median, max), Web API calls by method, messages posted (a 10-item
   digest with images continues in a thread);
2. with one fault on the first `chat.postMessage`, each separately: 429 (Retry-After 1),
   500, "slow" (answer after 3 s, client timeout 2 s), "drop" (hang-up, nothing posted),
   a dead image (`invalid_blocks` + "downloading image failed"), `channel_not_found`;
3. a naive baseline: the same clean digest's payloads (text, blocks, thread) posted by one
   `WebClient.chat_postMessage` per message, with no store, no claim and no metadata; and
   selection + rendering alone (no Slack), to show where the rest of the time goes.

For every run it checks what Slack kept against what the store says: items posted (each
card's `item:<id>` block, cross-checked with the message metadata), duplicates (items in
more than one message), lost (recorded as published but not in Slack), unrecorded (in Slack
but not recorded: the next run would post them again) and left unpublished. Anything off
is listed under the table. Not a test: it prints a table and exits 0. Scratch data lives
in a temp dir; the whole run stays under a time budget (at least one run per scenario).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # `bot` and `fakeslack` imports

from fakeslack import FakeSlack  # noqa: E402
from gen_records import generate  # noqa: E402

from bot.config import Settings, load_settings  # noqa: E402
from bot.publishing.digest import preview_digest, run_digest  # noqa: E402
from bot.publishing.jobs import rescan  # noqa: E402
from bot.secret import Secret  # noqa: E402
from bot.slack.blockkit.cards import ITEM_BLOCK_ID  # noqa: E402
from bot.slack.blockkit.packing import digest_messages  # noqa: E402
from bot.slack.client import make_client  # noqa: E402
from bot.store.store import Store  # noqa: E402

CHANNEL = "C0BENCH"
SIZE = 10
POST = "chat.postMessage"
IMAGE_ERROR = "[ERROR] downloading image failed [json-pointer:/blocks/3/image_url]"
BUDGET_SECONDS = 150.0  # after this, scenarios stop repeating (each still runs once)
SETTLE_SECONDS = 10.0  # wait for in-flight requests (a slow post) before counting messages
SHORT = {
    "chat.postMessage": "post",
    "conversations.history": "history",
    "conversations.replies": "replies",
}

Setup = Callable[[FakeSlack, object], None]


def _slow(fake: FakeSlack, client) -> None:
    client.timeout = 2
    fake.fail(POST, "slow", delay=3)


# name -> (setup applied before the run, expect_all_posted, expected Outcome.error)
SCENARIOS: dict[str, tuple[Setup, bool, str | None]] = {
    "clean": (lambda fake, client: None, True, None),
    "429 first post (Retry-After 1)": (
        lambda fake, client: fake.fail(POST, "ratelimited", retry_after=1),
        True,
        None,
    ),
    "500 first post": (lambda fake, client: fake.fail(POST, "server_error"), True, None),
    "slow first post (3 s > timeout 2 s)": (_slow, True, None),
    "drop first post": (lambda fake, client: fake.fail(POST, "drop"), True, None),
    "dead image (invalid_blocks)": (
        lambda fake, client: fake.fail(
            POST, "error", error="invalid_blocks", messages=[IMAGE_ERROR]
        ),
        True,
        None,
    ),
    "channel_not_found": (
        lambda fake, client: fake.fail(POST, "error", error="channel_not_found"),
        False,
        "channel_not_found",
    ),
}


@dataclasses.dataclass
class Run:
    """One measured digest: timing, traffic and what Slack and the store ended up with."""

    seconds: float
    calls: Counter
    messages: int
    posted: int = 0  # distinct picked items shown in Slack
    duplicates: int = 0  # items shown in more than one message
    lost: int = 0  # recorded as published, not in Slack
    unrecorded: int = 0  # in Slack, not recorded as published
    unpublished: int = 0  # picked items the store still has as unpublished
    error: str | None = None
    notes: list[str] = dataclasses.field(default_factory=list)


# --- setting up ------------------------------------------------------------------------


def base_settings(tmp: Path, records: int) -> Settings:
    """Settings for a `size: 10` digest on generated records (Slack URL set per run)."""
    generate(tmp / "articles", records, seed=0)
    config = tmp / "newsdesk.yaml"
    config.write_text(
        f"content_dir: articles\ndigests:\n  - channel: {CHANNEL}\n    size: {SIZE}\n",
        encoding="utf-8",
    )
    env = {"SLACK_BOT_TOKEN": "xoxb-unused", "SLACK_API_URL": "http://127.0.0.1:9/api/"}
    return load_settings(str(config), env)


class Rig:
    """A fresh FakeSlack and a fresh, scanned SQLite store for one repetition."""

    counter = 0

    def __init__(self, base: Settings, tmp: Path) -> None:
        Rig.counter += 1
        self.fake = FakeSlack().start()
        self.settings = dataclasses.replace(
            base, slack_api_url=self.fake.url, bot_token=Secret(self.fake.token)
        )
        self.store = Store(f"sqlite:///{tmp / f'run-{Rig.counter:03d}.db'}")
        self.now = datetime.now(UTC)
        rescan(self.settings, self.store, self.now)
        self.digest = self.settings.digests[0]
        self.picked = [
            a.id for a in preview_digest(self.settings, self.store, self.digest, self.now)
        ]

    def close(self) -> None:
        self.store.close()
        self.fake.stop()

    def __enter__(self) -> Rig:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- measuring -------------------------------------------------------------------------


def settle(fake: FakeSlack) -> None:
    """Let requests still in flight (a slow post) be answered: a late landing counts."""
    for method in {c.method for c in fake.calls}:
        fake.wait_for(method, count=len(fake.calls_to(method)), timeout=SETTLE_SECONDS)


def shown_items(message: dict, known: dict[str, str]) -> list[str]:
    """Item ids a message shows, from its cards' `item:<id>` actions blocks."""
    ids = []
    for block in message.get("blocks", []):
        block_id = str(block.get("block_id", ""))
        if block_id.startswith("item:"):
            ids.append(known.get(block_id, block_id))
    return ids


def audit(rig: Rig, run: Run, *, metadata: bool, store: bool) -> None:
    """Compare what Slack kept with the picked items and (for run_digest) the store."""
    known = {ITEM_BLOCK_ID.format(id=i): i for i in rig.picked}
    messages = rig.fake.messages(CHANNEL)
    run.messages = len(messages)
    seen: Counter[str] = Counter()
    for k, message in enumerate(messages):
        items = shown_items(message, known)
        seen.update(set(items))
        if len(items) != len(set(items)):
            run.notes.append(f"message {k} shows an item twice: {items}")
        if metadata:
            tagged = message.get("metadata", {}).get("event_payload", {}).get("items", [])
            if sorted(tagged) != sorted(items):
                run.notes.append(f"message {k}: metadata items {tagged} != cards {items}")
        if k and message.get("thread_ts") != messages[0]["ts"]:
            run.notes.append(f"message {k} is not in the digest's thread")
    in_slack = set(seen)
    strangers = in_slack - set(rig.picked)
    if strangers:
        run.notes.append(f"posted items that were not picked: {sorted(strangers)}")
    run.posted = len(in_slack & set(rig.picked))
    run.duplicates = sum(1 for n in seen.values() if n > 1)
    if run.duplicates:
        run.notes.append(f"DUPLICATES: {sorted(i for i, n in seen.items() if n > 1)}")
    if not store:
        return
    recorded = {i for i in rig.picked if rig.store.is_published(i, CHANNEL)}
    run.unpublished = len(rig.picked) - len(recorded)
    lost, unrecorded = recorded - in_slack, in_slack - recorded
    run.lost, run.unrecorded = len(lost), len(unrecorded)
    if lost:
        run.notes.append(f"LOST (recorded as published, not in Slack): {sorted(lost)}")
    if unrecorded:
        run.notes.append(f"UNRECORDED (in Slack, store says unpublished): {sorted(unrecorded)}")


def digest_run(base: Settings, tmp: Path, setup: Setup) -> Run:
    with Rig(base, tmp) as rig:
        client = make_client(rig.settings)
        setup(rig.fake, client)
        start = time.perf_counter()
        outcome = run_digest(rig.settings, rig.store, client, rig.digest, rig.now)
        seconds = time.perf_counter() - start
        settle(rig.fake)
        run = Run(seconds, Counter(c.method for c in rig.fake.calls), 0, error=outcome.error)
        audit(rig, run, metadata=True, store=True)
        slack_items = sorted(
            i
            for m in rig.fake.messages(CHANNEL)
            for i in shown_items(m, {ITEM_BLOCK_ID.format(id=p): p for p in rig.picked})
        )
        if sorted(outcome.posted) != slack_items:
            run.notes.append(f"Outcome.posted {len(outcome.posted)} != Slack {len(slack_items)}")
        if outcome.pending != len(rig.picked) - len(outcome.posted):
            run.notes.append(f"Outcome.pending {outcome.pending} is off")
        return run


def naive_run(base: Settings, tmp: Path) -> Run:
    """The same clean digest's payloads, one chat_postMessage each: no store, no claim."""
    with Rig(base, tmp) as rig:
        articles = preview_digest(rig.settings, rig.store, rig.digest, rig.now)
        day = rig.now.astimezone(rig.settings.timezone).date()
        messages = digest_messages(articles, day, rig.settings.timezone)
        client = make_client(rig.settings)
        start = time.perf_counter()
        thread_ts = None
        for message in messages:
            extra = {"thread_ts": thread_ts} if thread_ts else {}
            response = client.chat_postMessage(
                channel=CHANNEL,
                text=message["text"],
                blocks=message["blocks"],
                unfurl_links=False,
                unfurl_media=False,
                **extra,
            )
            thread_ts = thread_ts or response["ts"]
        seconds = time.perf_counter() - start
        run = Run(seconds, Counter(c.method for c in rig.fake.calls), 0)
        audit(rig, run, metadata=False, store=False)
        return run


def select_render_run(base: Settings, tmp: Path) -> Run:
    """Selection (`preview_digest`) and rendering (`digest_messages`) alone: no Slack."""
    with Rig(base, tmp) as rig:
        start = time.perf_counter()
        articles = preview_digest(rig.settings, rig.store, rig.digest, rig.now)
        day = rig.now.astimezone(rig.settings.timezone).date()
        messages = digest_messages(articles, day, rig.settings.timezone)
        seconds = time.perf_counter() - start
        return Run(seconds, Counter(), len(messages))


# --- reporting -------------------------------------------------------------------------


def spread(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def calls_text(runs: list[Run]) -> str:
    methods = sorted({m for r in runs for m in r.calls}, key=lambda m: (m != POST, m))
    parts = [f"{SHORT.get(m, m)} {spread([r.calls.get(m, 0) for r in runs])}" for m in methods]
    return ", ".join(parts) or "-"


def row(name: str, runs: list[Run], blank: tuple[str, ...] = ()) -> list[str]:
    """One table line; columns named in `blank` do not apply to this kind of run."""
    times = [r.seconds for r in runs]
    errors = sorted({r.error or "-" for r in runs})
    cells = [
        name,
        str(len(runs)),
        f"{statistics.median(times) * 1000:.0f}",
        f"{max(times) * 1000:.0f}",
        spread([sum(r.calls.values()) for r in runs]),
        calls_text(runs),
        spread([r.messages for r in runs]),
        spread([r.posted for r in runs]),
        spread([r.duplicates for r in runs]),
        spread([r.lost for r in runs]),
        spread([r.unrecorded for r in runs]),
        spread([r.unpublished for r in runs]),
        ",".join(errors),
    ]
    return [("-" if HEADER[i] in blank else c) for i, c in enumerate(cells)]


HEADER = [
    "scenario",
    "n",
    "median ms",
    "max ms",
    "calls",
    "calls by method",
    "msgs",
    "posted",
    "dup",
    "lost",
    "unrec",
    "unpub",
    "error",
]


NOT_POSTED = ("calls", "posted", "dup", "lost", "unrec", "unpub")


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    numeric = {1, 2, 3, 4, 6, 7, 8, 9, 10, 11}

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    print(line(HEADER))
    print("  ".join("-" * w for w in widths))
    for cells in rows:
        print(line(cells))


def check(
    name: str, runs: list[Run], all_posted: bool, error: str | None, *, store: bool = True
) -> list[str]:
    """What a scenario got wrong, as lines for under the table."""
    notes = [f"{name}: {note}" for r in runs for note in dict.fromkeys(r.notes)]
    for k, r in enumerate(runs):
        want_posted = SIZE if all_posted else 0
        unpublished = r.unpublished if store else SIZE - r.posted
        if r.posted != want_posted or unpublished != SIZE - want_posted:
            notes.append(
                f"{name} run {k}: posted {r.posted}, unpublished {unpublished} "
                f"(expected {want_posted} and {SIZE - want_posted})"
            )
        if r.error != error:
            notes.append(f"{name} run {k}: error {r.error!r}, expected {error!r}")
    return list(dict.fromkeys(notes))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per scenario (default 5)")
    parser.add_argument("--records", type=int, default=200, help="generated records (>= 30)")
    parser.add_argument("--verbose", action="store_true", help="show the bot's log lines")
    args = parser.parse_args()
    if args.repeat < 1 or args.records < 30:
        parser.error("--repeat must be >= 1 and --records >= 30")
    return args


@dataclasses.dataclass
class Measured:
    results: dict[str, list[Run]]  # run_digest, per scenario
    naive: list[Run]
    select_render: list[Run]


def main() -> int:
    args = parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.CRITICAL)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="newsdesk-digest-bench-") as name:
        tmp = Path(name)
        base = base_settings(tmp, args.records)
        with Rig(base, tmp) as probe:
            if len(probe.picked) != SIZE:
                print(f"only {len(probe.picked)} items pickable from {args.records} records")
                return 0
        measured = measure(base, tmp, args.repeat, started)
    report(measured, args, started)
    return 0


def measure(base: Settings, tmp: Path, repeat: int, started: float) -> Measured:
    """Up to `repeat` runs of each; repeats stop once BUDGET_SECONDS have passed."""

    def in_budget(k: int) -> bool:
        return k == 0 or time.monotonic() - started < BUDGET_SECONDS

    got = Measured({name: [] for name in SCENARIOS}, [], [])
    # Warm-up (imports, first SQLite open, first HTTP connection): not counted.
    digest_run(base, tmp, SCENARIOS["clean"][0])
    naive_run(base, tmp)
    for k in range(repeat):  # interleaved: a noisy moment hits all three alike
        if not in_budget(k):
            break
        got.results["clean"].append(digest_run(base, tmp, SCENARIOS["clean"][0]))
        got.naive.append(naive_run(base, tmp))
        got.select_render.append(select_render_run(base, tmp))
    for scenario, (setup, _, _) in SCENARIOS.items():
        if scenario == "clean":
            continue
        for k in range(repeat):
            if not in_budget(k):
                break
            got.results[scenario].append(digest_run(base, tmp, setup))
    return got


def report(measured: Measured, args: argparse.Namespace, started: float) -> None:
    """The table, the clean run's cost against the naive loop's, and anything odd."""
    results, naive, select_render = measured.results, measured.naive, measured.select_render
    rows = [row(scenario, runs) for scenario, runs in results.items()]
    rows.append(row("naive loop (no store/claim/metadata)", naive, ("lost", "unrec", "unpub")))
    rows.append(row("select + render only (no Slack)", select_render, NOT_POSTED))
    print(f"Digest of {SIZE} items from {args.records} generated records, FakeSlack on 127.0.0.1,")
    print(f"fresh SQLite store and FakeSlack per run; up to {args.repeat} runs per scenario.")
    print()
    print_table(rows)
    clean = statistics.median(r.seconds for r in results["clean"])
    loop = statistics.median(r.seconds for r in naive)
    pick = statistics.median(r.seconds for r in select_render)
    print()
    print(
        f"clean run_digest / naive loop (medians): {clean / loop:.2f}x "
        f"({clean * 1000:.0f} ms vs {loop * 1000:.0f} ms; selection + rendering "
        f"{pick * 1000:.0f} ms, claim + bookkeeping + metadata the remaining "
        f"{max(clean - loop - pick, 0) * 1000:.0f} ms)"
    )
    print(f"whole benchmark: {time.monotonic() - started:.0f} s")
    print()
    print_notes(odd_notes(measured))


def odd_notes(measured: Measured) -> list[str]:
    """Duplicates, losses or unrecorded posts found in any scenario."""
    notes: list[str] = []
    for scenario, (_, all_posted, error) in SCENARIOS.items():
        notes += check(scenario, measured.results[scenario], all_posted, error)
    return notes + check("naive loop", measured.naive, True, None, store=False)


def print_notes(notes: list[str]) -> None:
    print("Odd:" if notes else "Nothing odd: no duplicates, nothing lost or unrecorded.")
    for note in notes:
        print(f"  - {note}")


if __name__ == "__main__":
    sys.exit(main())
