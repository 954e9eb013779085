"""The README cannot drift from the code (in the manner of Datasette's documentation tests).

- the command-line table lists exactly the parser's commands and options;
- the "In Slack" table lists exactly the `/newsdesk` subcommands, and the help text too;
- the configuration example holds exactly the keys `bot/config/` accepts;
- the exit statuses the README states are the ones the CLI uses.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import yaml

from bot import config
from bot.app.listeners import commands
from bot.cli import common
from bot.cli.main import parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def section(title: str) -> str:
    """The README's text from the heading `title` to the next heading of its level or above."""
    match = re.search(rf"^(#+) {re.escape(title)}\n", README, re.M)
    assert match, f"README has no section {title!r}"
    level = len(match.group(1))
    rest = README[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


def first_cells(text: str) -> list[str]:
    """The first cell of every body row of the markdown tables in `text`."""
    rows = re.findall(r"^\| *`([^`]+)` *\|", text, re.M)
    return [r.replace("\\|", "|") for r in rows]


# ---------------------------------------------------------------- the command line


def cli_commands() -> dict[str, set[str]]:
    """'digest' -> {'--channel', ...}, 'db upgrade' -> set(), ... from the real parser."""
    found: dict[str, set[str]] = {}

    def walk(p: argparse.ArgumentParser, prefix: str) -> None:
        subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs or not subs[0].required:  # a command of its own (`feeds`, `feeds poll`)
            found[prefix] = {
                o for a in p._actions for o in a.option_strings if o.startswith("--")
            } - {"--help"}
        if not subs:
            return
        for name, child in subs[0].choices.items():
            walk(child, f"{prefix} {name}".strip())

    walk(parser(), "")
    return found


def readme_commands() -> dict[str, set[str]]:
    rows = [c for c in first_cells(section("Command line")) if c.startswith("newsdesk ")]
    out: dict[str, set[str]] = {}
    for row in rows:
        words = row.removeprefix("newsdesk ").split()
        name = " ".join(w for w in words if re.fullmatch(r"[a-z]+", w))
        out[name] = set(re.findall(r"--[a-z][a-z-]*", row))
    return out


def test_the_command_table_lists_every_command_and_option() -> None:
    assert readme_commands() == cli_commands()


def test_the_global_options_are_documented() -> None:
    text = section("Command line")
    for option in ("--config", "-v"):
        assert f"`{option}" in text


def test_exit_statuses_are_the_ones_stated() -> None:
    stated = re.search(
        r"Exit status: (\d) for success, (\d) for [^,]+, (\d) for a configuration or usage",
        " ".join(section("Command line").split()),
    )
    assert stated, "the README states the exit statuses"
    codes = tuple(int(g) for g in stated.groups())
    assert codes == (common.EXIT_OK, common.EXIT_FAILED, common.EXIT_USAGE)


def test_the_cli_uses_named_exit_statuses() -> None:
    for path in (ROOT / "bot" / "cli").glob("*.py"):
        text = path.read_text("utf-8")
        assert not re.search(r"(return|SystemExit\()\s*[0-9]", text), path.name


# ---------------------------------------------------------------- /newsdesk


def test_the_slack_table_lists_every_subcommand() -> None:
    rows = [c for c in first_cells(section("In Slack")) if c.startswith("/newsdesk ")]
    documented = {row.split()[1] for row in rows}
    assert documented == set(commands.SUBCOMMANDS)


@pytest.mark.parametrize("name", sorted(set(commands.SUBCOMMANDS) - {"help"}))
def test_the_help_text_names_every_subcommand(name: str) -> None:
    assert f"`/newsdesk {name}" in commands.HELP


# ---------------------------------------------------------------- configuration


def readme_config() -> dict:
    blocks = re.findall(r"```yaml\n(.*?)```", section("Configuration"), re.S)
    assert blocks, "the configuration section has a YAML example"
    merged: dict = {}
    for block in blocks:
        merged.update(yaml.safe_load(block))
    return merged


def nested_keys(name: str) -> set[str]:
    """The keys bot.config accepts inside the top-level key `name` (REVIEW_KEYS, ...)."""
    for attr in (f"{name.upper()}_KEYS", f"{name.upper().removesuffix('S')}_KEYS"):
        if hasattr(config, attr):
            return set(getattr(config, attr))
    raise AssertionError(f"bot.config declares no key set for {name!r}")


def test_the_config_example_holds_exactly_the_known_keys() -> None:
    assert set(readme_config()) == set(config.TOP_KEYS)


def test_nested_config_keys_match() -> None:
    for name, value in readme_config().items():
        example = value[0] if isinstance(value, list) and value else value
        if isinstance(example, dict):
            assert set(example) == nested_keys(name), name


def test_the_documented_example_is_valid_configuration(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    text = "\n".join(re.findall(r"```yaml\n(.*?)```", section("Configuration"), re.S))
    (tmp_path / "newsdesk.yaml").write_text(text, "utf-8")
    settings = config.load_settings(str(tmp_path / "newsdesk.yaml"), env={})
    assert settings.content_dir == tmp_path / "articles"
