"""``mirror memorize``: the command-line face of mirror.memorization."""

from __future__ import annotations

from pathlib import Path

import click

from mirror.cli.errors import MirrorCommand
from mirror.cli.tables import echo_table


@click.command("memorize", cls=MirrorCommand)
@click.option("--model", required=True, help="Any model Inspect reaches, e.g. openai/gpt-5.")
@click.option("--targets", default="", help="Targets separated by commas (default: all).")
@click.option(
    "--cutoff",
    default="2025-12",
    show_default=True,
    help="The model's training cutoff (YYYY-MM): the baseline uses programs released after it.",
)
@click.option("--functions", "k", type=click.IntRange(1), default=30, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--script",
    default="unrelated",
    show_default=True,
    help="How a mockllm model answers: unrelated, memorizer or memorizer:TARGET.",
)
@click.option(
    "--results",
    "results_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Records go to RESULTS/memorization/<model>/<target>.memorization.json.",
)
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Inspect logs (default: RESULTS/memorization/logs).",
)
def memorize_command(
    model: str,
    targets: str,
    cutoff: str,
    k: int,
    seed: int,
    script: str,
    results_dir: Path,
    log_dir: Path | None,
) -> None:
    """Screen a model for memorization of the targets' source.

    Samples K functions of each target's source at the built version and of baseline programs
    first released after the cutoff, asks the model for their bodies, and flags a target whose
    similarity (above chance) lies above the baseline band. `mirror report` joins the flags
    with solve rates.
    """
    from mirror.memorization.baseline import check_cutoff
    from mirror.memorization.run import run_screen

    check_cutoff(cutoff)
    names = [name.strip() for name in targets.split(",") if name.strip()] or None
    run = run_screen(
        model,
        names,
        results_dir,
        log_dir or results_dir / "memorization" / "logs",
        functions=k,
        seed=seed,
        cutoff=cutoff,
        script=script,
    )
    for program, why in sorted(run.unavailable.items()):
        click.echo(f"left out {program}: {why}", err=True)
    band = run.records[0].band if run.records else None
    if band is not None:
        upper = "n/a" if band.upper is None else f"{band.upper:.1%}"
        mean = "n/a" if band.mean is None else f"{band.mean:.1%}"
        click.echo(
            f"baseline band of excess similarity (cutoff {band.cutoff}, "
            f"{len(band.programs)} programs): mean {mean}, upper 95 % bound {upper}"
        )
    echo_table(
        ("target", "functions", "similarity", "chance", "excess [95 %]", "token", "memorized"),
        [
            (
                r.target,
                str(r.functions),
                f"{r.similarity:.1%}",
                f"{r.chance:.1%}",
                f"{r.excess:+.1%} "
                + ("" if r.low is None or r.high is None else f"[{r.low:+.1%}, {r.high:+.1%}]"),
                f"{r.token_similarity:.1%}",
                "original" if r.original else ("yes" if r.memorized else "no"),
            )
            for r in sorted(run.records, key=lambda r: -r.excess)
        ],
    )
    click.echo(f"log: {run.log} ({run.samples} samples)")
    for path in run.written:
        click.echo(path)
