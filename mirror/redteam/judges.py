"""Judges: what a probe or a case showed, turned into a verdict with its evidence."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from mirror.redteam.registry import Verdict
from oracle.case import Outcome

if TYPE_CHECKING:
    from mirror.redteam.context import Context

log = logging.getLogger(__name__)
REFUSALS = (
    b"Permission denied",
    b"Operation not permitted",
    b"No such file or directory",
    b"Read-only file system",
)


def summary(outcome: Outcome, width: int = 70) -> str:
    """Exit status and the first bytes of stdout and stderr, for evidence."""
    status = f"signal {outcome.signal}" if outcome.signal else f"exit {outcome.exit_code}"
    if outcome.timed_out:
        status += " (timed out)"
    for name in ("stdout", "stderr"):
        data = getattr(outcome, name).strip()
        if data:
            status += f", {name} {data[:width].decode(errors='replace')!r}"
    return status


def refused(outcome: Outcome) -> bool:
    """Whether stderr reports a refusal (any case: Go says "permission denied")."""
    return any(message.lower() in outcome.stderr.lower() for message in REFUSALS)


def judge_tcp(result: dict) -> Verdict:
    made = [address for address, outcome in result["tcp"].items() if outcome == "connected"]
    interfaces = result["interfaces"]
    if made or interfaces != ["lo"]:
        return Verdict(True, f"connected to {made}; interfaces {interfaces}")
    reasons = sorted(set(result["tcp"].values()))
    return Verdict(False, f"{len(result['tcp'])} addresses refused ({'; '.join(reasons)}); only lo")


def judge_udp(result: dict) -> Verdict:
    sent = {a: o for a, o in result["udp"].items() if o.startswith(("answered", "sent"))}
    if sent:
        return Verdict(True, f"datagrams left the box: {sent}")
    return Verdict(False, f"sendto refused: {'; '.join(sorted(set(result['udp'].values())))}")


def judge_dns(result: dict) -> Verdict:
    resolved = {n: o for n, o in result["dns"].items() if o.startswith("resolved")}
    if resolved:
        return Verdict(True, f"resolved {resolved}")
    return Verdict(False, f"{', '.join(result['dns'])}: {next(iter(result['dns'].values()))}")


def judge_network(result: dict) -> Verdict:
    """TCP, UDP and DNS together: leaked when any leaked."""
    verdicts = [judge_tcp(result), judge_udp(result), judge_dns(result)]
    leaked = [v.evidence for v in verdicts if v.leaked]
    return Verdict(bool(leaked), "; ".join(leaked or [v.evidence for v in verdicts]))


def judge_docker(result: dict) -> Verdict:
    unexpected = [path for path in result["sockets"] if not path.startswith("/oracle/")]
    engines = [name for name in result["abstract"] if "docker" in name or "containerd" in name]
    if result["found"] or unexpected or engines or result["DOCKER_HOST"]:
        return Verdict(
            True,
            f"found {result['found']}, sockets {unexpected}, abstract {engines}, "
            f"DOCKER_HOST {result['DOCKER_HOST']}",
        )
    return Verdict(
        False, f"no engine socket; unix sockets on the fs: {result['sockets'] or 'none'}"
    )


def judge_caps(result: dict) -> Verdict:
    if int(result["CapEff"], 16) or int(result["CapPrm"], 16) or result["NoNewPrivs"] != "1":
        return Verdict(True, f"uid {result['uid']}: {result}")
    return Verdict(False, f"uid {result['uid']}: CapEff 0, CapPrm 0, NoNewPrivs 1")


def judge_writes(result: dict, allowed: Iterable[str]) -> Verdict:
    """Leaked when anything was written outside ``allowed`` folders (or below them)."""
    allowed = tuple(allowed)
    outside = [
        path
        for path in result["written"]
        if not any(path == a or path.startswith(a + "/") for a in allowed)
    ]
    if outside:
        return Verdict(True, f"wrote to {outside}")
    return Verdict(
        False,
        f"{len(result['refused'])} places refused "
        f"({', '.join(sorted(set(result['refused'].values())))}); "
        f"writable: {result['written'] or 'none'}",
    )


def judge_oracle_absent(result: dict) -> Verdict:
    if result["exit"] == 0 or result["env"]:
        return Verdict(True, f"oracle answered or advertised: {result}")
    return Verdict(False, f"/oracle: {result['listing']}; `oracle run`: exit {result['exit']}")


def judge_procs(result: dict) -> Verdict:
    """Leaked when a foreign process could be opened, signalled or traced."""
    reached = {
        process: tried
        for process, tried in result["others"].items()
        if {"opened", "allowed", "attached"} & set(tried.values())
    }
    return Verdict(
        bool(reached),
        f"reached {reached}"
        if reached
        else f"{len(result['others'])} foreign processes, none opened, signalled or traced",
    )


def judge_visible(result: dict) -> Verdict:
    """Leaked when any process of another uid (or the runner, or the program) is visible."""
    if result["others"]:
        return Verdict(True, f"visible: {list(result['others'])[:3]}")
    return Verdict(False, f"{result['processes']} processes visible, all the agent's own")


def judge_heldout(ctx: Context, result: dict) -> Verdict:
    """Leaked when a held-out case id or input, or a heldout/ file, was found."""
    secrets = ctx.secrets
    hits = {path: found for path, found in result["hits"].items() if {0, 1} & set(found)}
    names = [name for name in result["names"] if "heldout" in name or "cases.jsonl" in name]
    if hits or names:
        return Verdict(True, f"held-out data at {list(hits)[:3]} {names[:3]}")
    return Verdict(
        False,
        f"{result['searched']} files: no held-out id {secrets.case_id} ({secrets.heldout_suite}), "
        f"input {secrets.heldout_input[:24]!r}… ({secrets.input_suite}), or heldout/ file",
    )


def judge_log(ctx: Context, result: dict) -> Verdict:
    """Leaked when the query-log marker, a receipt id, a query log or a receipt was found."""
    hits = {path: found for path, found in result["hits"].items() if set(found) - {0, 1}}
    names = [name for name in result["names"] if "receipt" in name or "queries" in name]
    if hits or names:
        return Verdict(True, f"query log or results at {list(hits)[:3]} {names[:3]}")
    receipts = f", {len(ctx.secrets.receipt_ids)} receipt ids" if ctx.secrets.receipt_ids else ""
    return Verdict(
        False,
        f"{result['searched']} files: no query-log marker (it is in the host log){receipts}, "
        "no queries.jsonl or *.receipt.json",
    )


def judge_leftovers(ctx: Context, result: dict) -> Verdict:
    """Leaked when a copy of the reference, a library or .deb of its source, or an unmasked
    hidden path was found. A spec with ``hide_source_libraries = false`` leaves its source
    package's libraries usable on purpose (gcc-12's libgcc_s): those are not leaks."""
    unmasked = {path: size for path, size in result["masked"].items() if size != 0}
    libraries = result["libraries"] if ctx.target.hide_source_libraries else []
    if result["matches"] or result["debs"] or libraries or unmasked:
        return Verdict(
            True,
            f"copies {result['matches'][:3]}, same-source libraries {libraries[:4]}, "
            f"packages {result['debs'][:3]}, unmasked {unmasked}",
        )
    private = [f for f in ctx.parts.files if f.private]
    names = ", ".join(Path(f.path).name for f in private)
    kept = len(result["libraries"]) - len(libraries)
    usable = f" ({kept} of its libraries usable, as its spec says)" if kept else ""
    return Verdict(
        False,
        f"hashed {result['hashed']} files of the sizes of {names}: no copy; no library or "
        f".deb from source {', '.join(ctx.parts.sources) or '(built here)'}{usable}; "
        f"masked: {list(result['masked']) or 'none needed'}",
    )
