"""Slack's Block Kit limits, and `text_size`, the total that Slack's hidden limit counts.

The builders in `cards`, `packing` and `bot.app.home` cut their text to these limits;
the checker that proves every payload does, `limit_problems`, is test infrastructure
(tests/slacklimits.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Slack's documented limits (docs.slack.dev, Block Kit reference).
MAX_BLOCKS = 50  # per message
VIEW_MAX_BLOCKS = 100  # Home tabs and modals
HEADER_MAX = 150
TEXT_MAX = 3000  # any text object, and a section's text
FIELD_MAX = 2000
FIELDS_MAX = 10
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_ELEMENTS_MAX = 25
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
URL_MAX = 3000
ID_MAX = 255
ALT_TEXT_MAX = 2000
CONFIRM_TITLE_MAX = 100
CONFIRM_TEXT_MAX = 300
CONFIRM_BUTTON_MAX = 30
MESSAGE_TEXT_MAX = 40_000
# Undocumented: Slack answers msg_blocks_too_long near 12-13k characters of block text
# in total (slackapi/bolt-js#2509), so check 12k and pack digests well below it.
BLOCKS_TEXT_MAX = 12_000


def text_size(blocks: Any) -> int:
    """Characters of text in `blocks`: what Slack's undocumented total limit counts."""
    return sum(len(text) for text in collect(blocks, "text") if isinstance(text, str))


def collect(node: Any, key: str) -> Iterator[Any]:
    """Every value stored under `key`, at any depth."""
    if isinstance(node, list):
        for item in node:
            yield from collect(item, key)
    elif isinstance(node, dict):
        if key in node:
            yield node[key]
        for child in node.values():
            yield from collect(child, key)
