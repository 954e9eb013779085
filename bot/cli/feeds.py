"""`newsdesk feeds` (each feed's state) and `newsdesk feeds poll [URL]` (poll now)."""

from __future__ import annotations

import argparse
import json

from bot.cli.common import EXIT_FAILED, EXIT_OK, fail, open_store
from bot.clock import utcnow
from bot.config import Settings
from bot.publishing.feeds import feed_client, poll_now
from bot.render import safe
from bot.status import feed_states

NO_FEEDS = "no feeds configured (add `feeds:` to the config file)"


def register(sub: argparse._SubParsersAction) -> None:
    feeds = sub.add_parser("feeds", help="the configured feeds and their state; poll them now")
    feeds.add_argument("--json", action="store_true", help="print JSON")
    feeds.set_defaults(handler=cmd_list, needs_settings=True)
    actions = feeds.add_subparsers(dest="feeds_command")
    poll = actions.add_parser("poll", help="poll every feed (or the one at URL) now")
    poll.add_argument("url", nargs="?", help="a feed's url, exactly as configured")
    poll.set_defaults(handler=cmd_poll, needs_settings=True)


def cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.feeds:
        print(NO_FEEDS)
        return EXIT_OK
    store = open_store(settings)
    try:
        states = feed_states(settings, store)
    finally:
        store.close()
    if args.json:
        print(json.dumps(states, indent=2, ensure_ascii=False))
        return EXIT_OK
    for i, state in enumerate(states):
        print(safe(_line(i, state)))  # feed errors quote outside text
    return EXIT_OK


def cmd_poll(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.feeds:
        return fail(NO_FEEDS)
    if args.url and args.url.strip() not in {f.url for f in settings.feeds}:
        return fail(f"{args.url}: not a configured feed (see `newsdesk feeds`)")
    store, client = open_store(settings), feed_client()
    try:
        outcomes = poll_now(settings, store, client, utcnow(), args.url and args.url.strip())
    finally:
        client.close()
        store.close()
    for outcome in outcomes:
        print(safe(str(outcome)))
    return EXIT_FAILED if any(o.result == "failed" for o in outcomes) else EXIT_OK


def _line(index: int, state: dict) -> str:
    head = f"feeds[{index}] {state['url']}: {state['items']} items"
    head += f", last success {state['last_success'] or 'never'}"
    if state.get("next_poll"):
        head += f", next poll {state['next_poll']}"
    notes = [f"  error ({state['failures']} in a row): {state['last_error']}"]
    notes = notes if state.get("last_error") else []
    if state.get("last_warning"):
        notes.append(f"  warning: {state['last_warning']}")
    return "\n".join([head, *notes])
