"""The C `oracle run` (oracle/client.c) against the Python one, byte for byte, errors included.

Both run as commands on generated command lines (options, arguments with undecodable bytes,
input files that are missing or folders, bad flags and values, missing or overlong sockets)
against one real server whose program prints what it was given; their stdout, stderr and exit
status must be identical. No Docker: the client is compiled here with the host's gcc.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from oracle.runner import Limits, Runner
from oracle.server import OracleServer

ROOT = Path(__file__).resolve().parent.parent

# The program behind the test server: shows its args, stdin, files, one env var and a stray
# byte; "sleep" outlives any timeout, "kill" dies of a signal, "write" writes output files
# (names and data not all UTF-8, an input changed), "big" more file bytes than the cap; the exit
# code varies.
PROGRAM = r"""#!/bin/sh
case "$1" in
  sleep) sleep 5 ;;
  kill) kill -9 $$ ;;
  write) printf 'out\377' > o.bin; printf 'caf\303\251 "q"\n' > "$(printf '\303\251').txt"
         mkdir -p s; printf '' > "s/n$(printf '\377')"; [ -f in ] && printf changed > in ;;
  big) head -c 5000 /dev/zero > .big ;;  # hidden: the listing below leaves it out
esac
printf '[%s]\n' "$@"
cat
for f in * */*; do [ -f "$f" ] && printf '%s:' "$f" && cat "$f"; done
printf 'X=%s\n' "$X"
printf 'err\377\n' >&2
exit $(( ${#1} % 7 ))
"""


@dataclass(frozen=True)
class Clients:
    c: Path
    python: Path
    socket: Path
    folder: Path


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clients]:
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc to compile oracle/client.c")
    folder = tmp_path_factory.mktemp("clients")
    python = folder / "oracle-py"
    python.write_text(
        f"#!{sys.executable} -IS\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from oracle.cli import main\nsys.exit(main())\n"
    )
    python.chmod(0o755)
    binary = folder / "oracle"
    flags = ["-O2", "-Wall", "-Wextra", "-Werror", f'-DORACLE_PYTHON="{python}"']
    subprocess.run(
        ["gcc", *flags, "-o", str(binary), str(ROOT / "oracle" / "client.c")],
        check=True,
        timeout=120,
    )
    program = folder / "program"
    program.write_text(PROGRAM)
    program.chmod(0o755)
    (folder / "inputs").mkdir()
    (folder / "inputs" / "a.txt").write_bytes(b"alpha\n")
    (folder / "inputs" / "b.bin").write_bytes(b"\xff\x00beta")
    (folder / "inputs" / "dir").mkdir()
    socket = folder / "oracle.sock"
    runner = Runner(str(program), "program", folder / "case", limits=Limits(output_bytes=4096))
    server = OracleServer(socket, runner)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Clients(binary, python, socket, folder)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def run_both(clients: Clients, argv: list[bytes], stdin: bytes, socket: bytes | None) -> None:
    env = {"LANG": "C.UTF-8", "PATH": os.environ["PATH"]}
    env_bytes = {key.encode(): value.encode() for key, value in env.items()}
    if socket is not None:
        env_bytes[b"MIRROR_ORACLE_SOCKET"] = socket
    results = [
        subprocess.run(
            [str(binary).encode(), *argv],
            input=stdin,
            capture_output=True,
            env=env_bytes,
            cwd=clients.folder / "inputs",
            timeout=30,
        )
        for binary in (clients.python, clients.c)
    ]
    python, c = ((r.returncode, r.stdout, r.stderr) for r in results)
    assert c == python, argv


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)
# Arguments as bytes: text, or raw bytes that are often not UTF-8 (argv can hold any but NUL).
ARG = st.one_of(
    TEXT.map(lambda text: text.replace("\0", "").encode()),
    st.binary(max_size=6).map(lambda data: data.replace(b"\0", b"")),
    st.sampled_from([b"kill", b"x", b"-", b"--", b"\xff", b"caf\xc3\xa9", b"\xed\xa0\x80"]),
    st.sampled_from([b"write", b"big"]),
    st.sampled_from([b"\x08\x0c\t\r\n\x01\x7f", b"'\"\\", "\u00e9\u2028\U0001f600".encode()]),
)
PATH = st.sampled_from([b"a.txt", b"b.bin", b"dir", b"missing", b"-", b"", b"caf\xe9"])
NAME = st.sampled_from([b"in", b"d/in", b"../up", b"a", b"\xff", b""])
TIMEOUT = st.one_of(
    st.sampled_from([b"3", b"2.5", b"1e1", b"700", b"-1", b"0", b"+4.", b".5e1", b"1e-400"]),
    st.sampled_from(
        [
            b"abc",
            b"inf",
            b"nan",
            b"1_0",
            b" 5",
            b"5 ",
            b"0x10",
            b"1e",
            b"--1",
            "\U0001f600\u00e9".encode(),
        ]
    ),
    st.sampled_from([b"1e15", b"1234567890123456789", b"6e-5", b"0.0001", b"600.0000000000001"]),
    st.floats(min_value=2, max_value=1e6).map(lambda x: repr(x).encode()),
    st.integers(min_value=2, max_value=10**30).map(lambda n: str(n).encode()),
    ARG,
)
OPTION = st.one_of(
    st.tuples(st.sampled_from([b"--json", b"--json=", b"--json=1", b"--bogus", b"-x", b"-"])),
    st.tuples(st.just(b"--stdin"), PATH),
    PATH.map(lambda path: (b"--stdin=" + path,)),
    st.tuples(st.just(b"--file"), st.tuples(NAME, PATH).map(lambda p: p[0] + b"=" + p[1])),
    st.tuples(st.just(b"--file"), st.sampled_from([b"novalue", b"=x", b"\xff"])),
    st.tuples(st.just(b"--env"), st.tuples(ARG, ARG).map(lambda p: p[0] + b"=" + p[1])),
    st.tuples(st.just(b"--env"), st.sampled_from([b"X=1", b"LD_X=1", b"MIRROR_\xff=", b"bad"])),
    st.tuples(st.just(b"--timeout"), TIMEOUT),
)
SOCKET = st.sampled_from(["real", "real", "real", "missing", "long", "empty", "unset"])


@given(
    options=st.lists(OPTION, max_size=5).map(lambda groups: [w for g in groups for w in g]),
    tail=st.sampled_from([[], [b"--"], [b"--file"], [b"--timeout"]]),
    args=st.lists(ARG, max_size=4),
    stdin=st.binary(max_size=40),
    where=SOCKET,
)
@example(options=[b"--timeout", b"0.3"], tail=[b"--"], args=[b"sleep"], stdin=b"", where="real")
@example(options=[b"--json"], tail=[b"--"], args=[b"kill"], stdin=b"", where="real")
@example(options=[b"--json", b"--stdin", b"-"], tail=[], args=[], stdin=b"\xfe", where="real")
@example(
    options=[b"--json"],
    tail=[],
    args=[b"\x08\x0c\t\x01\x7f", "\u00e9\u2028\U0001f600".encode()],
    stdin=b"",
    where="real",
)
@example(options=[b"--env", b"LD_\xff=1"], tail=[], args=[b"x"], stdin=b"", where="real")
@example(
    options=[b"--json", b"--file", b"in=a.txt"], tail=[], args=[b"write"], stdin=b"", where="real"
)
@example(options=[b"--file", b"in=a.txt"], tail=[], args=[b"write"], stdin=b"", where="real")
@example(options=[b"--json"], tail=[], args=[b"big"], stdin=b"", where="real")
@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
def test_c_and_python_clients_agree(
    clients: Clients,
    options: list[bytes],
    tail: list[bytes],
    args: list[bytes],
    stdin: bytes,
    where: str,
) -> None:
    socket = {
        "real": str(clients.socket).encode(),
        "missing": str(clients.folder / "none.sock").encode(),
        "long": b"/tmp/" + b"s" * 120,
        "empty": b"",
        "unset": None,
    }[where]
    run_both(clients, [b"run", *options, *tail, *args], stdin, socket)


@pytest.mark.parametrize(
    "argv",
    [[], [b"--help"], [b"run", b"--help"], [b"run", b"-h", b"x"], [b"frob"], [b"batch", b"x"]],
)
def test_other_commands_are_the_python_ones(clients: Clients, argv: list[bytes]) -> None:
    run_both(clients, argv, b"", str(clients.socket).encode())
