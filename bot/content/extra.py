"""Unknown front-matter fields, kept (SPEC §1) as plain JSON data any database stores.

Pure. Text loses NULs, invisible controls and lone surrogates, floats that JSON cannot
hold (NaN, infinities) become text, dates become ISO text, binary data base64, sets sorted
lists, and keys become text. A nested `secured` is dropped: it would be the same kind of
token as the record's own. What cannot be made plain raises `ValueError` with the reason.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Collection
from datetime import date
from typing import Any

from bot.content.repair import drop_controls
from bot.content.safeyaml import LONG_NUMBER, MAX_DEPTH, MAX_INT_DIGITS, TOO_DEEP

_INT_BOUND = 10**MAX_INT_DIGITS


def extra_fields(fields: dict[Any, Any], known: Collection[str]) -> dict[str, Any]:
    """The fields of a record not in `known`, as plain JSON data."""
    return {_key(k, 0): plain(v, 0) for k, v in fields.items() if k not in known}


def plain(value: Any, depth: int = 0) -> Any:
    """`value` as JSON data: str, bounded int, finite float, bool, None, lists, dicts."""
    if depth > MAX_DEPTH:
        raise ValueError(TOO_DEEP)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return drop_controls(value)
    if isinstance(value, int):
        if not -_INT_BOUND < value < _INT_BOUND:  # safeyaml refuses these already
            raise ValueError(LONG_NUMBER)
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return _collection(value, depth)


def _collection(value: Any, depth: int) -> Any:
    if isinstance(value, dict):
        return {_key(k, depth): plain(v, depth + 1) for k, v in value.items() if k != "secured"}
    if isinstance(value, set):  # sorted: the stored form must not change from run to run
        return sorted((plain(v, depth + 1) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return drop_controls(str(value))


def _key(key: Any, depth: int) -> str:
    return drop_controls(key if isinstance(key, str) else str(plain(key, depth + 1)))
