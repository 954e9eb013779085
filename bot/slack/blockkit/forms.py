"""The Suggest modal: the form, the "reading the page" view, and the outcome view.

Pure: values in, view dicts out. The form is shown again, with what the person typed and a
warning under the field, when the page turned out unreadable after the modal was submitted
(too late for Slack's inline errors, which must come with the 3-second ack).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.slack.blockkit.cards import context_block, plain_text, section_block
from bot.slack.blockkit.limits import HEADER_MAX, URL_MAX
from bot.slack.blockkit.mrkdwn import escape_cut, truncate

SUGGEST_CALLBACK_ID = "newsdesk_suggest_modal"
URL_BLOCK, URL_ACTION = "newsdesk_suggest_url", "url"
TITLE_BLOCK, TITLE_ACTION = "newsdesk_suggest_title", "title"
NOTE_BLOCK, NOTE_ACTION = "newsdesk_suggest_note", "note"
WARNING_BLOCK = "newsdesk_suggest_warning"
NOTE_MAX = 1000
METADATA_URL_MAX = 2900  # private_metadata holds 3000 characters

MODAL_TITLE = "Suggest to Newsdesk"  # Slack allows 24 characters
SUBMIT = "Suggest"
CLOSE = "Cancel"
DONE = "Close"
URL_LABEL = "Link"
TITLE_LABEL = "Title (optional)"
NOTE_LABEL = "Note for readers (optional)"
URL_PLACEHOLDER = "https://…"
TITLE_PLACEHOLDER = "Taken from the page when left empty"
HINT = "Newsdesk reads the page's title, summary and image. The note becomes the editor's note."
READING = "Reading {url} …"
WARNING_LINE = ":warning: {text}"


@dataclass(frozen=True, slots=True)
class Form:
    """What the person typed (or what we prefilled)."""

    url: str = ""
    title: str = ""
    note: str = ""


def suggest_modal(form: Form, *, warning: str = "", warn_field: str = URL_BLOCK) -> dict:
    """The form; `warning` (already escaped mrkdwn) shows under the `warn_field` input."""
    prefill = form.url if len(form.url) <= URL_MAX else ""  # a cut URL would be wrong
    url = _input(URL_BLOCK, URL_LABEL, URL_ACTION, prefill, URL_MAX, URL_PLACEHOLDER)
    title = _input(TITLE_BLOCK, TITLE_LABEL, TITLE_ACTION, form.title, HEADER_MAX)
    title["element"]["placeholder"] = plain_text(TITLE_PLACEHOLDER)
    note = _input(NOTE_BLOCK, NOTE_LABEL, NOTE_ACTION, form.note, NOTE_MAX)
    note["element"]["multiline"] = True
    title["optional"] = note["optional"] = True
    blocks = [url, title, note]
    if warning:
        at = next(i for i, b in enumerate(blocks) if b["block_id"] == warn_field) + 1
        block = context_block(WARNING_LINE.format(text=warning))
        blocks.insert(at, {**block, "block_id": WARNING_BLOCK})
    blocks.append(context_block(HINT))
    return _modal(blocks, submit=True, metadata=_metadata(form, warning, warn_field))


def reading_modal(url: str) -> dict:
    """Shown while the page is read (a few seconds at most)."""
    text = READING.format(url=escape_cut(url, 200))
    return _modal([section_block(text)], submit=False)


def outcome_modal(text: str) -> dict:
    """The end of the flow: what happened, in already escaped mrkdwn."""
    return _modal([section_block(text)], submit=False)


def read_form(view: dict) -> Form:
    """The typed values of a submitted form (URL and title trimmed, note as typed)."""
    values = _at(_at(view, "state"), "values")

    def value(block: str, action: str) -> str:
        found = _at(_at(values, block), action).get("value")
        return found if isinstance(found, str) else ""

    return Form(
        url=value(URL_BLOCK, URL_ACTION).strip(),
        title=" ".join(value(TITLE_BLOCK, TITLE_ACTION).split()),
        note=value(NOTE_BLOCK, NOTE_ACTION).strip(),
    )


def warned_url(view: dict) -> str:
    """The URL the form was shown again for, with the warning that its page was unreadable."""
    raw = view.get("private_metadata") if isinstance(view, dict) else None
    try:
        meta = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return ""
    return str(meta.get("unreadable", "")) if isinstance(meta, dict) else ""


# --- pieces ------------------------------------------------------------------------------


def _at(node: Any, key: str) -> dict:
    """node[key] when both are mappings, else {}: a payload's shape is never trusted."""
    found = node.get(key) if isinstance(node, dict) else None
    return found if isinstance(found, dict) else {}


def _modal(blocks: list[Any], *, submit: bool, metadata: str = "") -> dict:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": SUGGEST_CALLBACK_ID,
        "title": plain_text(MODAL_TITLE),
        "close": plain_text(CLOSE if submit else DONE),
        "blocks": [b for b in blocks if b],
        "private_metadata": metadata,
    }
    if submit:
        view["submit"] = plain_text(SUBMIT)
    return view


def _metadata(form: Form, warning: str, field: str) -> str:
    # Remembered so that submitting the same unreadable link again, still without a title,
    # gets Slack's inline error at once instead of a second slow read.
    if not warning or field != TITLE_BLOCK or len(form.url) > METADATA_URL_MAX:
        return ""
    return json.dumps({"unreadable": form.url})


def _input(
    block_id: str, label: str, action_id: str, initial: str, limit: int, placeholder: str = ""
) -> dict:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": action_id}
    element["max_length"] = limit
    if initial:  # prefilled text must fit max_length, or Slack refuses the view
        element["initial_value"] = truncate(initial, limit)
    if placeholder:
        element["placeholder"] = plain_text(placeholder)
    return {"type": "input", "block_id": block_id, "label": plain_text(label), "element": element}
