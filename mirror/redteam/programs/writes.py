"""Probe: files created (in dirs) or opened for writing (files) outside where the box may write."""

import base64
import json
import os

BLOB = ""  # the parameters, filled in by mirror.redteam.probes.render
P = json.loads(base64.b64decode(BLOB))
written, refused = [], {}
for folder in P["dirs"]:
    path = os.path.join(folder, ".redteam-write-probe")
    try:
        with open(path, "x") as f:
            f.write("x")
        written.append(folder)
        os.unlink(path)
    except OSError as e:
        refused[folder] = e.strerror
for path in P["files"]:
    try:
        open(path, "a").close()
        written.append(path)
    except OSError as e:
        refused[path] = e.strerror
result = {"written": written, "refused": refused}
