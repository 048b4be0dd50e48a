"""Scoring speed: held-out cases through scoring boxes vs the same cases run bare on the host."""

from __future__ import annotations

import itertools
import os
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mirror.boxes.agent_image import ensure_agent_image, masks
from mirror.scoring.candidates import materialise
from mirror.scoring.score import copy_workspace, run_cases
from mirror.specs.targets import bench_target, get_target
from mirror.suites import SuiteCase, load_suite
from oracle.runner import BASE_ENV


def _bare_runner(workspace: Path, command: str, root: Path):
    """Run a case with plain subprocess on the host, each thread in its own folder."""
    local = threading.local()

    def run(entry: SuiteCase) -> bytes:
        if not hasattr(local, "folder"):
            local.folder = Path(tempfile.mkdtemp(dir=root))
        for name, data in entry.case.files.items():
            (local.folder / name).parent.mkdir(parents=True, exist_ok=True)
            (local.folder / name).write_bytes(data)
        env = {**BASE_ENV, "HOME": str(local.folder), **entry.case.env}
        result = subprocess.run(
            [str(workspace / "bin" / command), *entry.case.args],
            input=entry.case.stdin,
            capture_output=True,
            cwd=local.folder,
            env=env,
            timeout=entry.case.timeout,
        )
        return result.stdout

    return run


def scoring_benchmark(target_name: str | None = None, cases: int = 2000, workers: int = 2) -> str:
    """Wall time of scoring ``cases`` held-out cases vs running them bare, and the ratio.

    The target is ``target_name``, or by default the one whose spec sets ``[bench] scoring``.
    """
    target = get_target(target_name) if target_name else bench_target("scoring")
    heldout = load_suite(target).heldout
    entries = list(itertools.islice(itertools.cycle(heldout), cases))
    with tempfile.TemporaryDirectory(prefix="mirror-bench-") as tmp:
        workspace = materialise("reference", target, Path(tmp) / "candidate")
        work = copy_workspace(workspace, Path(tmp) / "scoring")
        ensure_agent_image(), masks(target)  # built or looked up once, not timed as scoring
        started = time.monotonic()
        outcomes = run_cases(work, target, entries, workers)
        scored = time.monotonic() - started
        passed = sum(o.same_behaviour(e.gold) for o, e in zip(outcomes, entries, strict=True))
        run = _bare_runner(workspace, target.command, Path(tmp))
        started = time.monotonic()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, entries))
        bare = time.monotonic() - started
    rows = [
        f"{cases} {target.name} held-out cases ({len(heldout)} distinct), {workers} workers, "
        f"the reference as candidate ({passed}/{cases} passed), {os.cpu_count()} cores",
        f"  scoring boxes (runner, isolation): {scored:7.2f} s {scored / cases * 1e3:6.2f} ms/case",
        f"  bare subprocess on the host:       {bare:7.2f} s {bare / cases * 1e3:6.2f} ms/case",
        f"  ratio scoring / bare: {scored / bare:.2f}x (goal: within 2x) "
        f"{'PASS' if scored <= 2 * bare else 'FAIL'}",
    ]
    return "\n".join(rows)
