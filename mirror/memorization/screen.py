"""The screen: which functions are asked, and per model and target, the verdict.

:func:`prepare` gathers the sampled functions of the targets and of the baseline programs
(the Inspect task in ``scaffold/memorization.py`` asks a model for their bodies);
:func:`screen_records` turns the scored log into one :class:`ScreenRecord` per target, which
:func:`write_records` keeps under ``results/memorization/``.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mirror.errors import HarnessError, UserError
from mirror.memorization.baseline import (
    Band,
    band,
    baseline_programs,
    eligible,
    flagged,
    mean_interval,
)
from mirror.memorization.extract import DEFAULT_FUNCTIONS, Function, functions, sample
from mirror.memorization.sources import Manifest, Source, load_source_spec, target_source
from mirror.specs.targets import Target

log = logging.getLogger(__name__)

RECORD_GLOB = "memorization/**/*.memorization.json"
DEFAULT_CUTOFF = "2025-12"
Kind = Literal["target", "baseline"]


class ScreenRecordError(UserError, ValueError):
    """A file under ``results/memorization/`` is not a screen record; the message names it."""


@dataclass(frozen=True)
class Item:
    """One function to ask about, and whether it comes from a target or the baseline."""

    kind: Kind
    function: Function


@dataclass
class Prepared:
    """What a screen asks: its items, the sources they came from, and what could not be had."""

    items: list[Item] = field(default_factory=list)
    manifests: dict[str, Manifest] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)  # program -> why


def is_original(target: Target) -> bool:
    """An original target (its source in its own folder) cannot be memorized from elsewhere."""
    return load_source_spec(target).debian is None


def prepare(
    targets: Sequence[Target],
    k: int = DEFAULT_FUNCTIONS,
    seed: int = 0,
    cutoff: str = DEFAULT_CUTOFF,
    progress: Any = None,
) -> Prepared:
    """Fetch the sources of ``targets`` and of the baseline programs after ``cutoff``, and
    sample ``k`` functions of each. ``progress`` (a tqdm bar, say) is advanced per program.

    A source that cannot be fetched (a harness error: the archive lacks it) is recorded in
    ``unavailable`` and the screen goes on without it.
    """
    prepared = Prepared()
    programs: list[tuple[Kind, str, Any]] = [("target", t.name, t) for t in targets]
    programs += [("baseline", p.name, p) for p in eligible(baseline_programs(), cutoff)]
    if progress is not None:
        progress.reset(total=len(programs))
    for kind, name, what in programs:
        try:
            source: Source = target_source(what) if kind == "target" else what.source()
        except HarnessError as error:
            log.warning("%s: source unavailable: %s", name, str(error).splitlines()[0])
            prepared.unavailable[name] = str(error).splitlines()[0]
        else:
            prepared.manifests[name] = source.manifest
            chosen = sample(functions(source), k, seed)
            if not chosen:
                prepared.unavailable[name] = "no function of useful size in its own files"
            prepared.items += [Item(kind, function) for function in chosen]
        if progress is not None:
            progress.update()
    return prepared


class BandRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cutoff: str
    mean: float | None
    upper: float | None
    programs: list[str]


class ScreenRecord(BaseModel):
    """The screen's verdict for one model and target (format: docs/memorization.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1] = 1
    model: str = Field(min_length=1)
    target: str = Field(min_length=1)
    original: bool  # an original target: part of the baseline, never flagged
    functions: int = Field(ge=0)
    similarity: float  # mean primary (Indel) similarity over the target's functions
    chance: float  # mean similarity of the answers with the target's other sampled bodies
    excess: float  # similarity - chance, averaged over functions: what the flag decides on
    low: float | None  # the excess's two-sided 95 % t-interval (None with < 2 functions)
    high: float | None
    token_similarity: float
    band: BandRecord
    memorized: bool
    log: str  # the Inspect log the similarities come from
    source: dict[str, Any]  # the manifest: origin, name, version, requested, sha256
    seed: int
    created_at: datetime


def _number(value: float) -> float | None:
    return None if value != value else value  # NaN -> None (JSON has no NaN)


def screen_records(
    samples: Iterable[dict[str, Any]],
    model: str,
    log_location: str,
    cutoff: str,
    seed: int,
    manifests: dict[str, dict[str, Any]],
) -> list[ScreenRecord]:
    """One record per target from scored samples (each: kind, program, indel, token and
    chance, the answer's mean similarity with the program's other bodies).

    Programs are baseline programs, original targets (which join the baseline) and targets;
    the band and the flags are on excess similarity (indel - chance).
    """
    by_program: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for one in samples:
        by_program[one["program"]].append(one)
    originals = {
        program
        for program, scored in by_program.items()
        if scored[0]["kind"] == "target" and manifests[program]["origin"] == "repository"
    }
    baseline_means = {
        program: sum(s["indel"] - s["chance"] for s in scored) / len(scored)
        for program, scored in by_program.items()
        if scored[0]["kind"] == "baseline" or program in originals
    }
    the_band: Band = band(baseline_means)
    band_record = BandRecord(
        cutoff=cutoff,
        mean=_number(the_band.mean),
        upper=_number(the_band.upper),
        programs=list(the_band.programs),
    )
    now = datetime.now(UTC)
    records = []
    for program, scored in sorted(by_program.items()):
        if scored[0]["kind"] != "target":
            continue
        interval = mean_interval([s["indel"] - s["chance"] for s in scored])
        records.append(
            ScreenRecord(
                model=model,
                target=program,
                original=program in originals,
                functions=len(scored),
                similarity=sum(s["indel"] for s in scored) / len(scored),
                chance=sum(s["chance"] for s in scored) / len(scored),
                excess=interval.mean,
                low=_number(interval.low),
                high=_number(interval.high),
                token_similarity=sum(s["token"] for s in scored) / len(scored),
                band=band_record,
                memorized=program not in originals and flagged(interval, the_band),
                log=log_location,
                source=manifests[program],
                seed=seed,
                created_at=now,
            )
        )
    return records


def manifest_record(manifest: Manifest) -> dict[str, Any]:
    return {**asdict(manifest), "exact": manifest.exact}


def model_folder(model: str) -> str:
    """A model name as one folder name (``openai/gpt-x`` -> ``openai_gpt-x``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model)


def write_records(records: Sequence[ScreenRecord], results_dir: Path) -> list[Path]:
    """Write each record to ``results/memorization/<model>/<target>.memorization.json``."""
    written = []
    for record in records:
        path = (
            results_dir
            / "memorization"
            / model_folder(record.model)
            / f"{record.target}.memorization.json"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def read_records(results_dir: Path) -> list[ScreenRecord]:
    """Every screen record under ``results_dir``, the newest per (model, target)."""
    newest: dict[tuple[str, str], ScreenRecord] = {}
    for path in sorted(results_dir.glob(RECORD_GLOB)):
        try:
            record = ScreenRecord.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as error:
            raise ScreenRecordError(f"{path}: not a screen record: {error}") from None
        key = (record.model, record.target)
        if key not in newest or record.created_at > newest[key].created_at:
            newest[key] = record
    return sorted(newest.values(), key=lambda record: (record.model, record.target))
