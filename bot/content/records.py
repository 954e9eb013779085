"""Article records: parse and validate one record file.

Parsing is pure (bytes in, `Record` out, `RecordError` with a one-line reason otherwise):
text repair lives in `bot.content.repair`, guarded YAML loading in `bot.content.safeyaml`,
and scanning the content folder in `bot.content.scan`.
The `secured` token goes to `Record.secured` and nowhere else: not into `Article`, not into
error messages, not into logs.

Whatever a record holds, what comes out can be stored, serialised and shown: every text is
repaired and free of NULs, invisible controls and lone surrogates, every number fits JSON,
unknown fields become plain JSON data. A value that cannot be made so makes this one
record bad; an impossible `publishedDateTime` only makes its date unknown, with a warning.
"""

from __future__ import annotations

import math
import os
import re
from datetime import date, datetime
from typing import Any

from bot.content.article import Article, Image, Provider, Record, Related
from bot.content.dates import published_date
from bot.content.extra import extra_fields
from bot.content.repair import drop_controls, repair_c1, repair_note, repair_text
from bot.content.safeyaml import EmptyDocument, YAMLRefused, load
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
BAD_NAME = "the file name is not valid UTF-8"
SECURED_NOT_TEXT = "secured must be text, not {kind}"
SECURED_NUL = "secured holds a NUL character, which cannot be stored"

_FM_END = re.compile(r"\n(?:---|\.\.\.)[ \t]*\r?(?:\n|\Z)")
_HTTP = re.compile(
    r"https?://[^\s/?#<>\"|\\^`{}@:\x00-\x1f\x7f][^\s<>\"|\\^`{}\x00-\x1f\x7f]*", re.I
)


class RecordError(ValueError):
    """A record that cannot be used; `str(e)` is the one-line reason."""


# --- parsing ---------------------------------------------------------------------------


def parse_record(
    path: str,
    data: bytes,
    *,
    mtime_ns: int = 0,
    size: int | None = None,
    now: datetime | None = None,
) -> Record:
    """Parse one record file's bytes; raise `RecordError` with a one-line reason.

    A `publishedDateTime` after a year from `now` is taken as unknown (with a warning);
    without `now`, only the lower bound (1970) is checked."""
    _check_name(path)
    if len(data) > MAX_BYTES:
        raise RecordError(TOO_LARGE.format(size=len(data), limit=MAX_BYTES))
    front, body, first_line = _split(_decode(data), os.path.splitext(path)[1].lower())
    # C1 controls are UTF-8 bytes C2 80..C2 9F: a byte search spares most files the regex.
    if b"\xc2" in data:
        front = repair_c1(front)  # mis-decoded UTF-8 that libyaml would refuse
    fields = _load_yaml(front, first_line)
    when, warning = published_date(fields.get("publishedDateTime"), now)
    article = _build(item_id(path), fields, body, when)
    secret = _secured(fields.get("secured"))
    size = len(data) if size is None else size
    return Record(article, path, mtime_ns, size, secret, (warning,) if warning else ())


def item_id(path: str) -> str:
    """The item id: the file name without its extension."""
    return os.path.splitext(os.path.basename(path))[0]


def _check_name(path: str) -> None:
    # os.scandir hands undecodable bytes of a file name on as lone surrogates, which no
    # database or JSON encoder takes: the id (from the name) could not be stored.
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise RecordError(BAD_NAME) from None


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


def _build(item: str, f: dict[str, Any], body: str, when: datetime | None) -> Article:
    url, alt_urls = _urls(f)
    return Article(
        id=item,
        title=_title(f),
        url=url,
        excerpt=_loose(f.get("excerpt")),
        category=_loose(f.get("category")),
        type=_loose(f.get("type")),
        published_at=when,
        quality=_score(f, "quality"),
        heat=_score(f, "heat"),
        published=_flag(f.get("published")),
        provider=_provider(f.get("provider")),
        topics=_topics(f.get("topics")),
        images=_images(f.get("images")),
        related=_related(f.get("related")),
        note=repair_note(body),
        alt_urls=alt_urls,
        extra=_extra(f),
    )


def _title(f: dict[str, Any]) -> str:
    title = _loose(f.get("title"))
    if not title:
        raise RecordError(MISSING_TITLE)
    return title


def _loose(value: Any) -> str:
    """Text from a scalar (a string, number or date), repaired; "" for anything else."""
    if isinstance(value, str):
        return repair_text(value)
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    return value.isoformat() if isinstance(value, date) else ""


def http_url(value: Any) -> str | None:
    """`value` stripped when it is a usable http(s) URL (what a record may link to), else None."""
    if not isinstance(value, str):
        return None
    value = drop_controls(value).strip()  # a zero-width character can disguise a link
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


def _secured(value: Any) -> Secret | None:
    # The value is never part of a reason: it is a token of the upstream system.
    if value is None:
        return None
    if isinstance(value, list | dict | set | tuple | bytes):
        raise RecordError(SECURED_NOT_TEXT.format(kind=_kind(value)))
    text = str(value)
    if "\x00" in text:
        raise RecordError(SECURED_NUL)
    return Secret(text)


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


def _extra(f: dict[str, Any]) -> dict[str, Any]:
    try:
        return extra_fields(f, KNOWN_FIELDS)
    except ValueError as e:
        raise RecordError(str(e)) from None


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    return "binary data" if isinstance(value, bytes) else "a list"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
