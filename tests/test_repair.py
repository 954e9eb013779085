"""Tests for bot.content.repair: mojibake, entities, tags and whitespace in record text."""

from __future__ import annotations

import random
import re
from pathlib import Path

import ftfy
import pytest

from bot.content import records as content
from bot.content.repair import drop_controls, repair_c1, repair_note, repair_text, storable

EXAMPLES = Path(__file__).resolve().parent.parent / "bot" / "examples"
_C1 = re.compile("[\x80-\x9f]")
_UNDEFINED_1252 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


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


INVISIBLE = [*map(chr, range(0x200B, 0x2010)), *map(chr, range(0x202A, 0x202F))]
INVISIBLE += [*map(chr, range(0x2066, 0x206A)), "\ufeff"]
C0 = [chr(c) for c in range(0x20) if chr(c) not in "\t\n"]


@pytest.mark.parametrize("char", INVISIBLE + C0 + ["\x7f"], ids=lambda c: f"U+{ord(c):04X}")
def test_bidi_zero_width_and_c0_controls_are_removed(char: str) -> None:
    for word in (f"ä{char}b", f"ä {char}b", f"<i>ä</i>{char}&amp;"):  # ftfy's path too
        for text in (f"a{char}b", f"{char}x {word}"):
            assert char not in repair_text(text) and char not in repair_note(text)
            assert char not in drop_controls(text)
    # Those Python counts as whitespace keep the words apart.
    assert repair_text(f"one{char}two") == ("one two" if char.isspace() else "onetwo")


def test_tab_newline_and_visible_unicode_are_kept() -> None:
    text = "tab\there\nline 👩\u200d💻 “quoted” ½"
    assert drop_controls(text) == text.replace("\u200d", "")
    assert repair_note("a\tb\n\nc") == "a b\n\nc"  # the note folds tabs as before


def test_storable_drops_nul_and_replaces_lone_surrogates_only() -> None:
    assert storable("a\x00b\ud800c\x1b[2J") == "ab\ufffdc\x1b[2J"
    assert drop_controls("a\udce9b") == "a\ufffdb"
    assert (storable("ok"), storable("ok\u200b")) == ("ok", "ok\u200b")


def whole_text_c1(s: str) -> str:
    """repair_c1 as first written, ftfy over the whole text: the reference."""
    if not _C1.search(s):
        return s
    config = ftfy.TextFixerConfig(uncurl_quotes=False, unescape_html=False, explain=False)
    return _C1.sub("", ftfy.fix_text(s, config))


def mojibake(s: str) -> str:
    """UTF-8 misread as Windows-1252, its undefined bytes kept as C1 controls ("â€\x9d")."""
    return "".join(
        chr(b) if b in _UNDEFINED_1252 else bytes([b]).decode("cp1252") for b in s.encode()
    )


LINES = [
    "title: Plain ASCII line",
    'excerpt: "a \\"quoted\\" value"',
    "name: Zürich – “clean” Unicode",
    "",
    "  - indented: item",
    mojibake('title: "China’s “Exascale” Prototype"'),
    mojibake("excerpt: Maintainers — “AI slop” reports"),
    mojibake("name: ”") + "\x85 and a lone \x9d",
    mojibake("x: ” ") * 300,  # a long line
]


def test_repair_c1_line_by_line_equals_the_whole_text() -> None:
    rng = random.Random(3)
    for _ in range(300):
        lines = rng.choices(LINES, k=rng.randrange(1, 12))
        # ftfy would also turn the \r\n of other lines into \n: YAML reads both alike.
        text = "".join(
            ln + rng.choice(["\n", "\r\n"] if _C1.search(ln) else ["\n"]) for ln in lines
        )
        text = text[: rng.choice([len(text), len(text) - 1])]  # with and without a last break
        assert repair_c1(text) == whole_text_c1(text), repr(text)


def c1_variants(text: str) -> list[str]:
    """The record as is, and with its front matter mis-decoded (a C1 control ensured), also
    with Windows line breaks."""
    _, front, rest = text.split("---\n", 2)
    front = re.sub(r'^title: ("?)', r"title: \1” ", front, count=1, flags=re.M)
    mangled = f"---\n{mojibake(front)}---\n{rest}"
    return [text, mangled, mangled.replace("\n", "\r\n")]


def test_repair_c1_line_by_line_reads_the_examples_as_the_whole_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = [v for p in sorted(EXAMPLES.iterdir()) for v in c1_variants(p.read_text("utf-8"))]
    assert sum(bool(_C1.search(t)) for t in texts) > len(texts) / 2
    for text in texts:
        data = text.encode("utf-8")
        by_line = content.parse_record("x.txt", data)
        with monkeypatch.context() as m:
            m.setattr(content, "repair_c1", whole_text_c1)
            whole = content.parse_record("x.txt", data)
        assert by_line.article == whole.article
        assert by_line.secured.reveal() == whole.secured.reveal()
