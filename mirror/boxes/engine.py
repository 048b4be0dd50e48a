"""The Docker engine connection, shared by every module that builds or runs boxes."""

from __future__ import annotations

from functools import cache

import docker
import docker.errors

from mirror.errors import HarnessError


class EngineError(HarnessError):
    """The Docker engine is unreachable or refused a step."""


@cache
def engine() -> docker.DockerClient:
    """A client of the local Docker engine, or a clear error saying how to start one."""
    try:
        client = docker.from_env(version="auto", timeout=600)
        client.ping()
    except docker.errors.DockerException as error:
        raise EngineError(
            f"the Docker engine is not answering ({error}); run `make setup`, which installs "
            "docker.io and starts dockerd --bridge=none"
        ) from None
    return client


def image_exists(tag: str) -> bool:
    try:
        engine().images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True
