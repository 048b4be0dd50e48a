"""Kill and resume: `mirror run` SIGKILLed mid-sample goes on with `mirror run --resume`.

The run is the real CLI in its own process group, with a scripted mockllm agent that writes a
workspace file, then works step by step (each step appends to /work/steps). The test kills the
whole group while a step runs, checks the boxes and the workspace disk are still there, and
resumes: the workspace file written before the kill is still in /work, the conversation goes on
from where it stopped (the steps before the kill are in the final log once, the later ones
follow), a receipt is written, and no box or host folder of the run is left.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from inspect_ai.event import ModelEvent
from inspect_ai.log import read_eval_log
from inspect_ai.model import ChatMessageAssistant, ChatMessageTool

from mirror.boxes.engine import engine
from mirror.scoring.receipts import read_receipt
from mirror.specs.targets import bench_target
from scaffold._boxes import SAMPLE_LABEL, mounts_under, remove_leftovers
from scaffold._resume import RESUMED

pytestmark = pytest.mark.docker

STEPS = 12
BEFORE = 4  # steps done before the kill
# `mirror run` with a test playbook registered first (a test's playbooks are not in the package)
MIRROR = """
import sys
from scaffold import Call, playbook
from mirror.cli.main import main

@playbook("test-resume")
def steps(_target):
    yield Call("bash", {"command": "echo written-before-the-kill > /work/kept"})
    for step in range(1, STEPS):
        yield Call("bash", {"command": f"echo {step} >> /work/steps; sleep 1; echo step {step}"})
    yield Call("bash", {"command": "cat /work/kept; echo steps: $(cat /work/steps)"})
    yield Call("submit", {"answer": "done"})

main(sys.argv[1:], prog_name="mirror")
""".replace("STEPS", str(STEPS))


def mirror(args: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    """`mirror ARGS` in a process group of its own, output in tmp_path/ARGS[0].log."""
    env = {
        **os.environ,
        "MIRROR_STATE": str(tmp_path / "state"),
        "INSPECT_DISPLAY": "plain",
    }
    with open(tmp_path / f"{args[0]}-{len(list(tmp_path.glob('*.log')))}.log", "w") as output:
        return subprocess.Popen(
            [sys.executable, "-c", MIRROR, *args],
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )


def wait_for(
    process: subprocess.Popen[str], condition: Callable[[], bool], seconds: float, what: str
) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, f"the run ended ({process.returncode}) before {what}"
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.5)


def workspace(tmp_path: Path) -> Path | None:
    found = list((tmp_path / "state" / "sandboxes").glob("*/disk/work"))
    return found[0] if found else None


def steps_done(tmp_path: Path) -> int:
    work = workspace(tmp_path)
    steps = work / "steps" if work else None
    return len(steps.read_text().split()) if steps and steps.exists() else 0


def boxes(tmp_path: Path) -> list[str]:
    """The boxes of the run's samples (other processes may run boxes meanwhile)."""
    folders = tmp_path / "state" / "sandboxes"
    return [
        container.name
        for folder in (folders.iterdir() if folders.is_dir() else [])
        for container in engine().containers.list(
            all=True, filters={"label": f"{SAMPLE_LABEL}={folder.name}"}
        )
    ]


@pytest.fixture
def run_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    state = tmp_path / "state"
    folders = list((state / "sandboxes").iterdir()) if (state / "sandboxes").is_dir() else []
    left = boxes(tmp_path)
    for folder in folders:  # a failed test leaves nothing running either
        remove_leftovers(state, (folder / "owner").read_text())
    assert not left and not folders, f"left: {left}, {folders}"


def test_a_killed_run_resumes_with_its_workspace_and_conversation(run_dir: Path) -> None:
    tmp_path = run_dir
    args = ["run", "--model", "mockllm/model", "--target", "colt", "--script", "test-resume"]
    args += ["--time-limit", "600", "--log-dir", "logs"]
    first = mirror(args, tmp_path)
    try:
        wait_for(first, lambda: steps_done(tmp_path) >= BEFORE, 400, f"{BEFORE} steps of the agent")
        time.sleep(0.5)  # inside the next step's `sleep 1`: the kill comes mid-call
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    killed_at = steps_done(tmp_path)
    assert first.returncode == -signal.SIGKILL
    # What resume needs outlives the process: its boxes, and the workspace disk, still mounted.
    assert len(boxes(tmp_path)) == 2
    [folder] = (tmp_path / "state" / "sandboxes").iterdir()
    assert mounts_under(folder)

    resumed = mirror(["run", "--resume", "logs"], tmp_path)
    try:
        resumed.wait(timeout=600)
    finally:
        if resumed.poll() is None:
            os.killpg(resumed.pid, signal.SIGKILL)
    output = "\n".join(path.read_text() for path in sorted(tmp_path.glob("run-*.log")))
    assert resumed.returncode == 0, output[-4000:]

    log = re.search(r"^log: (\S+) \(success\)$", output, re.MULTILINE)
    receipt = re.search(r"receipt (\S+\.receipt\.json)$", output, re.MULTILINE)
    assert log and receipt, output[-4000:]
    final = read_eval_log(log[1])
    [sample] = final.samples or []
    commands = [
        call.arguments["command"]
        for message in sample.messages
        if isinstance(message, ChatMessageAssistant)
        for call in message.tool_calls or []
        if call.function == "bash"
    ]
    # The conversation went on: every step once, in order, the first ones from before the kill.
    assert commands[0] == "echo written-before-the-kill > /work/kept"
    numbers = [int(c.split()[1]) for c in commands[1:-1]]
    assert numbers == list(range(1, STEPS)), commands
    outputs = [m.text for m in sample.messages if isinstance(m, ChatMessageTool)]
    assert all(f"step {n}\n" in outputs for n in range(1, killed_at))  # results from before
    assert any("the run stopped while this call ran" in text for text in outputs)
    # The workspace survived: the file from before the kill, and every step's line once.
    steps = " ".join(str(n) for n in range(1, STEPS))
    assert f"written-before-the-kill\nsteps: {steps}\n" in outputs, outputs[-3:]
    record = read_receipt(tmp_path / receipt[1])
    assert record.kind == "agent" and record.agent and record.agent.log == log[1]
    # Its tokens count the killed run's too (the final log's calls are only the resumed run's).
    resumed_calls = sum(
        event.output.usage.total_tokens
        for event in sample.events
        if isinstance(event, ModelEvent) and event.output.usage
    )
    assert record.tokens and record.tokens > resumed_calls > 0
    assert sample.store[RESUMED] and "recovered" in sample.store[RESUMED][0]


def test_bench_sandbox_target_is_a_spec_role() -> None:
    assert bench_target("sandbox").bench.sandbox


def test_demo_agent_run_lands_on_the_heatmap(run_dir: Path) -> None:
    """`make demo`'s scripted agent: targets chosen by their spec, scored, and in `mirror report`
    as the candidate mockllm/scripted of kind agent."""
    import csv

    from mirror.demo import SCRIPTED_MODEL, agent_demo_targets, run_agent_demo

    tmp_path = run_dir
    targets = agent_demo_targets()
    assert [target.name for target in targets] == ["colt"]  # the one original target with one
    lines = run_agent_demo(tmp_path / "receipts", tmp_path / "logs", tmp_path / "state", targets)
    [line] = lines
    assert line.startswith(f"{SCRIPTED_MODEL} on colt: ")
    passed, total = line.split(": ")[1].split()[0].split("/")
    assert passed == total and int(total) > 0  # colt rebuilt from its own source passes all
    env = {**os.environ, "MIRROR_STATE": str(tmp_path / "state")}
    report = [str(Path(sys.executable).parent / "mirror"), "report", "--results", "receipts"]
    report += ["--out", "report"]
    done = subprocess.run(
        report, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "report" / "solve_rate_heatmap.png").stat().st_size > 0
    with open(tmp_path / "report" / "results.csv", encoding="utf-8") as file:
        rows = [row for row in csv.DictReader(file) if row["candidate"] == SCRIPTED_MODEL]
    assert [(row["target"], row["kind"], float(row["pass_fraction"])) for row in rows] == [
        ("colt", "agent", 1.0)
    ]


def test_a_released_sample_resumes_its_workspace_and_a_live_one_is_refused(run_dir: Path) -> None:
    """The boxes level: release keeps the keyed folder (what an interrupted sample does), a new
    start of the same key gets the same /work; a key whose sample runs is refused."""
    from scaffold._boxes import Bounds, start_sample

    state, colt = run_dir / "state", bench_target("sandbox")
    bounds = Bounds(cpus=1, memory="1g", pids=200, disk="64m")
    first = start_sample(colt, state, "p-test-a", bounds, key="task-colt-1")
    try:
        first.agent.exec_run(["sh", "-c", "echo kept > /work/file"], user="agent")
        with pytest.raises(RuntimeError, match="running in another process"):
            start_sample(colt, state, "p-test-b", bounds, key="task-colt-1")
        assert mounts_under(first.folder)  # the refused start left the live sample alone
    finally:
        first.release()
    assert not mounts_under(first.folder) and (first.folder / "disk.img").is_file()
    assert boxes(run_dir) == []
    second = start_sample(colt, state, "p-test-b", bounds, key="task-colt-1")
    try:
        assert second.folder == first.folder
        assert second.agent.exec_run(["cat", "/work/file"]).output == b"kept\n"
    finally:
        second.close()
    assert not first.folder.exists()
