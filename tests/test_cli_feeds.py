"""`newsdesk feeds` and `newsdesk feeds poll [URL]` as a real subprocess, against feeds
served on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import yaml
from clirun import newsdesk
from feedfiles import entries, json_feed, rss2
from webserver import Reply, running


def config(folder: Path, *urls: str) -> None:
    (folder / "articles").mkdir()
    data = {"content_dir": "articles", "feeds": [{"url": u, "quality": 70} for u in urls]}
    (folder / "newsdesk.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")


def test_poll_then_list_shows_each_feeds_state(tmp_path: Path) -> None:
    with running() as web:
        full = Reply(body=rss2(entries(3)), headers={"ETag": '"a"'})
        web.routes["/rss"] = lambda h: Reply(304) if h.get("if-none-match") == '"a"' else full
        web.routes["/json"] = Reply(body=json_feed(entries(2, prefix="Json")))
        web.routes["/gone"] = Reply(404, b"no")
        urls = [web.url("/rss"), web.url("/json"), web.url("/gone")]
        config(tmp_path, *urls)
        polled = newsdesk("--config", "newsdesk.yaml", "feeds", "poll", cwd=tmp_path)
        one = newsdesk("--config", "newsdesk.yaml", "feeds", "poll", urls[0], cwd=tmp_path)
        listed = newsdesk("--config", "newsdesk.yaml", "feeds", cwd=tmp_path)
    assert polled.returncode == 1, polled.stderr  # one feed failed
    assert polled.stdout.splitlines() == [
        f"{urls[0]}: 3 new, 0 updated, 0 skipped",
        f"{urls[1]}: 2 new, 0 updated, 0 skipped",
        f"{urls[2]}: failed (HTTP 404)",
    ]
    assert (one.returncode, one.stdout.strip()) == (0, f"{urls[0]}: not modified")
    lines = listed.stdout.splitlines()
    assert lines[0].startswith(f"feeds[0] {urls[0]}: 3 items, last success 20")
    assert lines[1].startswith(f"feeds[1] {urls[1]}: 2 items, last success 20")
    assert lines[2].startswith(f"feeds[2] {urls[2]}: 0 items, last success never")
    assert lines[3] == "  error (1 in a row): HTTP 404"


def test_poll_of_an_unknown_url_or_without_feeds_is_a_usage_error(tmp_path: Path) -> None:
    config(tmp_path, "https://example.org/feed.xml")
    unknown = newsdesk("--config", "newsdesk.yaml", "feeds", "poll", "https://x.y/", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "https://x.y/: not a configured feed" in unknown.stderr


def test_a_bad_feed_config_stops_with_the_key(tmp_path: Path) -> None:
    (tmp_path / "newsdesk.yaml").write_text("feeds:\n  - url: ftp://example.org/f\n")
    ran = newsdesk("--config", "newsdesk.yaml", "feeds", cwd=tmp_path)
    assert ran.returncode == 2
    assert "feeds[0].url: must be an http(s) URL" in ran.stderr
