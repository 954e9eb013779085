"""Following topics (SPEC §9): `/newsdesk follow|unfollow|following` and the Home toggles.

Plain functions over the store that return what to tell the person (escaped mrkdwn); the
listeners only ack with it. A topic is matched case-insensitively against the library's
topics; an unknown one gets the closest names as suggestions.
"""

from __future__ import annotations

import difflib
from datetime import datetime

from bot.config import Settings
from bot.content.ranking import fold_topic
from bot.cron import cron_trigger
from bot.slack.blockkit.mrkdwn import clean, escape_cut, slack_date
from bot.store.store import Store

MAX_FOLLOWS = 50  # topics per person: a personal digest of everything is a channel digest
SUGGESTIONS = 3
SUGGEST_CUTOFF = 0.6
NAME_MAX = 60
HOME_TOPICS = 12  # topics offered as toggles in App Home (the followed ones come first)

USAGE_FOLLOW = "Usage: `/newsdesk follow TOPIC`; `/newsdesk topics` lists the topics."
USAGE_UNFOLLOW = "Usage: `/newsdesk unfollow TOPIC`; `/newsdesk following` lists yours."
FOLLOWED = "You now follow *{topic}*. Your personal digest comes by direct message, next {when}."
ALREADY = "You already follow *{topic}*."
TOO_MANY = "You follow {count} topics already, the most there can be: unfollow one first."
NO_SUCH = "There is no topic “{text}” in the library."
DID_YOU_MEAN = " Did you mean {names}?"
SEE_TOPICS = " `/newsdesk topics` lists the topics."
UNFOLLOWED = "You no longer follow *{topic}*."
NOT_FOLLOWED = "You don't follow “{text}”."
FOLLOWING = "You follow {names}. Your personal digest comes by direct message, next {when}."
FOLLOWING_NONE = (
    "You follow no topics yet. `/newsdesk follow TOPIC` sends you the best new articles "
    "on it by direct message; `/newsdesk topics` lists the topics."
)


def follow(settings: Settings, store: Store, user: str, text: str, now: datetime) -> str:
    """Follow the library topic named by `text`; what to tell the person."""
    wanted = _topic_text(text)
    if not wanted:
        return USAGE_FOLLOW
    names = [name for name, _ in store.topics()]
    topic = match(wanted, names)
    if topic is None:
        return NO_SUCH.format(text=_shown(wanted)) + _suggest(wanted, names)
    follows = store.follows
    mine = follows.following(user)
    if topic_in(topic, mine):
        return ALREADY.format(topic=_shown(topic))
    if len(mine) >= MAX_FOLLOWS:
        return TOO_MANY.format(count=len(mine))
    follows.follow(user, topic, now)
    return FOLLOWED.format(topic=_shown(topic), when=next_personal(settings, now))


def unfollow(store: Store, user: str, text: str) -> str:
    """Stop following the topic named by `text` (any spelling); what to tell the person."""
    wanted = _topic_text(text)
    if not wanted:
        return USAGE_UNFOLLOW
    follows = store.follows
    mine = follows.following(user)
    topic = match(wanted, mine)
    if topic is None:
        return NOT_FOLLOWED.format(text=_shown(wanted)) + _suggest(wanted, mine)
    follows.unfollow(user, topic)
    return UNFOLLOWED.format(topic=_shown(topic))


def following(settings: Settings, store: Store, user: str, now: datetime) -> str:
    """The topics `user` follows and when their next personal digest is due."""
    mine = store.follows.following(user)
    if not mine:
        return FOLLOWING_NONE
    names = ", ".join(f"*{_shown(t)}*" for t in mine)
    return FOLLOWING.format(names=names, when=next_personal(settings, now))


def home_topics(store: Store, user: str) -> list[tuple[str, bool]]:
    """(topic, followed) toggles for App Home: the person's topics, then the library's top."""
    mine = store.follows.following(user)
    toggles = [(t, True) for t in mine]
    for name, _count in store.topics():
        if len(toggles) >= HOME_TOPICS:
            break
        if not topic_in(name, mine):
            toggles.append((name, False))
    return toggles[: max(HOME_TOPICS, len(mine))]


def match(text: str, names: list[str]) -> str | None:
    """The name in `names` that `text` names, ignoring case and spacing; None if none."""
    key = fold_topic(text)
    return next((name for name in names if fold_topic(name) == key), None)


def topic_in(topic: str, names: list[str]) -> bool:
    return match(topic, names) is not None


def next_personal(settings: Settings, now: datetime) -> str:
    """When the next personal digest is due, as a Slack date each reader sees locally."""
    trigger = cron_trigger(settings.personal.schedule, settings.timezone)
    when = trigger.get_next_fire_time(None, now.astimezone(settings.timezone))
    return slack_date(when, settings.timezone, with_time=True) if when else "never"


def _suggest(text: str, names: list[str]) -> str:
    folded = {fold_topic(name): name for name in names}
    close = difflib.get_close_matches(fold_topic(text), folded, SUGGESTIONS, SUGGEST_CUTOFF)
    if not close:
        return SEE_TOPICS
    return DID_YOU_MEAN.format(names=" or ".join(f"*{_shown(folded[c])}*" for c in close))


def _topic_text(text: str) -> str:
    return clean(text).strip("\"'“”‘’`")


def _shown(topic: str) -> str:
    return escape_cut(clean(topic), NAME_MAX)
