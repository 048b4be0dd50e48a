"""``mirror run``: an agent run on Inspect AI (the task in scaffold/), with long-run defaults."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from mirror.cli.errors import MirrorCommand, UserFault

# A long run's defaults: a day of wall time and 100 M tokens, whichever comes first.
TOKEN_LIMIT = 100_000_000
TIME_LIMIT = 24 * 3600

F = TypeVar("F", bound=Callable[..., Any])


def run_limits(command: F) -> F:
    """The options an agent run is bounded by, shared by ``mirror run`` and ``mirror sweep``."""
    options = [
        click.option("--token-limit", type=int, default=TOKEN_LIMIT, show_default=True),
        click.option(
            "--time-limit", type=int, default=TIME_LIMIT, show_default=True, help="Seconds."
        ),
        click.option("--working-limit", type=int, help="Working seconds (no limit by default)."),
        click.option("--message-limit", type=int, help="Messages (no limit by default)."),
        click.option("--cost-limit", type=float, help="Dollars; needs a price for the model."),
        click.option(
            "--compaction",
            type=click.Choice(["auto", "summary", "edit", "trim", "none"]),
            default="auto",
            show_default=True,
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.command("run", cls=MirrorCommand)
@click.option("--model", help="Inspect model, e.g. anthropic/claude-x or mockllm/model.")
@click.option("--target", "targets", multiple=True, help="A target (repeatable), or `all`.")
@click.option("--epochs", default=1, show_default=True, help="Runs per target.")
@run_limits
@click.option("--script", default="idle", show_default=True, help="Playbook of mockllm runs.")
@click.option(
    "--snapshot-tokens",
    type=int,
    help="Snapshot /work every this many tokens for the score-over-compute curve (default: "
    "the task's).",
)
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("logs"),
    show_default=True,
    help="Where Inspect writes its logs.",
)
@click.option(
    "--results",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Where receipts go (RESULTS/agent/TARGET/).",
)
@click.option(
    "--resume",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Continue the unfinished run logged in this folder: finished samples are kept, "
    "interrupted ones go on with their workspace and conversation.",
)
def run_command(
    model: str | None,
    targets: tuple[str, ...],
    epochs: int,
    token_limit: int,
    time_limit: int,
    working_limit: int | None,
    message_limit: int | None,
    cost_limit: float | None,
    compaction: str,
    script: str,
    snapshot_tokens: int | None,
    log_dir: Path,
    results: Path,
    resume: Path | None,
) -> None:
    """Run an agent on TARGETs in the mirror sandbox; print where the logs and receipts went."""
    from inspect_ai import eval as inspect_eval
    from inspect_ai import eval_retry

    from mirror.cli.main import state_dir
    from scaffold._task import SNAPSHOT_TOKENS, mirrorcode

    if resume is not None:
        logs = eval_retry(_unfinished_log(resume), log_dir=str(resume))
    else:
        if not model or not targets:
            raise UserFault("give --model and at least one --target (or --resume LOG_DIR)")
        task = mirrorcode(
            targets=list(targets),
            epochs=epochs,
            token_limit=token_limit,
            time_limit=time_limit,
            working_limit=working_limit,
            message_limit=message_limit,
            cost_limit=cost_limit,
            compaction=compaction,
            script=script,
            results=str(results),
            snapshot_tokens=snapshot_tokens or SNAPSHOT_TOKENS,
            state=str(state_dir()),
        )
        logs = inspect_eval(task, model=model, log_dir=str(log_dir))
    failed = False
    for log in logs:
        click.echo(f"log: {log.location} ({log.status})")
        failed |= log.status != "success"
        for sample in log.samples or []:
            for score in (sample.scores or {}).values():
                receipt = (score.metadata or {}).get("receipt")
                click.echo(
                    f"  {sample.id} epoch {sample.epoch}: {score.answer} held-out cases; "
                    f"receipt {receipt}"
                )
    if failed:
        raise click.ClickException("the run did not finish; continue it with --resume LOG_DIR")


def _unfinished_log(folder: Path) -> str:
    """The newest Inspect log in ``folder`` whose eval did not finish (its location)."""
    from inspect_ai.log import list_eval_logs

    unfinished = [
        info for info in list_eval_logs(str(folder)) if info.name and not _succeeded(info.name)
    ]
    if not unfinished:
        raise UserFault(f"{folder}: no unfinished run to resume")
    return unfinished[0].name


def _succeeded(location: str) -> bool:
    from inspect_ai.log import read_eval_log

    return read_eval_log(location, header_only=True).status == "success"


@click.command("sandbox", cls=MirrorCommand)
@click.option("--target", "target_name", help="Default: the one whose spec sets [bench] sandbox.")
@click.option("--repeat", default=50, show_default=True, help="Timed runs per route.")
def bench_sandbox_command(target_name: str | None, repeat: int) -> None:
    """What the mirror sandbox adds to a tool call: `true` through its exec and `docker exec`."""
    from mirror.bench.sandbox import sandbox_benchmark
    from mirror.cli.main import state_dir
    from mirror.cli.tables import echo_table
    from mirror.specs.targets import bench_target

    timings = sandbox_benchmark(target_name or bench_target("sandbox").name, repeat, state_dir())
    rows = [(t.method, f"{t.median_ms:.1f}", f"{t.p90_ms:.1f}", str(t.runs)) for t in timings]
    echo_table(("route", "median ms", "p90 ms", "runs"), rows)
