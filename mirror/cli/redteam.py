"""``mirror redteam``: the command-line face of mirror.redteam."""

from __future__ import annotations

import click
from tqdm import tqdm

from mirror.cli.errors import MirrorCommand
from mirror.cli.tables import echo_table


@click.command("redteam", cls=MirrorCommand)
@click.argument("names", nargs=-1, metavar="[TARGET]...")
@click.option("--attack", "attacks", multiple=True, help="Run only this attack (repeatable).")
def redteam_command(names: tuple[str, ...], attacks: tuple[str, ...]) -> None:
    """Attack TARGETs' boxes and show what leaked; with no TARGET, those whose
    targets/<name>/redteam.toml says `default = true`.

    Exits non-zero when any attack leaked or could not be carried out.
    """
    from mirror.redteam import ATTACKS, Attack, default_targets, plan, run_redteam
    from mirror.specs.targets import Target, get_target

    unknown = [name for name in attacks if name not in ATTACKS]
    if unknown:
        raise click.BadParameter(
            f"unknown attack {', '.join(map(repr, unknown))} (known: {', '.join(ATTACKS)})",
            param_hint="--attack",
        )
    targets = [get_target(name) for name in names] if names else default_targets()
    with tqdm(total=len(plan(targets, attacks)), desc="attacks", unit="attack") as bar:

        def progress(target: Target, done: Attack) -> None:
            bar.set_postfix_str(f"{target.name}: {done.name}"[:50])
            bar.update()

        results = run_redteam(targets, attacks, progress)
    echo_table(
        ("attack", "channel", "target", "result", "evidence"),
        [(r.attack, r.channel, r.target, r.result, r.evidence) for r in results],
    )
    counts = {kind: sum(r.result == kind for r in results) for kind in ("blocked", "leaked")}
    errors = len(results) - counts["blocked"] - counts["leaked"]
    click.echo(
        f"{len(results)} attacks: {counts['blocked']} blocked, {counts['leaked']} leaked, "
        f"{errors} errors"
    )
    if failed := len(results) - counts["blocked"]:
        raise click.ClickException(f"{failed} attacks were not blocked")
