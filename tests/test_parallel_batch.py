"""`oracle batch --jobs N` in a real reference box: the same outcomes as one job, in order.

Parallel jobs run at the same case-folder path in their own namespaces (oracle/jobs.py); these
tests show that a suite's outcomes do not depend on how many run at once, and that concurrent
cases neither see each other's folder nor lose their processes to each other's sweep.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mirror.boxes.containers import ReferenceBox, runner_box
from mirror.boxes.images import ensure_reference_image
from mirror.specs.targets import ROOT, all_targets, get_target
from oracle.case import Case, Outcome
from oracle.client import OracleClient

pytestmark = pytest.mark.docker
REPRESENTATIVE = "ncal"
ORACLE = str(Path(sys.executable).with_name("oracle"))


def batch(box: ReferenceBox, lines: str, jobs: int) -> list[dict]:
    """Run ``oracle batch --jobs N`` on JSON Lines against the box; return its records."""
    env = {**os.environ, "MIRROR_ORACLE_SOCKET": str(box.socket_path)}
    result = subprocess.run(
        [ORACLE, "batch", "--jobs", str(jobs)],
        input=lines.encode(),
        capture_output=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


def suite_lines(name: str) -> str:
    """The target's visible suite as batch input: each case under its own id."""
    records = [json.loads(line) for line in (ROOT / "targets" / name / "visible.jsonl").open()]
    return "".join(json.dumps({"id": r["id"], "case": r["case"]}) + "\n" for r in records)


def check_parallel_equals_sequential(box: ReferenceBox, name: str) -> None:
    lines = suite_lines(name)
    one, two = batch(box, lines, 1), batch(box, lines, 2)
    assert [r["id"] for r in two] == [json.loads(line)["id"] for line in lines.splitlines()]
    for first, second in zip(one, two, strict=True):
        # Outcomes omit empty fields (files): compare them as outcomes, field by field.
        expected, actual = Outcome.from_json(first), Outcome.from_json(second)
        assert expected.differences(actual) == [], first["id"]


def test_parallel_batch_equals_sequential_on_a_visible_suite(box_factory) -> None:
    check_parallel_equals_sequential(box_factory(REPRESENTATIVE), REPRESENTATIVE)


def test_one_job_sends_ahead_and_writes_every_record_in_input_order(box_factory) -> None:
    """With one job the requests go ahead of the outcomes on one connection: a bad line keeps
    its place, and each outcome is its own case's, as the case run alone gives it."""
    box = box_factory(REPRESENTATIVE)
    months = [str(month) for month in range(1, 13)] * 3
    lines = [json.dumps({"id": i, "args": [month, "2024"]}) for i, month in enumerate(months)]
    lines.insert(7, "{not json")
    records = batch(box, "\n".join(lines) + "\n", 1)
    assert records.pop(7)["line"] == 8
    assert [record["id"] for record in records] == list(range(len(months)))
    with OracleClient(box.socket_path) as client:
        alone = {month: client.run(Case(args=(month, "2024"))) for month in set(months)}
    for record, month in zip(records, months, strict=True):
        assert Outcome.from_json(record).differences(alone[month]) == [], record["id"]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(all_targets()) - {REPRESENTATIVE}))
def test_parallel_batch_equals_sequential_on_every_visible_suite(box_factory, name) -> None:
    check_parallel_equals_sequential(box_factory(name), name)


@pytest.mark.parametrize("waits", [(0.2, 0.8), (0.8, 0.2)])
def test_concurrent_cases_each_have_their_own_case_folder(
    tmp_path: Path, waits: tuple[float, float]
) -> None:
    """Two connections run at once, both in /case, each seeing only its own files; a case's
    background process outlives the other job's sweep, which ends first, and dies with its
    own case."""
    image = ensure_reference_image(get_target(REPRESENTATIVE)).tag
    socket = tmp_path / "s" / "o.sock"
    script = (
        'echo "$1" > mine; sleep 30 >/dev/null 2>&1 & sleep "$2"; pwd; ls; cat mine; '
        'kill -0 $! && echo alive; echo "$HOME"'
    )
    with (
        runner_box(image, "/bin/sh", "sh", socket, tmp_path / "log", "jobs"),
        OracleClient(socket) as first,
        OracleClient(socket) as second,
    ):
        from concurrent.futures import ThreadPoolExecutor

        started = time.monotonic()
        with ThreadPoolExecutor(2) as pool:
            futures = [
                pool.submit(client.run, Case(args=("-c", script, "sh", tag, str(wait))))
                for client, tag, wait in zip((first, second), ("one", "two"), waits, strict=True)
            ]
            outcomes = [future.result(timeout=60) for future in futures]
        elapsed = time.monotonic() - started
        for outcome, tag in zip(outcomes, ("one", "two"), strict=True):
            assert outcome.stdout == f"/case\nmine\n{tag}\nalive\n/case\n".encode(), outcome
            assert not outcome.timed_out and outcome.exit_code == 0
        assert elapsed < 1.5, f"the two cases did not run at once ({elapsed:.2f}s)"
        assert first.run(Case(args=("-c", "ls -A"))).stdout == b""
        assert second.run(Case(args=("-c", "ls -A"))).stdout == b""


def test_escaped_processes_of_concurrent_cases_die_with_their_case(tmp_path: Path) -> None:
    """A parallel job sweeps its own program's escapees, by their pid in its own namespace."""
    image = ensure_reference_image(get_target(REPRESENTATIVE)).tag
    socket = tmp_path / "s" / "o.sock"
    escape = "setsid sleep 1000 >/dev/null 2>&1 </dev/null & sleep 0.5; echo ran"
    with (
        runner_box(image, "/bin/sh", "sh", socket, tmp_path / "log", "jobs"),
        OracleClient(socket) as first,
        OracleClient(socket) as second,
    ):
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(c.run, Case(args=("-c", escape))) for c in (first, second)]
            assert [future.result(timeout=60).stdout for future in futures] == [b"ran\n"] * 2
        survivors = first.run(Case(args=("-c", "cat /proc/[0-9]*/comm"))).stdout.split()
        assert b"sleep" not in survivors
