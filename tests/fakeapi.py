"""The fake Slack's Web API methods, answered from in-memory state the way Slack does.

`fakeslack.FakeSlack` inherits these and owns the state, the lock and the HTTP side: it
calls ``_api_<method>`` (dots as underscores) with the lock held. Each returns the body
without ``"ok"``, or raises :class:`SlackError` to answer ``{"ok": false, "error": code}``.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import Any

APP_ID = "A0001"
BOT_ID = "B0001"


class SlackError(Exception):
    """Raised by an API method to answer ``{"ok": false, "error": code}``."""

    def __init__(self, code: str, messages: list[str] | None = None) -> None:
        super().__init__(code)
        self.code, self.messages = code, messages


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _ts_key(ts: str) -> tuple[int, int]:
    """Order ts strings exactly (floats lose the microseconds at this magnitude)."""
    sec, _, frac = str(ts).partition(".")
    return int(sec or 0), int((frac + "000000")[:6])


class WebAPIMethods:
    """Slack Web API methods over the workspace state that `FakeSlack.__init__` sets up."""

    team_id: str
    bot_user_id: str
    _messages: dict[str, list[dict]]
    _ephemerals: dict[str, list[dict]]
    _usergroups: dict[str, list[str]]
    _private: set[str]
    _views: dict[str, dict]
    _cond: Any  # FakeSlack's lock (a threading.Condition)
    _opened: list[dict]
    _home: dict[str, dict]
    _last_ts: int
    _ids: itertools.count[int]
    _caller: tuple[str, str, str]  # (bot user id, bot id, app id) of the calling token
    _unreachable: dict[str, str]
    _channel_limit: tuple[float, int] | None
    _buckets: dict[str, tuple[float, float]]

    # ---- state helpers (called with the lock held) -------------------------------------
    def _next_ts(self) -> str:
        # Real epoch time (apps may filter history by date), strictly increasing.
        self._last_ts = max(int(time.time() * 1_000_000), self._last_ts + 1)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    @staticmethod
    def dm_id(user: str) -> str:
        """The id of the app's DM with `user` (Slack posts there when given a user id)."""
        return f"D{user}"

    def _conversation(self, channel: str) -> str:
        """A user id means the app's DM with that person (its Messages tab)."""
        if channel[:1] in ("U", "W"):
            if channel in self._unreachable:
                raise SlackError(self._unreachable[channel])
            return self.dm_id(channel)
        return channel

    def _over_limit(self, channel: str) -> bool:
        """Slack's per-channel posting limit (about 1 a second, short bursts): a token bucket."""
        if self._channel_limit is None:
            return False
        rate, burst = self._channel_limit
        now = time.monotonic()
        tokens, then = self._buckets.get(channel, (float(burst), now))
        tokens = min(float(burst), tokens + (now - then) * rate)
        if tokens < 1:
            self._buckets[channel] = (tokens, now)
            return True
        self._buckets[channel] = (tokens - 1, now)
        return False

    def _find(self, channel: str, ts: str) -> dict:
        for msg in self._messages.get(channel, []):
            if msg["ts"] == ts:
                return msg
        raise SlackError("message_not_found")

    @staticmethod
    def _check_content(args: dict) -> None:
        blocks = args.get("blocks")
        if not (args.get("text") or blocks or args.get("attachments")):
            raise SlackError("no_text")
        if blocks is not None and not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        if blocks and len(blocks) > 50:
            raise SlackError(
                "invalid_blocks", ["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"]
            )

    def _public(self, msg: dict, with_metadata: bool) -> dict:
        out = {k: v for k, v in msg.items() if k != "metadata" or with_metadata}
        replies = [m for m in self._messages[msg["channel"]] if m.get("thread_ts") == msg["ts"]]
        if replies:
            out.update(thread_ts=msg["ts"], reply_count=len(replies))
        out.pop("channel")
        return out

    # ---- Web API methods (lock held; return the body without "ok") ----------------------
    def _api_auth_test(self, args: dict) -> dict:
        return {
            "url": "https://fake.slack.com/", "team": "Fake Team", "user": "newsdesk",
            "team_id": self.team_id, "user_id": self._caller[0], "bot_id": self._caller[1],
            "is_enterprise_install": False,
        }  # fmt: skip

    def _api_chat_postMessage(self, args: dict) -> dict:
        channel = self._conversation(args.get("channel") or "")
        if not channel:
            raise SlackError("channel_not_found")
        self._check_content(args)
        msg: dict[str, Any] = {
            "type": "message", "channel": channel, "ts": self._next_ts(),
            "text": args.get("text", ""), "user": self._caller[0], "bot_id": self._caller[1],
            "app_id": self._caller[2], "team": self.team_id,
        }  # fmt: skip
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key):
                msg[key] = args[key]
        self._messages.setdefault(channel, []).append(msg)
        return {"channel": channel, "ts": msg["ts"], "message": self._public(msg, True)}

    def _api_chat_update(self, args: dict) -> dict:
        msg = self._find(args.get("channel", ""), args.get("ts", ""))
        self._check_content(args)
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in args:
                msg[key] = args[key]
        msg["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        out = {"channel": msg["channel"], "ts": msg["ts"], "text": msg["text"]}
        return {**out, "message": self._public(msg, True)}

    def _api_chat_delete(self, args: dict) -> dict:
        msg = self._find(args.get("channel", ""), args.get("ts", ""))
        self._messages[msg["channel"]].remove(msg)
        return {"channel": msg["channel"], "ts": msg["ts"]}

    def _api_chat_postEphemeral(self, args: dict) -> dict:
        if not args.get("channel"):
            raise SlackError("channel_not_found")
        if not args.get("user"):
            raise SlackError("user_not_found")
        self._check_content(args)
        ts = self._next_ts()
        keep = ("user", "text", "blocks", "attachments", "thread_ts")
        entry = {"message_ts": ts, **{k: args[k] for k in keep if k in args}}
        self._ephemerals.setdefault(args["channel"], []).append(entry)
        return {"message_ts": ts}

    def _api_chat_getPermalink(self, args: dict) -> dict:
        msg = self._find(args.get("channel", ""), args.get("message_ts", ""))
        link = f"https://fake.slack.com/archives/{msg['channel']}/p{msg['ts'].replace('.', '')}"
        return {"channel": msg["channel"], "permalink": link}

    def _api_conversations_history(self, args: dict) -> dict:
        channel = args.get("channel", "")
        if not channel:
            raise SlackError("channel_not_found")
        inclusive = _truthy(args.get("inclusive"))
        lo, hi = _ts_key(args.get("oldest") or "0"), _ts_key(args.get("latest") or "9999999999")
        top = [m for m in self._messages.get(channel, []) if m.get("thread_ts", m["ts"]) == m["ts"]]

        def in_range(ts: str) -> bool:
            key = _ts_key(ts)
            return lo <= key <= hi if inclusive else lo < key < hi

        picked = [m for m in reversed(top) if in_range(m["ts"])]
        return self._page(picked, args, _truthy(args.get("include_all_metadata")))

    def _api_conversations_open(self, args: dict) -> dict:
        users = str(args.get("users") or "").split(",")
        if len(users) != 1 or not users[0]:
            raise SlackError("users_list_not_supplied" if not users[0] else "not_implemented")
        channel = self._conversation(users[0])
        return {"channel": {"id": channel}}

    def _api_conversations_replies(self, args: dict) -> dict:
        parent = self._find(args.get("channel", ""), args.get("ts", ""))
        thread = [parent] + [
            m for m in self._messages[parent["channel"]] if m.get("thread_ts") == parent["ts"]
        ]
        return self._page(thread, args, _truthy(args.get("include_all_metadata")))

    def _api_conversations_info(self, args: dict) -> dict:
        channel = args.get("channel") or ""
        if not channel or channel[0] not in "CGD":
            raise SlackError("channel_not_found")
        im, private = channel.startswith("D"), channel in self._private
        return {"channel": {
            "id": channel, "name": "" if im else channel.lower(), "created": 1700000000,
            "is_channel": not (im or private), "is_group": private, "is_im": im,
            "is_mpim": False, "is_private": private or im, "is_archived": False,
            "is_general": False, "is_shared": False, "is_ext_shared": False,
            "is_org_shared": False, "is_member": True,
        }}  # fmt: skip

    def _page(self, msgs: list[dict], args: dict, with_metadata: bool) -> dict:
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 100)
        chunk, more = msgs[start : start + limit], start + limit < len(msgs)
        return {
            "messages": [self._public(m, with_metadata) for m in chunk],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _store_view(self, view: Any, view_id: str | None = None) -> dict:
        if not isinstance(view, dict) or "type" not in view:
            raise SlackError("invalid_arguments", ["[ERROR] missing required field: view"])
        view_id = view_id or f"V{next(self._ids):06d}"
        stored = {
            **view, "id": view_id, "team_id": self.team_id, "app_id": APP_ID, "bot_id": BOT_ID,
            "state": {"values": {}}, "hash": uuid.uuid4().hex[:12],
        }  # fmt: skip
        self._views[view_id] = stored
        return stored

    def _api_views_open(self, args: dict) -> dict:
        if not args.get("trigger_id"):
            raise SlackError("invalid_trigger_id")
        view = self._store_view(args.get("view"))
        self._opened.append(view)
        return {"view": view}

    _api_views_push = _api_views_open

    def _api_views_publish(self, args: dict) -> dict:
        if not args.get("user_id"):
            raise SlackError("user_not_found")
        view = self._store_view(args.get("view"))
        self._home[args["user_id"]] = view
        return {"view": view}

    def _api_views_update(self, args: dict) -> dict:
        external = {v.get("external_id"): v["id"] for v in self._views.values()}
        view_id = args.get("view_id") or external.get(args.get("external_id"))
        if view_id not in self._views:
            raise SlackError("not_found")
        return {"view": self._store_view(args.get("view"), view_id)}

    def apply_response_update(self, view_id: str, view: dict) -> None:
        """What Slack does with a view_submission answered `response_action: update`."""
        with self._cond:
            if view_id in self._views:
                self._store_view(view, view_id)

    def view(self, view_id: str) -> dict | None:
        """A view as it stands now (opened, then maybe updated), or None."""
        with self._cond:
            found = self._views.get(view_id)
            return None if found is None else json.loads(json.dumps(found))

    def _api_usergroups_users_list(self, args: dict) -> dict:
        if args.get("usergroup") not in self._usergroups:
            raise SlackError("no_such_subteam")
        return {"users": list(self._usergroups[args["usergroup"]])}

    def _api_users_info(self, args: dict) -> dict:
        user_id = args.get("user") or ""
        if not user_id:
            raise SlackError("user_not_found")
        name = f"User {user_id}"
        return {"user": {
            "id": user_id, "team_id": self.team_id, "name": user_id.lower(), "real_name": name,
            "tz": "UTC", "tz_label": "Coordinated Universal Time", "tz_offset": 0,
            "is_bot": user_id == self.bot_user_id, "deleted": False,
            "profile": {"display_name": user_id.lower(), "real_name": name},
        }}  # fmt: skip
