"""``mirror report``: the command-line face of mirror.reports.report."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("report")
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
def report_command(results_dir: Path, out_dir: Path) -> None:
    """Solve-rate heatmaps, a CSV and a Markdown summary from the run receipts."""
    # Imported here so that `mirror --help` does not pay for pandas and matplotlib.
    from mirror.reports.report import ReportError, write_report

    try:
        written = write_report(results_dir, out_dir)
    except ReportError as error:
        raise click.ClickException(str(error)) from None
    for path in written:
        click.echo(path)
