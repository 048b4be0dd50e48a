"""``mirror report`` and ``mirror demo``: receipts in, heatmaps, CSV and a summary out.

The one route from receipts to files; the statistics, figures and summary live beside it
(stats.py, plots.py, speed.py, summary.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from mirror.errors import UserError
from mirror.memorization.join import attach_screen, plot_screen, screen_markdown
from mirror.memorization.screen import read_records
from mirror.reports.plots import plot_heatmaps, plot_pass_vs_compute
from mirror.reports.speed import plot_speed_accuracy
from mirror.reports.stats import solve_rates
from mirror.reports.summary import summary_markdown
from mirror.scoring.receipts import RECEIPT_GLOB, load_results
from mirror.specs.targets import Target

log = logging.getLogger(__name__)


class ReportError(UserError, ValueError):
    """There is nothing to report; the message says where receipts were looked for."""


def write_report(
    results_dir: Path, out_dir: Path, targets: Mapping[str, Target] | None = None
) -> list[Path]:
    """Load every receipt under ``results_dir`` and write heatmaps, CSV and summary to
    ``out_dir``; returns the files written."""
    table, skipped = load_results(results_dir, targets)
    screen = read_records(results_dir)
    table = attach_screen(table, screen)
    if table.empty and not screen:
        raise ReportError(
            f"no usable receipts ({RECEIPT_GLOB}) under {results_dir}"
            + (f": {len(skipped)} skipped as malformed" if skipped else "")
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    screened = [out_dir / "memorization_screen.png"] if screen else []
    if screen:
        plot_screen(screen, screened[0])
    if table.empty:  # a screen and no runs yet: the screen alone
        (out_dir / "summary.md").write_text(screen_markdown(screen, table), encoding="utf-8")
        return [*screened, out_dir / "summary.md"]
    rates = solve_rates(table)
    written = [out_dir / "results.csv", out_dir / "summary.md", out_dir / "solve_rate_heatmap.png"]
    table.drop(columns="curve").to_csv(written[0], index=False)
    summary = summary_markdown(table, rates, skipped, results_dir)
    if screen:
        summary += "\n" + screen_markdown(screen, table)
    written[1].write_text(summary, encoding="utf-8")
    written += screened
    plot_heatmaps(table, rates, written[2])
    if plot_pass_vs_compute(table, out_dir / "pass_vs_tokens.png"):
        written.append(out_dir / "pass_vs_tokens.png")
    if plot_speed_accuracy(table, out_dir / "speed_accuracy.png"):
        written.append(out_dir / "speed_accuracy.png")
    log.info("report of %d receipts written to %s", len(table), out_dir)
    return written
