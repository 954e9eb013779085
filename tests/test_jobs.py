"""`rescan`: the content folder as editors change it, and what the store then holds."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import Settings, load_settings
from bot.publishing.digest import preview_digest
from bot.publishing.jobs import rescan
from bot.store.store import Store

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
SECRET = "JoBs-SeCrEt-77aa+Zz==;Hidden=="

RECORD = """---
title: "{title}"
excerpt: "About {name}."
publishedDateTime: 2026-11-20T08:00:00Z
originalUrl: "https://news.example.com/{name}/"
quality: {quality}
provider: {{name: "Provider {name}"}}
topics: [AI]
secured: "{secret}"
---
"""


def write_record(folder: Path, name: str, title: str | None = None, quality: int = 80) -> Path:
    path = folder / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = RECORD.format(title=title or f"Story {name}", name=name, quality=quality, secret=SECRET)
    path.write_text(text, encoding="utf-8")
    return path


def bump_mtime(path: Path, seconds: int) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


def settings_for(tmp_path: Path) -> Settings:
    (tmp_path / "articles").mkdir(exist_ok=True)
    config = tmp_path / "newsdesk.yaml"
    config.write_text("content_dir: articles\n", encoding="utf-8")
    return load_settings(str(config), {})


def picked(settings: Settings, store: Store) -> list[str]:
    digest = settings.digest_for("C0NEWS")
    return [a.id for a in preview_digest(settings, store, digest, NOW)]


def test_rescan_picks_up_new_changed_and_deleted_files(tmp_path: Path, store: Store) -> None:
    settings = settings_for(tmp_path)
    folder = settings.content_dir
    write_record(folder, "alpha")
    beta = write_record(folder, "beta")
    gamma = write_record(folder / "sub" / "deeper", "gamma")

    first = rescan(settings, store, NOW)
    assert first.records == 3
    assert store.counts()["items"] == 3
    assert sorted(picked(settings, store)) == ["alpha", "beta", "gamma"]

    # An editor fixes a title, deletes a file and drops in a new one.
    write_record(folder, "beta", title="Beta, Corrected")
    bump_mtime(beta, 10)
    gamma.unlink()
    write_record(folder, "delta")

    second = rescan(settings, store, LATER)

    assert (second.records, second.removed) == (2, 1)  # beta and delta read; gamma gone
    assert second.unchanged == 1  # alpha was not read again
    assert str(gamma) not in store.file_index()
    assert store.article("beta").title == "Beta, Corrected"
    assert store.counts()["items"] == 3
    assert sorted(picked(settings, store)) == ["alpha", "beta", "delta"]


def test_a_rescan_without_changes_reads_nothing(tmp_path: Path, store: Store) -> None:
    settings = settings_for(tmp_path)
    for name in ("a", "b"):
        write_record(settings.content_dir, name)
    rescan(settings, store, NOW)

    again = rescan(settings, store, LATER)

    assert (again.records, again.bad, again.removed, again.unchanged) == (0, 0, 0, 2)


def test_a_file_that_turns_bad_is_withdrawn_and_comes_back_when_fixed(
    tmp_path: Path, store: Store
) -> None:
    settings = settings_for(tmp_path)
    path = write_record(settings.content_dir, "flaky")
    write_record(settings.content_dir, "steady")
    rescan(settings, store, NOW)
    assert sorted(picked(settings, store)) == ["flaky", "steady"]

    path.write_text('---\ntitle: ""\noriginalUrl: https://x.example.com/\n---\n', "utf-8")
    bump_mtime(path, 10)
    broken = rescan(settings, store, LATER)

    assert broken.bad == 1
    [bad] = store.bad_files()
    assert bad.path == str(path) and "title" in bad.reason
    assert picked(settings, store) == ["steady"]
    assert store.counts()["bad_files"] == 1

    write_record(settings.content_dir, "flaky", title="Flaky, Fixed")
    bump_mtime(path, 20)
    rescan(settings, store, LATER + timedelta(minutes=5))

    assert store.bad_files() == []
    assert sorted(picked(settings, store)) == ["flaky", "steady"]
    assert store.article("flaky").title == "Flaky, Fixed"


def test_a_deleted_bad_file_leaves_the_report(tmp_path: Path, store: Store) -> None:
    settings = settings_for(tmp_path)
    bad = settings.content_dir / "bad.md"
    bad.write_bytes(b"---\ntitle: caf\xe9\n---\n")
    rescan(settings, store, NOW)
    assert len(store.bad_files()) == 1

    bad.unlink()
    rescan(settings, store, LATER)

    assert store.bad_files() == []
    assert store.counts()["bad_files"] == 0


def test_the_secured_token_is_kept_in_the_store_only(tmp_path: Path, store: Store) -> None:
    settings = settings_for(tmp_path)
    write_record(settings.content_dir, "tok")
    rescan(settings, store, NOW)

    assert store.secured("tok").reveal() == SECRET
    assert SECRET not in repr(store.article("tok"))
    assert SECRET not in str(store.article("tok").to_dict())


def test_a_rescan_stored_in_chunks_moves_files_and_refuses_copies(
    tmp_path: Path, store: Store
) -> None:
    settings = settings_for(tmp_path)
    folder = settings.content_dir
    moved_down, moved_up = write_record(folder / "b", "x"), write_record(folder / "c", "z")
    write_record(folder / "b", "y")
    assert rescan(settings, store, NOW, chunk=1).records == 3

    # One file moves to a folder walked later, one to a folder walked earlier (before its
    # old path is known to be gone), and a copy of a stored one appears.
    os.rename(moved_down, (folder / "d").mkdir() or folder / "d" / "x.md")
    os.rename(moved_up, (folder / "a").mkdir() or folder / "a" / "z.md")
    copy = write_record(folder / "e", "y")
    counts = rescan(settings, store, LATER, chunk=1)

    assert (counts.records, counts.removed, counts.unchanged) == (3, 2, 1)
    index = store.file_index()
    assert {p for p in index if p.endswith(("x.md", "z.md"))} == {
        str(folder / "d" / "x.md"),
        str(folder / "a" / "z.md"),
    }
    [bad] = store.bad_files()
    assert bad.path == str(copy) and "duplicate id 'y'" in bad.reason
    assert sorted(picked(settings, store)) == ["x", "y", "z"]
    assert store.counts()["items"] == 3 and store.counts()["bad_files"] == 1
