"""Block Kit for editors' review messages, image removal, and the builders' public face.

Pure: articles in, plain dicts out (no I/O, no clock). Cards are built in `cards`, and
packed into search results and digests in `packing`.
"""

from __future__ import annotations

import copy
import re
from datetime import tzinfo

from bot.content.article import Article, Decision
from bot.slack.blockkit.cards import (
    FALLBACK_MAX,
    Message,
    article_blocks,
    button,
    context_block,
    fallback_text,
    plain_text,
)
from bot.slack.blockkit.limits import CONFIRM_TEXT_MAX
from bot.slack.blockkit.mrkdwn import clean, escape_cut, slack_date, truncate

ACTION_APPROVE = "newsdesk_approve"
ACTION_EDIT = "newsdesk_edit"
ACTION_REJECT = "newsdesk_reject"

APPROVE_LABEL = "Approve"
EDIT_LABEL = "Edit"
REJECT_LABEL = "Reject"
REJECT_CONFIRM_TITLE = "Reject this article?"
REJECT_CONFIRM_TEXT = "“{title}” will not be published."
REJECT_CONFIRM_YES = "Reject"
REJECT_CONFIRM_NO = "Cancel"
REVIEW_FALLBACK = "For review: {card}"
APPROVED_LINE = "✅ Approved by {who} · {when}"
REJECTED_LINE = "🚫 Rejected by {who} · {when}"
APPROVED_FALLBACK = "Approved: {card}"
REJECTED_FALLBACK = "Rejected: {card}"
SUGGESTED_LINE = "💡 Suggested by {who}"
UNKNOWN_USER = "someone"
DECIDER_MAX = 40  # a decider that is not a user id shows as this much escaped text

# Slack user ids (U…, W… on Enterprise Grid); anything else is shown as escaped text.
_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")


def review_message(
    article: Article,
    tz: tzinfo,
    decision: Decision | None = None,
    *,
    images: bool = True,
) -> Message:
    """A card for approvers: with buttons while pending, with the verdict once decided."""
    if decision is None:
        blocks = article_blocks(article, tz, images=images, buttons=review_buttons(article))
        return {
            "text": _prefixed(REVIEW_FALLBACK, article),
            "blocks": _with_suggester(blocks, article),
        }
    shown = apply_edits(article, decision)
    blocks = [*article_blocks(shown, tz, images=images, actions=False), _verdict(decision, tz)]
    blocks = _with_suggester(blocks, article)
    text = APPROVED_FALLBACK if decision.approved else REJECTED_FALLBACK
    return {"text": _prefixed(text, shown), "blocks": blocks}


def apply_edits(article: Article, decision: Decision) -> Article:
    """The article as the editor left it: title and excerpt fixed through Edit, if any."""
    return article.edited(decision.title, decision.excerpt)


def review_buttons(article: Article) -> list[dict]:
    """Approve / Edit / Reject carrying the item id (also used by the App Home queue)."""
    room = CONFIRM_TEXT_MAX - len(REJECT_CONFIRM_TEXT.format(title=""))
    confirm = {
        "title": plain_text(REJECT_CONFIRM_TITLE),
        "text": plain_text(REJECT_CONFIRM_TEXT.format(title=truncate(clean(article.title), room))),
        "confirm": plain_text(REJECT_CONFIRM_YES),
        "deny": plain_text(REJECT_CONFIRM_NO),
        "style": "danger",
    }
    item_id = article.id
    return [
        button(APPROVE_LABEL, ACTION_APPROVE, value=item_id, style="primary"),
        button(EDIT_LABEL, ACTION_EDIT, value=item_id),
        button(REJECT_LABEL, ACTION_REJECT, value=item_id, style="danger", confirm=confirm),
    ]


def without_images(message: Message) -> Message:
    """A copy without image blocks, accessories or elements, for a failed image download."""
    result = copy.deepcopy(message)
    blocks = [_drop_images(b) for b in result.get("blocks", []) if b.get("type") != "image"]
    result["blocks"] = [block for block in blocks if block is not None]
    return result


# --- review parts ----------------------------------------------------------------------


def decided_by(user_id: str) -> str:
    """mrkdwn naming who decided: a mention (Slack renders the name), else escaped text."""
    # The id comes from Slack's interaction payload; anything unexpected shows as text.
    if _SLACK_USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return escape_cut(clean(user_id), DECIDER_MAX) or UNKNOWN_USER


def _with_suggester(blocks: list[dict], article: Article) -> list[dict]:
    """Under the title, who suggested the link (items from the Suggest shortcut)."""
    who = article.extra.get("suggested_by")
    if not isinstance(who, str) or not who:
        return blocks
    line = context_block(SUGGESTED_LINE.format(who=decided_by(who)))
    return [*blocks[:1], line, *blocks[1:]]


def _verdict(decision: Decision, tz: tzinfo) -> dict:
    line = APPROVED_LINE if decision.approved else REJECTED_LINE
    when = slack_date(decision.decided_at, tz, with_time=True)
    return context_block(line.format(who=decided_by(decision.user_id), when=when))


def _prefixed(template: str, article: Article) -> str:
    room = FALLBACK_MAX - len(template.format(card=""))
    return template.format(card=fallback_text(article, room))


# --- images ----------------------------------------------------------------------------


def _drop_images(block: dict) -> dict | None:
    if block.get("accessory", {}).get("type") == "image":
        del block["accessory"]
    if block.get("type") == "context":
        block["elements"] = [e for e in block.get("elements", []) if e.get("type") != "image"]
        return block if block["elements"] else None
    return block
