"""The statistics of a report: solve rates with Wilson intervals, memorization x solved with
Fisher's exact test, and human vs agent speed, from the table of receipts."""

from __future__ import annotations

import math
from statistics import NormalDist

import pandas as pd
from scipy.stats import fisher_exact

Z95 = NormalDist().inv_cdf(0.975)


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; (nan, nan) when there are no trials."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    shrink = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / shrink
    half = z / shrink * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


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


def percent(fraction: float, decimals: int = 0) -> str:
    """A percentage rounded down, so that 99.96 % never reads as 100 %."""
    scale = 10**decimals
    return f"{math.floor(fraction * 100 * scale + 1e-9) / scale:.{decimals}f}%"
