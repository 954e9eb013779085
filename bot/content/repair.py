"""Text repair for record fields: mojibake, HTML entities and tags, stray whitespace, and
invisible controls.

Pure string functions. Most text needs nothing done, so `repair_text` first checks for
anything to fix and returns plain ASCII as is: ftfy is by far the costliest step.
"""

from __future__ import annotations

import html
import re

import ftfy

# Entities are decoded by us after tags are stripped, so `&lt;b&gt;` stays visible text.
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, unescape_html=False, explain=False)
_NEEDS_REPAIR = re.compile(r"[&<\x00-\x1f\x7f]|  |\A | \Z")
_C1 = re.compile("[\x80-\x9f]")
_LINES = re.compile(r"(?<=\n)")  # splits after each line break, which stays with its line
_ASCII_CTRL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_ATTRS = r"""(?:\s(?:[^<>"']|"[^"]*"|'[^']*')*)?/?>"""
_DROP = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_BLOCK_TAG = re.compile(r"</?(?:br|p|div|li|ul|ol|h[1-6]|tr|td|th|blockquote)\b" + _ATTRS, re.I)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*" + _ATTRS)
_INNER_WS = re.compile(r"(?<=\S)[^\S\n]+")
_TRAILING_WS = re.compile(r"[^\S\n]+$", re.M)
_BLANK_LINES = re.compile(r"\n{3,}")
# Characters that hide or reorder text (bidi embeddings, overrides and isolates, zero-width
# characters, the BOM) and C0 controls other than tab and newline (SPEC §1). The C0 controls
# Python counts as whitespace become a space, so the words around them stay apart.
_INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff"
_HIDDEN = re.compile(f"[\x00-\x08\x0b-\x1f\x7f{_INVISIBLE}]")
_AS_SPACE = frozenset("\x0b\x0c\r\x1c\x1d\x1e\x1f")
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def repair_text(s: str) -> str:
    """Mojibake, HTML entities and tags repaired, invisible controls removed, whitespace
    runs folded, ends stripped."""
    if s.isascii() and not _NEEDS_REPAIR.search(s):
        return s  # nothing to fix: skip ftfy, by far the costliest step
    return " ".join(drop_controls(_fix(s)).split())


def repair_note(s: str) -> str:
    """Like `repair_text` for the Markdown body, but line breaks and indentation are kept."""
    if not s or s.isspace():
        return ""
    s = _INNER_WS.sub(" ", drop_controls(_fix(s)))
    return _BLANK_LINES.sub("\n\n", _TRAILING_WS.sub("", s)).strip()


def drop_controls(s: str) -> str:
    """`s` without bidi and zero-width characters, the BOM and C0 controls (tab and newline
    kept; those Python counts as whitespace become a space), and with any lone surrogate,
    which no database or JSON encoder takes, replaced by U+FFFD."""
    if _HIDDEN.search(s):
        s = _HIDDEN.sub(_hidden, s)
    return storable(s)


def storable(s: str) -> str:
    """`s` as every database and JSON encoder takes it: without NUL, lone surrogates
    replaced by U+FFFD. Other characters are left alone (a file name must stay itself)."""
    if "\x00" in s:
        s = s.replace("\x00", "")
    if not s.isascii() and _SURROGATE.search(s):
        s = _SURROGATE.sub(REPLACEMENT, s)
    return s


def _hidden(m: re.Match[str]) -> str:
    return " " if m.group() in _AS_SPACE else ""


def repair_c1(s: str) -> str:
    """Text whose lines holding C1 controls (U+0080..U+009F) have their mojibake repaired
    and any C1 control left over dropped: mis-decoded UTF-8 ("â€" + U+009D for "”") that
    libyaml would refuse. Other lines, and text without C1 controls, are returned as is."""
    if not _C1.search(s):
        return s
    # ftfy fixes text one line (ending in its "\n") at a time anyway: handing it only the
    # lines with C1 controls fixes those exactly as the whole text would, at a fraction of
    # the cost. Other lines are read as in any file; their text fields get `repair_text`.
    return "".join(_fix_c1(ln) if _C1.search(ln) else ln for ln in _LINES.split(s))


def _fix_c1(line: str) -> str:
    return _C1.sub("", ftfy.fix_text(line, _FTFY))


def _fix(s: str) -> str:
    if "<" in s:
        s = _TAG.sub("", _BLOCK_TAG.sub(" ", _DROP.sub(" ", s)))
    if "&" in s:
        s = html.unescape(s)  # after stripping: entities that spell tags stay text
    if s.isascii():
        return _ASCII_CTRL.sub("", s)  # ASCII cannot be mojibake; ftfy would only do this
    return ftfy.fix_text(s, _FTFY)
