"""The oracle benchmark names every route with a measured time."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.bench.cpu import CPU_ROWS
from mirror.bench.oracle import METHODS, oracle_benchmark
from mirror.bench.phases import PHASES


@pytest.mark.docker
def test_oracle_benchmark_times_every_method(tmp_path: Path) -> None:
    table = oracle_benchmark(repeat=3, batch_size=20, state=tmp_path)
    rows = {line[:32].strip(): line[32:].split() for line in table.splitlines()}
    for method in METHODS:
        median, p90, ratio = (float(value) for value in rows[method])
        assert median > 0 and p90 >= median and ratio > 0, table
    phase_rows = table.split("goes in the runner")[1].split("\n\n")[0].splitlines()[2:]
    phases = {line.split()[0]: line.split()[1:3] for line in phase_rows}
    for phase in PHASES:
        cold, warm = (float(value) for value in phases[phase])
        assert cold >= 0 and warm >= 0, table
    assert float(phases["spawn"][1]) < float(phases["spawn"][0]), table  # a warm start is cheaper
    cpu_rows = table.split("CPU goes")[1].splitlines()[2:]
    cpu = {line.split()[0]: [float(value) for value in line.split()[1:3]] for line in cpu_rows}
    assert set(cpu) == {*CPU_ROWS, "total", "wall"}, table
    assert all(value >= 0 for values in cpu.values() for value in values), table
    assert cpu["wall"][0] > 0 and cpu["wall"][1] > 0, table
