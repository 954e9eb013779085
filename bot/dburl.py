"""Database URLs shown and logged without their passwords (`user:pw@`, `?password=`).

Its own module (not bot.secret) because it parses URLs the way SQLAlchemy will, and the
pure layers that use Secret must not pull SQLAlchemy in.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, quote_plus, unquote_plus

from sqlalchemy.engine import make_url

MASK = "***"
# Query parameters that carry a credential (libpq's password and sslpassword, and the like).
SECRET_PARAM = re.compile(r"pass|pwd|secret|token", re.IGNORECASE)


def redact_url(url: str) -> str:
    """`url` with every password masked: `user:pw@` and `?password=` (and the like)."""
    base, sep, query = url.partition("?")
    if "@" in base and "://" in base:
        head, _, host = base.rpartition("@")
        scheme, _, userinfo = head.partition("://")
        user, colon, _ = userinfo.partition(":")
        base = f"{scheme}://{user}{colon and ':' + MASK}@{host}"
    pairs = [_masked_pair(pair) for pair in query.split("&")] if sep else []
    shown = base + sep + "&".join(pairs)
    for secret in url_secrets(url):  # whatever the parser would still find (odd quoting)
        shown = shown.replace(secret, MASK)
    return shown


def url_secrets(url: str) -> list[str]:
    """The credentials in a database URL, as written and as decoded, longest first."""
    found: set[str] = set()
    try:
        parsed = make_url(url)
    except Exception:  # unparseable: the textual masking of redact_url still applies
        parsed = None
    if parsed is not None and parsed.password:
        found.add(str(parsed.password))
    for key, value in parse_qsl(url.partition("?")[2], keep_blank_values=True):
        if SECRET_PARAM.search(key) and value:
            found.add(value)
    found |= {quote(s, safe="") for s in found} | {quote_plus(s) for s in found}
    return sorted((s for s in found if s), key=len, reverse=True)


def _masked_pair(pair: str) -> str:
    key, eq, _ = pair.partition("=")
    return f"{key}={MASK}" if eq and SECRET_PARAM.search(unquote_plus(key)) else pair


def hide_password(text: str, url: str) -> str:
    """`text` (say, a driver's error message) with `url`'s credentials masked."""
    for secret in url_secrets(url):
        text = text.replace(secret, MASK)
    return text
