"""Tests for bot.store.ingest: one record can only make itself bad, on every database.

A record the store cannot serialise or that the database refuses becomes a bad file with
a reason; the other records of the scan are stored, counted and picked all the same.
Hand-written poison records go the whole way here: files -> scan -> store -> digest
preview -> cards and renderings -> status.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from factories import make_record
from hypothesis import given
from hypothesis import strategies as st
from recordfiles import (
    SECRET,
    hostile_bytes,
    hostile_records,
    short_record,
    write,
    write_numbered,
)
from slackescapes import unescaped_problems
from slacklimits import limit_problems

from bot.config import DigestSettings, Settings
from bot.content.article import BadFile, ScanResult
from bot.publishing.digest import preview_digest
from bot.publishing.jobs import rescan
from bot.render import card_html, digest_text
from bot.slack.blockkit.packing import digest_messages
from bot.status import as_text, collect
from bot.store.store import Store

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
UNSTORABLE = "\ud800"  # a lone surrogate: no driver can encode it


def store_scan(store: Store, records=(), bad=()) -> None:
    store.apply_scan(ScanResult(records=list(records), bad=list(bad), removed=[]), NOW)


def bad_by_path(store: Store) -> dict[str, str]:
    return {b.path: b.reason for b in store.bad_files()}


# --- the store's write of a scan isolates each record ----------------------------------


def test_a_record_that_cannot_be_stored_is_a_bad_file_and_the_rest_are_kept(
    store: Store,
) -> None:
    records = [make_record(f"r{n:04d}", topics=("AI",)) for n in range(1_050)]
    # One the database refuses in the first chunk of 1,000 and one in the second, and one
    # that cannot even be serialised.
    records[10] = make_record("r0010", title=f"Bad {UNSTORABLE} title", topics=("AI",))
    records[1_020] = make_record("r1020", excerpt=UNSTORABLE, topics=("AI",))
    records[500] = make_record("r0500", extra={"big": 16**4000}, topics=("AI",))

    store_scan(store, records)

    bad = bad_by_path(store)
    assert bad == {
        "r0010.md": "cannot be stored: the database refused a value (UnicodeEncodeError)",
        "r1020.md": "cannot be stored: the database refused a value (UnicodeEncodeError)",
        "r0500.md": "cannot be stored: a value cannot be serialised (ValueError)",
    }
    assert store.counts()["items"] == 1_047
    assert store.topics() == [("AI", 1_047)]
    assert store.article("r0011").title == "Article r0011"
    assert store.article("r0010") is None
    assert store.file_index()["r0010.md"] == (records[10].mtime_ns, records[10].size)


def test_a_refused_new_version_takes_the_old_one_out_of_the_pool(store: Store) -> None:
    store_scan(store, [make_record("a", topics=("Old",)), make_record("b", topics=("B",))])

    store_scan(store, [make_record("a", title=UNSTORABLE, topics=("New",), mtime_ns=2)])

    assert [c.id for c in store.candidates(channel="C", quality_min=0)] == ["b"]
    assert store.topics() == [("B", 1)]
    assert bad_by_path(store)["a.md"].startswith("cannot be stored:")
    assert store.file_index()["a.md"] == (2, 100)  # not read again until it changes
    store_scan(store, [make_record("a", topics=("New",), mtime_ns=3)])
    assert "a.md" not in bad_by_path(store) and store.topics() == [("B", 1), ("New", 1)]


def test_a_bad_file_whose_name_is_not_utf8_is_still_recorded(store: Store) -> None:
    name = "caf\udce9.md"  # how os.scandir hands on an undecodable byte
    store_scan(store, [make_record("ok")], [BadFile(name, "the file name is not valid UTF-8")])

    assert bad_by_path(store) == {"caf\ufffd.md": "the file name is not valid UTF-8"}
    assert store.article("ok") is not None


@pytest.mark.postgres
def test_postgresql_refuses_a_nul_and_only_that_record_is_bad(pg_url: str) -> None:
    store = Store(pg_url)
    try:
        store_scan(store, [make_record("a"), make_record("nul", title="a\x00b")])
        assert bad_by_path(store) == {
            "nul.md": "cannot be stored: the database refused a value (DataError)"
        }
        assert store.article("a") is not None
    finally:
        store.close()


# --- hand-written poison records, the whole way ----------------------------------------

BASE = short_record("Poison", "poison", 1, 90)
POISON = {
    # json.dumps refuses ints of more than 4,300 digits (Python's int max str digits).
    "huge_hex.md": BASE.replace("topics: [AI]", "topics: [AI]\nfoo: 0x" + "f" * 4000),
    # PostgreSQL refuses a NUL in any text.
    "nul_secured.md": BASE.replace("topics: [AI]", 'topics: [AI]\nsecured: "a\\0b"'),
    "nul_unknown.md": BASE.replace("topics: [AI]", 'topics: [AI]\nnote: "x\\0y"\nz: {"k\\0": 1}'),
    "nul_title.md": BASE.replace('title: "', 'title: "\\0'),
    # astimezone overflows at the ends of the calendar.
    "year_one.md": BASE.replace("2026-11-20T08:00:00Z", "0001-01-01"),
    "year_one_offset.md": BASE.replace("2026-11-20T08:00:00Z", "0001-01-01T00:00:00+05:00"),
    "year_9999.md": BASE.replace("2026-11-20T08:00:00Z", "9999-12-31T23:30Z"),
    "not_a_day.md": BASE.replace("2026-11-20T08:00:00Z", "2021-02-30"),
    "int_tag.md": BASE.replace("heat: 1", "heat: !!int abc"),
    "dup_key.md": BASE.replace("heat: 1", "heat: 1\nheat: 2"),
    "list_title.md": BASE.replace('title: "Poison story 1 for the team"', "title: [a, b]"),
    "nan_quality.md": BASE.replace("quality: 90", "quality: .nan"),
    "deep_unknown.md": BASE.replace("topics: [AI]", "topics: [AI]\nx: " + "[" * 70 + "]" * 70),
    "bidi.md": BASE.replace("Poison story", "<!channel> \u202egnp.exe\u202c story"),
}


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo"])
def test_poison_records_stop_nothing_and_the_good_ones_are_picked(
    tmp_path: Path, db_url: str, zone: str
) -> None:
    folder = tmp_path / "articles"
    good = write_numbered(folder, "good", 3, lambda n: short_record("Good", "good", n, 80))
    for n, (name, text) in enumerate(POISON.items(), 2):
        # Each its own site and title, so none is a duplicate of another.
        write(folder / name, text.replace("poison1", f"poison{n}").replace("1 for", f"{n} for"))
    settings = Settings(
        content_dir=folder,
        database_url=db_url,
        timezone=ZoneInfo(zone),
        quality_min=0,
        per_provider=50,
        digests=(DigestSettings(channel="CNEWS", size=50),),
    )
    store = Store(db_url)
    try:
        result = rescan(settings, store, NOW)
        picked = preview_digest(settings, store, settings.digests[0], NOW)
        report = collect(settings, store, NOW)
        all_bad = {Path(b.path).name for b in store.bad_files()}
    finally:
        store.close()

    ids = [a.id for a in picked]
    assert set(good) <= set(ids)
    assert result.records + result.bad == len(good) + len(POISON)  # rescan's counts
    stored_bad = {Path(b).name.split(":")[0] for b in report["bad_files"]}
    assert stored_bad == all_bad and len(all_bad) >= result.bad
    assert {"huge_hex.md", "nul_secured.md", "int_tag.md", "dup_key.md"} <= stored_bad
    assert {"year_one", "year_9999", "nul_unknown", "nul_title", "bidi"} <= set(ids)
    assert all(a.published_at is None for a in picked if a.id.startswith(("year", "not_")))
    for message in digest_messages(picked, NOW.date(), settings.timezone):
        assert limit_problems(message) == [] and unescaped_problems(message) == []
        assert "\u202e" not in json.dumps(message)
    digest_text(picked, "Digest", settings.timezone)
    [card_html(a, settings.timezone) for a in picked]
    assert "huge_hex.md" in as_text(report)
    assert SECRET not in json.dumps(report)


# --- the property: hostile records, the whole way, on every database -------------------

_examples = itertools.count()


def settings_for(folder: Path, db_url: str, zone: str = "America/New_York") -> Settings:
    return Settings(
        content_dir=folder,
        database_url=db_url,
        timezone=ZoneInfo(zone),
        quality_min=0,
        per_provider=50,
        digests=(DigestSettings(channel="CNEWS", size=50),),
    )


@given(st.lists(hostile_records(), min_size=1, max_size=4))
def test_hostile_records_are_stored_or_bad_and_never_cost_the_good_ones(
    tmp_path: Path, store: Store, drawn: list[tuple]
) -> None:
    # One store for all examples: each example's folder replaces the last one's files.
    n = next(_examples)
    folder = tmp_path / f"example{n}"
    good = write_numbered(folder, f"good{n}x", 3, lambda i: short_record("Good", "good", i, 80))
    hostile = [write(folder / f"h{i}.md", hostile_bytes(i, d)) for i, d in enumerate(drawn)]
    settings = settings_for(folder, "unused")

    result = rescan(settings, store, NOW)
    picked = preview_digest(settings, store, settings.digests[0], NOW)
    report = collect(settings, store, NOW)

    assert set(good) <= {a.id for a in picked}
    present = {str(folder / f"{a.id}.md") for a in store.search("", 1_000)}
    bad = {b.path: b.reason for b in store.bad_files()}
    paths = {str(p) for p in hostile} | {str(folder / f"{i}.md") for i in good}
    assert paths == present | (bad.keys() & paths)  # each file is an item or a bad file
    assert not present & bad.keys()
    assert result.records + result.bad == len(paths)  # rescan's counts
    for message in digest_messages(picked, NOW.date(), settings.timezone):
        assert limit_problems(message) == [] and unescaped_problems(message) == []
    as_text(report).encode("utf-8")
    assert SECRET not in json.dumps(report, ensure_ascii=False)
