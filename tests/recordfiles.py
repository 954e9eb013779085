"""Record file text and writers, shared by the tests that put records on disk."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

SECRET = "tOpSeCrEt+Value/9f8e7d6c5b4a==;AbCdEf0123=="

BASE = """---
title: "{title}"
excerpt: "{excerpt}"
publishedDateTime: 2026-11-24T08:30:00Z
originalUrl: "https://www.example.com/2026/11/24/story/"
webUrl: "https://www.example.com/2026/11/24/story/"
quality: {quality}
heat: 40
published: false
provider:
  name: Example News
  domain: example.com
topics:
  - AI
{more}secured: "{secret}"
---
{body}"""


def record_text(
    title: str = "A Plain Title",
    excerpt: str = "A plain excerpt.",
    quality: str = "72",
    more: str = "",
    body: str = "",
) -> str:
    return BASE.format(
        title=title, excerpt=excerpt, quality=quality, more=more, secret=SECRET, body=body
    )


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


# A short eligible record `n`: `label` starts the title, `host` names its site.
SHORT = """---
title: "{label} story {n} for the team"
excerpt: "Story {n}: what happened and why it matters."
publishedDateTime: 2026-11-20T08:00:00Z
originalUrl: "https://{host}{n}.example.com/story/{n}/"
quality: {quality}
heat: {n}
provider: {{name: "Provider {n}"}}
topics: [AI]
---
"""

# A full record `n` with an image and related links; `more` goes before the closing `---`.
RICH = """---
title: "{title}"
excerpt: "{lead}: what happened, why it matters and what comes next for the teams involved."
publishedDateTime: 2026-11-{day:02d}T08:00:00Z
originalUrl: "https://{host}{n}.example.com/2026/story-{n}/"
quality: {quality}
heat: {heat}
provider: {{name: "Provider {n}", domain: "{host}{n}.example.com"}}
topics: [AI, Cloud]
images:
  - url: "https://img.example.com/{n}.jpg"
    width: 800
    height: 400
related:
  - title: "Background to story {n}"
    webUrl: "https://other{n}.example.org/background/"
    provider: {{name: "Other {n}"}}
{more}---
Editor's note on story {n}: worth a read.
"""


def short_record(label: str, host: str, n: int, quality: int) -> str:
    return SHORT.format(label=label, host=host, n=n, quality=quality)


def rich_record(
    n: int,
    *,
    title: str,
    lead: str,
    host: str,
    quality: int,
    heat: int,
    day: int = 20,
    more: str = "",
) -> str:
    return RICH.format(
        n=n, title=title, lead=lead, host=host, quality=quality, heat=heat, day=day, more=more
    )


def write_numbered(
    folder: Path, prefix: str, count: int, text: Callable[[int], str], start: int = 1
) -> list[str]:
    """Records `{prefix}NN.md` for n = start, start + 1, ... with `text(n)`; their ids."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for n in range(start, start + count):
        ids.append(f"{prefix}{n:02d}")
        (folder / f"{ids[-1]}.md").write_text(text(n), encoding="utf-8")
    return ids


# --- hostile records, as a sloppy or hostile upstream would write them (Hypothesis) -----

# Lines an upstream could emit that generated values do not reach: each poisoned a scan,
# a digest or the app once, or is a refusal that must stay one.
HOSTILE_LINES = [
    "foo: 0x" + "f" * 4000,
    "big: " + "9" * 5000,
    'secured: "a\\0b"',
    'nul: "x\\0y"',
    "heat: !!int abc",
    "quality: !!float ''",
    "title: Duplicate title",
    "? [a, b]\n: c",
    "x: !!python/object/apply:os.system ['true']",
    "a: &x [1, 2]\nb: *x",
    "publishedDateTime: 9999-12-31T23:30Z",
    "publishedDateTime: 0001-01-01",
    "publishedDateTime: 0001-01-01T00:00:00+05:00",
    "publishedDateTime: 2021-02-30",
    'bidi: "\\u202egnp.exe\\u202c \\u200b\\ufeff"',
    "set: !!set {a, b}",
    "blob: !!binary aGk=",
    "pairs: !!pairs [a: 1, a: 2]",
    "merge: {<<: {a: 1}, b: 2}",
    "deep: " + "[" * 80 + "]" * 80,
    'excerpt: "<!channel> <@U123> <https://evil.test|click> &lt;!here&gt;"',
    "provider: [a, b]",
    "images: {url: https://img.test/x.jpg}",
    "related: [[1, 2], {title: {a: b}, webUrl: https://r.test/}]",
    "topics: {AI: yes}",
]
FIELDS = [
    *("title", "excerpt", "category", "type", "publishedDateTime", "originalUrl"),
    *("webUrl", "ampWebUrl", "cdnAmpWebUrl", "quality", "heat", "published", "provider"),
    *("topics", "images", "related", "secured", "unknownField", "extra"),
]


def hostile_records() -> Any:
    """A Hypothesis strategy of hostile records; `hostile_bytes(n, drawn)` writes one for
    item `n`: a usable base record with fields replaced by any YAML value or a wrong shape,
    hostile lines and a hostile body, dumped with yaml.safe_dump as an upstream would.
    Text that cannot be UTF-8 stays so (the file is then not UTF-8, as bytes can be)."""
    text = _hostile_text()
    values = _any_yaml_value(text)
    fields = st.dictionaries(st.sampled_from(FIELDS), values, max_size=5)
    flags = st.booleans()
    # Half the records get no hostile line: most lines make a record bad, and the usable
    # ones are what the cards and renderers must survive.
    lines = st.just([]) | st.lists(st.sampled_from(HOSTILE_LINES), min_size=1, max_size=3)
    return st.tuples(_hostile_nested(text, values), fields, lines, text, flags)


def _utf8_chars() -> Any:
    return st.characters(codec="utf-8", exclude_categories=())  # controls too


def _hostile_text() -> Any:
    """Short text: any character, lone surrogates (YAML refuses them) and Slack markup."""
    surrogates = st.characters(codec=None, exclude_categories=())
    return (
        st.text(_utf8_chars(), max_size=30)
        | st.text(surrogates, max_size=5)
        | st.sampled_from(
            ["", " ", "<!channel>", "<@U0123>", "<#C1|x>", "a|b>c", "&amp;", "\u202e", "\x00"]
        )
    )


def _hostile_numbers() -> Any:
    """Integers of any size (past Python's int-to-str digit limit too) and any float."""
    return (
        st.integers()
        | st.integers(-(10**120), 10**120)
        | st.builds(lambda n: 10**n - 1, st.integers(95, 4_000))
        | st.floats()
    )


def _any_yaml_value(text: Any) -> Any:
    """Any value YAML can hold: scalars of every type, and lists and mappings of them."""
    long_text = st.builds(
        lambda c, n: c * n, st.text(_utf8_chars(), min_size=1, max_size=3), st.integers(1, 12_000)
    )
    zones = st.builds(
        timezone, st.timedeltas(min_value=-timedelta(hours=23), max_value=timedelta(hours=23))
    )
    dates = st.dates() | st.datetimes() | st.datetimes(timezones=zones)
    numbers = _hostile_numbers()
    scalars = st.none() | st.booleans() | numbers | text | long_text | dates | st.binary(max_size=8)
    keys = st.none() | st.booleans() | st.integers(-99, 99) | st.floats() | text | st.dates()
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=10,
    )


def _hostile_nested(text: Any, values: Any) -> Any:
    """The nested parts of a record (provider, images, related) holding any value."""
    url = st.builds("https://x.test/{}".format, text) | values
    return st.fixed_dictionaries(
        {},
        optional={
            "provider": st.fixed_dictionaries({}, optional={"name": values, "domain": values}),
            "images": st.lists(st.fixed_dictionaries({"url": url}, optional={"width": values})),
            "related": st.lists(
                st.fixed_dictionaries(
                    {"title": values, "webUrl": url}, optional={"provider": values}
                ),
                max_size=4,
            ),
        },
    )


def hostile_bytes(n: int, drawn: tuple) -> bytes:
    """The file of a record drawn from `hostile_records()`, for item `n`."""
    nested, fields, lines, body, allow_unicode = drawn
    record = {
        "title": f"Hostile record {n}",
        "originalUrl": f"https://hostile{n}.example.org/story/",
        "quality": 60,
        **nested,
        **fields,
    }
    front = yaml.safe_dump(record, allow_unicode=allow_unicode, sort_keys=False)
    text = "---\n" + front + "".join(f"{line}\n" for line in lines) + "---\n" + body
    return text.encode("utf-8", "surrogatepass")
