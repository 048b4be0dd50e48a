"""The screen joined with agent runs: flags onto receipts, solve rates of flagged and unflagged
targets, the screen's figure and its part of the report's summary."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from mirror.memorization.screen import ScreenRecord
from mirror.reports.stats import percent, wilson_interval


def attach_screen(table: pd.DataFrame, records: Sequence[ScreenRecord]) -> pd.DataFrame:
    """``table`` (receipts) with ``memorized`` filled from the screen for agent runs whose model
    and target it screened; a verdict a receipt carries itself is kept."""
    verdicts = {(record.model, record.target): record.memorized for record in records}
    if table.empty or not verdicts:
        return table
    screened = pd.Series(
        [
            verdicts.get((candidate, target)) if kind == "agent" else None
            for candidate, target, kind in zip(
                table["candidate"], table["target"], table["kind"], strict=True
            )
        ],
        index=table.index,
        dtype="boolean",
    )
    return table.assign(memorized=table["memorized"].fillna(screened))


def flagged_solve_rates(table: pd.DataFrame) -> pd.DataFrame:
    """Per model, runs on flagged and on unflagged targets: solved at 100 %, with Wilson 95 %
    intervals (runs pooled within each group)."""
    screened = table[(table["kind"] == "agent") & table["memorized"].notna()]
    rows = []
    for model, runs in screened.groupby("candidate"):
        row: dict[str, object] = {"model": model}
        memorized = runs["memorized"].astype(bool)
        for name, group in (("flagged", runs[memorized]), ("clean", runs[~memorized])):
            k, n = int(group["solved_100"].sum()), len(group)
            low, high = wilson_interval(k, n)
            row |= {
                f"{name}_solved": k,
                f"{name}_runs": n,
                f"{name}_low": low,
                f"{name}_high": high,
            }
        rows.append(row)
    return pd.DataFrame(rows)


def plot_screen(records: Sequence[ScreenRecord], path: Path) -> None:
    """Per model: targets ordered by excess similarity with their 95 % intervals, the band
    shaded (up to its upper bound), flagged targets in red."""
    models = sorted({record.model for record in records})
    fig = Figure(figsize=(10, 2.2 + 2.6 * len(models)), layout="constrained")
    axes = fig.subplots(len(models), 1, squeeze=False)[:, 0]
    for ax, model in zip(axes, models, strict=True):
        rows = sorted((r for r in records if r.model == model), key=lambda r: r.excess)
        band = rows[0].band
        if band.mean is not None:
            top = band.upper if band.upper is not None else band.mean
            ax.axvspan(min(0.0, band.mean), top, color="#cccccc")
            ax.axvline(band.mean, color="#777777", linestyle="--", linewidth=1)
        colours = [
            "#c0392b" if r.memorized else "#2c7fb8" if not r.original else "#888888" for r in rows
        ]
        errors = [
            [r.excess - (r.low if r.low is not None else r.excess) for r in rows],
            [(r.high if r.high is not None else r.excess) - r.excess for r in rows],
        ]
        ax.barh(range(len(rows)), [r.excess for r in rows], xerr=errors, color=colours)
        ax.set_yticks(
            range(len(rows)),
            [f"{r.target}{' (original)' if r.original else ''}  n={r.functions}" for r in rows],
        )
        ax.set_xlim(min(-0.1, *(r.low or 0.0 for r in rows)), 1)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(
            "excess similarity: recited body vs its own, less vs the program's other bodies"
        )
        upper = _percent(band.upper)
        ax.set_title(
            f"{model}\ngrey: baseline band up to its upper 95 % bound ({upper}; "
            f"{len(band.programs)} programs after {band.cutoff}); red: memorized",
            fontsize=10,
        )
    fig.suptitle("Memorization screen: can the model recite the target's source?")
    fig.savefig(path, dpi=120)


def _percent(value: float | None) -> str:
    """Rounded, not floored as solve rates are: an excess can be a hair below zero."""
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:.1%}".replace("-0.0%", "0.0%")


def screen_markdown(records: Sequence[ScreenRecord], table: pd.DataFrame) -> str:
    """The summary's memorization screen section: verdicts per model and target, and solve
    rates of flagged against unflagged targets."""
    lines = [
        "## Memorization screen",
        "Similarity of the bodies a model recited with the true ones (normalised Indel, comments "
        "and whitespace normalised); chance: with the program's other sampled bodies; excess: "
        "the difference, with a 95 % t-interval over the target's functions. A target is "
        "memorized when the lower end of that interval lies above the baseline band's upper 95 % "
        "bound (excess of programs first published after the model's cutoff).",
        "| model | target | functions | similarity | chance | excess [95 %] | token "
        "| band (mean, upper) | memorized |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(records, key=lambda r: (r.model, -r.excess)):
        verdict = "original" if r.original else "yes" if r.memorized else "no"
        lines.append(
            f"| {r.model} | {r.target} | {r.functions} | {_percent(r.similarity)} | "
            f"{_percent(r.chance)} | {_percent(r.excess)} [{_percent(r.low)}, {_percent(r.high)}] "
            f"| {_percent(r.token_similarity)} | "
            f"{_percent(r.band.mean)}, {_percent(r.band.upper)} | {verdict} |"
        )
    rates = flagged_solve_rates(table) if not table.empty else pd.DataFrame()
    if not rates.empty:
        lines += [
            "",
            "Solve rate (100 %) of runs on flagged and on unflagged targets, Wilson 95 %:",
            "",
            "| model | flagged targets | unflagged targets |",
            "|---|---|---|",
        ]
        for row in rates.itertuples(index=False):
            cells = []
            for name in ("flagged", "clean"):
                k, n = getattr(row, f"{name}_solved"), getattr(row, f"{name}_runs")
                low, high = getattr(row, f"{name}_low"), getattr(row, f"{name}_high")
                cells.append(
                    "no runs" if n == 0 else f"{k}/{n} = {percent(k / n)} [{low:.0%}, {high:.0%}]"
                )
            lines.append(f"| {row.model} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"
