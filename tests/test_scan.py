"""Tests for bot.content.scan: walking the content folder, incremental rescans, bad files."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest
from recordfiles import record_text, write

from bot.content.scan import scan


def test_scan_is_recursive_and_skips_hidden_and_foreign_files(tmp_path: Path) -> None:
    write(tmp_path / "top.md", record_text(title="Top"))
    write(tmp_path / "a" / "b" / "deep.TXT", record_text(title="Deep"))
    write(tmp_path / "a" / "feed.yml", "title: From YAML\nwebUrl: https://y.test/\n")
    write(tmp_path / ".drafts" / "hidden.md", record_text(title="Hidden dir"))
    write(tmp_path / ".hidden.md", record_text(title="Hidden file"))
    write(tmp_path / "notes.json", "{}")
    os.symlink(tmp_path / "top.md", tmp_path / "link.md")
    result = scan(tmp_path)
    assert sorted(r.article.title for r in result.records) == ["Deep", "From YAML", "Top"]
    assert str(tmp_path / "a" / "b" / "deep.TXT") in {r.path for r in result.records}
    assert result.bad == [] and result.removed == [] and result.unchanged == 0


def test_missing_root_raises_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"content folder not found: .*nope"):
        scan(tmp_path / "nope")
    with pytest.raises(NotADirectoryError):
        scan(write(tmp_path / "file.md", record_text()))


def test_incremental_rescan_skips_unchanged_files(tmp_path: Path) -> None:
    path = write(tmp_path / "keep.md", record_text(title="First Title"))
    write(tmp_path / "other.md", record_text(title="Other"))
    first = scan(str(tmp_path))
    known = {r.path: (r.mtime_ns, r.size) for r in first.records}
    stat = path.stat()
    path.write_text(record_text(title="Other Title"))  # same length, new content
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = scan(str(tmp_path), known)
    assert (again.records, again.bad, again.removed, again.unchanged) == ([], [], [], 2)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    changed = scan(str(tmp_path), known)
    assert [r.article.title for r in changed.records] == ["Other Title"]
    assert changed.unchanged == 1


def test_deleted_files_are_reported_removed(tmp_path: Path) -> None:
    gone = write(tmp_path / "gone.md", record_text(title="Gone"))
    write(tmp_path / "stay.md", record_text(title="Stay"))
    known = {r.path: (r.mtime_ns, r.size) for r in scan(tmp_path).records}
    gone.unlink()
    result = scan(tmp_path, known)
    assert result.removed == [str(gone)] and result.unchanged == 1


def test_duplicate_ids_make_the_second_file_bad(tmp_path: Path) -> None:
    first = write(tmp_path / "a" / "same.md", record_text(title="One"))
    second = write(tmp_path / "b" / "same.txt", record_text(title="Two"))
    result = scan(tmp_path)
    assert [r.article.title for r in result.records] == ["One"]
    assert [(b.path, b.reason) for b in result.bad] == [
        (str(second), f"duplicate id 'same', also at {first}")
    ]


def test_a_stored_file_keeps_its_id_against_a_new_duplicate(tmp_path: Path) -> None:
    stored = write(tmp_path / "b" / "same.md", record_text(title="Stored"))
    known = {r.path: (r.mtime_ns, r.size) for r in scan(tmp_path).records}
    newcomer = write(tmp_path / "a" / "same.md", record_text(title="Newcomer"))
    result = scan(tmp_path, known)
    assert result.records == [] and result.unchanged == 1
    assert result.bad[0].path == str(newcomer) and str(stored) in result.bad[0].reason


def test_bad_files_never_stop_the_scan(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path / "good.md", record_text(title="Good"))
    big = write(tmp_path / "big.md", record_text(body="x" * (1024 * 1024 + 1)))
    broken = write(tmp_path / "broken.md", b"\xff\xfe not text")
    with caplog.at_level(logging.WARNING, logger="bot.content.scan"):
        result = scan(tmp_path)
    assert [r.article.title for r in result.records] == ["Good"]
    reasons = {b.path: b.reason for b in result.bad}
    assert reasons[str(big)].startswith("file too large")
    assert reasons[str(broken)].startswith("not UTF-8")
    assert result.bad[0].size == os.stat(result.bad[0].path).st_size
    assert caplog.text.count(str(broken)) == 1
    assert f"{big}: file too large" in caplog.text


def test_rescanning_many_unchanged_files_is_fast(tmp_path: Path) -> None:
    text = record_text()
    for i in range(2000):
        write(tmp_path / f"d{i % 10}" / f"item{i:04d}.md", text)
    known = {r.path: (r.mtime_ns, r.size) for r in scan(tmp_path).records}
    started = time.perf_counter()
    result = scan(tmp_path, known)
    assert result.unchanged == 2000 and result.records == []
    assert time.perf_counter() - started < 0.5  # 50,000 files/s would take 0.04 s
