"""The ``mirror`` command: a thin layer of arguments, progress bars and tables."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from pathlib import Path

import click
from tqdm import tqdm

from mirror.boxes.engine import image_exists
from mirror.boxes.images import ensure_reference_image, reference_tag
from mirror.cli.errors import MirrorGroup
from mirror.cli.memorize import memorize_command
from mirror.cli.redteam import redteam_command
from mirror.cli.report import report_command
from mirror.cli.run import bench_sandbox_command, run_command
from mirror.cli.shell import shell_command
from mirror.cli.sweep import sweep_command, worker_command
from mirror.cli.tables import echo_table
from mirror.cli.tests import tests
from mirror.errors import UserError
from mirror.specs.targets import Target, all_targets, get_target


def state_dir() -> Path:
    """Host-only state (oracle sockets, query logs): never mounted into an agent box whole."""
    return Path(os.environ.get("MIRROR_STATE", Path.home() / ".cache" / "mirror"))


@click.group(cls=MirrorGroup)
@click.option("-v", "--verbose", is_flag=True, help="Log build steps (and where a harness failed).")
def main(verbose: bool) -> None:
    """mirrorcode: rebuild a real command-line program from its behaviour alone."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)


@main.group()
def targets() -> None:
    """List and build targets."""


@targets.command("list")
def targets_list() -> None:
    """Show every target and whether its reference image is built."""
    rows = [
        (t.name, t.bucket.value, t.category, t.command, image_exists(reference_tag(t)))
        for t in all_targets().values()
    ]
    echo_table(
        ("target", "bucket", "category", "command", "image"),
        [(*row[:4], "built" if row[4] else "not built") for row in rows],
    )


@targets.command("build")
@click.argument("names", nargs=-1)
def targets_build(names: tuple[str, ...]) -> None:
    """Build reference images (all targets when no NAME is given); cached by content hash."""
    chosen = [get_target(name) for name in names] or list(all_targets().values())
    for target in tqdm(chosen, desc="reference images", unit="target"):
        image = ensure_reference_image(target)
        tqdm.write(f"{target.name}: {image.tag} {image.manifest['packages']}")


@main.group()
def oracle() -> None:
    """Serve a target's reference behind the oracle socket."""


@oracle.command("serve")
@click.argument("target_name", metavar="TARGET")
@click.option("--socket", "socket_path", type=click.Path(path_type=Path), required=True)
@click.option(
    "--log-dir",
    type=click.Path(path_type=Path),
    help="Where the query log goes (default: the host state folder).",
)
def oracle_serve(target_name: str, socket_path: Path, log_dir: Path | None) -> None:
    """Start TARGET's reference box serving SOCKET until interrupted."""
    from mirror.boxes.containers import reference_box

    log_dir = log_dir or state_dir() / "logs" / target_name
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with reference_box(get_target(target_name), socket_path, log_dir) as box:
        click.echo(f"oracle for {target_name} serving {box.socket_path}; log {box.log_path}")
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    click.echo("reference box removed")


@main.group()
def bench() -> None:
    """Measure speed, side by side."""


@bench.command("oracle")
@click.option("--repeat", default=30, show_default=True, help="Timed runs per method.")
@click.option("--batch", "batch_size", default=500, show_default=True)
def bench_oracle(repeat: int, batch_size: int) -> None:
    """Oracle round trips against bare exec and docker exec, on `cal 1 2024`."""
    from mirror.bench.oracle import oracle_benchmark

    click.echo(oracle_benchmark(repeat=repeat, batch_size=batch_size, state=state_dir()))


@main.command("score")
@click.argument("target_name", metavar="TARGET")
@click.argument("workspace", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--candidate", default=None, help="Name recorded in the receipt (default: folder).")
@click.option("--kind", type=click.Choice(["agent", "human", "calibration"]), default="human")
@click.option("--results", type=click.Path(path_type=Path), default=Path("results"))
def score_command(
    target_name: str, workspace: Path, candidate: str | None, kind: str, results: Path
) -> None:
    """Build WORKSPACE in a scoring box and score it on TARGET's held-out suite.

    WORKSPACE holds the program at bin/<command>, or a build.sh that makes it there.
    """
    from mirror.scoring.score import score

    target = get_target(target_name)
    program = workspace / "bin" / target.command
    if not (program.is_symlink() or program.exists() or (workspace / "build.sh").exists()):
        raise UserError(
            f"{workspace}: neither bin/{target.command} nor build.sh; give the folder that holds "
            f"the program at bin/{target.command} (or a build.sh that makes it there)"
        )
    name = candidate or workspace.resolve().name
    receipt, path = score(target, workspace, name, kind, results, state_dir())
    click.echo(
        f"{receipt.target} {receipt.candidate}: {receipt.passed}/{receipt.total} "
        f"({receipt.pass_fraction:.1%}), build {receipt.build.status}; receipt {path}"
    )


@main.command("calibrate")
@click.argument("names", nargs=-1)
@click.option("--candidates", help="Comma-separated candidate names (default: all that apply).")
@click.option("--results", type=click.Path(path_type=Path), default=Path("results"))
def calibrate_command(names: tuple[str, ...], candidates: str | None, results: Path) -> None:
    """Score the calibration candidates of TARGETs (all with suites when none is given)."""
    from mirror.scoring.calibration import calibrate

    chosen = [get_target(n) for n in names] or _targets_with_suites()
    only = {name.strip() for name in candidates.split(",")} if candidates else None
    runs = calibrate(chosen, results, state_dir(), only)
    echo_table(
        ("target", "candidate", "pass", "99%", "100%", "expected", ""),
        [
            (
                run.receipt.target,
                run.receipt.candidate,
                f"{run.receipt.pass_fraction:.1%}",
                "yes" if run.receipt.solved_99 else "no",
                "yes" if run.receipt.solved_100 else "no",
                run.candidate.expect,
                "ok" if run.meets_expectation else "NOT MET",
            )
            for run in runs
        ],
    )
    if not all(run.meets_expectation for run in runs):
        raise click.ClickException("some calibration expectations were not met (see table)")


@main.command("demo")
@click.option("--out", type=click.Path(path_type=Path), default=Path("results/demo"))
def demo_command(out: Path) -> None:
    """The main job on embedded defaults: targets, suites, calibration, a heatmap. No API key."""
    from mirror.demo import run_demo

    click.echo(run_demo(out, state_dir()))


def _targets_with_suites() -> list[Target]:
    from mirror.suites import heldout_dir, heldout_root

    found = [t for t in all_targets().values() if (heldout_dir(t) / "cases.jsonl").exists()]
    if not found:
        raise UserError(
            f"no target has a held-out suite under {heldout_root()}; name a TARGET, or build "
            "suites with `mirror tests build --all`"
        )
    return found


@bench.command("scoring")
@click.option("--target", "target_name", help="Default: the one whose spec sets [bench] scoring.")
@click.option("--cases", default=2000, show_default=True)
@click.option("--workers", default=2, show_default=True)
def bench_scoring(target_name: str | None, cases: int, workers: int) -> None:
    """Scoring boxes vs bare host runs of the same held-out cases, wall times and ratio."""
    from mirror.bench.scoring import scoring_benchmark

    click.echo(scoring_benchmark(target_name, cases, workers))


main.add_command(memorize_command)
main.add_command(report_command)
main.add_command(run_command)
bench.add_command(bench_sandbox_command)
main.add_command(redteam_command)
main.add_command(shell_command)
main.add_command(sweep_command)
main.add_command(worker_command)
main.add_command(tests)
