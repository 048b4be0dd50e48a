"""Sweeps on Ray: plans and manifests, nodes joining, and scripted sweeps on a two-node cluster.

The cluster tests start real Ray nodes on this machine (Ray's own ``Cluster``), each holding one
run at a time with a small object store, and run scripted ``mockllm`` agent runs through the
real sandbox, engine and scorer. Every cluster is shut down in a ``finally``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mirror.errors import UserError
from mirror.scoring.receipts import read_receipt
from mirror.sweep.manifest import Manifest, read_manifest, write_manifest
from mirror.sweep.nodes import RESOURCE, node_slots, worker_command
from mirror.sweep.plan import Limits, SweepPlan
from mirror.sweep.sweep import Progress, open_sweep

OBJECT_STORE = 200 << 20
DEADLINE = 900  # seconds a cluster test may take before it stops itself
# Short scripted runs: the idle playbook's three tool calls, then the limit.
LIMITS = Limits(message_limit=12, time_limit=300)
FAST_HEALTH_CHECKS = {
    "health_check_initial_delay_ms": 0,
    "health_check_period_ms": 1000,
    "health_check_failure_threshold": 3,
}


def plan(**changes) -> SweepPlan:
    fields = {"targets": ["colt", "uuidparse"], "models": ["mockllm/a", "mockllm/b"], "epochs": 2}
    return SweepPlan(**(fields | {"limits": LIMITS} | changes))


def test_plan_has_one_run_per_target_model_and_epoch() -> None:
    runs = plan(scripts={"mockllm/b": "other"}).runs()
    assert len(runs) == 8 and len({run.key for run in runs}) == 8
    assert {(r.model, r.script) for r in runs} == {("mockllm/a", "idle"), ("mockllm/b", "other")}
    assert [run.epoch for run in runs] == [1] * 4 + [2] * 4  # epoch by epoch
    assert runs[0].key == "colt/mockllm-a/epoch-1"


def test_models_that_share_a_folder_name_are_refused() -> None:
    with pytest.raises(UserError, match="share a run folder"):
        Manifest.new(plan(models=["x/y", "x-y"]))


def test_node_slots_follow_cores_and_memory() -> None:
    gib = 1 << 30
    assert node_slots(cpus=16, memory=64 * gib) == 7  # memory bounds: 64 // (8 + 1)
    assert node_slots(cpus=4, memory=64 * gib) == 2  # cores bound: 4 // 2
    assert node_slots(cpus=1, memory=2 * gib) == 1  # a small machine still holds one run


def test_worker_command_advertises_the_runs() -> None:
    command = worker_command("10.0.0.1:6379", 3, object_store=OBJECT_STORE)
    assert command[1:4] == ["start", "--block", "--address=10.0.0.1:6379"]
    assert f"--resources={json.dumps({RESOURCE: 3})}" in command
    assert "--head" in worker_command(None, 1, port=6380)


def test_resume_keeps_finished_runs_and_refuses_another_plan(tmp_path: Path) -> None:
    manifest = open_sweep(plan(), tmp_path, resume=False)
    first, second, *_ = manifest.runs.values()
    (tmp_path / "kept.receipt.json").write_text("{}")
    first.status, first.receipt = "done", "kept.receipt.json"
    second.status, second.receipt, second.attempts = "done", "gone.receipt.json", 1
    write_manifest(tmp_path, manifest)
    with pytest.raises(UserError, match="already holds a sweep"):
        open_sweep(plan(), tmp_path, resume=False)
    with pytest.raises(UserError, match="another plan"):
        open_sweep(plan(epochs=3), tmp_path, resume=True)
    resumed = open_sweep(None, tmp_path, resume=True)
    assert resumed.count("done") == 1 and resumed.count("pending") == 7
    assert resumed.runs[second.spec.key].attempts == 1  # its next attempt is its second
    assert read_manifest(tmp_path).id == manifest.id


@pytest.fixture
def ray_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Nodes started from here inherit a state folder of their own and no usage reporting."""
    monkeypatch.setenv("MIRROR_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    return tmp_path


@pytest.fixture
def cluster(ray_env: Path) -> Iterator:
    from ray.cluster_utils import Cluster

    started = Cluster(
        initialize_head=True,
        head_node_args={
            "num_cpus": 1,
            "resources": {RESOURCE: 1},
            "object_store_memory": OBJECT_STORE,
            "_system_config": FAST_HEALTH_CHECKS,
        },
    )
    try:
        yield started
    finally:
        started.shutdown()


def add_node(cluster):
    return cluster.add_node(num_cpus=1, resources={RESOURCE: 1}, object_store_memory=OBJECT_STORE)


@pytest.mark.docker
def test_worker_joins_a_cluster_advertising_its_runs(cluster, ray_env: Path) -> None:
    import ray

    args = ["worker", "--address", cluster.address, "--runs", "2"]
    args += ["--object-store-memory", str(OBJECT_STORE)]
    worker = subprocess.Popen(
        [Path(sys.executable).with_name("mirror"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ray.init(address=cluster.address)
    try:
        deadline = time.monotonic() + 120
        while ray.cluster_resources().get(RESOURCE) != 3 and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(1)
        assert ray.cluster_resources().get(RESOURCE) == 3  # the head's one and the worker's two
    finally:
        ray.shutdown()
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    assert "this node holds 2 concurrent runs" in output


def sandbox_boxes(owners: set[str]) -> list[str]:
    from mirror.boxes.engine import engine
    from scaffold._boxes import SANDBOX_LABEL

    found = engine().containers.list(all=True, filters={"label": SANDBOX_LABEL})
    return [c.name for c in found if c.labels.get(SANDBOX_LABEL) in owners]


def owners(manifest: Manifest) -> set[str]:
    return {owner for record in manifest.runs.values() for owner in record.owners}


@pytest.mark.docker
@pytest.mark.slow  # make test-all: see the note below
def test_two_node_sweep_survives_losing_a_node(cluster, ray_env: Path) -> None:
    """8 runs on two nodes (files sent back through Ray); the second node is killed while it
    holds a run, which is retried elsewhere and says so; a third node joins meanwhile.

    Slow, out of make test until the resumed run's disk mount is fixed: on a loaded machine
    (2026-11-27, a fresh clone's CI beside a red-team run) the retried run could not mount the
    killed attempt's sample disk within the 60 s scaffold/_boxes.py waits, and the run failed.
    """
    import ray

    from mirror.sweep.sweep import run_sweep

    second = add_node(cluster)
    results = ray_env / "sweep"
    started, killed = time.monotonic(), {}

    def watch(progress: Progress) -> None:
        assert time.monotonic() - started < DEADLINE, f"the sweep is too slow: {progress}"
        here = ray.get_runtime_context().get_node_id()
        assert second.node_id != here  # the driver is on the head: the second node may go
        if killed:
            return
        manifest = read_manifest(results)
        done_there = [r for r in manifest.runs.values() if r.status == "done" and r.node]
        on_second = [k for k, node in progress.running.items() if node == second.node_id]
        if on_second and any(r.node == second.node_id for r in done_there):
            killed["run"] = on_second[0]
            cluster.remove_node(second, allow_graceful=False)
            add_node(cluster)

    manifest = run_sweep(
        plan(), results, address=cluster.address, copy=True, on_progress=watch, poll=0.5
    )

    assert manifest.count("done") == 8, {k: r.error for k, r in manifest.runs.items()}
    receipts = sorted(results.glob("runs/**/*.receipt.json"))
    logs = {Path(read_receipt(path).agent.log) for path in receipts}
    assert len(receipts) == 8 and len(logs) == 8 and all(log.is_file() for log in logs)
    assert all(log.is_relative_to(results) for log in logs)  # copied back to the head
    nodes = {record.node for record in manifest.runs.values()}
    assert second.node_id in nodes and len(nodes) >= 2
    assert killed, "the second node never held a run after finishing one"
    lost = manifest.runs[killed["run"]]
    assert lost.attempts == 2 and lost.start in ("resumed", "restarted")
    assert lost.node != second.node_id and len(lost.owners) == 2
    stamp = json.loads((results / lost.receipt).read_text())["sweep"]
    assert stamp["attempt"] == 2 and stamp["start"] == lost.start
    assert stamp["node"] == lost.node and stamp["epoch"] == lost.spec.epoch
    for record in manifest.runs.values():  # one run at a time on every node
        others = [r for r in manifest.runs.values() if r.node == record.node and r is not record]
        assert all(
            r.finished_at <= record.started_at or record.finished_at <= r.started_at for r in others
        )
    assert sandbox_boxes(owners(manifest)) == []


def mirror_cli(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("mirror")), *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
    )


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(1)


@pytest.mark.docker
def test_an_interrupted_sweep_resumes_without_repeating_finished_runs(ray_env: Path) -> None:
    """`mirror sweep` on Ray on this machine alone, interrupted on its second run (Ctrl-C),
    then `mirror sweep --resume`: only the unfinished run runs again, and the heatmap follows."""
    results = ray_env / "sweep"
    args = ["sweep", "--models", "mockllm/model", "--targets", "colt", "--epochs", "2"]
    # Runs of 25 s (the idle playbook talking until its time limit), so one is under way.
    args += ["--message-limit", "100000", "--time-limit", "25", "--runs-per-node", "1"]
    args += ["--results", str(results)]
    head = mirror_cli(args, ray_env)
    try:

        def second_under_way() -> bool:
            assert head.poll() is None, head.communicate()
            if not (results / "sweep.json").exists():
                return False
            runs = read_manifest(results).runs.values()
            return [r.status for r in runs] == ["done", "running"]

        wait_for(second_under_way, DEADLINE, "the second run to start")
        head.send_signal(signal.SIGINT)
        head.communicate(timeout=300)
    finally:
        if head.poll() is None:
            head.kill()
    stopped = read_manifest(results)
    first, second = stopped.runs.values()
    assert (first.status, second.status, second.attempts) == ("done", "pending", 1)
    assert sandbox_boxes(owners(stopped)) == []  # the stopped run's boxes are gone

    resumed = mirror_cli(["sweep", "--resume", "--results", str(results)], ray_env)
    out, err = resumed.communicate(timeout=DEADLINE)
    assert resumed.returncode == 0, err[-3000:]
    manifest = read_manifest(results)
    again, after = manifest.runs.values()
    assert again == first  # not run again
    assert (after.status, after.attempts, after.start) == ("done", 2, "resumed")
    assert len(list(results.glob("runs/**/*.receipt.json"))) == 2
    assert (results / "report" / "solve_rate_heatmap.png").is_file()
    assert "2 of 2 runs scored" in out
    assert sandbox_boxes(owners(manifest)) == []


def test_harness_faults_are_told_from_other_errors_by_their_class() -> None:
    from mirror.sweep.runs import harness_fault

    assert harness_fault("Traceback ...\nmirror.scoring.score.ScoringError: a box went away")
    assert harness_fault("Traceback ...\ndocker.errors.NotFound: 404 Client Error")
    assert not harness_fault("Traceback ...\nValueError: unknown script 'x'")
    assert not harness_fault("")


@pytest.mark.docker
def test_a_run_the_harness_breaks_is_reported_as_such(
    ray_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The only node that holds runs has no Docker engine it can reach: the run is a harness
    error, with no receipt to count against the model."""
    from ray.cluster_utils import Cluster

    from mirror.sweep.sweep import run_sweep

    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "object_store_memory": OBJECT_STORE},  # holds no runs
    )
    try:
        monkeypatch.setenv("DOCKER_HOST", f"unix://{ray_env}/no-engine.sock")
        add_node(cluster)
        monkeypatch.delenv("DOCKER_HOST")
        results = ray_env / "sweep"
        one = SweepPlan(targets=["colt"], models=["mockllm/model"], epochs=1, limits=LIMITS)
        manifest = run_sweep(one, results, address=cluster.address)
    finally:
        cluster.shutdown()
    [record] = manifest.runs.values()
    assert record.status == "harness_error" and "Docker engine is not answering" in record.error
    assert record.receipt is None and list(results.glob("runs/**/*.receipt.json")) == []
