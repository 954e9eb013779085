"""`python -m bot run` as a real process: HTTP mode, Socket Mode, start-up errors, SIGTERM."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from fakeslack import FakeSlack
from newsdeskproc import ROOT, free_port, newsdesk_env, until
from slackpayloads import block_actions, decoded, post_signed, slash_fields

from bot.config import load_settings
from bot.content.article import APPROVED
from bot.publishing.jobs import rescan
from bot.slack.blockkit.cards import ACTION_SHARE
from bot.store.store import Store

EXAMPLE = ROOT / "bot" / "examples" / "000_bfb240625840f0a1.txt"
ITEM = EXAMPLE.stem
SECRET = "runtime-signing-secret"
APP_TOKEN = "xapp-1-A0001-test"
FORM = "application/x-www-form-urlencoded"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 8.0


def bot_env(tmp_path: Path, fake: FakeSlack, **extra: str) -> dict[str, str]:
    """The environment of a deployment: secrets, the fake's URL, a config file."""
    content = tmp_path / "articles"
    content.mkdir(exist_ok=True)
    shutil.copy(EXAMPLE, content / EXAMPLE.name)
    config = tmp_path / "newsdesk.yaml"
    database = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    config.write_text(yaml.safe_dump({"content_dir": str(content), "database_url": database}))
    env = newsdesk_env(fake, SECRET, config)
    env.update(extra)
    return {k: v for k, v in env.items() if v}  # an empty value means "unset"


def start(env: dict[str, str]) -> subprocess.Popen:
    command = [sys.executable, "-m", "bot", "run"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def stop(proc: subprocess.Popen) -> tuple[int, float, str]:
    """SIGTERM; (exit status, seconds it took, stderr)."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"no exit within {STOP_TIMEOUT}s of SIGTERM:\n{err}")
    return proc.returncode, time.monotonic() - started, err


def wait_healthy(proc: subprocess.Popen, base_url: str) -> dict:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"exited early ({proc.returncode}):\n{proc.communicate()[1]}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    proc.kill()
    pytest.fail(f"/healthz never answered:\n{proc.communicate()[1]}")


def command_fields(text: str, fake: FakeSlack) -> dict[str, str]:
    # response_url: the fake's host (nothing here responds through it)
    return slash_fields(text, user="UREADER", channel="CNEWS", response_url=fake.url + "response")


def slash(base_url: str, text: str, fake: FakeSlack) -> tuple[int, dict | str]:
    body = urlencode(command_fields(text, fake)).encode()
    status, raw = post_signed(base_url, body, FORM, SECRET)
    return status, decoded(raw)


def share_buttons(body: dict | str) -> list[str]:
    blocks = body.get("blocks", []) if isinstance(body, dict) else []
    return [
        e.get("value")
        for b in blocks
        for e in b.get("elements", [])
        if e.get("action_id") == ACTION_SHARE
    ]


def test_http_mode_serves_health_and_signed_commands_and_stops_on_sigterm(
    tmp_path: Path, fake: FakeSlack
) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    proc = start(bot_env(tmp_path, fake, PORT=str(port)))
    try:
        assert wait_healthy(proc, base_url)["ok"] is True
        status, body = slash(base_url, "help", fake)
        assert status == 200 and isinstance(body, dict)
        assert "/newsdesk next" in body["text"]
        # the initial content rescan brought the example in: search finds it
        until(lambda: ITEM in share_buttons(slash(base_url, "search exascale", fake)[1]))
        forged = post_signed(base_url, b"command=%2Fnewsdesk&text=help", FORM, "wrong")
        assert forged[0] == 401
    finally:
        code, took, err = stop(proc)
    assert code == 0, err
    assert took < 5.0
    assert f"mode=http port={port}" in err
    for secret in (fake.token, SECRET):
        assert secret not in err


def test_missing_bot_token_exits_2_naming_it(tmp_path: Path, fake: FakeSlack) -> None:
    proc = start(bot_env(tmp_path, fake, SLACK_BOT_TOKEN=""))
    _, err = proc.communicate(timeout=START_TIMEOUT)
    assert proc.returncode == 2
    assert "SLACK_BOT_TOKEN" in err
    assert fake.calls == []


def test_a_missing_content_folder_stops_start_up_naming_it(tmp_path: Path, fake: FakeSlack) -> None:
    env = bot_env(tmp_path, fake, NEWSDESK_CONTENT_DIR=str(tmp_path / "no-such-folder"))
    proc = start(env)
    _, err = proc.communicate(timeout=START_TIMEOUT)
    assert proc.returncode == 2
    assert "content_dir:" in err and "no-such-folder" in err
    assert fake.calls == []


def test_http_mode_without_signing_secret_exits_2_naming_it(
    tmp_path: Path, fake: FakeSlack
) -> None:
    proc = start(bot_env(tmp_path, fake, SLACK_SIGNING_SECRET=""))
    _, err = proc.communicate(timeout=START_TIMEOUT)
    assert proc.returncode == 2
    assert "SLACK_SIGNING_SECRET" in err


def test_socket_mode_end_to_end(tmp_path: Path, fake: FakeSlack) -> None:
    fake.start_socket_mode()
    env = bot_env(tmp_path, fake, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
    proc = start(env)
    try:
        fake.wait_for("apps.connections.open", timeout=START_TIMEOUT)
        [opened] = fake.calls_to("apps.connections.open")
        assert opened.answered == "ok"  # the app token, through SLACK_API_URL

        help_id = fake.send_envelope(
            "slash_commands",
            command_fields("help", fake),
            accepts_response_payload=True,
        )
        ack = fake.wait_ack(help_id, timeout=10)
        assert ack["payload"]["response_type"] == "ephemeral"
        assert "/newsdesk next" in ack["payload"]["text"]

        until(lambda: ITEM in share_buttons(socket_slash(fake, "search exascale")))  # rescanned
        click_id = fake.send_envelope("interactive", share_click(fake))
        ack = fake.wait_ack(click_id, timeout=10)
        assert ack == {"envelope_id": click_id}  # a button click is acked with no payload
        [card] = until(lambda: fake.messages("CNEWS"), timeout=10)
        assert card["blocks"][0]["text"]["text"].startswith("China’s Exascale")
    finally:
        code, took, err = stop(proc)
    assert code == 0, err
    assert took < 5.0
    assert "mode=socket" in err
    assert APP_TOKEN not in err and fake.token not in err


def socket_slash(fake: FakeSlack, text: str) -> dict:
    """A slash command over Socket Mode; the ack's payload."""
    fields = command_fields(text, fake)
    envelope_id = fake.send_envelope("slash_commands", fields, accepts_response_payload=True)
    return fake.wait_ack(envelope_id, timeout=10).get("payload", {})


def share_click(fake: FakeSlack) -> dict:
    """A Share click on an ephemeral search result in #news."""
    response_url = fake.url + "response"
    return block_actions(
        ACTION_SHARE, ITEM, user="UREADER", channel="CNEWS", response_url=response_url
    )


def test_sigterm_lets_a_digest_in_flight_finish(tmp_path: Path, fake: FakeSlack) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = bot_env(tmp_path, fake, PORT=str(port))
    config = {
        **yaml.safe_load(Path(env["NEWSDESK_CONFIG"]).read_text()),
        "review": {"channel": "CREVIEW", "approvers": ["UEDITOR"]},
        "digests": [{"channel": "CNEWS"}],
    }
    Path(env["NEWSDESK_CONFIG"]).write_text(yaml.safe_dump(config))
    settings = load_settings(env["NEWSDESK_CONFIG"], env=env)
    with closing(Store(settings.database_url)) as store:  # an editor approved it earlier
        rescan(settings, store, datetime.now(UTC))
        store.reviews.decide(ITEM, APPROVED, "UEDITOR", datetime.now(UTC))
    fake.set_delay("chat.postMessage", 1.5)
    proc = start(env)
    try:
        wait_healthy(proc, base_url)
        fields = {**command_fields("digest now", fake), "user_id": "UEDITOR"}
        status, _ = post_signed(base_url, urlencode(fields).encode(), FORM, SECRET)
        assert status == 200
        until(lambda: fake.calls_to("chat.postMessage"))  # the digest is being posted
    finally:
        code, _, err = stop(proc)
    assert code == 0, err
    [digest] = fake.messages("CNEWS")
    assert "China’s Exascale" in json.dumps(digest["blocks"], ensure_ascii=False)
    with closing(Store(settings.database_url)) as store:
        assert store.is_published(ITEM, "CNEWS")


# ---------------------------------------------------------------- silent misconfiguration, leaks

DB_PASSWORD = "Db-Pa55-in-url"
QUERY_PASSWORD = "Db-Pa55-in-query"


def run_until_exit(env: dict[str, str]) -> tuple[int, str]:
    proc = start(env)
    _, err = proc.communicate(timeout=START_TIMEOUT)
    return proc.returncode, err


def test_run_never_posts_the_bundled_examples(tmp_path: Path, fake: FakeSlack) -> None:
    env = bot_env(tmp_path, fake)
    database = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    Path(env["NEWSDESK_CONFIG"]).write_text(yaml.safe_dump({"database_url": database}))

    code, err = run_until_exit(env)

    assert code == 2
    assert "content_dir: not set" in err
    assert fake.calls == []


@pytest.mark.parametrize(
    "name", ["NEWSDESK_CONTENT_DIR", "NEWSDESK_REVIEW", "NEWSDESK_DIGESTS", "NEWSDESK_DATABASE_URL"]
)
def test_an_empty_setting_stops_start_up_naming_it(
    tmp_path: Path, fake: FakeSlack, name: str
) -> None:
    env = {**bot_env(tmp_path, fake), name: ""}  # set, but to nothing

    code, err = run_until_exit(env)

    assert code == 2
    assert f"configuration error: {name}: is empty" in err
    assert "Traceback" not in err
    assert fake.calls == []


def test_plain_http_to_a_slack_api_elsewhere_is_refused(tmp_path: Path, fake: FakeSlack) -> None:
    env = bot_env(tmp_path, fake, SLACK_API_URL="http://slack.example.com/api/")

    code, err = run_until_exit(env)

    assert code == 2
    assert "configuration error: SLACK_API_URL: plain http://" in err
    assert fake.token not in err and SECRET not in err


def test_the_database_password_is_not_in_the_start_up_log(
    tmp_path: Path, fake: FakeSlack, pg_url: str
) -> None:
    port = free_port()
    url = pg_url + "&password=" + QUERY_PASSWORD  # trust auth: accepted, not needed
    proc = start(bot_env(tmp_path, fake, PORT=str(port), NEWSDESK_DATABASE_URL=url))
    try:
        assert wait_healthy(proc, f"http://127.0.0.1:{port}")["ok"] is True
    finally:
        code, _, err = stop(proc)
    assert code == 0, err
    assert "password=***" in err  # the start-up line names the database, masked
    assert QUERY_PASSWORD not in err


@pytest.mark.parametrize("timeout", ["3", QUERY_PASSWORD])
def test_a_database_that_cannot_be_opened_is_logged_without_its_password(
    tmp_path: Path, fake: FakeSlack, timeout: str
) -> None:
    """Nothing listens on port 1; with connect_timeout set to the password's own text the
    driver's error quotes it back: the log masks it all the same."""
    url = (
        f"postgresql+psycopg://newsdesk:{DB_PASSWORD}@127.0.0.1:1/newsdesk"
        f"?connect_timeout={timeout}&password={QUERY_PASSWORD}"
    )
    code, err = run_until_exit(bot_env(tmp_path, fake, NEWSDESK_DATABASE_URL=url))

    assert code == 1
    assert "newsdesk could not start" in err
    assert DB_PASSWORD not in err and QUERY_PASSWORD not in err
    assert fake.token not in err and SECRET not in err
