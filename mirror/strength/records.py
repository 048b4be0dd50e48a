"""The published suite-strength figures: one row per target from the records beside its
held-out suite (``coverage.json`` and ``mutation.json``)."""

from __future__ import annotations

from dataclasses import dataclass

from mirror.specs.targets import all_targets
from mirror.strength.coverage import read_record
from mirror.strength.mutate import read_mutation


@dataclass(frozen=True)
class StrengthRow:
    """A target's suite strength; ``None`` where it was not measured."""

    target: str
    visible_line: float | None
    heldout_line: float | None
    visible_branch: float | None
    heldout_branch: float | None
    heldout_function: float | None
    mutation_score: float | None
    mutants: int | None


def _figure(record: dict | None, side: str, kind: str) -> float | None:
    return record[side][kind]["percent"] if record else None


def strength_rows() -> list[StrengthRow]:
    """Every target with a coverage or mutation record, by name."""
    rows = []
    for name, target in sorted(all_targets().items()):
        coverage, mutation = read_record(target), read_mutation(target)
        if coverage is None and mutation is None:
            continue

        rows.append(
            StrengthRow(
                name,
                _figure(coverage, "visible", "line"),
                _figure(coverage, "heldout", "line"),
                _figure(coverage, "visible", "branch"),
                _figure(coverage, "heldout", "branch"),
                _figure(coverage, "heldout", "function"),
                100 * mutation["score"] if mutation else None,
                mutation["killed"] + mutation["survived"] if mutation else None,
            )
        )
    return rows
