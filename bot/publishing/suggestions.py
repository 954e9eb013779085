"""Suggestions (SPEC §8): a link someone offers from Slack becomes an item.

The flow: check the URL, tell where it is when the library already has it, read the page
with the bounded fetcher (never a private address unless `suggestions.allow_private`),
store the item, then send it to review (review mode) or leave it in the pool (auto mode).
Every path ends in a `Result`: what to tell the person, and which form field to point at
when they have something to fix.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from urllib.parse import urlsplit

from slack_sdk import WebClient

from bot.config import Settings
from bot.content.article import Article
from bot.content.fetch import FetchError, FetchLimits, GuardedClient, fetch
from bot.content.pages import PageMeta, read_page, suggestion_record
from bot.content.urls import canonical_url
from bot.publishing.review import run_review
from bot.slack.blockkit.mrkdwn import clean, escape_cut, slack_date
from bot.store.store import Store
from bot.store.suggestions import Whereabouts

log = logging.getLogger(__name__)

LIMITS = FetchLimits(timeout_s=5, max_bytes=2 * 1024 * 1024, max_redirects=3)
URL_FIELD, TITLE_FIELD = "url", "title"
URL_LENGTH_MAX = 2000
TITLE_SHOWN = 120
ERROR_MAX = 120  # how much of a failed post's reason the suggester is told

NO_URL = "Paste the link to the article."
NOT_WEB = "Only http:// and https:// links can be suggested."
TOO_LONG = f"That link is too long (more than {URL_LENGTH_MAX} characters)."
REFUSED = "Newsdesk does not read pages on private or internal addresses ({reason})."
UNREADABLE = "Newsdesk could not read that page ({reason}). Type a title to suggest it anyway."
NO_TITLE = "That page has no title Newsdesk can use. Type one to suggest it."
SENT = "Thanks! *{title}* is in the review queue in <#{channel}>."
SENT_LATER = (
    "Thanks! *{title}* is saved, but posting it for review failed (`{error}`); "
    "it waits for the next review round."
)
POOLED = "Thanks! *{title}* joins the pool of articles for the next digests."
PUBLISHED = "*{title}* is already in the library: it was published {where}."
PUBLISHED_IN = "on {date} in <#{channel}>"
PENDING = "*{title}* is already in the library, pending review in <#{channel}> (sent {date})."
APPROVED = "*{title}* is already in the library: approved on {date}, waiting for a digest."
REJECTED = "*{title}* is already in the library: an approver turned it down on {date}."
WAITING = "*{title}* is already in the library, waiting to be picked."


@dataclass(frozen=True, slots=True)
class Suggestion:
    url: str
    title: str  # typed; "" means: take the page's
    note: str
    user_id: str


@dataclass(frozen=True, slots=True)
class Result:
    text: str  # escaped mrkdwn for the person
    field: str | None = None  # URL_FIELD or TITLE_FIELD: show the form again, warning there
    item_id: str | None = None  # the new item, when one was added


def url_problem(url: str) -> str | None:
    """Why `url` cannot be suggested at all (a pure check, fast enough for the ack)."""
    if not url:
        return NO_URL
    if len(url) > URL_LENGTH_MAX:
        return TOO_LONG
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return NOT_WEB
    if parts.scheme.lower() not in ("http", "https") or not host or any(c.isspace() for c in url):
        return NOT_WEB
    return None


def suggest(
    settings: Settings, store: Store, client: WebClient, suggestion: Suggestion, now: datetime
) -> Result:
    """Take one suggestion through the whole flow; never raises for a bad link or page."""
    tz = settings.timezone
    problem = url_problem(suggestion.url)
    if problem:
        return Result(problem, URL_FIELD)
    known = store.find_link([canonical_url(suggestion.url)])
    if known:
        return Result(whereabouts_text(known, tz))
    page, failure = read(suggestion.url, allow_private=settings.suggestions.allow_private)
    if failure is not None and failure.refused:
        return Result(REFUSED.format(reason=_reason(failure.reason)), URL_FIELD)
    known = store.find_link([canonical_url(u) for u in _aliases(suggestion.url, page)])
    if known:
        return Result(whereabouts_text(known, tz))
    if not (suggestion.title or page.title):
        text = UNREADABLE.format(reason=_reason(failure.reason)) if failure else NO_TITLE
        return Result(text, TITLE_FIELD)
    return _add(settings, store, client, suggestion, page, now)


def read(url: str, *, allow_private: bool) -> tuple[PageMeta, FetchError | None]:
    """The page's metadata, or empty metadata and why it could not be read."""
    try:
        with GuardedClient(allow_private=allow_private) as http:
            fetched = fetch(http, url, LIMITS)
    except FetchError as error:
        log.info("suggestion %s: page not read: %s", url, error.reason)
        return PageMeta(), error
    if not fetched.ok:
        return PageMeta(), FetchError(f"the site answered HTTP {fetched.status}")
    page = read_page(fetched.body, fetched.url, fetched.content_type)
    if fetched.url != url:  # keep the final address, so its variants are known too
        page = replace(page, canonical=page.canonical or fetched.url)
    return page, None


def _aliases(url: str, page: PageMeta) -> list[str]:
    return [u for u in (page.canonical,) if u and canonical_url(u) != canonical_url(url)]


def _add(
    settings: Settings,
    store: Store,
    client: WebClient,
    suggestion: Suggestion,
    page: PageMeta,
    now: datetime,
) -> Result:
    record = suggestion_record(
        suggestion.url,
        page,
        typed_title=suggestion.title,
        note=suggestion.note,
        quality=settings.suggestion_quality(),
        suggested_by=suggestion.user_id,
    )
    article = record.article
    if not store.add_suggestion(record, now):  # the same link, suggested a moment earlier
        known = store.find_link([canonical_url(suggestion.url)])
        return Result(whereabouts_text(known, settings.timezone) if known else WAITING)
    log.info("suggestion %s by %s added: %s", article.id, suggestion.user_id, article.url)
    title = _title(article.title)
    if settings.review is None:
        return Result(POOLED.format(title=title), item_id=article.id)
    return _send_for_review(settings, store, client, article, now)


def _send_for_review(
    settings: Settings, store: Store, client: WebClient, article: Article, now: datetime
) -> Result:
    """Post the review card now, as a review run of its own (claimed like a round, so the
    two never post it twice); a failure leaves it for the next review round."""
    assert settings.review is not None
    channel, title = settings.review.channel, _title(article.title)
    outcome = run_review(settings, store, client, now, only=[article])
    if outcome.error is None and store.reviews.review_post(article.id) is not None:
        return Result(SENT.format(title=title, channel=channel), item_id=article.id)
    error = escape_cut(outcome.error or "another review post was under way", ERROR_MAX)
    log.warning("suggestion %s: not sent for review now: %s", article.id, error)
    return Result(SENT_LATER.format(title=title, error=error), item_id=article.id)


def whereabouts_text(where: Whereabouts, tz: tzinfo) -> str:
    """Where a known link is, for the person who suggested it again."""
    title = _title(where.title)
    if where.publications:
        places = [
            PUBLISHED_IN.format(date=slack_date(when, tz), channel=channel)
            for channel, when in where.publications[:3]
        ]
        return PUBLISHED.format(title=title, where=", ".join(places))
    decision = where.decision
    if decision is not None:
        text = APPROVED if decision.approved else REJECTED
        return text.format(title=title, date=slack_date(decision.decided_at, tz))
    if where.review is not None:
        channel, sent = where.review
        return PENDING.format(title=title, channel=channel, date=slack_date(sent, tz))
    return WAITING.format(title=title)


def _title(title: str) -> str:
    return escape_cut(clean(title), TITLE_SHOWN) or "That article"


def _reason(reason: str) -> str:
    return escape_cut(clean(reason), 200)
