"""Typed settings from a YAML file plus the environment.

Secrets come only from the environment. Every top-level key of the YAML file can also be
set as `NEWSDESK_<KEY>` (its value is read as YAML, so `NEWSDESK_QUALITY_MIN=70` is a number
and `NEWSDESK_REVIEW='{channel: C1, approvers: [U1]}'` a mapping); the environment wins.
Anything wrong raises `ConfigError` naming the key, so start-up stops with a clear message
(never echoing a secret). A key that is present but empty (`NEWSDESK_REVIEW=""`, or `review:`
with nothing under it) is an error, never a silent default: an empty review setting would
otherwise post unreviewed items, an empty content folder the bundled examples.

The modules: `settings` (the dataclasses the program reads, each default on its field),
`load` (file and environment, the only reader of os.environ), `checks` (the generic value
checks) and `sections` (one parser per nested section). The key sets below are the file
format the README documents (tests/test_docs.py keeps the two in step).
"""

from bot.config.checks import ConfigError
from bot.config.load import TOP_KEYS, in_ci, load_settings
from bot.config.sections import (
    DIGEST_KEYS,
    FEED_KEYS,
    PERSONAL_KEYS,
    REVIEW_KEYS,
    STATS_KEYS,
    SUGGESTION_KEYS,
)
from bot.config.settings import (
    EXAMPLES_DIR,
    DigestSettings,
    FeedSettings,
    PersonalSettings,
    Policy,
    ReviewSettings,
    Settings,
    StatsSettings,
    SuggestionSettings,
)

__all__ = [
    "DIGEST_KEYS",
    "EXAMPLES_DIR",
    "FEED_KEYS",
    "PERSONAL_KEYS",
    "REVIEW_KEYS",
    "STATS_KEYS",
    "SUGGESTION_KEYS",
    "TOP_KEYS",
    "ConfigError",
    "DigestSettings",
    "FeedSettings",
    "PersonalSettings",
    "Policy",
    "ReviewSettings",
    "Settings",
    "StatsSettings",
    "SuggestionSettings",
    "in_ci",
    "load_settings",
]
