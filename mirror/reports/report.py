"""Solve-rate heatmaps, a CSV and a Markdown summary with confidence intervals, from receipts."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter, MaxNLocator, StrMethodFormatter
from scipy.stats import fisher_exact

from mirror.errors import UserError
from mirror.scoring.receipts import KIND_ORDER, RECEIPT_GLOB, Skipped, load_results
from mirror.specs.targets import Target

log = logging.getLogger(__name__)

Z95 = NormalDist().inv_cdf(0.975)
CMAP = colormaps["viridis"].with_extremes(bad="#dddddd")  # grey: no runs


class ReportError(UserError, ValueError):
    """There is nothing to report; the message says where receipts were looked for."""


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; (nan, nan) when there are no trials."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    shrink = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / shrink
    half = z / shrink * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def _ordered(table: pd.DataFrame) -> tuple[list[str], list[str]]:
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


def solve_rates(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (target, candidate): run count, solve rates at 100 % and 99 % with Wilson CIs."""
    rates = (
        table.groupby(["bucket", "target", "candidate", "kind"], observed=True)
        .agg(
            n=("run_id", "size"),
            solved_100=("solved_100", "sum"),
            solved_99=("solved_99", "sum"),
            best_pass=("pass_fraction", "max"),
            mean_pass=("pass_fraction", "mean"),
        )
        .reset_index()
    )
    for level in ("100", "99"):
        solved = rates[f"solved_{level}"]
        rates[f"rate_{level}"] = solved / rates["n"]
        bounds = [wilson_interval(k, n) for k, n in zip(solved, rates["n"], strict=True)]
        rates[f"low_{level}"] = [low for low, _ in bounds]
        rates[f"high_{level}"] = [high for _, high in bounds]
    return rates


def memorization_tests(table: pd.DataFrame) -> pd.DataFrame:
    """Per model, the 2x2 of memorized x solved over targets, with Fisher's exact test.

    The unit is a target, not a run: runs on one target share its memorization verdict, so
    counting runs would treat them as independent evidence. A target counts as memorized when
    any of its receipts says so, and as solved when any run solved it at 100 %.
    """
    screened = table[table["memorized"].notna()]
    per_target = screened.groupby(["candidate", "target"]).agg(
        memorized=("memorized", "any"), solved=("solved_100", "any")
    )
    rows = []
    for candidate, group in per_target.groupby(level="candidate"):
        cells = [
            int((group["memorized"].eq(mem) & group["solved"].eq(sol)).sum())
            for mem in (True, False)
            for sol in (True, False)
        ]
        result = fisher_exact([cells[:2], cells[2:]])
        rows.append([candidate, *cells, float(result.statistic), float(result.pvalue)])
    return pd.DataFrame(
        rows,
        columns=[
            "candidate",
            "memorized_solved",
            "memorized_unsolved",
            "clean_solved",
            "clean_unsolved",
            "odds_ratio",
            "p_value",
        ],
    )


def speed_accuracy(table: pd.DataFrame) -> pd.DataFrame:
    """Per target and agent model with human runs too: human / agent median wall time, and
    the mean pass fraction each reached."""
    timed = table[table["wall_seconds"].notna()]
    humans = timed[timed["kind"] == "human"].groupby("target")
    agents = timed[timed["kind"] == "agent"].groupby(["target", "candidate"])
    rows = []
    for (target, model), agent in agents:
        if target not in humans.groups:
            continue
        human = humans.get_group(target)
        human_time, agent_time = human["wall_seconds"].median(), agent["wall_seconds"].median()
        rows.append(
            {
                "target": target,
                "model": model,
                "human_seconds": float(human_time),
                "human_pass": float(human["pass_fraction"].mean()),
                "agent_seconds": float(agent_time),
                "agent_pass": float(agent["pass_fraction"].mean()),
                "speedup": float(human_time / agent_time) if agent_time else math.inf,
            }
        )
    return pd.DataFrame(rows)


def _pct(fraction: float, decimals: int = 0) -> str:
    """A percentage rounded down, so that 99.96 % never reads as 100 %."""
    scale = 10**decimals
    return f"{math.floor(fraction * 100 * scale + 1e-9) / scale:.{decimals}f}%"


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
    targets, candidates = _ordered(table)
    cells = rates.set_index(["target", "candidate"])
    grid = pd.MultiIndex.from_product([targets, candidates])

    def matrix(column: str) -> np.ndarray:
        series = cells[column].reindex(grid)
        return series.to_numpy(dtype=float).reshape(len(targets), len(candidates))

    rate, rate99, runs, best = (matrix(c) for c in ("rate_100", "rate_99", "n", "best_pass"))
    rate_labels = [
        [
            "no runs" if np.isnan(n) else f"{_pct(r)}\n99%: {_pct(r99)}\nn={n:.0f}"
            for r, r99, n in zip(rate[i], rate99[i], runs[i], strict=True)
        ]
        for i in range(len(targets))
    ]
    best_labels = [["no runs" if np.isnan(b) else _pct(b, 1) for b in row] for row in best]
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
    for ax, (values, labels, title, bar_label) in zip(fig.subplots(1, 2), panels, strict=True):
        image = ax.imshow(np.ma.masked_invalid(values), cmap=CMAP, vmin=0, vmax=1, aspect="auto")
        _annotate(ax, values, labels)
        for edge in bucket_edges:
            ax.axhline(edge, color="white", linewidth=3)
        ax.set_xticks(range(len(candidates)), column_names, rotation=30, ha="right")
        ax.set_yticks(range(len(targets)), row_names)
        ax.set_xlabel("candidate or model")
        ax.set_ylabel("target  [size bucket]")
        ax.set_title(title)
        fig.colorbar(image, ax=ax, label=bar_label, fraction=0.08)
    fig.suptitle("Held-out results per target and candidate (cells: runs on that target)")
    fig.savefig(path, dpi=120)


def plot_pass_vs_compute(table: pd.DataFrame, path: Path) -> bool:
    """Pass fraction against tokens (or cost when no run has tokens), one panel per target and
    one line per model; False, and no file, when no run carries either figure."""
    column = next((c for c in ("tokens", "cost_usd") if table[c].notna().any()), None)
    if column is None:
        return False
    data = table[table[column].notna()]
    targets, candidates = _ordered(data)
    ncols = min(3, len(targets))
    nrows = math.ceil(len(targets) / ncols)
    fig = Figure(figsize=(4.5 * ncols + 2.5, 3.4 * nrows + 0.8), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    colours = {c: f"C{i % 10}" for i, c in enumerate(candidates)}
    label = "tokens used" if column == "tokens" else "cost (USD)"
    for ax, target in zip(axes, targets, strict=False):
        runs = data[data["target"] == target]
        for candidate, group in runs.groupby("candidate"):
            group = group.sort_values(column)
            ax.plot(
                group[column].astype(float),
                group["pass_fraction"],
                marker="o",
                linewidth=1,
                alpha=0.8,
                color=colours[str(candidate)],
                label=str(candidate),
            )
        values = runs[column].astype(float)
        if values.min() > 0 and values.max() / values.min() > 20:
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
    fig.legend([lines[c] for c in candidates], candidates, loc="outside right upper", title="model")
    fig.suptitle(f"Held-out pass fraction vs {label}, per target (one line per model)")
    fig.savefig(path, dpi=120)
    return True


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _rate(k: int, n: int, low: float, high: float) -> str:
    return f"{k}/{n} = {_pct(k / n)} [{low:.0%}, {high:.0%}]"


def _pooled(solved: pd.Series) -> str:
    k, n = int(solved.sum()), len(solved)
    return _rate(k, n, *wilson_interval(k, n))


def _number(value: float, spec: str) -> str:
    return "n/a" if math.isnan(value) else format(value, spec)


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def summary_markdown(
    table: pd.DataFrame, rates: pd.DataFrame, skipped: Sequence[Skipped], results_dir: Path
) -> str:
    """The Markdown summary: solve rates with Wilson 95 % intervals, speed x accuracy, memorization
    x solved, and the receipts that were skipped."""
    parts = [
        "# mirrorcode results",
        f"{len(table)} receipts loaded from `{results_dir}` ({len(skipped)} skipped), "
        f"written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "## Solve rates",
        "A run is solved at 100 % when every held-out case matched byte for byte, at 99 % when "
        "at least 99 % did. Brackets: Wilson 95 % interval over runs.",
        _md_table(
            ["bucket", "target", "candidate", "kind", "solved 100 %", "solved 99 %", "best pass"],
            [
                [
                    r.bucket,
                    r.target,
                    r.candidate,
                    r.kind,
                    _rate(r.solved_100, r.n, r.low_100, r.high_100),
                    _rate(r.solved_99, r.n, r.low_99, r.high_99),
                    _pct(r.best_pass, 1),
                ]
                for r in rates.itertuples()
            ],
        ),
        "### Per candidate, all targets pooled",
        "Pooling treats every run as independent and weights targets by their run counts.",
        _md_table(
            ["candidate", "kind", "targets", "solved 100 %", "solved 99 %"],
            [
                [
                    candidate,
                    kind,
                    group["target"].nunique(),
                    _pooled(group["solved_100"]),
                    _pooled(group["solved_99"]),
                ]
                for (candidate, kind), group in table.groupby(["candidate", "kind"])
            ],
        ),
    ]
    speed = speed_accuracy(table)
    if not speed.empty:
        parts += [
            "## Speed x accuracy: human vs agent",
            "Median wall time of the runs on each side and the mean pass fraction they reached; "
            "speed-up = human time / agent time.",
            _md_table(
                ["target", "model", "human", "agent", "speed-up"],
                [
                    [
                        s.target,
                        s.model,
                        f"{_duration(s.human_seconds)} at {_pct(s.human_pass, 1)}",
                        f"{_duration(s.agent_seconds)} at {_pct(s.agent_pass, 1)}",
                        f"{s.speedup:.1f}x",
                    ]
                    for s in speed.itertuples()
                ],
            ),
        ]
    memorization = memorization_tests(table)
    if not memorization.empty:
        parts += [
            "## Memorization x solved",
            "Per model, over targets screened for memorization: a target is memorized when the "
            "screen says so, solved when any run solved it at 100 %. Fisher's exact test, "
            "two-sided.",
            _md_table(
                [
                    "model",
                    "memorized, solved",
                    "memorized, unsolved",
                    "not memorized, solved",
                    "not memorized, unsolved",
                    "odds ratio",
                    "Fisher p",
                ],
                [
                    [*row[:5], _number(row.odds_ratio, ".2f"), _number(row.p_value, ".3g")]
                    for row in memorization.itertuples(index=False)
                ],
            ),
        ]
    if skipped:
        parts += [
            "## Skipped receipts",
            "\n".join(f"- `{s.path}`: {s.problem}" for s in skipped),
        ]
    return "\n\n".join(parts) + "\n"


def write_report(
    results_dir: Path, out_dir: Path, targets: Mapping[str, Target] | None = None
) -> list[Path]:
    """Load every receipt under ``results_dir`` and write heatmaps, CSV and summary to
    ``out_dir``; returns the files written."""
    table, skipped = load_results(results_dir, targets)
    if table.empty:
        raise ReportError(
            f"no usable receipts ({RECEIPT_GLOB}) under {results_dir}"
            + (f": {len(skipped)} skipped as malformed" if skipped else "")
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    rates = solve_rates(table)
    written = [out_dir / "results.csv", out_dir / "summary.md", out_dir / "solve_rate_heatmap.png"]
    table.to_csv(written[0], index=False)
    written[1].write_text(summary_markdown(table, rates, skipped, results_dir), encoding="utf-8")
    plot_heatmaps(table, rates, written[2])
    if plot_pass_vs_compute(table, out_dir / "pass_vs_tokens.png"):
        written.append(out_dir / "pass_vs_tokens.png")
    from mirror.reports.speed import plot_speed_accuracy

    if plot_speed_accuracy(table, out_dir / "speed_accuracy.png"):
        written.append(out_dir / "speed_accuracy.png")
    log.info("report of %d receipts written to %s", len(table), out_dir)
    return written
