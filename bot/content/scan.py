"""The content folder: find record files and parse the new and changed ones.

`scan_chunks` walks the folder with `os.scandir`, one folder at a time, only reads files
whose stat is not already known, and yields what it parsed in chunks of `CHUNK` files, so
a caller can store each chunk and let it go: memory stays flat however large the library.
Which known files are gone is only known after the whole walk: the last chunk says so.
`scan` gathers every chunk into one `ScanResult` (small folders, tests). Parsing and
validation live in `bot.content.records`. A bad file becomes a `BadFile` with a one-line
reason and never stops the scan.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.content.article import BadFile, Record, ScanResult
from bot.content.records import (
    DUPLICATE,
    EXTENSIONS,
    MAX_BYTES,
    TOO_LARGE,
    RecordError,
    item_id,
    parse_record,
)

log = logging.getLogger(__name__)

CHUNK = 1_000  # files parsed (records + bad) per chunk
Progress = Callable[[int, int], None]  # (files walked so far, files in the folder)
Known = Mapping[str, tuple[int, int]]  # path -> (mtime_ns, size) of files already stored


@dataclass
class ScanCounts:
    """How many files one scan read, found bad, found gone, and skipped as unchanged."""

    records: int = 0
    bad: int = 0
    removed: int = 0
    unchanged: int = 0

    def add(self, part: ScanResult) -> None:
        self.records += len(part.records)
        self.bad += len(part.bad)
        self.removed += len(part.removed)
        self.unchanged += part.unchanged

    @property
    def changed(self) -> bool:
        return bool(self.records or self.bad or self.removed)


def scan(
    root: str | Path, known: Known | None = None, *, now: datetime | None = None
) -> ScanResult:
    """Every new and changed record file under `root` at once; skip files whose stat is
    `known`. A file keeps its id against a later copy, and an unchanged known file against
    any new one. `now` bounds the dates records may hold (see `parse_record`)."""
    known = known or {}
    top = _folder(root)
    owners = {item_id(p): p for p, stat in known.items() if _stat_of(p) == stat}
    records: list[Record] = []
    bad: list[BadFile] = []
    removed: list[str] = []
    unchanged = 0
    for part in scan_chunks(top, known, owners=owners, now=now):
        records += part.records
        bad += part.bad
        removed += part.removed
        unchanged += part.unchanged
    return ScanResult(records, bad, removed, unchanged)


def scan_chunks(
    root: str | Path,
    known: Known | None = None,
    *,
    size: int = CHUNK,
    owners: dict[str, str] | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Iterator[ScanResult]:
    """Parse new and changed record files under `root`, `size` parsed files per chunk.

    Each chunk holds the records and bad files parsed since the last one and how many
    known files were skipped; the last chunk also lists the known paths now gone (and
    folders that cannot be read, as bad files). Two files of one id within a chunk make
    the second bad; across chunks that takes `owners` (id -> path, kept for the whole
    walk and so growing with it), or a store that knows which path holds an id.
    `progress(walked, total)` is called as files are walked (after a quick count); `now`
    bounds the dates records may hold (see `parse_record`).
    """
    top = _folder(root)
    walk = _Walk(known or {}, size, owners, progress, now)
    if progress is not None:
        walk.total = count_files(top)
    yield from walk.run(top)
    yield walk.last()


def count_files(root: str | Path) -> int:
    """How many record files `scan` would look at under `root` (no stat, no reading)."""
    total, stack = 0, [os.fspath(root)]
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.is_file(follow_symlinks=False) and _accepted(entry.name):
                        total += 1
        except OSError:
            continue  # the walk itself reports it
    return total


@dataclass
class _Walk:
    """One walk's state: what the current chunk holds, and what the whole walk saw."""

    known: Known
    size: int
    owners: dict[str, str] | None
    progress: Progress | None
    now: datetime | None
    total: int = 0
    walked: int = 0
    unchanged: int = 0
    seen: set[str] = field(default_factory=set)  # known paths found on disk
    blind: list[str] = field(default_factory=list)  # folders that could not be read
    blind_bad: list[BadFile] = field(default_factory=list)
    chunk_records: list[Record] = field(default_factory=list)
    chunk_bad: list[BadFile] = field(default_factory=list)
    chunk_owners: dict[str, str] = field(default_factory=dict)

    def run(self, top: str) -> Iterator[ScanResult]:
        stack = [top]
        while stack:
            folder = stack.pop()
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)  # stable: "second" duplicate
            except OSError as e:
                self.blind_bad.append(BadFile(folder, f"cannot read folder: {e.strerror or e}"))
                self.blind.append(folder)
                continue
            folders = []
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif entry.is_file(follow_symlinks=False) and _accepted(entry.name):
                    self._file(entry)
                    if len(self.chunk_records) + len(self.chunk_bad) >= self.size:
                        yield self._flush([])
            stack.extend(reversed(folders))

    def last(self) -> ScanResult:
        """The final chunk: what is left, and the known paths that are gone."""
        self.chunk_bad += self.blind_bad
        gone = [p for p in self.known if p not in self.seen and not _under(p, self.blind)]
        return self._flush(gone)

    def _file(self, entry: os.DirEntry[str]) -> None:
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            return  # vanished between listing and stat: it is simply not there
        self.walked += 1
        if self.progress is not None:
            self.progress(self.walked, max(self.total, self.walked))
        path = entry.path
        stat = self.known.get(path)
        if stat is not None:
            self.seen.add(path)
            if stat == (st.st_mtime_ns, st.st_size):
                self.unchanged += 1
                return
        outcome = _load(path, st, self.owners, self.chunk_owners, self.now)
        (self.chunk_records if isinstance(outcome, Record) else self.chunk_bad).append(outcome)

    def _flush(self, removed: list[str]) -> ScanResult:
        for b in self.chunk_bad:
            log.warning("%s: %s", b.path, b.reason)
        part = ScanResult(self.chunk_records, self.chunk_bad, removed, self.unchanged)
        self.chunk_records, self.chunk_bad, self.chunk_owners = [], [], {}
        self.unchanged = 0
        return part


def _folder(root: str | Path) -> str:
    top = os.fspath(root)
    if not os.path.isdir(top):
        if os.path.exists(top):
            raise NotADirectoryError(f"content folder is not a folder: {top}")
        raise FileNotFoundError(f"content folder not found: {top}")
    return top


def _stat_of(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _accepted(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in EXTENSIONS


def _under(path: str, folders: list[str]) -> bool:
    return any(path.startswith(os.path.join(folder, "")) for folder in folders)


def _load(
    path: str,
    st: os.stat_result,
    owners: dict[str, str] | None,
    chunk: dict[str, str],
    now: datetime | None,
) -> Record | BadFile:
    item = item_id(path)
    other = (owners if owners is not None else chunk).get(item)
    if other is not None and other != path:
        return BadFile(path, DUPLICATE.format(id=item, other=other), st.st_mtime_ns, st.st_size)
    try:
        record = _read(path, st, now)
    except RecordError as e:
        return BadFile(path, str(e), st.st_mtime_ns, st.st_size)
    except OSError as e:
        return BadFile(path, f"cannot read file: {e.strerror or e}", st.st_mtime_ns, st.st_size)
    except Exception as e:  # a bad file must never stop the scan
        return BadFile(path, f"unexpected {type(e).__name__}", st.st_mtime_ns, st.st_size)
    (owners if owners is not None else chunk)[item] = path
    return record


def _read(path: str, st: os.stat_result, now: datetime | None) -> Record:
    if st.st_size > MAX_BYTES:
        raise RecordError(TOO_LARGE.format(size=st.st_size, limit=MAX_BYTES))
    with open(path, "rb") as fh:
        data = fh.read(st.st_size + 1)  # sized read: a 1 MiB buffer per file costs ~60 us
        if len(data) > st.st_size:  # it grew since the stat: read on, still bounded
            data += fh.read(MAX_BYTES + 1 - len(data))
    return parse_record(path, data, mtime_ns=st.st_mtime_ns, size=st.st_size, now=now)
