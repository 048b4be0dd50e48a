"""Oracle channel: a compromised program, one that runs arbitrary code.

/bin/sh served by the reference box's hardening without the sandbox (what the box alone holds
back), and under the target's sandbox (what seccomp and Landlock still refuse).
"""

from __future__ import annotations

import logging

from mirror.redteam.channels.through_oracle import steal_files, stolen
from mirror.redteam.context import Context
from mirror.redteam.judges import (
    judge_caps,
    judge_dns,
    judge_docker,
    judge_procs,
    judge_tcp,
    judge_udp,
    judge_writes,
    summary,
)
from mirror.redteam.registry import Verdict, attack
from oracle.case import Case

log = logging.getLogger(__name__)


@attack("compromised program: inject code into the reference", "oracle")
def compromised_inject(ctx: Context) -> Verdict:
    binary = ctx.image.manifest["binary_realpath"]
    case = Case(("-c", f"perl /case/steal.pl {binary} --version"), files=steal_files(ctx))
    return stolen(ctx, ctx.shell[1].run(case))


@attack("compromised program: TCP egress", "oracle")
def compromised_tcp(ctx: Context) -> Verdict:
    return judge_tcp(ctx.probe("shell", "net"))


@attack("compromised program: UDP egress", "oracle")
def compromised_udp(ctx: Context) -> Verdict:
    return judge_udp(ctx.probe("shell", "net"))


@attack("compromised program: DNS", "oracle")
def compromised_dns(ctx: Context) -> Verdict:
    return judge_dns(ctx.probe("shell", "net"))


@attack("compromised program: docker socket", "oracle")
def compromised_docker(ctx: Context) -> Verdict:
    return judge_docker(ctx.probe("shell", "docker"))


@attack("compromised program: capabilities", "oracle")
def compromised_caps(ctx: Context) -> Verdict:
    return judge_caps(ctx.probe("shell", "caps"))


@attack("compromised program: writes outside /case", "oracle")
def compromised_writes(ctx: Context) -> Verdict:
    return judge_writes(ctx.probe("shell", "writes"), ("/case", "/dev/shm"))


@attack("compromised program: runner and query log", "oracle")
def compromised_runner(ctx: Context) -> Verdict:
    outcome = ctx.shell[1].run(Case(("-c", "cat /var/log/mirror/queries.jsonl")))
    procs = judge_procs(ctx.probe("shell", "procs"))
    if outcome.stdout or procs.leaked:
        return Verdict(True, f"query log: {summary(outcome)}; {procs.evidence}")
    return Verdict(False, f"query log: {summary(outcome, 50)}; runner: {procs.evidence}")


@attack("compromised program: outlive its case", "oracle")
def compromised_escape(ctx: Context) -> Verdict:
    client = ctx.shell[1]
    client.run(Case(("-c", "setsid sh -c 'sleep 1000' >/dev/null 2>&1 </dev/null &")))
    live = "for p in /proc/[0-9]*; do grep -q '^State:.*Z' $p/status || cat $p/comm; done"
    left = client.run(Case(("-c", live)))
    survivors = [name for name in left.stdout.split() if name == b"sleep"]
    names = left.stdout.decode(errors="replace").split()
    return Verdict(bool(survivors), f"after `setsid sleep 1000 &`, live at the next case: {names}")


@attack("compromised program: core dump", "oracle")
def compromised_core(ctx: Context) -> Verdict:
    container, client, _ = ctx.shell
    outcome = client.run(Case(("-c", "ulimit -c unlimited; kill -SEGV $$"), timeout=5))
    listing = container.exec_run(["ls", "-A", "/case"]).output.decode().split()
    cores = [name for name in listing if name.startswith("core")]
    return Verdict(bool(cores), f"{summary(outcome, 60)}; /case after: {listing or 'empty'}")


@attack("sandboxed code: ptrace, process_vm_readv, /proc/PID/mem", "oracle")
def jail_ptrace(ctx: Context) -> Verdict:
    result = ctx.probe("jail", "ptrace")
    reached = [k for k, v in result.items() if v in ("attached", "opened") or v.startswith("read ")]
    return Verdict(bool(reached), f"child of the same uid: {result}")
