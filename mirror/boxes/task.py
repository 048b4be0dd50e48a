"""What an agent is given for a target: docs, the visible suite, and the candidate contract."""

from __future__ import annotations

from pathlib import Path

from mirror.boxes.images import reference_docs
from mirror.specs.targets import Target
from mirror.suites import visible_path

CONTRACT = """\
# Task: reimplement `{command}`

{description}

Rebuild this program so that, for any input, your build prints exactly what the reference
prints (stdout and stderr, byte for byte) and exits with the same code. You are scored on
held-out tests you never see: similar in kind to the visible ones, different in content.

- Docs: /task/docs/ (the program's manual, as text).
- Visible tests: /task/tests/visible.jsonl; `oracle test` runs them against your build and
  shows the differences.
- The oracle: `oracle run [--stdin FILE] [--file NAME=PATH] -- ARGS...` runs the real program
  on any input and prints exactly what it printed, with its exit code; `oracle batch` takes
  many cases as JSON Lines. The program itself is not in this box.
- Your workspace: /work. Put your source there, and optionally /work/build.sh (run once with
  `sh build.sh` in /work, no network, before scoring). After the build, /work/bin/{command}
  must be the executable. Languages: {languages}.
- Every case runs in a fresh empty folder with env LANG=C.UTF-8, TZ=UTC, HOME=that folder.
"""


def write_task(target: Target, into: Path) -> Path:
    """Write the task folder (mounted read-only at /task in the agent box)."""
    (into / "docs").mkdir(parents=True, exist_ok=True)
    (into / "tests").mkdir(exist_ok=True)
    for name, text in reference_docs(target).items():
        (into / "docs" / name).write_bytes(text)
    (into / "tests" / "visible.jsonl").write_bytes(visible_path(target).read_bytes())
    (into / "TASK.md").write_text(
        CONTRACT.format(
            command=target.command,
            description=target.description,
            languages=", ".join(language.value for language in target.languages),
        )
    )
    return into
