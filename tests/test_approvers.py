"""Approvers: listed users, user-group members from Slack (cached per group), deny on errors."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakeslack import FakeSlack
from slack_sdk import WebClient

from bot.config import ReviewSettings, Settings
from bot.publishing.approvers import Approvers

GROUP = "SEDITORS"
OTHER_GROUP = "SDESK"
LIST_METHOD = "usergroups.users.list"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        server.set_usergroup(GROUP, ["UMEMBER", "UOTHER"])
        server.set_usergroup(OTHER_GROUP, ["UDESK"])
        yield server


def settings(tmp_path: Path, *approvers: str) -> Settings:
    review = ReviewSettings(channel="CREVIEW", approvers=approvers) if approvers else None
    return Settings(content_dir=tmp_path, review=review)


def approvers(
    tmp_path: Path, fake: FakeSlack, *listed: str, clock: Clock | None = None
) -> Approvers:
    client = WebClient(token=fake.token, base_url=fake.url, retry_handlers=[])
    return Approvers(settings(tmp_path, *listed), client, ttl=60.0, clock=clock or Clock())


def test_a_listed_user_is_allowed_without_asking_slack(tmp_path: Path, fake: FakeSlack) -> None:
    check = approvers(tmp_path, fake, "UEDITOR", GROUP)
    assert check.allows("UEDITOR")
    assert fake.calls_to(LIST_METHOD) == []


def test_members_of_a_listed_group_are_allowed_and_others_are_not(
    tmp_path: Path, fake: FakeSlack
) -> None:
    check = approvers(tmp_path, fake, "UEDITOR", GROUP)
    assert check.allows("UMEMBER") and check.allows("UOTHER")
    assert not check.allows("UDESK")  # in a group that is not listed
    assert not check.allows("UREADER")
    assert not check.allows("")
    assert [c.args["usergroup"] for c in fake.calls_to(LIST_METHOD)] == [GROUP]


def test_every_listed_group_counts(tmp_path: Path, fake: FakeSlack) -> None:
    check = approvers(tmp_path, fake, GROUP, OTHER_GROUP)
    assert check.allows("UDESK") and check.allows("UMEMBER")


def test_group_members_are_cached_for_the_ttl_then_fetched_again(
    tmp_path: Path, fake: FakeSlack
) -> None:
    clock = Clock()
    check = approvers(tmp_path, fake, GROUP, clock=clock)
    assert check.allows("UMEMBER")
    fake.set_usergroup(GROUP, ["UNEW"])  # Slack changes; the cache does not know yet
    clock.now += 59
    assert check.allows("UMEMBER") and not check.allows("UNEW")
    assert len(fake.calls_to(LIST_METHOD)) == 1
    clock.now += 2  # past the ttl
    assert check.allows("UNEW") and not check.allows("UMEMBER")
    assert len(fake.calls_to(LIST_METHOD)) == 2


def test_simultaneous_checks_fetch_a_group_once(tmp_path: Path, fake: FakeSlack) -> None:
    check = approvers(tmp_path, fake, GROUP)
    fake.set_delay(LIST_METHOD, 0.2)  # every thread arrives while the first fetch runs
    results: list[bool] = []
    start = threading.Barrier(8)

    def ask() -> None:
        start.wait()
        results.append(check.allows("UMEMBER"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert results == [True] * 8
    assert len(fake.calls_to(LIST_METHOD)) == 1


@pytest.mark.parametrize("error", ["missing_scope", "invalid_auth"])
def test_a_slack_error_denies_with_a_warning_and_is_retried_next_time(
    tmp_path: Path, fake: FakeSlack, caplog: pytest.LogCaptureFixture, error: str
) -> None:
    check = approvers(tmp_path, fake, "UEDITOR", GROUP)
    fake.fail(LIST_METHOD, "error", error=error)
    with caplog.at_level(logging.WARNING, logger="bot.publishing.approvers"):
        assert not check.allows("UMEMBER")
    assert GROUP in caplog.text and error in caplog.text
    assert fake.token not in caplog.text
    assert check.allows("UEDITOR")  # listed users are unaffected
    assert check.allows("UMEMBER")  # the failure was not cached
    assert len(fake.calls_to(LIST_METHOD)) == 2


def test_an_unreachable_slack_denies_instead_of_crashing(tmp_path: Path, fake: FakeSlack) -> None:
    fake.fail(LIST_METHOD, "drop")
    assert not approvers(tmp_path, fake, GROUP).allows("UMEMBER")


def test_an_unknown_group_is_empty(tmp_path: Path, fake: FakeSlack) -> None:
    assert not approvers(tmp_path, fake, "SGONE").allows("UMEMBER")


def test_nobody_is_an_approver_without_review(tmp_path: Path, fake: FakeSlack) -> None:
    check = approvers(tmp_path, fake)
    assert not check.allows("UEDITOR") and not check.allows("UMEMBER")
    assert fake.calls == []
