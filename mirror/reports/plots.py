"""The figures of a report: solve-rate heatmaps, and pass fraction against compute."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import EngFormatter, MaxNLocator, StrMethodFormatter

from mirror.reports.stats import percent
from mirror.scoring.receipts import KIND_ORDER

CMAP = colormaps["viridis"].with_extremes(bad="#dddddd")  # grey: no runs


def ordered(table: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Targets by bucket (S, M, L, unknown) then name; candidates by kind then name."""
    targets = table.sort_values(["bucket", "target"])["target"].drop_duplicates().tolist()
    kind_rank = table["kind"].map({kind: i for i, kind in enumerate(KIND_ORDER)})
    candidates = (
        table.assign(kind_rank=kind_rank)
        .sort_values(["kind_rank", "candidate"])["candidate"]
        .drop_duplicates()
        .tolist()
    )
    return targets, candidates


def _annotate(ax: Axes, values: np.ndarray, labels: list[list[str]]) -> None:
    for (row, col), value in np.ndenumerate(values):
        dark_cell = not np.isnan(value) and value < 0.6
        ax.text(
            col,
            row,
            labels[row][col],
            ha="center",
            va="center",
            fontsize=9,
            color="white" if dark_cell else "black",
        )


def plot_heatmaps(table: pd.DataFrame, rates: pd.DataFrame, path: Path) -> None:
    """Solve rate at 100 % (99 % rate and n runs annotated) beside the best pass fraction."""
    targets, candidates = ordered(table)
    cells = rates.set_index(["target", "candidate"])
    grid = pd.MultiIndex.from_product([targets, candidates])

    def matrix(column: str) -> np.ndarray:
        series = cells[column].reindex(grid)
        return series.to_numpy(dtype=float).reshape(len(targets), len(candidates))

    rate, rate99, runs, best = (matrix(c) for c in ("rate_100", "rate_99", "n", "best_pass"))
    rate_labels = [
        [
            "no runs" if np.isnan(n) else f"{percent(r)}\n99%: {percent(r99)}\nn={n:.0f}"
            for r, r99, n in zip(rate[i], rate99[i], runs[i], strict=True)
        ]
        for i in range(len(targets))
    ]
    best_labels = [["no runs" if np.isnan(b) else percent(b, 1) for b in row] for row in best]
    buckets = table.drop_duplicates("target").set_index("target")["bucket"].astype(str)
    row_names = [f"{target}  [{buckets[target]}]" for target in targets]
    kinds = table.drop_duplicates("candidate").set_index("candidate")["kind"]
    column_names = [f"{candidate}\n({kinds[candidate]})" for candidate in candidates]
    bucket_edges = [
        i - 0.5 for i in range(1, len(targets)) if buckets[targets[i]] != buckets[targets[i - 1]]
    ]

    width = 2 * (max(1.1 * len(candidates), 3) + 2.4)
    fig = Figure(figsize=(width, max(0.8 * len(targets), 2.4) + 2.8), layout="constrained")
    panels = [
        (rate, rate_labels, "Share of runs solved\n(100 % of held-out cases)", "solve rate"),
        (best, best_labels, "Best pass fraction\n(over the runs in the cell)", "pass fraction"),
    ]
    memorized = table[table["memorized"].fillna(False).astype(bool)]
    flagged = {
        (targets.index(t), candidates.index(c))
        for t, c in zip(memorized["target"], memorized["candidate"], strict=True)
    }
    for ax, (values, labels, title, bar_label) in zip(fig.subplots(1, 2), panels, strict=True):
        image = ax.imshow(np.ma.masked_invalid(values), cmap=CMAP, vmin=0, vmax=1, aspect="auto")
        _annotate(ax, values, labels)
        for row, col in flagged:  # the memorization screen flagged this model on this target
            ax.add_patch(
                Rectangle(
                    (col - 0.46, row - 0.46),
                    0.92,
                    0.92,
                    fill=False,
                    edgecolor="#e4572e",
                    linewidth=3,
                )
            )
        for edge in bucket_edges:
            ax.axhline(edge, color="white", linewidth=3)
        ax.set_xticks(range(len(candidates)), column_names, rotation=30, ha="right")
        ax.set_yticks(range(len(targets)), row_names)
        ax.set_xlabel("candidate or model")
        ax.set_ylabel("target  [size bucket]")
        ax.set_title(title)
        fig.colorbar(image, ax=ax, label=bar_label, fraction=0.08)
    fig.suptitle(
        "Held-out results per target and candidate (cells: runs on that target)"
        + (
            "\nred frame: the memorization screen flagged the model on that target"
            if flagged
            else ""
        )
    )
    fig.savefig(path, dpi=120)


def plot_pass_vs_compute(table: pd.DataFrame, path: Path) -> bool:
    """Pass fraction against tokens (or cost when no run has tokens), one panel per target and
    one colour per model; False, and no file, when no run carries either figure.

    A run with a curve (its workspace snapshots, scored) is drawn as its own line over tokens,
    a step at each snapshot, ending in a dot at its final score; runs without one are dots,
    joined per model in order of their tokens.
    """
    column = next((c for c in ("tokens", "cost_usd") if table[c].notna().any()), None)
    if column is None:
        return False
    data = table[table[column].notna()]
    targets, candidates = ordered(data)
    ncols = min(3, len(targets))
    nrows = math.ceil(len(targets) / ncols)
    fig = Figure(figsize=(4.5 * ncols + 2.5, 3.4 * nrows + 0.8), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    colours = {c: f"C{i % 10}" for i, c in enumerate(candidates)}
    label = "tokens used" if column == "tokens" else "cost (USD)"
    curved = data["curve"].notna() if column == "tokens" else pd.Series(False, data.index)
    for ax, target in zip(axes, targets, strict=False):
        runs = data[data["target"] == target]
        values = [*runs[column].astype(float)]
        for candidate, group in runs.groupby("candidate"):
            style = {"color": colours[str(candidate)], "alpha": 0.8, "label": str(candidate)}
            for curve in group.loc[curved[group.index], "curve"]:
                tokens, fractions = zip(*curve, strict=True)
                ax.plot(
                    tokens,
                    fractions,
                    drawstyle="steps-post",
                    linewidth=1.2,
                    marker="o",
                    markevery=[len(tokens) - 1],  # the final score
                    **style,
                )
                values += tokens
            single = group[~curved[group.index]].sort_values(column)
            if not single.empty:
                ax.plot(
                    single[column].astype(float),
                    single["pass_fraction"],
                    marker="o",
                    linewidth=1,
                    **style,
                )
        if min(values) > 0 and max(values) / min(values) > 20:
            ax.set_xscale("log")
        else:
            ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.xaxis.set_major_formatter(
            EngFormatter(sep="") if column == "tokens" else StrMethodFormatter("${x:,.3g}")
        )
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"{target} [{runs['bucket'].iloc[0]}]")
        ax.set_xlabel(label)
        ax.set_ylabel("held-out pass fraction")
        ax.grid(alpha=0.3)
    for ax in axes[len(targets) :]:
        ax.set_visible(False)
    lines = {str(line.get_label()): line for ax in axes for line in ax.lines}
    fig.legend(
        [lines[c] for c in candidates], candidates, loc="outside right center", title="model"
    )
    fig.suptitle(
        f"Held-out pass fraction vs {label}\nper target and model"
        + ("; steps: a run's scored snapshots" if curved.any() else "")
    )
    fig.savefig(path, dpi=120)
    return True
