"""The Markdown summary of a report: every table, with the receipts that were skipped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from mirror.reports.stats import memorization_tests, percent, speed_accuracy, wilson_interval
from mirror.scoring.receipts import Skipped


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _rate(k: int, n: int, low: float, high: float) -> str:
    return f"{k}/{n} = {percent(k / n)} [{low:.0%}, {high:.0%}]"


def _pooled(solved: pd.Series) -> str:
    k, n = int(solved.sum()), len(solved)
    return _rate(k, n, *wilson_interval(k, n))


def _number(value: float, spec: str) -> str:
    return "n/a" if math.isnan(value) else format(value, spec)


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def _strength_section() -> list[str]:
    """The suite-strength table (``mirror tests coverage`` / ``mutate`` records), if any."""
    from mirror.strength.records import strength_rows

    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f} %"

    rows = strength_rows()
    if not rows:
        return []
    return [
        "## Suite strength",
        "Coverage of the reference's own source files by each suite, run against an "
        "instrumented build (`mirror tests coverage`), and the share of seeded single-point "
        "mutants of that source the held-out suite kills (`mirror tests mutate`).",
        _md_table(
            [
                "target",
                "visible lines",
                "held-out lines",
                "visible branches",
                "held-out branches",
                "held-out functions",
                "mutation score",
            ],
            [
                [
                    r.target,
                    cell(r.visible_line),
                    cell(r.heldout_line),
                    cell(r.visible_branch),
                    cell(r.heldout_branch),
                    cell(r.heldout_function),
                    f"{cell(r.mutation_score)} of {r.mutants}" if r.mutants else "-",
                ]
                for r in rows
            ],
        ),
    ]


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
                    percent(r.best_pass, 1),
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
                        f"{_duration(s.human_seconds)} at {percent(s.human_pass, 1)}",
                        f"{_duration(s.agent_seconds)} at {percent(s.agent_pass, 1)}",
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
    parts += _strength_section()
    if skipped:
        parts += [
            "## Skipped receipts",
            "\n".join(f"- `{s.path}`: {s.problem}" for s in skipped),
        ]
    return "\n\n".join(parts) + "\n"
