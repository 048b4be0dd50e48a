"""Timing scripts run inside a box, so that what they time pays no `docker exec`."""

from __future__ import annotations

import json
from typing import Any

from mirror.errors import HarnessError


def python_in_box(box: Any, script: str, params: dict[str, Any], what: str) -> Any:
    """Run ``script`` as root in ``box`` by `python3 -I -S -c`, ``params`` as JSON in its
    argv[1]; return the JSON it prints. ``what`` names the timing in the error if it fails."""
    command = ["python3", "-I", "-S", "-c", script, json.dumps(params)]
    exit_code, (out, err) = box.container.exec_run(command, user="0", demux=True)
    if exit_code != 0:
        raise HarnessError(f"timing {what} in the box failed:\n{err.decode()}")
    return json.loads(out)
