"""Safe mrkdwn text: escaping, links, Slack date tokens, and cutting text to a limit.

Every string that comes from an article record passes through here before it reaches
a mrkdwn field, so a record can never ping a channel, mention someone or smuggle a link.
Pure functions only: data in, strings out.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from urllib.parse import quote, urlsplit

from bot.content.dates import as_utc, readable_date, readable_time

ELLIPSIS = "…"
# Slack ends a link label at the first "|", so a label's own pipes become a look-alike.
PIPE_STAND_IN = "｜"
URL_SCHEMES = frozenset({"http", "https"})
DATE_TOKEN = "{date_short_pretty}"
DATE_TIME_TOKEN = "{date_short_pretty} at {time}"

# A sentence or word end counts as "reasonably close" when it keeps this share of the room.
SENTENCE_KEEP = 0.6
WORD_KEEP = 0.5

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Characters that would end or break a `<url|label>` token, plus whitespace and controls.
_URL_UNSAFE = re.compile(r"[\s|<>\"`\x00-\x1f\x7f-\x9f]")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)")
_TRAILING_JUNK = " \t\n,;:-–—(["


def escape(text: str) -> str:
    """Escape Slack's three control characters so text shows literally in mrkdwn."""
    return text.translate(_ESCAPES)


def clean(text: str) -> str:
    """Fold every run of whitespace (newlines included) into one space."""
    return " ".join(text.split())


def safe_url(url: str) -> str | None:
    """The URL with unsafe characters percent-encoded, or None unless it is http(s)."""
    candidate = url.strip()
    try:
        parts = urlsplit(candidate)
    except ValueError:  # e.g. a broken IPv6 host
        return None
    if parts.scheme.lower() not in URL_SCHEMES or not parts.netloc:
        return None
    return _URL_UNSAFE.sub(lambda m: quote(m.group(), safe=""), candidate)


def link(url: str, label: str) -> str:
    """A `<url|label>` link with the label escaped; just the label unless url is http(s)."""
    text = escape(clean(label)).replace("|", PIPE_STAND_IN)
    target = safe_url(url)
    if target is None:
        return text
    # Inside mrkdwn an "&" must be sent as "&amp;", URLs included; Slack decodes it.
    return f"<{target.replace('&', '&amp;')}|{text or escape(target)}>"


def truncate(text: str, limit: int) -> str:
    """Cut text to at most `limit` characters at a sentence or word end, adding "…"."""
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    if room < 1:
        return ELLIPSIS[: max(limit, 0)]
    window = text[: room + 1]  # one extra character shows whether a word ends at `room`
    return _sentence_cut(window, room) or _word_cut(window, room) or _hard_cut(window, room)


def _sentence_cut(window: str, room: int) -> str:
    # The sentence keeps its punctuation; a space then "…" marks that more follows.
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= room - 1]
    if not ends or ends[-1] < room * SENTENCE_KEEP:
        return ""
    return window[: ends[-1]] + " " + ELLIPSIS


def _word_cut(window: str, room: int) -> str:
    spaces = [m.start() for m in re.finditer(r"\s", window)]
    if not spaces or spaces[-1] < room * WORD_KEEP:
        return ""
    head = window[: spaces[-1]].rstrip(_TRAILING_JUNK)
    return head + ELLIPSIS if head else ""


def _hard_cut(window: str, room: int) -> str:
    # No usable boundary (one giant word or URL): cut mid-word rather than overflow.
    return window[:room].rstrip() + ELLIPSIS


def escape_cut(text: str, limit: int) -> str:
    """Escaped text of at most `limit` characters, cut before escaping so no entity splits."""
    room = limit
    while room > 0:
        out = escape(truncate(text, room))
        if len(out) <= limit:
            return out
        # Entities cost extra characters: shrink the raw room in proportion and retry.
        room = min(room - 1, room * limit // len(out))
    return ""


def slack_date(when: datetime, tz: tzinfo, *, with_time: bool = False) -> str:
    """A `<!date^…>` token: each reader sees their own zone; others see the `tz` fallback."""
    epoch = int(as_utc(when).timestamp())
    if with_time:
        return f"<!date^{epoch}^{DATE_TIME_TOKEN}|{readable_time(when, tz)}>"
    return f"<!date^{epoch}^{DATE_TOKEN}|{readable_date(when, tz)}>"
