"""bot.app.answers: a kept answer is reused only while it is current, and computed once.

The end-to-end test is what a user would notice if it were wrong: `/newsdesk next` right
after an editor rejects the top article must no longer list it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from factories import make_record
from slackdriver import SlackDriver

from bot.app.answers import MAX_KEYS, Answers
from bot.slack.blockkit.cards import ACTION_SHARE


class World:
    """A store generation and a monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.generation, self.now, self.computed = 0, 0.0, 0

    def answers(self, ttl: float = 1.0) -> Answers:
        return Answers(lambda: self.generation, ttl=ttl, clock=lambda: self.now)

    def compute(self) -> str:
        self.computed += 1
        return f"answer {self.computed}"


def test_an_answer_is_reused_until_the_store_changes() -> None:
    world = World()
    answers = world.answers()
    assert [answers.get("k", world.compute) for _ in range(3)] == ["answer 1"] * 3
    world.generation += 1  # this process committed a write
    assert answers.get("k", world.compute) == "answer 2"
    assert answers.get("other", world.compute) == "answer 3"  # keys are separate


def test_an_answer_expires_for_what_other_processes_write() -> None:
    world = World()
    answers = world.answers(ttl=1.0)
    answers.get("k", world.compute)
    world.now += 0.9
    assert answers.get("k", world.compute) == "answer 1"
    world.now += 0.2
    assert answers.get("k", world.compute) == "answer 2"


def test_a_write_during_the_computation_makes_its_answer_stale() -> None:
    world = World()
    answers = world.answers()

    def racing() -> str:
        world.generation += 1  # committed while the answer was being computed
        return world.compute()

    answers.get("k", racing)
    assert answers.get("k", world.compute) == "answer 2"


def test_callers_asking_together_share_one_computation() -> None:
    world, started = World(), threading.Barrier(8)
    answers = world.answers(ttl=60)

    def slow() -> str:
        time.sleep(0.2)
        return world.compute()

    def ask() -> None:
        started.wait()
        results.append(answers.get("k", slow))

    results: list[str] = []
    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["answer 1"] * 8 and world.computed == 1


def test_the_kept_answers_are_bounded() -> None:
    world = World()
    answers = world.answers()
    for n in range(MAX_KEYS + 50):
        answers.get(n, world.compute)
    assert answers.get(MAX_KEYS + 49, world.compute) == f"answer {MAX_KEYS + 50}"
    assert answers.get(0, world.compute) == f"answer {MAX_KEYS + 51}"  # the oldest went


def test_next_right_after_a_rejection_no_longer_lists_the_article(
    driver: Callable[..., SlackDriver],
) -> None:
    records = [make_record(i, quality=q, provider=f"P {i}") for i, q in (("top", 95), ("ok", 80))]
    slack = driver(records=records, review="CREVIEW")

    def listed() -> list[str]:
        status, body = slack.command("next")
        assert status == 200 and isinstance(body, dict)
        return [
            element.get("value")
            for block in body.get("blocks", [])
            for element in block.get("elements", [])
            if element.get("action_id") == ACTION_SHARE
        ]

    assert listed() == ["top", "ok"]
    assert listed() == ["top", "ok"]  # kept
    slack.store.reviews.decide("top", "rejected", "UEDITOR", datetime.now(UTC))
    assert listed() == ["ok"]
