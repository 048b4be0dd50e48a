"""Coverage counts of a program's own files, merged across runs, and their summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Ratio:
    """Covered out of total (lines, branches or functions)."""

    covered: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"covered": self.covered, "total": self.total, "percent": round(self.percent, 2)}


@dataclass(frozen=True)
class Summary:
    """Line, branch and function coverage of one set of runs."""

    line: Ratio
    branch: Ratio
    function: Ratio

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.line.to_json(),
            "branch": self.branch.to_json(),
            "function": self.function.to_json(),
        }


@dataclass(frozen=True)
class Function:
    """A function of the program's own files and how often it ran."""

    file: str
    name: str
    start: int
    end: int
    count: int
    lines: int  # instrumented lines in it
    uncovered_lines: int


@dataclass
class Profile:
    """Counts per own file: line -> count, line -> branch counts, function -> [start, end, n].

    The shape is what ``programs/gcov_summary.py`` prints; merging sums counts, so the merge
    of two runs' profiles is the profile of both.
    """

    files: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Profile:
        return cls(data)

    def merged(self, *others: Profile) -> Profile:
        """The profile of this run and ``others`` together (a new object)."""
        result: dict[str, dict[str, dict[str, Any]]] = {}
        for profile in (self, *others):
            for path, record in profile.files.items():
                into = result.setdefault(path, {"lines": {}, "branches": {}, "functions": {}})
                for line, count in record["lines"].items():
                    into["lines"][line] = into["lines"].get(line, 0) + count
                for line, counts in record["branches"].items():
                    old = into["branches"].get(line)
                    if old is None or len(old) != len(counts):
                        into["branches"][line] = list(counts)
                    else:
                        into["branches"][line] = [a + b for a, b in zip(old, counts, strict=True)]
                for name, (start, end, count) in record["functions"].items():
                    previous = into["functions"].get(name, [start, end, 0])
                    into["functions"][name] = [start, end, previous[2] + count]
        return Profile(result)

    def covered_keys(self) -> set[tuple[str, str, str]]:
        """("line" | "branch", file, position) of everything this profile executed."""
        keys = set()
        for path, record in self.files.items():
            keys |= {("line", path, line) for line, count in record["lines"].items() if count}
            for line, counts in record["branches"].items():
                keys |= {("branch", path, f"{line}.{i}") for i, n in enumerate(counts) if n}
        return keys

    def summary(self) -> Summary:
        lines = branches = functions = 0
        lines_hit = branches_hit = functions_hit = 0
        for record in self.files.values():
            lines += len(record["lines"])
            lines_hit += sum(1 for count in record["lines"].values() if count)
            for counts in record["branches"].values():
                branches += len(counts)
                branches_hit += sum(1 for count in counts if count)
            functions += len(record["functions"])
            functions_hit += sum(1 for _, _, count in record["functions"].values() if count)
        return Summary(
            Ratio(lines_hit, lines), Ratio(branches_hit, branches), Ratio(functions_hit, functions)
        )

    def functions(self) -> list[Function]:
        """Every own function with its line counts, in file and line order."""
        found = []
        for path, record in sorted(self.files.items()):
            for name, (start, end, count) in record["functions"].items():
                inside = [c for line, c in record["lines"].items() if start <= int(line) <= end]
                found.append(
                    Function(
                        path, name, start, end, count, len(inside), sum(1 for c in inside if not c)
                    )
                )
        return sorted(found, key=lambda f: (f.file, f.start))

    def function_count(self, name: str) -> int:
        """How often the own function ``name`` ran (0 when it never did or is unknown)."""
        return sum(
            record["functions"][name][2]
            for record in self.files.values()
            if name in record["functions"]
        )

    def uncovered_functions(self, limit: int = 20) -> list[Function]:
        """The never-run functions, biggest (most instrumented lines) first."""
        never = [f for f in self.functions() if f.count == 0]
        return sorted(never, key=lambda f: (-f.lines, f.file, f.start))[:limit]
