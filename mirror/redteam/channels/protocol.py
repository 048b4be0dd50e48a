"""Protocol channel: raw requests to the oracle socket."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mirror.redteam.context import Context
from mirror.redteam.judges import summary
from mirror.redteam.registry import Verdict, attack
from oracle.case import Case
from oracle.server import MAX_REQUEST_BYTES

log = logging.getLogger(__name__)
MALFORMED = [
    b"not json\n",
    b"[1, 2]\n",
    b'{"op": "exec", "command": "id"}\n',
    b'{"op": "run", "case": {"args": "--version"}}\n',
    b'{"op": "run", "case": {"stdin": {"base64": "@@"}}}\n',
    b'{"op": "run", "case": {"timeout": 1e9}}\n',
    b'{"op": "run", "case": {"args": ["a\\u0000b"]}}\n',
    b'{"op": "run", "case": {"env": {"A": "b\\u0000"}}}\n',
    b"\xff\xfe\n",
    b"[" * 100000 + b"]" * 100000 + b"\n",
    b'{"op": "run", "program": "/bin/sh", "case": {"args": ["-c", "echo PWNED"]}}\n',
]
RESERVED = ["LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "MIRROR_SANDBOX", "GLIBC_TUNABLES"]


def raw_request(path: Path, payload: bytes, timeout: float = 30.0) -> bytes:
    """Send raw bytes on a fresh connection; return the reply line (b"" if it closed)."""
    with socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(timeout)
        connection.connect(str(path))
        # The server stops reading an oversized request; its reply says why.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(payload)
        reply = b""
        while not reply.endswith(b"\n"):
            try:
                chunk = connection.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            reply += chunk
        return reply


def _request(case: dict[str, Any]) -> bytes:
    return json.dumps({"op": "run", "case": case}).encode() + b"\n"


def _rejected(reply: bytes) -> bool:
    try:
        return json.loads(reply).get("ok") is False
    except ValueError:
        return False


@attack("file names with .., absolute, empty parts", "protocol")
def protocol_names(ctx: Context) -> Verdict:
    names = ["../x", "/etc/x", "a/../../x", "./x", "a//b", "", "..", "a/\u0000"]
    replies = [raw_request(ctx.reference.socket_path, _request({"files": {n: "x"}})) for n in names]
    accepted = [n for n, reply in zip(names, replies, strict=True) if not _rejected(reply)]
    if accepted:
        return Verdict(True, f"accepted {accepted}")
    error = json.loads(replies[0])["error"]
    return Verdict(False, f"{len(names)} names rejected: {error[:70]}")


@attack("symlink planted by an earlier case", "protocol")
def protocol_symlink(ctx: Context) -> Verdict:
    _, client, folder = ctx.shell
    plant = "ln -s /oracle /case/d && ln -s /var/log/mirror /case/l && ln -s /oracle/f /case/f"
    planted = client.run(Case(("-c", plant)))
    files = {"d/planted": b"x", "l/planted": b"x", "f": b"x"}
    client.run(Case(("-c", "true"), files=files))
    found = [p.name for p in (*folder.glob("sock/*"), *folder.glob("log/*")) if p.name != "o.sock"]
    found = [name for name in found if name != "queries.jsonl"]
    if found:
        return Verdict(True, f"the runner wrote through symlinks: {found}")
    return Verdict(False, f"links made ({summary(planted)}), then files written: none escaped")


@attack("oversized request (over 64 MiB)", "protocol")
def protocol_oversized(ctx: Context) -> Verdict:
    payload = b'{"op": "run", "case": {"args": ["' + b"a" * (MAX_REQUEST_BYTES + 16) + b'"]}}\n'
    reply = raw_request(ctx.reference.socket_path, payload, timeout=60)
    problem = ctx.still_serving()
    if problem or not _rejected(reply):
        return Verdict(True, f"reply {reply[:80]!r}; {problem}")
    return Verdict(False, f"{json.loads(reply)['error']}; the oracle still answers")


@attack("malformed requests", "protocol")
def protocol_malformed(ctx: Context) -> Verdict:
    kinds = []
    for payload in MALFORMED:
        reply = raw_request(ctx.reference.socket_path, payload)
        if b"PWNED" in reply.replace(b"echo PWNED", b""):
            return Verdict(True, f"{payload[:50]!r} ran something else: {reply[:80]!r}")
        kinds.append("rejected" if _rejected(reply) else "closed" if not reply else "ran")
    problem = ctx.still_serving()
    counts = ", ".join(f"{kinds.count(k)} {k}" for k in sorted(set(kinds)))
    return Verdict(
        bool(problem), f"{len(MALFORMED)} requests: {counts}; {problem or 'still answers'}"
    )


@attack("environment that would disable the sandbox", "protocol")
def protocol_env(ctx: Context) -> Verdict:
    values = {"MIRROR_SANDBOX": "rw:/", "GLIBC_TUNABLES": "glibc.malloc.check=3"}
    replies = {
        name: raw_request(
            ctx.reference.socket_path, _request({"env": {name: values.get(name, "/case/x")}})
        )
        for name in RESERVED
    }
    accepted = [name for name, reply in replies.items() if not _rejected(reply)]
    if accepted:
        return Verdict(True, f"accepted {accepted}")
    return Verdict(
        False, f"{', '.join(RESERVED)} rejected: {json.loads(replies['LD_PRELOAD'])['error'][:50]}"
    )


@attack("flood: 32 connections x 20 requests", "protocol")
def protocol_flood(ctx: Context) -> Verdict:
    case = Case(())
    expected = ctx.run(case)

    def hammer(_: int) -> int:
        with ctx.reference.client() as client:
            return sum(client.run(case).same_behaviour(expected) for _ in range(20))

    started = time.monotonic()
    with ThreadPoolExecutor(32) as pool:
        same = sum(pool.map(hammer, range(32)))
    elapsed = time.monotonic() - started
    started = time.monotonic()
    problem = ctx.still_serving()
    after = time.monotonic() - started
    if problem or same != 640 or after > 5:
        return Verdict(True, f"{same}/640 identical in {elapsed:.1f}s; then {problem or after}")
    return Verdict(False, f"640/640 identical in {elapsed:.1f}s; then answered in {after:.2f}s")


@attack("200 idle connections", "protocol")
def protocol_idle(ctx: Context) -> Verdict:
    connections = []
    try:
        for _ in range(200):
            connection = socket.socket(socket.AF_UNIX)
            connection.connect(str(ctx.reference.socket_path))
            connections.append(connection)
        started = time.monotonic()
        problem = ctx.still_serving()
        after = time.monotonic() - started
    finally:
        for connection in connections:
            connection.close()
    return Verdict(
        bool(problem), problem or f"200 held open; a case still answered in {after:.2f}s"
    )
