"""The red team: scripted attacks from where an agent stands, each blocked or leaked.

- :mod:`~mirror.redteam.registry`: attacks by name and channel (``@attack``), verdicts;
- :mod:`~mirror.redteam.spec`: what each target's ``targets/<name>/redteam.toml`` says;
- :mod:`~mirror.redteam.probes`: programs run inside boxes (``programs/``), their results;
- :mod:`~mirror.redteam.protected`: what the boxes must keep from the agent;
- :mod:`~mirror.redteam.context`: the boxes of one target, started lazily;
- :mod:`~mirror.redteam.judges`: probe results to verdicts;
- :mod:`~mirror.redteam.channels`: the attacks, one module per channel;
- :mod:`~mirror.redteam.run`: running them, one :class:`Result` per attack;
- :mod:`~mirror.redteam.bench`: the cost of the sandbox.

An attack raises :class:`Skip` when it cannot apply to a target; skipped attacks are not counted.
"""

from mirror.redteam.bench import Overhead, sandbox_overhead
from mirror.redteam.context import Context, target_context
from mirror.redteam.probes import NET, ProbeError, probe_in_container, probe_via_runner, render
from mirror.redteam.registry import (
    ATTACKS,
    CHANNELS,
    Attack,
    Channel,
    Skip,
    UnknownAttackError,
    Verdict,
    attack,
)
from mirror.redteam.run import Result, plan, run_redteam
from mirror.redteam.spec import (
    CaseSpec,
    Reader,
    RedTeamSpec,
    Shows,
    default_targets,
    load_redteam,
    redteam_spec,
)

__all__ = [
    "ATTACKS",
    "CHANNELS",
    "NET",
    "Attack",
    "CaseSpec",
    "Channel",
    "Context",
    "Overhead",
    "ProbeError",
    "Reader",
    "RedTeamSpec",
    "Result",
    "Shows",
    "Skip",
    "UnknownAttackError",
    "Verdict",
    "attack",
    "default_targets",
    "load_redteam",
    "plan",
    "probe_in_container",
    "probe_via_runner",
    "redteam_spec",
    "render",
    "run_redteam",
    "sandbox_overhead",
    "target_context",
]
