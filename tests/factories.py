"""Small builders of model objects for tests (importable: `from tests.factories import ...`)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Settings, load_settings
from bot.content.article import Article, Provider, Record, ScanResult
from bot.secret import Secret

if TYPE_CHECKING:
    from fakeslack import FakeSlack

    from bot.store.store import Store

SCAN_TIME = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)  # when `scan` stores, unless told


def make_record(item_id: str, **fields: Any) -> Record:
    """A Record of a valid article `item_id`; keyword arguments override Article fields.

    Besides Article's fields it takes `path` (default `<id>.md`), `mtime_ns`, `size`
    and `secured` (a plain string, wrapped in Secret). `provider` may be a plain name.
    """
    path = fields.pop("path", f"{item_id}.md")
    mtime_ns = fields.pop("mtime_ns", 1_700_000_000_000_000_000)
    size = fields.pop("size", 100)
    secured = fields.pop("secured", None)
    if isinstance(fields.get("provider"), str):
        fields["provider"] = Provider(name=fields["provider"])
    fields.setdefault("title", f"Article {item_id}")
    fields.setdefault("url", f"https://example.com/articles/{item_id}")
    article = Article(id=item_id, **fields)
    wrapped = Secret(secured) if secured is not None else None
    return Record(article=article, path=path, mtime_ns=mtime_ns, size=size, secured=wrapped)


def make_article(item_id: str, **fields: Any) -> Article:
    """The Article of `make_record(item_id, **fields)` (the same keywords)."""
    return make_record(item_id, **fields).article


def scan(store: Store, records=(), bad=(), removed=(), now: datetime = SCAN_TIME) -> None:
    """Store one scan of these records, bad files and removed paths."""
    store.apply_scan(ScanResult(records=list(records), bad=list(bad), removed=list(removed)), now)


def ids(cands) -> list[str]:
    """The ids of candidates (or articles), in order."""
    return [c.id for c in cands]


def fake_settings(folder: Path, fake: FakeSlack, config: str) -> Settings:
    """Settings of `config` (YAML text, written to `folder/newsdesk.yaml`) talking to the
    fake Slack: its bot token and API URL are the environment."""
    path = folder / "newsdesk.yaml"
    path.write_text(config, encoding="utf-8")
    return load_settings(str(path), {"SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": fake.url})


def run_together(*calls):
    """Run the calls in threads released at the same instant; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results
