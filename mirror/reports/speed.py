"""The speed x accuracy figure: each timed human or agent run's wall time against its pass
fraction, one panel per target."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import NullLocator

log = logging.getLogger(__name__)

TIMED_KINDS = ("human", "agent")
MARKERS = {"human": "^", "agent": "o"}
# Wall-time ticks a reader thinks in, rather than powers of ten of seconds.
TICKS = {
    1: "1 s",
    10: "10 s",
    60: "1 min",
    600: "10 min",
    3600: "1 h",
    6 * 3600: "6 h",
    24 * 3600: "1 d",
    7 * 24 * 3600: "1 wk",
}


def timed_runs(table: pd.DataFrame) -> pd.DataFrame:
    """The runs the figure shows: kind human or agent, with a wall time."""
    return table[table["kind"].isin(TIMED_KINDS) & table["wall_seconds"].notna()]


def plot_speed_accuracy(table: pd.DataFrame, path: Path) -> bool:
    """Wall time (log scale) against held-out pass fraction, one panel per target; humans and
    agent models drawn with different markers, one colour per candidate. False, and no file,
    when no run is timed."""
    runs = timed_runs(table)
    if runs.empty:
        return False
    targets = runs.sort_values(["bucket", "target"])["target"].drop_duplicates().tolist()
    kinds = runs.drop_duplicates("candidate").set_index("candidate")["kind"]
    candidates = sorted(kinds.index, key=lambda c: (TIMED_KINDS.index(kinds[c]), c))
    colours = {c: f"C{i % 10}" for i, c in enumerate(candidates)}
    seconds = runs["wall_seconds"].astype(float).clip(lower=1.0)  # a log axis has no 0
    low, high = seconds.min() / 2, seconds.max() * 2
    ticks = {at: label for at, label in TICKS.items() if low <= at <= high}

    ncols = min(3, len(targets))
    nrows = math.ceil(len(targets) / ncols)
    fig = Figure(figsize=(4.5 * ncols + 2.8, 3.4 * nrows + 0.8), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True).ravel()
    for ax, target in zip(axes, targets, strict=False):
        here = runs[runs["target"] == target]
        for candidate, group in here.groupby("candidate"):
            kind = kinds[candidate]
            ax.scatter(
                seconds[group.index],
                group["pass_fraction"],
                marker=MARKERS[kind],
                s=60 if kind == "human" else 40,
                color=colours[str(candidate)],
                edgecolors="black",
                linewidths=0.5,
                alpha=0.85,
            )
        ax.set_xscale("log")
        ax.set_xlim(low, high)
        if ticks:  # a range narrower than the gap between two of them keeps the default ticks
            ax.xaxis.set_minor_locator(NullLocator())
            ax.set_xticks(list(ticks), list(ticks.values()))
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"{target} [{here['bucket'].iloc[0]}]")
        ax.set_xlabel("wall time (log scale)")
        ax.set_ylabel("held-out pass fraction")
        ax.grid(alpha=0.3)
    for ax in axes[len(targets) :]:
        ax.set_visible(False)
    handles = [
        Line2D(
            [],
            [],
            linestyle="",
            marker=MARKERS[kinds[c]],
            markersize=8,
            markerfacecolor=colours[c],
            markeredgecolor="black",
        )
        for c in candidates
    ]
    labels = [f"{c} ({kinds[c]})" for c in candidates]
    fig.legend(handles, labels, loc="outside right upper", title="candidate (kind)")
    fig.suptitle("Speed x accuracy: wall time against held-out pass fraction, per target")
    fig.savefig(path, dpi=120)
    log.info("speed x accuracy figure of %d runs written to %s", len(runs), path)
    return True
