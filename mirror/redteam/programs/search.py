"""Probe: every readable file searched for the given strings; suite, receipt and log names."""

import base64
import json
import subprocess
from pathlib import Path

BLOB = ""  # the parameters, filled in by mirror.redteam.probes.render
P = json.loads(base64.b64decode(BLOB))
prune = ["(", "-path", "/proc", "-o", "-path", "/sys", "-o", "-path", "/dev", ")", "-prune", "-o"]
listing = subprocess.run(
    ["find", "/", *prune, "-type", "f", "-readable", "-print0"], capture_output=True
).stdout
grep = ["xargs", "-0", "-r", "grep", "-lsF"]
for text in P["strings"]:
    grep += ["-e", text]
files = subprocess.run(grep, input=listing, capture_output=True).stdout.decode().splitlines()
hits = {}
for path in files:
    data = Path(path).read_bytes()
    hits[path] = [i for i, text in enumerate(P["strings"]) if text.encode() in data]
names = ["-name", "*.receipt.json", "-o", "-name", "queries.jsonl", "-o", "-name"]
names += ["*.cases.jsonl", "-o", "-path", "*/heldout/*"]
named = subprocess.run(
    ["find", "/", *prune, "(", *names, ")", "-print"], capture_output=True
).stdout.decode()
result = {"hits": hits, "names": named.splitlines(), "searched": listing.count(b"\0")}
