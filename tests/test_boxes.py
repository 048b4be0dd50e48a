"""Reference boxes on the real Docker engine: fidelity, containment, isolation."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings

from mirror.boxes.containers import runner_box
from mirror.boxes.engine import engine
from mirror.boxes.images import ensure_reference_image
from mirror.specs.generators import any_case
from mirror.specs.targets import all_targets, get_target
from oracle.case import Case
from oracle.client import OracleClient
from oracle.compare import explain, first_difference
from oracle.runner import Runner

pytestmark = pytest.mark.docker
ORACLE = str(Path(sys.executable).with_name("oracle"))
WROTE_FILES = b"oracle: the reference also wrote files; `oracle run --json` shows them\n"


def oracle_run(socket: Path, case: Case) -> subprocess.CompletedProcess[bytes]:
    """`oracle run` as a user types it, through the socket."""
    env = {**os.environ, "MIRROR_ORACLE_SOCKET": str(socket)}
    env_options = [f"--env={key}={value}" for key, value in case.env.items()]
    with tempfile.TemporaryDirectory() as folder:
        file_options = []
        for index, (name, data) in enumerate(case.files.items()):
            (Path(folder) / str(index)).write_bytes(data)
            file_options.append(f"--file={name}={folder}/{index}")
        command = [ORACLE, "run", "--stdin", "-", *env_options, *file_options, "--", *case.args]
        return subprocess.run(command, input=case.stdin, capture_output=True, env=env, timeout=60)


@pytest.mark.parametrize("name", sorted(all_targets()))
def test_oracle_run_is_byte_identical_to_running_the_program_directly(box_factory, name) -> None:
    box = box_factory(name)
    cases = any_case(name)

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )
    @given(cases)
    def check(case: Case) -> None:
        # The oracle first: its runner hands the case folder to the program's uid, as a
        # direct run that writes files there needs. Both sides are bounded: a case that never
        # ends (jq's `indices("")`) is no evidence.
        through_oracle = oracle_run(box.socket_path, case)
        args, files = list(case.args), dict(case.files)
        direct = box.exec_direct(args, case.stdin, case.env, timeout=case.timeout, files=files)
        assume(direct.exit_code != 137)
        # A case that writes files (sed's w, bib2json -o) also gets the client's note of them.
        # One comparison, so that a failure shows all three (stdout, stderr, exit code).
        stderr = through_oracle.stderr.removesuffix(WROTE_FILES)
        assert (through_oracle.stdout, stderr, through_oracle.returncode) == (
            direct.stdout,
            direct.stderr,
            direct.exit_code,
        )

    check()


def test_the_program_cannot_read_its_own_binary(box_factory) -> None:
    client = box_factory("jq").client()
    for args in (
        ["--rawfile", "x", "/proc/self/exe", "-n", "$x|length"],
        ["--rawfile", "x", "/usr/bin/jq", "-n", "$x|length"],
        ["-R", ".", "/usr/bin/jq"],
    ):
        outcome = client.run(Case(args=tuple(args)))
        assert outcome.exit_code != 0 and b"Permission denied" in outcome.stderr, args
        assert outcome.stdout == b""


def test_queries_are_logged_outside_the_socket_folder(box_factory) -> None:
    box = box_factory("ncal")
    box.client().run(Case(args=("2", "2024")))
    entries = [json.loads(line) for line in box.log_path.read_text().splitlines()]
    assert entries[-1]["args"] == ["2", "2024"] and entries[-1]["exit_code"] == 0
    assert [p.name for p in box.socket_path.parent.iterdir()] == [box.socket_path.name]


def test_oracle_batch_streams_over_one_connection(box_factory) -> None:
    box = box_factory("ncal")
    lines = "".join(json.dumps({"id": i, "args": [str(i), "2024"]}) + "\n" for i in range(1, 6))
    env = {**os.environ, "MIRROR_ORACLE_SOCKET": str(box.socket_path)}
    result = subprocess.run(
        [ORACLE, "batch"], input=lines.encode(), capture_output=True, env=env, check=True
    )
    outcomes = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in outcomes] == [1, 2, 3, 4, 5]
    assert all(o["exit_code"] == 0 and "2024" in o["stdout"] for o in outcomes)


def test_oracle_run_json(box_factory) -> None:
    box = box_factory("ncal")
    env = {**os.environ, "MIRROR_ORACLE_SOCKET": str(box.socket_path)}
    result = subprocess.run(
        [ORACLE, "run", "--json", "--", "-x"], capture_output=True, env=env, check=True
    )
    outcome = json.loads(result.stdout)
    assert outcome["exit_code"] == 64 and "invalid option" in outcome["stderr"]


def test_a_file_the_reference_writes_is_captured_and_a_different_one_fails(
    box_factory, tmp_path: Path
) -> None:
    """sed -i in the reference box: the file it rewrote is part of the gold, shown by
    `oracle run --json`; a candidate leaving other bytes in that file fails the case."""
    box = box_factory("sed")
    case = Case(args=("-i", "s/a/b/", "in.txt"), files={"in.txt": b"a\nca\n"})
    gold = box.client().run(case)
    assert (gold.stdout, gold.exit_code, gold.files) == (b"", 0, {"in.txt": b"b\ncb\n"})
    (tmp_path / "in.txt").write_bytes(b"a\nca\n")
    env = {**os.environ, "MIRROR_ORACLE_SOCKET": str(box.socket_path)}
    command = [ORACLE, "run", "--json", "--file", f"in.txt={tmp_path / 'in.txt'}", "--"]
    shown = subprocess.run([*command, *case.args], capture_output=True, env=env, check=True)
    assert json.loads(shown.stdout)["files"] == {"in.txt": "b\ncb\n"}
    candidate = tmp_path / "candidate"
    candidate.write_text('#!/bin/sh\nprintf "b\\nca\\n" > "$3"\n')  # only the first line
    candidate.chmod(0o755)
    yours = Runner(str(candidate), "sed", tmp_path / "case").run(case)
    assert yours.exit_code == 0 and yours.stdout == b""
    assert first_difference(gold, yours) == "files"
    assert "    -cb" in explain(gold, yours) and "    +ca" in explain(gold, yours)


@pytest.fixture(scope="module")
def shell_box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OracleClient]:
    """The jq reference image and hardening, serving /bin/sh: a hostile program on tap."""
    folder = tmp_path_factory.mktemp("shell-box")
    image = ensure_reference_image(get_target("jq")).tag
    with runner_box(image, "/bin/sh", "sh", folder / "s" / "o.sock", folder / "log", "sh") as box:
        with OracleClient(folder / "s" / "o.sock") as client:
            yield client
        assert box.status in ("created", "running")


def sh(client: OracleClient, script: str, timeout: float = 10.0):
    return client.run(Case(args=("-c", script), timeout=timeout))


def test_sleeping_forever_times_out_within_its_limit(shell_box: OracleClient) -> None:
    started = time.monotonic()
    outcome = sh(shell_box, "sleep 1000", timeout=1)
    assert outcome.timed_out and time.monotonic() - started < 3


def test_huge_output_is_truncated_and_the_server_keeps_answering(shell_box) -> None:
    outcome = sh(shell_box, "head -c 200000000 /dev/zero")
    assert outcome.stdout_truncated and len(outcome.stdout) < 200_000_000
    assert sh(shell_box, "echo alive").stdout == b"alive\n"


def test_fork_bomb_is_contained(shell_box: OracleClient) -> None:
    outcome = sh(shell_box, "b() { b | b & }; b", timeout=3)
    assert outcome.exit_code is not None or outcome.signal or outcome.timed_out
    started = time.monotonic()
    assert sh(shell_box, "echo alive").stdout == b"alive\n"
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "escape",
    [
        "setsid sleep 1000 >/dev/null 2>&1 < /dev/null &",
        # a session of two, whose leader outlives the case too
        "setsid sh -c 'sleep 1000 & exec sleep 999' >/dev/null 2>&1 < /dev/null &",
        # a daemon whose parent has already gone: an orphan while the case still runs
        "(setsid sleep 1000 >/dev/null 2>&1 < /dev/null &); sleep 0.2",
        # a sibling: clone(CLONE_PARENT) makes it a child of the resident launcher, not of
        # the program, in a session of its own
        "exec python3 -c 'import ctypes, os\n"
        "if ctypes.CDLL(None).syscall(56, 0x8000 | 17, 0, 0, 0, 0) == 0:\n"
        '    null = os.open("/dev/null", os.O_RDWR); [os.dup2(null, fd) for fd in (0, 1, 2)]\n'
        '    os.setsid(); os.execv("/bin/sleep", ["sleep", "1000"])\'',
    ],
)
def test_escaped_processes_do_not_outlive_their_case(shell_box: OracleClient, escape) -> None:
    sh(shell_box, escape)
    survivors = sh(shell_box, "cat /proc/[0-9]*/comm").stdout.split()
    assert b"sleep" not in survivors


def test_the_only_writable_place_is_the_case_folder(shell_box: OracleClient) -> None:
    probes = "for d in / /tmp /usr /etc /opt/mirror /oracle /var/log/mirror; do "
    probes += 'touch "$d/x" 2>/dev/null && echo "$d"; done; touch /case/x && echo /case'
    assert sh(shell_box, probes).stdout == b"/case\n"


def test_the_query_log_is_out_of_the_programs_reach(shell_box: OracleClient) -> None:
    outcome = sh(shell_box, "cat /var/log/mirror/queries.jsonl")
    assert outcome.exit_code != 0 and outcome.stdout == b""


@pytest.mark.parametrize(
    "address", ["1.1.1.1", "10.0.0.1", "172.17.0.1", "192.168.1.1", "127.0.0.1"]
)
def test_a_box_cannot_open_a_tcp_connection(shell_box: OracleClient, address: str) -> None:
    probe = (
        "import socket, sys\n"
        "s = socket.socket(); s.settimeout(2)\n"
        f"sys.exit(s.connect_ex(({address!r}, 80)))\n"
    )
    outcome = shell_box.run(Case(args=("-c", 'exec python3 -c "$P"'), env={"P": probe}))
    assert outcome.exit_code != 0


def test_a_box_has_no_network_interface_but_loopback(shell_box: OracleClient) -> None:
    interfaces = sh(shell_box, "ls /sys/class/net").stdout.split()
    assert interfaces == [b"lo"]


def test_mirror_oracle_serve_runs_until_interrupted_and_cleans_up(tmp_path: Path) -> None:
    socket = tmp_path / "sock" / "serve-test.sock"
    mirror = str(Path(sys.executable).with_name("mirror"))
    command = [mirror, "oracle", "serve", "ncal", "--socket", str(socket)]
    server = subprocess.Popen([*command, "--log-dir", str(tmp_path / "log")])
    try:
        deadline = time.monotonic() + 60
        while not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert oracle_run(socket, Case(args=("3", "2024"))).stdout.startswith(b"     March 2024")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert server.returncode == 0
    leftovers = engine().containers.list(all=True, filters={"label": "mirror.target=ncal"})
    assert not [c for c in leftovers if c.attrs["Config"]["Cmd"][3] == "/oracle/serve-test.sock"]


def test_the_sandbox_launcher_confines_a_program_it_execs(tmp_path: Path) -> None:
    """The way in for static programs: rules applied by sandbox-exec before the exec."""
    from mirror.boxes.images import SANDBOX_LAUNCHER

    image = ensure_reference_image(get_target("jq")).tag
    glibc = "/usr/lib/x86_64-linux-gnu"
    rules = f"rw:/case:w:/dev/null:x:/usr/bin/dash:x:{glibc}/libc.so.6"
    rules += f":x:{glibc}/ld-linux-x86-64.so.2"
    sandbox = ["--sandbox", rules, "--sandbox-launcher", SANDBOX_LAUNCHER]
    socket = tmp_path / "s" / "o.sock"
    with (
        runner_box(image, "/usr/bin/dash", "sh", socket, tmp_path / "log", "launch", sandbox),
        OracleClient(socket) as client,
    ):
        assert sh(client, "echo $0 in; echo x > f; read y < f; echo $y").stdout == b"sh in\nx\n"
        for path in ("/proc/1/cmdline", "/usr/bin/jq", "/etc/passwd", "/opt/mirror/oracle"):
            outcome = sh(client, f"read line < {path}")
            assert outcome.exit_code != 0 and b"Permission denied" in outcome.stderr, path
        assert sh(client, "env").stdout.count(b"MIRROR_SANDBOX") == 0
