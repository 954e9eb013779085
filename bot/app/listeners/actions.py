"""Button clicks: Approve / Edit / Reject on review cards (channel or App Home), Share.

Every handler acks first and does the rest in `deps.executor`: the approver check may
list a user group, and Slack calls can be slow. Only approvers may decide; anyone else
gets an ephemeral refusal (a Home click: a refreshed Home tab with the refusal on top)
and nothing changes. The store records one decision per item, so of two simultaneous
clicks exactly one wins: it updates the review message in place; the other clicker is
told who decided first. The decision is stored before any Slack call is attempted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot.app.deps import Deps
from bot.app.followups import already_text, notify, publish_home, run_later, show_decision
from bot.app.listeners.views import edit_modal
from bot.content.article import APPROVED, REJECTED
from bot.publishing.sharing import share_article
from bot.slack import client as slack
from bot.slack.blockkit.cards import ACTION_SHARE
from bot.slack.blockkit.messages import ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT

log = logging.getLogger(__name__)

REFUSAL = "Sorry, only Newsdesk approvers can review articles. Nothing was changed."
GONE = "That article is no longer in the library."
EPHEMERAL = "ephemeral"


@dataclass(frozen=True, slots=True)
class Click:
    """What a block_actions payload says about one button click."""

    user_id: str
    item_id: str
    channel_id: str = ""  # empty for App Home clicks
    message_ts: str = ""
    trigger_id: str = ""
    from_home: bool = False

    @property
    def message(self) -> tuple[str, str] | None:
        return (self.channel_id, self.message_ts) if self.channel_id and self.message_ts else None


def register(app: App, deps: Deps) -> None:
    """Listen to the review and Share buttons (Read and Useful: `signals`)."""

    @app.action(ACTION_APPROVE)
    def on_approve(ack: Ack, body: dict) -> None:
        ack()
        run_later(deps, decide_click, deps, click_of(body), APPROVED)

    @app.action(ACTION_REJECT)
    def on_reject(ack: Ack, body: dict) -> None:
        ack()
        run_later(deps, decide_click, deps, click_of(body), REJECTED)

    @app.action(ACTION_EDIT)
    def on_edit(ack: Ack, body: dict) -> None:
        ack()
        run_later(deps, open_editor, deps, click_of(body))

    @app.action(ACTION_SHARE)
    def on_share(ack: Ack, body: dict, respond: Respond) -> None:
        ack()
        run_later(deps, share_click, deps, click_of(body), respond)


def click_of(body: dict[str, Any]) -> Click:
    """The clicker, the item (the button's value) and where the button was."""
    action = (body.get("actions") or [{}])[0]
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
    return Click(
        user_id=(body.get("user") or {}).get("id") or "",
        item_id=str(action.get("value") or ""),
        channel_id=channel,
        message_ts=container.get("message_ts") or (body.get("message") or {}).get("ts") or "",
        trigger_id=body.get("trigger_id") or "",
        from_home=(body.get("view") or {}).get("type") == "home",
    )


# --- after the ack ---------------------------------------------------------------------


def decide_click(deps: Deps, click: Click, verdict: str) -> None:
    """Approve or Reject: record the decision first, then show it (or who beat us to it)."""
    if not _may_review(deps, click):
        return
    try:
        # Bound to what the clicked card showed (a stale card's verdict is not in force).
        seen = deps.store.reviews.shown_in(*click.message) if click.message else None
        decision, made = deps.store.reviews.decide(
            click.item_id, verdict, click.user_id, deps.clock(), seen=seen
        )
    except KeyError:
        tell(deps, click, GONE)
        return
    if not made:
        tell(deps, click, already_text(decision, deps))
        return
    show_decision(deps, decision, click.message)
    if click.from_home:
        publish_home(deps, click.user_id)


def open_editor(deps: Deps, click: Click) -> None:
    """Edit: open the modal prefilled with the article, unless it was decided already."""
    if not _may_review(deps, click):
        return
    article = deps.store.article(click.item_id)
    if article is None:
        tell(deps, click, GONE)
        return
    decision = deps.store.reviews.decision(click.item_id)
    if decision is not None:
        tell(deps, click, already_text(decision, deps))
        return
    try:
        deps.client.views_open(trigger_id=click.trigger_id, view=edit_modal(article))
    except SlackApiError as error:  # e.g. the trigger expired: the user can click again
        log.warning("edit %s: views.open failed: %s", click.item_id, slack.error_code(error))


def share_click(deps: Deps, click: Click, respond: Respond | None) -> None:
    """Share: post the card in the channel the results were shown in; say how it went."""
    if not click.item_id or not click.channel_id:
        return
    text = share_article(deps, click.channel_id, click.user_id, click.item_id)
    if respond is not None:
        respond(text=text, response_type=EPHEMERAL, replace_original=False)
    else:
        tell(deps, click, text)


def tell(deps: Deps, click: Click, text: str) -> None:
    """An ephemeral note to the clicker; for a Home click, on top of their refreshed Home."""
    notify(deps, click.user_id, text, channel="" if click.from_home else click.channel_id)


def _may_review(deps: Deps, click: Click) -> bool:
    """Guard for every privileged click: refuse (ephemeral, nothing changes) non-approvers."""
    if not click.item_id:
        return False
    if deps.approvers.allows(click.user_id):
        return True
    log.info("refused review click by %s on %s", click.user_id, click.item_id)
    tell(deps, click, REFUSAL)
    return False
