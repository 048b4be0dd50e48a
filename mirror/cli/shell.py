"""``mirror shell``: a person works in the agent box; the session is timed and scored."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click

from mirror.cli.errors import MirrorCommand, UserFault


@click.command("shell", cls=MirrorCommand)
@click.argument("target_name", metavar="TARGET")
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    help="Host folder mounted at /work, kept afterwards "
    "(default: RESULTS/workspaces/TARGET/NAME; an existing one is continued).",
)
@click.option(
    "--results",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Where the receipt goes (RESULTS/human/TARGET/).",
)
@click.option("--name", help="Candidate name in the receipt (default: $USER).")
def shell_command(
    target_name: str, workspace: Path | None, results: Path, name: str | None
) -> None:
    """Open a shell in the agent box for TARGET (the oracle and `oracle test` at hand); on exit,
    score the workspace as a human run with the shell's wall time."""
    from mirror.boxes.session import SessionBoxes, human_baseline
    from mirror.cli.main import state_dir
    from mirror.specs.targets import get_target

    candidate = name or os.environ.get("USER") or getpass.getuser()
    workspace = workspace or results / "workspaces" / target_name / candidate

    def announce(boxes: SessionBoxes) -> None:
        command = boxes.reference.target.command
        click.echo(
            f"mirror shell: {target_name} as {candidate!r}. Boxes "
            f"{boxes.reference.container.name} (oracle), {boxes.agent.name} (you).\n"
            f"  /task/TASK.md says what to build; /work is {workspace.resolve()}.\n"
            f"  oracle run -- ARGS | oracle batch | oracle test   (build /work/bin/{command})\n"
            "  The clock runs until you leave the shell (exit or Ctrl-D); then /work is scored.",
            err=True,
        )

    try:
        run = human_baseline(
            get_target(target_name),
            workspace,
            candidate,
            results,
            state_dir(),
            announce=announce,
            stdin=sys.stdin.fileno(),
            stdout=sys.stdout.fileno(),
            stderr=sys.stderr.fileno(),
        )
    except KeyboardInterrupt:
        raise UserFault(
            f"interrupted: boxes removed, nothing scored; the workspace stays in {workspace} "
            f"(`mirror score {target_name} {workspace} --kind human` scores it)"
        ) from None
    receipt = run.receipt
    click.echo(
        f"shell closed after {run.shell.wall_seconds:.1f}s (exit {run.shell.exit_code}); "
        f"{receipt.target} {receipt.candidate}: {receipt.passed}/{receipt.total} held-out "
        f"({receipt.pass_fraction:.1%}), build {receipt.build.status}\nreceipt {run.receipt_path}"
    )
