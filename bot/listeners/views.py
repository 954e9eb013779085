"""The Edit modal: build it, validate what the editor typed, approve with the edits.

Submitting approves the item with the edited title and excerpt, so the digest shows the
edited text. Problems come back as `response_action: errors` on the offending input and
the modal stays open: the submitter is not an approver, a field is empty or too long, or
someone decided first. Only then does the ack close the modal and the review message
change in place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from bot.article import APPROVED, Article, Decision
from bot.deps import Deps
from bot.listeners.events import publish_home, run_later, show_decision
from bot.mrkdwn import clean, readable_time, truncate

log = logging.getLogger(__name__)

EDIT_CALLBACK_ID = "newsdesk_edit_modal"
TITLE_BLOCK = "newsdesk_edit_title"
TITLE_ACTION = "title"
EXCERPT_BLOCK = "newsdesk_edit_excerpt"
EXCERPT_ACTION = "excerpt"
TITLE_MAX = 150  # Slack's header limit: the card shows the title as a header
EXCERPT_MAX = 3000

MODAL_TITLE = "Edit and approve"  # Slack allows 24 characters
MODAL_SUBMIT = "Approve"
MODAL_CLOSE = "Cancel"
TITLE_LABEL = "Title"
EXCERPT_LABEL = "Excerpt"
MODAL_HINT = "Saving approves the article with these changes; the digest shows them."
TITLE_REQUIRED = "Give the article a title."
TOO_LONG = "Keep this to {limit} characters (it has {count})."
NOT_ALLOWED = "Only Newsdesk approvers can approve articles."
GONE = "This article is no longer available."
ALREADY_DECIDED = "Already {verdict} by {who} at {when}."
YOU = "you"


@dataclass(frozen=True, slots=True)
class Edits:
    title: str
    excerpt: str


def register(app: App, deps: Deps) -> None:
    """Listen to the Edit modal's submission."""

    @app.view(EDIT_CALLBACK_ID)
    def on_edit_submitted(ack: Ack, body: dict) -> None:
        user_id, view = body["user"]["id"], body["view"]
        item_id = view.get("private_metadata", "")
        errors, decision = _approve(deps, user_id, item_id, read_edits(view))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()  # closes the modal
        run_later(deps, _after_approval, deps, decision, user_id)


def edit_modal(article: Article) -> dict[str, Any]:
    """The modal, prefilled with the article's title and excerpt; metadata = item id."""
    title = _input(TITLE_BLOCK, TITLE_LABEL, TITLE_ACTION, clean(article.title), TITLE_MAX)
    excerpt = _input(
        EXCERPT_BLOCK, EXCERPT_LABEL, EXCERPT_ACTION, article.excerpt.strip(), EXCERPT_MAX
    )
    excerpt["optional"] = True
    excerpt["element"]["multiline"] = True
    return {
        "type": "modal",
        "callback_id": EDIT_CALLBACK_ID,
        "private_metadata": article.id,
        "title": _plain(MODAL_TITLE),
        "submit": _plain(MODAL_SUBMIT),
        "close": _plain(MODAL_CLOSE),
        "blocks": [title, excerpt, _hint()],
    }


def read_edits(view: dict) -> Edits:
    """The typed title (whitespace folded) and excerpt (trimmed) from a submitted view."""
    values = (view.get("state") or {}).get("values") or {}

    def value(block: str, action: str) -> str:
        return ((values.get(block) or {}).get(action) or {}).get("value") or ""

    return Edits(
        clean(value(TITLE_BLOCK, TITLE_ACTION)), value(EXCERPT_BLOCK, EXCERPT_ACTION).strip()
    )


def validate(edits: Edits) -> dict[str, str]:
    """block_id -> problem, for Slack to show under each input; empty means fine."""
    errors = {}
    if not edits.title:
        errors[TITLE_BLOCK] = TITLE_REQUIRED
    elif len(edits.title) > TITLE_MAX:
        errors[TITLE_BLOCK] = TOO_LONG.format(limit=TITLE_MAX, count=len(edits.title))
    if len(edits.excerpt) > EXCERPT_MAX:
        errors[EXCERPT_BLOCK] = TOO_LONG.format(limit=EXCERPT_MAX, count=len(edits.excerpt))
    return errors


def decided_text(decision: Decision, who: str, tz: Any) -> str:
    """Plain text naming who decided and when (modal errors do not render mrkdwn)."""
    when = readable_time(decision.decided_at, tz)
    return ALREADY_DECIDED.format(verdict=decision.decision, who=who, when=when)


# --- the submission ----------------------------------------------------------------------


def _approve(
    deps: Deps, user_id: str, item_id: str, edits: Edits
) -> tuple[dict[str, str], Decision | None]:
    """(errors, None) when the submission is refused, else ({}, the new decision)."""
    if not deps.approvers.allows(user_id):
        return {TITLE_BLOCK: NOT_ALLOWED}, None
    errors = validate(edits)
    return (errors, None) if errors else _record(deps, user_id, item_id, edits)


def _record(
    deps: Deps, user_id: str, item_id: str, edits: Edits
) -> tuple[dict[str, str], Decision | None]:
    """Approve with the edits, unless a decision stands: then name who made it."""
    try:
        decision, made = deps.store.decide(
            item_id, APPROVED, user_id, deps.clock(), title=edits.title, excerpt=edits.excerpt
        )
    except KeyError:
        return {TITLE_BLOCK: GONE}, None
    if made:
        return {}, decision
    who = YOU if decision.user_id == user_id else _name(deps, decision.user_id)
    return {TITLE_BLOCK: decided_text(decision, who, deps.settings.timezone)}, None


def _after_approval(deps: Deps, decision: Decision, user_id: str) -> None:
    show_decision(deps, decision)
    publish_home(deps, user_id)  # the item leaves their queue if they look at Home


def _name(deps: Deps, user_id: str) -> str:
    """A readable name for a user id, falling back to the id itself."""
    try:
        user = deps.client.users_info(user=user_id)["user"]
    except (SlackApiError, KeyError, TypeError) as error:
        log.info("users.info %s failed: %s", user_id, type(error).__name__)
        return user_id
    profile = user.get("profile") or {}
    return profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id


# --- blocks ------------------------------------------------------------------------------


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _input(block_id: str, label: str, action_id: str, initial: str, limit: int) -> dict:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": action_id}
    element["max_length"] = limit
    if initial:  # prefilled text must fit max_length, or Slack refuses the view
        element["initial_value"] = truncate(initial, limit)
    return {"type": "input", "block_id": block_id, "label": _plain(label), "element": element}


def _hint() -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": MODAL_HINT}]}
