"""The files built from a reference's Debian source package, as seen in the box it runs in.

Run inside a box with the box's own ``python3`` (standard library only; the host reads this file
and passes it to ``python3 -I -c``). Given a binary and/or a source package name, it prints one
JSON object, the last line of its output:

- ``binary``: the binary's path, realpath, size, sha256, whether it is static (no ELF
  interpreter), its Debian package and that package's source package (null when dpkg owns no
  such file, e.g. a program built in the image).
- ``source_package``: ``--source`` if given, else the binary's source package (or null).
- ``packages``: the binary packages dpkg knows that are built from that source package.
- ``versions``: the installed version of each ``--versions`` package.
- ``linked``: the shared libraries the binary loads, as ``ldd`` names them.
- ``files``: the binary, the linked libraries and each ``--paths`` path, once each in that order:
  path, realpath, whether it exists, size and sha256 (of the realpath; null if unreadable),
  owning package and its source package, ``linked`` (``ldd`` lists it) and ``private`` (the
  binary itself, or a file of a package built from ``source_package``: the reference's own code,
  like jq's libjq or brotli's libbrotlidec, rather than a shared library like libc).
- ``source_libraries``: every shared library file (``*.so`` or ``*.so.N...``) of the installed
  packages built from ``source_package``, each also under ``/usr`` where it exists there (merged
  /usr: dpkg may know /lib/x, the file system has both): the reference's code whether or not the
  binary links it.
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
from typing import Any

SHARED_LIBRARY = re.compile(r"\.so(\.[0-9]+)*$")
PT_INTERP = 3


def run(*args: str) -> str:
    """The standard output of a command (empty when it fails or is missing)."""
    try:
        return subprocess.run(args, capture_output=True, text=True).stdout
    except OSError:
        return ""


def owner(path: str) -> str | None:
    """The Debian package that installed ``path``, or None.

    The realpath first, then without its /usr prefix (merged /usr: dpkg knows /bin/sed, the
    file system says /usr/bin/sed), then the path as given (a symlink dpkg installed).
    """
    real = os.path.realpath(path)
    for name in dict.fromkeys([real, real.removeprefix("/usr"), path]):
        for line in run("dpkg-query", "-S", name).splitlines():
            if not line.startswith("diversion "):
                return line.split(":")[0].split(",")[0].strip()
    return None


def source_of(package: str | None) -> str | None:
    """The source package ``package`` is built from (dpkg says the package itself if none)."""
    return (package and run("dpkg-query", "-W", "-f", "${source:Package}", package)) or None


def is_static(data: bytes) -> bool:
    """True for an ELF64 executable without a program interpreter (PT_INTERP)."""
    if data[:4] != b"\x7fELF":
        return False
    phoff, phentsize, phnum = int.from_bytes(data[32:40], "little"), data[54], data[56]
    return not any(
        int.from_bytes(data[phoff + i * phentsize : phoff + i * phentsize + 4], "little")
        == PT_INTERP
        for i in range(phnum)
    )


def describe(path: str) -> tuple[dict[str, Any], bytes | None]:
    """What is at ``path``: realpath, existence, size, sha256 and owner."""
    real = os.path.realpath(path)
    try:
        with open(real, "rb") as f:
            data = f.read()
    except OSError:
        data = None
    package = owner(path) if os.path.lexists(path) else None
    return {
        "path": path,
        "realpath": real,
        "exists": os.path.exists(path),
        "size": None if data is None else len(data),
        "sha256": None if data is None else hashlib.sha256(data).hexdigest(),
        "package": package,
        "source": source_of(package),
    }, data


def built_from(source: str | None) -> list[str]:
    """The binary packages dpkg knows that are built from ``source``."""
    if not source:
        return []
    listing = run("dpkg-query", "-W", "-f", "${Package}\t${source:Package}\n")
    rows = [line.split("\t") for line in listing.splitlines()]
    return sorted({row[0] for row in rows if row[1:] == [source]})


def shared_libraries(packages: list[str]) -> list[str]:
    """Every shared library file the ``packages`` installed, also under /usr where it is."""
    found: list[str] = []
    listing = run("dpkg-query", "-L", *packages) if packages else ""
    for path in listing.splitlines():
        if path.startswith("/") and SHARED_LIBRARY.search(path):
            found += [p for p in (path, "/usr" + path) if os.path.isfile(p)]
    return sorted(set(found))


def facts(
    binary: str | None, source: str | None, versions: list[str], paths: list[str]
) -> dict[str, Any]:
    """The JSON object described in the module's docstring."""
    seen: dict[str, dict[str, Any]] = {}
    linked: list[str] = []
    described = None
    if binary:
        seen[binary], data = describe(binary)
        if data is None:
            raise SystemExit(f"source_files: cannot read the binary {binary}")
        described = seen[binary] | {"static": is_static(data)}
        linked = re.findall(r"=> (/\S+)", run("ldd", described["realpath"]))
    source = source or (described and described["source"]) or None
    packages = built_from(source)
    files = []
    for path in dict.fromkeys([*([binary] if binary else []), *linked, *paths]):
        entry = seen.get(path) or describe(path)[0]
        private = path == binary or entry["package"] in packages
        files.append(entry | {"linked": path in linked, "private": private})
    listing = run("dpkg-query", "-W", "-f", "${Package}\t${Version}\n", *versions)
    return {
        "binary": described,
        "source_package": source,
        "packages": packages,
        "versions": dict(line.split("\t") for line in listing.splitlines()) if versions else {},
        "linked": linked,
        "files": files,
        "source_libraries": shared_libraries(packages),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="source_files", description=__doc__.splitlines()[0])
    parser.add_argument("--binary", help="the reference binary, as the target spec names it")
    parser.add_argument("--source", help="its Debian source package (default: the binary's)")
    parser.add_argument("--versions", nargs="*", default=[], help="packages to report versions of")
    parser.add_argument("--paths", nargs="*", default=[], help="further paths to describe")
    args = parser.parse_args()
    if not (args.binary or args.source or args.paths):
        parser.error("give --binary, --source or --paths")
    print(json.dumps(facts(args.binary, args.source, args.versions, args.paths), sort_keys=True))


if __name__ == "__main__":
    main()
