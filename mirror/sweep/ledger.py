"""The sweep's ledger: a Ray actor on the head that every attempt reports to as it starts.

It numbers attempts (Ray retries a task whose node died without telling it), remembers the box
owner of each, so a retry can remove what a dead attempt left, tells the head which runs are
under way and where, and tells runs not to start once the head is stopping.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Running:
    """An attempt under way."""

    node: str
    owner: str
    attempt: int
    started_at: float


class Ledger:
    """Attempts per run (seeded from the manifest when a sweep resumes) and runs under way."""

    def __init__(self, attempts: dict[str, int], owners: dict[str, list[str]]) -> None:
        self.attempts = dict(attempts)
        self.owners = {key: list(found) for key, found in owners.items()}
        self.running: dict[str, Running] = {}
        self.stopping = False

    def started(self, key: str, node: str, owner: str) -> tuple[int, list[str]]:
        """Record an attempt of ``key``; return its number and the earlier attempts' owners."""
        attempt = self.attempts.get(key, 0) + 1
        self.attempts[key] = attempt
        earlier = self.owners.setdefault(key, [])
        before = list(earlier)
        earlier.append(owner)
        self.running[key] = Running(node, owner, attempt, time.time())
        return attempt, before

    def finished(self, key: str) -> None:
        self.running.pop(key, None)

    def stop(self) -> None:
        """Start no further run: the head is stopping the sweep."""
        self.stopping = True

    def should_stop(self) -> bool:
        return self.stopping

    def snapshot(self) -> tuple[dict[str, Running], dict[str, list[str]]]:
        """Runs under way, and every run's owners so far."""
        return dict(self.running), {key: list(found) for key, found in self.owners.items()}
