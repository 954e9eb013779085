"""slacklimits: `limit_problems` catches each kind of Slack limit violation, and says where."""

from __future__ import annotations

from typing import Any

import pytest
from slacklimits import limit_problems

# --- limit_problems catches each kind of violation -------------------------------------


def _button(**changes: Any) -> dict:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "Go"},
        "action_id": "a",
        **changes,
    }


def _mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def _confirm(**sizes: int) -> dict:
    texts = {"title": 10, "text": 10, "confirm": 5, "deny": 5, **sizes}
    return {key: {"type": "plain_text", "text": "c" * n} for key, n in texts.items()}


BAD_BLOCKS = {
    "51 blocks": [{"type": "divider"}] * 51,
    "header 151": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
    "empty header": [{"type": "header", "text": {"type": "plain_text", "text": ""}}],
    "section 3001": [{"type": "section", "text": _mrkdwn("s" * 3001)}],
    "field 2001": [{"type": "section", "fields": [_mrkdwn("f" * 2001)]}],
    "11 fields": [{"type": "section", "fields": [_mrkdwn("f")] * 11}],
    "empty mrkdwn": [{"type": "section", "text": _mrkdwn("")}],
    "11 context elements": [{"type": "context", "elements": [_mrkdwn("c")] * 11}],
    "26 actions": [
        {"type": "actions", "elements": [_button(action_id=f"a{i}") for i in range(26)]}
    ],
    "button text 76": [
        {"type": "actions", "elements": [_button(text={"type": "plain_text", "text": "b" * 76})]}
    ],
    "button value 2001": [{"type": "actions", "elements": [_button(value="v" * 2001)]}],
    "button url 3001": [
        {"type": "actions", "elements": [_button(url="https://x.example/" + "u" * 2990)]}
    ],
    "button url scheme": [{"type": "actions", "elements": [_button(url="javascript:alert(1)")]}],
    "action_id 256": [{"type": "actions", "elements": [_button(action_id="a" * 256)]}],
    "same action_id": [{"type": "actions", "elements": [_button(), _button()]}],
    "confirm title 101": [{"type": "actions", "elements": [_button(confirm=_confirm(title=101))]}],
    "confirm text 301": [{"type": "actions", "elements": [_button(confirm=_confirm(text=301))]}],
    "confirm button 31": [{"type": "actions", "elements": [_button(confirm=_confirm(deny=31))]}],
    "block_id 256": [{"type": "divider", "block_id": "b" * 256}],
    "same block_id": [{"type": "divider", "block_id": "b"}, {"type": "divider", "block_id": "b"}],
    "alt_text 2001": [
        {"type": "image", "image_url": "https://i.example/x.png", "alt_text": "a" * 2001}
    ],
    "no alt_text": [{"type": "image", "image_url": "https://i.example/x.png"}],
    "image_url scheme": [
        {"type": "image", "image_url": "data:image/png;base64,xx", "alt_text": "a"}
    ],
    "nested accessory": [
        {
            "type": "section",
            "text": _mrkdwn("s"),
            "accessory": {"type": "image", "image_url": "ftp://x/y.png", "alt_text": "a"},
        }
    ],
    "12k of text": [{"type": "section", "text": _mrkdwn("t" * 2500)}] * 5,
}


EXPECTED = {
    "51 blocks": "blocks: 51 blocks, limit 50",
    "header 151": "blocks[0].text.text: length 151, limit 150",
    "empty header": "blocks[0].text.text: missing or empty",
    "section 3001": "blocks[0].text.text: length 3001, limit 3000",
    "field 2001": "blocks[0].fields.*.text: length 2001, limit 2000",
    "11 fields": "blocks[0].fields: length 11, limit 10",
    "empty mrkdwn": "blocks[0].text.text: missing or empty",
    "11 context elements": "blocks[0].elements: length 11, limit 10",
    "26 actions": "blocks[0].elements: length 26, limit 25",
    "button text 76": "blocks[0].elements[0].text.text: length 76, limit 75",
    "button value 2001": "blocks[0].elements[0].value: length 2001, limit 2000",
    "button url 3001": "blocks[0].elements[0].url: length 3008, limit 3000",
    "button url scheme": "blocks[0].elements[0].url: not a clean http(s) URL",
    "action_id 256": "blocks[0].elements[0].action_id: length 256, limit 255",
    "same action_id": "blocks[0] action_id 'a' is used more than once",
    "confirm title 101": "confirm.title.text: length 101, limit 100",
    "confirm text 301": "confirm.text.text: length 301, limit 300",
    "confirm button 31": "confirm.deny.text: length 31, limit 30",
    "block_id 256": "blocks[0].block_id: length 256, limit 255",
    "same block_id": "block_id 'b' is used more than once",
    "alt_text 2001": "blocks[0].alt_text: length 2001, limit 2000",
    "no alt_text": "blocks[0].alt_text: missing or empty",
    "image_url scheme": "blocks[0].image_url: not a clean http(s) URL",
    "nested accessory": "blocks[0].accessory.image_url: not a clean http(s) URL",
    "12k of text": "blocks: 12500 characters of text, limit 12000",
}


@pytest.mark.parametrize("name", BAD_BLOCKS)
def test_limit_problems_catches_each_violation(name: str) -> None:
    problems = limit_problems({"text": "fallback", "blocks": BAD_BLOCKS[name]})
    assert len(problems) == 1 and problems[0].endswith(EXPECTED[name])


@pytest.mark.parametrize("text", [None, "", "   ", "t" * 40_001])
def test_limit_problems_wants_a_sane_fallback_text(text: str | None) -> None:
    problems = limit_problems({"text": text, "blocks": [{"type": "divider"}]})
    assert len(problems) == 1 and problems[0].startswith("text:")


def test_limit_problems_names_the_place_and_allows_100_blocks_in_views() -> None:
    problems = limit_problems({"text": "t", "blocks": BAD_BLOCKS["button text 76"]})
    assert problems == ["blocks[0].elements[0].text.text: length 76, limit 75"]
    many = {"text": "t", "blocks": [{"type": "divider"}] * 60}
    assert limit_problems(many, max_blocks=100) == [] and limit_problems(many) != []


def test_views_need_no_fallback_text_but_keep_to_100_blocks() -> None:
    from slacklimits import view_problems

    divider = {"type": "divider"}
    assert view_problems({"type": "home", "blocks": [divider] * 100}) == []
    assert view_problems({"type": "home", "blocks": [divider] * 101}) == [
        "blocks: 101 blocks, limit 100"
    ]
