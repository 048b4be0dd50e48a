"""The suite-line format: one case, its family and its gold outcome per JSON line.

Both sides read it: the host builds, checks and scores suites with it, and ``oracle test`` runs
the visible suite with it inside the agent's box. The format is in ``docs/suites.md``. A bad line
raises :class:`SuiteError` naming the file, the line, the field and what it should hold.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from oracle.case import BEHAVIOUR, Case, Outcome
from oracle.errors import CaseError

LINE_FIELDS = ("id", "family", "case", "gold", "volatile")
# The gold's fields and their JSON types; "duration" is accepted and ignored (timing is not
# behaviour).
GOLD_FIELDS = dict(
    zip(
        BEHAVIOUR,
        ("bytes", "bytes", "int?", "int?", "bool", "bool", "bool", "files", "bool"),
        strict=True,
    )
)
REQUIRED_GOLD = ("stdout", "stderr", "exit_code")  # the others have defaults
REBUILD = "rebuild the suite with `mirror tests build`"


class SuiteError(CaseError):
    """A suite file or line is malformed; the message names the file, line and field."""


def case_id(case: Case) -> str:
    """The stable id of a case: the first 16 hex digits of sha256 of its canonical JSON."""
    canonical = json.dumps(case.to_json(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SuiteCase:
    """One line of a suite: a case, its family, and the reference's gold outcome."""

    family: str
    case: Case
    gold: Outcome
    volatile: bool = False

    @cached_property
    def id(self) -> str:
        return case_id(self.case)

    def to_json(self) -> dict[str, Any]:
        gold = self.gold.to_json()
        del gold["duration"]  # timing is not behaviour, and would churn the committed files
        return {
            "id": self.id,
            "family": self.family,
            "case": self.case.to_json(),
            "gold": gold,
            "volatile": self.volatile,
        }

    def to_line(self) -> bytes:
        """The line's bytes, newline excluded: UTF-8 text kept readable where JSON allows."""
        record = self.to_json()
        try:
            return json.dumps(record, ensure_ascii=False).encode()
        except UnicodeEncodeError:  # an argument holding a lone surrogate: keep it escaped
            return json.dumps(record).encode()

    @classmethod
    def from_json(cls, record: object) -> SuiteCase:
        """Parse one line's object; a :class:`SuiteError` names the offending field."""
        if not isinstance(record, dict):
            raise SuiteError(f"expected a JSON object, got {type(record).__name__}")
        for name in LINE_FIELDS:
            if name not in record:
                raise SuiteError(f"field '{name}': missing (a line has {', '.join(LINE_FIELDS)})")
        for name in record:
            if name not in LINE_FIELDS:
                raise SuiteError(f"field '{name}': unknown (a line has {', '.join(LINE_FIELDS)})")
        if not isinstance(record["family"], str) or not record["family"]:
            raise SuiteError("field 'family': expected a non-empty string")
        if not isinstance(record["volatile"], bool):
            raise SuiteError("field 'volatile': expected true or false")
        if not isinstance(record["case"], dict):
            raise SuiteError("field 'case': expected an object")
        try:
            case = Case.from_json(record["case"])
        except CaseError as error:
            raise SuiteError(_field_error("case", error)) from None
        entry = cls(record["family"], case, _gold(record["gold"]), record["volatile"])
        if record["id"] != entry.id:
            raise SuiteError(
                f"field 'id': {record['id']!r} does not match the case, whose id is {entry.id} "
                f"(the line was edited: restore it, or {REBUILD})"
            )
        return entry


def _field_error(prefix: str, error: CaseError) -> str:
    name, _, message = str(error).partition(": ")
    return f"field '{prefix}.{name}': {message}"


def _gold(record: object) -> Outcome:
    if not isinstance(record, dict):
        raise SuiteError("field 'gold': expected an object")
    for name in record:
        if name not in GOLD_FIELDS and name != "duration":
            raise SuiteError(f"field 'gold.{name}': unknown (gold has {', '.join(GOLD_FIELDS)})")
    for name, kind in GOLD_FIELDS.items():
        if name in REQUIRED_GOLD and name not in record:
            raise SuiteError(f"field 'gold.{name}': missing")
        if kind == "files" and name not in record:
            continue
        value = record.get(name, False if kind == "bool" else None)
        if kind == "int?" and not (value is None or type(value) is int):
            raise SuiteError(f"field 'gold.{name}': expected an integer or null, got {value!r:.40}")
        if kind == "bool" and not isinstance(value, bool):
            raise SuiteError(f"field 'gold.{name}': expected true or false, got {value!r:.40}")
    try:
        return Outcome.from_json(record)
    except CaseError as error:
        raise SuiteError(_field_error("gold", error)) from None


def read_suite(path: Path) -> list[SuiteCase]:
    """Read and validate a suite file; errors name the file, the line number and the field."""
    entries: list[SuiteCase] = []
    lines: dict[str, int] = {}
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                entry = SuiteCase.from_json(json.loads(raw))
            except SuiteError as error:
                raise SuiteError(f"{path}:{number}: {error}") from None
            except ValueError as error:  # JSON or UTF-8 decoding
                raise SuiteError(f"{path}:{number}: not JSON ({error}); {REBUILD}") from None
            if entry.id in lines:
                raise SuiteError(
                    f"{path}:{number}: field 'id': {entry.id} repeats line {lines[entry.id]} "
                    "(remove one of them)"
                )
            lines[entry.id] = number
            entries.append(entry)
    return entries
