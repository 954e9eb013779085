"""Each default has one home, its dataclass field: a key the admin leaves out gets exactly it.

These load real files through `load_settings` and compare with the dataclasses built from
their declared defaults, so a default changed on a field changes what the bot uses, and the
key sets the file accepts stay the fields the program reads.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from bot.config import (
    DIGEST_KEYS,
    EXAMPLES_DIR,
    FEED_KEYS,
    PERSONAL_KEYS,
    REVIEW_KEYS,
    STATS_KEYS,
    SUGGESTION_KEYS,
    TOP_KEYS,
    DigestSettings,
    FeedSettings,
    PersonalSettings,
    Policy,
    ReviewSettings,
    Settings,
    StatsSettings,
    SuggestionSettings,
    load_settings,
)

ENV_ONLY = {"bot_token", "signing_secret", "app_token", "slack_api_url", "port", "source"}


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "newsdesk.yaml"
    path.write_text(text, encoding="utf-8")
    return load_settings(str(path), {})


def test_no_config_at_all_gives_the_declared_defaults() -> None:
    assert load_settings(None, {}) == Settings(content_dir=EXAMPLES_DIR)


def test_empty_sections_give_their_declared_defaults(tmp_path: Path) -> None:
    settings = load(tmp_path, "suggestions: {}\npersonal: {}\n")
    assert settings.suggestions == SuggestionSettings()
    assert settings.personal == PersonalSettings()


def test_sections_with_only_required_keys_get_the_declared_defaults(tmp_path: Path) -> None:
    text = (
        "quality_min: 61\nreview: {channel: C0REVIEW, approvers: [U0ABC]}\n"
        "digests: [{channel: C0NEWS}]\nfeeds: [{url: 'https://example.org/feed'}]\n"
        "stats: {}\n"
    )
    settings = load(tmp_path, text)
    assert settings.review == ReviewSettings("C0REVIEW", ("U0ABC",))
    assert settings.digests == (DigestSettings("C0NEWS"),)
    assert settings.feeds == (FeedSettings("https://example.org/feed", quality=61),)
    assert settings.stats == StatsSettings("C0REVIEW")  # the review channel


def test_a_bare_policy_is_the_default_digest_policy() -> None:
    assert Settings(content_dir=EXAMPLES_DIR).digest_policy(DigestSettings("C0NEWS")) == Policy()


@pytest.mark.parametrize(
    ("keys", "cls"),
    [
        (REVIEW_KEYS, ReviewSettings),
        (DIGEST_KEYS, DigestSettings),
        (FEED_KEYS, FeedSettings),
        (SUGGESTION_KEYS, SuggestionSettings),
        (STATS_KEYS, StatsSettings),
        (PERSONAL_KEYS, PersonalSettings),
    ],
)
def test_each_section_accepts_exactly_its_fields(keys: set[str], cls: type) -> None:
    assert keys == {field.name for field in fields(cls)}


def test_the_file_accepts_every_setting_but_the_environment_only_ones() -> None:
    assert {field.name for field in fields(Settings)} - ENV_ONLY == TOP_KEYS
