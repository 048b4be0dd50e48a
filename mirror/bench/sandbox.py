"""What the mirror sandbox adds to a tool call: ``exec`` of ``true`` through the provider, beside
the same through ``docker exec``, into the same agent box in one run."""

from __future__ import annotations

import asyncio
import logging
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mirror.specs.targets import get_target

log = logging.getLogger(__name__)

PROVIDER = "mirror sandbox exec (Docker API)"
CLI = "docker exec CLI"


@dataclass(frozen=True)
class Timing:
    """Round trips of one route, in milliseconds."""

    method: str
    median_ms: float
    p90_ms: float
    runs: int


def sandbox_benchmark(target_name: str, repeat: int, state: Path) -> list[Timing]:
    """Start one sample's boxes and time ``true`` by each route, alternating the two."""
    from scaffold._sandbox import MirrorSandbox, MirrorSandboxConfig

    async def main() -> list[Timing]:
        config = MirrorSandboxConfig(state=str(state))
        metadata = {"target": get_target(target_name).name}
        environments = await MirrorSandbox.sample_init("bench", config, metadata)
        box = environments["default"]
        try:
            name = box.as_type(MirrorSandbox).boxes.agent.name

            async def provider() -> None:
                result = await box.exec(["true"])
                assert result.success, result.stderr

            def cli() -> None:
                subprocess.run(["docker", "exec", name, "true"], check=True)

            samples: dict[str, list[float]] = {PROVIDER: [], CLI: []}
            for index in range(repeat + 1):  # the first round warms both up and is not kept
                for method, run in ((PROVIDER, provider), (CLI, cli)):
                    elapsed = await _time(run)
                    if index:
                        samples[method].append(elapsed)
            return [_timing(method, ms) for method, ms in samples.items()]
        finally:
            await MirrorSandbox.sample_cleanup("bench", config, environments, False)

    return asyncio.run(main())


async def _time(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    result = run()
    if asyncio.iscoroutine(result):
        await result
    return (time.perf_counter() - started) * 1000


def _timing(method: str, ms: list[float]) -> Timing:
    p90 = statistics.quantiles(ms, n=10)[-1] if len(ms) > 1 else ms[0]
    return Timing(method, statistics.median(ms), p90, len(ms))
