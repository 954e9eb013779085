"""Canonical URLs: one key for every variant of a web page (SPEC §2 dedupe).

Pure: a string in, a key out; never an error, whatever the input.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_WEB_SCHEMES = {"http", "https", ""}
_TRACKING = {"fbclid", "gclid", "mc_cid", "mc_eid", "amp"}  # "amp" is the AMP switch
_AMP_CACHE = re.compile(r"^/[cvi]/(s/)?(.+)$", re.DOTALL)  # /c/s/host/path = https
_BARE_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+\.?(:\d+)?([/?#]|$)", re.IGNORECASE)


def canonical_url(url: str) -> str:
    """A key shared by every variant of one page: `nextplatform.com/2021/04/19/x`.

    Folds scheme (http/https), host case, `www.`/`amp.` host prefixes, default
    ports, fragment, trailing slash, tracking parameters, `/amp` suffixes and
    Google AMP cache URLs. Keys are themselves valid input (idempotent). Anything
    that is not a web URL comes back stripped and lowercased, never an error.
    """
    text = url.strip() if isinstance(url, str) else ""
    try:
        return _canonical(text)
    except (ValueError, UnicodeError):
        return text.lower()


def _canonical(text: str) -> str:
    if "://" not in text and _BARE_HOST.match(text):
        text = "//" + text  # a key or a scheme-less URL: read the host as a host
    parts = _unwrap_amp_cache(urlsplit(text))
    host = _host_key(parts.hostname or "")
    if parts.scheme.lower() not in _WEB_SCHEMES or not host:
        return text.lower()
    key = host + _port_part(parts.scheme.lower(), parts.port) + _path_key(parts.path)
    query = _query_key(parts.query)
    return f"{key}?{query}" if query else key


def _unwrap_amp_cache(parts: SplitResult) -> SplitResult:
    """Replace Google AMP cache URLs by the page they cache (loop: caches can nest)."""
    while (parts.hostname or "").endswith("cdn.ampproject.org"):
        match = _AMP_CACHE.match(parts.path)
        if not match:
            break
        scheme = "https" if match.group(1) else "http"
        query = f"?{parts.query}" if parts.query else ""
        parts = urlsplit(f"{scheme}://{match.group(2)}{query}")
    return parts


def _host_key(host: str) -> str:
    host = host.lower().rstrip(".")
    for prefix in ("www.", "amp."):
        if host.startswith(prefix):
            host = host[len(prefix) :]
    if not host.isascii():
        host = host.encode("idna").decode("ascii")  # same site as its punycode form
    return f"[{host}]" if ":" in host else host  # IPv6 literals keep their brackets


def _port_part(scheme: str, port: int | None) -> str:
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return ""
    return f":{port}"


def _path_key(path: str) -> str:
    path = path.rstrip("/")
    if path.lower().endswith("/amp"):
        path = path[: -len("/amp")].rstrip("/")
    return path


def _query_key(query: str) -> str:
    pairs = [
        (name, value)
        for name, value in parse_qsl(query, keep_blank_values=True)
        if not _is_tracking(name.lower())
    ]
    return urlencode(sorted(pairs))


def _is_tracking(name: str) -> bool:
    return name in _TRACKING or name.startswith("utm_")
