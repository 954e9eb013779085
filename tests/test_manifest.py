"""manifest.yaml: valid for Slack, and in step with the code (commands, events, scopes)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator
from slackdriver import SlackDriver

from bot.app.app import registered_commands, registered_events, registered_shortcuts

Driver = Callable[..., SlackDriver]
ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "manifest.yaml"
SCHEMA = ROOT / "tests" / "vendor" / "slack-manifest-schema" / "manifest.schema.1.0.0.json"

# Web API methods the code calls -> the bot scopes any one of which allows the call.
METHOD_SCOPES: dict[str, set[str]] = {
    "auth_test": set(),
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "conversations_history": {"channels:history", "groups:history", "im:history"},
    # App Home: is a publication's channel public? (channels:read answers for public
    # channels, groups:read for private ones; without it they would only fail, and hide)
    "conversations_info": {"channels:read", "groups:read"},
    "conversations_open": {"im:write"},
    "conversations_replies": {"channels:history", "groups:history"},
    "usergroups_users_list": {"usergroups:read"},
    "users_info": {"users:read"},
    "views_open": set(),
    "views_publish": set(),
    "views_update": set(),
}
# Scopes needed for something other than a Web API call.
NON_API_SCOPES = {
    "commands",  # the /newsdesk slash command and the shortcuts
    "reactions:read",  # reaction_added / reaction_removed events
}
_CALL = re.compile(r"\.(chat|conversations|usergroups|users|views|auth|reactions)_(\w+)\(")


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_manifest_is_valid_for_slack(manifest: dict) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(Draft7Validator(schema).iter_errors(manifest), key=str)
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_manifest_declares_the_app_spec_asks_for(manifest: dict) -> None:
    features, settings = manifest["features"], manifest["settings"]
    assert features["bot_user"]["display_name"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True  # personal digests (§9)
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    [command] = features["slash_commands"]
    assert command["usage_hint"] and command["description"]


def test_commands_and_events_match_the_listeners_both_ways(manifest: dict) -> None:
    declared = sorted(c["command"] for c in manifest["features"]["slash_commands"])
    assert declared == registered_commands()
    events = sorted(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert events == registered_events()


def test_shortcuts_match_the_listeners_both_ways(manifest: dict) -> None:
    shortcuts = manifest["features"]["shortcuts"]
    declared = sorted((s["callback_id"], s["type"]) for s in shortcuts)
    assert declared == registered_shortcuts()
    assert {s["type"] for s in shortcuts} == {"message", "global"}


def test_each_declared_shortcut_is_handled(driver: Driver, manifest: dict) -> None:
    slack = driver()
    for shortcut in manifest["features"]["shortcuts"]:
        message = {"text": "<https://example.org/a>"} if shortcut["type"] == "message" else None
        status, _ = slack.shortcut(shortcut["callback_id"], user="UREADER", message=message)
        assert status == 200, shortcut
    assert slack.shortcut("not_ours", user="UREADER")[0] == 404
    slack.wait_idle()
    assert len(slack.fake.opened_views()) == len(manifest["features"]["shortcuts"])


def test_scopes_are_exactly_what_the_code_needs(manifest: dict) -> None:
    granted = set(manifest["oauth_config"]["scopes"]["bot"])
    called = {f"{m.group(1)}_{m.group(2)}" for m in _called_methods()}
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add the scope of {unknown} to METHOD_SCOPES and manifest.yaml"
    needed = {method: METHOD_SCOPES[method] for method in called}
    missing = {m: s for m, s in needed.items() if s and not s & granted}
    assert not missing, f"manifest.yaml lacks a scope for {missing}"
    used = NON_API_SCOPES.union(*needed.values())
    assert granted - used == set(), "scopes nothing uses"


def _called_methods() -> list[re.Match]:
    sources = sorted((ROOT / "bot").rglob("*.py"))
    return [m for path in sources for m in _CALL.finditer(path.read_text(encoding="utf-8"))]


def test_each_declared_command_is_handled(driver: Driver, manifest: dict) -> None:
    slack = driver()
    for declared in manifest["features"]["slash_commands"]:
        fields = {**slack.command_fields("help"), "command": declared["command"]}
        status, body = slack.post_form(fields)
        assert status == 200, (declared["command"], body)
        assert isinstance(body, dict) and body.get("text")
    unknown = {**slack.command_fields("help"), "command": "/not-ours"}
    assert slack.post_form(unknown)[0] == 404  # so 200 above means "handled"


def test_each_declared_event_is_handled(driver: Driver, manifest: dict) -> None:
    slack = driver()
    for name in manifest["settings"]["event_subscriptions"]["bot_events"]:
        event = {"type": name, "user": "UREADER", "channel": "DHOME", "tab": "home"}
        assert slack.event(event) == 200, name
    assert slack.event({"type": "member_joined_channel", "user": "UREADER"}) == 404
    slack.wait_idle()
    assert slack.fake.home_view("UREADER") is not None  # app_home_opened published Home
