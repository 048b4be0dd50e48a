"""``mirror sweep`` (every target x model x epoch on Ray) and ``mirror worker`` (a Ray node)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from tqdm import tqdm

from mirror.cli.errors import HarnessFault, MirrorCommand, UsageFault
from mirror.cli.run import run_limits


@click.command("sweep", cls=MirrorCommand)
@click.option("--models", help="Comma-separated Inspect models, e.g. mockllm/a,openai/gpt-x.")
@click.option("--targets", help="Comma-separated targets, or `all`.")
@click.option("--epochs", default=1, show_default=True, help="Runs per target and model.")
@run_limits
@click.option(
    "--script",
    "scripts",
    multiple=True,
    help="Playbook of scripted mockllm models: NAME for all, or MODEL=NAME (repeatable).",
)
@click.option(
    "--results",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results/sweep"),
    show_default=True,
    help="The sweep's folder: manifest, runs (logs, receipts), report.",
)
@click.option("--address", help="Join this Ray cluster (default: Ray on this machine alone).")
@click.option(
    "--runs-per-node",
    type=click.IntRange(min=1),
    help="Concurrent runs on this machine without --address (default: from cores and memory).",
)
@click.option("--resume", is_flag=True, help="Continue the sweep in --results.")
@click.option(
    "--copy-results",
    is_flag=True,
    help="Send every run's files back through Ray even where the folder is shared.",
)
def sweep_command(
    models: str | None,
    targets: str | None,
    epochs: int,
    token_limit: int,
    time_limit: int,
    working_limit: int | None,
    message_limit: int | None,
    cost_limit: float | None,
    compaction: str,
    scripts: tuple[str, ...],
    results: Path,
    address: str | None,
    runs_per_node: int | None,
    resume: bool,
    copy_results: bool,
) -> None:
    """Run every TARGET x MODEL x EPOCH as its own agent run on Ray; report the heatmap.

    Each run is a Ray task on a node with a Docker engine, never more at once on a node than
    it holds; a run whose node dies is retried on another. Runs that break for a harness
    reason are reported as such, never counted against the model.
    """
    from mirror.reports.report import write_report
    from mirror.sweep.plan import Limits, make_plan
    from mirror.sweep.sweep import Progress, run_sweep
    from scaffold._task import choose_targets

    plan = None
    if models or targets or not resume:
        if not models or not targets:
            raise UsageFault("give --models and --targets (or --resume a sweep)")
        script, per_model = _scripts(scripts)
        limits = Limits(
            token_limit=token_limit,
            time_limit=time_limit,
            working_limit=working_limit,
            message_limit=message_limit,
            cost_limit=cost_limit,
            compaction=compaction,
        )
        plan = make_plan(
            choose_targets(targets),
            models.split(","),
            epochs,
            limits=limits,
            script=script,
            scripts=per_model,
        )
    with tqdm(desc="sweep", unit="run") as bar:

        def show(progress: Progress) -> None:
            bar.total = progress.total
            bar.n = progress.done + progress.failed
            bar.set_postfix(
                running=len(progress.running),
                failed=progress.failed,
                tokens=progress.tokens,
                cost=f"${progress.cost_usd:.2f}",
            )

        manifest = run_sweep(
            plan,
            results,
            address=address,
            slots=runs_per_node,
            resume=resume,
            copy=copy_results,
            on_progress=show,
        )
    done = manifest.count("done")
    click.echo(f"sweep {manifest.id}: {done} of {len(manifest.runs)} runs scored in {results}")
    if done:
        for path in write_report(results, results / "report"):
            click.echo(path)
    broken = [r for r in manifest.runs.values() if r.status in ("harness_error", "error")]
    for record in broken:
        click.echo(f"  {record.spec.key}: {record.status}: {record.error}", err=True)
    if broken:
        raise HarnessFault(
            f"{len(broken)} runs broke (not counted against their models); run them again "
            f"with `mirror sweep --resume --results {results}`"
        )


def _scripts(given: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """``--script`` values: the default playbook and per-model ones."""
    default, per_model = "idle", {}
    for value in given:
        model, _, name = value.rpartition("=")
        if model:
            per_model[model] = name
        else:
            default = name
    return default, per_model


@click.command("worker", cls=MirrorCommand)
@click.option("--address", help="The cluster's head (HOST:PORT) to join.")
@click.option("--head", is_flag=True, help="Start a new cluster with this machine as its head.")
@click.option("--port", type=int, default=6379, show_default=True, help="The head's port.")
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    help="Concurrent runs this machine holds (default: from its cores and memory).",
)
@click.option("--object-store-memory", type=int, help="Bytes of Ray's object store here.")
def worker_command(
    address: str | None, head: bool, port: int, runs: int | None, object_store_memory: int | None
) -> None:
    """Make this machine a Ray node holding agent runs (runs until stopped)."""
    from mirror.sweep import nodes

    if bool(address) == head:
        raise UsageFault("give --address HOST:PORT to join a cluster, or --head to start one")
    nodes.check_engine()
    slots = runs or nodes.node_slots()
    command = nodes.worker_command(address, slots, port, object_store_memory)
    click.echo(f"this node holds {slots} concurrent runs: {' '.join(command)}")
    nodes.quiet_ray()
    sys.stdout.flush()
    os.execv(command[0], command)
