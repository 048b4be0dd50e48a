"""Score over compute and the run as evidence: a scripted colt run snapshotted every few
thousand tokens, its curve, its evidence summary and files, and the report's curve figure.

The summary parts are also checked on their own, on real Inspect events and query-log lines.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.event import CompactionEvent, ModelEvent, ToolEvent
from inspect_ai.model import GenerateConfig, ModelOutput, ModelUsage

from mirror.boxes.engine import engine
from mirror.scoring.receipts import Receipt, read_receipt
from mirror.specs.targets import get_target
from mirror.suites import visible_path
from oracle.suite import read_suite
from scaffold import Call, mirrorcode, playbook
from scaffold._boxes import SANDBOX_LABEL
from scaffold._evidence import argument_shape, summarise
from scaffold._sandbox import OWNER

ROOT = Path(__file__).resolve().parent.parent
SOURCE = (ROOT / "targets" / "colt" / "colt.c").read_text()
BUILD = "mkdir -p bin\ngcc -O2 -std=c11 -o bin/colt colt.c\n"
COLT = get_target("colt")
VISIBLE = len(read_suite(visible_path(COLT)))
TIME_LIMIT = 600  # seconds per run; scoring gets half of it again
SNAPSHOT_TOKENS = 3000  # a scripted turn costs about 1,500 to 8,000 tokens
# The playbook's oracle queries: three, in two argument shapes.
QUERIES = [["-a", "r"], ["-a", "l"], ["-w", "12"]]


@playbook("test-evidence-colt")
def evidence_colt(_target) -> Iterator:
    """Three oracle queries, colt written and built, the visible tests once, submitted."""
    probe = "printf 'a bb\\nccc d\\n' > /tmp/in && " + " && ".join(
        f"oracle run --stdin /tmp/in -- {' '.join(args)}" for args in QUERIES[:2]
    )
    yield Call("bash", {"command": probe})
    yield Call("bash", {"command": f"oracle run --stdin /tmp/in -- {' '.join(QUERIES[2])}"})
    yield Call("text_editor", {"command": "create", "path": "/work/colt.c", "file_text": SOURCE})
    yield Call("text_editor", {"command": "create", "path": "/work/build.sh", "file_text": BUILD})
    yield Call("bash", {"command": "cd /work && sh build.sh && ls bin"})
    yield Call("run_visible_tests", {})
    yield Call("submit", {"answer": "colt rebuilt"})


@pytest.fixture(scope="module")
def scripted_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Receipt]]:
    """One scripted run, shared by the checks below (it takes about a minute)."""
    root = tmp_path_factory.mktemp("evidence")
    task = mirrorcode(
        targets="colt",
        script="test-evidence-colt",
        snapshot_tokens=SNAPSHOT_TOKENS,
        results=str(root / "results"),
        state=str(root / "state"),
        time_limit=TIME_LIMIT,
    )
    [log] = inspect_eval(task, model="mockllm/model", log_dir=str(root / "logs"), display="none")
    assert log.status == "success", log.error
    [sample] = log.samples
    [score] = sample.scores.values()
    path = Path(score.metadata["receipt"])
    yield path, read_receipt(path)
    mine = {"label": f"{SANDBOX_LABEL}={OWNER}"}  # other processes may run boxes meanwhile
    assert [c.name for c in engine().containers.list(all=True, filters=mine)] == []


@pytest.mark.docker
def test_every_run_has_a_curve(scripted_run: tuple[Path, Receipt]) -> None:
    path, receipt = scripted_run
    curve = receipt.curve
    assert curve is not None and len(curve) >= 3  # snapshots during the run, and the last
    tokens = [point.tokens for point in curve]
    assert tokens == sorted(tokens) and tokens[-1] == receipt.tokens
    assert curve[0].pass_fraction == 0.0  # the first turn only asked the oracle
    assert curve[-1].pass_fraction == receipt.pass_fraction == 1.0
    assert curve[-1].workspace == receipt.workspace
    for point in curve:
        assert (path.parent / point.snapshot).is_file(), point.snapshot
    # The snapshots' scoring left one receipt: the run's, not one per snapshot.
    assert list(path.parent.parent.parent.glob("**/*.receipt.json")) == [path]


@pytest.mark.docker
def test_the_evidence_matches_the_script(scripted_run: tuple[Path, Receipt]) -> None:
    path, receipt = scripted_run
    evidence = receipt.evidence
    assert evidence is not None
    assert evidence.tool_calls == {"bash": 3, "run_visible_tests": 1, "submit": 1, "text_editor": 2}
    assert evidence.oracle_queries == receipt.oracle_queries == len(QUERIES)
    assert evidence.oracle_shapes == 2
    assert evidence.common_shapes == {"-a <text>": 2, "-w <num>": 1}
    assert evidence.visible_test_runs == 1 and evidence.compactions == 0
    first = evidence.first_full_visible
    assert first is not None and 0 < first.tokens < receipt.tokens
    assert 0 < first.seconds <= receipt.wall_seconds

    queries = path.parent / evidence.queries
    logged = [json.loads(line) for line in queries.read_text().splitlines()]
    assert [entry["args"] for entry in logged] == QUERIES
    assert evidence.oracle_seconds == pytest.approx(sum(e["duration"] for e in logged), abs=1e-5)
    assert evidence.oracle_seconds > 0

    with tarfile.open(path.parent / evidence.workspace) as final:
        member = final.extractfile("work/colt.c")
        assert member is not None and member.read().decode() == SOURCE
        assert final.getmember("work/bin/colt").isreg()


@pytest.mark.docker
def test_mirror_report_draws_the_curves(scripted_run: tuple[Path, Receipt], tmp_path: Path) -> None:
    path, _receipt = scripted_run
    results = path.parent.parent.parent
    out = tmp_path / "report"
    mirror = str(Path(sys.executable).parent / "mirror")
    done = subprocess.run(
        [mirror, "report", "--results", str(results), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "pass_vs_tokens.png").stat().st_size > 10_000
    assert "curve" not in (out / "results.csv").read_text().splitlines()[0]


def test_argument_shapes_keep_flags_and_abstract_values() -> None:
    assert argument_shape(["-a", "r", "--width=12", "-w", "-3", "in.txt", ""], ["in.txt"]) == (
        "-a <text> --width=<num> -w <num> <file> <empty>"
    )
    assert argument_shape(["--", "--name=x.json"], ["x.json"]) == "-- --name=<file>"
    assert argument_shape([]) == "(no arguments)"


def _model_event(tokens: int, at: datetime) -> ModelEvent:
    output = ModelOutput.from_content("mockllm/model", "thinking")
    output.usage = ModelUsage(input_tokens=tokens, output_tokens=0, total_tokens=tokens)
    return ModelEvent(
        model="mockllm/model",
        input=[],
        tools=[],
        tool_choice="auto",
        config=GenerateConfig(),
        output=output,
        timestamp=at,
    )


def test_summary_counts_events_and_queries() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def tool(function: str, arguments: dict, result: str, at: int) -> ToolEvent:
        return ToolEvent(
            id=f"call-{at}",
            function=function,
            arguments=arguments,
            result=result,
            timestamp=start + timedelta(seconds=at),
            completed=start + timedelta(seconds=at + 1),
            working_start=float(at),
            working_time=1.0,
        )

    everything = f"{VISIBLE} passed, 0 failed"
    events = [
        _model_event(1000, start),
        tool(
            "run_visible_tests",
            {"family": "tables"},
            "4 of 4 visible cases pass.\n4 passed, 0 failed",
            10,
        ),  # one family passing is not a full pass
        _model_event(2000, start + timedelta(seconds=20)),
        CompactionEvent(type="summary", tokens_before=3000, tokens_after=500),
        tool("bash", {"command": "cd /work && oracle test --show 1"}, everything, 30),
        _model_event(4000, start + timedelta(seconds=40)),
        tool(
            "run_visible_tests", {}, f"{VISIBLE} of {VISIBLE} visible cases pass.\n{everything}", 50
        ),
    ]
    queries = [
        {"args": ["-n", "5"], "files": {}, "duration": 0.25},
        {"args": ["-n", "7"], "files": {}, "duration": 0.5},
        {"args": ["in"], "files": {"in": 3}, "duration": 0.125},
    ]
    files = {"folder": "run.evidence", "queries": None, "workspace": "run.evidence/w.tar.gz"}
    summary = summarise(events, queries, VISIBLE, start, files)
    assert summary.tool_calls == {"bash": 1, "run_visible_tests": 2}
    assert summary.visible_test_runs == 3 and summary.compactions == 1
    assert (summary.oracle_queries, summary.oracle_shapes, summary.oracle_seconds) == (3, 2, 0.875)
    assert summary.common_shapes == {"-n <num>": 2, "<file>": 1}
    first = summary.first_full_visible
    assert first is not None  # the bash `oracle test`: the first run of the whole suite
    assert (first.tokens, first.seconds, first.working_seconds) == (3000, 31.0, 31.0)
