"""Tests for bot.repair: mojibake, entities, tags and whitespace in record text."""

from __future__ import annotations

import pytest

from bot.repair import repair_text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Chinaâ€™s Exascale", "China’s Exascale"),
        ("Fish &amp; Chips &lt;3", "Fish & Chips <3"),
        ("<b>bold</b> and <a href='https://x.test/?a=1&b=2'>a link</a>", "bold and a link"),
        ("<p>One</p><p>Two</p>", "One Two"),
        ("  spaced \t out\n\n text  ", "spaced out text"),
        ("keep <!channel> and <@U123> and <https://x.test|y>", None),
        ("a <!-- hidden --> b<script>alert(1)</script>", "a b"),
        ("&lt;b&gt;literal&lt;/b&gt;", "<b>literal</b>"),
        ("plain ascii text", None),
        ("“curly” quotes stay", None),
    ],
)
def test_repair_text(raw: str, shown: str | None) -> None:
    assert repair_text(raw) == (raw if shown is None else shown)
