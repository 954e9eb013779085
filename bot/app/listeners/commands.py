"""`/newsdesk` (SPEC §3): parse the subcommand, ack with its answer, run slow work after.

Each subcommand's answer is a plain function in `bot.app.listeners.subcommands`. Its
message rides on the ack (one round trip, ephemeral); its job, if any (anything that calls
Slack), runs in `deps.executor` after the ack and tells the user the outcome through the
command's response_url.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App, Respond

from bot.app.deps import Deps
from bot.app.listeners import subcommands as answer
from bot.app.listeners.subcommands import Job, Reply, Request, said
from bot.publishing.sharing import ECHO_MAX
from bot.slack.blockkit.mrkdwn import clean, escape_cut

log = logging.getLogger(__name__)

COMMAND = "/newsdesk"
COMMANDS = [COMMAND]
EPHEMERAL = "ephemeral"

HELP = "\n".join(
    [
        "*Newsdesk* shares curated articles. Try:",
        "• `/newsdesk next [n]` the next articles in line (default 5, at most 20)",
        "• `/newsdesk search words…` articles that mention every word",
        "• `/newsdesk topics` topics and how many articles each has",
        "• `/newsdesk share ID` post an article in this channel",
        "• `/newsdesk digest` preview the next digest for this channel",
        "• `/newsdesk digest now` post the digest now (approvers)",
        "• `/newsdesk review` send the next articles for review now (approvers)",
        "• `/newsdesk status` counts, bad files, last and next runs",
        "• `/newsdesk stats [days]` what readers read and found useful (default 7 days)",
        "• `/newsdesk follow TOPIC` a personal digest of that topic by direct message",
        "• `/newsdesk unfollow TOPIC` stop following a topic",
        "• `/newsdesk following` the topics you follow",
    ]
)
UNKNOWN = "I don't know `{text}`.\n"
FAILED = "Something went wrong; the details are in the Newsdesk logs."


def _help(deps: Deps, req: Request) -> Reply:
    return said(HELP)


SUBCOMMANDS: dict[str, Callable[[Deps, Request], Reply]] = {
    "help": _help,
    "next": answer.next_up,
    "search": answer.search,
    "topics": answer.topics,
    "share": answer.share,
    "digest": answer.digest,
    "review": answer.review,
    "status": answer.status,
    "stats": answer.stats,
    "follow": answer.follow,
    "unfollow": answer.unfollow,
    "following": answer.following,
}


def register(app: App, deps: Deps) -> None:
    """Answer `/newsdesk`."""

    def on_newsdesk(ack: Ack, command: dict, respond: Respond) -> None:
        handle_command(deps, ack, command, respond)

    app.command(COMMAND)(on_newsdesk)


def handle_command(deps: Deps, ack: Ack, command: dict, respond: Respond) -> None:
    """Ack with the answer (ephemeral), then hand any slow job to the executor."""
    reply = safe_answer(deps, command)
    if reply.message is None:
        ack()
    else:
        ack(response_type=EPHEMERAL, **reply.message)
    if reply.job is None:
        return
    try:
        deps.executor.submit(_run_job, reply.job, respond)
    except RuntimeError:  # the executor is shutting down (stopping): finish it here
        _run_job(reply.job, respond)


def safe_answer(deps: Deps, command: dict) -> Reply:
    """The reply to one command; an unexpected failure becomes a polite message."""
    text = str(command.get("text") or "")
    name, request = parse(command, text)
    handler = SUBCOMMANDS.get(name)
    if handler is None:
        return said(UNKNOWN.format(text=escape_cut(clean(text), ECHO_MAX)) + HELP)
    try:
        return handler(deps, request)
    except Exception:
        log.exception("/newsdesk %s failed", name)
        return said(FAILED)


def parse(command: dict, text: str) -> tuple[str, Request]:
    """The subcommand's name (lower case; `help` when empty) and what it was asked."""
    parts = text.strip().split(maxsplit=1)
    name = parts[0].lower() if parts else "help"
    args = parts[1].strip() if len(parts) > 1 else ""
    return name, Request(str(command.get("user_id", "")), str(command.get("channel_id", "")), args)


def _run_job(job: Job, respond: Respond) -> None:
    def tell(text: str) -> None:
        try:
            respond(text=text, response_type=EPHEMERAL, replace_original=False)
        except Exception as exc:  # response_url expired or unreachable: the work goes on
            log.warning("could not answer through response_url: %s", type(exc).__name__)

    try:
        text = job(tell)
    except Exception:
        log.exception("/newsdesk background work failed")
        text = FAILED
    tell(text)
