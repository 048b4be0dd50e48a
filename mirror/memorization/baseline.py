"""The baseline band: how well a model recites code it cannot have seen.

The baseline programs (``baseline.toml``) were first released after the cutoffs the screen is
run with; a program counts for a model only when its first release is after that model's
cutoff. The project's original targets count too. The band is the mean of the programs' mean
similarities and the upper end of its two-sided 95 % t-interval (programs, not functions, are
the unit: functions of one program are not independent draws).
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean, stdev
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from scipy.stats import t as student_t

from mirror.memorization.sources import Language, Source, SourceSpecError, registry_source

BASELINE_FILE = Path(__file__).with_name("baseline.toml")
Month = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class BaselineProgram(BaseModel):
    """One program of the baseline list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    registry: Literal["pypi", "npm"]
    version: str = Field(min_length=1)
    language: Language
    first_release: str = Field(pattern=Month.pattern)
    evidence: str = Field(min_length=1)
    include: list[str] = Field(min_length=1)
    exclude: list[str] = []
    sdist: bool = False  # PyPI: take the sdist (C or Cargo sources), not the wheel

    def source(self) -> Source:
        return registry_source(
            self.name,
            self.registry,
            self.version,
            self.language,
            self.include,
            self.exclude,
            sdist=self.sdist,
        )


def baseline_programs(path: Path = BASELINE_FILE) -> list[BaselineProgram]:
    """Every program of the checked-in baseline list."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        return [BaselineProgram.model_validate(entry) for entry in data.get("program", [])]
    except ValidationError as error:
        raise SourceSpecError(f"{path}: {error}") from None


def check_cutoff(cutoff: str) -> str:
    if not Month.match(cutoff):
        raise SourceSpecError(f"cutoff {cutoff!r}: give a month as YYYY-MM")
    return cutoff


def eligible(programs: list[BaselineProgram], cutoff: str) -> list[BaselineProgram]:
    """The programs first released after ``cutoff`` (YYYY-MM): strictly later months only."""
    check_cutoff(cutoff)
    return [program for program in programs if program.first_release > cutoff]


@dataclass(frozen=True)
class Interval:
    """A mean with its two-sided 95 % t-interval (nan bounds for fewer than two values)."""

    mean: float
    low: float
    high: float
    n: int


def mean_interval(values: list[float], level: float = 0.95) -> Interval:
    if not values:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = fmean(values)
    if len(values) < 2:
        return Interval(mean, math.nan, math.nan, len(values))
    half = student_t.ppf((1 + level) / 2, len(values) - 1) * stdev(values) / math.sqrt(len(values))
    return Interval(mean, mean - half, mean + half, len(values))


@dataclass(frozen=True)
class Band:
    """The baseline band a target must clear to be flagged."""

    mean: float
    upper: float
    programs: tuple[str, ...]


def band(program_means: dict[str, float]) -> Band:
    interval = mean_interval(list(program_means.values()))
    return Band(interval.mean, interval.high, tuple(sorted(program_means)))


def flagged(target: Interval, baseline: Band) -> bool:
    """A target is memorized when its whole interval lies above the band: the lower end of its
    95 % interval over functions exceeds the band's upper bound. So a target whose sample is
    too small or too spread to tell is not flagged (a conservative rule)."""
    return not math.isnan(target.low) and target.low > baseline.upper
