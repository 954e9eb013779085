"""Test infrastructure: `unescaped_problems` proves record text cannot act in mrkdwn.

Pure: a message or view dict in, one line per problem out. Slack parses `<...>` in mrkdwn
text and in a message's fallback `text` (plain_text objects are shown literally): there,
the only tokens a payload may hold are the links and date tokens the builders make.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# `<!date^epoch^{format}|fallback>`, `<http(s)://url|label>` and `<#C0123>` (a channel
# named by its id), as the builders make them; a label's "<", ">" and "|" are escaped.
_ALLOWED = re.compile(
    r"<!date\^-?\d+\^[^<>|]*\|[^<>|]*>|<https?://[^\s<>|]+\|[^<>|]*>|<#[CG][A-Z0-9]+>"
)


def unescaped_problems(payload: dict[str, Any]) -> list[str]:
    """Every mrkdwn or fallback text that could ping, mention or link beyond our tokens."""
    problems = []
    for where, text in _parsed_texts(payload, "payload"):
        rest = _ALLOWED.sub("", text)
        if "<" in rest or ">" in rest:  # <!channel>, <!here>, <@U…>, a link, or a part
            problems.append(f"{where}: unescaped control text in {text[:200]!r}")
    return problems


def _parsed_texts(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _parsed_texts(item, f"{where}[{i}]")
    elif isinstance(node, dict):
        if where == "payload" and isinstance(node.get("text"), str):
            yield "text", node["text"]
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield f"{where}.text", node["text"]
        for key, child in node.items():
            yield from _parsed_texts(child, f"{where}.{key}")
