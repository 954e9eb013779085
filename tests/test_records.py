"""Tests for bot.content.records: record parsing and validation.

Text repair is covered in test_repair.py, guarded YAML loading in test_safeyaml.py,
folder scanning in test_scan.py.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from recordfiles import SECRET, record_text, write

from bot.content.article import Article, Record
from bot.content.records import RecordError, parse_record
from bot.content.scan import scan

EXAMPLES = Path(__file__).resolve().parent.parent / "bot" / "examples"
SEED = EXAMPLES / "000_bfb240625840f0a1.txt"


def parse_file(path: Path) -> Record:
    return parse_record(str(path), path.read_bytes())


def reason(tmp_path: Path, text: str | bytes, name: str = "bad.md") -> str:
    path = write(tmp_path / name, text)
    with pytest.raises(RecordError) as info:
        parse_file(path)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- the bundled examples and the seed -------------------------------------------------


def test_every_bundled_example_parses_and_enough_are_eligible() -> None:
    result = scan(EXAMPLES)
    assert result.bad == []
    articles = [r.article for r in result.records]
    assert 14 <= len(articles) <= 18
    eligible = [a for a in articles if a.quality >= 50 and not a.published]
    assert len(eligible) >= 7
    assert sum(a.published for a in articles) == 2
    assert any(a.quality < 50 for a in articles)
    assert len({a.url for a in articles}) == len(articles)
    assert len({a.title.casefold() for a in articles}) == len(articles)
    assert any(a.note for a in articles) and any(a.related for a in articles)
    assert all(r.secured is not None for r in result.records)


def test_bundled_examples_read_cleanly_after_repair() -> None:
    for record in scan(EXAMPLES).records:
        a = record.article
        for text in (a.title, a.excerpt, *a.topics, a.provider.name):
            assert "â€" not in text and "&amp;" not in text and "<p>" not in text, a.id
        assert a.published_at is not None and a.images is not None


def test_seed_record_is_read_and_its_title_repaired() -> None:
    record = parse_file(SEED)
    a = record.article
    assert a.id == "000_bfb240625840f0a1"
    assert a.title == "China’s Exascale Prototype Supercomputer Tests AI Workloads"
    assert a.url.startswith("https://www.nextplatform.com/2021/04/19/chinas-exascale")
    assert a.alt_urls[0].endswith("/amp/") and "cdn.ampproject.org" in a.alt_urls[1]
    assert (a.quality, a.heat, a.published) == (59, 69, False)
    assert a.published_at == datetime(2021, 4, 19, 17, 47, tzinfo=UTC)
    assert (a.provider.name, a.provider.domain) == ("The Next Platform", "nextplatform.com")
    assert a.topics == ("AI Hardware", "AI")
    assert (a.images[0].width, a.images[0].height) == (1300, 500)
    assert a.related[0].provider == "UPI.com"
    assert a.related[0].url.startswith("https://www.upi.com/")
    assert (a.category, a.type, a.note, a.extra) == ("news", "article", "", {})
    assert record.size == SEED.stat().st_size


def test_c1_mojibake_example_is_repaired_not_rejected() -> None:
    raw = next(p for p in EXAMPLES.iterdir() if "\x9d" in p.read_text("utf-8"))
    assert parse_file(raw).article.title == (
        "Open-Source Maintainers Push Back on “AI Slop” Bug Reports"
    )


# --- repair, through parsing ----------------------------------------------------------


def test_excerpt_entities_tags_and_whitespace_are_cleaned(tmp_path: Path) -> None:
    excerpt = "<p>Rates &amp; <em>yields</em>   rise&#8217;s   fast.</p>"
    a = parse_file(write(tmp_path / "x.md", record_text(excerpt=excerpt))).article
    assert a.excerpt == "Rates & yields rise’s fast."


def test_c1_control_characters_in_a_quoted_string_are_repaired(tmp_path: Path) -> None:
    title = "â€œAI Slopâ€\x9d Reports"  # "”" read as cp1252: "â€" + U+009D
    a = parse_file(write(tmp_path / "c1.md", record_text(title=title))).article
    assert a.title == "“AI Slop” Reports"


def test_bom_crlf_and_markdown_body_note(tmp_path: Path) -> None:
    body = "\n**Editor’s note:** worth   a read.\n\n\n\n- one\n- two &amp; three\n"
    text = record_text(body=body).replace("\n", "\r\n")
    a = parse_file(write(tmp_path / "n.md", b"\xef\xbb\xbf" + text.encode())).article
    assert a.title == "A Plain Title"
    assert a.note == "**Editor’s note:** worth a read.\n\n- one\n- two & three"


# --- rejections ------------------------------------------------------------------------


def test_not_utf8_is_rejected(tmp_path: Path) -> None:
    text = record_text(title="Caf\xe9").encode("latin-1")
    assert "not UTF-8" in reason(tmp_path, text)


def test_missing_or_unclosed_front_matter_is_rejected(tmp_path: Path) -> None:
    assert "no front matter" in reason(tmp_path, "title: x\nwebUrl: https://a.test/\n")
    assert "not closed" in reason(tmp_path, "---\ntitle: x\nwebUrl: https://a.test/\n")
    assert "empty" in reason(tmp_path, "---\n---\nbody\n")
    assert "mapping" in reason(tmp_path, "---\n- a\n- b\n---\n")


def test_a_yaml_file_without_markers_is_the_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path / "plain.YAML", "title: Plain YAML\nwebUrl: https://a.test/p\n")
    a = parse_file(path).article
    assert (a.id, a.title, a.url) == ("plain", "Plain YAML", "https://a.test/p")


@pytest.mark.parametrize("title", ['""', '"   "', '"<b></b>"', "null"])
def test_missing_title_is_rejected(tmp_path: Path, title: str) -> None:
    text = record_text().replace('title: "A Plain Title"', f"title: {title}")
    assert reason(tmp_path, text) == "missing title"


def test_no_http_url_is_rejected(tmp_path: Path) -> None:
    text = record_text().replace("https://www.example.com", "ftp://www.example.com")
    assert reason(tmp_path, text).startswith("no http(s) URL")
    text = record_text().replace("https://www.example.com", "javascript:alert(1)//")
    assert reason(tmp_path, text).startswith("no http(s) URL")


@pytest.mark.parametrize(
    ("value", "shown"),
    [("150", "150"), ("high", "'high'"), ("true", "True"), ("-1", "-1"), ("59.5", "59.5")],
)
def test_bad_quality_is_rejected_with_field_and_value(
    tmp_path: Path, value: str, shown: str
) -> None:
    message = reason(tmp_path, record_text(quality=value))
    assert message == f"quality must be a whole number from 0 to 100, got {shown}"


def test_scores_accept_integral_floats_and_default_to_zero(tmp_path: Path) -> None:
    text = record_text(quality="59.0").replace("heat: 40\n", "")
    a = parse_file(write(tmp_path / "s.md", text)).article
    assert (a.quality, a.heat) == (59, 0)
    bad_heat = record_text().replace("heat: 40", 'heat: "40"')
    assert reason(tmp_path, bad_heat).startswith("heat must be")


def test_published_flag_and_dates(tmp_path: Path) -> None:
    text = record_text().replace("published: false", 'published: "true"')
    text = text.replace("2026-11-24T08:30:00Z", '"2026-11-24T09:30:00+01:00"')
    a = parse_file(write(tmp_path / "p.md", text)).article
    assert a.published is True
    assert a.published_at == datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    naive = record_text().replace("2026-11-24T08:30:00Z", "2026-11-24 08:30:00")
    assert parse_file(write(tmp_path / "n.md", naive)).article.published_at == datetime(
        2026, 11, 24, 8, 30, tzinfo=UTC
    )
    maybe = record_text().replace("published: false", "published: maybe")
    assert reason(tmp_path, maybe) == "published must be true or false, got 'maybe'"


# --- publishedDateTime: unknown, with a warning, when it is no real date in range ------

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "warning"),
    [
        ("last tuesday", "is not an ISO 8601 date ('last tuesday')"),
        ("2021-02-30", "is not an ISO 8601 date ('2021-02-30')"),
        ("[2021, 4, 19]", "is not an ISO 8601 date ([2021, 4, 19])"),
        ("0001-01-01", "0001-01-01T00:00:00 is not between 1970 and a year from now"),
        ("0001-01-01T00:00:00+05:00", "is not between 1970 and a year from now"),
        ("1969-12-31T23:59:59Z", "is not between 1970 and a year from now"),
        ("9999-12-31T23:30:00Z", "is not between 1970 and a year from now"),
        ("9999-12-31T23:30:00-05:00", "is not between 1970 and a year from now"),
        ("2027-12-01T00:00:00Z", "is not between 1970 and a year from now"),
    ],
)
def test_an_impossible_date_is_unknown_with_a_warning(
    tmp_path: Path, value: str, warning: str
) -> None:
    text = record_text().replace("2026-11-24T08:30:00Z", value)
    path = write(tmp_path / "d.md", text)
    record = parse_record(str(path), path.read_bytes(), now=NOW)
    assert record.article.published_at is None
    assert record.article.title == "A Plain Title"  # the record stays usable
    (message,) = record.warnings
    assert message.startswith("publishedDateTime ") and warning in message
    assert message.endswith(": the date is unknown") and "\n" not in message


@pytest.mark.parametrize(
    "value", ["1970-01-01T00:00:00Z", "2027-11-26T11:59:59Z", "2026-11-26T12:00:00+09:00"]
)
def test_dates_from_1970_to_a_year_from_now_are_kept(tmp_path: Path, value: str) -> None:
    text = record_text().replace("2026-11-24T08:30:00Z", value)
    path = write(tmp_path / "d.md", text)
    record = parse_record(str(path), path.read_bytes(), now=NOW)
    assert record.article.published_at is not None and record.warnings == ()


def test_provider_topics_images_and_related_shapes(tmp_path: Path) -> None:
    more = """images:
  - url: "//cdn.example.com/relative.jpg"
  - url: "https://cdn.example.com/ok.jpg"
    width: "wide"
    height: 400
related:
  - title: "No URL"
  - webUrl: "https://r.test/untitled"
  - title: "Good &amp; Related"
    webUrl: "https://r.test/good"
    provider: Plain Provider
"""
    text = record_text(more=more).replace("topics:\n  - AI\n", "topics: Open Source\n")
    text = text.replace("provider:\n  name: Example News\n  domain: example.com\n", "")
    text = text.replace("heat: 40\n", "heat: 40\nprovider: Just A Name\n")
    a = parse_file(write(tmp_path / "shape.md", text)).article
    assert a.provider.name == "Just A Name" and a.topics == ("Open Source",)
    assert [(i.url, i.width, i.height) for i in a.images] == [
        ("https://cdn.example.com/ok.jpg", None, 400)
    ]
    assert [(r.title, r.url, r.provider) for r in a.related] == [
        ("Good & Related", "https://r.test/good", "Plain Provider")
    ]


def test_unknown_fields_become_plain_json_any_database_stores(tmp_path: Path) -> None:
    more = (
        'nul: "a\\0b"\nbidi: "x\\u202Ey"\nnan: .nan\ninf: -.inf\n'
        "keys: {1: one, 2.5: two, null: three, false: four, 2021-01-02: five}\n"
        "nested: {a: {b: [1, {c: .inf}]}, secured: hidden}\nset: !!set {b, a}\n"
        "pairs: !!pairs [x: 1]\nblob: !!binary aGk=\nbig: " + "9" * 100 + "\n"
    )
    a = parse_file(write(tmp_path / "u.md", record_text(more=more))).article
    assert a.extra == {
        "nul": "ab",
        "bidi": "xy",
        "nan": "nan",
        "inf": "-inf",
        "keys": {"1": "one", "2.5": "two", "None": "three", "False": "four", "2021-01-02": "five"},
        "nested": {"a": {"b": [1, {"c": "inf"}]}},
        "set": ["a", "b"],
        "pairs": [["x", 1]],
        "blob": "aGk=",
        "big": int("9" * 100),
    }
    json.dumps(a.to_dict(), allow_nan=False).encode("utf-8")


@pytest.mark.parametrize(
    "number", ["0x" + "f" * 4000, "9" * 5000, "-" + "1" * 101, "0b" + "1" * 400]
)
def test_a_number_too_long_to_store_makes_the_record_bad(tmp_path: Path, number: str) -> None:
    text = record_text(more=f"foo: {number}\n")
    assert (
        reason(tmp_path, text)
        == "YAML error at line 15, column 6: number too long (more than 100 digits)"
    )


def test_unknown_fields_are_kept_json_safe(tmp_path: Path) -> None:
    more = "language: en\nreviewedAt: 2026-11-20T10:00:00Z\nscores: {clarity: 4, tags: [a, b]}\n"
    a = parse_file(write(tmp_path / "u.md", record_text(more=more))).article
    assert a.extra == {
        "language": "en",
        "reviewedAt": "2026-11-20T10:00:00+00:00",
        "scores": {"clarity": 4, "tags": ["a", "b"]},
    }
    assert Article.from_dict(json.loads(json.dumps(a.to_dict()))) == a


# --- invisible controls, in every text field -------------------------------------------

HIDDEN = ["\u200b", "\u200d", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff"]
HIDDEN += ["\x00", "\x01", "\x1b", "\x7f"]


@pytest.mark.parametrize("char", HIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_bidi_zero_width_and_c0_controls_are_removed_from_every_text_field(
    tmp_path: Path, char: str
) -> None:
    esc = char.encode("unicode_escape").decode("ascii") if ord(char) < 0x80 else char
    q = f"\\x{ord(char):02x}" if ord(char) < 0x80 else esc  # YAML escapes C0 in quotes
    more = f"""images:
  - url: "https://img.test/a{q}b.jpg"
related:
  - title: "Rel{q}ated"
    webUrl: "https://r.test/x{q}y"
    provider: {{name: "Pro{q}vider"}}
"""
    text = record_text(title=f"Ti{q}tle", excerpt=f"Ex{q}cerpt", more=more, body=f"No{char}te")
    text = text.replace("Example News", f'"Exam{q}ple"').replace("- AI", f'- "A{q}I"')
    text = text.replace("domain: example.com", f'domain: "exam{q}ple.com"')
    text = text.replace("story/", f"st{q}ory/")
    a = parse_file(write(tmp_path / "h.md", text)).article
    assert (a.title, a.excerpt, a.note) == ("Title", "Excerpt", "Note")
    assert (a.provider.name, a.provider.domain, a.topics) == ("Example", "example.com", ("AI",))
    assert a.url == "https://www.example.com/2026/11/24/story/"
    assert a.images[0].url == "https://img.test/ab.jpg"
    assert (a.related[0].title, a.related[0].url, a.related[0].provider) == (
        "Related", "https://r.test/xy", "Provider"
    )  # fmt: skip


def test_tab_and_newline_stay_in_the_note(tmp_path: Path) -> None:
    a = parse_file(write(tmp_path / "n.md", record_text(body="one\ttwo\r\nthree\n"))).article
    assert a.note == "one two\nthree"


# --- the secured token -----------------------------------------------------------------


def test_secured_is_kept_but_never_shown(tmp_path: Path) -> None:
    record = parse_file(write(tmp_path / "sec.md", record_text()))
    assert record.secured is not None and record.secured.reveal() == SECRET
    assert "secured" not in record.article.extra
    assert SECRET not in json.dumps(record.article.to_dict())
    assert SECRET not in repr(record) and SECRET not in str(record)


def test_secured_never_reaches_reasons_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path / "a.md", record_text(quality="150"))
    write(tmp_path / "b.md", record_text().replace(f'"{SECRET}"', f'"{SECRET}'))
    write(tmp_path / "c.md", record_text().replace("https://", "gopher://"))
    with caplog.at_level(logging.DEBUG, logger="bot.content.records"):
        result = scan(tmp_path)
    assert len(result.bad) == 3
    assert all(SECRET not in b.reason for b in result.bad)
    assert SECRET not in caplog.text and "a.md: quality must be" in caplog.text


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (f'"{SECRET}\\0x"', "secured holds a NUL character, which cannot be stored"),
        (f"[{SECRET}]", "secured must be text, not a list"),
        (f"{{token: {SECRET}}}", "secured must be text, not a mapping"),
        (f"!!int {SECRET}", "YAML error at line 15, column 10: not a valid !!int value"),
    ],
)
def test_a_secured_value_that_cannot_be_stored_is_a_reason_that_never_shows_it(
    tmp_path: Path, value: str, message: str
) -> None:
    assert reason(tmp_path, record_text().replace(f'"{SECRET}"', value)) == message


def test_a_file_name_that_is_not_utf8_is_a_reason(tmp_path: Path) -> None:
    data = record_text().encode()
    with pytest.raises(RecordError, match="file name is not valid UTF-8"):
        parse_record(str(tmp_path / "caf\udce9.md"), data)
