"""The Suggest shortcuts: "Suggest to Newsdesk" on a message, "Suggest an article" anywhere.

Both open one modal (URL, optional title and note); the message shortcut prefills the first
link of the message. A shortcut is acknowledged first and the modal opened right after, on
the executor, with the payload's trigger_id (valid for 3 seconds).

On submit, what can be answered at once is: a link that is not http(s) (an inline error),
and a link the library already has (the modal turns into where it is). Anything else needs
the page, which may take up to the fetcher's 5 seconds: the ack turns the modal into
"Reading…", and the outcome replaces it with views.update. Slack applies the ack's update
when our answer reaches it; a views.update sent before that would be overwritten by
"Reading…", so the outcome is never sent sooner than SETTLE_S after the ack.
"""

from __future__ import annotations

import logging
import time

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from bot.app.deps import Deps
from bot.app.followups import run_later
from bot.content.urls import canonical_url
from bot.publishing.suggestions import (
    NO_TITLE,
    TITLE_FIELD,
    Result,
    Suggestion,
    suggest,
    url_problem,
    whereabouts_text,
)
from bot.slack.blockkit.forms import (
    SUGGEST_CALLBACK_ID,
    TITLE_BLOCK,
    URL_BLOCK,
    Form,
    outcome_modal,
    read_form,
    reading_modal,
    suggest_modal,
    warned_url,
)
from bot.slack.client import error_code
from bot.slack.links import first_link

log = logging.getLogger(__name__)

MESSAGE_SHORTCUT = "newsdesk_suggest_message"
GLOBAL_SHORTCUT = "newsdesk_suggest"
SHORTCUTS = {MESSAGE_SHORTCUT: "message", GLOBAL_SHORTCUT: "global"}
SETTLE_S = 0.75  # time for Slack to apply the ack's "Reading…" before the outcome replaces it


def register(app: App, deps: Deps) -> None:
    """Listen to both shortcuts and to the modal's submission."""

    @app.shortcut(MESSAGE_SHORTCUT)
    def on_message_shortcut(ack: Ack, body: dict) -> None:
        ack()
        form = Form(url=first_link(body.get("message")))
        run_later(deps, open_form, deps, body.get("trigger_id", ""), form)

    @app.shortcut(GLOBAL_SHORTCUT)
    def on_global_shortcut(ack: Ack, body: dict) -> None:
        ack()
        run_later(deps, open_form, deps, body.get("trigger_id", ""), Form())

    @app.view(SUGGEST_CALLBACK_ID)
    def on_suggest_submitted(ack: Ack, body: dict) -> None:
        view = body.get("view") or {}
        form = read_form(view)
        errors = form_errors(form, warned_url(view))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        known = deps.store.find_link([canonical_url(form.url)])
        if known:
            text = whereabouts_text(known, deps.settings.timezone)
            ack(response_action="update", view=outcome_modal(text))
            return
        ack(response_action="update", view=reading_modal(form.url))
        user_id = (body.get("user") or {}).get("id", "")
        settled = time.monotonic() + SETTLE_S
        run_later(deps, finish, deps, view.get("id", ""), form, user_id, settled)


def form_errors(form: Form, warned: str) -> dict[str, str]:
    """block_id -> problem for Slack's inline errors; empty when the form can go on."""
    problem = url_problem(form.url)
    if problem:
        return {URL_BLOCK: problem}
    if warned and warned == form.url and not form.title:
        return {TITLE_BLOCK: NO_TITLE}  # the page was unreadable a moment ago
    return {}


def open_form(deps: Deps, trigger_id: str, form: Form) -> None:
    try:
        deps.client.views_open(trigger_id=trigger_id, view=suggest_modal(form))
    except SlackApiError as error:  # e.g. the trigger expired: the person can try again
        log.warning("suggest: views.open failed: %s", error_code(error))


def finish(deps: Deps, view_id: str, form: Form, user_id: str, settled: float) -> None:
    """After the ack: the whole flow, then (not before `settled`) the modal shows how it went."""
    suggestion = Suggestion(form.url, form.title, form.note, user_id)
    result = suggest(deps.settings, deps.store, deps.client, suggestion, deps.clock())
    time.sleep(max(settled - time.monotonic(), 0.0))
    try:
        deps.client.views_update(view_id=view_id, view=result_view(form, result))
    except SlackApiError as error:  # e.g. they closed the modal: the outcome stands
        log.info("suggest: views.update failed: %s", error_code(error))


def result_view(form: Form, result: Result) -> dict:
    """The form again with a warning where there is something to fix, else the outcome."""
    if result.field is None:
        return outcome_modal(result.text)
    field = TITLE_BLOCK if result.field == TITLE_FIELD else URL_BLOCK
    return suggest_modal(form, warning=result.text, warn_field=field)
