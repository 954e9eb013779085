"""Article records: parse and validate one record file.

Parsing is pure (bytes in, `Record` out, `RecordError` with a one-line reason otherwise):
text repair lives in `bot.content.repair`, guarded YAML loading in `bot.content.safeyaml`,
and scanning the content folder in `bot.content.scan`.
The `secured` token goes to `Record.secured` and nowhere else: not into `Article`, not into
error messages, not into logs.
"""

from __future__ import annotations

import base64
import contextlib
import math
import os
import re
from datetime import date, datetime
from typing import Any

from bot.content.article import Article, Image, Provider, Record, Related
from bot.content.dates import as_utc
from bot.content.repair import repair_c1, repair_note, repair_text
from bot.content.safeyaml import MAX_DEPTH, TOO_DEEP, EmptyDocument, YAMLRefused, load
from bot.secret import Secret

EXTENSIONS = frozenset({".md", ".txt", ".yaml", ".yml"})
YAML_EXTENSIONS = frozenset({".yaml", ".yml"})
MAX_BYTES = 1024 * 1024
URL_FIELDS = ("originalUrl", "webUrl", "ampWebUrl", "cdnAmpWebUrl")
KNOWN_FIELDS = frozenset(
    {"title", "excerpt", "category", "type", "publishedDateTime", "quality", "heat"}
    | {"published", "provider", "topics", "images", "related", "secured", *URL_FIELDS}
)

NO_URL = "no http(s) URL in originalUrl, webUrl, ampWebUrl or cdnAmpWebUrl"
NO_FRONT_MATTER = "no front matter: the file must start with a '---' line"
UNCLOSED = "front matter is not closed: no second '---' line"
EMPTY = "front matter is empty"
MISSING_TITLE = "missing title"
TOO_LARGE = "file too large ({size} bytes, limit {limit})"
DUPLICATE = "duplicate id '{id}', also at {other}"

_FM_END = re.compile(r"\n(?:---|\.\.\.)[ \t]*\r?(?:\n|\Z)")
_HTTP = re.compile(
    r"https?://[^\s/?#<>\"|\\^`{}@:\x00-\x1f\x7f][^\s<>\"|\\^`{}\x00-\x1f\x7f]*", re.I
)


class RecordError(ValueError):
    """A record that cannot be used; `str(e)` is the one-line reason."""


# --- parsing ---------------------------------------------------------------------------


def parse_record(path: str, data: bytes, *, mtime_ns: int = 0, size: int | None = None) -> Record:
    """Parse one record file's bytes; raise `RecordError` with a one-line reason."""
    if len(data) > MAX_BYTES:
        raise RecordError(TOO_LARGE.format(size=len(data), limit=MAX_BYTES))
    front, body, first_line = _split(_decode(data), os.path.splitext(path)[1].lower())
    # C1 controls are UTF-8 bytes C2 80..C2 9F: a byte search spares most files the regex.
    if b"\xc2" in data:
        front = repair_c1(front)  # mis-decoded UTF-8 that libyaml would refuse
    fields = _load_yaml(front, first_line)
    article = _build(item_id(path), fields, body)
    secured = fields.get("secured")
    secret = None if secured is None else Secret(str(secured))
    return Record(article, path, mtime_ns, len(data) if size is None else size, secret)


def item_id(path: str) -> str:
    """The item id: the file name without its extension."""
    return os.path.splitext(os.path.basename(path))[0]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # also drops a UTF-8 BOM
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise RecordError(f"not UTF-8 text (byte 0x{data[e.start]:02x} at line {line})") from None


def _split(text: str, suffix: str) -> tuple[str, str, int]:
    """(front matter, body, file line number of the front matter's first line)."""
    nl = text.find("\n")
    if text.startswith("---") and text[: nl if nl >= 0 else len(text)].rstrip() == "---":
        end = _FM_END.search(text, nl) if nl >= 0 else None
        if end:
            return text[nl + 1 : end.start()], text[end.end() :], 2
        if suffix not in YAML_EXTENSIONS:
            raise RecordError(UNCLOSED)
    if suffix in YAML_EXTENSIONS:
        return text, "", 1
    raise RecordError(NO_FRONT_MATTER)


def _load_yaml(front: str, first_line: int) -> dict[str, Any]:
    try:
        data = load(front, first_line)
    except EmptyDocument:
        raise RecordError(EMPTY) from None
    except YAMLRefused as e:
        raise RecordError(str(e)) from None
    if not isinstance(data, dict):
        raise RecordError(f"front matter must be a mapping of fields, not {type(data).__name__}")
    return data


# --- fields ----------------------------------------------------------------------------


def _build(item: str, f: dict[str, Any], body: str) -> Article:
    url, alt_urls = _urls(f)
    return Article(
        id=item,
        title=_title(f),
        url=url,
        excerpt=_loose(f.get("excerpt")),
        category=_loose(f.get("category")),
        type=_loose(f.get("type")),
        published_at=_when(f.get("publishedDateTime")),
        quality=_score(f, "quality"),
        heat=_score(f, "heat"),
        published=_flag(f.get("published")),
        provider=_provider(f.get("provider")),
        topics=_topics(f.get("topics")),
        images=_images(f.get("images")),
        related=_related(f.get("related")),
        note=repair_note(body),
        alt_urls=alt_urls,
        extra={str(k): _json_safe(v, 0) for k, v in f.items() if k not in KNOWN_FIELDS},
    )


def _title(f: dict[str, Any]) -> str:
    title = _loose(f.get("title"))
    if not title:
        raise RecordError(MISSING_TITLE)
    return title


def _loose(value: Any) -> str:
    """Text from a scalar, repaired; "" for anything that is not one."""
    if isinstance(value, str):
        return repair_text(value)
    if value is None or isinstance(value, bool | dict | list | set):
        return ""
    return repair_text(str(value))


def http_url(value: Any) -> str | None:
    """`value` stripped when it is a usable http(s) URL (what a record may link to), else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if _HTTP.fullmatch(value) else None


def _urls(f: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    found = dict.fromkeys(u for u in map(http_url, map(f.get, URL_FIELDS)) if u)
    if not found:
        raise RecordError(NO_URL)
    url, *alt = found
    return url, tuple(alt)


def _score(f: dict[str, Any], name: str) -> int:
    value = f.get(name)
    if value is None:
        return 0
    number = int(value) if isinstance(value, float) and value.is_integer() else value
    if type(number) is int and 0 <= number <= 100:
        return number
    raise RecordError(f"{name} must be a whole number from 0 to 100, got {_show(value)}")


def _when(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):  # not ISO: reported below with the value
            value = datetime.fromisoformat(value.strip())
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise RecordError(f"publishedDateTime is not an ISO 8601 date: {_show(value)}")
    return as_utc(value)


def _flag(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise RecordError(f"published must be true or false, got {_show(value)}")


def _provider(value: Any) -> Provider:
    if isinstance(value, dict):
        return Provider(name=_loose(value.get("name")), domain=_loose(value.get("domain")))
    return Provider(name=_loose(value))


def _topics(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return tuple(dict.fromkeys(t for t in map(_loose, items) if t))


def _images(value: Any) -> tuple[Image, ...]:
    entries = value if isinstance(value, list) else []
    return tuple(
        Image(url, _dimension(e.get("width")), _dimension(e.get("height")))
        for e in entries
        if isinstance(e, dict) and (url := http_url(e.get("url")))
    )


def _dimension(value: Any) -> int | None:
    return value if type(value) is int and value > 0 else None


def _related(value: Any) -> tuple[Related, ...]:
    out = []
    for entry in value if isinstance(value, list) else []:
        if not isinstance(entry, dict):
            continue
        title = _loose(entry.get("title"))
        url = http_url(entry.get("originalUrl")) or http_url(entry.get("webUrl"))
        if title and url:
            out.append(Related(title, url, _provider(entry.get("provider")).name))
    return tuple(out)


def _json_safe(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise RecordError(TOO_DEEP)
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        # A nested "secured" would be the same kind of token: never keep it for display.
        return {str(k): _json_safe(v, depth + 1) for k, v in value.items() if k != "secured"}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v, depth + 1) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
