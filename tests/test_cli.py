"""The `newsdesk` command as people run it: a real subprocess, a real folder, real SQLite.

Each command runs as `python -m bot ...` in its own working folder, with an environment
stripped of any NEWSDESK_* / SLACK_* variable the test does not set itself. Independent
commands are started together (each in its own folder) to keep the suite fast.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from clirun import Cmd, Ran, newsdesk, run_all
from fakeslack import FakeSlack

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "bot" / "examples"
SEED = "000_bfb240625840f0a1"
SECRET = "CLI-SeCuReD-Zx81q+TopSecretValue==;NeverPrint=="
EXAMPLE_SECRETS = [
    m.group(1)
    for path in EXAMPLES.iterdir()
    for m in re.finditer(r'^secured: "(.+)"$', path.read_text("utf-8"), re.M)
]


def record(title: str, url: str = "https://news.example.com/a/", more: str = "") -> str:
    return (
        f'---\ntitle: "{title}"\nexcerpt: "An excerpt."\n'
        f"publishedDateTime: 2026-11-20T08:00:00Z\n"
        f'originalUrl: "{url}"\nquality: 80\nprovider: {{name: Example News}}\n'
        f'topics: [AI]\n{more}secured: "{SECRET}"\n---\n'
    )


def no_secrets(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text
        for secret in EXAMPLE_SECRETS:
            assert secret[:40] not in text


# --- check ---------------------------------------------------------------------------------

BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)
BAD_FILES = {
    "not_utf8.md": b'---\ntitle: "Caf\xe9 society"\noriginalUrl: "https://x.example.com/"\n---\n',
    "yaml_error.md": (
        '---\ntitle: "Fine"\nexcerpt: [unclosed, list\noriginalUrl: "https://x.example.com/"\n'
        f'secured: "{SECRET}\n---\n'
    ).encode(),
    "no_title.md": (
        '---\nexcerpt: "No title here"\noriginalUrl: "https://x.example.com/"\n'
        f'secured: "{SECRET}"\n---\n'
    ).encode(),
    "python_tag.md": (
        '---\ntitle: !!python/object/apply:os.system ["touch PWNED"]\n'
        f'originalUrl: "https://x.example.com/"\nsecured: "{SECRET}"\n---\n'
    ).encode(),
    "alias_bomb.yaml": (
        f'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n{BOMB}'
        'title: "Boom"\noriginalUrl: "https://x.example.com/"\n'
    ).encode(),
    "bad_quality.md": record("Too Good").replace("quality: 80", "quality: 250").encode(),
}
REASONS = {
    "not_utf8.md": "UTF-8",
    "yaml_error.md": r"YAML error at line \d+, column \d+",
    "no_title.md": "title",
    "python_tag.md": "tag",
    "alias_bomb.yaml": "alias",
    "bad_quality.md": "quality",
}


@pytest.fixture(scope="module")
def checks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Ran, Path]]:
    """`newsdesk check` on a mixed folder, a clean one, a missing one, a hostile name."""
    root = tmp_path_factory.mktemp("check")
    mixed = root / "mixed"
    (mixed / "nested").mkdir(parents=True)
    (mixed / "good.md").write_text(record("A Good One"), "utf-8")
    for name, data in BAD_FILES.items():
        (mixed / "nested" / name).write_bytes(data)
    clean = root / "clean"
    clean.mkdir()
    (clean / "one.md").write_text(record("One", "https://a.example.com/1"), "utf-8")
    front = record("Two", "https://a.example.com/2").split("---\n")[1]
    (clean / "two.yaml").write_text(front, "utf-8")  # a .yaml record is all front matter
    warned = root / "warned"
    warned.mkdir()
    (warned / "fine.md").write_text(record("Fine", "https://a.example.com/f"), "utf-8")
    old = record("Year One", "https://a.example.com/y")
    old = re.sub(r"publishedDateTime: .*", "publishedDateTime: 0001-01-01", old)
    (warned / "year_one.md").write_text(old, "utf-8")
    hostile = root / "hostile"
    hostile.mkdir()
    (hostile / "evil\x1b[2J\x1b]0;owned\x07.md").write_text("---\ntitle: x\n---\n", "utf-8")

    names = {"mixed": mixed, "clean": clean, "missing": root / "no-such-folder", "hostile": hostile}
    names["warned"] = warned
    results = run_all(*(Cmd(("check", str(p)), root) for p in names.values()))
    return {name: (ran, names[name]) for name, ran in zip(names, results, strict=True)}


def test_check_names_every_bad_file_with_its_reason_and_fails(checks) -> None:
    result, folder = checks["mixed"]

    assert result.seconds < 20
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    for name, reason in REASONS.items():
        (line,) = [x for x in lines if name in x]
        assert re.search(reason, line, re.I), line
    assert not any("good.md" in x for x in lines[:-1])
    assert lines[-1] == f"1 good, {len(BAD_FILES)} bad record(s) in {folder}"
    assert not (folder.parent / "PWNED").exists()
    no_secrets(result.stdout, result.stderr)
    assert "Traceback" not in result.stderr


def test_check_on_a_clean_folder_succeeds(checks) -> None:
    result, folder = checks["clean"]

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"2 good, 0 bad record(s) in {folder}"


def test_check_prints_warnings_but_they_alone_do_not_fail_it(checks) -> None:
    result, folder = checks["warned"]

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{folder / 'year_one.md'}: warning: publishedDateTime 0001-01-01T00:00:00 is not"
        " between 1970 and a year from now: the date is unknown",
        f"2 good, 0 bad record(s) in {folder}; 1 with warnings",
    ]


def test_check_on_a_missing_folder_says_so(checks) -> None:
    result, _ = checks["missing"]

    assert result.returncode == 2
    assert "no-such-folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_does_not_let_a_file_name_drive_the_terminal(checks) -> None:
    result, _ = checks["hostile"]

    assert result.returncode == 1
    assert "evil" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


# --- the first run: no configuration at all --------------------------------------------------


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`newsdesk digest --dry-run` in an empty folder, twice, `--json`, then previews."""
    cwd = tmp_path_factory.mktemp("first-run")
    once = newsdesk("digest", "--dry-run", cwd=cwd)
    db_created = (cwd / "newsdesk.db").exists()
    twice = newsdesk("digest", "--dry-run", cwd=cwd)
    as_json = newsdesk("digest", "--dry-run", "--json", cwd=cwd)
    copies = []
    for i in range(4):  # previews side by side, each on its own copy of the folder
        copies.append(cwd.parent / f"{cwd.name}-{i}")
        shutil.copytree(cwd, copies[-1])
    previews = run_all(
        Cmd(("preview", SEED), copies[0]),
        Cmd(("preview", SEED, "--json"), copies[1]),
        Cmd(("preview", SEED, "--html", "seed.html"), copies[2]),
        Cmd(("preview", "no-such-item"), copies[3]),
    )
    return {
        "once": once,
        "twice": twice,
        "json": as_json,
        "db": db_created,
        "preview": previews,
        "html": copies[2] / "seed.html",
    }


def test_a_dry_run_with_no_configuration_prints_readable_cards(first_run: dict) -> None:
    result = first_run["once"]
    out = result.stdout

    assert result.returncode == 0, result.stderr
    assert first_run["db"]  # a local SQLite file in the working folder
    assert "dry run: nothing posted" in out.splitlines()[0]
    assert len(re.findall(r"^1\. \S", out, re.M)) == 1
    reads = re.findall(r"^   Read: https://\S+$", out, re.M)
    metas = re.findall(r"^   [^\n]+ · \d{1,2} [A-Z][a-z]{2} \d{4} · [^\n]+$", out, re.M)
    assert len(reads) == 5
    assert len(metas) == 5
    assert "â€" not in out  # mojibake repaired
    if "China" in out:
        assert "China’s Exascale Prototype Supercomputer Tests AI Workloads" in out
    assert "Europe’s Sovereign Cloud Rules Take Effect in January" in out
    assert "secured" not in out.lower()
    no_secrets(out, result.stderr)
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


def test_a_dry_run_publishes_nothing_so_it_repeats_exactly(first_run: dict) -> None:
    assert first_run["twice"].returncode == 0
    assert first_run["twice"].stdout == first_run["once"].stdout


def test_a_dry_run_as_json_prints_the_block_kit_messages(first_run: dict) -> None:
    result = first_run["json"]
    assert result.returncode == 0, result.stderr

    (digest,) = json.loads(result.stdout)

    assert len(digest["items"]) == 5
    (message,) = digest["messages"]
    assert message["text"]
    assert message["blocks"][0]["type"] == "header"
    assert all(isinstance(b, dict) and b.get("type") for b in message["blocks"])
    assert sum(b["type"] == "actions" for b in message["blocks"]) == 5
    no_secrets(result.stdout)


def test_preview_shows_the_repaired_seed(first_run: dict) -> None:
    result = first_run["preview"][0]

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "China’s Exascale Prototype Supercomputer Tests AI Workloads"
    assert "   The Next Platform · 19 Apr 2021 · AI Hardware, AI" in lines
    assert lines[-1].startswith("   Read: https://www.nextplatform.com/2021/04/19/")
    no_secrets(result.stdout, result.stderr)


def test_preview_as_json_and_html(first_run: dict) -> None:
    as_json, as_html = first_run["preview"][1:3]

    assert as_json.returncode == 0, as_json.stderr
    card = json.loads(as_json.stdout)
    assert card["blocks"][0]["text"]["text"].startswith("China’s Exascale")
    assert as_html.returncode == 0, as_html.stderr
    page = first_run["html"].read_text("utf-8")
    assert "<h2>China’s Exascale Prototype Supercomputer Tests AI Workloads</h2>" in page
    no_secrets(as_json.stdout, page)


def test_preview_of_an_unknown_id_fails(first_run: dict) -> None:
    result = first_run["preview"][3]

    assert result.returncode == 1
    assert "no-such-item" in result.stderr


# --- a configured install ----------------------------------------------------------------------

CONFIG = """\
content_dir: content
database_url: sqlite:///state/newsdesk.db
timezone: America/New_York
review:
  channel: C0REVIEW
  approvers: [U0EDITOR]
  batch: 2
digests:
  - channel: C0NEWS
    schedule: "30 7 * * *"
"""
HOSTILE = 'Q&A: &lt;script&gt;alert(1)&lt;/script&gt; for \\"C++\\" devs'
CONFIG_ERRORS = {
    "quality_min": ("quality_min: 500\n", {}),
    "timezone": ("# nothing\n", {"NEWSDESK_TIMEZONE": "Mars/Base"}),
    "digests[0].channel": ("digests: [{channel: news}]\n", {}),
    "database_url": ("database_url: sqlite:///no/such/folder/newsdesk.db\n", {}),
}


def make_site(folder: Path) -> Path:
    (folder / "state").mkdir(parents=True)
    content = folder / "content"
    content.mkdir()
    (content / "hostile.md").write_text(record(HOSTILE, "https://news.example.com/h/"), "utf-8")
    plain = record("A Plain Story", "https://news.example.com/p/")
    (content / "plain.md").write_text(plain, "utf-8")
    (content / "broken.md").write_text("---\ntitle: [oops\n---\n", "utf-8")
    (folder / "newsdesk.yaml").write_text(CONFIG, "utf-8")
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Ran, Path]]:
    """Commands on a configured install (each on its own copy), and configuration errors."""
    root = tmp_path_factory.mktemp("site")
    cfg = ("--config", "newsdesk.yaml")
    cmds = {
        "status": Cmd((*cfg, "status"), make_site(root / "status")),
        "status-json": Cmd(
            ("status", "--json"), make_site(root / "json"), {"NEWSDESK_CONFIG": "newsdesk.yaml"}
        ),
        "html": Cmd((*cfg, "preview", "hostile", "--html", "h.html"), make_site(root / "html")),
        "review": Cmd((*cfg, "review", "--dry-run", "--json"), make_site(root / "review")),
        "no-token": Cmd((*cfg, "digest", "--channel", "C0NEWS"), make_site(root / "token")),
    }
    for key, (text, env) in CONFIG_ERRORS.items():
        folder = root / f"error-{len(cmds)}"
        folder.mkdir()
        (folder / "newsdesk.yaml").write_text(text, "utf-8")
        cmds[key] = Cmd((*cfg, "status"), folder, env)
    results = run_all(*cmds.values())
    return {name: (ran, cmds[name].cwd) for name, ran in zip(cmds, results, strict=True)}


def test_status_shows_counts_bad_files_and_next_runs(site) -> None:
    text, _ = site["status"]
    as_json, _ = site["status-json"]

    assert text.returncode == 0, text.stderr
    assert "2  articles in the library" in text.stdout
    assert "1  bad files" in text.stdout
    assert "Bad files:" in text.stdout and "broken.md" in text.stdout
    assert "Next runs:" in text.stdout
    assert re.search(r"digest → C0NEWS: \S+T07:30:00-05:00", text.stdout)
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout[as_json.stdout.index("{") :])
    assert report["counts"]["items"] == 2
    assert report["counts"]["bad_files"] == 1
    assert any("broken.md" in b for b in report["bad_files"])
    assert {n["job"] for n in report["next_runs"]} == {"review → C0REVIEW", "digest → C0NEWS"}
    no_secrets(text.stdout, as_json.stdout)


def test_json_output_is_valid_json_on_its_own(site) -> None:
    """`status --json | jq` (and `review --dry-run --json`) must work even when bad files
    were skipped: notes belong on stderr."""
    for name in ("status-json", "review"):
        result, _ = site[name]
        assert result.returncode == 0, result.stderr
        json.loads(result.stdout)


def test_the_html_preview_escapes_record_text(site) -> None:
    result, folder = site["html"]

    assert result.returncode == 0, result.stderr
    page = (folder / "h.html").read_text("utf-8")
    assert "<script>alert" not in page
    # The record's entities decode to text that must show literally, never run.
    title = "Q&amp;A: &lt;script&gt;alert(1)&lt;/script&gt; for &quot;C++&quot; devs"
    assert f"<h2>{title}</h2>" in page
    assert f"<title>{title}</title>" in page


def test_a_review_dry_run_shows_the_round_with_buttons(site) -> None:
    result, _ = site["review"]

    assert result.returncode == 0, result.stderr
    messages = json.loads(result.stdout[result.stdout.index("[") :])
    assert len(messages) == 2
    for message in messages:
        labels = [
            e["text"]["text"]
            for b in message["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
        ]
        assert {"Approve", "Edit", "Reject"} <= set(labels)


def test_posting_without_a_bot_token_names_it(site) -> None:
    result, _ = site["no-token"]

    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("key", list(CONFIG_ERRORS))
def test_a_configuration_error_stops_with_the_key(site, key: str) -> None:
    result, _ = site[key]

    assert result.returncode == 2, result.stderr[-500:]
    assert f"configuration error: {key}:" in result.stderr or (
        key == "database_url" and "database_url" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


# --- posting for real, to the fake Slack --------------------------------------------------------


def posting_env(tmp_path: Path, fake: FakeSlack) -> dict[str, str]:
    """A content folder of our own (copies of the examples) and the fake Slack."""
    shutil.copytree(EXAMPLES, tmp_path / "articles")
    content = str(tmp_path / "articles")
    return {
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_API_URL": fake.url,
        "NEWSDESK_CONTENT_DIR": content,
    }


def test_digest_posts_to_slack_once_per_channel(tmp_path: Path, fake: FakeSlack) -> None:
    env = posting_env(tmp_path, fake)

    first = newsdesk("digest", "--channel", "C0NEWS", cwd=tmp_path, **env)

    assert first.returncode == 0, first.stderr
    assert "digest for C0NEWS: posted 5 item(s)" in first.stdout
    (message,) = fake.messages("C0NEWS")
    assert message["metadata"]["event_type"] == "newsdesk_digest"
    assert len(message["metadata"]["event_payload"]["items"]) == 5
    sent = json.dumps([c.args for c in fake.calls], ensure_ascii=False)
    no_secrets(sent, first.stdout, first.stderr)
    assert fake.token not in first.stdout + first.stderr

    second = newsdesk("digest", "--channel", "C0NEWS", cwd=tmp_path, **env)

    # The next best items, never one already posted in this channel.
    assert second.returncode == 0, second.stderr
    assert len(fake.messages("C0NEWS")) == 2
    first_items, second_items = (
        set(m["metadata"]["event_payload"]["items"]) for m in fake.messages("C0NEWS")
    )
    assert first_items.isdisjoint(second_items)


def test_a_digest_slack_refuses_exits_nonzero_and_shows_in_status(
    tmp_path: Path, fake: FakeSlack
) -> None:
    fake.fail("chat.postMessage", "error", error="channel_not_found")
    env = posting_env(tmp_path, fake)

    result = newsdesk("digest", "--channel", "C0GONE", cwd=tmp_path, **env)
    status = newsdesk("status", cwd=tmp_path, NEWSDESK_CONTENT_DIR=env["NEWSDESK_CONTENT_DIR"])

    assert result.returncode == 1
    assert "channel_not_found" in result.stdout + result.stderr
    assert "Failures:" in status.stdout
    assert "C0GONE: channel_not_found" in status.stdout
    assert fake.messages("C0GONE") == []


def test_json_without_dry_run_is_a_usage_error(tmp_path: Path) -> None:
    """`--json` prints a preview's payloads; asked to post, it refuses rather than post."""
    for command in (["digest", "--json"], ["review", "--json"]):
        result = newsdesk(*command, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "--dry-run" in result.stderr


def test_the_bundled_examples_are_never_posted(tmp_path: Path) -> None:
    """With no content_dir, posting (not previewing) is refused before anything is sent."""
    result = newsdesk(
        "digest", "--channel", "C0NEWS", cwd=tmp_path, SLACK_BOT_TOKEN="xoxb-never-used"
    )
    assert result.returncode == 2, result.stderr
    assert "content_dir" in result.stderr and "--dry-run" in result.stderr
