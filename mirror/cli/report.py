"""``mirror report``: the command-line face of mirror.reports.report."""

from __future__ import annotations

from pathlib import Path

import click

from mirror.cli.errors import MirrorCommand
from mirror.errors import UserError


@click.command("report", cls=MirrorCommand)
@click.option(
    "--results",
    "results_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder searched for **/*.receipt.json.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results/report"),
    show_default=True,
    help="Where the figures, CSV and summary go.",
)
@click.option(
    "--skip-malformed",
    is_flag=True,
    help="Report the receipts that read well, listing the others in the summary.",
)
def report_command(results_dir: Path, out_dir: Path, skip_malformed: bool) -> None:
    """Solve-rate heatmaps, a CSV and a Markdown summary from the run receipts.

    A receipt that does not read (bad JSON, a missing or wrong field) stops the report, naming
    the file and the field, unless --skip-malformed is given.
    """
    # Imported here so that `mirror --help` does not pay for pandas and matplotlib.
    from mirror.reports.report import write_report

    if not skip_malformed:
        _check_receipts(results_dir)
    for path in write_report(results_dir, out_dir):
        click.echo(path)


def _check_receipts(results_dir: Path) -> None:
    """Raise UserError naming the first receipt under ``results_dir`` that does not read."""
    from mirror.scoring.receipts import RECEIPT_GLOB, read_receipt

    malformed: list[tuple[Path, str]] = []
    for path in sorted(results_dir.glob(RECEIPT_GLOB)):
        try:
            read_receipt(path)
        except (OSError, ValueError) as error:
            malformed.append((path, str(error)))
    if malformed:
        (path, problem), more = malformed[0], len(malformed) - 1
        raise UserError(
            f"{path}: {problem}"
            + (f" (and {more} more malformed receipts)" if more else "")
            + "; fix or remove it, or pass --skip-malformed to report the others"
        )
