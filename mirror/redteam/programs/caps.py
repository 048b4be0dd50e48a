"""Probe: the capabilities, no_new_privs and seccomp mode of the probe's own process."""

import os
from pathlib import Path

lines = Path("/proc/self/status").read_text().splitlines()
status = dict(line.split(":", 1) for line in lines)
keys = ("CapEff", "CapPrm", "NoNewPrivs", "Seccomp")
result: dict[str, str | int] = {key: status[key].strip() for key in keys}
result["uid"] = os.getuid()
