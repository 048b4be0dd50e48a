"""``make demo``: the main job on embedded defaults, with no API key.

Builds the reference images of the targets whose spec says ``demo = true``, builds their suites
when they are missing, scores every calibration candidate in scoring boxes, runs the scripted
agent of each target whose spec has a ``[demo_agent]`` (Inspect's ``mockllm``, shown as
``mockllm/scripted`` in the figures: the whole path from agent box to heatmap, with no key), and
writes the report (heatmap, CSV, summary) through the same function as ``mirror report``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tqdm import tqdm

from mirror.boxes.images import ensure_reference_image
from mirror.errors import HarnessError
from mirror.reports.report import write_report
from mirror.scoring.calibration import calibrate, calibration_table
from mirror.specs.targets import Target, all_targets
from mirror.suites import build_suite, heldout_dir, visible_path

SCRIPTED_MODEL = "mockllm/scripted"  # the agent demo's candidate, as the figures show it
DEMO_SCRIPT = "from-source"  # its playbook (scaffold/_script.py)
AGENT_TIME_LIMIT = 600  # seconds: the scripted run takes well under a minute


def demo_targets() -> list[Target]:
    """The targets a demo scores: those whose spec says ``demo = true``."""
    return [target for target in all_targets().values() if target.demo]


def agent_demo_targets() -> list[Target]:
    """The targets with a scripted agent run in the demo: those whose spec has a [demo_agent]."""
    return [target for target in all_targets().values() if target.demo_agent]


def run_agent_demo(receipts: Path, logs: Path, state: Path, targets: list[Target]) -> list[str]:
    """Run the scripted agent on ``targets`` (receipts under ``receipts/agent/``); return a
    line per sample: its held-out result, receipt and Inspect log."""
    from inspect_ai import eval as inspect_eval

    from scaffold._task import mirrorcode

    if not targets:
        return []
    task = mirrorcode(
        targets=[target.name for target in targets],
        script=DEMO_SCRIPT,
        results=str(receipts),
        state=str(state),
        time_limit=AGENT_TIME_LIMIT,
    )
    lines = []
    for log in inspect_eval(task, model=SCRIPTED_MODEL, log_dir=str(logs), display="none"):
        if log.status != "success":
            raise HarnessError(f"the scripted agent run did not finish: {log.error}")
        for sample in log.samples or []:
            for score in (sample.scores or {}).values():
                receipt = (score.metadata or {}).get("receipt")
                lines.append(
                    f"{SCRIPTED_MODEL} on {sample.id}: {score.answer} held-out cases; "
                    f"receipt {receipt}; log {log.location}"
                )
    return lines


def run_demo(out: Path, state: Path, targets: list[Target] | None = None) -> str:
    """Run the demo into ``out`` (receipts under ``out/receipts``, the report beside them);
    return the calibration table and the files written."""
    targets = demo_targets() if targets is None else targets
    for target in tqdm(targets, desc="reference images", unit="target"):
        ensure_reference_image(target)
    for target in targets:
        if not (visible_path(target).exists() and (heldout_dir(target) / "cases.jsonl").exists()):
            tqdm.write(f"{target.name}: no committed suite, building it")
            build_suite(target)
    receipts = out / "receipts"
    shutil.rmtree(receipts, ignore_errors=True)
    runs = calibrate(targets, receipts, state)
    agent_runs = run_agent_demo(receipts, out / "logs", state, agent_demo_targets())
    written = write_report(receipts, out)
    return "\n".join(
        [calibration_table(runs), "", *agent_runs, *map(str, written), f"receipts: {receipts}"]
    )
