"""The content folder: find record files and parse the new and changed ones.

`scan` walks the folder with `os.scandir` and only reads files whose stat is not already
known; parsing and validation live in `bot.content.records`. A bad file becomes a `BadFile` with
a one-line reason and never stops the scan.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
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

_Found = tuple[str, os.stat_result]  # a record file's path and its stat, as scanned


def scan(
    root: str | Path,
    known: Mapping[str, tuple[int, int]] | None = None,
    *,
    now: datetime | None = None,
) -> ScanResult:
    """Parse new and changed record files under `root`; skip files whose stat is `known`.
    `now` bounds the dates records may hold (see `parse_record`)."""
    top = os.fspath(root)
    if not os.path.isdir(top):
        if os.path.exists(top):
            raise NotADirectoryError(f"content folder is not a folder: {top}")
        raise FileNotFoundError(f"content folder not found: {top}")
    known = known or {}
    files, bad, blind = _walk(top)
    changed, owners = _changed(files, known)
    records: list[Record] = []
    for path, st in changed:
        outcome = _load(path, st, owners, now)
        (records if isinstance(outcome, Record) else bad).append(outcome)
    for b in bad:
        log.warning("%s: %s", b.path, b.reason)
    found = {path for path, _ in files}
    removed = [p for p in known if p not in found and not _under(p, blind)]
    return ScanResult(records, bad, removed, len(files) - len(changed))


def _changed(
    files: list[_Found], known: Mapping[str, tuple[int, int]]
) -> tuple[list[_Found], dict[str, str]]:
    """Files whose stat differs from `known`, and the ids the unchanged (stored) ones own."""
    owners: dict[str, str] = {}
    changed = []
    for path, st in files:
        if known.get(path) == (st.st_mtime_ns, st.st_size):
            owners.setdefault(item_id(path), path)  # a stored file keeps its id first
        else:
            changed.append((path, st))
    return changed, owners


def _walk(top: str) -> tuple[list[_Found], list[BadFile], list[str]]:
    """Record files (path, stat) under `top`, unreadable folders as bad, and their paths."""
    files: list[_Found] = []
    bad: list[BadFile] = []
    blind: list[str] = []
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)  # stable order: "second" duplicate
        except OSError as e:
            bad.append(BadFile(folder, f"cannot read folder: {e.strerror or e}"))
            blind.append(folder)
            continue
        stack.extend(reversed(_take(entries, files)))
    return files, bad, blind


def _take(entries: list[os.DirEntry[str]], files: list[_Found]) -> list[str]:
    """Append the record files among `entries` to `files`; return the sub-folders."""
    folders = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            folders.append(entry.path)
        elif entry.is_file(follow_symlinks=False) and _accepted(entry.name):
            try:
                files.append((entry.path, entry.stat(follow_symlinks=False)))
            except OSError:
                continue  # vanished between listing and stat: it is simply not there
    return folders


def _accepted(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in EXTENSIONS


def _under(path: str, folders: list[str]) -> bool:
    return any(path.startswith(os.path.join(folder, "")) for folder in folders)


def _load(
    path: str, st: os.stat_result, owners: dict[str, str], now: datetime | None
) -> Record | BadFile:
    item = item_id(path)
    other = owners.get(item)
    if other is not None:
        return BadFile(path, DUPLICATE.format(id=item, other=other), st.st_mtime_ns, st.st_size)
    try:
        record = _read(path, st, now)
    except RecordError as e:
        return BadFile(path, str(e), st.st_mtime_ns, st.st_size)
    except OSError as e:
        return BadFile(path, f"cannot read file: {e.strerror or e}", st.st_mtime_ns, st.st_size)
    except Exception as e:  # a bad file must never stop the scan
        return BadFile(path, f"unexpected {type(e).__name__}", st.st_mtime_ns, st.st_size)
    owners[item] = path
    return record


def _read(path: str, st: os.stat_result, now: datetime | None) -> Record:
    if st.st_size > MAX_BYTES:
        raise RecordError(TOO_LARGE.format(size=st.st_size, limit=MAX_BYTES))
    with open(path, "rb") as fh:
        data = fh.read(st.st_size + 1)  # sized read: a 1 MiB buffer per file costs ~60 us
        if len(data) > st.st_size:  # it grew since the stat: read on, still bounded
            data += fh.read(MAX_BYTES + 1 - len(data))
    return parse_record(path, data, mtime_ns=st.st_mtime_ns, size=st.st_size, now=now)
