"""Probe: processes of other users (the reference's, the runner's), and what can be done to
them: open their descriptors and memory, signal them, trace them."""

import base64
import ctypes
import json
import os
from pathlib import Path

BLOB = ""  # the parameters, filled in by mirror.redteam.probes.render
P = json.loads(base64.b64decode(BLOB))
libc = ctypes.CDLL(None, use_errno=True)
me, others, count = os.getuid(), {}, 0
for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        continue
    count += 1
    uid = int(status.split("Uid:")[1].split()[0])
    if uid == me and not any(word in cmd for word in P["words"]):
        continue
    tried: dict[str, str | None] = {}
    for what, mode in (
        ("fd/0", os.O_RDONLY),
        ("fd/1", os.O_WRONLY),
        ("mem", os.O_RDONLY),
        ("environ", os.O_RDONLY),
        ("exe", os.O_RDONLY),
    ):
        try:
            os.close(os.open(f"/proc/{pid}/{what}", mode))
            tried[what] = "opened"
        except OSError as e:
            tried[what] = e.strerror
    try:
        os.kill(pid, 0)
        tried["signal"] = "allowed"
    except OSError as e:
        tried["signal"] = e.strerror
    if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
        tried["ptrace"] = "attached"
        libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
    else:
        tried["ptrace"] = os.strerror(ctypes.get_errno())
    others[f"{pid} uid {uid} {cmd[:40]}"] = tried
result = {"others": others, "processes": count}
