"""The attack registry: attacks found by name, each on one channel, each returning a verdict.

Attacks are registered with ``@attack(name, channel, needs=...)``. ``needs`` names fields of a
target's red-team file (:class:`~mirror.redteam.spec.RedTeamSpec`) that must be set for the
attack to apply; an attack without ``needs`` applies to every target. Channels:

- ``oracle``: through the reference program's own features, and through a hostile program
  standing in for one that runs arbitrary code;
- ``agent box``: from inside the agent's box, as the agent's uid;
- ``scoring box``: from a candidate run by the scoring runner, and from its ``build.sh``;
- ``protocol``: raw requests to the oracle socket.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from mirror.errors import UserError
from mirror.redteam.spec import RedTeamSpec

if TYPE_CHECKING:
    from mirror.redteam.context import Context

log = logging.getLogger(__name__)

Channel = Literal["oracle", "agent box", "scoring box", "protocol"]
CHANNELS: tuple[Channel, ...] = ("oracle", "agent box", "scoring box", "protocol")


class Skip(Exception):
    """The attack cannot apply to this target (no such feature, nothing to read)."""


class UnknownAttackError(UserError):
    """An attack name that no attack is registered under."""


@dataclass(frozen=True)
class Verdict:
    """Leaked only on real evidence (bytes that came back, a connection made, a file found);
    blocked with what was tried and what came back."""

    leaked: bool
    evidence: str


AttackFunction = Callable[["Context"], Verdict]


@dataclass(frozen=True)
class Attack:
    name: str
    channel: Channel
    run: AttackFunction
    needs: tuple[str, ...] = ()

    def applies(self, spec: RedTeamSpec) -> bool:
        """Whether the target's red-team file sets every field this attack needs."""
        return all(getattr(spec, field) for field in self.needs)


ATTACKS: dict[str, Attack] = {}


def attack(
    name: str, channel: Channel, needs: Iterable[str] = ()
) -> Callable[[AttackFunction], AttackFunction]:
    """Register an attack under ``name``; it applies to targets whose red-team file sets every
    field in ``needs`` (every target when empty)."""
    if channel not in CHANNELS:
        raise ValueError(f"attack {name!r}: unknown channel {channel!r}; one of {CHANNELS}")
    needs = tuple(needs)
    if unknown := [field for field in needs if field not in RedTeamSpec.model_fields]:
        raise ValueError(f"attack {name!r}: needs unknown red-team fields {unknown}")

    def register(function: AttackFunction) -> AttackFunction:
        if name in ATTACKS:
            raise ValueError(f"attack {name!r} is registered twice; give each attack its own name")
        ATTACKS[name] = Attack(name, channel, function, needs)
        return function

    return register


def applicable(spec: RedTeamSpec, names: Iterable[str] | None = None) -> list[Attack]:
    """The attacks (all, or those named, in registration order) that apply to a target."""
    names = list(names or ())
    if unknown := [name for name in names if name not in ATTACKS]:
        raise UnknownAttackError(f"unknown attacks {unknown}; known: {', '.join(ATTACKS)}")
    chosen = [ATTACKS[name] for name in names] if names else list(ATTACKS.values())
    return [a for a in chosen if a.applies(spec)]
