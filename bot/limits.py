"""Slack's Block Kit limits, and `limit_problems`, which checks any payload against them.

Pure: a message dict in, one line per broken limit out (no I/O). The builders in
`bot.blocks` cut their text to these limits; the checker proves every payload does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.mrkdwn import safe_url

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

# (path inside a node of that type, maximum length); "*" walks every list item.
_RULES: dict[str, tuple[tuple[str, int], ...]] = {
    "header": (("text.text", HEADER_MAX),),
    "section": (("text.text", TEXT_MAX), ("fields", FIELDS_MAX), ("fields.*.text", FIELD_MAX)),
    "context": (("elements", CONTEXT_ELEMENTS_MAX),),
    "actions": (("elements", ACTIONS_ELEMENTS_MAX),),
    "image": (("image_url", URL_MAX), ("alt_text", ALT_TEXT_MAX), ("title.text", ALT_TEXT_MAX)),
    "button": (
        ("text.text", BUTTON_TEXT_MAX),
        ("value", BUTTON_VALUE_MAX),
        ("url", URL_MAX),
        ("confirm.title.text", CONFIRM_TITLE_MAX),
        ("confirm.text.text", CONFIRM_TEXT_MAX),
        ("confirm.confirm.text", CONFIRM_BUTTON_MAX),
        ("confirm.deny.text", CONFIRM_BUTTON_MAX),
    ),
    "mrkdwn": (("text", TEXT_MAX),),
    "plain_text": (("text", TEXT_MAX),),
}
_ANY_RULES = (("block_id", ID_MAX), ("action_id", ID_MAX))
_REQUIRED = {
    "header": ("text.text",),
    "image": ("image_url", "alt_text"),
    "button": ("text.text",),
    "context": ("elements",),
    "actions": ("elements",),
    "mrkdwn": ("text",),
    "plain_text": ("text",),
}
_URL_KEYS = ("url", "image_url")


def limit_problems(message: dict[str, Any], *, max_blocks: int = MAX_BLOCKS) -> list[str]:
    """Every Slack limit the payload breaks, one line each; empty means it is fine."""
    return _fallback_problems(message) + _blocks_problems(message, max_blocks)


def view_problems(view: dict[str, Any]) -> list[str]:
    """The same for a Home tab or modal view: 100 blocks, and views have no fallback text."""
    return _blocks_problems(view, VIEW_MAX_BLOCKS)


def _blocks_problems(payload: dict[str, Any], max_blocks: int) -> list[str]:
    blocks = payload.get("blocks") or []
    problems = _size_problems(blocks, max_blocks)
    for i, block in enumerate(blocks):
        problems += _walk(block, f"blocks[{i}]")
        problems += _duplicates(list(collect(block, "action_id")), f"blocks[{i}] action_id")
    problems += _duplicates([b["block_id"] for b in blocks if "block_id" in b], "block_id")
    return list(dict.fromkeys(problems))  # a header's text is checked twice: report once


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


def _fallback_problems(message: dict[str, Any]) -> list[str]:
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        return ["text: no fallback text (notifications and screen readers use it)"]
    if len(text) > MESSAGE_TEXT_MAX:
        return [f"text: {len(text)} characters, limit {MESSAGE_TEXT_MAX}"]
    return []


def _size_problems(blocks: list, max_blocks: int) -> list[str]:
    problems = []
    if len(blocks) > max_blocks:
        problems.append(f"blocks: {len(blocks)} blocks, limit {max_blocks}")
    if (size := text_size(blocks)) > BLOCKS_TEXT_MAX:
        problems.append(f"blocks: {size} characters of text, limit {BLOCKS_TEXT_MAX}")
    return problems


def _walk(node: Any, where: str) -> list[str]:
    if isinstance(node, list):
        return [p for i, item in enumerate(node) for p in _walk(item, f"{where}[{i}]")]
    if not isinstance(node, dict):
        return []
    problems = _node_problems(node, where)
    for key, child in node.items():
        problems += _walk(child, f"{where}.{key}")
    return problems


def _node_problems(node: dict, where: str) -> list[str]:
    kind = node.get("type", "")
    problems = []
    for path, limit in (*_RULES.get(kind, ()), *_ANY_RULES):
        for value in _lookup(node, path.split(".")):
            if isinstance(value, str | list) and len(value) > limit:
                problems.append(f"{where}.{path}: length {len(value)}, limit {limit}")
    for path in _REQUIRED.get(kind, ()):
        if not all(_lookup(node, path.split("."))) or not any(_lookup(node, path.split("."))):
            problems.append(f"{where}.{path}: missing or empty")
    for key in _URL_KEYS:
        if isinstance(node.get(key), str) and safe_url(node[key]) != node[key]:
            problems.append(f"{where}.{key}: not a clean http(s) URL")
    return problems


def _lookup(node: Any, keys: list[str]) -> Iterator[Any]:
    """Values at a dotted path; "*" stands for every item of a list."""
    if not keys:
        yield node
        return
    key, rest = keys[0], keys[1:]
    if key == "*":
        children = node if isinstance(node, list) else []
    else:
        children = [node[key]] if isinstance(node, dict) and key in node else []
    for child in children:
        yield from _lookup(child, rest)


def _duplicates(values: list, what: str) -> list[str]:
    repeated = sorted({v for v in values if values.count(v) > 1}, key=str)
    return [f"{what} {value!r} is used more than once" for value in repeated]
