"""Suggestions end to end: the modal submitted through signed requests, a real page served on
loopback, the review card or the pool, duplicates, unreadable pages and refused addresses."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from factories import make_record
from newsdeskproc import free_port
from slackdriver import SlackDriver
from slacklimits import limit_problems, view_problems
from webserver import Reply, WebServer, running

from bot.config import ConfigError, load_settings
from bot.content.pages import suggestion_id
from bot.publishing.suggestions import NO_TITLE, NOT_WEB
from bot.slack.blockkit.forms import (
    NOTE_ACTION,
    NOTE_BLOCK,
    SUGGEST_CALLBACK_ID,
    TITLE_ACTION,
    TITLE_BLOCK,
    URL_ACTION,
    URL_BLOCK,
    WARNING_BLOCK,
)

Driver = Callable[..., SlackDriver]
REVIEW, NEWS = "CREVIEW", "CNEWS"
READER = "UREADER"
PRIVATE_OK = {"suggestions": {"allow_private": True, "quality": 65}}

OG_PAGE = """<html><head><title>Fallback</title>
<meta property="og:title" content="Chiplets, explained">
<meta property="og:description" content="Why packaging is the new Moore&#39;s law.">
<meta property="og:image" content="/img/chiplet.png">
<meta property="og:site_name" content="Packaging Weekly">
</head><body>…</body></html>"""


@pytest.fixture
def web() -> Iterator[WebServer]:
    with running() as server:
        yield server


def submit(
    slack: SlackDriver, url: str, title: str = "", note: str = "", *, metadata: str = ""
) -> tuple[int, dict | str]:
    values = {
        URL_BLOCK: {URL_ACTION: url},
        TITLE_BLOCK: {TITLE_ACTION: title or None},
        NOTE_BLOCK: {NOTE_ACTION: note or None},
    }
    return slack.submit_view(SUGGEST_CALLBACK_ID, values, metadata, user=READER)


def open_modal(slack: SlackDriver) -> str:
    slack.shortcut("newsdesk_suggest", user=READER)
    slack.wait_idle()
    return slack.fake.opened_views()[-1]["id"]


def suggest(slack: SlackDriver, url: str, title: str = "", note: str = "") -> dict:
    """Open the modal, submit it, wait for the flow; the modal as the person sees it now."""
    view_id = open_modal(slack)
    status, ack = submit(slack, url, title, note)
    assert status == 200 and isinstance(ack, dict), ack
    assert ack["response_action"] == "update", ack
    slack.wait_idle(timeout=10)
    view = slack.fake.view(view_id) or {}
    assert view_problems(view) == []
    return view


def view_text(view: dict) -> str:
    return json.dumps(view.get("blocks", []), ensure_ascii=False)


def warning(view: dict) -> tuple[str, str] | None:
    """(the block the warning sits under, its text) when the form came back with one."""
    blocks = view.get("blocks", [])
    for i, block in enumerate(blocks):
        if block.get("block_id") == WARNING_BLOCK:
            return blocks[i - 1]["block_id"], block["elements"][0]["text"]
    return None


def test_a_page_with_opengraph_goes_to_review_with_its_title_image_and_suggester(
    driver: Driver, web: WebServer
) -> None:
    slack = driver(review=REVIEW, extra_config=PRIVATE_OK)
    url = web.page("/chiplets", OG_PAGE)
    view = suggest(slack, url, note="Good *primer*")
    assert "review queue" in view_text(view) and f"<#{REVIEW}>" in view_text(view)
    assert "submit" not in view  # the outcome, not the form
    [card] = slack.fake.messages(REVIEW)
    assert limit_problems(card) == []
    blocks = card["blocks"]
    assert blocks[0]["text"]["text"] == "Chiplets, explained"
    assert "Suggested by <@UREADER>" in json.dumps(blocks)
    assert "Why packaging is the new Moore's law." in json.dumps(blocks)
    [image] = [b for b in blocks if b["type"] == "image"]
    assert image["image_url"] == web.url("/img/chiplet.png")
    assert "Packaging Weekly" in json.dumps(blocks)
    assert "Good \\\\*primer\\\\*" in json.dumps(blocks) or "Good *primer*" in json.dumps(blocks)
    item = slack.store.article(suggestion_id(url))
    assert item is not None and item.quality == 65 and item.extra["suggested_by"] == READER
    assert item.note == "Good *primer*"
    assert slack.store.reviews.pending_review()[0].id == item.id
    assert slack.store.file_index() == {}  # not a file: a rescan will never retire it


def test_in_auto_mode_the_link_joins_the_pool(driver: Driver, web: WebServer) -> None:
    slack = driver(digests=[NEWS], extra_config={"suggestions": {"allow_private": True}})
    view = suggest(slack, web.page("/a", OG_PAGE))
    assert "joins the pool" in view_text(view)
    assert slack.fake.messages(REVIEW) == []
    [candidate] = slack.store.candidates(channel=NEWS, quality_min=50)
    assert candidate.quality == 50  # the global quality_min


def test_a_page_without_metadata_needs_a_typed_title(driver: Driver, web: WebServer) -> None:
    slack = driver(review=REVIEW, extra_config=PRIVATE_OK)
    url = web.page("/bare", "<html><body><p>No head at all.</p></body></html>")
    view = suggest(slack, url)
    assert warning(view) == (TITLE_BLOCK, f":warning: {NO_TITLE}")
    assert view["submit"] and slack.fake.messages(REVIEW) == []
    typed = suggest(slack, url, title="Bare but worth it")
    assert "review queue" in view_text(typed)
    assert slack.fake.messages(REVIEW)[0]["blocks"][0]["text"]["text"] == "Bare but worth it"


def test_an_unreadable_page_uses_the_typed_title_or_asks_for_one(
    driver: Driver, web: WebServer
) -> None:
    slack = driver(review=REVIEW, extra_config=PRIVATE_OK)
    web.routes["/gone"] = Reply(404, b"nope")
    url = web.url("/gone")
    view = suggest(slack, url, note="keep me")
    field, text = warning(view) or ("", "")
    assert field == TITLE_BLOCK and "could not read that page" in text and "HTTP 404" in text
    kept = {
        b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if "element" in b
    }
    assert kept == {URL_BLOCK: url, TITLE_BLOCK: None, NOTE_BLOCK: "keep me"}
    # The same link again, still without a title: Slack's inline error at once, no re-read.
    seen = len(web.seen)
    status, ack = submit(slack, url, metadata=view["private_metadata"])
    assert (status, ack) == (200, {"response_action": "errors", "errors": {TITLE_BLOCK: NO_TITLE}})
    assert len(web.seen) == seen
    done = suggest(slack, url, title="Typed by hand", note="keep me")
    assert "review queue" in view_text(done)
    item = slack.store.article(suggestion_id(url))
    assert item is not None and (item.title, item.note, item.excerpt) == (
        "Typed by hand",
        "keep me",
        "",
    )


def test_a_dead_server_is_unreadable_too(driver: Driver, web: WebServer) -> None:
    slack = driver(review=REVIEW, extra_config=PRIVATE_OK)
    dead = f"http://127.0.0.1:{free_port()}/x"
    field, text = warning(suggest(slack, dead)) or ("", "")
    assert field == TITLE_BLOCK and "could not read that page" in text
    assert "review queue" in view_text(suggest(slack, dead, title="Offline but real"))


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/page",
        "http://localhost:{port}/page",
        "http://[::1]:{port}/page",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_private_addresses_are_refused_and_never_fetched(
    driver: Driver, web: WebServer, target: str
) -> None:
    slack = driver(review=REVIEW)  # suggestions.allow_private is off by default
    web.page("/page", OG_PAGE)
    view = suggest(slack, target.format(port=web.port), title="Typed anyway")
    field, text = warning(view) or ("", "")
    assert field == URL_BLOCK and "private or internal addresses" in text
    assert web.seen == []
    assert slack.store.counts()["items"] == 0 and slack.fake.messages(REVIEW) == []


@pytest.mark.parametrize(
    "url", ["ftp://example.org/a", "javascript:alert(1)", "example", "http://"]
)
def test_a_link_that_is_not_http_gets_an_inline_error(driver: Driver, url: str) -> None:
    slack = driver(review=REVIEW)
    open_modal(slack)
    status, ack = submit(slack, url)
    assert (status, ack) == (200, {"response_action": "errors", "errors": {URL_BLOCK: NOT_WEB}})


def test_a_known_link_is_not_added_twice(driver: Driver, web: WebServer) -> None:
    filed = make_record("f1", url="https://example.org/story", title="Filed story")
    slack = driver(records=[filed], review=REVIEW, extra_config=PRIVATE_OK)
    view = suggest(slack, "http://www.example.org/story/?utm_source=chat")
    assert "*Filed story* is already in the library, waiting to be picked" in view_text(view)
    url = web.page("/chiplets", OG_PAGE)
    suggest(slack, url)
    again = suggest(slack, url + "?utm_campaign=x")
    assert "pending review in <#CREVIEW>" in view_text(again)
    assert len(slack.fake.messages(REVIEW)) == 1 and len(web.seen) == 1  # not even re-read
    when = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    slack.store.record_publications([suggestion_id(url)], NEWS, "1.000001", None, when)
    published = suggest(slack, url)
    assert "was published on <!date^1714640400^" in view_text(published)
    assert f"in <#{NEWS}>" in view_text(published)


def test_a_link_redirecting_to_a_known_one_is_a_duplicate(driver: Driver, web: WebServer) -> None:
    slack = driver(review=REVIEW, extra_config=PRIVATE_OK)
    url = web.page("/chiplets", OG_PAGE)
    suggest(slack, url)
    short = web.redirect("/s/xyz", url)
    assert "pending review" in view_text(suggest(slack, short))
    assert len(slack.fake.messages(REVIEW)) == 1


def test_a_failed_review_post_keeps_the_item_for_the_next_round(
    driver: Driver, web: WebServer
) -> None:
    slack = driver(review=REVIEW, extra_config=PRIVATE_OK)
    slack.fake.fail("chat.postMessage", "error", error="channel_not_found")
    view = suggest(slack, web.page("/a", OG_PAGE))
    assert "posting it for review failed (`channel_not_found`)" in view_text(view)
    assert slack.store.counts()["items"] == 1 and slack.store.reviews.pending_review() == []


# --- configuration -----------------------------------------------------------------------


def _settings(tmp_path: Path, suggestions: object):
    path = tmp_path / "newsdesk.yaml"
    raw = (
        {"quality_min": 42}
        if suggestions is None
        else {"quality_min": 42, "suggestions": suggestions}
    )
    path.write_text(yaml.safe_dump(raw))
    return load_settings(str(path), env={})


def test_suggestion_settings(tmp_path: Path) -> None:
    assert _settings(tmp_path, None).suggestion_quality() == 42
    chosen = _settings(tmp_path, {"quality": 70, "allow_private": True})
    assert chosen.suggestion_quality() == 70 and chosen.suggestions.allow_private is True
    assert _settings(tmp_path, {}).suggestions.allow_private is False


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ({"quality": 101}, "suggestions.quality"),
        ({"allow_private": "yes"}, "suggestions.allow_private"),
        ({"fetch": True}, "suggestions.fetch"),
        ([1], "suggestions"),
    ],
)
def test_bad_suggestion_settings_name_the_key(tmp_path: Path, value: object, key: str) -> None:
    with pytest.raises(ConfigError, match=f"^{key}:"):
        _settings(tmp_path, value)


# --- the store ---------------------------------------------------------------------------


def test_the_store_keeps_suggestions_apart_from_files(store) -> None:
    from bot.content.article import ScanResult
    from bot.content.pages import PageMeta, suggestion_record

    now = datetime(2024, 5, 1, tzinfo=UTC)
    url = "https://example.org/s"
    rec = suggestion_record(url, PageMeta(title="S"), quality=50, suggested_by="U1")
    assert store.add_suggestion(rec, now) is True
    assert store.add_suggestion(rec, now) is False  # one item per canonical URL
    # A scan that sees no files at all retires file items only.
    store.apply_scan(ScanResult([make_record("f1")], [], []), now)
    store.apply_scan(ScanResult([], [], ["f1.md"]), now)
    assert store.file_index() == {}
    found = store.find_link(["example.org/s"])
    assert found is not None and (found.item_id, found.title) == (rec.article.id, "S")
    assert store.find_link(["example.com/articles/f1"]) is None  # gone and never published
    store.record_publications(["f1"], NEWS, "1.1", None, now)
    published = store.find_link(["example.com/articles/f1"])
    assert published is not None and published.publications == ((NEWS, now),)
