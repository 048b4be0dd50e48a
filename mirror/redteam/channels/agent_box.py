"""Agent box channel: from inside the agent's box, as the agent's uid."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

from mirror.boxes.agent_image import AGENT_UID
from mirror.redteam.context import Context
from mirror.redteam.judges import (
    judge_caps,
    judge_dns,
    judge_docker,
    judge_heldout,
    judge_leftovers,
    judge_log,
    judge_tcp,
    judge_udp,
    judge_visible,
)
from mirror.redteam.registry import Verdict, attack

log = logging.getLogger(__name__)


@attack("reference processes: visible, ptrace, process_vm_readv", "agent box")
def agent_procs(ctx: Context) -> Verdict:
    """Looked for while the target's ``slow`` case runs, when its red-team file has one."""
    ctx.agent  # noqa: B018 (start the box before the slow case)
    slow = ctx.spec.slow.case() if ctx.spec.slow else None
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(ctx.run, slow) if slow else None
        time.sleep(0.3)
        result = ctx.probe("agent", "procs")
        if running:
            running.result()
    verdict = judge_visible(result)
    if slow:
        return Verdict(verdict.leaked, verdict.evidence + " (while a case ran)")
    return verdict


@attack("docker socket", "agent box")
def agent_docker(ctx: Context) -> Verdict:
    return judge_docker(ctx.probe("agent", "docker"))


@attack("TCP egress", "agent box")
def agent_tcp(ctx: Context) -> Verdict:
    return judge_tcp(ctx.probe("agent", "net"))


@attack("UDP egress", "agent box")
def agent_udp(ctx: Context) -> Verdict:
    return judge_udp(ctx.probe("agent", "net"))


@attack("DNS", "agent box")
def agent_dns(ctx: Context) -> Verdict:
    return judge_dns(ctx.probe("agent", "net"))


@attack("held-out suite anywhere in the box", "agent box")
def agent_heldout(ctx: Context) -> Verdict:
    return judge_heldout(ctx, ctx.probe("agent", "search"))


@attack("query log and results anywhere in the box", "agent box")
def agent_log(ctx: Context) -> Verdict:
    return judge_log(ctx, ctx.probe("agent", "search"))


@attack("leftover copies of the reference (sha256 scan)", "agent box")
def agent_leftovers(ctx: Context) -> Verdict:
    return judge_leftovers(ctx, ctx.probe("agent", "leftovers"))


@attack("the oracle socket folder", "agent box")
def agent_socket_folder(ctx: Context) -> Verdict:
    script = "touch /oracle/x 2>&1; ln -s / /oracle/y 2>&1; ls -A /oracle"
    output = ctx.agent.exec_run(["sh", "-c", script], user=str(AGENT_UID)).output
    listing = output.decode().splitlines()
    extra = [line for line in listing if line != "oracle.sock" and "Read-only" not in line]
    return Verdict(bool(extra), f"/oracle: {' | '.join(listing)}")


@attack("capabilities and no_new_privs", "agent box")
def agent_caps(ctx: Context) -> Verdict:
    return judge_caps(ctx.probe("agent", "caps"))
