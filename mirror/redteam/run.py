"""Running the red team: every applicable attack on each target, one record per attack."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import docker.errors

import mirror.redteam.channels  # noqa: F401 (registers the attacks)
from mirror.boxes.engine import EngineError
from mirror.redteam.context import Context, target_context
from mirror.redteam.probes import ProbeError
from mirror.redteam.registry import Attack, Channel, Skip, applicable
from mirror.redteam.spec import redteam_spec
from mirror.specs.targets import Target
from oracle.client import OracleError

log = logging.getLogger(__name__)
Outcome = Literal["blocked", "leaked", "error"]


@dataclass(frozen=True)
class Result:
    """One attack on one target: "blocked", "leaked", or "error" when it could not be carried
    out (a probe printed nothing, an oracle refused the request)."""

    attack: str
    channel: Channel
    target: str
    result: Outcome
    evidence: str


def plan(targets: Iterable[Target], names: Iterable[str] | None = None) -> list[Attack]:
    """Every (target's) applicable attack, in the order they run: for a progress bar's total."""
    names = list(names or ())
    return [a for target in targets for a in applicable(redteam_spec(target), names)]


def run_attack(ctx: Context, chosen: Attack) -> Result | None:
    """One attack's result, None when it does not apply to the target."""
    try:
        verdict = chosen.run(ctx)
    except Skip as skip:
        log.info("%s on %s skipped: %s", chosen.name, ctx.target.name, skip)
        return None
    except (ProbeError, OracleError) as error:
        log.warning("%s on %s could not be carried out: %s", chosen.name, ctx.target.name, error)
        return Result(chosen.name, chosen.channel, ctx.target.name, "error", f"{error}"[:300])
    outcome: Outcome = "leaked" if verdict.leaked else "blocked"
    return Result(chosen.name, chosen.channel, ctx.target.name, outcome, verdict.evidence)


def run_redteam(
    targets: Iterable[Target],
    names: Iterable[str] | None = None,
    progress: Callable[[Target, Attack], None] | None = None,
) -> list[Result]:
    """Run every applicable attack (or those named) on each target; boxes start once per
    target. ``progress`` is called after each attack. An engine fault stops the run."""
    names = list(names or ())
    plans = [(target, applicable(redteam_spec(target), names)) for target in targets]
    results = []
    for target, attacks in plans:
        chosen = None
        try:
            with target_context(target) as ctx:
                for chosen in attacks:
                    if result := run_attack(ctx, chosen):
                        results.append(result)
                    if progress:
                        progress(target, chosen)
                chosen = None  # what follows is the boxes' removal
        except docker.errors.DockerException as error:
            during = f" during {chosen.name!r}" if chosen else ""
            raise EngineError(
                f"the Docker engine failed while attacking {target.name}{during}: {error}"
            ) from error
    return results
