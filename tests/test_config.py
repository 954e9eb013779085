"""Settings as an admin writes them: defaults, a YAML file, NEWSDESK_* overrides, errors.

Every test goes through `load_settings` with a real file and an explicit environment
mapping (never the process environment), and checks what the admin would see: the values
the bot will use, or the error message (which must start with the key that is wrong).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import (
    DIGEST_KEYS,
    EXAMPLES_DIR,
    REVIEW_KEYS,
    TOP_KEYS,
    ConfigError,
    load_settings,
)

BOT_TOKEN = "xoxb-111-222-SuPeRsEcReTbOtToKeN"
SIGNING = "8f14e45fceea167a5a36dedd4bea2543-signing"
APP_TOKEN = "xapp-1-A0001-333-AppLevelSecretToken"

FULL = """\
content_dir: ./articles
database_url: sqlite:///data/newsdesk.db
timezone: Europe/Berlin
quality_min: 60
max_age_days: 14
per_provider: 3
rescan_minutes: 10
review:
  channel: C0123REVIEW
  approvers: [U0123ABC, S0456GRP]
  schedule: "0 8 * * 1-5"
  batch: 4
digests:
  - channel: C0123NEWS
    schedule: "0 9 * * 1-5"
    size: 6
    topics: [AI, AI Hardware]
    quality_min: 70
  - channel: G0999PRIV
"""


def write_config(tmp_path: Path, text: str, name: str = "newsdesk.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def error_of(tmp_path: Path, text: str = "", env: dict[str, str] | None = None) -> str:
    path = write_config(tmp_path, text) if text else None
    with pytest.raises(ConfigError) as info:
        load_settings(path, env or {})
    message = str(info.value)
    assert "\n" not in message
    return message


# --- defaults and the file ------------------------------------------------------------


def test_no_configuration_at_all_gives_the_documented_defaults(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, {})

    assert settings.content_dir == EXAMPLES_DIR
    assert settings.database_url == "sqlite:///newsdesk.db"
    assert settings.timezone == ZoneInfo("UTC")
    assert settings.quality_min == 50
    assert settings.max_age_days is None
    assert settings.per_provider == 2
    assert settings.rescan_minutes == 5
    assert settings.review is None
    assert settings.digests == ()
    assert settings.bot_token is None
    assert settings.signing_secret is None
    assert settings.app_token is None
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.port == 3000


def test_the_spec_example_file_is_read_whole(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, FULL), {})

    assert settings.content_dir == (tmp_path / "articles").resolve()  # relative to the file
    assert settings.database_url == "sqlite:///data/newsdesk.db"
    assert settings.timezone == ZoneInfo("Europe/Berlin")
    assert (settings.quality_min, settings.max_age_days, settings.per_provider) == (60, 14, 3)
    assert settings.rescan_minutes == 10
    review = settings.review
    assert review is not None
    assert review.channel == "C0123REVIEW"
    assert review.approvers == ("U0123ABC", "S0456GRP")
    assert (review.schedule, review.batch) == ("0 8 * * 1-5", 4)
    news, private = settings.digests
    assert (news.channel, news.schedule, news.size) == ("C0123NEWS", "0 9 * * 1-5", 6)
    assert news.topics == ("AI", "AI Hardware")
    assert news.quality_min == 70
    # A digest with only a channel gets the documented defaults.
    assert (private.channel, private.schedule, private.size) == ("G0999PRIV", "0 9 * * 1-5", 5)
    assert private.topics == ()
    assert private.quality_min is None


def test_the_file_can_come_from_newsdesk_config(tmp_path: Path) -> None:
    path = write_config(tmp_path, "quality_min: 77\n")
    settings = load_settings(None, {"NEWSDESK_CONFIG": path})
    assert settings.quality_min == 77
    assert settings.source == path


def test_an_empty_file_means_defaults(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, "# nothing set yet\n"), {})
    assert settings.quality_min == 50
    assert settings.digests == ()


def test_an_absolute_content_dir_is_kept(tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    settings = load_settings(write_config(tmp_path, f"content_dir: {folder}\n"), {})
    assert settings.content_dir == folder


# --- environment overrides ----------------------------------------------------------------


def test_env_overrides_win_over_the_file_and_are_read_as_yaml(tmp_path: Path) -> None:
    env = {
        "NEWSDESK_QUALITY_MIN": "70",
        "NEWSDESK_TIMEZONE": "America/New_York",
        "NEWSDESK_REVIEW": "{channel: C0ENVREVIEW, approvers: [U0ENV1, W0ENV2], batch: 2}",
        "NEWSDESK_DIGESTS": "[{channel: C0ENVNEWS, size: 3, topics: [Security]}]",
        "NEWSDESK_MAX_AGE_DAYS": "7",
    }
    settings = load_settings(write_config(tmp_path, FULL), env)

    assert settings.quality_min == 70  # a number, not the string "70"
    assert settings.timezone == ZoneInfo("America/New_York")
    assert settings.max_age_days == 7
    assert settings.review is not None
    assert settings.review.channel == "C0ENVREVIEW"
    assert settings.review.approvers == ("U0ENV1", "W0ENV2")
    assert settings.review.batch == 2
    assert [(d.channel, d.size, d.topics) for d in settings.digests] == [
        ("C0ENVNEWS", 3, ("Security",))
    ]
    # Keys the environment does not set still come from the file.
    assert settings.per_provider == 3


def test_env_overrides_work_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(None, {"NEWSDESK_CONTENT_DIR": str(tmp_path / "records")})
    assert settings.content_dir == tmp_path / "records"


def test_slack_settings_come_from_the_environment(tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": "http://127.0.0.1:9/api",
        "PORT": "8080",
    }
    settings = load_settings(None, env)

    assert settings.bot_token is not None
    assert settings.bot_token.reveal() == BOT_TOKEN
    assert settings.signing_secret is not None
    assert settings.signing_secret.reveal() == SIGNING
    assert settings.app_token is not None
    assert settings.app_token.reveal() == APP_TOKEN
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"  # slack_sdk appends the method
    assert settings.port == 8080


def test_blank_tokens_count_as_unset() -> None:
    settings = load_settings(None, {"SLACK_BOT_TOKEN": "   ", "SLACK_APP_TOKEN": ""})
    assert settings.bot_token is None
    assert settings.app_token is None


def test_tokens_never_show_in_repr_or_str(tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING,
        "SLACK_APP_TOKEN": APP_TOKEN,
    }
    settings = load_settings(write_config(tmp_path, FULL), env)

    for shown in (repr(settings), str(settings), f"{settings}", f"{settings!r}"):
        for secret in (BOT_TOKEN, SIGNING, APP_TOKEN):
            assert secret not in shown
            assert secret[-12:] not in shown


@pytest.mark.parametrize("key", ["bot_token", "slack_bot_token", "signing_secret"])
def test_secrets_are_refused_in_the_file(tmp_path: Path, key: str) -> None:
    message = error_of(tmp_path, f"{key}: {BOT_TOKEN}\n")
    assert message.startswith(f"{key}:")
    assert BOT_TOKEN not in message


# --- every validation error names its key -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("timezone: Mars/Olympus_Mons\n", "timezone"),
        ("timezone: ''\n", "timezone"),
        ("quality_min: 101\n", "quality_min"),
        ("quality_min: -1\n", "quality_min"),
        ("quality_min: high\n", "quality_min"),
        ("quality_min: true\n", "quality_min"),
        ("quality_min: 55.5\n", "quality_min"),
        ("per_provider: 0\n", "per_provider"),
        ("max_age_days: 0\n", "max_age_days"),
        ("rescan_minutes: soon\n", "rescan_minutes"),
        ("database_url: mysql://db/newsdesk\n", "database_url"),
        ("content_dir: [a, b]\n", "content_dir"),
        ("quality_minimum: 60\n", "quality_minimum"),
        ("review: {channel: C0R, approvers: [U0ABC], schedule: '0 8 * *'}\n", "review.schedule"),
        ("review: {channel: C0R, approvers: [U0ABC], schedule: '0 25 * * *'}\n", "review.schedule"),
        ("review: {channel: '#editors', approvers: [U0ABC]}\n", "review.channel"),
        ("review: {channel: C0REVIEW, approvers: []}\n", "review.approvers"),
        ("review: {channel: C0REVIEW}\n", "review.approvers"),
        ("review: {channel: C0REVIEW, approvers: [U0ABC, bob]}\n", "review.approvers[1]"),
        ("review: {channel: C0REVIEW, approvers: [U0ABC], batch: 0}\n", "review.batch"),
        ("review: {chanel: C0REVIEW, approvers: [U0ABC]}\n", "review.chanel"),
        ("review: C0REVIEW\n", "review"),
        ("digests: {channel: C0NEWS}\n", "digests"),
        ("digests: [C0NEWS]\n", "digests[0]"),
        ("digests: [{channel: news}]\n", "digests[0].channel"),
        ("digests: [{schedule: '0 9 * * 1-5'}]\n", "digests[0].channel"),
        ("digests: [{channel: C0NEWS}, {channel: C0OTHER, schedule: 'daily'}]\n",
         "digests[1].schedule"),
        ("digests: [{channel: C0NEWS, quality_min: 150}]\n", "digests[0].quality_min"),
        ("digests: [{channel: C0NEWS, size: 0}]\n", "digests[0].size"),
        ("digests: [{channel: C0NEWS, topics: AI}]\n", "digests[0].topics"),
        ("digests: [{channel: C0NEWS, topic: [AI]}]\n", "digests[0].topic"),
        ("digests: [{channel: D0DIRECT}]\n", "digests[0].channel"),
        ("digests: [{channel: C0NEWS}, {channel: C0NEWS, schedule: '0 17 * * *'}]\n",
         "digests[1].channel"),
    ],
)  # fmt: skip
def test_each_bad_value_is_reported_with_its_key(tmp_path: Path, text: str, key: str) -> None:
    message = error_of(tmp_path, text)
    assert message.startswith(key + ":"), message
    assert len(message) > len(key) + 5  # and says what is wrong


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"NEWSDESK_QUALITY_MIN": "200"}, "quality_min"),
        ({"NEWSDESK_TIMEZONE": "Nowhere/Town"}, "timezone"),
        ({"NEWSDESK_DIGESTS": "{channel: C0NEWS}"}, "digests"),
        ({"NEWSDESK_REVIEW": "{channel: C0R, approvers: [U0A], extra: 1}"}, "review.extra"),
        ({"NEWSDESK_QUALITY_MIN": "[unclosed"}, "NEWSDESK_QUALITY_MIN"),
        ({"SLACK_API_URL": "ftp://slack.example/api/"}, "SLACK_API_URL"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"PORT": "http"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
    ],
)
def test_bad_environment_values_are_reported_with_their_key(
    tmp_path: Path, env: dict[str, str], key: str
) -> None:
    message = error_of(tmp_path, env=env)
    assert message.startswith(key + ":"), message


def test_a_bad_token_environment_never_leaks_into_a_config_error(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "NEWSDESK_QUALITY_MIN": "500"}
    message = error_of(tmp_path, env=env)
    assert BOT_TOKEN not in message


def test_a_config_file_that_is_not_yaml_names_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, "quality_min: [60\ntimezone: UTC\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    assert path in str(info.value)


def test_a_config_file_that_is_a_list_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, "- quality_min: 60\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_settings(path, {})


def test_a_missing_config_file_names_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    assert path in str(info.value)


def test_a_config_file_with_python_tags_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, "quality_min: !!python/object/apply:os.getpid []\n")
    with pytest.raises(ConfigError):
        load_settings(path, {})


# --- cron, as admins write it -----------------------------------------------------------------


@pytest.mark.parametrize("cron", ["0 9 * * 1-5", "30 7 * * *", "0 9 * * mon-fri", "0 9 * * 7"])
def test_standard_crontab_schedules_are_accepted(tmp_path: Path, cron: str) -> None:
    """`7` is Sunday in crontab(5), like `0`: an admin copying a cron line expects it to work."""
    settings = load_settings(
        write_config(tmp_path, f"digests: [{{channel: C0NEWS, schedule: '{cron}'}}]\n"), {}
    )
    assert settings.digests[0].schedule == cron


# --- no silent defaults, no token in clear, no newline in an id ---------------------------


@pytest.mark.parametrize("value", ["", "   ", "~", "null"])
@pytest.mark.parametrize("key", ["content_dir", "review", "digests", "database_url", "timezone"])
def test_an_empty_newsdesk_variable_is_an_error_naming_it(
    tmp_path: Path, key: str, value: str
) -> None:
    name = "NEWSDESK_" + key.upper()
    message = error_of(tmp_path, "", env={name: value})
    assert message.startswith(f"{name}: is empty"), message


def test_an_empty_newsdesk_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^NEWSDESK_CONFIG: is empty"):
        load_settings(None, {"NEWSDESK_CONFIG": ""})


@pytest.mark.parametrize("key", ["content_dir", "review", "digests", "quality_min"])
def test_a_key_without_a_value_in_the_file_is_an_error(tmp_path: Path, key: str) -> None:
    message = error_of(tmp_path, f"{key}:\n")
    assert message.startswith(f"{key}: has no value"), message


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/api/",
        "http://127.9.9.9/api/",
        "http://[::1]:8080/api/",
        "http://localhost:8080/api/",
        "http://LOCALHOST/api/",
        "https://slack-gov.com/api/",
    ],
)
def test_plain_http_is_allowed_to_loopback_only(tmp_path: Path, url: str) -> None:
    assert load_settings(None, {"SLACK_API_URL": url}).slack_api_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://slack.com/api/",
        "http://10.0.0.1/api/",
        "http://[::2]/api/",
        "http://localhost.evil.example/api/",
        "http://127.0.0.1.nip.io/api/",
        "https:///api/",
        "http://[::1/api/",
    ],
)
def test_plain_http_elsewhere_is_an_error_that_names_the_key(tmp_path: Path, url: str) -> None:
    message = error_of(tmp_path, env={"SLACK_API_URL": url, "SLACK_BOT_TOKEN": BOT_TOKEN})
    assert message.startswith("SLACK_API_URL:"), message
    assert BOT_TOKEN not in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('review: {channel: "C0REVIEW\\n", approvers: [U0ABC]}\n', "review.channel"),
        ('review: {channel: C0REVIEW, approvers: ["U0ABC\\n"]}\n', "review.approvers[0]"),
        ('digests: [{channel: "C0NEWS\\n"}]\n', "digests[0].channel"),
    ],
)
def test_an_id_with_a_trailing_newline_is_refused(tmp_path: Path, text: str, key: str) -> None:
    assert error_of(tmp_path, text).startswith(key + ":")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://newsdesk:Hunter2-Pw@db:notaport/newsdesk",
        "mysql://newsdesk:Hunter2-Pw@db/newsdesk",
    ],
)
def test_a_bad_database_url_is_named_without_its_password(tmp_path: Path, url: str) -> None:
    message = error_of(tmp_path, env={"NEWSDESK_DATABASE_URL": url})
    assert message.startswith("database_url:"), message
    assert "Hunter2-Pw" not in message


# --- property: any YAML values for the known keys load, or fail naming their key ----------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=15)
    | st.sampled_from(
        [
            "UTC",
            "Europe/Berlin",
            "0 9 * * 1-5",
            "0 9 1 * mon",
            "C0NEWS",
            "U0ABC",
            "S0GRP",
            "sqlite:///x.db",
            "postgresql://u@h/d",
            "~",
            "/",
            "../x",
            "*/0 * * * *",
        ]
    )
)
NESTED_KEYS = st.sampled_from(sorted(REVIEW_KEYS | DIGEST_KEYS | {"x"}))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NESTED_KEYS, inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(config=st.dictionaries(st.sampled_from(sorted(TOP_KEYS)), VALUES, max_size=5))
def test_any_values_for_the_known_keys_load_or_fail_naming_the_key(config: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "newsdesk.yaml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        try:
            load_settings(str(path), {})
        except ConfigError as error:
            assert any(str(error).startswith(key) for key in config), str(error)


# --- feeds (SPEC §8) ----------------------------------------------------------------------


def test_feeds_take_their_defaults_from_quality_min(tmp_path: Path) -> None:
    text = (
        "quality_min: 66\nfeeds:\n  - url: https://example.org/feed.xml\n"
        "  - {url: 'http://intranet.local/rss', quality: 80, topics: [AI], minutes: 5,"
        " backfill: 3}\n"
    )
    first, second = load_settings(write_config(tmp_path, text), {}).feeds
    assert (first.url, first.quality, first.topics, first.minutes, first.backfill) == (
        "https://example.org/feed.xml", 66, (), 30, 10
    )  # fmt: skip
    assert (second.quality, second.topics, second.minutes, second.backfill) == (80, ("AI",), 5, 3)


def test_feeds_can_come_from_the_environment(tmp_path: Path) -> None:
    env = {"NEWSDESK_FEEDS": "[{url: 'https://example.org/a.json'}]"}
    assert [f.url for f in load_settings(None, env).feeds] == ["https://example.org/a.json"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("feeds: https://example.org/feed\n", "feeds"),
        ("feeds: [https://example.org/feed]\n", "feeds[0]"),
        ("feeds: [{quality: 60}]\n", "feeds[0].url"),
        ("feeds: [{url: 'ftp://example.org/f'}]\n", "feeds[0].url"),
        ("feeds: [{url: 'https://'}]\n", "feeds[0].url"),
        ("feeds: [{url: 'https://example.org/a b'}]\n", "feeds[0].url"),
        ("feeds: [{url: 'https://a.org/f'}, {url: 'https://a.org/f'}]\n", "feeds[1].url"),
        ("feeds: [{url: 'https://a.org/f', quality: 101}]\n", "feeds[0].quality"),
        ("feeds: [{url: 'https://a.org/f', minutes: 0}]\n", "feeds[0].minutes"),
        ("feeds: [{url: 'https://a.org/f', backfill: -1}]\n", "feeds[0].backfill"),
        ("feeds: [{url: 'https://a.org/f', topics: AI}]\n", "feeds[0].topics"),
        ("feeds: [{url: 'https://a.org/f', interval: 5}]\n", "feeds[0].interval"),
    ],
)
def test_each_bad_feed_value_is_reported_with_its_key(tmp_path: Path, text: str, key: str) -> None:
    message = error_of(tmp_path, text)
    assert message.startswith(key + ":"), message
