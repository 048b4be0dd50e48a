"""Timing scripts run inside a box, so that what they time pays no `docker exec`."""

from __future__ import annotations

import json
from typing import Any

from mirror.boxes.images import RUNNER_HOME
from mirror.errors import HarnessError

# Python for a timing script in a reference box: defines `runner`, the runner its server runs
# (built from PID 1's argv: the same program, uid, limits and sandbox).
SERVER_RUNNER = f"""
import sys
sys.path.insert(0, "{RUNNER_HOME}")
from oracle.cli import _runner
from oracle.runner import Sandbox
argv = [a.decode() for a in open("/proc/1/cmdline", "rb").read().split(b"\\0")[:-1]]
argv = argv[argv.index("serve") + 1:]
valued = {{"--socket", "--log", "--jobs", "--sandbox", "--sandbox-preload", "--sandbox-launcher"}}
runner, options = _runner(argv, valued)
if "--sandbox" in options:
    runner.sandbox = Sandbox(options["--sandbox"][-1],
                             options.get("--sandbox-preload", [None])[-1],
                             options.get("--sandbox-launcher", [None])[-1])
"""


def python_in_box(box: Any, script: str, params: dict[str, Any], what: str) -> Any:
    """Run ``script`` as root in ``box`` by `python3 -I -S -c`, ``params`` as JSON in its
    argv[1]; return the JSON it prints. ``what`` names the timing in the error if it fails."""
    command = ["python3", "-I", "-S", "-c", script, json.dumps(params)]
    exit_code, (out, err) = box.container.exec_run(command, user="0", demux=True)
    if exit_code != 0:
        raise HarnessError(f"timing {what} in the box failed:\n{err.decode()}")
    return json.loads(out)
