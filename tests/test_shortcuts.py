"""The Suggest shortcuts: signed shortcut payloads open the modal, prefilled from the message;
links are found in every place Slack puts them; any payload is read without an error."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st
from slackdriver import SlackDriver
from slacklimits import view_problems

from bot.app.listeners.shortcuts import GLOBAL_SHORTCUT, MESSAGE_SHORTCUT
from bot.slack.blockkit.forms import SUGGEST_CALLBACK_ID, URL_BLOCK, Form, read_form, suggest_modal
from bot.slack.links import first_link

Driver = Callable[..., SlackDriver]


def url_field(view: dict) -> str | None:
    [block] = [b for b in view["blocks"] if b.get("block_id") == URL_BLOCK]
    return block["element"].get("initial_value")


def test_the_message_shortcut_opens_the_modal_with_the_messages_link(driver: Driver) -> None:
    slack = driver(review="CREVIEW")
    text = "cc <@U123> <mailto:a@b.org|mail> see <https://example.org/a?x=1&amp;y=2|this> and <https://other.example>"
    status, body = slack.shortcut(MESSAGE_SHORTCUT, user="UREADER", message={"text": text})
    assert (status, body) == (200, "")
    slack.wait_idle()
    [call] = slack.fake.calls_to("views.open")
    [view] = slack.fake.opened_views()
    assert view["callback_id"] == SUGGEST_CALLBACK_ID and view_problems(view) == []
    assert url_field(view) == "https://example.org/a?x=1&y=2"
    assert call.args["trigger_id"]


def test_the_global_shortcut_opens_an_empty_modal(driver: Driver) -> None:
    slack = driver()
    assert slack.shortcut(GLOBAL_SHORTCUT, user="UREADER")[0] == 200
    slack.wait_idle()
    [view] = slack.fake.opened_views()
    assert url_field(view) is None and view["submit"]["text"] == "Suggest"


def test_a_message_without_a_link_opens_an_empty_modal(driver: Driver) -> None:
    slack = driver()
    slack.shortcut(MESSAGE_SHORTCUT, user="UREADER", message={"text": "no links, <#C1> <!here>"})
    slack.wait_idle()
    assert url_field(slack.fake.opened_views()[0]) is None


def test_an_expired_trigger_is_only_logged(driver: Driver) -> None:
    slack = driver()
    slack.fake.fail("views.open", "error", error="expired_trigger_id")
    assert slack.shortcut(GLOBAL_SHORTCUT, user="UREADER")[0] == 200
    slack.wait_idle()
    assert slack.fake.opened_views() == []


def test_links_in_rich_text_and_attachments() -> None:
    rich = {
        "text": "",
        "blocks": [
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "text", "text": "read "},
                            {"type": "link", "url": "ftp://skip.me"},
                            {"type": "link", "url": "https://rich.example/a"},
                        ],
                    }
                ],
            }
        ],
    }
    assert first_link(rich) == "https://rich.example/a"
    unfurled = {"text": "look", "attachments": [{"title": "x", "original_url": "http://u.example"}]}
    assert first_link(unfurled) == "http://u.example"
    assert first_link({**rich, "text": "<https://text.example/>"}) == "https://text.example/"
    assert first_link(None) == "" and first_link({"text": 5, "blocks": "x"}) == ""


def test_a_prefilled_url_too_long_for_the_field_is_left_out() -> None:
    view = suggest_modal(Form(url="https://example.org/" + "a" * 3000))
    assert url_field(view) is None and view_problems(view) == []


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_MESSAGE = st.fixed_dictionaries(
    {},
    optional={
        "text": st.text(max_size=60) | st.just("<https://a.example|x>"),
        "blocks": st.lists(
            st.fixed_dictionaries(
                {"type": st.sampled_from(["link", "rich_text"])},
                optional={"url": _JSON, "elements": _JSON},
            ),
            max_size=3,
        ),
        "attachments": _JSON,
    },
)


@settings(max_examples=150, deadline=None)
@given(message=_MESSAGE | _JSON)
def test_any_message_gives_an_http_link_or_nothing(message: object) -> None:
    link = first_link(message)
    assert link == "" or link.lower().startswith(("http://", "https://"))


@settings(max_examples=100, deadline=None)
@given(view=st.dictionaries(st.sampled_from(["state", "private_metadata", "id"]), _JSON))
def test_any_submitted_view_reads_as_a_form(view: dict) -> None:
    form = read_form(view)
    assert all(isinstance(v, str) for v in (form.url, form.title, form.note))
