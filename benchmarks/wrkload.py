"""wrk, run once: the load generator the HTTP benchmarks share.

`run(url, script, ...)` writes the Lua script, runs wrk bounded in connections and time
against a loopback URL, and reads the one `RESULT {json}` line the script prints in its
`done` hook (request count, seconds, latency percentiles, errors).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def run(
    url: str, script: str, tmp: Path, *, connections: int, seconds: int, threads: int = 1
) -> dict:
    """wrk's figures for one run, plus `rps` (requests per second)."""
    assert url.startswith("http://127.0.0.1:"), "load only ever goes to loopback"
    path = tmp / "load.lua"
    path.write_text(script, "utf-8")
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "2s"]
    out = subprocess.run(
        [*cmd, "-s", str(path), url],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    ).stdout  # fmt: skip
    stats = json.loads(out.split("RESULT ", 1)[1].splitlines()[0])
    return {**stats, "rps": stats["n"] / stats["secs"]}
