"""Probe: the oracle, from a box that must not have it."""

import os
import subprocess

listing: list[str] | str | None
try:
    listing = os.listdir("/oracle")
except OSError as e:
    listing = e.strerror
run = subprocess.run(["oracle", "run", "--", "--version"], capture_output=True)
result = {
    "env": os.environ.get("MIRROR_ORACLE_SOCKET"),
    "listing": listing,
    "exit": run.returncode,
    "stderr": run.stderr.decode(errors="replace")[:100],
}
