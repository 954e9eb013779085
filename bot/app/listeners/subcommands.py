"""What each `/newsdesk` subcommand answers (SPEC §3), as plain functions returning a Reply.

Store reads are fast, so their answers ride on the ack itself (one round trip, ephemeral).
Anything that calls Slack (sharing a card, see `bot.publishing.sharing`; posting a digest
or a review round; even the approver check, which may list a user group) is returned as
a `Job` for `bot.app.listeners.commands` to run after the ack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

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

NEXT_DEFAULT, NEXT_MAX = 5, 20
SEARCH_LIMIT = 10
TOPICS_SHOWN, TOPIC_MAX = 50, 60

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


def said(text: str) -> Reply:
    """A reply that is just text."""
    return Reply({"text": text})


# ---------------------------------------------------------------- library questions


def next_up(deps: Deps, req: Request) -> Reply:
    if req.args and not req.args.isdecimal():
        return said(USAGE_NEXT)
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


def search(deps: Deps, req: Request) -> Reply:
    if not req.args:
        return said(USAGE_SEARCH)
    articles = deps.store.search(req.args, SEARCH_LIMIT)
    heading = SEARCH_HEADING.format(words=clean(req.args))
    return Reply(results_message(articles, deps.settings.timezone, heading))


def topics(deps: Deps, req: Request) -> Reply:
    return said(topics_text(deps.store.topics()))


def digest(deps: Deps, req: Request) -> Reply:
    """A preview of the channel's next digest; `digest now` posts it (approvers)."""
    if req.args.lower() == "now":
        return digest_now(deps, req)
    if req.args:
        return said(USAGE_DIGEST)
    chosen = deps.settings.digest_for(req.channel)
    articles, why = explained_preview(deps.settings, deps.store, chosen, deps.clock())
    message = results_message(articles, deps.settings.timezone, DIGEST_HEADING, notes=why)
    configured = any(d.channel == chosen.channel for d in deps.settings.digests)
    note = DIGEST_WHERE.format(channel=chosen.channel) if configured else DIGEST_GLOBAL
    return Reply(with_note(message, note))


def status(deps: Deps, req: Request) -> Reply:
    report = collect(deps.settings, deps.store, deps.clock(), for_cli=False)
    return said(STATUS.format(text=escape(as_text(report))))


def stats(deps: Deps, req: Request) -> Reply:
    if req.args and not (req.args.isdecimal() and 1 <= int(req.args) <= MAX_DAYS):
        return said(USAGE_STATS)
    report = collect_stats(deps.store, deps.clock(), int(req.args or DEFAULT_DAYS))
    return Reply(report_message(report))


def follow(deps: Deps, req: Request) -> Reply:
    now = deps.clock()
    return said(follows.follow(deps.settings, deps.store, req.user, req.args, now))


def unfollow(deps: Deps, req: Request) -> Reply:
    return said(follows.unfollow(deps.store, req.user, req.args))


def following(deps: Deps, req: Request) -> Reply:
    now = deps.clock()
    return said(follows.following(deps.settings, deps.store, req.user, now))


# ---------------------------------------------------------------- work done after the ack


def share(deps: Deps, req: Request) -> Reply:
    if not req.args:
        return said(USAGE_SHARE)
    item_id = req.args.split()[0]
    if deps.store.article(item_id) is None:
        return said(NO_ARTICLE.format(id=escape_cut(item_id, ECHO_MAX)))
    return Reply(job=lambda tell: share_article(deps, req.channel, req.user, item_id))


def digest_now(deps: Deps, req: Request) -> Reply:
    digests = digests_to_run(deps.settings, req.channel)
    if not digests:
        return said(NO_DIGESTS)
    return Reply(job=partial(_digest_job, deps, req.user, digests))


def review(deps: Deps, req: Request) -> Reply:
    if deps.settings.review is None:
        return said(NO_REVIEW)
    return Reply(job=partial(_review_job, deps, req.user))


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


def topics_text(counted: list[tuple[str, int]]) -> str:
    """An escaped list of topics with their counts, cut to `TOPICS_SHOWN` lines."""
    if not counted:
        return NO_TOPICS
    lines = [TOPICS_HEADING]
    for name, count in counted[:TOPICS_SHOWN]:
        lines.append(TOPIC_LINE.format(name=escape_cut(clean(name), TOPIC_MAX), count=count))
    if len(counted) > TOPICS_SHOWN:
        lines.append(MORE_TOPICS.format(count=len(counted) - TOPICS_SHOWN))
    return "\n".join(lines)


def with_note(message: Message, note: str) -> Message:
    """The message with a context line under its header, room permitting."""
    blocks: list[dict[str, Any]] = list(message.get("blocks", []))
    if len(blocks) < MAX_BLOCKS:
        context = {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}
        blocks.insert(1, context)
    return {**message, "blocks": blocks}
