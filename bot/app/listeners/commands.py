"""`/newsdesk` and its subcommands (SPEC §3): answers in the ack, slow work after it.

Store reads are fast, so their answers ride on the ack itself (one round trip, ephemeral).
Anything that calls Slack (sharing a card, see `bot.publishing.sharing`; posting a digest
or a review round; even the approver check, which may list a user group) runs in
`deps.executor` after the ack, and tells the user the outcome through the command's response_url.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.app.deps import Deps
from bot.config import DigestSettings, Settings
from bot.publishing import follows
from bot.publishing.charts import report_message
from bot.publishing.digest import run_digest
from bot.publishing.explain import explained_preview
from bot.publishing.review import run_review
from bot.publishing.sharing import ECHO_MAX, NO_ARTICLE, share_article
from bot.publishing.stats import DEFAULT_DAYS, MAX_DAYS, collect_stats
from bot.slack.blockkit.cards import Message
from bot.slack.blockkit.limits import MAX_BLOCKS
from bot.slack.blockkit.mrkdwn import clean, escape, escape_cut
from bot.slack.blockkit.packing import results_message
from bot.status import as_text, collect

log = logging.getLogger(__name__)

COMMAND = "/newsdesk"
COMMANDS = [COMMAND]
EPHEMERAL = "ephemeral"
NEXT_DEFAULT, NEXT_MAX = 5, 20
SEARCH_LIMIT = 10
TOPICS_SHOWN, TOPIC_MAX = 50, 60

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
USAGE_NEXT = "Usage: `/newsdesk next [n]`, where n is a number from 1 to 20."
USAGE_SEARCH = "Usage: `/newsdesk search words…`, for example `/newsdesk search chips`."
USAGE_SHARE = "Usage: `/newsdesk share ID`; `next` and `search` show the Share button too."
USAGE_STATS = "Usage: `/newsdesk stats [days]`, where days is a number from 1 to 365."
USAGE_DIGEST = "Usage: `/newsdesk digest` to preview it, `/newsdesk digest now` to post it."
NEXT_HEADING = "Next up"
SEARCH_HEADING = "Search: {words}"
DIGEST_HEADING = "Next digest (preview)"
DIGEST_WHERE = "Preview of the next digest for <#{channel}>; nothing was posted."
DIGEST_GLOBAL = "No digest is set up for this channel: this is what one here would show."
TOPICS_HEADING = "*Topics* (articles in the library):"
TOPIC_LINE = "• {name} ({count})"
MORE_TOPICS = "…and {count} more"
NO_TOPICS = "No topics yet: the library is empty."
REFUSED = "Sorry, only Newsdesk approvers (review.approvers) can do that. Nothing was changed."
NO_DIGESTS = "No digest is configured: add `digests` to the Newsdesk configuration."
NO_REVIEW = "Review is not set up: add a `review` section to the Newsdesk configuration."
WORKING_DIGEST = "Posting the digest now…"
WORKING_REVIEW = "Sending the next articles for review…"
FAILED = "Something went wrong; the details are in the Newsdesk logs."
STATUS = "```{text}```"

Tell = Callable[[str], None]
Job = Callable[[Tell], str]  # runs after the ack; returns the text for the user


@dataclass(frozen=True, slots=True)
class Request:
    user: str
    channel: str
    args: str  # what follows the subcommand


@dataclass(frozen=True, slots=True)
class Reply:
    message: Message | None = None  # the ephemeral answer carried by the ack
    job: Job | None = None  # slow work for the executor, after the ack


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
    request_parts = text.strip().split(maxsplit=1)
    name = request_parts[0].lower() if request_parts else "help"
    args = request_parts[1].strip() if len(request_parts) > 1 else ""
    request = Request(str(command.get("user_id", "")), str(command.get("channel_id", "")), args)
    handler = SUBCOMMANDS.get(name)
    if handler is None:
        return Reply(_text(UNKNOWN.format(text=escape_cut(clean(text), ECHO_MAX)) + HELP))
    try:
        return handler(deps, request)
    except Exception:
        log.exception("/newsdesk %s failed", name)
        return Reply(_text(FAILED))


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


# ---------------------------------------------------------------- subcommands


def _help(deps: Deps, req: Request) -> Reply:
    return Reply(_text(HELP))


def _next(deps: Deps, req: Request) -> Reply:
    if req.args and not req.args.isdecimal():
        return Reply(_text(USAGE_NEXT))
    size = min(max(int(req.args or NEXT_DEFAULT), 1), NEXT_MAX)
    now = deps.clock()
    # The same for everyone in the channel until the store changes: computed once.
    key = ("next", req.channel, size, now.replace(second=0, microsecond=0))
    return deps.answers.get(key, partial(_coming_up, deps, req.channel, size, now))


def _coming_up(deps: Deps, channel: str, size: int, now: datetime) -> Reply:
    """The top candidates, approved or not yet reviewed: what is coming up."""
    digest = replace(deps.settings.digest_for(channel), size=size)
    articles, why = explained_preview(deps.settings, deps.store, digest, now, approved_only=False)
    return Reply(results_message(articles, deps.settings.timezone, NEXT_HEADING, notes=why))


def _search(deps: Deps, req: Request) -> Reply:
    if not req.args:
        return Reply(_text(USAGE_SEARCH))
    articles = deps.store.search(req.args, SEARCH_LIMIT)
    heading = SEARCH_HEADING.format(words=clean(req.args))
    return Reply(results_message(articles, deps.settings.timezone, heading))


def _topics(deps: Deps, req: Request) -> Reply:
    return Reply(_text(topics_text(deps.store.topics())))


def _share(deps: Deps, req: Request) -> Reply:
    if not req.args:
        return Reply(_text(USAGE_SHARE))
    item_id = req.args.split()[0]
    if deps.store.article(item_id) is None:
        return Reply(_text(NO_ARTICLE.format(id=escape_cut(item_id, ECHO_MAX))))
    return Reply(job=lambda tell: share_article(deps, req.channel, req.user, item_id))


def _digest(deps: Deps, req: Request) -> Reply:
    if req.args.lower() == "now":
        return _digest_now(deps, req)
    if req.args:
        return Reply(_text(USAGE_DIGEST))
    digest = deps.settings.digest_for(req.channel)
    articles, why = explained_preview(deps.settings, deps.store, digest, deps.clock())
    message = results_message(articles, deps.settings.timezone, DIGEST_HEADING, notes=why)
    configured = any(d.channel == digest.channel for d in deps.settings.digests)
    note = DIGEST_WHERE.format(channel=digest.channel) if configured else DIGEST_GLOBAL
    return Reply(with_note(message, note))


def _digest_now(deps: Deps, req: Request) -> Reply:
    digests = digests_to_run(deps.settings, req.channel)
    if not digests:
        return Reply(_text(NO_DIGESTS))
    return Reply(job=partial(_digest_job, deps, req.user, digests))


def _review(deps: Deps, req: Request) -> Reply:
    if deps.settings.review is None:
        return Reply(_text(NO_REVIEW))
    return Reply(job=partial(_review_job, deps, req.user))


def _status(deps: Deps, req: Request) -> Reply:
    report = collect(deps.settings, deps.store, deps.clock(), for_cli=False)
    return Reply(_text(STATUS.format(text=escape(as_text(report)))))


def _stats(deps: Deps, req: Request) -> Reply:
    if req.args and not (req.args.isdecimal() and 1 <= int(req.args) <= MAX_DAYS):
        return Reply(_text(USAGE_STATS))
    report = collect_stats(deps.store, deps.clock(), int(req.args or DEFAULT_DAYS))
    return Reply(report_message(report))


def _follow(deps: Deps, req: Request) -> Reply:
    now = deps.clock()
    return Reply(_text(follows.follow(deps.settings, deps.store, req.user, req.args, now)))


def _unfollow(deps: Deps, req: Request) -> Reply:
    return Reply(_text(follows.unfollow(deps.store, req.user, req.args)))


def _following(deps: Deps, req: Request) -> Reply:
    now = deps.clock()
    return Reply(_text(follows.following(deps.settings, deps.store, req.user, now)))


SUBCOMMANDS: dict[str, Callable[[Deps, Request], Reply]] = {
    "help": _help,
    "next": _next,
    "search": _search,
    "topics": _topics,
    "share": _share,
    "digest": _digest,
    "review": _review,
    "status": _status,
    "stats": _stats,
    "follow": _follow,
    "unfollow": _unfollow,
    "following": _following,
}


# ---------------------------------------------------------------- background jobs


def _digest_job(deps: Deps, user: str, digests: list[DigestSettings], tell: Tell) -> str:
    if not deps.approvers.allows(user):
        return REFUSED
    tell(WORKING_DIGEST)
    s = deps.settings
    outcomes = [run_digest(s, deps.store, deps.client, d, deps.clock()) for d in digests]
    log.info("%s ran digest now: %s", user, "; ".join(map(str, outcomes)))
    return "\n".join(escape(str(o)) for o in outcomes)


def _review_job(deps: Deps, user: str, tell: Tell) -> str:
    if not deps.approvers.allows(user):
        return REFUSED
    tell(WORKING_REVIEW)
    outcome = run_review(deps.settings, deps.store, deps.client, deps.clock())
    log.info("%s ran review now: %s", user, outcome)
    return escape(str(outcome))


# ---------------------------------------------------------------- pure helpers


def digests_to_run(settings: Settings, channel: str) -> list[DigestSettings]:
    """`digest now` in a digest channel runs that digest; anywhere else, all of them."""
    here = [d for d in settings.digests if d.channel == channel]
    return here or list(settings.digests)


def topics_text(topics: list[tuple[str, int]]) -> str:
    """An escaped list of topics with their counts, cut to `TOPICS_SHOWN` lines."""
    if not topics:
        return NO_TOPICS
    lines = [TOPICS_HEADING]
    for name, count in topics[:TOPICS_SHOWN]:
        lines.append(TOPIC_LINE.format(name=escape_cut(clean(name), TOPIC_MAX), count=count))
    if len(topics) > TOPICS_SHOWN:
        lines.append(MORE_TOPICS.format(count=len(topics) - TOPICS_SHOWN))
    return "\n".join(lines)


def with_note(message: Message, note: str) -> Message:
    """The message with a context line under its header, room permitting."""
    blocks: list[dict[str, Any]] = list(message.get("blocks", []))
    if len(blocks) < MAX_BLOCKS:
        context = {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}
        blocks.insert(1, context)
    return {**message, "blocks": blocks}


def _text(text: str) -> Message:
    return {"text": text}
