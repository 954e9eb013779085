"""Tests for bot.content.safeyaml, through record parsing: syntax errors, tags, aliases, nesting."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from recordfiles import write

from bot.content import safeyaml
from bot.content.records import RecordError, parse_record


def reason(tmp_path: Path, text: str | bytes, name: str = "bad.md") -> str:
    path = write(tmp_path / name, text)
    with pytest.raises(RecordError) as info:
        parse_record(str(path), path.read_bytes())
    message = str(info.value)
    assert "\n" not in message
    return message


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    text = '---\ntitle: "ok"\nwebUrl: https://a.test/\ntopics: [AI, Cloud\nheat: 3\n---\n'
    message = reason(tmp_path, text)
    assert message.startswith("YAML error at line 5, column 5:")
    control = '---\ntitle: "Ünïcode"\nexcerpt: "bell \x07"\n---\n'
    assert reason(tmp_path, control).startswith("YAML error at line 3, column 16: control")


def test_python_tags_are_refused_and_nothing_runs(tmp_path: Path) -> None:
    sentinel = tmp_path / "sentinel"
    tag = f'!!python/object/apply:os.system ["touch {sentinel}"]'
    message = reason(tmp_path, f"---\ntitle: {tag}\nwebUrl: https://a.test/\n---\n")
    assert "YAML tag not allowed at line 2" in message and "python/object" in message
    assert not sentinel.exists()


def test_alias_bomb_is_rejected_fast(tmp_path: Path) -> None:
    lines = ["---", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
        previous = name
    lines += ["title: Bomb", "webUrl: https://a.test/", "---", ""]
    started = time.perf_counter()
    message = reason(tmp_path, "\n".join(lines))
    assert time.perf_counter() - started < 0.5
    assert "aliases are not allowed" in message


def test_any_alias_reuse_is_rejected(tmp_path: Path) -> None:
    text = "---\ntitle: &t Shared\nexcerpt: *t\nwebUrl: https://a.test/\n---\n"
    assert "aliases are not allowed" in reason(tmp_path, text)


def test_deep_nesting_is_rejected_not_crashing(tmp_path: Path) -> None:
    text = "---\ntitle: x\nwebUrl: https://a.test/\nx: " + "[" * 200_000 + "\n---\n"
    assert "nested too deeply" in reason(tmp_path, text)


SCALARS = [
    *("0", "-0", "+0", "7", "+7", "-12", "012", "0o17", "0x1F", "0b101", "1_000", "1:30"),
    *("123456789012345678901234567890", "08", "+", "0.5", "1e3", ".inf", "-.NaN"),
    *("yes", "No", "ON", "off", "TRUE", "False", "y", "n", "~", "null", "", "Yes please"),
    *("2021-04-19", "2021-04-19T10:00:00Z", "'12'", '"yes"', "plain text", "'x: y'"),
    *("!!int 12", "!!int '12'", "!!int -0", "!!bool yes", "!!bool 'Off'", "!!str 12"),
    *("!!str yes", "!!float 1", "!!null ''", "!!int ٣", "[1, yes, '3', ~]", "{1: a, no: b}"),
]


@pytest.mark.parametrize("scalar", SCALARS)
def test_values_equal_pyyaml_safe_loading(scalar: str) -> None:
    for doc in (f"k: {scalar}\n", f"- {scalar}\n", f"a:\n  b:\n    - {scalar}\n    - x\n"):
        expected = yaml.load(doc, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        # repr: True == 1 and 1 == 1.0, but the types must match too.
        assert repr(safeyaml.load(doc)) == repr(expected), doc
    if not scalar.startswith(("[", "{", "!!")) and scalar:
        key_doc = f"{scalar}: v\nsecond: {scalar}\n"
        expected = yaml.load(key_doc, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        assert repr(safeyaml.load(key_doc)) == repr(expected), key_doc


@pytest.mark.parametrize("leaf", ["x", "7", "yes", "[]", "{}", "{a: b}"])
def test_nesting_limit_counts_every_level(leaf: str) -> None:
    for open_, close in (("{k: ", "}"), ("[", "]")):
        for depth in (safeyaml.MAX_DEPTH, safeyaml.MAX_DEPTH + 1):
            text = open_ * depth + leaf + close * depth
            # The leaf sits at `depth`; a non-empty collection there nests one level more.
            too_deep = depth + (leaf == "{a: b}") > safeyaml.MAX_DEPTH
            if too_deep:
                with pytest.raises(safeyaml.YAMLRefused, match="nested too deeply"):
                    safeyaml.load(text)
            else:
                safeyaml.load(text)


# --- duplicate keys, values that are not what their tag says, long numbers -------------


@pytest.mark.parametrize(
    ("front", "where", "key"),
    [
        ("title: A\nwebUrl: https://a.test/\ntitle: B\n", "line 4, column 1", "'title'"),
        ("title: A\nwebUrl: https://a.test/\n'title': B\n", "line 4, column 1", "'title'"),
        (
            "title: A\nwebUrl: https://a.test/\np: {name: x, name: y}\n",
            "line 4, column 14",
            "'name'",
        ),
        ("title: A\nwebUrl: https://a.test/\nx:\n  - {1: a, 1: b}\n", "line 5, column 12", "'1'"),
        (
            "title: A\nwebUrl: https://a.test/\nm: {<<: {a: 1}, b: 2, b: 3}\n",
            "line 4, column 23",
            "'b'",
        ),
    ],
)
def test_a_duplicate_key_is_refused_with_line_and_column(
    tmp_path: Path, front: str, where: str, key: str
) -> None:
    message = reason(tmp_path, f"---\n{front}---\n")
    assert message == f"YAML error at {where}: duplicate key {key}"


def test_merge_keys_may_be_overridden_without_being_duplicates() -> None:
    assert safeyaml.load("m: {<<: {a: 1, b: 1}, b: 2}\n") == {"m": {"a": 1, "b": 2}}


@pytest.mark.parametrize(
    ("value", "tag"),
    [("!!int abc", "!!int"), ("!!float ''", "!!float"), ("!!bool maybe", "!!bool")],
)
def test_a_value_that_is_not_what_its_tag_says_names_line_and_column(
    tmp_path: Path, value: str, tag: str
) -> None:
    text = f"---\ntitle: A\nwebUrl: https://a.test/\nheat: {value}\n---\n"
    assert reason(tmp_path, text) == f"YAML error at line 4, column 7: not a valid {tag} value"


@pytest.mark.parametrize("value", ["2021-02-30", "0000-01-01", "!!timestamp 31.12.2021"])
def test_a_timestamp_that_is_not_a_real_date_is_kept_as_text(value: str) -> None:
    assert safeyaml.load(f"when: {value}\n") == {"when": value.removeprefix("!!timestamp ")}


@pytest.mark.parametrize(
    "number", ["9" * 101, "-" + "9" * 101, "0x" + "f" * 84, "0" + "7" * 112, "1" * 5000]
)
def test_a_number_too_long_to_show_is_refused_where_it_stands(number: str) -> None:
    with pytest.raises(safeyaml.YAMLRefused) as info:
        safeyaml.load(f"a: 1\nb: [x, {number}]\n", first_line=2)
    assert (
        str(info.value) == "YAML error at line 3, column 8: number too long (more than 100 digits)"
    )
    assert safeyaml.load(f"a: {'9' * 100}\n") == {"a": int("9" * 100)}
