"""``mirror tests``: build, verify and list test suites (arguments, bars and tables only)."""

from __future__ import annotations

from pathlib import Path

import click

from mirror.cli.tables import echo_table
from mirror.specs.targets import Target, all_targets, get_target


def _chosen(names: tuple[str, ...], everything: bool) -> list[Target]:
    if everything:
        return [t for t in all_targets().values() if (t.folder / "generators.py").exists()]
    if not names:
        raise click.UsageError("name at least one TARGET, or pass --all")
    return [get_target(name) for name in names]


@click.group()
def tests() -> None:
    """Build, verify and list the visible and held-out test suites."""


@tests.command("build")
@click.argument("names", metavar="TARGET...", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Every target that has generators.")
@click.option("--seed", default=0, show_default=True, help="Hypothesis seed of the draws.")
@click.option("--runs", default=3, show_default=True, type=click.IntRange(2), help="Runs a case.")
@click.option("--keep-volatile", is_flag=True, help="Mark unstable cases volatile, not drop.")
@click.option("--visible-min", type=click.IntRange(1), help="Visible cases wanted at least.")
@click.option("--heldout-min", type=click.IntRange(1), help="Held-out cases wanted at least.")
@click.option(
    "--visible-out",
    type=click.Path(path_type=Path),
    help="Write the visible suite here, not targets/<name>/visible.jsonl (one target only).",
)
@click.option(
    "--grow",
    type=click.IntRange(1),
    help="Then draw this many more cases per family and keep, at the same held-out size, "
    "those that add line or branch coverage of the instrumented reference (coverage.toml).",
)
def tests_build(
    names: tuple[str, ...],
    everything: bool,
    seed: int,
    runs: int,
    keep_volatile: bool,
    visible_min: int | None,
    heldout_min: int | None,
    visible_out: Path | None,
    grow: int | None,
) -> None:
    """Capture gold from the reference, screen it, split it, write both suites."""
    from mirror.suites import VISIBLE_MIN, BuildOptions, build_suite, heldout_dir

    chosen = _chosen(names, everything)
    if visible_out and len(chosen) != 1:
        raise click.UsageError("--visible-out takes exactly one TARGET")
    options = BuildOptions(
        seed=seed,
        runs=runs,
        keep_volatile=keep_volatile,
        visible_min=visible_min or VISIBLE_MIN,
        heldout_min=heldout_min,
        visible_path=visible_out,
    )
    for target in chosen:
        report = build_suite(target, options)
        dropped = " ".join(f"{k}={v}" for k, v in sorted(report.dropped.items())) or "none"
        click.echo(
            f"{target.name}: {report.visible} visible, {report.heldout} held-out "
            f"({report.volatile} volatile) from {report.captured} captured cases in "
            f"{report.rounds} round(s), {report.seconds:.0f}s; dropped: {dropped}; "
            f"held-out in {heldout_dir(target)}"
        )
        for problem in report.problems:
            click.echo(f"  problem: {problem}", err=True)
        if grow:
            from mirror.strength.growth import grow_heldout

            grown = grow_heldout(target, grow, seed, runs, write=True)
            click.echo(
                f"{target.name}: grown held-out suite of {grown.size} cases ({grown.taken} new of "
                f"{grown.captured} captured from {grown.drawn} draws): lines "
                f"{grown.lines[0]:.1f}% -> {grown.lines[1]:.1f}%, branches "
                f"{grown.branches[0]:.1f}% -> {grown.branches[1]:.1f}%"
            )


@tests.command("verify")
@click.argument("names", metavar="TARGET...", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Every target that has generators.")
@click.option("--visible", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def tests_verify(names: tuple[str, ...], everything: bool, visible: Path | None) -> None:
    """Recapture every case's gold from a fresh reference box and report drift case by case."""
    from mirror.suites import verify_suite

    failed = []
    for target in _chosen(names, everything):
        report = verify_suite(target, visible)
        for key, (recorded, current) in report.reference_changes.items():
            click.echo(f"{target.name}: reference {key} was {recorded}, now {current}")
        for drift in report.drift:
            click.echo(f"{target.name}: drift: {drift.describe()}")
        for drift in report.volatile_changed:
            click.echo(f"{target.name}: volatile (expected): {drift.describe()}")
        for problem in report.problems:
            click.echo(f"{target.name}: check failed: {problem}")
        click.echo(
            f"{target.name}: {report.checked} cases, {len(report.drift)} drifted, "
            f"{len(report.volatile_changed)}/{report.volatile_total} volatile changed, "
            f"{report.seconds:.0f}s"
        )
        if report.drift or report.problems:
            failed.append(target.name)
    if failed:
        raise click.ClickException(f"drift or failed checks: {', '.join(failed)}")


@tests.command("coverage")
@click.argument("names", metavar="TARGET...", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Every target with a coverage.toml.")
@click.option("--no-write", is_flag=True, help="Report only; write no coverage.json.")
def tests_coverage(names: tuple[str, ...], everything: bool, no_write: bool) -> None:
    """Line, branch and function coverage of the reference's own source by each suite."""
    from mirror.strength.coverage import report_text, suite_coverage, write_record
    from mirror.strength.instrumented import CoverageUnsupportedError
    from mirror.suites.upstream import SourceUnavailableError

    chosen = _chosen(names, False) if names or not everything else _instrumentable()
    for target in chosen:
        try:
            coverage = suite_coverage(target)
        except (CoverageUnsupportedError, SourceUnavailableError) as error:
            if not everything:
                raise
            click.echo(f"skipped: {error}")  # --all goes on with the targets that can be measured
            continue
        click.echo(report_text(coverage))
        if not no_write:
            click.echo(f"{target.name}: record written to {write_record(target, coverage)}")


@tests.command("mutate")
@click.argument("name", metavar="TARGET")
@click.option("--mutants", default=30, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=0, show_default=True, help="Seed of the mutant draw.")
@click.option("--no-write", is_flag=True, help="Report only; write no mutation.json.")
def tests_mutate(name: str, mutants: int, seed: int, no_write: bool) -> None:
    """Seeded single-point mutants of the reference's source, run on the held-out suite."""
    from mirror.strength.mutate import mutation_score, write_mutation

    target = get_target(name)
    report = mutation_score(target, mutants, seed)
    for result in report.results:
        if result.status != "killed":
            click.echo(f"{result.status}: {result.mutant.describe()}")
    built = report.count("killed") + report.count("survived")
    click.echo(
        f"{name}: {report.count('killed')}/{built} built mutants killed = {report.score:.1%} "
        f"({report.count('build_failed')} failed to build) on {report.cases} held-out cases, "
        f"{report.seconds:.0f}s"
    )
    if not no_write:
        click.echo(f"{name}: record written to {write_mutation(target, report)}")


def _instrumentable() -> list[Target]:
    return [t for t in all_targets().values() if (t.folder / "coverage.toml").exists()]


@tests.command("list")
def tests_list() -> None:
    """Show every target's suite sizes, families, drops and checks."""
    from mirror.specs.generators import generators
    from mirror.strength.coverage import read_record
    from mirror.suites import (
        generator_versions,
        heldout_dir,
        load_suite,
        lookup_pass_rate,
        suite_problems,
        visible_path,
    )

    header = (
        "target",
        "visible",
        "held-out",
        "held-out lines",
        "families",
        "volatile",
        "lookup",
        "dropped",
        "checks",
    )
    rows = []
    problems: dict[str, list[str]] = {}
    notes: list[str] = []
    for target in all_targets().values():
        if not (visible_path(target).exists() or heldout_dir(target).exists()):
            rows.append((target.name, "-", "-", "-", "-", "-", "-", "-", "not built"))
            continue
        suite = load_suite(target)
        required = generators(target.name)
        problems[target.name] = suite_problems(suite, target, required)
        if suite.manifest.get("generators") != generator_versions(target):
            notes.append(f"{target.name}: its generators or seeds changed since the build")
        families = {entry.family for entry in suite.visible + suite.heldout}
        dropped = suite.manifest["dropped"]
        rows.append(
            (
                target.name,
                str(len(suite.visible)),
                str(len(suite.heldout)),
                f"{record['heldout']['line']['percent']:.1f}%"
                if (record := read_record(target))
                else "-",
                str(len(families)),
                str(sum(e.volatile for e in suite.visible + suite.heldout)),
                f"{lookup_pass_rate(suite.visible, suite.heldout):.1%}",
                " ".join(f"{k}={v}" for k, v in sorted(dropped.items())) or "none",
                "ok" if not problems[target.name] else f"{len(problems[target.name])} problems",
            )
        )
    echo_table(header, rows)
    for name, found in problems.items():
        for problem in found[:10]:
            click.echo(f"{name}: {problem}")
        if len(found) > 10:
            click.echo(f"{name}: ... and {len(found) - 10} more")
    for note in notes:
        click.echo(f"{note}; rebuild with `mirror tests build`")
