"""Ray nodes that hold agent runs: how many each holds, joining a cluster, starting one locally.

A node advertises the custom resource ``mirror_runs`` (the concurrent agent runs it can hold)
and every run asks for one unit of it, so Ray never places more runs on a node than it holds.
Only machines with a Docker engine advertise it: ``mirror worker`` checks the engine first.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from pathlib import Path

from docker.utils import parse_bytes

from mirror.errors import HarnessError, UserError
from scaffold._boxes import Bounds

log = logging.getLogger(__name__)

RESOURCE = "mirror_runs"
# Beside its agent box, a run has a reference box and, at the end, scoring boxes.
RUN_OVERHEAD_MEMORY = 1 << 30
LOCAL_OBJECT_STORE = 512 << 20  # bytes of Ray's object store on a single machine
# Ray reports usage statistics over the network unless told not to; runs here are offline.
QUIET = {"RAY_USAGE_STATS_ENABLED": "0"}


def total_memory() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def node_slots(
    cpus: float | None = None, memory: int | None = None, bounds: Bounds | None = None
) -> int:
    """Concurrent runs a machine holds: its cores and memory over one run's boxes (at least 1)."""
    bounds = bounds or Bounds()
    cpus = cpus if cpus is not None else os.cpu_count() or 1
    memory = memory if memory is not None else total_memory()
    by_cpu = cpus // bounds.cpus
    by_memory = memory // (parse_bytes(bounds.memory) + RUN_OVERHEAD_MEMORY)
    return max(1, int(min(by_cpu, by_memory)))


def check_engine() -> None:
    """Raise HarnessError unless this machine's Docker engine answers."""
    import docker.errors
    import requests.exceptions

    from mirror.boxes.engine import engine

    try:
        engine().ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as error:
        raise HarnessError(
            f"no Docker engine on this machine ({error}); a node of a sweep runs its boxes there"
        ) from None


def quiet_ray() -> None:
    for name, value in QUIET.items():
        os.environ.setdefault(name, value)


def connect(address: str | None, slots: int | None = None) -> str:
    """Join the cluster at ``address``, or start Ray on this machine holding ``slots`` runs.

    Returns the address joined ("local" for an embedded Ray).
    """
    import ray

    quiet_ray()
    if address is None:
        check_engine()
        ray.init(
            num_cpus=os.cpu_count(),
            resources={RESOURCE: slots or node_slots()},
            object_store_memory=LOCAL_OBJECT_STORE,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
        return "local"
    ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    if not ray.cluster_resources().get(RESOURCE):
        ray.shutdown()
        raise UserError(
            f"no node of the cluster at {address} holds agent runs: start `mirror worker "
            f"--address {address}` on machines with a Docker engine"
        )
    return address


def worker_command(
    address: str | None,
    slots: int,
    port: int | None = None,
    object_store: int | None = None,
) -> list[str]:
    """``ray start`` for a node advertising ``slots`` runs: joining ``address``, or as a head."""
    ray = Path(sys.executable).with_name("ray")
    command = [str(ray) if ray.exists() else shutil.which("ray") or "ray", "start", "--block"]
    command += [f"--address={address}"] if address else ["--head", "--include-dashboard=false"]
    if port is not None and not address:
        command.append(f"--port={port}")
    command.append(f"--resources={json.dumps({RESOURCE: slots})}")
    if object_store is not None:
        command.append(f"--object-store-memory={object_store}")
    return command
