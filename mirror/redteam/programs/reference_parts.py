"""Run in the reference box as root: the binary (argv[1]), the libraries it loads and the
manifest's (argv[2:]), with sizes, digests, and whether each comes from the binary's own
source package. Prints one JSON line."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

binary, libraries = sys.argv[1], sys.argv[2:]


def owner(path):
    real = os.path.realpath(path)
    for name in dict.fromkeys([path, real, real.replace("/usr/", "/", 1)]):  # merged /usr
        query = subprocess.run(["dpkg", "-S", name], capture_output=True, text=True)
        if query.returncode == 0:
            return query.stdout.split(":")[0]
    return None


def query(*args):
    return subprocess.run(["dpkg-query", "-W", "-f", *args], capture_output=True, text=True).stdout


package = owner(binary)
sources = [query("${source:Package}", package).strip()] if package else []
packages = [
    line.split()[0]
    for line in query("${Package} ${source:Package}\n").splitlines()
    if line.split()[1:] == sources
]
ldd = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
linked = [line.split("=>")[1].split()[0] for line in ldd.splitlines() if "=> /" in line]
files = []
for path in dict.fromkeys([binary, *linked, *libraries]):
    data = Path(os.path.realpath(path)).read_bytes()
    private = path == binary or owner(path) in packages
    files.append([path, len(data), hashlib.sha256(data).hexdigest(), private, path in linked])
print(json.dumps({"files": files, "sources": sources, "packages": packages}))
