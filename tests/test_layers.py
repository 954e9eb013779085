"""The layers stay layers: import-linter's contracts in pyproject.toml hold, and they bite.

Data flows one way (records -> store -> selection -> publishing -> Slack); a module that
imports a layer above its own fails here, naming the import chain.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# In a subprocess: the contracts are read from the folder's pyproject.toml, and `bot` is
# imported from that folder, not from wherever this test process found it.
LINT = [
    sys.executable,
    "-c",
    "import sys; from importlinter.cli import lint_imports;"
    " sys.exit(lint_imports(no_cache=True, no_logo=True))",
]


def lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    env_path = {"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        LINT, cwd=cwd, env=env_path, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_layer_contracts_are_kept() -> None:
    ran = lint(ROOT)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "broken" in ran.stdout and "0 broken" in ran.stdout


def test_an_upward_import_breaks_the_build(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "bot", copy / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    upward = copy / "bot" / "content" / "upward.py"
    upward.write_text("from bot.publishing import digest  # a record reaching up to Slack\n")
    ran = lint(copy)
    assert ran.returncode != 0
    assert "bot.content.upward -> bot.publishing.digest" in ran.stdout
