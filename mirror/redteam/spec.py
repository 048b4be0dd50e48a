"""Per-target red-team files: ``targets/<name>/redteam.toml``, read into a validated model.

What the red team knows about one target lives in its file, not in code: whether
``mirror redteam`` attacks it when no target is named, the ways its program reads a named file
(each must be refused on the binary, /proc and the query log), and cases that write, crash,
print the environment, run for a while or fetch a URL, and how it runs a shell command. A target
without a file gets only the attacks every target gets. For example, for a sed-like program::

    default = true

    [[readers]]               # `{path}` stands for the file to read
    how = "sed r"
    args = ["r {path}"]
    stdin = "-\\n"
    silent = true             # refuses without a message
    shows = { differs_from = "-\\n" }

    [shell]                   # `{command}` stands for a shell command
    args = ["1e {command}"]
    stdin = "x\\n"

    [crash]
    args = ["1e kill -SEGV $PPID"]
    stdin = "x\\n"

    [source]                  # a script an interpreter runs, bundled into the binary
    paths = ["/usr/lib/node_modules/tool/index.js"]
    markers = ["a string only the tool's own code holds"]
"""

from __future__ import annotations

import logging
import tomllib
import types
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mirror.specs.targets import SpecError, Target, all_targets
from oracle.case import DEFAULT_TIMEOUT, MAX_TIMEOUT, Case, Outcome

log = logging.getLogger(__name__)
FILE_NAME = "redteam.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseSpec(_Strict):
    """A case: arguments, stdin as text, a time limit in seconds."""

    args: list[str] = []
    stdin: str = ""
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0, le=MAX_TIMEOUT)

    def case(
        self, files: dict[str, bytes] | None = None, timeout: float | None = None, **fill: str
    ) -> Case:
        """The case, each ``{key}`` in its arguments replaced by ``fill[key]``."""
        args = []
        for arg in self.args:
            for key, value in fill.items():
                arg = arg.replace("{" + key + "}", value)
            args.append(arg)
        return Case(tuple(args), self.stdin.encode(), files or {}, timeout=timeout or self.timeout)


def _template(spec: CaseSpec, placeholder: str) -> None:
    if not any("{" + placeholder + "}" in arg for arg in spec.args):
        raise ValueError(f"no argument holds {{{placeholder}}}; put it where it goes")


class Shows(_Strict):
    """When a reader's outcome shows the file's bytes. With no test set: any output on
    ``stream``; else the one test set (at most one)."""

    stream: Literal["stdout", "stderr"] = "stdout"
    contains: str | None = None  # the stream holds this text
    differs_from: str | None = None  # the stream is not exactly this (the input echoed back)
    digits: bool = False  # the stream, stripped, is a number (a length read)

    @model_validator(mode="after")
    def _one_test(self) -> Shows:
        tests = [self.contains is not None, self.differs_from is not None, self.digits]
        if sum(tests) > 1:
            raise ValueError("set at most one of contains, differs_from, digits")
        return self

    def __call__(self, outcome: Outcome) -> bool:
        data: bytes = getattr(outcome, self.stream)
        if self.contains is not None:
            return self.contains.encode() in data
        if self.differs_from is not None:
            return data != self.differs_from.encode()
        if self.digits:
            return data.strip().isdigit()
        return bool(data)


class Reader(CaseSpec):
    """One way the program reads a named file (``{path}`` in its arguments) and shows it."""

    how: str = Field(min_length=1)
    shows: Shows = Shows()
    silent: bool = False  # refuses without a message (sed's r and R ignore unreadable files)

    @model_validator(mode="after")
    def _has_path(self) -> Reader:
        _template(self, "path")
        return self


class Shell(CaseSpec):
    """How the program runs a shell command (``{command}`` in its arguments)."""

    @model_validator(mode="after")
    def _has_command(self) -> Shell:
        _template(self, "command")
        return self


class Source(_Strict):
    """The reference's own code beyond its binary, for a program an interpreter runs (a script
    bundled into a launcher): where an installation would keep it, and strings only it holds."""

    paths: list[str] = []  # each reader must fail to show each
    markers: list[str] = Field(min_length=1)  # no file a box's users can read may hold one


class RedTeamSpec(_Strict):
    """A target's red-team file; every field is optional."""

    default: bool = False  # attacked by `mirror redteam` when no target is named
    readers: list[Reader] = []  # ways to read a file: each must be refused
    writes: list[CaseSpec] = []  # cases that write a file outside /case: each must be refused
    crash: CaseSpec | None = None  # dies of a signal: no core file may be left
    environment: CaseSpec | None = None  # prints the environment: no sign of the sandbox
    slow: CaseSpec | None = None  # runs a few seconds: not visible from the agent's box
    fetches: list[CaseSpec] = []  # fetch a URL: each must fail
    shell: Shell | None = None  # runs a shell command: what that shell reaches
    overhead: CaseSpec | None = None  # timed by benchmarks/sandbox_overhead.py
    source: Source | None = None  # the reference's code that is not its binary


def _fields_at(model: type[BaseModel], location: tuple[int | str, ...]) -> list[str]:
    """The field names allowed at ``location`` inside ``model`` (for an unknown field)."""
    for part in location[:-1]:
        if isinstance(part, int):
            continue
        annotation: Any = model.model_fields[part].annotation
        while get_origin(annotation) in (list, Union, types.UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        model = annotation
    return list(model.model_fields)


def _problem(issue: Any) -> str:
    where = ".".join(map(str, issue["loc"]))
    if issue["type"] == "extra_forbidden":
        allowed = ", ".join(_fields_at(RedTeamSpec, issue["loc"]))
        return f"field '{where}': unknown; remove it or use one of: {allowed}"
    if issue["type"] == "missing":
        return f"field '{where}': required; add it"
    message = issue["msg"].removeprefix("Value error, ")
    return f"field '{where}': {message} (got {issue['input']!r:.60})"


def load_redteam(path: Path) -> RedTeamSpec:
    """Read and validate one red-team file; a missing file is an empty spec."""
    if not path.exists():
        return RedTeamSpec()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: not valid TOML ({error}); fix the syntax") from None
    try:
        return RedTeamSpec.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(_problem(issue) for issue in error.errors())
        raise SpecError(f"{path}: invalid red-team file: {problems}") from None


def redteam_spec(target: Target) -> RedTeamSpec:
    """The red-team file of ``target`` (``targets/<name>/redteam.toml``), read once."""
    return _load_once(target.folder / FILE_NAME)


_load_once = cache(load_redteam)


def default_targets() -> list[Target]:
    """Targets whose red-team file says ``default = true``, by name."""
    chosen = [target for target in all_targets().values() if redteam_spec(target).default]
    if not chosen:
        raise SpecError(
            f"no target's {FILE_NAME} says `default = true`; name targets or set it in one"
        )
    return chosen
