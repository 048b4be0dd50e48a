"""Agent runs end to end: scripted mockllm agents through the real provider, engine and scorer.

Every run is on the original target colt (its C source is the project's own), with the
receipt checked against the held-out suite, and no box of the run may outlive its test.
"""

from __future__ import annotations

import json
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
from scaffold._boxes import SANDBOX_LABEL

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
