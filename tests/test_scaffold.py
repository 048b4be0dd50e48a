"""Agent runs end to end: scripted mockllm agents through the real provider, engine and scorer.

Every run is on the original target colt (its C source is the project's own), with the
receipt checked against the held-out suite, and no box of the run may outlive its test.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog
from inspect_ai.model import ChatMessageTool

from mirror.boxes.engine import engine
from mirror.scoring.receipts import read_receipt
from mirror.specs.targets import get_target
from mirror.suites import heldout_dir, visible_path
from scaffold import Call, mirrorcode, playbook
from scaffold._boxes import SANDBOX_LABEL, mounts_under
from scaffold._script import PLAYBOOKS

pytestmark = pytest.mark.docker
COLT = get_target("colt")
ROOT = Path(__file__).resolve().parent.parent
SOURCE = (ROOT / "targets" / "colt" / "colt.c").read_text()
BUILD = "mkdir -p bin\ngcc -O2 -std=c11 -o bin/colt colt.c\n"
BUG = ("NUL byte in input", "NUL in input")
TIME_LIMIT = 300  # seconds per agent run: every run here is bounded


def write_colt(source: str) -> Iterator[Call]:
    """Probe the oracle, write the program with the text editor, build it, run the tests."""
    yield Call(
        "bash",
        {"command": "printf 'a bb\\nccc d\\n' > /tmp/in && oracle run --stdin /tmp/in -- -a r"},
    )
    yield Call("text_editor", {"command": "create", "path": "/work/colt.c", "file_text": source})
    yield Call("text_editor", {"command": "create", "path": "/work/build.sh", "file_text": BUILD})
    yield Call("bash", {"command": "cd /work && sh build.sh && ls bin"})
    yield Call("run_visible_tests", {})


@playbook("test-colt-correct")
def colt_correct(_target) -> Iterator:
    yield from write_colt(SOURCE)
    yield Call("submit", {"answer": "colt rebuilt"})


@playbook("test-colt-buggy")
def colt_buggy(_target) -> Iterator:
    yield from write_colt(SOURCE.replace(*BUG))
    yield Call("submit", {"answer": "colt rebuilt, almost"})


@playbook("test-colt-wrapper")
def colt_wrapper(_target) -> Iterator:
    wrapper = '#!/bin/sh\ncat > /tmp/stdin\nexec oracle run --stdin /tmp/stdin -- "$@"\n'
    yield Call("bash", {"command": "mkdir -p /work/bin"})
    yield Call("text_editor", {"command": "create", "path": "/work/bin/colt", "file_text": wrapper})
    yield Call("bash", {"command": "chmod +x /work/bin/colt"})
    yield Call("run_visible_tests", {"family": "tables"})
    yield Call("submit", {"answer": "the oracle, wrapped"})


def run(tmp_path: Path, script: str, **options) -> tuple[EvalLog, dict]:
    task = mirrorcode(
        targets="colt",
        script=script,
        results=str(tmp_path / "results"),
        state=str(tmp_path / "state"),
        time_limit=TIME_LIMIT,
        **options,
    )
    [log] = inspect_eval(
        task, model="mockllm/model", log_dir=str(tmp_path / "logs"), display="none"
    )
    assert log.status == "success", log.error
    [sample] = log.samples
    [score] = sample.scores.values()
    return log, score


def tool_outputs(log: EvalLog) -> list[str]:
    [sample] = log.samples
    return [m.text for m in sample.messages if isinstance(m, ChatMessageTool)]


def visible_cases() -> list[dict]:
    return [json.loads(line) for line in visible_path(COLT).read_text().splitlines()]


def heldout_cases() -> list[dict]:
    lines = (heldout_dir(COLT) / "cases.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(autouse=True)
def no_box_left(tmp_path: Path) -> Iterator[None]:
    yield
    left = engine().containers.list(all=True, filters={"label": SANDBOX_LABEL})
    assert [c.name for c in left] == []
    sandboxes = tmp_path / "state" / "sandboxes"
    assert not sandboxes.exists() or list(sandboxes.iterdir()) == []


def test_correct_agent_scores_full_marks(tmp_path: Path) -> None:
    log, score = run(tmp_path, "test-colt-correct")
    outputs = tool_outputs(log)
    assert "  a  bb\nccc   d\n" in outputs[0]  # the oracle answered, right-aligned
    count = len(visible_cases())
    assert outputs[4].startswith(f"{count} of {count} visible cases pass"), outputs[4]
    receipt = read_receipt(Path(score.metadata["receipt"]))
    assert (receipt.kind, receipt.candidate, receipt.target) == ("agent", "mockllm/model", "colt")
    assert receipt.passed == receipt.total == len(heldout_cases())
    assert score.value == {"pass_fraction": 1.0, "solved_99": 1, "solved_100": 1}
    assert receipt.tokens and receipt.tokens > 0
    assert receipt.wall_seconds and receipt.working_seconds is not None
    assert receipt.agent is not None
    assert receipt.agent.log == log.location and receipt.agent.sample_id == "colt"
    assert receipt.agent.epoch == 1 and receipt.agent.stopped_by is None


def test_one_bug_fails_exactly_its_cases(tmp_path: Path) -> None:
    _log, score = run(tmp_path, "test-colt-buggy")
    path = Path(score.metadata["receipt"])
    receipt = read_receipt(path)
    assert 0 < receipt.pass_fraction < 1 and score.value["solved_100"] == 0
    verdicts = [
        json.loads(line)
        for line in path.with_suffix("").with_suffix(".cases.jsonl").read_text().splitlines()
    ]
    failing = {v["case_id"] for v in verdicts if not v["passed"]}
    with_nul = {c["id"] for c in heldout_cases() if BUG[0] in c["gold"]["stderr"]}
    assert failing == with_nul and failing


def test_token_limit_stops_an_agent_that_never_submits(tmp_path: Path) -> None:
    log, score = run(tmp_path, "idle", token_limit=20_000)
    [sample] = log.samples
    assert sample.limit is not None and sample.limit.type == "token"
    receipt = read_receipt(Path(score.metadata["receipt"]))
    assert receipt.agent.stopped_by == "token"
    assert receipt.tokens >= 20_000 and receipt.pass_fraction == 0.0
    assert receipt.total == len(heldout_cases())  # every held-out case scored, none passed


def test_wrapping_the_oracle_scores_zero(tmp_path: Path) -> None:
    log, score = run(tmp_path, "test-colt-wrapper")
    tables = sum(case["family"] == "tables" for case in visible_cases())
    visible = tool_outputs(log)[3]
    assert visible.startswith(f"{tables} of {tables} visible cases pass"), visible  # in the box
    assert score.value == {"pass_fraction": 0.0, "solved_99": 0, "solved_100": 0}


MARKER = "MIRROR-ATTACK-4f1c"
SEARCH = "/task /work /oracle /tmp /home /opt /var /etc /srv /mnt /root /case /usr/local /usr/share"


def attacks(reference: dict) -> Iterator[Call]:
    """Through bash: the network, the Docker socket, the held-out suite, the reference's bytes,
    the oracle's query log. Each command prints what it found."""
    yield Call(
        "bash",
        {
            "command": "python3 -c \"\nimport socket\nfor host in ('1.1.1.1', '10.0.0.1'):\n"
            "    try:\n        socket.create_connection((host, 80), timeout=3)\n"
            "        print('NET-OPEN', host)\n    except OSError as e:\n"
            "        print('NET-BLOCKED', e)\n\"; cat /proc/net/route"
        },
    )
    yield Call(
        "bash",
        {
            "command": "for s in /var/run/docker.sock /run/docker.sock; do [ -e $s ] && "
            "echo DOCKER-FOUND; done; find / -xdev -name '*docker*.sock' 2>/dev/null; echo END"
        },
    )
    yield Call(
        "bash",
        {
            "command": "find / \\( -path /proc -o -path /sys \\) -prune -o -name '*.jsonl' -print "
            f"2>/dev/null; grep -rl {reference['heldout_id']} {SEARCH} 2>/dev/null; echo END"
        },
    )
    yield Call(
        "bash",
        {
            "command": "command -v colt || echo NO-COLT; find / \\( -path /proc -o -path /sys \\) "
            f"-prune -o -type f -size {reference['size']}c -print0 2>/dev/null | "
            "xargs -0 -r sha256sum 2>/dev/null; echo END"
        },
    )
    yield Call("bash", {"command": f"oracle run -- {MARKER}; echo EXIT $?"})
    yield Call(
        "bash",
        {
            "command": "ls /var/log/mirror 2>&1; find / \\( -path /proc -o -path /sys \\) -prune "
            f"-o -name 'queries*' -print 2>/dev/null; grep -rl {MARKER} {SEARCH} 2>/dev/null; "
            "echo END"
        },
    )
    yield Call("submit", {"answer": "nothing"})


@pytest.fixture(scope="module")
def reference_binary() -> dict:
    """The reference program's size and digest (read as root from its image) and a held-out id."""
    from mirror.boxes.images import ensure_reference_image

    image = ensure_reference_image(COLT).tag
    script = f"stat -c %s {COLT.binary}; sha256sum {COLT.binary}"
    output = engine().containers.run(
        image, ["sh", "-c", script], user="0", network_mode="none", remove=True
    )
    size, digest = output.decode().split()[:2]
    return {"size": size, "sha256": digest, "heldout_id": heldout_cases()[0]["id"]}


def test_attacker_gets_nothing(tmp_path: Path, reference_binary: dict) -> None:
    PLAYBOOKS["test-attacker"] = lambda _target: attacks(reference_binary)
    try:
        log, score = run(tmp_path, "test-attacker")
    finally:
        del PLAYBOOKS["test-attacker"]
    network, docker_socket, suite, program, query, query_log = tool_outputs(log)[:6]
    assert "NET-OPEN" not in network and network.count("NET-BLOCKED") == 2
    assert "DOCKER-FOUND" not in docker_socket and docker_socket.strip() == "END"
    assert suite.split() == ["/task/tests/visible.jsonl", "END"]
    assert "NO-COLT" in program and reference_binary["sha256"] not in program
    assert MARKER in query and "EXIT 1" in query  # the oracle answered the marked query...
    assert "queries" not in query_log.replace("No such file", "")  # ...and its log is not here
    assert query_log.splitlines()[-1] == "END" and MARKER not in query_log
    assert score.value["pass_fraction"] == 0.0


@playbook("test-crash")
def crash(_target) -> Iterator:
    yield Call("bash", {"command": "echo started > /work/notes"})
    raise RuntimeError("the scripted model fails mid-run")


def test_boxes_are_removed_when_a_sample_errors(tmp_path: Path) -> None:
    task = mirrorcode(targets="colt", script="test-crash", state=str(tmp_path / "state"))
    [log] = inspect_eval(task, model="mockllm/model", log_dir=str(tmp_path / "logs"))
    assert log.status == "error" and "fails mid-run" in str(log.error)
    # no_box_left checks that nothing of the sample is left


def cli(args: list[str], tmp_path: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {
        "MIRROR_STATE": str(tmp_path / "state"),
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
    }
    return subprocess.run(
        args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_mirror_run_leaves_a_log_and_a_receipt(tmp_path: Path) -> None:
    done = cli(["mirror", "run", "--model", "mockllm/model", "--target", "colt"], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    log = re.search(r"log: (\S+) \(success\)$", done.stdout, re.MULTILINE)
    receipt = re.search(r"receipt (\S+\.receipt\.json)$", done.stdout, re.MULTILINE)
    assert log and Path(log[1]).exists() and Path(log[1]).parent == tmp_path / "logs"
    assert receipt and read_receipt(tmp_path / receipt[1]).agent.log == log[1]


def test_inspect_eval_finds_the_task(tmp_path: Path) -> None:
    args = ["inspect", "eval", "mirrorcode/mirrorcode", "--model", "mockllm/model"]
    args += ["-T", "targets=colt", "--log-dir", "logs", "--display", "plain"]
    done = cli(args, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    [receipt] = (tmp_path / "results" / "agent" / "colt").glob("*.receipt.json")
    assert read_receipt(receipt).candidate == "mockllm/model"
    assert len(list((tmp_path / "logs").glob("*.eval"))) == 1


KILLED = """
import asyncio, os, signal
from scaffold._sandbox import MirrorSandbox
asyncio.run(MirrorSandbox.sample_init("killed", None, {"target": "colt"}))
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_inspect_sandbox_cleanup_removes_what_a_killed_process_left(tmp_path: Path) -> None:
    killed = cli([sys.executable, "-c", KILLED], tmp_path, timeout=120)
    assert killed.returncode == -9
    left = engine().containers.list(all=True, filters={"label": SANDBOX_LABEL})
    assert len(left) == 2  # its reference box and agent box
    [folder] = (tmp_path / "state" / "sandboxes").iterdir()
    assert mounts_under(folder)  # the workspace disk, still mounted
    done = cli(["inspect", "sandbox", "cleanup", "mirror"], tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not mounts_under(folder) and not folder.exists()


async def _provider_contract(state: Path) -> None:
    from inspect_ai.util import SandboxUserUnsupportedError

    from scaffold._sandbox import MirrorSandbox, MirrorSandboxConfig

    config = MirrorSandboxConfig(state=str(state), cpus=1.5, memory="3g", pids=300, disk="256m")
    environments = await MirrorSandbox.sample_init("contract", config, {"target": "colt"})
    try:
        box = environments["default"]
        agent = box.as_type(MirrorSandbox).boxes.agent
        host = agent.attrs["HostConfig"]
        assert (host["NanoCpus"], host["Memory"], host["PidsLimit"]) == (1.5e9, 3 << 30, 300)
        assert host["NetworkMode"] == "none" and host["ReadonlyRootfs"]
        await box.write_file("sub/file", b"x\r\ny\x00")  # makes /work/sub
        done = await box.exec(["sh", "-c", "echo $A; pwd; id -u; cat"], "in", "sub", {"A": "a"})
        assert done.stdout == "a\n/work/sub\n1000\nin"
        assert await box.read_file("/work/sub/file", text=False) == b"x\r\ny\x00"
        with pytest.raises(FileNotFoundError):
            await box.read_file("missing")
        with pytest.raises(PermissionError):
            await box.write_file("/task/TASK.md", "mine now")
        with pytest.raises(TimeoutError):
            await box.exec(["sleep", "30"], timeout=1)
        with pytest.raises(SandboxUserUnsupportedError):
            await box.exec(["id"], user="root")
        df = await box.exec(["df", "--output=size", "-B1M", "/work"])
        assert 200 < int(df.stdout.split()[-1]) <= 256  # its own disk, not the host's
        full = await box.exec(["sh", "-c", "head -c 300M /dev/zero > /work/big"])
        assert not full.success and "No space left" in full.stderr
    finally:
        await MirrorSandbox.sample_cleanup("contract", config, environments, False)


def test_provider_keeps_its_contract_and_bounds(tmp_path: Path) -> None:
    import asyncio

    asyncio.run(asyncio.wait_for(_provider_contract(tmp_path / "state"), timeout=180))


def test_sandbox_benchmark_times_both_routes(tmp_path: Path) -> None:
    from mirror.bench.sandbox import CLI, PROVIDER, sandbox_benchmark

    timings = sandbox_benchmark("colt", 3, tmp_path / "state")
    assert [t.method for t in timings] == [PROVIDER, CLI]
    assert all(0 < t.median_ms <= t.p90_ms and t.runs == 3 for t in timings)
