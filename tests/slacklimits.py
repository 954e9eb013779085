"""Test infrastructure: `limit_problems` checks any Slack payload against Block Kit limits.

Pure: a message dict in, one line per broken limit out (no I/O). The builders cut their
text to the limits in `bot.slack.blockkit.limits`; this checker proves every payload does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.slack.blockkit.limits import (
    ACTIONS_ELEMENTS_MAX,
    ALT_TEXT_MAX,
    BLOCKS_TEXT_MAX,
    BUTTON_TEXT_MAX,
    BUTTON_VALUE_MAX,
    CONFIRM_BUTTON_MAX,
    CONFIRM_TEXT_MAX,
    CONFIRM_TITLE_MAX,
    CONTEXT_ELEMENTS_MAX,
    FIELD_MAX,
    FIELDS_MAX,
    HEADER_MAX,
    ID_MAX,
    MAX_BLOCKS,
    MESSAGE_TEXT_MAX,
    TEXT_MAX,
    URL_MAX,
    VIEW_MAX_BLOCKS,
    collect,
    text_size,
)
from bot.slack.blockkit.mrkdwn import safe_url

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
