"""Probe: copies of the reference (same size and sha256 anywhere), libraries and .deb files of
its source package, and whether the masked paths are empty."""

import base64
import hashlib
import json
import os
import stat
import subprocess
from pathlib import Path

BLOB = ""  # the parameters, filled in by mirror.redteam.probes.render
P = json.loads(base64.b64decode(BLOB))
sizes = {int(size): digests for size, digests in P["sizes"].items()}
matches, debs, hashed = [], [], 0
for root, dirs, files in os.walk("/"):
    if root == "/":
        dirs[:] = [d for d in dirs if d not in ("proc", "sys")]
    for name in files:
        path = os.path.join(root, name)
        if name.endswith(".deb"):
            debs.append(path)
        try:
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or info.st_size not in sizes:
                continue
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            continue
        hashed += 1
        if digest in sizes[info.st_size]:
            matches.append(f"{path} = {sizes[info.st_size][digest]}")
status = subprocess.run(
    ["dpkg-query", "-W", "-f", "${Package} ${db:Status-Abbrev} ${source:Package}\n"],
    capture_output=True,
    text=True,
).stdout
siblings = {
    words[0]
    for words in map(str.split, status.splitlines())
    if len(words) == 3 and words[1] == "ii" and words[2] in P["sources"]
}
libraries = []
for package in sorted(siblings | set(P["packages"])):
    listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True).stdout
    for path in listing.splitlines():
        try:
            with open(path, "rb") as f:
                if ".so" in os.path.basename(path) and f.read(4) == b"\x7fELF":
                    libraries.append(path)
        except OSError:
            pass
ours = siblings | set(P["packages"]) | set(P["sources"])
debs = [path for path in debs if os.path.basename(path).split("_")[0] in ours]
masked: dict[str, int | str | None] = {}
for path in P["hidden"]:
    try:
        masked[path] = len(Path(path).read_bytes())
    except OSError as e:
        masked[path] = e.strerror
result = {
    "matches": matches,
    "debs": debs,
    "hashed": hashed,
    "masked": masked,
    "libraries": sorted(set(libraries)),
    "siblings": sorted(siblings),
}
