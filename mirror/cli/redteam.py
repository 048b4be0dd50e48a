"""``mirror redteam``: the command-line face of mirror.redteam.attacks."""

from __future__ import annotations

import click


@click.command("redteam")
@click.argument("names", nargs=-1, metavar="[TARGET]...")
@click.option("--attack", "attacks", multiple=True, help="Run only this attack (repeatable).")
def redteam_command(names: tuple[str, ...], attacks: tuple[str, ...]) -> None:
    """Attack TARGETs' boxes (jq, sed and hexyl when none is given) and show what leaked.

    Exits non-zero when any attack leaked or could not be carried out.
    """
    from mirror.redteam.attacks import ATTACKS, run_redteam, table
    from mirror.specs.targets import SpecError, get_target

    unknown = [name for name in attacks if name not in ATTACKS]
    if unknown:
        raise click.ClickException(f"unknown attacks {unknown}; known: {', '.join(ATTACKS)}")
    try:
        targets = [get_target(name) for name in names or ("jq", "sed", "hexyl")]
    except SpecError as error:
        raise click.ClickException(str(error)) from None
    results = run_redteam(targets, attacks or None)
    click.echo(table(results))
    failed = [r for r in results if r.result != "blocked"]
    if failed:
        raise click.ClickException(f"{len(failed)} attacks were not blocked")
