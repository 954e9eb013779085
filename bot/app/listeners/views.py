"""The Edit modal: build it, validate what the editor typed, approve with the edits.

Submitting approves the item with the edited title and excerpt, so the digest shows the
edited text. Only field problems (an empty or over-long field: pure, instant checks)
come back as `response_action: errors`, keeping the modal open. Anything else is decided
after the ack, which closes the modal at once: the approver check (it may list a user
group) and the decision run in `deps.executor`, then the review message changes in
place. A refusal, or a decision someone made first, reaches the submitter as an
ephemeral note in the review channel. Resubmitting the same edits is a quiet no-op.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App

from bot.app.deps import Deps
from bot.app.followups import already_text, notify, publish_home, run_later, show_decision
from bot.content.article import APPROVED, Article, Decision
from bot.slack.blockkit.cards import plain_text
from bot.slack.blockkit.limits import HEADER_MAX
from bot.slack.blockkit.mrkdwn import clean, truncate

log = logging.getLogger(__name__)

EDIT_CALLBACK_ID = "newsdesk_edit_modal"
TITLE_BLOCK = "newsdesk_edit_title"
TITLE_ACTION = "title"
EXCERPT_BLOCK = "newsdesk_edit_excerpt"
EXCERPT_ACTION = "excerpt"
EDIT_EXCERPT_MAX = 3000  # Slack caps a plain_text_input at 3000 characters

MODAL_TITLE = "Edit and approve"  # Slack allows 24 characters
MODAL_SUBMIT = "Approve"
MODAL_CLOSE = "Cancel"
TITLE_LABEL = "Title"
EXCERPT_LABEL = "Excerpt"
MODAL_HINT = "Saving approves the article with these changes; the digest shows them."
TITLE_REQUIRED = "Give the article a title."
TOO_LONG = "Keep this to {limit} characters (it has {count})."
NOT_ALLOWED = "Sorry, only Newsdesk approvers can approve articles. Your edits were not saved."
GONE = "That article is no longer in the library. Your edits were not saved."
EDITS_LOST = "{already} Your edits were not saved."


@dataclass(frozen=True, slots=True)
class Edits:
    title: str
    excerpt: str


def register(app: App, deps: Deps) -> None:
    """Listen to the Edit modal's submission."""

    @app.view(EDIT_CALLBACK_ID)
    def on_edit_submitted(ack: Ack, body: dict) -> None:
        view = body["view"]
        edits = read_edits(view)
        errors = validate(edits)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()  # closes the modal; the slow part follows
        user_id, item_id = body["user"]["id"], view.get("private_metadata", "")
        run_later(deps, approve_edits, deps, user_id, item_id, edits)


def edit_modal(article: Article) -> dict[str, Any]:
    """The modal, prefilled with the article's title and excerpt; metadata = item id."""
    title = _input(TITLE_BLOCK, TITLE_LABEL, TITLE_ACTION, clean(article.title), HEADER_MAX)
    excerpt = _input(
        EXCERPT_BLOCK, EXCERPT_LABEL, EXCERPT_ACTION, article.excerpt.strip(), EDIT_EXCERPT_MAX
    )
    excerpt["optional"] = True
    excerpt["element"]["multiline"] = True
    return {
        "type": "modal",
        "callback_id": EDIT_CALLBACK_ID,
        "private_metadata": article.id,
        "title": plain_text(MODAL_TITLE),
        "submit": plain_text(MODAL_SUBMIT),
        "close": plain_text(MODAL_CLOSE),
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
    elif len(edits.title) > HEADER_MAX:
        errors[TITLE_BLOCK] = TOO_LONG.format(limit=HEADER_MAX, count=len(edits.title))
    if len(edits.excerpt) > EDIT_EXCERPT_MAX:
        errors[EXCERPT_BLOCK] = TOO_LONG.format(limit=EDIT_EXCERPT_MAX, count=len(edits.excerpt))
    return errors


# --- the submission ----------------------------------------------------------------------


def approve_edits(deps: Deps, user_id: str, item_id: str, edits: Edits) -> None:
    """After the ack: approve with the edits, or tell the submitter why not."""
    if not deps.approvers.allows(user_id):
        log.info("refused edit submission by %s on %s", user_id, item_id)
        _tell(deps, user_id, NOT_ALLOWED)
        return
    try:
        decision, made = deps.store.reviews.decide(
            item_id, APPROVED, user_id, deps.clock(), title=edits.title, excerpt=edits.excerpt
        )
    except KeyError:
        _tell(deps, user_id, GONE)
        return
    if made:
        show_decision(deps, decision)
        publish_home(deps, user_id)  # the item leaves their queue if they look at Home
    elif not _resubmitted(decision, user_id, edits):
        _tell(deps, user_id, EDITS_LOST.format(already=already_text(decision, deps)))


def _resubmitted(decision: Decision, user_id: str, edits: Edits) -> bool:
    """The standing decision is this very submission (sent twice): nothing to say."""
    same = (decision.title, decision.excerpt) == (edits.title, edits.excerpt)
    return same and decision.approved and decision.user_id == user_id


def _tell(deps: Deps, user_id: str, text: str) -> None:
    review = deps.settings.review
    notify(deps, user_id, text, channel=review.channel if review else "")


# --- blocks ------------------------------------------------------------------------------


def _input(block_id: str, label: str, action_id: str, initial: str, limit: int) -> dict:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": action_id}
    element["max_length"] = limit
    if initial:  # prefilled text must fit max_length, or Slack refuses the view
        element["initial_value"] = truncate(initial, limit)
    return {"type": "input", "block_id": block_id, "label": plain_text(label), "element": element}


def _hint() -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": MODAL_HINT}]}
