"""Scoring box channel: a candidate run by the scoring runner, and its ``build.sh``.

Every probe here comes from one build and one run of a probe candidate
(:meth:`~mirror.redteam.context.Context.probe`).
"""

from __future__ import annotations

import logging

from mirror.redteam.context import Context
from mirror.redteam.judges import (
    judge_caps,
    judge_dns,
    judge_docker,
    judge_heldout,
    judge_leftovers,
    judge_log,
    judge_network,
    judge_oracle_absent,
    judge_procs,
    judge_tcp,
    judge_udp,
    judge_writes,
)
from mirror.redteam.registry import Verdict, attack

log = logging.getLogger(__name__)


@attack("candidate: docker socket", "scoring box")
def scoring_docker(ctx: Context) -> Verdict:
    return judge_docker(ctx.probe("scoring", "docker"))


@attack("candidate: TCP egress", "scoring box")
def scoring_tcp(ctx: Context) -> Verdict:
    return judge_tcp(ctx.probe("scoring", "net"))


@attack("candidate: UDP egress", "scoring box")
def scoring_udp(ctx: Context) -> Verdict:
    return judge_udp(ctx.probe("scoring", "net"))


@attack("candidate: DNS", "scoring box")
def scoring_dns(ctx: Context) -> Verdict:
    return judge_dns(ctx.probe("scoring", "net"))


@attack("candidate: held-out suite anywhere", "scoring box")
def scoring_heldout(ctx: Context) -> Verdict:
    return judge_heldout(ctx, ctx.probe("scoring", "search"))


@attack("candidate: query log and results", "scoring box")
def scoring_log(ctx: Context) -> Verdict:
    return judge_log(ctx, ctx.probe("scoring", "search"))


@attack("candidate: leftover copies of the reference", "scoring box")
def scoring_leftovers(ctx: Context) -> Verdict:
    return judge_leftovers(ctx, ctx.probe("scoring", "leftovers"))


@attack("candidate: writes outside its case folder", "scoring box")
def scoring_writes(ctx: Context) -> Verdict:
    return judge_writes(ctx.probe("scoring", "writes"), ("/case", "/dev/shm"))


@attack("candidate: tamper with the runner", "scoring box")
def scoring_runner(ctx: Context) -> Verdict:
    return judge_procs(ctx.probe("scoring", "procs"))


@attack("candidate: the oracle", "scoring box")
def scoring_oracle(ctx: Context) -> Verdict:
    return judge_oracle_absent(ctx.probe("scoring", "oracle"))


@attack("candidate: capabilities", "scoring box")
def scoring_caps(ctx: Context) -> Verdict:
    return judge_caps(ctx.probe("scoring", "caps"))


@attack("build.sh: network (TCP, UDP, DNS)", "scoring box")
def build_network(ctx: Context) -> Verdict:
    return judge_network(ctx.probe("build", "net"))


@attack("build.sh: docker socket", "scoring box")
def build_docker(ctx: Context) -> Verdict:
    return judge_docker(ctx.probe("build", "docker"))


@attack("build.sh: held-out suite, query log, results", "scoring box")
def build_search(ctx: Context) -> Verdict:
    result = ctx.probe("build", "search")
    verdicts = [judge_heldout(ctx, result), judge_log(ctx, result)]
    leaked = [v.evidence for v in verdicts if v.leaked]
    return Verdict(bool(leaked), "; ".join(leaked) or verdicts[0].evidence)


@attack("build.sh: writes outside the workspace", "scoring box")
def build_writes(ctx: Context) -> Verdict:
    return judge_writes(ctx.probe("build", "writes"), ("/work", "/tmp", "/dev/shm"))


@attack("build.sh: the oracle", "scoring box")
def build_oracle(ctx: Context) -> Verdict:
    return judge_oracle_absent(ctx.probe("build", "oracle"))
