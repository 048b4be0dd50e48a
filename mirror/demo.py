"""``make demo``: the main job on embedded defaults, with no API key.

Builds the reference images of a few real targets, builds their suites when they are missing,
scores every calibration candidate in scoring boxes, and writes a table and a heatmap.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tqdm import tqdm

from mirror.boxes.images import ensure_reference_image
from mirror.reports.report import plot_heatmaps, solve_rates
from mirror.scoring.calibration import calibrate, calibration_table
from mirror.scoring.receipts import load_results
from mirror.specs.targets import get_target
from mirror.suites import build_suite, heldout_dir, visible_path

DEMO_TARGETS = ("cal", "numfmt", "jq", "sed")


def run_demo(out: Path, state: Path, names: tuple[str, ...] = DEMO_TARGETS) -> str:
    """Run the demo into ``out``; return the printed table."""
    targets = [get_target(name) for name in names]
    for target in tqdm(targets, desc="reference images", unit="target"):
        ensure_reference_image(target)
    for target in targets:
        if not (visible_path(target).exists() and (heldout_dir(target) / "cases.jsonl").exists()):
            tqdm.write(f"{target.name}: no committed suite, building it")
            build_suite(target)
    receipts = out / "receipts"
    shutil.rmtree(receipts, ignore_errors=True)
    runs = calibrate(targets, receipts, state)
    table, _ = load_results(receipts)
    heatmap = out / "heatmap.png"
    plot_heatmaps(table, solve_rates(table), heatmap)
    return f"{calibration_table(runs)}\n\nheatmap: {heatmap}\nreceipts: {receipts}"
