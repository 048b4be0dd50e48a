"""``make demo``: the main job on embedded defaults, with no API key.

Builds the reference images of the targets whose spec says ``demo = true``, builds their suites
when they are missing, scores every calibration candidate in scoring boxes, and writes the
report (heatmap, CSV, summary) through the same function as ``mirror report``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tqdm import tqdm

from mirror.boxes.images import ensure_reference_image
from mirror.reports.report import write_report
from mirror.scoring.calibration import calibrate, calibration_table
from mirror.specs.targets import Target, all_targets
from mirror.suites import build_suite, heldout_dir, visible_path


def demo_targets() -> list[Target]:
    """The targets a demo scores: those whose spec says ``demo = true``."""
    return [target for target in all_targets().values() if target.demo]


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
    written = write_report(receipts, out)
    return "\n".join([calibration_table(runs), "", *map(str, written), f"receipts: {receipts}"])
