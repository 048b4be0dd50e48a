"""Mutation score: seeded single-point mutants of the reference's own source, built in one
build box from the instrumented image, each run on the held-out suite by the runner.

A mutation point is found with tree-sitter's C grammar inside a function body: a binary
operator swapped for its counterpart (``<`` for ``<=``, ``+`` for ``-``, ``&&`` for ``||``...),
an integer constant changed (0 to 1, n to n + 1) or an ``if``/``while`` condition negated. A
mutant is killed when some held-out case's outcome differs from its gold (volatile cases
aside; cases run in the order of past kills, and a mutant stops at its first kill).
"""

from __future__ import annotations

import io
import json
import logging
import os
import random
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from mirror.boxes.images import run_build_step
from mirror.errors import HarnessError
from mirror.specs.targets import Target
from mirror.strength.coverage import coverage_session
from mirror.strength.instrumented import TREE, ensure_instrumented_image, state_root
from mirror.suites import heldout_dir, load_suite
from oracle.compare import first_difference

log = logging.getLogger(__name__)

MUTATION_FILE = "mutation.json"
SWAPS = {
    "+": "-",
    "-": "+",
    "*": "/",
    "/": "*",
    "%": "*",
    "<": "<=",
    "<=": "<",
    ">": ">=",
    ">=": ">",
    "==": "!=",
    "!=": "==",
    "&&": "||",
    "||": "&&",
    "&": "|",
    "|": "&",
    "<<": ">>",
    ">>": "<<",
}
BUILD_SCRIPT = f"""
mkdir -p /out
cd {TREE}
for folder in /tmp/mutants/*; do
  id=$(basename "$folder")
  file=$(cat "$folder/path")
  cp "$file" /tmp/original
  cp "$folder/source" "$file"
  touch "$file"
  if sh -eu /tmp/cov-rebuild.sh > "/out/$id.log" 2>&1; then
    mkdir -p "/out/$id" && cp "$PROGRAM" "/out/$id/program"
  fi
  cp /tmp/original "$file"
  touch "$file"
done
"""


class MutationError(HarnessError):
    """The unmutated build failed: no mutant could be judged."""


@dataclass(frozen=True)
class Mutant:
    """One single-point change of one own source file."""

    id: int
    path: str
    line: int
    kind: str  # "operator", "constant" or "condition"
    original: str
    replacement: str
    start: int  # byte offsets of the replaced text
    end: int

    def apply(self, source: bytes) -> bytes:
        return source[: self.start] + self.replacement.encode() + source[self.end :]

    def describe(self) -> str:
        return f"{self.path}:{self.line} {self.kind} {self.original!r} -> {self.replacement!r}"


def mutation_points(path: str, source: bytes) -> list[Mutant]:
    """Every mutation point in the function bodies of one C file (ids are 0 here)."""
    import tree_sitter_c
    from tree_sitter import Language, Parser

    tree = Parser(Language(tree_sitter_c.language())).parse(source)
    found: list[Mutant] = []

    def add(node: Any, kind: str, replacement: str) -> None:
        original = source[node.start_byte : node.end_byte].decode(errors="replace")
        found.append(
            Mutant(
                0,
                path,
                node.start_point[0] + 1,
                kind,
                original,
                replacement,
                node.start_byte,
                node.end_byte,
            )
        )

    def visit(node: Any, in_body: bool) -> None:
        in_body = in_body or node.type == "function_definition"
        if in_body and not node.has_error:
            if node.type == "binary_expression":
                operator = node.child_by_field_name("operator")
                if operator is not None and operator.type in SWAPS:
                    add(operator, "operator", SWAPS[operator.type])
            elif node.type == "number_literal":
                text = source[node.start_byte : node.end_byte].decode()
                if text.isdigit():
                    add(node, "constant", "1" if int(text) == 0 else str(int(text) + 1))
            elif node.type in ("if_statement", "while_statement"):
                condition = node.child_by_field_name("condition")
                if condition is not None and condition.type == "parenthesized_expression":
                    inner = source[condition.start_byte + 1 : condition.end_byte - 1].decode(
                        errors="replace"
                    )
                    add(condition, "condition", f"(!({inner}))")
        for child in node.children:
            visit(child, in_body)

    visit(tree.root_node, False)
    return found


def choose_mutants(files: dict[str, bytes], count: int, seed: int) -> list[Mutant]:
    """``count`` mutation points drawn with ``seed`` from every own file, numbered from 1."""
    points = [p for path, source in sorted(files.items()) for p in mutation_points(path, source)]
    chosen = random.Random(seed).sample(points, min(count, len(points)))
    chosen.sort(key=lambda m: (m.path, m.start))
    return [Mutant(i, *list(asdict(m).values())[1:]) for i, m in enumerate(chosen, start=1)]


@dataclass
class MutantResult:
    mutant: Mutant
    status: str  # "killed", "survived" or "build_failed"
    killed_by: str | None = None
    build_log: str = ""


@dataclass
class MutationReport:
    target: str
    seed: int
    image: str
    cases: int
    results: list[MutantResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(result.status == status for result in self.results)

    @property
    def score(self) -> float:
        """Killed share of the mutants that built."""
        built = self.count("killed") + self.count("survived")
        return self.count("killed") / built if built else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "seed": self.seed,
            "instrumented_image": self.image,
            "heldout_cases": self.cases,
            "mutants": len(self.results),
            "killed": self.count("killed"),
            "survived": self.count("survived"),
            "build_failed": self.count("build_failed"),
            "score": round(self.score, 4),
            "results": [
                {
                    **asdict(result.mutant),
                    "status": result.status,
                    "killed_by": result.killed_by,
                }
                for result in self.results
            ],
            "seconds": round(self.seconds, 1),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }


def own_sources(target: Target) -> dict[str, bytes]:
    """The program's own source files (path in the build tree -> bytes), read from the image."""
    from mirror.boxes.engine import engine

    image = ensure_instrumented_image(target)
    container = engine().containers.create(image.tag, ["true"], network_mode="none")
    try:
        stream, _ = container.get_archive(TREE)
        data = b"".join(stream)
    finally:
        container.remove(force=True)
    from mirror.memorization.sources import own_files

    files = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts[1:]  # drop the tree's own folder name
            if member.isfile() and parts and member.name.endswith(".c"):
                handle = archive.extractfile(member)
                assert handle is not None
                files[Path(*parts).as_posix()] = handle.read()
    return own_files(files, list(image.spec.include), list(image.spec.exclude))


def build_mutants(target: Target, mutants: list[Mutant], folder: Path) -> dict[int, str]:
    """Build every mutant in one build box; binaries go to ``folder/<id>/program``.

    Returns the build log of each mutant that failed to build, by id.
    """
    image = ensure_instrumented_image(target)
    sources = own_sources(target)
    files: dict[str, bytes] = {}
    for mutant in mutants:
        files[f"tmp/mutants/{mutant.id}/path"] = mutant.path.encode()
        files[f"tmp/mutants/{mutant.id}/source"] = mutant.apply(sources[mutant.path])
    container = run_build_step(
        image.tag,
        BUILD_SCRIPT,
        f"building {len(mutants)} mutants of {target.name}",
        files,
        environment={"PROGRAM": image.recipe.program},
    )
    try:
        stream, _ = container.get_archive("/out")
        data = b"".join(stream)
    finally:
        container.remove(force=True)
    logs: dict[int, str] = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts[1:]
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is None or not parts:
                continue
            if parts[-1] == "program":
                path = folder / parts[0] / "program"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(handle.read())
                path.chmod(0o755)
                path.parent.chmod(0o755)
            elif parts[-1].endswith(".log"):
                logs[int(parts[-1].removesuffix(".log"))] = handle.read().decode(errors="replace")
    return {
        m.id: logs.get(m.id, "") for m in mutants if not (folder / str(m.id) / "program").exists()
    }


def mutation_score(
    target: Target, count: int = 30, seed: int = 0, progress: bool = True
) -> MutationReport:
    """Build ``count`` seeded mutants and run the held-out suite against each."""
    started = time.monotonic()
    suite = load_suite(target)
    entries = [entry for entry in suite.heldout if not entry.volatile]
    sources = own_sources(target)
    mutants = choose_mutants(sources, count, seed)
    # Mutant 0 changes nothing: built and run the same way, it must pass every case; a case it
    # fails (the instrumented build's own difference) cannot kill anything.
    path = sorted(sources)[0]
    control = Mutant(0, path, 1, "control", "", "", 0, 0)
    scratch = state_root() / "mutants"
    scratch.mkdir(parents=True, exist_ok=True)
    report = MutationReport(target.name, seed, ensure_instrumented_image(target).tag, len(entries))
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        folder = Path(tmp) / "mutants"
        folder.mkdir()
        folder.chmod(0o755)
        failed = build_mutants(target, [control, *mutants], folder)
        if 0 in failed:
            raise MutationError(f"the unmutated build of {target.name} failed:\n{failed[0]}")
        built = [m for m in mutants if m.id not in failed]
        report.results += [
            MutantResult(m, "build_failed", build_log=failed[m.id][-2000:])
            for m in mutants
            if m.id in failed
        ]
        if built:
            current = folder / "current"
            _point(current, built[0].id)
            kills: Counter[str] = Counter()
            volumes = {str(folder): {"bind": "/mutants", "mode": "ro"}}
            with coverage_session(target, "/mutants/current/program", volumes) as session:
                _point(current, 0)
                differ = {
                    entry.id
                    for entry in entries
                    if first_difference(entry.gold, session.client.run(entry.case)) is not None
                }
                if differ:
                    log.warning("%s: the unmutated build fails %s", target.name, sorted(differ))
                entries = [entry for entry in entries if entry.id not in differ]
                report.cases = len(entries)
                for mutant in tqdm(built, desc=f"{target.name} mutants", disable=not progress):
                    _point(current, mutant.id)
                    session.clear()  # counts of another build would not merge: start afresh
                    killer = _first_kill(session, entries, kills)
                    status = "killed" if killer else "survived"
                    report.results.append(MutantResult(mutant, status, killer))
                    if killer:
                        kills[killer] += 1
    report.results.sort(key=lambda r: r.mutant.id)
    report.seconds = time.monotonic() - started
    return report


def _point(link: Path, mutant: int) -> None:
    """Point ``link`` at one mutant's folder, atomically (the runner execs through it)."""
    fresh = link.with_name(f".{link.name}.{os.getpid()}")
    fresh.unlink(missing_ok=True)
    fresh.symlink_to(str(mutant))
    fresh.replace(link)


def _first_kill(session: Any, entries: list[Any], kills: Counter[str]) -> str | None:
    """The id of the first case (past killers first) whose outcome differs from its gold."""
    for entry in _by_kills(entries, kills):
        if first_difference(entry.gold, session.client.run(entry.case)) is not None:
            return str(entry.id)
    return None


def _by_kills(entries: list[Any], kills: Counter[str]) -> Iterator[Any]:
    yield from sorted(entries, key=lambda entry: -kills[entry.id])


def write_mutation(target: Target, report: MutationReport) -> Path:
    """Write the report as ``mutation.json`` beside the held-out suite."""
    path = heldout_dir(target) / MUTATION_FILE
    path.write_text(json.dumps(report.to_json(), indent=1) + "\n", encoding="utf-8")
    return path


def read_mutation(target: Target) -> dict[str, Any] | None:
    path = heldout_dir(target) / MUTATION_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
